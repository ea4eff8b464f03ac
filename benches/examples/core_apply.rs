//! Applies a keystroke stream through crdt-core's apply path once, in runs
//! of 100 as the server takes a tick, for profiling
//! (`valgrind --tool=callgrind target/release/examples/core_apply [trace]`).
use std::sync::Arc;

use bytes::Bytes;
use crdt_core::AuthorId;
use quire_benches::{apply, keystrokes};

fn main() {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "seph-blog1".into());
    let updates: Vec<Bytes> = keystrokes::stream(&name)
        .expect("trace")
        .into_iter()
        .map(Bytes::from)
        .collect();
    let author: AuthorId = Arc::from("profile");
    let document = apply::core_batch_run(&updates, &author);
    println!(
        "{} updates, {} bytes of state",
        updates.len(),
        document.encode_state().len()
    );
}
