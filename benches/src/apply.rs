//! The ways a stream of remote updates can be applied to a fresh document,
//! shared by the criterion benchmarks and the interleaved ratio runner.
//! Each builds its document inside, so timing one times the whole apply.

use std::sync::Arc;

use bytes::Bytes;
use crdt_core::{AuthorId, DecodedUpdate, Document};
use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, ReadTxn, StateVector, Transact, Update};

/// The server takes at most 512 queued messages per commit; the benchmarks
/// use a typical full tick of 100.
pub const BATCH: usize = 100;

/// The author every benchmark writes as.
pub fn author() -> AuthorId {
    Arc::from("bench-author")
}

/// A document's root `text` as a string.
pub fn text_of(doc: &Doc) -> String {
    let text = doc.get_or_insert_text("text");
    text.get_string(&doc.transact())
}

/// Converts a v2 update to v1 (what crdt-core and the wire carry).
pub fn v2_to_v1(v2: &[u8]) -> Vec<u8> {
    let doc = Doc::new();
    doc.transact_mut()
        .apply_update(Update::decode_v2(v2).expect("update decodes"))
        .expect("update applies");
    doc.transact()
        .encode_state_as_update_v1(&StateVector::default())
}

/// One v1 update into a fresh yrs document.
pub fn yrs_whole(update: &[u8]) -> Doc {
    let doc = Doc::new();
    doc.transact_mut()
        .apply_update(Update::decode_v1(update).unwrap())
        .unwrap();
    doc
}

/// One v2 update into a fresh yrs document.
pub fn yrs_whole_v2(update: &[u8]) -> Doc {
    let doc = Doc::new();
    doc.transact_mut()
        .apply_update(Update::decode_v2(update).unwrap())
        .unwrap();
    doc
}

/// One v1 update through crdt-core's apply path into a fresh document.
pub fn core_whole(update: &Bytes, author: &AuthorId) -> Document {
    let mut document = Document::new();
    document
        .apply(DecodedUpdate::decode(update.clone()).unwrap(), author)
        .unwrap();
    document
}

/// Raw yrs, one transaction per update.
pub fn yrs_one_by_one(updates: &[Bytes]) -> Doc {
    let doc = Doc::new();
    for u in updates {
        doc.transact_mut()
            .apply_update(Update::decode_v1(u).unwrap())
            .unwrap();
    }
    doc
}

/// crdt-core's apply path (decode, validate, bind authors), one by one.
pub fn core_one_by_one(updates: &[Bytes], author: &AuthorId) -> Document {
    let mut document = Document::new();
    for u in updates {
        document
            .apply(DecodedUpdate::decode(u.clone()).unwrap(), author)
            .unwrap();
    }
    document
}

/// Raw yrs, each batch merged with `merge_updates_v1` and applied once.
pub fn yrs_batch_merged(updates: &[Bytes]) -> Doc {
    let doc = Doc::new();
    for batch in updates.chunks(BATCH) {
        let merged = yrs::merge_updates_v1(batch.iter().map(|u| u.as_ref())).unwrap();
        doc.transact_mut()
            .apply_update(Update::decode_v1(&merged).unwrap())
            .unwrap();
    }
    doc
}

/// Raw yrs, each batch applied update by update in one transaction.
pub fn yrs_batch_one_txn(updates: &[Bytes]) -> Doc {
    let doc = Doc::new();
    for batch in updates.chunks(BATCH) {
        let mut txn = doc.transact_mut();
        for u in batch {
            txn.apply_update(Update::decode_v1(u).unwrap()).unwrap();
        }
    }
    doc
}

/// As [`yrs_batch_one_txn`], plus the transaction's own update encoded: the
/// message a server relays for the batch, instead of `merge_updates_v1`.
pub fn yrs_batch_one_txn_encoded(updates: &[Bytes]) -> (Doc, usize) {
    let doc = Doc::new();
    let mut relayed = 0;
    for batch in updates.chunks(BATCH) {
        let mut txn = doc.transact_mut();
        for u in batch {
            txn.apply_update(Update::decode_v1(u).unwrap()).unwrap();
        }
        relayed += txn.encode_update_v1().len();
    }
    (doc, relayed)
}

/// crdt-core's apply path as the server takes a tick: each batch of one
/// connection's updates applied as one run (`Document::apply_run`: each
/// validated and bound to its author, one transaction, authorship counted
/// once).
pub fn core_batch_run(updates: &[Bytes], author: &AuthorId) -> Document {
    let mut document = Document::new();
    for batch in updates.chunks(BATCH) {
        let run = document
            .apply_run(
                batch
                    .iter()
                    .map(|u| DecodedUpdate::decode(u.clone()).unwrap()),
                author,
                None,
            )
            .unwrap();
        assert_eq!(run.count, batch.len());
    }
    document
}

/// A keystroke-stream variant: applies the updates, returns the document.
pub type Variant = fn(&[Bytes], &AuthorId) -> Doc;

/// Every keystroke-stream variant by name; the first is the baseline.
pub fn keystroke_variants() -> Vec<(&'static str, Variant)> {
    vec![
        ("yrs_one_by_one", |u, _| yrs_one_by_one(u)),
        ("crdt_core_one_by_one", |u, a| {
            core_one_by_one(u, a).doc().clone()
        }),
        ("yrs_batch100_merged", |u, _| yrs_batch_merged(u)),
        ("yrs_batch100_one_txn", |u, _| yrs_batch_one_txn(u)),
        ("crdt_core_batch100_run", |u, a| {
            core_batch_run(u, a).doc().clone()
        }),
        ("yrs_batch100_one_txn_encoded", |u, _| {
            yrs_batch_one_txn_encoded(u).0
        }),
    ]
}
