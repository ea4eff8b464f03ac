//! Merge ratios measured interleaved: each round times every variant once,
//! in a rotating order, and the ratio to the baseline is taken within the
//! round; the median over rounds is printed as JSON. On a shared or noisy
//! machine this holds better than comparing criterion runs made minutes
//! apart. `cargo run --release -p quire-benches --example ratios [rounds]`.

use std::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use quire_benches::apply::{self, author, text_of};
use quire_benches::{keystrokes, traces};
use serde_json::{Value, json};

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn time(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1e3
}

/// Times `variants` over `rounds` rounds; returns per variant the median ms
/// and the median ratio to variant 0 within a round.
fn interleaved(rounds: usize, variants: &[(&str, &dyn Fn())]) -> Value {
    let n = variants.len();
    let mut ms = vec![Vec::new(); n];
    let mut ratios = vec![Vec::new(); n];
    for (_, f) in variants {
        f(); // warm-up
    }
    for round in 0..rounds {
        let mut this = vec![0.0; n];
        for k in 0..n {
            let i = (round + k) % n;
            this[i] = time(variants[i].1);
        }
        for i in 0..n {
            ms[i].push(this[i]);
            ratios[i].push(this[i] / this[0]);
        }
    }
    let mut out = serde_json::Map::new();
    for (i, (name, _)) in variants.iter().enumerate() {
        out.insert(
            (*name).to_owned(),
            json!({"median_ms": median(ms[i].clone()), "ratio_to_first": median(ratios[i].clone())}),
        );
    }
    Value::Object(out)
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let author = author();
    let mut whole = serde_json::Map::new();
    for name in traces::WHOLE_TRACES {
        let v1 = Bytes::from(apply::v2_to_v1(
            &traces::whole_trace_v2(name).expect("trace file"),
        ));
        let yrs = || {
            black_box(apply::yrs_whole(&v1));
        };
        let core = || {
            black_box(apply::core_whole(&v1, &author));
        };
        whole.insert(
            (*name).to_owned(),
            interleaved(rounds * 2, &[("yrs", &yrs), ("crdt_core", &core)]),
        );
        eprintln!("{name} done");
    }
    let mut streams = serde_json::Map::new();
    for name in ["automerge-paper", "seph-blog1"] {
        let updates: Vec<Bytes> = keystrokes::stream(name)
            .expect("trace file")
            .into_iter()
            .map(Bytes::from)
            .collect();
        let expected = traces::SequentialTrace::load(name)
            .expect("trace file")
            .end_content;
        let variants = apply::keystroke_variants();
        for (variant, run) in &variants {
            assert_eq!(text_of(&run(&updates, &author)), expected, "{variant}");
        }
        let closures: Vec<Box<dyn Fn()>> = variants
            .iter()
            .map(|(_, run)| {
                let (run, updates, author) = (*run, &updates, &author);
                Box::new(move || {
                    black_box(run(updates, author));
                }) as Box<dyn Fn()>
            })
            .collect();
        let named: Vec<(&str, &dyn Fn())> = variants
            .iter()
            .zip(&closures)
            .map(|((n, _), f)| (*n, f.as_ref()))
            .collect();
        let mut result = interleaved(rounds.div_ceil(3).max(3), &named);
        result["updates"] = json!(updates.len());
        streams.insert(name.to_owned(), result);
        eprintln!("{name} done");
    }
    println!(
        "{}",
        json!({"rounds": rounds, "whole_trace": whole, "keystrokes": streams})
    );
}
