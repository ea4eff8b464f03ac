//! Characters inserted into and deleted from the body, counted per
//! transaction by an observer as yrs applies an update, and the body's
//! length kept exact across transactions.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use yrs::types::xml::XmlOut;
use yrs::types::{Change, DeepObservable, Delta, Event};
use yrs::{Any, Out, ReadTxn, Text, XmlFragment, XmlFragmentRef};

/// Body characters one update inserted and deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// Characters inserted into the body.
    pub inserted: u64,
    /// Characters deleted from the body (anyone's).
    pub deleted: u64,
}

/// Counts body changes per transaction through a deep observer on `content`.
#[derive(Debug, Default)]
pub(crate) struct BodyCounter {
    inserted: AtomicU64,
    deleted_text: AtomicU64,
    removed_nodes: AtomicBool,
    /// Body length in UTF-16 units, kept exact across transactions.
    length: AtomicU64,
}

impl BodyCounter {
    /// Installs the observer on the body fragment.
    pub(crate) fn observe(counter: &Arc<BodyCounter>, content: &XmlFragmentRef) {
        let counter = counter.clone();
        content.observe_deep("quire-authorship", move |txn, events| {
            for event in events.iter() {
                match event {
                    Event::XmlText(e) => {
                        for delta in e.delta(txn) {
                            match delta {
                                Delta::Inserted(Out::Any(Any::String(s)), _) => {
                                    counter.inserted.fetch_add(utf16_len(s), Ordering::Relaxed);
                                }
                                Delta::Deleted(n) => {
                                    counter
                                        .deleted_text
                                        .fetch_add(u64::from(*n), Ordering::Relaxed);
                                }
                                _ => {}
                            }
                        }
                    }
                    Event::XmlFragment(e) => {
                        for change in e.delta(txn) {
                            match change {
                                Change::Added(nodes) => {
                                    let added: u64 = nodes.iter().map(|n| out_len(n, txn)).sum();
                                    counter.inserted.fetch_add(added, Ordering::Relaxed);
                                }
                                Change::Removed(_) => {
                                    counter.removed_nodes.store(true, Ordering::Relaxed)
                                }
                                Change::Retain(_) => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
        });
    }

    /// Sets the known body length (after loading).
    pub(crate) fn reset(&self, content: &XmlFragmentRef, txn: &impl ReadTxn) {
        self.length
            .store(fragment_len(content, txn), Ordering::Relaxed);
        self.take_counts();
    }

    fn take_counts(&self) -> (u64, u64, bool) {
        (
            self.inserted.swap(0, Ordering::Relaxed),
            self.deleted_text.swap(0, Ordering::Relaxed),
            self.removed_nodes.swap(false, Ordering::Relaxed),
        )
    }

    /// What the last transaction did. When it removed whole nodes their text
    /// is no longer reachable, so the body is measured and the difference is
    /// what they held.
    pub(crate) fn finish(&self, content: &XmlFragmentRef, txn: &impl ReadTxn) -> Applied {
        let (inserted, deleted_text, removed_nodes) = self.take_counts();
        let before = self.length.load(Ordering::Relaxed);
        let after = if removed_nodes {
            fragment_len(content, txn)
        } else {
            (before + inserted).saturating_sub(deleted_text)
        };
        self.length.store(after, Ordering::Relaxed);
        Applied {
            inserted,
            deleted: (before + inserted).saturating_sub(after),
        }
    }

    /// The body length in UTF-16 units.
    pub(crate) fn length(&self) -> u64 {
        self.length.load(Ordering::Relaxed)
    }
}

/// The length of `s` in UTF-16 units, as Yjs counts text.
pub(crate) fn utf16_len(s: &str) -> u64 {
    s.encode_utf16().count() as u64
}

fn out_len<T: ReadTxn>(node: &Out, txn: &T) -> u64 {
    match node {
        Out::YXmlText(text) => u64::from(text.len(txn)),
        Out::YXmlElement(element) => element.children(txn).map(|c| xml_len(&c, txn)).sum(),
        Out::YXmlFragment(fragment) => fragment_len(fragment, txn),
        _ => 0,
    }
}

fn xml_len<T: ReadTxn>(node: &XmlOut, txn: &T) -> u64 {
    match node {
        XmlOut::Text(text) => u64::from(text.len(txn)),
        XmlOut::Element(element) => element.children(txn).map(|c| xml_len(&c, txn)).sum(),
        XmlOut::Fragment(fragment) => fragment_len(fragment, txn),
    }
}

fn fragment_len<T: ReadTxn>(fragment: &XmlFragmentRef, txn: &T) -> u64 {
    fragment.children(txn).map(|c| xml_len(&c, txn)).sum()
}
