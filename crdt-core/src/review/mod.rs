//! The review workflow's document work: a body rewritten into another one
//! (restoring a revision) as one small edit, and two bodies compared.
//!
//! # Layout
//!
//! - [`rewrite`]: the edit that turns the current body into a given body,
//!   keeping every block and word the two share.
//! - [`compare`]: two bodies compared word by word, each run with its writer.
//! - [`revert`]: the body with one member's changes in a range undone.

pub mod compare;
pub mod revert;
pub mod rewrite;

pub use compare::{Change, ChangeKind, compare};
pub use revert::{Replay, reverted_body};
pub use rewrite::rewrite_body;
