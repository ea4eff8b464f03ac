//! The open sled database and what the store reads and writes through it.

use std::path::Path;
use std::time::Duration;

use super::super::codec::{
    RECORD_BYTES, decode_checkpoint, decode_record, encode_entries, key, prefix, seq_of,
};
use super::super::{Checkpoint, LogEntry, StoreError};

/// The open database and its trees, replaced whole when it is reopened.
#[derive(Debug)]
pub(super) struct Handles {
    pub(super) db: sled::Db,
    pub(super) log: sled::Tree,
    pub(super) checkpoints: sled::Tree,
    pub(super) docs: sled::Tree,
    pub(super) settings: sled::Tree,
}

impl Handles {
    pub(super) fn open(dir: &Path, flush_every: Duration) -> Result<Self, StoreError> {
        let db = sled::Config::new()
            .path(dir)
            .flush_every_ms(Some(flush_every.as_millis().max(1) as u64))
            .open()?;
        Ok(Self {
            log: db.open_tree("log")?,
            checkpoints: db.open_tree("checkpoints")?,
            docs: db.open_tree("docs")?,
            settings: db.open_tree("settings")?,
            db,
        })
    }

    /// The newest checkpoint at or before `seq` that decodes. The log is
    /// kept whole, so an older checkpoint and more of the log give the same
    /// state as a damaged one.
    pub(super) fn newest_checkpoint_at(
        &self,
        doc: &str,
        seq: u64,
    ) -> Result<Option<Checkpoint>, StoreError> {
        for record in self.checkpoints.range(prefix(doc)..=key(doc, seq)).rev() {
            let (k, v) = record?;
            match decode_checkpoint(&k, &v) {
                Ok(checkpoint) => return Ok(Some(checkpoint)),
                Err(e) => tracing::error!(error = %e, "skipping a damaged checkpoint"),
            }
        }
        Ok(None)
    }

    /// Entries `from..=to` of `doc`. A record holds consecutive entries
    /// under the key of its last one, so the first record at or after
    /// `from` holds it. An append retried after a failed flush may have
    /// left a record that overlaps the next one; each seq is taken once.
    pub(super) fn entries(
        &self,
        doc: &str,
        from: u64,
        to: u64,
    ) -> Result<Vec<LogEntry>, StoreError> {
        let mut out: Vec<LogEntry> = Vec::new();
        for record in self.log.range(key(doc, from)..=key(doc, u64::MAX)) {
            let (k, v) = record?;
            for entry in decode_record(&k, &v)? {
                let next = out.last().map_or(from, |e| e.seq + 1);
                if entry.seq >= next && entry.seq <= to {
                    out.push(entry);
                }
            }
            if seq_of(&k)? >= to {
                break;
            }
        }
        Ok(out)
    }

    /// A tick's entries go into one record (up to RECORD_BYTES each): one
    /// B-tree insert instead of one per update. Not a sled batch, which
    /// writes its io buffer out before and after itself.
    pub(super) fn append(&self, doc: &str, entries: &[LogEntry]) -> Result<(), StoreError> {
        let mut start = 0;
        while start < entries.len() {
            let mut end = start + 1;
            let mut bytes = entries[start].update.len();
            while end < entries.len() && bytes + entries[end].update.len() <= RECORD_BYTES {
                bytes += entries[end].update.len();
                end += 1;
            }
            let records = &entries[start..end];
            let last = records[records.len() - 1].seq;
            self.log.insert(key(doc, last), encode_entries(records))?;
            start = end;
        }
        Ok(())
    }

    pub(super) fn delete(&self, doc: &str) -> Result<(), StoreError> {
        for tree in [&self.log, &self.checkpoints] {
            let mut batch = sled::Batch::default();
            for k in tree.scan_prefix(prefix(doc)).keys() {
                batch.remove(k?);
            }
            tree.apply_batch(batch)?;
        }
        self.docs.remove(doc.as_bytes())?;
        Ok(())
    }
}
