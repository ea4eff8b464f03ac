//! The one error type of crdt-core.

use thiserror::Error;

/// Why crdt-core refused an input. Every variant leaves the document unchanged
/// unless it says otherwise.
#[derive(Debug, Error)]
pub enum Error {
    /// A websocket frame that is not exactly one y-protocols message.
    #[error("malformed message: {0}")]
    MalformedMessage(String),
    /// An update that does not decode as a Yjs v1 update.
    #[error("malformed update: {0}")]
    MalformedUpdate(String),
    /// An update whose structure is refused before it reaches yrs.
    #[error("update refused: {0}")]
    RefusedUpdate(String),
    /// An awareness update that does not decode or holds invalid JSON.
    #[error("malformed awareness update: {0}")]
    MalformedAwareness(String),
    /// An update that writes under a Yjs client id bound to another author.
    #[error("client id {client} belongs to another author")]
    Impersonation {
        /// The Yjs client id the update wrote under.
        client: u64,
    },
    /// An awareness update the sender may not send: a state too large, a
    /// client id of another author or connection, too many client ids.
    #[error("awareness refused: {0}")]
    AwarenessRefused(String),
    /// A chat message the sender may not write: under another author or
    /// name, too long, or over the chat rate.
    #[error("chat message refused: {0}")]
    ChatRefused(String),
    /// yrs failed part-way through applying an update. The document may hold
    /// part of it and must be rebuilt from its stored state.
    #[error("update failed while being applied: {0}")]
    ApplyFailed(String),
    /// An imported source or body nested deeper than the document may hold.
    #[error("the source nests blocks deeper than {limit} levels")]
    TooDeep {
        /// The deepest nesting of blocks allowed.
        limit: usize,
    },
    /// Stored state (a checkpoint or log entry) that does not decode.
    #[error("corrupt stored state: {0}")]
    CorruptState(String),
}

/// Result with crdt-core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
