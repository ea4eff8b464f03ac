//! The task that owns one loaded document: it applies updates in batches,
//! appends them to the store (group commit), relays them and acknowledges
//! them once durable.

use std::collections::HashMap;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use crdt_core::session::Frame;
use crdt_core::{Document, Error as CoreError, IncomingUpdate, Outcome, Room, Session, protocol};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{Instrument, debug, error, info, info_span, warn};

use super::registry::{DocMap, retire};
use super::{Control, EditError, FromConn, Join, Outbound, Outbox, Snapshot, close};
use crate::metrics::Metrics;
use crate::store::{Checkpoint, DocMeta, LogEntry, Store, StoreError};
use crdt_core::authorship::{Applied, Stats};
use crdt_core::update::BatchClocks;

mod apply;
mod conns;
mod storage;

/// At most this many queued messages are taken before a batch is committed.
const MAX_BATCH: usize = 512;
/// How often presence expiry, retries and idle checks run.
const TICK: Duration = Duration::from_millis(500);
/// The longest a relay waits for the spacing that bounds a document's frames
/// per second (`--relay-frames-per-sec`).
const MAX_RELAY_SPACING: Duration = Duration::from_millis(25);
/// Wait before retrying a failed append.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// How long a shutdown keeps retrying appends that fail.
const SHUTDOWN_RETRIES: Duration = Duration::from_secs(4);

/// What every actor shares.
pub(crate) struct Context {
    pub store: Arc<dyn Store>,
    pub checkpoint_entries: u64,
    pub checkpoint_bytes: u64,
    pub max_doc_bytes: u64,
    pub max_doc_disk_bytes: u64,
    pub max_loaded_docs: usize,
    pub relay_frames_per_sec: u32,
    pub idle_unload: Duration,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
    pub metrics: Arc<Metrics>,
}

/// Entries written to the store and the sync that makes them durable.
struct Syncing {
    done: Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send>>,
    entries: Vec<LogEntry>,
    /// Acknowledgements owed once `entries` are durable.
    acks: HashMap<u64, u64>,
    started: Instant,
}

struct Conn {
    session: Session,
    tx: Outbox,
    dropped: CancellationToken,
    acks: bool,
}

pub(crate) struct Actor {
    id: String,
    generation: u64,
    context: Arc<Context>,
    docs: DocMap,
    control: mpsc::UnboundedReceiver<Control>,
    frames: mpsc::Receiver<FromConn>,
    room: Room,
    conns: HashMap<u64, Conn>,
    /// Accepted updates not yet applied.
    batch: Vec<IncomingUpdate>,
    /// Applied updates not yet durable, oldest first.
    unsaved: Vec<LogEntry>,
    /// Saved acknowledgements owed once `unsaved` is durable.
    owed_acks: HashMap<u64, u64>,
    /// Written entries whose sync is in flight.
    syncing: Option<Syncing>,
    /// Entries were written that no sync has covered yet.
    unsynced: bool,
    /// Awareness changed since presence last went out.
    presence_changed: bool,
    /// Applied updates not yet relayed, with their clocks.
    outgoing: Vec<(u64, Bytes)>,
    outgoing_clocks: BatchClocks,
    /// When what is outgoing is due, if it waits.
    relay_at: Option<Instant>,
    last_relay: Instant,
    next_seq: u64,
    checkpoint_seq: u64,
    bytes_since_checkpoint: u64,
    /// Bytes the document's records take in the store.
    disk: storage::DiskUse,
    meta: DocMeta,
    meta_stored: bool,
    /// Per-author statistics of the whole history, applied entries included.
    stats: Stats,
    /// Set when the document is being deleted: nothing more is written.
    discarded: bool,
    /// Asked to unload early, with the flag to clear if it stays.
    evict: Option<Arc<std::sync::atomic::AtomicBool>>,
    retry_at: Option<Instant>,
    idle_since: Option<Instant>,
    started: Instant,
}

/// Resolves at `at`; never when it is `None`.
async fn due(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// Resolves when the sync in flight does; never when there is none.
async fn sync_done(syncing: &mut Option<Syncing>) -> Result<(), StoreError> {
    match syncing {
        Some(syncing) => (&mut syncing.done).await,
        None => std::future::pending().await,
    }
}

fn wall_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Actor {
    pub(crate) fn new(
        id: String,
        generation: u64,
        context: Arc<Context>,
        docs: DocMap,
        control: mpsc::UnboundedReceiver<Control>,
        frames: mpsc::Receiver<FromConn>,
    ) -> Self {
        Self {
            id,
            generation,
            context,
            docs,
            control,
            frames,
            room: Room::default(),
            conns: HashMap::new(),
            batch: Vec::new(),
            unsaved: Vec::new(),
            owed_acks: HashMap::new(),
            syncing: None,
            unsynced: false,
            presence_changed: false,
            outgoing: Vec::new(),
            outgoing_clocks: BatchClocks::default(),
            relay_at: None,
            last_relay: Instant::now(),
            next_seq: 1,
            checkpoint_seq: 0,
            bytes_since_checkpoint: 0,
            disk: storage::DiskUse::default(),
            meta: DocMeta::default(),
            meta_stored: false,
            stats: Stats::default(),
            discarded: false,
            evict: None,
            retry_at: None,
            idle_since: None,
            started: Instant::now(),
        }
    }

    /// Presence's clock: milliseconds since the actor started.
    fn now(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    pub(crate) async fn run(self) {
        let span = info_span!("doc", id = %self.id);
        self.serve().instrument(span).await
    }

    async fn serve(mut self) {
        let started = Instant::now();
        if let Err(e) = self.load().await {
            error!(error = %e, "load failed; the document stays as stored");
            self.context.metrics.load_failures.inc();
            self.refuse_waiting(&format!("could not load the document: {e}"));
            return;
        }
        self.context.metrics.docs_loaded.inc();
        debug!(
            revision = self.next_seq - 1,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "loaded"
        );
        let mut ticker = tokio::time::interval(TICK);
        loop {
            tokio::select! {
                biased;
                _ = self.context.shutdown.cancelled() => {
                    self.shut_down().await;
                    break;
                }
                // Before new frames: acknowledgements free the senders.
                result = sync_done(&mut self.syncing) => {
                    self.synced(result);
                    self.start_sync(false).await;
                }
                _ = due(self.relay_at) => self.flush_relay(),
                Some(control) = self.control.recv() => self.on_control(control).await,
                Some(from) = self.frames.recv() => self.on_conn(from),
                _ = ticker.tick() => {
                    if self.on_tick().await {
                        break;
                    }
                }
            }
            for _ in 0..MAX_BATCH {
                if let Ok(control) = self.control.try_recv() {
                    self.on_control(control).await;
                } else if let Ok(from) = self.frames.try_recv() {
                    self.on_conn(from);
                } else {
                    break;
                }
            }
            if self.discarded {
                retire(&self.docs, &self.id, self.generation, &self.control);
                break;
            }
            if let Some(asked) = self.evict.take() {
                if self.unload_if_idle().await {
                    self.context.metrics.docs_evicted.inc();
                    debug!("unloaded early: too many documents loaded");
                    break;
                }
                asked.store(false, std::sync::atomic::Ordering::Relaxed);
            }
            if !self.batch.is_empty() || !self.owed_acks.is_empty() {
                self.commit().await;
            }
            self.schedule_relay();
        }
        self.context.metrics.docs_loaded.dec();
    }

    /// Answers every waiting message after a failed load.
    fn refuse_waiting(&mut self, reason: &str) {
        while let Ok(control) = self.control.try_recv() {
            if let Control::Join(join) = control {
                let _ = join
                    .tx
                    .try_send(Outbound::Close(close::INTERNAL, reason.to_owned()));
            }
        }
        retire(&self.docs, &self.id, self.generation, &self.control);
    }

    async fn on_control(&mut self, control: Control) {
        match control {
            Control::Join(join) => self.join(join),
            Control::Edit {
                author,
                update,
                reply,
            } => {
                let result = self.edit(author, update).await;
                let _ = reply.send(result);
            }
            Control::Kick { author } => {
                let gone: Vec<u64> = self
                    .conns
                    .iter()
                    .filter(|(_, c)| &**c.session.author() == author.as_str())
                    .map(|(id, _)| *id)
                    .collect();
                for conn in gone {
                    self.kick(
                        conn,
                        Outbound::Close(close::POLICY, "access revoked".into()),
                    );
                }
            }
            Control::Discard { reply } => {
                for conn in self.conns.keys().copied().collect::<Vec<_>>() {
                    self.kick(
                        conn,
                        Outbound::Close(close::GOING_AWAY, "document deleted".into()),
                    );
                }
                self.batch.clear();
                self.unsaved.clear();
                self.owed_acks.clear();
                self.syncing = None;
                self.discarded = true;
                let _ = reply.send(());
            }
            Control::Unload { asked } => self.evict = Some(asked),
            Control::Read { reply } => {
                let _ = reply.send(Snapshot {
                    state: self.room.document().encode_state(),
                    revision: self.next_seq - 1,
                    connections: self.conns.len(),
                    authors: self.room.document().bindings().authors(),
                    bindings: self.room.document().bindings().clone(),
                    online: self
                        .conns
                        .values()
                        .map(|c| c.session.author().to_string())
                        .collect(),
                    stats: self.stats.clone(),
                });
            }
        }
    }

    /// A server-side edit, stored before the reply. An edit past a limit
    /// is refused and changes nothing.
    async fn edit(
        &mut self,
        author: crdt_core::AuthorId,
        update: Vec<u8>,
    ) -> Result<u64, EditError> {
        self.commit().await;
        let failed = |e: crdt_core::Error| EditError::Failed(e.to_string());
        let decoded = crdt_core::DecodedUpdate::decode(Bytes::from(update)).map_err(failed)?;
        let bytes = decoded.bytes().clone();
        if let Err(limit) = self.space().take(&author, bytes.len()) {
            self.refused_for(limit);
            return Err(EditError::Limit(limit));
        }
        let document = self.room.document_mut();
        let applied = document.apply(decoded, &author).map_err(failed)?;
        let ts = wall_ms();
        self.stats.record(&author, ts, applied);
        self.unsaved.push(LogEntry {
            seq: self.next_seq,
            ts,
            author: author.to_string(),
            applied,
            update: bytes.clone(),
        });
        self.next_seq += 1;
        self.flush_relay();
        self.relay(vec![(0, bytes)], true);
        self.retry_at = None;
        self.persist().await;
        if self.unsaved.is_empty() {
            Ok(self.next_seq - 1)
        } else {
            Err(EditError::Failed(
                "the edit is applied but not yet stored".into(),
            ))
        }
    }

    /// Expires presence, retries appends and unloads when idle. Returns true
    /// when the actor has retired.
    async fn on_tick(&mut self) -> bool {
        if let Some(frame) = self.room.expire(self.now()) {
            self.send_all(&frame, None);
        }
        if !self.unsaved.is_empty() {
            self.start_sync(false).await;
        }
        if !self.conns.is_empty() || !self.unsaved.is_empty() || self.syncing.is_some() {
            self.idle_since = None;
            return false;
        }
        let idle = *self.idle_since.get_or_insert_with(Instant::now);
        if idle.elapsed() < self.context.idle_unload {
            return false;
        }
        let unloaded = self.unload_if_idle().await;
        if unloaded {
            debug!("unloaded");
        }
        unloaded
    }

    /// Writes a checkpoint and retires, unless a connection, a write or a
    /// message waits. Returns true when the actor has retired.
    async fn unload_if_idle(&mut self) -> bool {
        if !self.conns.is_empty()
            || !self.unsaved.is_empty()
            || self.syncing.is_some()
            || !self.batch.is_empty()
        {
            return false;
        }
        self.checkpoint().await;
        // A checkpoint that failed leaves nothing unsaved: the log holds it.
        retire(&self.docs, &self.id, self.generation, &self.control)
    }

    async fn shut_down(&mut self) {
        self.commit().await;
        self.persist().await;
        // A store that keeps failing must not hold the shutdown up for long.
        let give_up = Instant::now() + SHUTDOWN_RETRIES;
        for attempt in 0.. {
            if self.unsaved.is_empty() || Instant::now() >= give_up {
                break;
            }
            self.retry_at = None;
            self.persist().await;
            if !self.unsaved.is_empty() {
                warn!(attempt, "updates still unsaved at shutdown; retrying");
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
        self.checkpoint().await;
        for (_, conn) in self.conns.drain() {
            let _ = conn.tx.try_send(Outbound::Close(
                close::GOING_AWAY,
                "server shutting down".into(),
            ));
            conn.dropped.cancel();
        }
        match self.unsaved.len() {
            0 => info!(revision = self.next_seq - 1, "saved at shutdown"),
            n => error!(
                updates = n,
                "the store kept failing: updates never acknowledged are lost at shutdown"
            ),
        }
    }
}
