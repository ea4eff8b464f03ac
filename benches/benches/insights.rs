//! What `GET /docs/{id}/contributions` computes, on a 100,000-character
//! document with a long history from four authors: the author of every
//! present character (per section), and the timeline from the statistics.

use std::sync::Arc;

use bytes::Bytes;
use crdt_core::authorship::{self, Stats};
use crdt_core::import;
use crdt_core::{DecodedUpdate, Document};
use criterion::{Criterion, criterion_group, criterion_main};
use quire_benches::traces::SequentialTrace;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use yrs::types::xml::XmlOut;
use yrs::updates::decoder::Decode;
use yrs::{Doc, Options, ReadTxn, StateVector, Text, Transact, Update, XmlFragment};

/// Edits made after the paper is imported, by three more authors.
const EDITS: usize = 5_000;

fn build() -> (Document, Stats) {
    let paper = SequentialTrace::load("automerge-paper").expect("trace");
    let body = import::text(&paper.end_content).unwrap().doc;
    let mut document = Document::new();
    let mut stats = Stats::default();
    let t0 = 1_800_000_000_000u64;
    let first = import::replace_body(&document, &body, 1).expect("writes");
    let applied = document
        .apply(
            DecodedUpdate::decode(Bytes::from(first)).unwrap(),
            &Arc::from("author0"),
        )
        .unwrap();
    stats.record("author0", t0, applied);

    let mut rng = StdRng::seed_from_u64(7);
    let writers: Vec<Doc> = (0..3)
        .map(|i| {
            let doc = Doc::with_options(Options {
                offset_kind: yrs::OffsetKind::Utf16,
                ..Options::with_client_id(yrs::ClientID::new(100 + i))
            });
            let state = document.encode_state();
            doc.transact_mut()
                .apply_update(Update::decode_v1(&state).unwrap())
                .unwrap();
            doc
        })
        .collect();
    for edit in 0..EDITS {
        let who = rng.random_range(0..writers.len());
        let doc = &writers[who];
        let content = doc.get_or_insert_xml_fragment("content");
        let update = {
            let mut txn = doc.transact_mut();
            let before = txn.state_vector();
            let blocks = content.len(&txn);
            let at = rng.random_range(0..blocks);
            if let Some(XmlOut::Element(p)) = content.get(&txn, at)
                && let Some(XmlOut::Text(text)) = p.get(&txn, 0)
            {
                let len = text.len(&txn);
                let pos = rng.random_range(0..=len);
                if rng.random_bool(0.8) || len < 5 {
                    text.insert(&mut txn, pos, "edit ");
                } else {
                    text.remove_range(&mut txn, pos.min(len - 4), 4);
                }
            }
            txn.encode_diff_v1(&before)
        };
        let author = format!("author{}", who + 1);
        let applied = document
            .apply(
                DecodedUpdate::decode(Bytes::from(update.clone())).unwrap(),
                &Arc::from(author.as_str()),
            )
            .unwrap();
        stats.record(&author, t0 + edit as u64 * 7_000, applied);
        for (other, peer) in writers.iter().enumerate() {
            if other != who {
                peer.transact_mut()
                    .apply_update(Update::decode_v1(&update).unwrap())
                    .unwrap();
            }
        }
    }
    let _ = StateVector::default();
    (document, stats)
}

fn contributions(c: &mut Criterion) {
    let (document, stats) = build();
    let present = authorship::present(&document);
    let total: u64 = present.authors.values().sum();
    assert!(total > 100_000, "a 100,000-character document ({total})");
    assert_eq!(present.authors.len(), 4);
    let mut group = c.benchmark_group("contributions");
    group.sample_size(20);
    group.bench_function(
        "present by author and section (100k chars, 5k edits)",
        |b| b.iter(|| authorship::present(&document)),
    );
    group.bench_function("timeline, 5 minute buckets", |b| {
        b.iter(|| stats.timeline(300_000))
    });
    group.bench_function("reload from state, then present", |b| {
        let state = document.encode_state();
        let bindings = document.bindings().clone();
        b.iter(|| {
            let reloaded = Document::from_checkpoint(&state, bindings.clone()).unwrap();
            authorship::present(&reloaded)
        })
    });
    group.finish();
}

criterion_group!(benches, contributions);
criterion_main!(benches);
