//! Replays every JSON trace once and checks its final text.
use quire_benches::{concurrent, keystrokes, traces};
use std::time::Instant;

fn main() {
    for name in ["automerge-paper", "seph-blog1"] {
        let t = Instant::now();
        let trace = traces::SequentialTrace::load(name).unwrap();
        let updates = keystrokes::generate(&trace);
        println!("{name}: {} updates in {:?}", updates.len(), t.elapsed());
    }
    for name in ["friendsforever", "clownschool"] {
        let t = Instant::now();
        let trace = traces::ConcurrentTrace::load(name).unwrap();
        let peers = concurrent::replay(&trace);
        let text = concurrent::merged_text(&peers.states);
        println!(
            "{name}: agents {} txns {} equal {} ({} vs {}) in {:?}",
            trace.num_agents,
            trace.txns.len(),
            text == trace.end_content,
            text.chars().count(),
            trace.end_content.chars().count(),
            t.elapsed()
        );
    }
}
