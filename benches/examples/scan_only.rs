use bytes::Bytes;
use quire_benches::apply;
use quire_benches::traces;
fn main() {
    let all: Vec<Bytes> = traces::WHOLE_TRACES
        .iter()
        .map(|n| Bytes::from(apply::v2_to_v1(&traces::whole_trace_v2(n).unwrap())))
        .collect();
    for u in &all {
        println!("{} bytes", u.len());
    }
    let n: usize = std::env::args().nth(1).map_or(400, |a| a.parse().unwrap());
    for _ in 0..n {
        for u in &all {
            crdt_core::validate::scan_update_v1(u).unwrap();
        }
    }
}
