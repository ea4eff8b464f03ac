//! quire-engine: everything a loaded document decides, as a pure and
//! synchronous state machine. No tasks, no store, no sockets and no clock:
//! the caller (the server's document actor, a fuzz target, a simulation)
//! hands it events with the time they happen at, and carries out the
//! [`Action`]s it queues, reporting back how the store calls went.
//!
//! # Events in, actions out
//!
//! Events: a connection joins ([`Engine::greet`], [`Engine::join`]), sends a
//! frame ([`Engine::frame`]) or leaves ([`Engine::leave`]); a batch is due
//! ([`Engine::commit`]); a server-side edit, read, kick, discard; a store
//! write finished ([`Engine::written`]), a sync finished ([`Engine::synced`]),
//! a checkpoint, metadata or rebuild finished; a tick ([`Engine::tick`]);
//! a send to a connection failed ([`Engine::send_failed`]).
//!
//! Actions ([`Action`]): frames for one connection or for all but one (one
//! shared buffer), connections to close with a code and reason, entries to
//! write, a sync to start, metadata to store, a checkpoint to write and old
//! ones to thin, a rebuild to load, and metrics. The caller runs them in
//! order; a store call's outcome goes back before the next event.
//!
//! # States of an update
//!
//! An update from a connection moves through these states, each a field of
//! [`Engine`]:
//!
//! 1. **batch**: accepted from its connection, not yet applied;
//! 2. **unsaved**: applied to the document (and queued for relaying), its
//!    log entry not yet written;
//! 3. **writing**: its entry handed to the store, the write not yet done;
//! 4. **unsynced**: written, but no sync has covered it yet (nobody waited
//!    for it, so none was started);
//! 5. **syncing**: written, with a sync in flight that covers it;
//! 6. durable: a finished sync covered it. Only now are the **owed acks**
//!    (`Saved n`, the highest update number per connection that asked)
//!    of its connections sent.
//!
//! A write or sync that fails puts its entries back into unsaved and its
//! acks back into owed acks; they are written again after a pause
//! ([`RETRY_AFTER`]). Nothing is acknowledged that a finished sync did not
//! cover.
//!
//! # Layout
//!
//! - [`record`]: the stored records (log entries, checkpoints, metadata).
//! - [`retention`]: which checkpoints history keeps.
//! - `apply`: batches applied as runs of one connection, chat budgets,
//!   server-side edits.
//! - `conns`: joining, frames in, frames out, relay spacing and merging,
//!   presence.
//! - `storage`: group commit (write, sync, acks), retries, limits.
//! - `checkpoint`: when a checkpoint is due, writing it, thinning old ones.
//! - `lifecycle`: ticks, idleness, rebuilding, deletion.
//! - `types`: what callers exchange with the engine ([`Action`],
//!   [`Snapshot`], [`Limit`], [`EditError`], [`close`] codes).

mod apply;
mod checkpoint;
mod conns;
mod lifecycle;
pub mod record;
pub mod retention;
mod storage;
mod types;

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crdt_core::authorship::Stats;
use crdt_core::update::BatchClocks;
use crdt_core::{Document, IncomingUpdate, Room, Session};

pub use conns::Joining;
pub use record::{Checkpoint, CheckpointInfo, DocMeta, LogEntry};
pub use storage::{DiskUse, Loaded};
pub use types::{Action, EditError, Limit, Metric, Snapshot, close};

/// How often the caller should call [`Engine::tick`].
pub const TICK: Duration = Duration::from_millis(500);
/// The longest a relay waits for the spacing that bounds a document's frames
/// per second (`relay_frames_per_sec`).
pub const MAX_RELAY_SPACING: Duration = Duration::from_millis(25);
/// Awareness changes go out at most this often, the newest state of each
/// client once: a client moving its cursor 500 times a second costs its
/// peers 20 frames.
pub const PRESENCE_INTERVAL: Duration = Duration::from_millis(50);
/// Wait before retrying a failed write.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

/// A moment, as the caller's clocks tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Now {
    /// Monotonic time since an origin the caller chose (the document's
    /// load, say); never goes back.
    pub at: Duration,
    /// Wall-clock time, milliseconds since the Unix epoch: log entries and
    /// metadata are stamped with it.
    pub wall_ms: u64,
}

impl Now {
    /// Presence's clock: milliseconds since the origin.
    fn millis(self) -> u64 {
        self.at.as_millis() as u64
    }
}

/// The limits and intervals a document works with.
#[derive(Debug, Clone)]
pub struct Config {
    /// A checkpoint after this many log entries (if amortized).
    pub checkpoint_entries: u64,
    /// A checkpoint after this many bytes of log.
    pub checkpoint_bytes: u64,
    /// `--max-doc-bytes`.
    pub max_doc_bytes: u64,
    /// `--max-doc-disk-bytes`.
    pub max_doc_disk_bytes: u64,
    /// `--relay-frames-per-sec`.
    pub relay_frames_per_sec: u32,
    /// How long a document without connections or writes stays loaded.
    pub idle_unload: Duration,
}

/// What the engine knows of a joined connection.
struct Conn {
    session: Session,
    acks: bool,
}

/// One document's decisions. See the crate documentation.
pub struct Engine {
    config: Config,
    room: Room,
    conns: HashMap<u64, Conn>,
    actions: VecDeque<Action>,
    /// Accepted updates not yet applied.
    batch: Vec<IncomingUpdate>,
    /// Runs of the batch left to apply after a rebuild.
    resume: Option<Vec<IncomingUpdate>>,
    /// Applied updates whose entries are not yet written, oldest first.
    unsaved: Vec<LogEntry>,
    /// Entries handed to the store, the write not yet done.
    writing: Option<storage::Writing>,
    /// Entries were written that no sync has covered yet.
    unsynced: bool,
    /// Written entries whose sync is in flight.
    syncing: Option<storage::Syncing>,
    /// Saved acknowledgements owed once what is unsaved is durable.
    owed_acks: HashMap<u64, u64>,
    /// A checkpoint being written, listed or thinned.
    checkpointing: Option<checkpoint::Checkpointing>,
    /// Waiting for the caller to reload the document.
    rebuilding: bool,
    /// Awareness changed since presence last went out.
    presence_changed: bool,
    /// When presence last went out; `None`: never.
    last_presence: Option<Duration>,
    /// A display name changed since the metadata was stored.
    names_changed: bool,
    /// Each author's chat budget.
    chat_budgets: HashMap<String, apply::ChatBudget>,
    /// Applied updates not yet relayed, with their clocks.
    outgoing: Vec<(u64, bytes::Bytes)>,
    outgoing_clocks: BatchClocks,
    /// When what is outgoing is due, if it waits.
    relay_at: Option<Duration>,
    last_relay: Duration,
    next_seq: u64,
    checkpoint_seq: u64,
    bytes_since_checkpoint: u64,
    /// Bytes the document's records take in the store.
    disk: DiskUse,
    meta: DocMeta,
    meta_stored: bool,
    /// Per-author statistics of the whole history, applied entries included.
    stats: Stats,
    /// Set when the document is being deleted: nothing more is written.
    discarded: bool,
    retry_at: Option<Duration>,
    idle_since: Option<Duration>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("revision", &self.revision())
            .field("conns", &self.conns.len())
            .field("batch", &self.batch.len())
            .field("unsaved", &self.unsaved.len())
            .field("syncing", &self.syncing.is_some())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// A document as loaded from the store.
    pub fn new(config: Config, loaded: Loaded) -> Self {
        let mut room = Room::default();
        let Loaded {
            document,
            fresh,
            meta,
            meta_stored,
            disk,
            stats,
            next_seq,
            checkpoint_seq,
            bytes_since_checkpoint,
        } = loaded;
        if fresh {
            room.replace_document(document);
        } else {
            room = Room::new(document);
        }
        Self {
            config,
            room,
            conns: HashMap::new(),
            actions: VecDeque::new(),
            batch: Vec::new(),
            resume: None,
            unsaved: Vec::new(),
            writing: None,
            unsynced: false,
            syncing: None,
            owed_acks: HashMap::new(),
            checkpointing: None,
            rebuilding: false,
            presence_changed: false,
            last_presence: None,
            names_changed: false,
            chat_budgets: HashMap::new(),
            outgoing: Vec::new(),
            outgoing_clocks: BatchClocks::default(),
            relay_at: None,
            last_relay: Duration::ZERO,
            next_seq,
            checkpoint_seq,
            bytes_since_checkpoint,
            disk,
            meta,
            meta_stored,
            stats,
            discarded: false,
            retry_at: None,
            idle_since: None,
        }
    }

    /// A new, empty document that was never stored.
    pub fn empty(config: Config, wall_ms: u64) -> Self {
        Self::new(config, Loaded::empty(wall_ms))
    }

    /// The next action to carry out, oldest first.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The newest revision (log entries so far, applied ones included).
    pub fn revision(&self) -> u64 {
        self.next_seq - 1
    }

    /// The live document.
    pub fn document(&self) -> &Document {
        self.room.document()
    }

    /// How many connections are joined.
    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    /// How many applied entries are not yet written.
    pub fn unsaved_len(&self) -> usize {
        self.unsaved.len()
    }

    /// Whether a sync is in flight.
    pub fn is_syncing(&self) -> bool {
        self.syncing.is_some()
    }

    /// Whether the document waits for the caller to reload it
    /// ([`Action::Rebuild`]).
    pub fn is_rebuilding(&self) -> bool {
        self.rebuilding
    }

    /// Whether the document is being deleted.
    pub fn is_discarded(&self) -> bool {
        self.discarded
    }

    /// Whether a batch or owed acks wait for [`Engine::commit`].
    pub fn commit_due(&self) -> bool {
        !self.batch.is_empty() || !self.owed_acks.is_empty()
    }

    /// When the relay (updates or presence) is due, if it waits: call
    /// [`Engine::flush_relay`] then.
    pub fn relay_at(&self) -> Option<Duration> {
        self.relay_at
    }

    /// The document's metadata as last decided.
    pub fn meta(&self) -> &DocMeta {
        &self.meta
    }

    fn push(&mut self, action: Action) {
        self.actions.push_back(action);
    }

    fn count(&mut self, metric: Metric, by: u64) {
        if by > 0 {
            self.push(Action::Metric(metric, by));
        }
    }
}

#[cfg(test)]
mod tests;
