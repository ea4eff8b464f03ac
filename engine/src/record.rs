//! The records a document keeps in the store: its log entries, checkpoints
//! and metadata, and what each costs in bytes.

use bytes::Bytes;
use crdt_core::ClientBindings;
use crdt_core::authorship::{Applied, Stats};
use serde::{Deserialize, Serialize};

/// Fixed bytes before a log entry's author in a stored record.
pub const ENTRY_HEADER: usize = 18;

/// One accepted update in a document's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Position in the log, from 1.
    pub seq: u64,
    /// When the server accepted it, in milliseconds since the Unix epoch.
    pub ts: u64,
    /// The author id the server vouches for.
    pub author: String,
    /// Body characters the update inserted and deleted.
    pub applied: Applied,
    /// The Yjs v1 update.
    pub update: Bytes,
}

/// The full state of a document after log entry `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The last log entry included.
    pub seq: u64,
    /// The state as one v1 update.
    pub state: Vec<u8>,
    /// Which author owns each Yjs client id.
    pub bindings: ClientBindings,
    /// Per-author statistics of the history up to `seq`.
    pub stats: Stats,
    /// Bytes of the document's log as stored, entries 1 to `seq`; 0 when
    /// written before the log was counted.
    pub log_bytes: u64,
}

/// A checkpoint without its state: what history retention decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointInfo {
    /// The last log entry included.
    pub seq: u64,
    /// Bytes the checkpoint takes in the store.
    pub bytes: u64,
    /// Bytes of the log as stored up to `seq` ([`Checkpoint::log_bytes`]).
    pub log_bytes: u64,
}

/// A document's metadata, kept beside its log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocMeta {
    /// The title, mirrored from the document's `meta.title`.
    pub title: String,
    /// The group the document belongs to, if any.
    #[serde(default)]
    pub group: Option<String>,
    /// The template it was created from.
    #[serde(default)]
    pub template: Option<String>,
    /// Creation time, ms since the epoch.
    pub created: u64,
    /// Last accepted update, ms since the epoch.
    pub updated: u64,
    /// Number of log entries (the newest revision).
    pub revisions: u64,
    /// Size of the encoded state in bytes, as of the last checkpoint or unload.
    pub size: u64,
    /// Display names of the authors who connected, by author id.
    #[serde(default)]
    pub names: std::collections::BTreeMap<String, String>,
    /// Bytes the log takes in the store; `None` for a document stored
    /// before they were counted (they are counted when it next loads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_bytes: Option<u64>,
    /// Bytes the kept checkpoints take in the store (as `log_bytes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_bytes: Option<u64>,
}

/// Bytes `entry` takes in a log record (its length prefix included).
pub fn stored_len(entry: &LogEntry) -> u64 {
    entry_bytes(&entry.author, entry.update.len())
}

/// Bytes an entry of `author` with an update of `update` bytes takes in a
/// log record.
pub fn entry_bytes(author: &str, update: usize) -> u64 {
    (4 + ENTRY_HEADER + author.len() + update) as u64
}
