//! The structural scan alone, over the whole traces, N rounds (default 400):
//! for instruction counts that hold on a busy machine,
//! `valgrind --tool=callgrind target/release/examples/scan_only N`, once
//! with 1 and once with 11 rounds; the difference over 10 is one round.
//! `cargo build --release -p quire-benches --example scan_only`.

use bytes::Bytes;
use quire_benches::{apply, traces};

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(400, |a| a.parse().expect("a number of rounds"));
    let updates: Vec<Bytes> = traces::WHOLE_TRACES
        .iter()
        .map(|name| {
            Bytes::from(apply::v2_to_v1(
                &traces::whole_trace_v2(name).expect("trace file"),
            ))
        })
        .collect();
    for _ in 0..rounds {
        for update in &updates {
            crdt_core::validate::scan_update_v1(update).expect("a trace scans");
        }
    }
}
