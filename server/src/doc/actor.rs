//! The task that owns one loaded document: it applies updates in batches,
//! appends them to the store (group commit), relays them and acknowledges
//! them once durable.

use std::collections::HashMap;
use std::mem;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use crdt_core::{Document, Error as CoreError, IncomingUpdate, Outcome, Room, Session, protocol};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{Instrument, debug, error, info, info_span, warn};

use super::registry::{DocMap, retire};
use super::{Control, FromConn, Join, Outbound, Outbox, Snapshot, close};
use crate::metrics::Metrics;
use crate::store::{Checkpoint, DocMeta, LogEntry, Store, StoreError};
use crdt_core::authorship::Stats;
use crdt_core::update::BatchClocks;

/// At most this many queued messages are taken before a batch is committed.
const MAX_BATCH: usize = 512;
/// How often presence expiry, retries and idle checks run.
const TICK: Duration = Duration::from_millis(500);
/// Wait before retrying a failed append.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// What every actor shares.
pub(crate) struct Context {
    pub store: Arc<dyn Store>,
    pub checkpoint_entries: u64,
    pub checkpoint_bytes: u64,
    pub max_doc_bytes: u64,
    pub idle_unload: Duration,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
    pub metrics: Arc<Metrics>,
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
    next_seq: u64,
    checkpoint_seq: u64,
    bytes_since_checkpoint: u64,
    meta: DocMeta,
    meta_stored: bool,
    /// Per-author statistics of the whole history, applied entries included.
    stats: Stats,
    /// Set when the document is being deleted: nothing more is written.
    discarded: bool,
    retry_at: Option<Instant>,
    idle_since: Option<Instant>,
    started: Instant,
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
            next_seq: 1,
            checkpoint_seq: 0,
            bytes_since_checkpoint: 0,
            meta: DocMeta::default(),
            meta_stored: false,
            stats: Stats::default(),
            discarded: false,
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
            if !self.batch.is_empty() || !self.owed_acks.is_empty() {
                self.commit().await;
            }
        }
        self.context.metrics.docs_loaded.dec();
    }

    async fn load(&mut self) -> Result<(), StoreError> {
        let store = &self.context.store;
        let meta = store.get_meta(&self.id).await?;
        self.meta_stored = meta.is_some();
        self.meta = meta.unwrap_or_else(|| DocMeta {
            created: wall_ms(),
            ..DocMeta::default()
        });
        let Some(stored) = store.load(&self.id).await? else {
            return Ok(());
        };
        let corrupt = |e: CoreError| StoreError::Corrupt {
            key: self.id.clone(),
            reason: e.to_string(),
        };
        self.stats = Stats::default();
        let (mut checkpoint, mut entries) = (stored.checkpoint, stored.entries);
        let mut document = loop {
            let Some(c) = checkpoint else {
                break Document::new();
            };
            match Document::from_checkpoint(&c.state, c.bindings) {
                Ok(document) => {
                    self.checkpoint_seq = c.seq;
                    self.next_seq = c.seq + 1;
                    self.stats = c.stats;
                    break document;
                }
                // The log is kept whole: an older checkpoint and more of the
                // log give the same state.
                Err(e) => {
                    error!(doc = %self.id, seq = c.seq, error = %e,
                        "a checkpoint does not load; replaying more of the log");
                    checkpoint = match c.seq {
                        0 | 1 => None,
                        seq => store.checkpoint_at(&self.id, seq - 1).await?,
                    };
                    let from = checkpoint.as_ref().map_or(0, |o| o.seq) + 1;
                    let mut more = store.log_range(&self.id, from, c.seq).await?;
                    more.append(&mut entries);
                    entries = more;
                }
            }
        };
        for entry in &entries {
            document
                .replay(&entry.update, &Arc::from(entry.author.as_str()))
                .map_err(corrupt)?;
            self.stats.record(&entry.author, entry.ts, entry.applied);
            self.next_seq = entry.seq + 1;
            self.bytes_since_checkpoint += entry.update.len() as u64;
        }
        self.room = Room::new(document);
        Ok(())
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
                self.discarded = true;
                let _ = reply.send(());
            }
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

    fn join(&mut self, join: Join) {
        let Join {
            conn,
            author,
            name,
            read_only,
            acks,
            tx,
            dropped,
        } = join;
        if let Some(name) = name
            && self.meta.names.get(&*author) != Some(&name)
        {
            // Stored with the metadata at the next append.
            self.meta.names.insert(author.to_string(), name);
        }
        for frame in self.room.greeting() {
            if tx.try_send(Outbound::Frame(frame)).is_err() {
                return;
            }
        }
        self.conns.insert(
            conn,
            Conn {
                session: Session::new(conn, author, read_only),
                tx,
                dropped,
                acks,
            },
        );
        self.idle_since = None;
    }

    fn on_conn(&mut self, from: FromConn) {
        match from {
            FromConn::Frame { conn, frame } => self.on_frame(conn, &frame),
            FromConn::Leave { conn } => {
                if let Some(gone) = self.conns.remove(&conn) {
                    self.owed_acks.remove(&conn);
                    if let Some(frame) = self.room.leave(&gone.session, self.now()) {
                        self.send_all(&frame, None);
                    }
                }
            }
        }
    }

    fn on_frame(&mut self, conn: u64, frame: &[u8]) {
        let now = self.now();
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        match self.room.receive(&mut c.session, frame, now) {
            Ok(Outcome::Nothing) => {}
            Ok(Outcome::Reply(reply)) => self.send_to(conn, reply),
            Ok(Outcome::Broadcast(frame)) => self.send_all(&frame, None),
            Ok(Outcome::Update(update)) => self.batch.push(update),
            Err(e) => self.refuse(conn, &e),
        }
    }

    /// Closes a connection that sent something refused; everyone else goes on.
    fn refuse(&mut self, conn: u64, error: &CoreError) {
        self.context.metrics.refused_messages.inc();
        warn!(conn, error = %error, "refused a message; closing the connection");
        let code = match error {
            CoreError::Impersonation { .. } => {
                self.send_to(conn, protocol::permission_denied(&error.to_string()));
                close::POLICY
            }
            _ => close::PROTOCOL,
        };
        self.kick(conn, Outbound::Close(code, error.to_string()));
    }

    fn kick(&mut self, conn: u64, why: Outbound) {
        if let Some(gone) = self.conns.remove(&conn) {
            let _ = gone.tx.try_send(why);
            gone.dropped.cancel();
            self.owed_acks.remove(&conn);
            if let Some(frame) = self.room.leave(&gone.session, self.now()) {
                self.send_all(&frame, None);
            }
        }
    }

    fn send_to(&mut self, conn: u64, frame: Bytes) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        match c.tx.try_send(Outbound::Frame(frame)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => self.lagging(&[conn]),
            Err(TrySendError::Closed(_)) => {
                self.kick(conn, Outbound::Close(close::GOING_AWAY, String::new()))
            }
        }
    }

    /// Sends one shared buffer to every connection but `except`.
    fn send_all(&mut self, frame: &Bytes, except: Option<u64>) {
        let mut behind = Vec::new();
        for (id, c) in &self.conns {
            if Some(*id) == except {
                continue;
            }
            if c.tx.try_send(Outbound::Frame(frame.clone())).is_err() {
                behind.push(*id);
            }
        }
        self.context
            .metrics
            .frames_relayed
            .inc_by(self.conns.len() as u64);
        self.lagging(&behind);
    }

    /// Closes connections whose queue is full: a client that missed an update
    /// is out of sync, so it reconnects and resyncs rather than skip it.
    fn lagging(&mut self, conns: &[u64]) {
        for &conn in conns {
            self.context.metrics.lagging_closed.inc();
            // The queue is full, so the close travels by dropping the sender.
            self.kick(
                conn,
                Outbound::Close(close::TRY_AGAIN, "too slow; resync".into()),
            );
        }
    }

    /// Applies the batch, relays it, makes it durable and acknowledges it.
    async fn commit(&mut self) {
        let ts = wall_ms();
        let mut relay: Vec<(u64, Bytes)> = Vec::new();
        let mut clocks = BatchClocks::default();
        for incoming in mem::take(&mut self.batch) {
            let (conn, number) = (incoming.conn, incoming.number);
            if !self.conns.contains_key(&conn) {
                continue;
            }
            if incoming.update.is_empty() {
                self.owed_acks.insert(conn, number);
                continue;
            }
            let bytes = incoming.update.bytes().clone();
            let author = incoming.author.to_string();
            if self.stored_size() + bytes.len() as u64 > self.context.max_doc_bytes {
                self.context.metrics.doc_too_large.inc();
                warn!(conn, "document size limit reached; update refused");
                self.kick(
                    conn,
                    Outbound::Close(close::TOO_BIG, "document size limit reached".into()),
                );
                continue;
            }
            clocks.add(&incoming.update);
            match self.room.apply(incoming) {
                Ok(applied) => {
                    self.stats.record(&author, ts, applied);
                    self.unsaved.push(LogEntry {
                        seq: self.next_seq,
                        ts,
                        author,
                        applied,
                        update: bytes.clone(),
                    });
                    self.next_seq += 1;
                    self.owed_acks.insert(conn, number);
                    relay.push((conn, bytes));
                }
                Err(e @ CoreError::ApplyFailed(_)) => {
                    self.refuse(conn, &e);
                    self.rebuild().await;
                }
                Err(e) => self.refuse(conn, &e),
            }
        }
        self.context
            .metrics
            .updates_applied
            .inc_by(relay.len() as u64);
        self.relay(relay, clocks.mergeable());
        self.persist().await;
    }

    /// The document's size as stored: the last checkpoint plus the log since.
    fn stored_size(&self) -> u64 {
        let unsaved: u64 = self.unsaved.iter().map(|e| e.update.len() as u64).sum();
        self.meta.size + self.bytes_since_checkpoint + unsaved
    }

    /// Relays a batch: one update goes to everyone but its sender; several are
    /// merged into one message for everyone, so frames per tick stay bounded,
    /// unless they are not `mergeable` (they carry blocks at the same clocks).
    fn relay(&mut self, updates: Vec<(u64, Bytes)>, mergeable: bool) {
        // Nobody else to tell: a lone writer's batch costs no merge.
        let lone_writer = match self.conns.len() {
            0 => true,
            1 => updates
                .iter()
                .all(|(sender, _)| self.conns.contains_key(sender)),
            _ => false,
        };
        if lone_writer {
            return;
        }
        match updates.as_slice() {
            [] => {}
            [(sender, update)] => self.send_all(&protocol::update(update), Some(*sender)),
            many => {
                let merged = match mergeable {
                    true => crdt_core::update::merge(many.iter().map(|(_, u)| u))
                        .inspect_err(|e| error!(error = %e, "merging a batch failed"))
                        .ok(),
                    false => None,
                };
                match merged {
                    Some(merged) => self.send_all(&protocol::update(&merged), None),
                    None => {
                        for (sender, update) in many {
                            self.send_all(&protocol::update(update), Some(*sender));
                        }
                    }
                }
            }
        }
    }

    /// Rebuilds the document from the store plus what is not yet stored,
    /// after yrs failed part-way through an update.
    async fn rebuild(&mut self) {
        let unsaved = mem::take(&mut self.unsaved);
        let (next_seq, checkpoint_seq, bytes) = (
            self.next_seq,
            self.checkpoint_seq,
            self.bytes_since_checkpoint,
        );
        self.next_seq = 1;
        self.checkpoint_seq = 0;
        self.bytes_since_checkpoint = 0;
        let result = self.load().await;
        let mut document_ok = result.is_ok();
        if document_ok {
            let mut document = mem::take(self.room.document_mut());
            for entry in &unsaved {
                document_ok &= document
                    .replay(&entry.update, &Arc::from(entry.author.as_str()))
                    .is_ok();
            }
            self.room.replace_document(document);
        }
        self.unsaved = unsaved;
        (
            self.next_seq,
            self.checkpoint_seq,
            self.bytes_since_checkpoint,
        ) = (next_seq, checkpoint_seq, bytes);
        if !document_ok {
            error!("rebuilding after a failed update failed; closing every connection");
            for conn in self.conns.keys().copied().collect::<Vec<_>>() {
                self.kick(
                    conn,
                    Outbound::Close(close::INTERNAL, "document reloading".into()),
                );
            }
        }
    }

    /// Appends what is not yet stored; on success sends the owed acks.
    async fn persist(&mut self) {
        if self.retry_at.is_some_and(|at| Instant::now() < at) {
            return;
        }
        if !self.unsaved.is_empty() {
            let started = Instant::now();
            if let Err(e) = self.context.store.append(&self.id, &self.unsaved).await {
                error!(error = %e, pending = self.unsaved.len(), "append failed; will retry, nothing acknowledged");
                self.context.metrics.store_errors.inc();
                self.retry_at = Some(Instant::now() + RETRY_AFTER);
                return;
            }
            self.retry_at = None;
            self.context
                .metrics
                .append_seconds
                .observe(started.elapsed().as_secs_f64());
            self.context
                .metrics
                .entries_appended
                .inc_by(self.unsaved.len() as u64);
            let entries = mem::take(&mut self.unsaved);
            self.bytes_since_checkpoint +=
                entries.iter().map(|e| e.update.len() as u64).sum::<u64>();
            self.meta.updated = entries.last().map_or(self.meta.updated, |e| e.ts);
            self.meta.revisions = self.next_seq - 1;
            self.store_meta().await;
        }
        for (conn, number) in mem::take(&mut self.owed_acks) {
            if self.conns.get(&conn).is_some_and(|c| c.acks) {
                self.send_to(conn, protocol::saved(number));
            }
        }
        // A checkpoint rewrites the whole state, so it waits until the log
        // since the last one is at least half that size: its cost stays a
        // constant share of what is logged, however large the document.
        let since = self.next_seq - 1 - self.checkpoint_seq;
        let amortized = self.bytes_since_checkpoint >= self.meta.size / 2;
        if (since >= self.context.checkpoint_entries && amortized)
            || self.bytes_since_checkpoint >= self.context.checkpoint_bytes
        {
            self.checkpoint().await;
        }
    }

    async fn store_meta(&mut self) {
        if let Some(title) = self.room.document().title() {
            self.meta.title = title;
        }
        match self.context.store.put_meta(&self.id, &self.meta).await {
            Ok(()) => self.meta_stored = true,
            Err(e) => warn!(error = %e, "metadata not stored"),
        }
    }

    async fn checkpoint(&mut self) {
        let seq = self.next_seq - 1;
        if seq == self.checkpoint_seq || !self.unsaved.is_empty() {
            return;
        }
        let document = self.room.document();
        let checkpoint = Checkpoint {
            seq,
            state: document.encode_state(),
            bindings: document.bindings().clone(),
            stats: self.stats.clone(),
        };
        self.meta.size = checkpoint.state.len() as u64;
        match self.context.store.checkpoint(&self.id, &checkpoint).await {
            Ok(()) => {
                self.checkpoint_seq = seq;
                self.bytes_since_checkpoint = 0;
                self.context.metrics.checkpoints.inc();
                self.store_meta().await;
            }
            Err(e) => warn!(error = %e, "checkpoint not written; the log still holds everything"),
        }
    }

    /// A server-side edit, stored before the reply.
    async fn edit(&mut self, author: crdt_core::AuthorId, update: Vec<u8>) -> Result<u64, String> {
        self.commit().await;
        let decoded =
            crdt_core::DecodedUpdate::decode(Bytes::from(update)).map_err(|e| e.to_string())?;
        let bytes = decoded.bytes().clone();
        let document = self.room.document_mut();
        let applied = document
            .apply(decoded, &author)
            .map_err(|e| e.to_string())?;
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
        self.relay(vec![(0, bytes)], true);
        self.retry_at = None;
        self.persist().await;
        if self.unsaved.is_empty() {
            Ok(self.next_seq - 1)
        } else {
            Err("the edit is applied but not yet stored".into())
        }
    }

    /// Expires presence, retries appends and unloads when idle. Returns true
    /// when the actor has retired.
    async fn on_tick(&mut self) -> bool {
        if let Some(frame) = self.room.expire(self.now()) {
            self.send_all(&frame, None);
        }
        if !self.unsaved.is_empty() {
            self.persist().await;
        }
        if !self.conns.is_empty() || !self.unsaved.is_empty() {
            self.idle_since = None;
            return false;
        }
        let idle = *self.idle_since.get_or_insert_with(Instant::now);
        if idle.elapsed() < self.context.idle_unload {
            return false;
        }
        self.checkpoint().await;
        if retire(&self.docs, &self.id, self.generation, &self.control) {
            debug!("unloaded");
            return true;
        }
        false
    }

    async fn shut_down(&mut self) {
        self.commit().await;
        for attempt in 0..5 {
            if self.unsaved.is_empty() {
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
        info!(revision = self.next_seq - 1, "saved at shutdown");
    }
}
