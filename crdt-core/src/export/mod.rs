//! Export of the body from the [`crate::model`] tree.

mod text;

pub use text::plain_text;
