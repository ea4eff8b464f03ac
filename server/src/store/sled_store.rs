//! The embedded default store: sled, in one data directory.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::codec::{
    RECORD_BYTES, decode_checkpoint, decode_record, encode_checkpoint, encode_entries, key, prefix,
    seq_of,
};
use super::watermarks::Watermarks;
use super::{Checkpoint, DocMeta, LogEntry, Store, StoreError, Stored};

/// When appended updates reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Durability {
    /// Flush before acknowledging (the default).
    Strict,
    /// Flush on a timer; a crash can lose the last moments of edits.
    Relaxed,
}

/// A sled database with trees for the log, checkpoints, metadata and settings.
#[derive(Debug, Clone)]
pub struct SledStore {
    db: Arc<sled::Db>,
    log: sled::Tree,
    checkpoints: sled::Tree,
    docs: sled::Tree,
    settings: sled::Tree,
    durability: Durability,
    /// Callers waiting for the next flush, and whether a flush loop runs.
    flusher: Flusher,
    /// What is known to be on disk, checked at open.
    watermarks: Arc<Watermarks>,
}

type Flusher =
    std::sync::Arc<std::sync::Mutex<(Vec<tokio::sync::oneshot::Sender<Result<(), String>>>, bool)>>;

impl SledStore {
    /// Opens (or creates) the store in `dir`.
    pub fn open(
        dir: &Path,
        durability: Durability,
        flush_every: Duration,
    ) -> Result<Self, StoreError> {
        let db = sled::Config::new()
            .path(dir)
            .flush_every_ms(Some(flush_every.as_millis().max(1) as u64))
            .open()?;
        let log = db.open_tree("log")?;
        let watermarks = Watermarks::open(dir, &log)?;
        let db = Arc::new(db);
        Watermarks::spawn(&watermarks, &db);
        Ok(Self {
            log,
            checkpoints: db.open_tree("checkpoints")?,
            docs: db.open_tree("docs")?,
            settings: db.open_tree("settings")?,
            db,
            durability,
            flusher: Flusher::default(),
            watermarks,
        })
    }

    async fn commit(&self) -> Result<(), StoreError> {
        if self.durability == Durability::Strict {
            self.flush().await?;
        }
        Ok(())
    }

    /// Flushes to disk. Not `flush_async`: concurrent `flush_async` calls
    /// deadlock in sled 0.34 (sled issues 1241 and 1308). One blocking flush
    /// at a time serves every caller waiting when it starts (group commit
    /// across documents).
    async fn flush(&self) -> Result<(), StoreError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let start = {
            let mut f = self.flusher.lock().unwrap();
            f.0.push(tx);
            !std::mem::replace(&mut f.1, true)
        };
        if start {
            let (db, flusher) = (self.db.clone(), self.flusher.clone());
            tokio::task::spawn_blocking(move || {
                loop {
                    let waiters = {
                        let mut f = flusher.lock().unwrap();
                        if f.0.is_empty() {
                            f.1 = false;
                            return;
                        }
                        std::mem::take(&mut f.0)
                    };
                    let result = db.flush().map(|_| ()).map_err(|e| e.to_string());
                    for w in waiters {
                        let _ = w.send(result.clone());
                    }
                }
            });
        }
        rx.await
            .map_err(|e| StoreError::Backend(e.to_string()))?
            .map_err(StoreError::Backend)
    }

    /// The newest checkpoint at or before `seq` that decodes. The log is
    /// kept whole, so an older checkpoint and more of the log give the same
    /// state as a damaged one.
    fn newest_checkpoint_at(&self, doc: &str, seq: u64) -> Result<Option<Checkpoint>, StoreError> {
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
    fn entries(&self, doc: &str, from: u64, to: u64) -> Result<Vec<LogEntry>, StoreError> {
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
}

/// Runs blocking sled work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))?
}

#[async_trait]
impl Store for SledStore {
    async fn load(&self, doc: &str) -> Result<Option<Stored>, StoreError> {
        let (this, doc) = (self.clone(), doc.to_owned());
        blocking(move || {
            let checkpoint = this.newest_checkpoint_at(&doc, u64::MAX)?;
            let from = checkpoint.as_ref().map_or(0, |c| c.seq) + 1;
            let entries = this.entries(&doc, from, u64::MAX)?;
            if checkpoint.is_none() && entries.is_empty() {
                return Ok(None);
            }
            Ok(Some(Stored {
                checkpoint,
                entries,
            }))
        })
        .await
    }

    async fn append(&self, doc: &str, entries: &[LogEntry]) -> Result<(), StoreError> {
        // A tick's entries go into one record (up to RECORD_BYTES each):
        // one B-tree insert instead of one per update. Not a sled batch,
        // which writes its io buffer out before and after itself.
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
        if let Some(last) = entries.last() {
            self.watermarks.appended(doc, last.seq);
        }
        self.commit().await
    }

    async fn checkpoint(&self, doc: &str, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        self.checkpoints
            .insert(key(doc, checkpoint.seq), encode_checkpoint(checkpoint))?;
        self.commit().await
    }

    async fn checkpoint_at(&self, doc: &str, seq: u64) -> Result<Option<Checkpoint>, StoreError> {
        let (this, doc) = (self.clone(), doc.to_owned());
        blocking(move || this.newest_checkpoint_at(&doc, seq)).await
    }

    async fn log_range(&self, doc: &str, from: u64, to: u64) -> Result<Vec<LogEntry>, StoreError> {
        let (this, doc) = (self.clone(), doc.to_owned());
        blocking(move || this.entries(&doc, from, to)).await
    }

    async fn put_meta(&self, doc: &str, meta: &DocMeta) -> Result<(), StoreError> {
        let json = serde_json::to_vec(meta).expect("metadata serializes");
        self.docs.insert(doc.as_bytes(), json)?;
        Ok(())
    }

    async fn get_meta(&self, doc: &str) -> Result<Option<DocMeta>, StoreError> {
        self.docs
            .get(doc.as_bytes())?
            .map(|v| decode_meta(doc, &v))
            .transpose()
    }

    async fn list_meta(&self) -> Result<Vec<(String, DocMeta)>, StoreError> {
        self.docs
            .iter()
            .map(|record| {
                let (k, v) = record?;
                let id = String::from_utf8_lossy(&k).into_owned();
                let meta = decode_meta(&id, &v)?;
                Ok((id, meta))
            })
            .collect()
    }

    async fn delete(&self, doc: &str) -> Result<(), StoreError> {
        // First, so that a crash halfway never looks like lost records.
        let (watermarks, id) = (self.watermarks.clone(), doc.to_owned());
        blocking(move || watermarks.forget(&id)).await?;
        for tree in [&self.log, &self.checkpoints] {
            let mut batch = sled::Batch::default();
            for k in tree.scan_prefix(prefix(doc)).keys() {
                batch.remove(k?);
            }
            tree.apply_batch(batch)?;
        }
        self.docs.remove(doc.as_bytes())?;
        self.commit().await
    }

    async fn get_setting(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.settings.get(key.as_bytes())?.map(|v| v.to_vec()))
    }

    async fn put_setting(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.settings.insert(key.as_bytes(), value)?;
        self.flush().await?;
        Ok(())
    }
}

fn decode_meta(doc: &str, value: &[u8]) -> Result<DocMeta, StoreError> {
    serde_json::from_slice(value).map_err(|e| StoreError::Corrupt {
        key: format!("docs/{doc}"),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use crdt_core::authorship::Applied;

    use super::*;

    fn entry(seq: u64, update: &[u8]) -> LogEntry {
        LogEntry {
            seq,
            ts: 1_700_000_000_000 + seq,
            author: "a".into(),
            applied: Applied::default(),
            update: Bytes::copy_from_slice(update),
        }
    }

    fn seqs(entries: &[LogEntry]) -> Vec<u64> {
        entries.iter().map(|e| e.seq).collect()
    }

    #[tokio::test]
    async fn ranges_read_across_records_of_several_entries() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            SledStore::open(dir.path(), Durability::Strict, Duration::from_secs(1)).unwrap();
        store.append("d", &[entry(1, b"x")]).await.unwrap();
        let tick: Vec<_> = (2..=6).map(|s| entry(s, &[s as u8])).collect();
        store.append("d", &tick).await.unwrap();
        store
            .append("d", &[entry(7, b"y"), entry(8, b"z")])
            .await
            .unwrap();
        store.append("other", &[entry(1, b"o")]).await.unwrap();
        assert_eq!(store.log.len(), 4, "one record per append");
        assert_eq!(
            seqs(&store.log_range("d", 1, 8).await.unwrap()),
            (1..=8).collect::<Vec<_>>()
        );
        assert_eq!(seqs(&store.log_range("d", 3, 4).await.unwrap()), vec![3, 4]);
        assert_eq!(seqs(&store.log_range("d", 6, 7).await.unwrap()), vec![6, 7]);
        assert_eq!(
            store.log_range("d", 4, 4).await.unwrap()[0].update,
            Bytes::from_static(&[4])
        );
        assert!(store.log_range("d", 9, 20).await.unwrap().is_empty());
        assert_eq!(
            seqs(&store.load("d").await.unwrap().unwrap().entries),
            (1..=8).collect::<Vec<_>>()
        );
    }

    #[tokio::test]
    async fn a_retried_append_overlapping_an_earlier_record_yields_each_entry_once() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            SledStore::open(dir.path(), Durability::Relaxed, Duration::from_secs(1)).unwrap();
        store
            .append("d", &[entry(1, b"a"), entry(2, b"b")])
            .await
            .unwrap();
        // As when the flush after the first attempt failed and the actor
        // retried with everything still unsaved.
        let retry: Vec<_> = (1..=4).map(|s| entry(s, &[s as u8])).collect();
        store.append("d", &retry).await.unwrap();
        assert_eq!(
            seqs(&store.log_range("d", 1, 4).await.unwrap()),
            vec![1, 2, 3, 4]
        );
        assert_eq!(seqs(&store.log_range("d", 2, 3).await.unwrap()), vec![2, 3]);
    }

    #[tokio::test]
    async fn large_ticks_are_split_into_records_of_bounded_size() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            SledStore::open(dir.path(), Durability::Relaxed, Duration::from_secs(1)).unwrap();
        let big = vec![7u8; RECORD_BYTES / 3 + 1];
        let tick: Vec<_> = (1..=7).map(|s| entry(s, &big)).collect();
        store.append("d", &tick).await.unwrap();
        assert_eq!(store.log.len(), 4, "two entries per record, then one");
        let read = store.log_range("d", 1, 7).await.unwrap();
        assert_eq!(seqs(&read), (1..=7).collect::<Vec<_>>());
        assert!(read.iter().all(|e| e.update.len() == big.len()));
    }

    #[tokio::test]
    async fn records_of_one_entry_from_older_versions_are_read_with_new_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            SledStore::open(dir.path(), Durability::Relaxed, Duration::from_secs(1)).unwrap();
        // The layout of a log record before records held several entries.
        let mut old = Vec::new();
        old.extend_from_slice(&1_700_000_000_000u64.to_be_bytes());
        old.extend_from_slice(&[0, 0, 0, 2, 0, 0, 0, 0, 0, 1, b'a', 9, 9]);
        store.log.insert(key("d", 1), old).unwrap();
        store
            .append("d", &[entry(2, b"b"), entry(3, b"c")])
            .await
            .unwrap();
        let read = store.log_range("d", 1, 3).await.unwrap();
        assert_eq!(seqs(&read), vec![1, 2, 3]);
        assert_eq!(read[0].update, Bytes::from_static(&[9, 9]));
        assert_eq!(read[0].applied.inserted, 2);
    }
}
