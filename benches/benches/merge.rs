//! Merge throughput on real editing traces: crdt-core's apply path against
//! raw yrs (and, behind features, automerge and loro) in one run.
//!
//! - `whole_trace/*`: S1 S2 S3 C1 C2 applied into a fresh document.
//! - `keystrokes/*`: automerge-paper and seph-blog1 as one remote update per
//!   keystroke, applied one by one and in the server's batches of 100.
//! - `concurrent/*`: friendsforever and clownschool replayed as their peers,
//!   a document each, and the peers' states merged.
//!
//! Every document is built inside the timed loop. Run with `cargo bench -p
//! quire-benches`; `QUIRE_TRACES` points at the traces when they are not in
//! `../shared/data/traces`.

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use crdt_core::{DecodedUpdate, Document};
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput, measurement::WallTime};
use quire_benches::apply::{self, author, text_of};
use quire_benches::{concurrent, keystrokes, traces};
use yrs::updates::decoder::Decode;
use yrs::{Doc, Transact, Update};

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sampling_mode(SamplingMode::Flat);
    g
}

fn whole_trace(c: &mut Criterion) {
    let author = author();
    let mut g = group(c, "whole_trace");
    // Tens of milliseconds each: more samples for a ratio that holds.
    g.sample_size(30).measurement_time(Duration::from_secs(3));
    for name in traces::WHOLE_TRACES {
        let v2 = traces::whole_trace_v2(name).expect("trace file");
        let v1 = Bytes::from(apply::v2_to_v1(&v2));
        assert_eq!(
            text_of(apply::core_whole(&v1, &author).doc()),
            text_of(&apply::yrs_whole(&v1))
        );
        g.throughput(Throughput::Bytes(v1.len() as u64));
        g.bench_function(format!("{name}/yrs"), |b| {
            b.iter(|| black_box(apply::yrs_whole(&v1)))
        });
        g.bench_function(format!("{name}/crdt_core"), |b| {
            b.iter(|| black_box(apply::core_whole(&v1, &author)))
        });
        g.bench_function(format!("{name}/yrs_v2"), |b| {
            b.iter(|| black_box(apply::yrs_whole_v2(&v2)))
        });
    }
    g.finish();
}

fn keystroke_stream(c: &mut Criterion) {
    let author = author();
    let mut g = group(c, "keystrokes");
    for name in ["automerge-paper", "seph-blog1"] {
        let updates: Vec<Bytes> = keystrokes::stream(name)
            .expect("trace file")
            .into_iter()
            .map(Bytes::from)
            .collect();
        let expected = traces::SequentialTrace::load(name)
            .expect("trace file")
            .end_content;
        g.throughput(Throughput::Elements(updates.len() as u64));
        for (variant, run) in apply::keystroke_variants() {
            assert_eq!(text_of(&run(&updates, &author)), expected, "{variant}");
            g.bench_function(format!("{name}/{variant}"), |b| {
                b.iter(|| black_box(run(&updates, &author)))
            });
        }
    }
    g.finish();
}

fn concurrent_merge(c: &mut Criterion) {
    let author = author();
    let mut g = group(c, "concurrent");
    for name in ["friendsforever", "clownschool"] {
        let trace = traces::ConcurrentTrace::load(name).expect("trace file");
        let peers = concurrent::replay(&trace);
        assert_eq!(concurrent::merged_text(&peers.states), trace.end_content);
        let states: Vec<Bytes> = peers.states.into_iter().map(Bytes::from).collect();
        g.throughput(Throughput::Elements(trace.txns.len() as u64));
        g.bench_function(format!("{name}/replay_as_peers"), |b| {
            b.iter(|| {
                let peers = concurrent::replay(&trace);
                black_box(peers)
            })
        });
        g.bench_function(format!("{name}/merge_peers_yrs"), |b| {
            b.iter(|| {
                let doc = Doc::new();
                let mut txn = doc.transact_mut();
                for s in &states {
                    txn.apply_update(Update::decode_v1(s).unwrap()).unwrap();
                }
                drop(txn);
                black_box(doc)
            })
        });
        g.bench_function(format!("{name}/merge_peers_crdt_core"), |b| {
            b.iter(|| {
                let mut document = Document::new();
                for s in &states {
                    document
                        .apply(DecodedUpdate::decode(s.clone()).unwrap(), &author)
                        .unwrap();
                }
                black_box(document)
            })
        });
        let merged = {
            let mut document = Document::new();
            for s in &states {
                document
                    .apply(DecodedUpdate::decode(s.clone()).unwrap(), &author)
                    .unwrap();
            }
            document
        };
        assert_eq!(text_of(merged.doc()), trace.end_content);
    }
    g.finish();
}

#[cfg(any(feature = "automerge", feature = "loro"))]
mod peers {
    //! The final automerge-paper document loaded into a fresh document by
    //! each library: yrs from `b4-update.v1.bin`, automerge from its saved
    //! form, loro from its snapshot, each built once outside the timed loop.

    use super::*;

    pub fn load(c: &mut Criterion) {
        let trace = traces::SequentialTrace::load("automerge-paper").expect("trace file");
        let b4 = traces::read("b4-update.v1.bin").expect("trace file");
        let mut g = group(c, "peers_load/automerge-paper");
        g.bench_function("yrs", |b| b.iter(|| black_box(apply::yrs_whole(&b4))));
        #[cfg(feature = "automerge")]
        {
            use automerge::transaction::Transactable;
            use automerge::{AutoCommit, ObjType, ROOT, ReadDoc};
            let mut doc = AutoCommit::new();
            let text = doc.put_object(ROOT, "text", ObjType::Text).unwrap();
            for p in trace.patches() {
                doc.splice_text(&text, p.0, p.1 as isize, &p.2).unwrap();
            }
            assert_eq!(doc.text(&text).unwrap(), trace.end_content);
            let saved = doc.save();
            g.bench_function("automerge", |b| {
                b.iter(|| black_box(AutoCommit::load(&saved).unwrap()))
            });
        }
        #[cfg(feature = "loro")]
        {
            use loro::{ExportMode, LoroDoc};
            let doc = LoroDoc::new();
            let text = doc.get_text("text");
            for p in trace.patches() {
                if p.1 > 0 {
                    text.delete(p.0, p.1).unwrap();
                }
                if !p.2.is_empty() {
                    text.insert(p.0, &p.2).unwrap();
                }
            }
            doc.commit();
            assert_eq!(text.to_string(), trace.end_content);
            let snapshot = doc.export(ExportMode::Snapshot).unwrap();
            let updates = doc.export(ExportMode::all_updates()).unwrap();
            g.bench_function("loro_snapshot", |b| {
                b.iter(|| {
                    let doc = LoroDoc::new();
                    doc.import(&snapshot).unwrap();
                    black_box(doc)
                })
            });
            g.bench_function("loro_updates", |b| {
                b.iter(|| {
                    let doc = LoroDoc::new();
                    doc.import(&updates).unwrap();
                    black_box(doc)
                })
            });
        }
        g.finish();
    }
}

#[cfg(not(any(feature = "automerge", feature = "loro")))]
mod peers {
    pub fn load(_: &mut criterion::Criterion) {}
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    whole_trace(&mut c);
    keystroke_stream(&mut c);
    concurrent_merge(&mut c);
    peers::load(&mut c);
    c.final_summary();
}
