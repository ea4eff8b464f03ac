//! The embedded default store: sled, in one data directory.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::codec::{decode_checkpoint, decode_entry, encode_checkpoint, encode_entry, key, prefix};
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

    fn entries(&self, doc: &str, from: u64, to: u64) -> Result<Vec<LogEntry>, StoreError> {
        self.log
            .range(key(doc, from)..=key(doc, to))
            .map(|record| {
                let (k, v) = record?;
                decode_entry(&k, &v)
            })
            .collect()
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
        let mut batch = sled::Batch::default();
        for entry in entries {
            batch.insert(key(doc, entry.seq), encode_entry(entry));
        }
        self.log.apply_batch(batch)?;
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
