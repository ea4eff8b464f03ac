//! Authorship: how many body characters each update inserted and deleted,
//! per-author statistics over time, and the author of every character now in
//! the body. Characters are counted in UTF-16 units, as Yjs counts them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use yrs::types::xml::XmlOut;
use yrs::{Any, Out, ReadTxn, Snapshot, StateVector, Text, Transact, XmlFragment};

use crate::counter::utf16_len;
use crate::document::{Document, is_starting_author};

pub use crate::counter::Applied;

/// The colours given to authors: 6-digit hex, as y-prosemirror's cursors
/// require.
pub const COLORS: &[&str] = &[
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#e377c2", "#8c564b",
    "#bcbd22", "#7f7f7f", "#393b79", "#637939",
];

/// The one colour of an author, everywhere it is shown: cursors and
/// presence (the server writes it into awareness states), insights,
/// history and the author-coloured export. A hash (FNV-1a) of the author
/// id picks it from [`COLORS`].
pub fn color_of(author: &str) -> &'static str {
    let hash = author.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    COLORS[(hash % COLORS.len() as u64) as usize]
}

/// Minutes since the Unix epoch.
fn minute(ts_ms: u64) -> u64 {
    ts_ms / 60_000
}

/// One author's totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorStats {
    /// Characters inserted into the body.
    pub inserted: u64,
    /// Characters deleted from the body.
    pub deleted: u64,
    /// Updates accepted from this author (revisions; a keystroke may be one).
    pub edits: u64,
    /// Work sessions: runs of this author's changes with no pause longer
    /// than [`SESSION_PAUSE_MS`](crate::sessions::SESSION_PAUSE_MS).
    /// Checkpoints written before sessions were counted lack it; loading
    /// such a checkpoint counts at least one per author who edited.
    #[serde(default)]
    pub sessions: u64,
    /// Distinct minutes with at least one edit.
    pub active_minutes: u64,
    /// First edit, ms since the epoch.
    pub first_edit: u64,
    /// Last edit, ms since the epoch.
    pub last_edit: u64,
}

/// Per-author statistics of a document's whole history, updated per log
/// entry and kept with checkpoints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Totals by author id.
    pub authors: BTreeMap<String, AuthorStats>,
    /// Characters inserted and deleted per minute (since the epoch) per author.
    pub minutes: BTreeMap<u64, BTreeMap<String, (u64, u64)>>,
}

impl Stats {
    /// Records one accepted update.
    pub fn record(&mut self, author: &str, ts_ms: u64, applied: Applied) {
        if !self.authors.contains_key(author) {
            self.authors
                .insert(author.to_owned(), AuthorStats::default());
        }
        let entry = self.authors.get_mut(author).expect("inserted above");
        let m = minute(ts_ms);
        if entry.edits == 0 {
            entry.first_edit = ts_ms;
        }
        let last = (entry.edits > 0).then_some(entry.last_edit);
        if crate::sessions::starts_session(last, ts_ms) {
            entry.sessions += 1;
        } else if entry.sessions == 0 {
            // Counted before sessions were: its edits so far were at least one.
            entry.sessions = 1;
        }
        if entry.edits == 0 || minute(entry.last_edit) != m {
            entry.active_minutes += 1;
        }
        entry.edits += 1;
        entry.inserted += applied.inserted;
        entry.deleted += applied.deleted;
        entry.last_edit = entry.last_edit.max(ts_ms);
        let minute = self.minutes.entry(m).or_default();
        if !minute.contains_key(author) {
            minute.insert(author.to_owned(), (0, 0));
        }
        let slot = minute.get_mut(author).expect("inserted above");
        slot.0 += applied.inserted;
        slot.1 += applied.deleted;
    }

    /// Inserted and deleted characters per author in buckets of `bucket_ms`,
    /// oldest first: `(bucket start ms, author, inserted, deleted)`.
    pub fn timeline(&self, bucket_ms: u64) -> Vec<(u64, String, u64, u64)> {
        let bucket_ms = bucket_ms.max(60_000);
        let mut buckets: BTreeMap<(u64, String), (u64, u64)> = BTreeMap::new();
        for (m, authors) in &self.minutes {
            let start = m * 60_000 / bucket_ms * bucket_ms;
            for (author, (ins, del)) in authors {
                let slot = buckets.entry((start, author.clone())).or_default();
                slot.0 += ins;
                slot.1 += del;
            }
        }
        buckets
            .into_iter()
            .map(|((start, author), (ins, del))| (start, author, ins, del))
            .collect()
    }
}

/// Who wrote the characters now in the body.
///
/// Starting text (see [`is_starting_author`]) is counted like anyone's
/// here; [`Present::written`] and [`Present::share`] leave it out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Present {
    /// Characters present per author id.
    pub authors: BTreeMap<String, u64>,
    /// Per top-level section (starting at each heading): its heading text and
    /// characters present per author. Text before the first heading is in a
    /// section with an empty heading.
    pub sections: Vec<(String, BTreeMap<String, u64>)>,
    /// The author of each character, in the order of the model's text nodes,
    /// as runs `(author id, UTF-16 length, char count)`; `None` for text whose
    /// client id is bound to nobody.
    pub runs: Vec<(Option<String>, u64, u64)>,
    /// The text of the runs: the body's text nodes in document order, as a
    /// ProseMirror editor of the same state holds them.
    pub text: String,
}

impl Present {
    /// Characters of starting text now in the body: a template's, an
    /// import's the server made.
    pub fn starting(&self) -> u64 {
        self.authors
            .iter()
            .filter(|(a, _)| is_starting_author(a))
            .map(|(_, n)| n)
            .sum()
    }

    /// Characters now in the body that members wrote: the whole of which
    /// their shares are parts.
    pub fn written(&self) -> u64 {
        self.authors
            .iter()
            .filter(|(a, _)| !is_starting_author(a))
            .map(|(_, n)| n)
            .sum()
    }

    /// `author`'s share of what members wrote, 0..=1; 0 for starting text.
    pub fn share(&self, author: &str) -> f64 {
        let written = self.written();
        if written == 0 || is_starting_author(author) {
            return 0.0;
        }
        self.authors.get(author).copied().unwrap_or(0) as f64 / written as f64
    }
}

/// The author of every character now in the body.
pub fn present(document: &Document) -> Present {
    let doc = document.doc();
    let content = document.content();
    let bindings = document.bindings();
    let mut txn = doc.transact_mut();
    // Every integrated item, without the delete set: a snapshot's delete set
    // makes yrs split blocks along each deleted range on every call. Deleted
    // text needs no marking here, as garbage collection has already replaced
    // its content, which the walk below skips.
    let now = Snapshot::new(txn.state_vector(), Default::default());
    let never = Snapshot::new(StateVector::default(), Default::default());
    let mut out = Present::default();
    let mut stack: Vec<(XmlOut, bool)> = Vec::new();
    let top: Vec<XmlOut> = content.children(&txn).collect();
    for node in top {
        if let XmlOut::Element(e) = &node
            && e.tag().as_ref() == "heading"
        {
            let mut heading = String::new();
            for child in e.children(&txn) {
                if let XmlOut::Text(t) = child {
                    // The plain text: `get_string` would render marks as tags.
                    for chunk in t.diff(&txn, |_: yrs::types::text::YChange| ()) {
                        if let Out::Any(Any::String(s)) = &chunk.insert {
                            heading.push_str(s);
                        }
                    }
                }
            }
            out.sections.push((heading, BTreeMap::new()));
        } else if out.sections.is_empty() {
            out.sections.push((String::new(), BTreeMap::new()));
        }
        stack.push((node, true));
        while let Some((node, _)) = stack.pop() {
            match node {
                XmlOut::Text(text) => {
                    let chunks =
                        text.diff_range(&mut txn, Some(&now), Some(&never), |change| change.id);
                    for chunk in chunks {
                        let Out::Any(Any::String(s)) = &chunk.insert else {
                            continue;
                        };
                        let author = chunk
                            .ychange
                            .and_then(|id| bindings.owner(id.client.get()))
                            .map(|a| a.to_string());
                        let units = utf16_len(s);
                        if let Some(a) = &author {
                            *out.authors.entry(a.clone()).or_default() += units;
                            let section = &mut out.sections.last_mut().expect("a section").1;
                            *section.entry(a.clone()).or_default() += units;
                        }
                        let chars = s.chars().count() as u64;
                        out.text.push_str(s);
                        match out.runs.last_mut() {
                            Some((last, u, c)) if *last == author => {
                                *u += units;
                                *c += chars;
                            }
                            _ => out.runs.push((author, units, chars)),
                        }
                    }
                }
                XmlOut::Element(e) => {
                    let children: Vec<XmlOut> = e.children(&txn).collect();
                    stack.extend(children.into_iter().rev().map(|c| (c, false)));
                }
                XmlOut::Fragment(f) => {
                    let children: Vec<XmlOut> = f.children(&txn).collect();
                    stack.extend(children.into_iter().rev().map(|c| (c, false)));
                }
            }
        }
    }
    out
}
