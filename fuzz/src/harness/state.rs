//! What two documents must agree on, for the update and session checks.

use std::sync::OnceLock;

use crdt_core::Document;
use yrs::types::ToJson;
use yrs::types::text::YChange;
use yrs::types::xml::XmlOut;
use yrs::updates::decoder::Decode;
use yrs::{
    Any, ClientID, Doc, GetString, Out, ReadTxn, StateVector, Text, Transact, Update, Xml,
    XmlFragment,
};

/// What a document shows and knows, to compare two documents.
#[derive(Debug, PartialEq)]
pub(super) struct State {
    pub(super) state_vector: StateVector,
    pub(super) body: String,
    pub(super) body_len: u64,
    pub(super) meta: String,
    pub(super) chat: String,
    pub(super) pending: Pending,
}

impl State {
    pub(super) fn of(document: &Document) -> Self {
        let doc = document.doc();
        let meta = doc.get_or_insert_map("meta");
        let chat = doc.get_or_insert_array("chat");
        let txn = doc.transact();
        Self {
            state_vector: txn.state_vector(),
            body: canonical_fragment(document.content(), &txn),
            body_len: document.body_len(),
            meta: canonical(&meta.to_json(&txn)),
            chat: canonical(&chat.to_json(&txn)),
            pending: Pending::of(doc),
        }
    }

    /// Leaves out the body length counter and the pending state.
    pub(super) fn without_counter(self) -> Self {
        Self {
            body_len: 0,
            pending: Pending::default(),
            ..self
        }
    }
}

/// The characters of a document's body, meta and chat, sorted: what it
/// holds, whatever the order and formatting.
#[derive(Debug, PartialEq)]
pub(super) struct Contents {
    pub(super) body: String,
    pub(super) meta: String,
    pub(super) chat: String,
}

impl Contents {
    pub(super) fn of(document: &Document) -> Self {
        let doc = document.doc();
        let meta = doc.get_or_insert_map("meta");
        let chat = doc.get_or_insert_array("chat");
        let txn = doc.transact();
        let sorted = |text: String| {
            let mut chars: Vec<char> = text.chars().collect();
            chars.sort_unstable();
            chars.into_iter().collect::<String>()
        };
        Self {
            body: sorted(plain_fragment(document.content(), &txn)),
            meta: sorted(canonical(&meta.to_json(&txn))),
            chat: sorted(canonical(&chat.to_json(&txn))),
        }
    }
}

/// Whether to compare whole states, formatting and order included (the
/// default), or only contents (`QUIRE_FUZZ_STRICT=0`, to look past a known
/// divergence for others).
pub(super) fn strict() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    *STRICT.get_or_init(|| std::env::var("QUIRE_FUZZ_STRICT").map_or(true, |v| v != "0"))
}

/// What a document holds back for missing dependencies: the ids of the
/// pending blocks and the pending deletions, as sorted, merged, non-empty
/// ranges (yrs splits and merges blocks differently when it re-encodes them,
/// and drops an empty deleted range).
#[derive(Debug, Default, PartialEq)]
pub(super) struct Pending {
    pub(super) structs: Ranges,
    pub(super) deletes: Ranges,
}

impl Pending {
    pub(super) fn of(doc: &Doc) -> Self {
        let txn = doc.transact();
        let store = txn.store();
        Self {
            structs: ranges(store.pending_update().map(|p| p.update.insertions(true))),
            deletes: ranges(store.pending_ds().cloned()),
        }
    }
}

impl Pending {
    /// Whether every block held back here is held back in `other` too,
    /// leaving out clocks that the document already has (`known`).
    pub(super) fn within(&self, other: &Pending, known: &StateVector) -> bool {
        self.structs.iter().all(|(client, ranges)| {
            let have = known.get(&ClientID::new(*client));
            let around: &[std::ops::Range<u32>] = other
                .structs
                .iter()
                .find(|(c, _)| c == client)
                .map_or(&[], |(_, r)| r);
            ranges
                .iter()
                .map(|r| r.start.max(have)..r.end)
                .filter(|r| !r.is_empty())
                .all(|r| around.iter().any(|a| a.start <= r.start && r.end <= a.end))
        })
    }
}

type Ranges = Vec<(u64, Vec<std::ops::Range<u32>>)>;

pub(super) fn ranges(set: Option<yrs::IdSet>) -> Ranges {
    let mut out = Vec::new();
    for (client, ranges) in set.iter().flat_map(|set| set.iter()) {
        let mut ranges: Vec<_> = ranges.iter().filter(|r| !r.is_empty()).cloned().collect();
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<std::ops::Range<u32>> = Vec::new();
        for range in ranges {
            match merged.last_mut() {
                Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
                _ => merged.push(range),
            }
        }
        if !merged.is_empty() {
            out.push((client.get(), merged));
        }
    }
    out.sort_by_key(|(client, _)| *client);
    out
}

/// A value as text with its map keys sorted and its numbers as bits, so that
/// equal values (NaN included, and an integer and the float equal to it)
/// give equal text.
pub(super) fn canonical(value: &Any) -> String {
    match value {
        Any::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        Any::Map(map) => {
            let mut entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k:?}:{}", canonical(v)))
                .collect();
            entries.sort();
            format!("{{{}}}", entries.join(","))
        }
        // yrs re-encodes an integer that a float holds exactly as a float.
        Any::Number(yrs::any::Number::Int(n)) if (*n as f64) as i64 == *n => {
            format!("f{:x}", (*n as f64).to_bits())
        }
        Any::Number(yrs::any::Number::Float(f)) => format!("f{:x}", f.to_bits()),
        other => format!("{other:?}"),
    }
}

/// The body as text that does not depend on how yrs splits it into items:
/// elements with sorted attributes, text as runs of equal formatting.
pub(super) fn canonical_fragment<T: ReadTxn>(fragment: &impl XmlFragment, txn: &T) -> String {
    let children: Vec<String> = fragment
        .children(txn)
        .map(|child| canonical_xml(&child, txn))
        .collect();
    children.concat()
}

pub(super) fn canonical_xml<T: ReadTxn>(node: &XmlOut, txn: &T) -> String {
    match node {
        XmlOut::Element(element) => {
            let mut attrs: Vec<String> = element
                .attributes(txn)
                .map(|(k, v)| format!(" {k:?}={}", canonical_out(v, txn)))
                .collect();
            attrs.sort();
            format!(
                "<{:?}{}>{}</>",
                element.tag(),
                attrs.concat(),
                canonical_fragment(element, txn)
            )
        }
        XmlOut::Fragment(fragment) => format!("<>{}</>", canonical_fragment(fragment, txn)),
        XmlOut::Text(text) => {
            let mut runs: Vec<(String, String)> = Vec::new();
            for chunk in text.diff(txn, |_: YChange| ()) {
                let attrs = chunk
                    .attributes
                    .map(|attrs| {
                        canonical(&Any::from(
                            attrs
                                .iter()
                                .map(|(k, v)| (k.to_string(), v.clone()))
                                .collect::<std::collections::HashMap<_, _>>(),
                        ))
                    })
                    .unwrap_or_default();
                let insert = match chunk.insert {
                    Out::Any(Any::String(s)) => s.to_string(),
                    other => format!("{{embed {}}}", canonical_out(other, txn)),
                };
                match runs.last_mut() {
                    Some((text, last)) if *last == attrs => text.push_str(&insert),
                    _ => runs.push((insert, attrs)),
                }
            }
            let runs: Vec<String> = runs
                .into_iter()
                .map(|(text, attrs)| format!("[{text:?}{attrs}]"))
                .collect();
            runs.concat()
        }
    }
}

/// The body's element names and text, without attributes or formatting.
pub(super) fn plain_fragment<T: ReadTxn>(fragment: &impl XmlFragment, txn: &T) -> String {
    let mut out = String::new();
    for child in fragment.children(txn) {
        match child {
            XmlOut::Element(element) => {
                out.push_str(element.tag());
                out.push_str(&plain_fragment(&element, txn));
            }
            XmlOut::Fragment(fragment) => out.push_str(&plain_fragment(&fragment, txn)),
            XmlOut::Text(text) => {
                for chunk in text.diff(txn, |_: YChange| ()) {
                    if let Out::Any(Any::String(s)) = chunk.insert {
                        out.push_str(&s);
                    }
                }
            }
        }
    }
    out
}

pub(super) fn canonical_out<T: ReadTxn>(value: Out, txn: &T) -> String {
    match value {
        Out::Any(any) => canonical(&any),
        Out::YMap(map) => canonical(&map.to_json(txn)),
        Out::YArray(array) => canonical(&array.to_json(txn)),
        Out::YText(text) => format!("{:?}", text.get_string(txn)),
        Out::YXmlText(text) => canonical_xml(&XmlOut::Text(text), txn),
        Out::YXmlElement(element) => canonical_xml(&XmlOut::Element(element), txn),
        Out::YXmlFragment(fragment) => canonical_xml(&XmlOut::Fragment(fragment), txn),
        other => format!("{other:?}"),
    }
}

/// A document's state must reload from a checkpoint, as the server stores
/// it, to the same document.
pub(super) fn check_document(document: &Document) {
    let state = document.encode_state();
    let reloaded = Document::from_checkpoint(&state, document.bindings().clone())
        .unwrap_or_else(|e| panic!("a checkpoint does not reload: {e}"));
    let (live, loaded) = (State::of(document), State::of(&reloaded));
    // No block held back for missing dependencies is lost. (Pending deleted
    // ranges are not compared: after hostile updates with gaps yrs resolves
    // them differently against blocks that are deleted anyway.)
    assert!(
        live.pending.within(&loaded.pending, &live.state_vector),
        "the checkpoint lost pending state: {:?} became {:?}",
        live.pending,
        loaded.pending
    );
    // A reload must keep the state vector and every pending block, and
    // (unless QUIRE_FUZZ_STRICT=0) the whole state. Updates whose origins
    // contradict each other (a right origin left of the left origin, or in
    // another type) used to reload differently (fuzz/README.md).
    assert_eq!(loaded.state_vector, live.state_vector, "checkpoint differs");
    if strict() {
        assert_eq!(
            loaded.without_counter(),
            live.without_counter(),
            "checkpoint differs"
        );
    }
    assert_eq!(reloaded.bindings(), document.bindings());
    // A peer that decodes the checkpoint must get every block back.
    Update::decode_v1(&state).expect("a checkpoint decodes");
}
