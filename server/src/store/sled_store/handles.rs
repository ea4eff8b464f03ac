//! The open sled database and what the store reads and writes through it.

use std::path::Path;
use std::time::Duration;

use super::super::codec::{
    RECORD_BYTES, decode_checkpoint, decode_info, decode_record, encode_checkpoint, encode_entries,
    encode_info, key, prefix, seq_of,
};
use super::super::{Checkpoint, CheckpointInfo, LogEntry, StoreError, Usage};

/// The open database and its trees, replaced whole when it is reopened.
#[derive(Debug)]
pub(super) struct Handles {
    pub(super) db: sled::Db,
    pub(super) log: sled::Tree,
    pub(super) checkpoints: sled::Tree,
    /// The size of each checkpoint and of the log up to it, so that
    /// retention decides without reading states.
    pub(super) checkpoint_index: sled::Tree,
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
            checkpoint_index: db.open_tree("checkpoint_index")?,
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

    /// Writes a checkpoint, then its index record.
    pub(super) fn checkpoint(&self, doc: &str, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let value = encode_checkpoint(checkpoint);
        let k = key(doc, checkpoint.seq);
        let info = encode_info(value.len() as u64, checkpoint.log_bytes);
        self.checkpoints.insert(&k, value)?;
        self.checkpoint_index.insert(k, &info[..])?;
        Ok(())
    }

    pub(super) fn checkpoint_infos(&self, doc: &str) -> Result<Vec<CheckpointInfo>, StoreError> {
        self.checkpoint_index
            .scan_prefix(prefix(doc))
            .map(|record| {
                let (k, v) = record?;
                decode_info(&k, &v)
            })
            .collect()
    }

    /// Removes checkpoints, then their index records: a crash in between
    /// leaves an index record of nothing, which a later removal clears.
    pub(super) fn remove_checkpoints(&self, doc: &str, seqs: &[u64]) -> Result<(), StoreError> {
        for tree in [&self.checkpoints, &self.checkpoint_index] {
            let mut batch = sled::Batch::default();
            for seq in seqs {
                batch.remove(key(doc, *seq));
            }
            tree.apply_batch(batch)?;
        }
        Ok(())
    }

    pub(super) fn usage(&self, doc: &str) -> Result<Usage, StoreError> {
        let bytes = |tree: &sled::Tree| -> Result<u64, StoreError> {
            let mut total = 0;
            for record in tree.scan_prefix(prefix(doc)) {
                total += record?.1.len() as u64;
            }
            Ok(total)
        };
        Ok(Usage {
            log_bytes: bytes(&self.log)?,
            checkpoint_bytes: bytes(&self.checkpoints)?,
        })
    }

    pub(super) fn delete(&self, doc: &str) -> Result<(), StoreError> {
        for tree in [&self.log, &self.checkpoints, &self.checkpoint_index] {
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
