//! The embedded default store: sled, in one data directory.
//!
//! After a write fails (a full disk, an I/O error) sled 0.34 fails every
//! later call until the database is opened again. The store notes the
//! failure, and the next call after it (at most one a second) checks the
//! database and, if it is still failed, closes and reopens it: once the
//! fault clears, writes succeed again without a restart. The actors keep
//! what was not stored and append it again; nothing was acknowledged.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::watermarks::Watermarks;
use super::{Checkpoint, CheckpointInfo, DocMeta, LogEntry, Store, StoreError, Stored, Usage};
use handles::Handles;

mod handles;
mod listing;

/// When appended updates reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Durability {
    /// Flush before acknowledging (the default).
    Strict,
    /// Flush on a timer; a crash can lose the last moments of edits.
    Relaxed,
}

/// Least time between two attempts to reopen a failed database.
const REOPEN_EVERY: Duration = Duration::from_secs(1);

/// Longest wait for a flush. A disk that hangs, or a fault in sled that
/// leaves a write open (as the failed write of a large value did before
/// vendor/sled mended it), must not hold a document's acknowledgements and
/// its shutdown forever: the flush fails and is retried like any other
/// failed write.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// A sled database with trees for the log, checkpoints, metadata and settings.
#[derive(Debug, Clone)]
pub struct SledStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    flush_every: Duration,
    durability: Durability,
    /// The open database; `None` after a failed one was closed and before
    /// it opened again.
    handles: RwLock<Option<Arc<Handles>>>,
    /// Since when the database has been failing, and the last attempt to
    /// reopen it.
    failed: Mutex<Option<(Instant, Option<Instant>)>>,
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
        let handles = Handles::open(dir, flush_every)?;
        let watermarks = Watermarks::open(dir, &handles.log)?;
        let inner = Arc::new(Inner {
            dir: dir.to_owned(),
            flush_every,
            durability,
            handles: RwLock::new(Some(Arc::new(handles))),
            failed: Mutex::new(None),
            flusher: Flusher::default(),
            watermarks,
        });
        let weak: Weak<Inner> = Arc::downgrade(&inner);
        Watermarks::spawn(&inner.watermarks, move || {
            let store = SledStore {
                inner: weak.upgrade()?,
            };
            Some(store.flush_now())
        });
        Ok(Self { inner })
    }

    /// The open database, reopening it first if it failed. Blocks while it
    /// reopens; async callers use [`SledStore::handles`].
    fn current(&self) -> Result<Arc<Handles>, StoreError> {
        if self.inner.failed.lock().unwrap().is_some() {
            self.recover()?;
        }
        self.inner
            .handles
            .read()
            .unwrap()
            .clone()
            .ok_or_else(|| StoreError::Backend("the database is being reopened".into()))
    }

    async fn handles(&self) -> Result<Arc<Handles>, StoreError> {
        if self.inner.failed.lock().unwrap().is_none()
            && let Some(handles) = self.inner.handles.read().unwrap().clone()
        {
            return Ok(handles);
        }
        let this = self.clone();
        blocking(move || this.current()).await
    }

    /// Notes that a call failed: an I/O error may have left sled failing
    /// every later call.
    fn note_failure(&self, error: &dyn std::fmt::Display) {
        let mut failed = self.inner.failed.lock().unwrap();
        if failed.is_none() {
            tracing::error!(%error, "a storage call failed; the database will be checked and reopened");
            *failed = Some((Instant::now(), None));
        }
    }

    /// Checks a database noted as failed and, if it still fails, closes
    /// and opens it again (at most once per [`REOPEN_EVERY`]).
    fn recover(&self) -> Result<(), StoreError> {
        let mut slot = self.inner.handles.write().unwrap();
        let mut failed = self.inner.failed.lock().unwrap();
        let Some((since, tried)) = *failed else {
            return Ok(());
        };
        let still_failing = |e: &dyn std::fmt::Display| {
            StoreError::Backend(format!(
                "storage failing for {} s ({e}); retrying",
                since.elapsed().as_secs()
            ))
        };
        if tried.is_some_and(|at| at.elapsed() < REOPEN_EVERY) {
            return Err(still_failing(&"waiting to reopen"));
        }
        *failed = Some((since, Some(Instant::now())));
        if let Some(handles) = slot.as_ref() {
            // A probe: a failed sled fails every call, a healthy one (the
            // error was passing) needs no reopening. Not a flush, which
            // waits for the disk (see FLUSH_TIMEOUT).
            let probe = handles.settings.insert("quire-write-probe", &[1u8][..]);
            if probe.is_ok() {
                *failed = None;
                tracing::info!("storage writes succeed again");
                return Ok(());
            }
            if Arc::strong_count(handles) > 1 {
                return Err(still_failing(&"waiting for calls in flight to close it"));
            }
        }
        // Dropping the last handle closes the files and releases sled's
        // lock, so that the database can be opened again.
        *slot = None;
        let handles = Handles::open(&self.inner.dir, self.inner.flush_every)
            .map_err(|e| still_failing(&e))?;
        self.inner.watermarks.verify(&handles.log)?;
        *slot = Some(Arc::new(handles));
        *failed = None;
        tracing::info!(
            after_secs = since.elapsed().as_secs(),
            "storage reopened; writes succeed again"
        );
        Ok(())
    }

    async fn commit(&self) -> Result<(), StoreError> {
        if self.inner.durability == Durability::Strict {
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
            let mut f = self.inner.flusher.lock().unwrap();
            f.0.push(tx);
            !std::mem::replace(&mut f.1, true)
        };
        if start {
            let this = self.clone();
            tokio::task::spawn_blocking(move || {
                loop {
                    let waiters = {
                        let mut f = this.inner.flusher.lock().unwrap();
                        if f.0.is_empty() {
                            f.1 = false;
                            return;
                        }
                        std::mem::take(&mut f.0)
                    };
                    let result = this.flush_now().map_err(|e| e.to_string());
                    for w in waiters {
                        let _ = w.send(result.clone());
                    }
                }
            });
        }
        match tokio::time::timeout(FLUSH_TIMEOUT, rx).await {
            Ok(result) => result
                .map_err(|e| StoreError::Backend(e.to_string()))?
                .map_err(StoreError::Backend),
            Err(_) => self.checked(Err(StoreError::Backend(format!(
                "the disk did not confirm a flush within {} s",
                FLUSH_TIMEOUT.as_secs()
            )))),
        }
    }

    /// One flush of the open database, blocking, noting a failure.
    fn flush_now(&self) -> Result<(), StoreError> {
        let handles = self.current()?;
        self.checked(handles.db.flush().map(drop).map_err(StoreError::from))
    }

    /// Runs a sled call on the open database, noting a failure.
    async fn with<T>(
        &self,
        f: impl FnOnce(&Handles) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let handles = self.handles().await?;
        self.checked(f(&handles))
    }

    /// As [`SledStore::with`], on the blocking pool.
    async fn with_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Handles) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let this = self.clone();
        blocking(move || {
            let handles = this.current()?;
            this.checked(f(&handles))
        })
        .await
    }

    /// Notes an I/O error (sled's become [`StoreError::Backend`]) from a
    /// call on the database.
    fn checked<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(e @ StoreError::Backend(_)) = &result {
            self.note_failure(e);
        }
        result
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
        let doc = doc.to_owned();
        self.with_blocking(move |h| {
            let checkpoint = h.newest_checkpoint_at(&doc, u64::MAX)?;
            let from = checkpoint.as_ref().map_or(0, |c| c.seq) + 1;
            let entries = h.entries(&doc, from, u64::MAX)?;
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

    async fn write(&self, doc: &str, entries: &[LogEntry]) -> Result<(), StoreError> {
        self.with(|h| h.append(doc, entries)).await?;
        if let Some(last) = entries.last() {
            self.inner.watermarks.appended(doc, last.seq);
        }
        Ok(())
    }

    async fn sync(&self) -> Result<(), StoreError> {
        self.commit().await
    }

    async fn checkpoint(&self, doc: &str, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        self.with(|h| h.checkpoint(doc, checkpoint)).await?;
        self.commit().await
    }

    async fn checkpoints(&self, doc: &str) -> Result<Vec<CheckpointInfo>, StoreError> {
        self.with(|h| h.checkpoint_infos(doc)).await
    }

    async fn remove_checkpoints(&self, doc: &str, seqs: &[u64]) -> Result<(), StoreError> {
        if seqs.is_empty() {
            return Ok(());
        }
        let (doc, seqs) = (doc.to_owned(), seqs.to_vec());
        self.with_blocking(move |h| h.remove_checkpoints(&doc, &seqs))
            .await
    }

    async fn usage(&self, doc: &str) -> Result<Usage, StoreError> {
        let doc = doc.to_owned();
        self.with_blocking(move |h| h.usage(&doc)).await
    }

    async fn checkpoint_at(&self, doc: &str, seq: u64) -> Result<Option<Checkpoint>, StoreError> {
        let doc = doc.to_owned();
        self.with_blocking(move |h| h.newest_checkpoint_at(&doc, seq))
            .await
    }

    async fn log_range(&self, doc: &str, from: u64, to: u64) -> Result<Vec<LogEntry>, StoreError> {
        let doc = doc.to_owned();
        self.with_blocking(move |h| h.entries(&doc, from, to)).await
    }

    async fn put_meta(&self, doc: &str, meta: &DocMeta) -> Result<(), StoreError> {
        let json = serde_json::to_vec(meta).expect("metadata serializes");
        self.with(|h| {
            h.docs.insert(doc.as_bytes(), json)?;
            Ok(())
        })
        .await
    }

    async fn get_meta(&self, doc: &str) -> Result<Option<DocMeta>, StoreError> {
        self.with(|h| {
            h.docs
                .get(doc.as_bytes())?
                .map(|v| decode_meta(doc, &v))
                .transpose()
        })
        .await
    }

    async fn list_meta(&self) -> Result<Vec<(String, DocMeta)>, StoreError> {
        self.with(|h| {
            h.docs
                .iter()
                .map(|record| {
                    let (k, v) = record?;
                    let id = String::from_utf8_lossy(&k).into_owned();
                    let meta = decode_meta(&id, &v)?;
                    Ok((id, meta))
                })
                .collect()
        })
        .await
    }

    async fn delete(&self, doc: &str) -> Result<(), StoreError> {
        // First, so that a crash halfway never looks like lost records.
        let (watermarks, id) = (self.inner.watermarks.clone(), doc.to_owned());
        blocking(move || watermarks.forget(&id)).await?;
        self.with(|h| h.delete(doc)).await?;
        self.commit().await
    }

    async fn get_setting(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.with(|h| Ok(h.settings.get(key.as_bytes())?.map(|v| v.to_vec())))
            .await
    }

    async fn put_setting(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.with(|h| {
            h.settings.insert(key.as_bytes(), value)?;
            Ok(())
        })
        .await?;
        self.flush().await
    }
}

fn decode_meta(doc: &str, value: &[u8]) -> Result<DocMeta, StoreError> {
    serde_json::from_slice(value).map_err(|e| StoreError::Corrupt {
        key: format!("docs/{doc}"),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
