//! Per-document actors and the registry that loads and unloads them.
//!
//! Each loaded document is owned by one task (its actor). Connections and API
//! calls talk to it through channels; only the actor touches the document, so
//! no lock guards document state. What the actor decides is the engine's
//! (the `quire-engine` crate); the actor carries out its I/O.

mod actor;
mod outbox;
mod registry;
#[cfg(test)]
mod tests;

use bytes::Bytes;
use crdt_core::AuthorId;
use tokio::sync::oneshot;

pub(crate) use actor::Context;
pub use outbox::{Inbox, Outbox, outbox};
pub use quire_engine::{EditError, Limit, Snapshot, close};
pub use registry::{DocHandle, Registry};

/// What a connection's writer receives from its document.
#[derive(Debug)]
pub enum Outbound {
    /// A binary frame to send.
    Frame(Bytes),
    /// Close the websocket with this code and reason.
    Close(u16, String),
}

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

/// Control messages, sent under the registry lock (see [`Registry`]).
#[derive(Debug)]
pub(crate) enum Control {
    Join(Join),
    /// A server-side edit (import, title) applied as `author`; replies with the revision.
    Edit {
        author: AuthorId,
        /// The editor's display name, recorded for the author.
        name: Option<String>,
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
