//! An in-memory store for tests, with injectable write failures.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;

use super::codec::{encode_checkpoint, stored_len};
use super::{Checkpoint, CheckpointInfo, DocMeta, LogEntry, Store, StoreError, Stored, Usage};

#[derive(Debug, Default)]
struct Docs {
    logs: HashMap<String, BTreeMap<u64, LogEntry>>,
    checkpoints: HashMap<String, BTreeMap<u64, Checkpoint>>,
    meta: BTreeMap<String, DocMeta>,
    settings: HashMap<String, Vec<u8>>,
}

/// Keeps everything in memory. The mutex guards plain maps and is never held
/// across an await.
#[derive(Debug, Default)]
pub struct MemoryStore {
    docs: Mutex<Docs>,
    failing: AtomicBool,
}

impl MemoryStore {
    /// Makes every write fail (as a full disk would) until set back.
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    fn writable(&self) -> Result<std::sync::MutexGuard<'_, Docs>, StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Backend("injected write failure".into()));
        }
        Ok(self.docs.lock().unwrap())
    }

    fn read(&self) -> std::sync::MutexGuard<'_, Docs> {
        self.docs.lock().unwrap()
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn load(&self, doc: &str) -> Result<Option<Stored>, StoreError> {
        let docs = self.read();
        let checkpoint = docs
            .checkpoints
            .get(doc)
            .and_then(|c| c.values().next_back().cloned());
        let from = checkpoint.as_ref().map_or(0, |c| c.seq) + 1;
        let entries: Vec<LogEntry> = docs
            .logs
            .get(doc)
            .map(|log| log.range(from..).map(|(_, e)| e.clone()).collect())
            .unwrap_or_default();
        Ok(
            (checkpoint.is_some() || !entries.is_empty()).then_some(Stored {
                checkpoint,
                entries,
            }),
        )
    }

    async fn write(&self, doc: &str, entries: &[LogEntry]) -> Result<(), StoreError> {
        let mut docs = self.writable()?;
        let log = docs.logs.entry(doc.to_owned()).or_default();
        // A seq is written once, as in the other stores: a retry that
        // overlaps what an earlier call stored keeps the earlier entries.
        for entry in entries {
            log.entry(entry.seq).or_insert_with(|| entry.clone());
        }
        Ok(())
    }

    async fn sync(&self) -> Result<(), StoreError> {
        self.writable().map(drop)
    }

    async fn checkpoint(&self, doc: &str, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        self.writable()?
            .checkpoints
            .entry(doc.to_owned())
            .or_default()
            .insert(checkpoint.seq, checkpoint.clone());
        Ok(())
    }

    async fn checkpoints(&self, doc: &str) -> Result<Vec<CheckpointInfo>, StoreError> {
        Ok(self
            .read()
            .checkpoints
            .get(doc)
            .map(|c| {
                c.values()
                    .map(|c| CheckpointInfo {
                        seq: c.seq,
                        bytes: encode_checkpoint(c).len() as u64,
                        log_bytes: c.log_bytes,
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn remove_checkpoints(&self, doc: &str, seqs: &[u64]) -> Result<(), StoreError> {
        if let Some(c) = self.writable()?.checkpoints.get_mut(doc) {
            for seq in seqs {
                c.remove(seq);
            }
        }
        Ok(())
    }

    async fn usage(&self, doc: &str) -> Result<Usage, StoreError> {
        let docs = self.read();
        Ok(Usage {
            log_bytes: docs
                .logs
                .get(doc)
                .map_or(0, |log| log.values().map(stored_len).sum()),
            checkpoint_bytes: docs.checkpoints.get(doc).map_or(0, |c| {
                c.values().map(|c| encode_checkpoint(c).len() as u64).sum()
            }),
        })
    }

    async fn checkpoint_at(&self, doc: &str, seq: u64) -> Result<Option<Checkpoint>, StoreError> {
        Ok(self
            .read()
            .checkpoints
            .get(doc)
            .and_then(|c| c.range(..=seq).next_back().map(|(_, c)| c.clone())))
    }

    async fn log_range(&self, doc: &str, from: u64, to: u64) -> Result<Vec<LogEntry>, StoreError> {
        Ok(self
            .read()
            .logs
            .get(doc)
            .map(|log| log.range(from..=to).map(|(_, e)| e.clone()).collect())
            .unwrap_or_default())
    }

    async fn put_meta(&self, doc: &str, meta: &DocMeta) -> Result<(), StoreError> {
        self.writable()?.meta.insert(doc.to_owned(), meta.clone());
        Ok(())
    }

    async fn get_meta(&self, doc: &str) -> Result<Option<DocMeta>, StoreError> {
        Ok(self.read().meta.get(doc).cloned())
    }

    async fn list_meta(&self) -> Result<Vec<(String, DocMeta)>, StoreError> {
        Ok(self
            .read()
            .meta
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    async fn delete(&self, doc: &str) -> Result<(), StoreError> {
        let mut docs = self.writable()?;
        docs.logs.remove(doc);
        docs.checkpoints.remove(doc);
        docs.meta.remove(doc);
        Ok(())
    }

    async fn get_setting(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.read().settings.get(key).cloned())
    }

    async fn put_setting(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.writable()?
            .settings
            .insert(key.to_owned(), value.to_vec());
        Ok(())
    }
}
