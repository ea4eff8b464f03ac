//! The review workflow's document work: a body rewritten into another one
//! (restoring a revision) as one small edit.
//!
//! # Layout
//!
//! - [`rewrite`]: the edit that turns the current body into a given body,
//!   keeping every block and character the two share.

pub mod rewrite;

pub use rewrite::rewrite_body;
