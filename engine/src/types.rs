//! What callers exchange with the engine.

use bytes::Bytes;

use crate::record::{Checkpoint, DocMeta, LogEntry};

/// Something the engine decided, for the caller to carry out in order.
#[derive(Debug)]
pub enum Action {
    /// Send a frame to one connection. If its queue is full or gone, tell
    /// [`crate::Engine::send_failed`].
    Send { conn: u64, frame: Bytes },
    /// Send one shared frame to every joined connection but `except`
    /// (failures as for [`Action::Send`]).
    Broadcast { frame: Bytes, except: Option<u64> },
    /// Close a connection (it has already left the document).
    Close {
        conn: u64,
        code: u16,
        reason: String,
    },
    /// Write these entries (consecutive seqs) without waiting for the disk;
    /// report with [`crate::Engine::written`].
    Write(Vec<LogEntry>),
    /// Start a sync of everything written; report with
    /// [`crate::Engine::synced`] when it finishes (or not at all, if the
    /// process dies).
    Sync,
    /// Store the metadata; report with [`crate::Engine::meta_stored`].
    PutMeta(DocMeta),
    /// Write a checkpoint; report with [`crate::Engine::checkpoint_written`].
    Checkpoint(Checkpoint),
    /// List the document's checkpoints; report with
    /// [`crate::Engine::checkpoints_listed`].
    ListCheckpoints,
    /// Remove these checkpoints; report with
    /// [`crate::Engine::checkpoints_removed`].
    RemoveCheckpoints(Vec<u64>),
    /// yrs failed part-way through an update: wait for the sync in flight
    /// (report it), reload the document from the store and hand it to
    /// [`crate::Engine::rebuilt`].
    Rebuild,
    /// Count something.
    Metric(Metric, u64),
    /// A sync took this long.
    SyncTook(std::time::Duration),
}

/// What the engine counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    UpdatesApplied,
    EntriesAppended,
    FramesRelayed,
    LaggingClosed,
    RefusedMessages,
    ChatRefused,
    AwarenessDropped,
    StoreErrors,
    Checkpoints,
    CheckpointsRemoved,
    DocTooLarge,
    DocDiskFull,
}

/// Close codes and reasons: the protocol's one definition.
pub use crdt_core::protocol::close;

/// The state of a document, read for export or inspection.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The whole state as one v1 update.
    pub state: Vec<u8>,
    /// The newest revision (log entries so far).
    pub revision: u64,
    /// Connections open on it.
    pub connections: usize,
    /// Every author bound to a client id, i.e. everyone who wrote.
    pub authors: Vec<String>,
    /// Which author owns each Yjs client id.
    pub bindings: crdt_core::ClientBindings,
    /// Authors with an open connection.
    pub online: std::collections::BTreeSet<String>,
    /// Per-author statistics of the whole history.
    pub stats: crdt_core::authorship::Stats,
}

/// A limit that refuses an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `--max-doc-bytes`: the stored state and the log since the last
    /// checkpoint.
    DocBytes,
    /// `--max-doc-disk-bytes`: everything the document stores, its history
    /// included.
    DiskBytes,
}

impl Limit {
    /// The reason given with the refusal.
    pub fn reason(self) -> &'static str {
        match self {
            Limit::DocBytes => "document size limit reached",
            Limit::DiskBytes => {
                "document storage limit reached: its history fills the space allowed"
            }
        }
    }
}

/// Why a server-side edit was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// A limit refused it; nothing changed.
    Limit(Limit),
    /// It did not apply, or could not be stored yet.
    Failed(String),
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::Limit(limit) => f.write_str(limit.reason()),
            EditError::Failed(reason) => f.write_str(reason),
        }
    }
}
