//! Benchmarks and the load generator for Quire.
//!
//! # Layout
//!
//! - [`apply`]: the ways of applying updates that the benchmarks compare.
//! - [`traces`]: the editing traces (`../shared/data/traces`) and their formats.
//! - [`keystrokes`]: a sequential trace replayed into one v1 update per
//!   keystroke, the remote updates a server receives; cached in `target/`.
//! - [`concurrent`]: a concurrent trace replayed as its peers, a document each.
//! - [`load`]: the websocket load generator behind `src/bin/loadgen.rs`.
//!
//! The criterion benchmarks live in `benches/merge.rs`; the Node.js peers in
//! `js/`; `run-load.sh` runs the load scenarios and writes `RESULTS.md`.

pub mod apply;
pub mod concurrent;
pub mod keystrokes;
pub mod load;
pub mod traces;
