//! The task that owns one loaded document. Its decisions are the engine's
//! ([`quire_engine::Engine`]): this loop only turns messages, finished
//! store calls and timers into engine calls, and the engine's actions into
//! frames, store calls and metrics ([`io`]).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use quire_engine::{Engine, Joining, Now, RETRY_AFTER, TICK};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{Instrument, debug, error, info, info_span, warn};

use super::registry::{DocMap, retire};
use super::{Control, EditError, FromConn, Join, Outbound, Outbox, close};
use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

mod io;
mod load;

/// At most this many queued messages are taken before a batch is committed.
const MAX_BATCH: usize = 512;
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

impl Context {
    fn engine_config(&self) -> quire_engine::Config {
        quire_engine::Config {
            checkpoint_entries: self.checkpoint_entries,
            checkpoint_bytes: self.checkpoint_bytes,
            max_doc_bytes: self.max_doc_bytes,
            max_doc_disk_bytes: self.max_doc_disk_bytes,
            relay_frames_per_sec: self.relay_frames_per_sec,
            idle_unload: self.idle_unload,
        }
    }
}

/// A joined connection's way out.
struct Link {
    tx: Outbox,
    dropped: CancellationToken,
}

type SyncFuture = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send>>;

pub(crate) struct Actor {
    id: String,
    generation: u64,
    context: Arc<Context>,
    clock: Arc<dyn Clock>,
    docs: DocMap,
    control: mpsc::UnboundedReceiver<Control>,
    frames: mpsc::Receiver<FromConn>,
    engine: Engine,
    links: HashMap<u64, Link>,
    /// Connections a send failed to, until the engine closes them.
    failing: HashMap<u64, Link>,
    /// The sync in flight ([`quire_engine::Action::Sync`]).
    sync: Option<SyncFuture>,
    /// Asked to unload early, with the flag to clear if it stays.
    evict: Option<Arc<std::sync::atomic::AtomicBool>>,
    /// The engine's monotonic origin.
    origin: Instant,
}

/// Resolves at `at`; never when it is `None`.
async fn due(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// Resolves when the sync in flight does; never when there is none.
async fn sync_done(sync: &mut Option<SyncFuture>) -> Result<(), StoreError> {
    match sync {
        Some(sync) => sync.await,
        None => std::future::pending().await,
    }
}

impl Actor {
    pub(crate) fn new(
        id: String,
        generation: u64,
        context: Arc<Context>,
        clock: Arc<dyn Clock>,
        docs: DocMap,
        control: mpsc::UnboundedReceiver<Control>,
        frames: mpsc::Receiver<FromConn>,
    ) -> Self {
        let engine = Engine::empty(context.engine_config(), clock.wall_ms());
        Self {
            id,
            generation,
            context,
            clock,
            docs,
            control,
            frames,
            engine,
            links: HashMap::new(),
            failing: HashMap::new(),
            sync: None,
            evict: None,
            origin: Instant::now(),
        }
    }

    /// The time, for the engine.
    fn now(&self) -> Now {
        Now {
            at: self.origin.elapsed(),
            wall_ms: self.clock.wall_ms(),
        }
    }

    pub(crate) async fn run(self) {
        let span = info_span!("doc", id = %self.id);
        self.serve().instrument(span).await
    }

    async fn serve(mut self) {
        let started = Instant::now();
        let wall_ms = self.clock.wall_ms();
        match load::load(&*self.context.store, &self.id, wall_ms).await {
            Ok(loaded) => self.engine = Engine::new(self.context.engine_config(), loaded),
            Err(e) => {
                error!(error = %e, "load failed; the document stays as stored");
                self.context.metrics.load_failures.inc();
                self.refuse_waiting(&format!("could not load the document: {e}"));
                return;
            }
        }
        self.context.metrics.docs_loaded.inc();
        debug!(
            revision = self.engine.revision(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "loaded"
        );
        let mut ticker = tokio::time::interval(TICK);
        loop {
            let relay_at = self.engine.relay_at().map(|at| self.origin + at);
            tokio::select! {
                biased;
                _ = self.context.shutdown.cancelled() => {
                    self.shut_down().await;
                    break;
                }
                // Before new frames: acknowledgements free the senders.
                result = sync_done(&mut self.sync) => {
                    self.sync = None;
                    let now = self.now();
                    self.engine.synced(result.map_err(|e| e.to_string()), now);
                    self.engine.start_sync(false, now);
                    self.drain().await;
                }
                _ = due(relay_at) => {
                    self.engine.flush_relay(self.now());
                    self.drain().await;
                }
                Some(control) = self.control.recv() => self.on_control(control).await,
                Some(from) = self.frames.recv() => self.on_conn(from).await,
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
                    self.on_conn(from).await;
                } else {
                    break;
                }
            }
            if self.engine.is_discarded() {
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
            if self.engine.commit_due() {
                self.commit().await;
            }
            self.engine.schedule_relay(self.now());
            self.drain().await;
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
                name,
                update,
                reply,
            } => {
                let result = self.edit(author, name.as_deref(), update).await;
                let _ = reply.send(result);
            }
            Control::Kick { author } => self.engine.kick_author(&author, self.now()),
            Control::Discard { reply } => {
                self.engine.discard(self.now());
                self.sync = None;
                self.drain().await;
                let _ = reply.send(());
            }
            Control::Unload { asked } => self.evict = Some(asked),
            Control::Read { reply } => {
                let _ = reply.send(self.engine.snapshot());
            }
        }
        self.drain().await;
    }

    fn join(&mut self, join: Join) {
        let Join {
            conn,
            author,
            name,
            role,
            read_only,
            acks,
            tx,
            dropped,
        } = join;
        let joining = Joining {
            conn,
            author,
            name,
            role,
            read_only,
            acks,
        };
        for frame in self.engine.greet(&joining) {
            if tx.try_send(Outbound::Frame(frame)).is_err() {
                return;
            }
        }
        self.links.insert(conn, Link { tx, dropped });
        self.engine.join(joining);
    }

    async fn on_conn(&mut self, from: FromConn) {
        let now = self.now();
        match from {
            FromConn::Frame { conn, frame } => self.engine.frame(conn, *frame, now),
            FromConn::Leave { conn } => {
                self.links.remove(&conn);
                self.failing.remove(&conn);
                self.engine.leave(conn, now);
            }
        }
        self.drain().await;
    }

    /// Applies the batch and starts making it durable.
    async fn commit(&mut self) {
        self.engine.commit(self.now());
        self.drain().await;
    }

    /// A server-side edit, stored before the reply. An edit past a limit
    /// is refused and changes nothing.
    async fn edit(
        &mut self,
        author: crdt_core::AuthorId,
        name: Option<&str>,
        update: Vec<u8>,
    ) -> Result<u64, EditError> {
        self.commit().await;
        let made = self.engine.edit(&author, name, update, self.now());
        self.drain().await;
        made?;
        self.persist().await;
        self.engine.edit_stored()
    }

    /// Makes everything applied durable and sends the owed acks, waiting
    /// for it; returns with entries still unsaved only when the store failed.
    async fn persist(&mut self) {
        loop {
            self.settle().await;
            self.engine.start_sync(true, self.now());
            self.drain().await;
            if !self.engine.is_syncing() {
                return;
            }
        }
    }

    /// Waits for the sync in flight, if any, and tells the engine.
    async fn settle(&mut self) {
        if let Some(sync) = self.sync.as_mut() {
            let result = sync.await;
            self.sync = None;
            self.engine
                .synced(result.map_err(|e| e.to_string()), self.now());
        }
    }

    /// Expires presence, retries appends and unloads when idle. Returns true
    /// when the actor has retired.
    async fn on_tick(&mut self) -> bool {
        self.engine.tick(self.now());
        self.drain().await;
        if !self.engine.idle_expired(self.now()) {
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
        if !self.engine.can_unload() {
            return false;
        }
        self.engine.checkpoint();
        self.drain().await;
        // A checkpoint that failed leaves nothing unsaved: the log holds it.
        retire(&self.docs, &self.id, self.generation, &self.control)
    }

    async fn shut_down(&mut self) {
        self.commit().await;
        self.persist().await;
        // A store that keeps failing must not hold the shutdown up for long.
        let give_up = Instant::now() + SHUTDOWN_RETRIES;
        for attempt in 0.. {
            if self.engine.unsaved_len() == 0 || Instant::now() >= give_up {
                break;
            }
            self.engine.retry_now();
            self.persist().await;
            if self.engine.unsaved_len() > 0 {
                warn!(attempt, "updates still unsaved at shutdown; retrying");
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
        self.engine.checkpoint();
        self.drain().await;
        self.engine
            .close_all(close::GOING_AWAY, "server shutting down");
        self.drain().await;
        match self.engine.unsaved_len() {
            0 => info!(revision = self.engine.revision(), "saved at shutdown"),
            n => error!(
                updates = n,
                "the store kept failing: updates never acknowledged are lost at shutdown"
            ),
        }
    }
}
