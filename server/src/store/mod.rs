//! Storage behind a small async trait: an append-only update log per document,
//! checkpoints of the full state, and document metadata.
//!
//! Revision `r` of a document is its state after log entry `r` (entries are
//! numbered from 1). A checkpoint at `seq` holds the state after entry `seq`.
//!
//! Three implementations: sled in a data directory (the default),
//! PostgreSQL (`--database-url`) and memory (tests).

mod codec;
mod memory;
mod postgres;
mod sled_store;
mod watermarks;

use async_trait::async_trait;

pub use codec::{entry_bytes, stored_len};
pub use memory::MemoryStore;
pub use postgres::PostgresStore;
pub use quire_engine::record::{Checkpoint, CheckpointInfo, DocMeta, LogEntry};
pub use quire_engine::retention;
pub use sled_store::{Durability, SledStore};

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed (disk full, I/O error, ...).
    #[error("storage backend: {0}")]
    Backend(String),
    /// The database files are damaged past what the backend recovers.
    #[error(
        "the database files are damaged ({0}); restore the data directory from a backup, \
         or move it aside to start with an empty one"
    )]
    Damaged(String),
    /// Another process has the database open.
    #[error(
        "another process has the data directory open ({0}); stop it, or work through it \
         with --server URL"
    )]
    Locked(String),
    /// Stored bytes that do not decode.
    #[error("corrupt record {key}: {reason}")]
    Corrupt {
        /// Which record.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Corruption { .. } => StoreError::Damaged(e.to_string()),
            // sled wraps the failed file lock in an error of its own kind.
            sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
                StoreError::Locked(io.to_string())
            }
            e => StoreError::Backend(e.to_string()),
        }
    }
}

/// Bytes a document's records take in the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Its log.
    pub log_bytes: u64,
    /// Its checkpoints.
    pub checkpoint_bytes: u64,
}

/// What loading a document reads: the newest checkpoint and the log after it.
#[derive(Debug, Default)]
pub struct Stored {
    /// The newest checkpoint, if any.
    pub checkpoint: Option<Checkpoint>,
    /// Every entry after the checkpoint, in order.
    pub entries: Vec<LogEntry>,
}

/// Where documents live.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Reads the newest checkpoint and the log after it; `None` for a
    /// document that has never been stored.
    async fn load(&self, doc: &str) -> Result<Option<Stored>, StoreError>;
    /// Appends entries (consecutive seqs) and makes them durable per the
    /// store's durability setting before returning.
    async fn append(&self, doc: &str, entries: &[LogEntry]) -> Result<(), StoreError> {
        self.write(doc, entries).await?;
        self.sync().await
    }
    /// Appends entries (consecutive seqs) without waiting for the disk: they
    /// are durable once a later [`Store::sync`] returns.
    async fn write(&self, doc: &str, entries: &[LogEntry]) -> Result<(), StoreError>;
    /// Makes everything written before the call durable, per the store's
    /// durability setting (relaxed: returns at once).
    async fn sync(&self) -> Result<(), StoreError>;
    /// Writes a checkpoint.
    async fn checkpoint(&self, doc: &str, checkpoint: &Checkpoint) -> Result<(), StoreError>;
    /// The checkpoints of `doc` with their sizes, oldest first, without
    /// reading their states. Checkpoints written before sizes were recorded
    /// are not listed (and so never removed).
    async fn checkpoints(&self, doc: &str) -> Result<Vec<CheckpointInfo>, StoreError>;
    /// Removes checkpoints that history no longer needs. The log is kept
    /// whole, so every revision can still be rebuilt.
    async fn remove_checkpoints(&self, doc: &str, seqs: &[u64]) -> Result<(), StoreError>;
    /// Bytes the records of `doc` take, found by reading them all: for a
    /// document stored before its bytes were counted.
    async fn usage(&self, doc: &str) -> Result<Usage, StoreError>;
    /// The newest checkpoint at or before `seq`.
    async fn checkpoint_at(&self, doc: &str, seq: u64) -> Result<Option<Checkpoint>, StoreError>;
    /// Log entries with `from <= seq <= to`, in order.
    async fn log_range(&self, doc: &str, from: u64, to: u64) -> Result<Vec<LogEntry>, StoreError>;
    /// Writes a document's metadata.
    async fn put_meta(&self, doc: &str, meta: &DocMeta) -> Result<(), StoreError>;
    /// Reads a document's metadata.
    async fn get_meta(&self, doc: &str) -> Result<Option<DocMeta>, StoreError>;
    /// Every document's metadata.
    async fn list_meta(&self) -> Result<Vec<(String, DocMeta)>, StoreError>;
    /// Deletes a document: log, checkpoints and metadata.
    async fn delete(&self, doc: &str) -> Result<(), StoreError>;
    /// Reads a server-wide setting (keys, secrets).
    async fn get_setting(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Writes a server-wide setting durably.
    async fn put_setting(&self, key: &str, value: &[u8]) -> Result<(), StoreError>;
    /// Whether the backend answers now; the error says why not. For
    /// `/healthz`.
    async fn health(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod conformance;
