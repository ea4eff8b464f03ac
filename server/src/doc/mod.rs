//! Per-document actors and the registry that loads and unloads them.
//!
//! Each loaded document is owned by one task (its actor). Connections and API
//! calls talk to it through channels; only the actor touches the document, so
//! no lock guards document state.

mod actor;
mod outbox;
mod registry;

use bytes::Bytes;
use crdt_core::AuthorId;
use tokio::sync::oneshot;

pub(crate) use actor::Context;
pub use outbox::{Inbox, Outbox, outbox};
pub use registry::{DocHandle, Registry};

/// What a connection's writer receives from its document.
#[derive(Debug)]
pub enum Outbound {
    /// A binary frame to send.
    Frame(Bytes),
    /// Close the websocket with this code and reason.
    Close(u16, String),
}

pub use crdt_core::protocol::close;

/// A connection joining a document.
#[derive(Debug)]
pub struct Join {
    /// Unique connection id.
    pub conn: u64,
    /// The author the connection writes as.
    pub author: AuthorId,
    /// The display name it gave, if any, or the member's name.
    pub name: Option<String>,
    /// A group member's role; a member's name is fixed by the membership.
    pub role: Option<&'static str>,
    /// Whether its updates are refused.
    pub read_only: bool,
    /// Whether it asked for Saved acknowledgements.
    pub acks: bool,
    /// Where the document sends its frames.
    pub tx: Outbox,
    /// Cancelled when the document drops the connection.
    pub dropped: tokio_util::sync::CancellationToken,
}

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

/// Control messages, sent under the registry lock (see [`Registry`]).
#[derive(Debug)]
pub(crate) enum Control {
    Join(Join),
    /// A server-side edit (import, title) applied as `author`; replies with the revision.
    Edit {
        author: AuthorId,
        update: Vec<u8>,
        reply: oneshot::Sender<Result<u64, EditError>>,
    },
    Read {
        reply: oneshot::Sender<Snapshot>,
    },
    /// Close the connections of an author (a revoked member).
    Kick {
        author: String,
    },
    /// Close every connection and unload without writing (deletion).
    Discard {
        reply: oneshot::Sender<()>,
    },
    /// Unload now if idle (`--max-loaded-docs`); otherwise clear `asked`.
    Unload {
        asked: std::sync::Arc<std::sync::atomic::AtomicBool>,
    },
}

/// A frame from a joined connection, read by the connection's task (an
/// update comes decoded, or the reason it was refused), or its departure.
#[derive(Debug)]
pub(crate) enum FromConn {
    Frame {
        conn: u64,
        frame: Box<crdt_core::Result<crdt_core::session::Frame>>,
    },
    Leave {
        conn: u64,
    },
}
