//! Applies a keystroke stream through crdt-core's apply path once, for
//! profiling (`valgrind --tool=callgrind target/release/examples/core_apply`).
use std::sync::Arc;

use bytes::Bytes;
use crdt_core::{AuthorId, DecodedUpdate, Document};
use quire_benches::keystrokes;

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
    let mut document = Document::new();
    for u in &updates {
        document
            .apply(DecodedUpdate::decode(u.clone()).unwrap(), &author)
            .unwrap();
    }
    println!(
        "{} updates, {} bytes of state",
        updates.len(),
        document.encode_state().len()
    );
}
