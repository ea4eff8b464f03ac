//! How much of crdt-core's whole-trace apply is its pre-scan
//! (`validate::scan_update_v1`), interleaved with the full apply and raw yrs.
//! `cargo run --release -p quire-benches --example scan_share`.

use std::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use quire_benches::apply::{self, author};
use quire_benches::traces;

fn main() {
    let author = author();
    for name in traces::WHOLE_TRACES {
        let v1 = Bytes::from(apply::v2_to_v1(
            &traces::whole_trace_v2(name).expect("trace file"),
        ));
        let (mut scan, mut core, mut yrs) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..31 {
            let t = Instant::now();
            crdt_core::validate::scan_update_v1(&v1).unwrap();
            scan.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            black_box(apply::core_whole(&v1, &author));
            core.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            black_box(apply::yrs_whole(&v1));
            yrs.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (s, c, y) = (median(scan), median(core), median(yrs));
        println!(
            "{name}: scan {s:.2} ms, crdt-core {c:.2} ms, yrs {y:.2} ms, crdt-core/yrs {:.3}, without the scan {:.3}",
            c / y,
            (c - s) / y
        );
    }
}
