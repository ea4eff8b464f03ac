//! Quire's fuzz targets: the checks they run ([`harness`]) and the seed
//! corpus they start from ([`seeds`]).

pub mod harness;
pub mod seeds;
