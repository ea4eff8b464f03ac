//! Decoding and validating Yjs updates before they reach a document.

use bytes::Bytes;
use yrs::Update;
use yrs::updates::decoder::Decode;

use crate::error::{Error, Result};
use crate::validate::{Clients, Scanned};

/// An update that decoded cleanly and passed validation, with the client ids
/// it writes new content under.
#[derive(Debug)]
pub struct DecodedUpdate {
    bytes: Bytes,
    update: Update,
    /// Each client's run of clocks, and the blocks when it nests types.
    scanned: Scanned,
}

impl DecodedUpdate {
    /// Decodes and validates a v1 update.
    pub fn decode(bytes: Bytes) -> Result<Self> {
        let scanned = crate::validate::scan_update_runs_v1(&bytes)?;
        let update =
            Update::decode_v1(&bytes).map_err(|e| Error::MalformedUpdate(e.to_string()))?;
        Ok(Self {
            bytes,
            update,
            scanned,
        })
    }

    /// Decodes an update a client sent: as [`DecodedUpdate::decode`], and
    /// refuses one that writes a link target or an image source that is not
    /// safe to follow (`javascript:`, `data:text/html`, ...; see
    /// [`crate::schema::is_safe_url`]). Stored updates are replayed with
    /// `decode`, so a document stored before this check still loads.
    pub fn decode_from_client(bytes: Bytes) -> Result<Self> {
        let update = Self::decode(bytes)?;
        if let Some(address) = update.scanned.unsafe_address.as_deref() {
            return Err(Error::RefusedUpdate(format!(
                "unsafe link target or image source {address:?}"
            )));
        }
        Ok(update)
    }

    /// The encoded update, as received.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The Yjs client ids under which this update inserts content: every
    /// client with a block in it, wherever its clocks start (yrs's
    /// `state_vector` skips clients whose clocks do not start at 0), as the
    /// scan read them from the same bytes.
    pub fn writers(&self) -> &[u64] {
        &self.scanned.writers
    }

    /// Whether the update carries neither content nor deletions.
    pub fn is_empty(&self) -> bool {
        self.update.is_empty()
    }

    /// Refuses the update if it nests types too deep for `doc`, or creates a
    /// type whose parent `doc` lacks.
    pub fn check_nesting<T: yrs::ReadTxn>(&self, txn: &T) -> Result<()> {
        match &self.scanned.blocks {
            Some(blocks) => crate::nesting::check(txn, blocks),
            None => Ok(()),
        }
    }

    pub(crate) fn into_writers_and_update(self) -> (Clients, Update) {
        (self.scanned.writers, self.update)
    }
}

/// Merges updates into one, as a server relays a batch in one message. Only
/// for updates that [`BatchClocks`] found mergeable.
pub fn merge<'a>(updates: impl IntoIterator<Item = &'a Bytes>) -> Result<Vec<u8>> {
    yrs::merge_updates_v1(updates.into_iter().map(|b| b.as_ref()))
        .map_err(|e| Error::MalformedUpdate(e.to_string()))
}

/// The clocks a batch of updates carries, to tell whether merging the batch
/// into one message keeps what a document integrates from it. Two updates
/// that carry blocks at the same clocks may carry different versions of them
/// (a hostile client re-sending its own clocks with other origins): a
/// document keeps the first it applies, [`merge`] keeps either, so clients
/// fed the merged message would diverge. Such a batch is relayed one update
/// at a time, in the order it was applied.
#[derive(Debug, Default)]
pub struct BatchClocks {
    /// Each client's runs of clocks so far, `(client, start) -> end`,
    /// disjoint, adjacent ones joined: a client typing keeps one entry.
    runs: std::collections::BTreeMap<(u64, u32), u32>,
    overlap: bool,
}

impl BatchClocks {
    /// Notes the clocks of an update of the batch.
    pub fn add(&mut self, update: &DecodedUpdate) {
        for &(client, start, end) in &update.scanned.runs {
            if self.overlap {
                return;
            }
            // Of disjoint runs, only the one starting last before `end` can
            // overlap [start, end).
            let before = self.runs.range(..(client, end)).next_back();
            let mut from = start;
            if let Some((&(c, s), &e)) = before
                && c == client
            {
                if e > start {
                    self.overlap = true;
                    return;
                }
                if e == start {
                    self.runs.remove(&(c, s));
                    from = s;
                }
            }
            let upto = match self.runs.remove(&(client, end)) {
                Some(next_end) => next_end,
                None => end,
            };
            self.runs.insert((client, from), upto);
        }
    }

    /// Whether no two updates noted carry blocks at the same clocks.
    pub fn mergeable(&self) -> bool {
        !self.overlap
    }

    /// Forgets the batch.
    pub fn clear(&mut self) {
        self.runs.clear();
        self.overlap = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Run;
    use yrs::{Doc, GetString, Options, ReadTxn, Text, Transact};

    #[test]
    fn reports_writers_and_emptiness() {
        let doc = Doc::with_options(Options::with_client_id(yrs::ClientID::new(7)));
        let text = doc.get_or_insert_text("t");
        let mut txn = doc.transact_mut();
        text.insert(&mut txn, 0, "hi");
        let bytes = txn.encode_update_v1();
        drop(txn);
        assert_eq!(text.get_string(&doc.transact()), "hi");
        let decoded = DecodedUpdate::decode(Bytes::from(bytes)).unwrap();
        assert_eq!(decoded.writers(), &[7]);
        assert!(!decoded.is_empty());
        assert!(
            DecodedUpdate::decode(Bytes::from_static(&[0, 0]))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn writers_are_every_client_with_blocks_wherever_its_clocks_start() {
        let edit = |doc: &Doc, f: &dyn Fn(&mut yrs::TransactionMut, &yrs::TextRef)| {
            let text = doc.get_or_insert_text("t");
            let mut txn = doc.transact_mut();
            f(&mut txn, &text);
            Bytes::from(txn.encode_update_v1())
        };
        let (a, b) = (
            Doc::with_options(Options::with_client_id(yrs::ClientID::new(9))),
            Doc::with_options(Options::with_client_id(yrs::ClientID::new(7))),
        );
        edit(&a, &|txn, t| t.insert(txn, 0, "abc"));
        let later = edit(&a, &|txn, t| t.insert(txn, 3, "d"));
        assert_eq!(
            DecodedUpdate::decode(later.clone()).unwrap().writers(),
            &[9]
        );
        let other = edit(&b, &|txn, t| t.insert(txn, 0, "x"));
        let both = Bytes::from(merge([&later, &other]).unwrap());
        assert_eq!(DecodedUpdate::decode(both).unwrap().writers(), &[7, 9]);
        // Deleting someone's text writes no block under any client.
        let b_knows_a = Bytes::from(a.transact().encode_state_as_update_v1(&Default::default()));
        b.transact_mut()
            .apply_update(Update::decode_v1(&b_knows_a).unwrap())
            .unwrap();
        let deletion = edit(&b, &|txn, t| t.remove_range(txn, 1, 2));
        let decoded = DecodedUpdate::decode(deletion).unwrap();
        assert!(decoded.writers().is_empty(), "{:?}", decoded.writers());
        assert!(!decoded.is_empty());
    }

    #[test]
    fn refuses_garbage() {
        for bad in [&[][..], &[1], &[1, 1, 5, 0, 4], &[0xff; 12]] {
            assert!(
                DecodedUpdate::decode(Bytes::copy_from_slice(bad)).is_err(),
                "{bad:?}"
            );
        }
    }

    fn typed(client: u64, text: &str, after: Option<&Doc>) -> (Doc, Vec<u8>) {
        let doc = Doc::with_options(Options::with_client_id(yrs::ClientID::new(client)));
        if let Some(base) = after {
            let state = base
                .transact()
                .encode_state_as_update_v1(&Default::default());
            doc.transact_mut()
                .apply_update(yrs::Update::decode_v1(&state).unwrap())
                .unwrap();
        }
        let sv = doc.transact().state_vector();
        let t = doc.get_or_insert_text("t");
        let len = yrs::Text::len(&t, &doc.transact());
        t.insert(&mut doc.transact_mut(), len, text);
        let update = doc.transact().encode_diff_v1(&sv);
        (doc, update)
    }

    fn clocks(updates: &[&[u8]]) -> BatchClocks {
        let mut clocks = BatchClocks::default();
        for u in updates {
            clocks.add(&DecodedUpdate::decode(Bytes::copy_from_slice(u)).unwrap());
        }
        clocks
    }

    #[test]
    fn a_batch_carrying_the_same_clocks_twice_is_not_merged() {
        // Two versions of client 9's first clocks, as a hostile client that
        // re-sends its own clocks with other content would send them.
        let (first, a) = typed(9, "abc", None);
        let (_, b) = typed(9, "xyz", None);
        assert!(!clocks(&[&a, &b]).mergeable());
        // Later clocks of the same client, and another client: mergeable.
        let (_, c) = typed(9, "d", Some(&first));
        let (_, d) = typed(10, "e", Some(&first));
        let mut batch = clocks(&[&a, &c, &d]);
        assert!(batch.mergeable());
        batch.clear();
        batch.add(&DecodedUpdate::decode(Bytes::from(b)).unwrap());
        assert!(batch.mergeable(), "clear forgets the batch");
    }

    #[test]
    fn overlaps_are_found_as_a_pairwise_check_finds_them() {
        // Runs of two clients in pseudo-random order, checked against every
        // pair: touching runs join, overlapping ones are caught.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..2000 {
            let mut batch = BatchClocks::default();
            let mut seen: Vec<Run> = Vec::new();
            let mut overlap = false;
            for _ in 0..1 + next(8) {
                let (client, start) = (next(2), next(40) as u32);
                let run = (client, start, start + 1 + next(6) as u32);
                overlap |= seen
                    .iter()
                    .any(|&(c, s, e)| c == run.0 && run.1 < e && s < run.2);
                seen.push(run);
                let mut scanned = Scanned::default();
                scanned.runs.push(run);
                batch.add(&DecodedUpdate {
                    bytes: Bytes::new(),
                    update: Update::new(),
                    scanned,
                });
                assert_eq!(batch.mergeable(), !overlap, "{seen:?}");
            }
        }
    }
}
