//! A deterministic world around one engine: Yjs clients that edit, connect
//! and leave, a store whose writes and syncs finish late, fail or never
//! finish, a clock, and crashes that drop everything not synced. Every
//! step checks the engine's promises:
//!
//! - `Saved n` reaches a connection only when every update it sent up to
//!   its n-th is in the store and covered by a finished sync;
//! - after a crash, the store (what was synced) replays to a document that
//!   holds every acknowledged update, and its log has no gap;
//! - once the world settles, every connection still open has the server's
//!   state and has been acknowledged everything it sent.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use crdt_core::authorship::Stats;
use crdt_core::protocol::{self, Inbound};
use crdt_core::session::Frame;
use crdt_core::{DecodedUpdate, Document};
use quire_engine::{
    Action, CheckpointInfo, Config, DiskUse, DocMeta, Engine, Joining, Loaded, LogEntry, Now,
};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{
    ClientID, Doc, GetString, Options, ReadTxn, StateVector, Transact, Update, WriteTxn,
    XmlElementPrelim, XmlFragment, XmlTextPrelim,
};

/// One step of a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Client `c` types (a paragraph of its own), sending it if connected.
    Edit(usize),
    /// Client `c`'s oldest queued frame reaches the engine.
    Deliver(usize),
    /// The document commits its batch.
    Commit,
    /// Time passes; a tick.
    Tick(u16),
    /// The relay is due.
    Flush,
    /// The write in flight finishes (`true`: ok).
    FinishWrite(bool),
    /// The sync in flight finishes (`true`: ok).
    FinishSync(bool),
    /// The store's call in flight never finishes (until a crash).
    Stall,
    /// Client `c` connects (if it is not connected).
    Join(usize),
    /// Client `c` leaves.
    Leave(usize),
    /// Client `c`'s queue is full for the next frame sent to it.
    Lag(usize),
    /// The process dies: whatever was not synced is lost; the document
    /// loads again from the store.
    Crash,
    /// The document unloads if idle, and loads again.
    Unload,
}

struct Client {
    doc: Doc,
    author: Arc<str>,
    acks: bool,
    conn: Option<u64>,
    /// Frames to send, oldest first.
    outbox: Vec<Bytes>,
    /// Update-carrying messages sent on this connection, from 1.
    sent: Vec<Bytes>,
    /// The highest Saved received on this connection.
    saved: u64,
    /// The next frame to it does not fit its queue.
    lagging: bool,
    edits: u32,
}

/// The store: everything written (what the process reads) and what a
/// finished sync covered (what survives a crash).
#[derive(Default)]
struct Store {
    written: BTreeMap<u64, LogEntry>,
    durable: BTreeMap<u64, LogEntry>,
    /// A write in flight.
    writing: Option<Vec<LogEntry>>,
    /// A sync in flight: the seqs written when it started.
    syncing: Option<Vec<u64>>,
    /// The call in flight never finishes.
    stalled: bool,
    meta: Option<DocMeta>,
}

pub struct World {
    engine: Engine,
    clients: Vec<Client>,
    store: Store,
    next_conn: u64,
    at: Duration,
    /// Updates acknowledged to someone: they must survive anything.
    acked: Vec<Bytes>,
    pub stats: Counts,
}

/// What happened, to tell that schedules exercise the engine.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub saved: u64,
    pub crashes: u64,
    pub failures: u64,
    pub closes: u64,
}

fn config() -> Config {
    Config {
        checkpoint_entries: 8,
        checkpoint_bytes: 1 << 20,
        max_doc_bytes: 1 << 30,
        max_doc_disk_bytes: 1 << 40,
        relay_frames_per_sec: 1000,
        idle_unload: Duration::from_secs(30),
    }
}

const WALL: u64 = 1_700_000_000_000;

impl World {
    /// A world of `clients` clients; the first `with_acks` ask for acks.
    pub fn new(clients: usize, with_acks: usize) -> Self {
        let clients = (0..clients)
            .map(|i| Client {
                doc: Doc::with_options(Options::with_client_id(ClientID::new(100 + i as u64))),
                author: Arc::from(format!("author-{i}")),
                acks: i < with_acks,
                conn: None,
                outbox: Vec::new(),
                sent: Vec::new(),
                saved: 0,
                lagging: false,
                edits: 0,
            })
            .collect();
        Self {
            engine: Engine::empty(config(), WALL),
            clients,
            store: Store::default(),
            next_conn: 1,
            at: Duration::ZERO,
            acked: Vec::new(),
            stats: Counts::default(),
        }
    }

    pub fn clients(&self) -> usize {
        self.clients.len()
    }

    fn now(&self) -> Now {
        Now {
            at: self.at,
            wall_ms: WALL + self.at.as_millis() as u64,
        }
    }

    pub fn step(&mut self, op: &Op) {
        let now = self.now();
        match *op {
            Op::Edit(c) => self.edit(c),
            Op::Deliver(c) => {
                let client = &mut self.clients[c];
                if let Some(conn) = client.conn
                    && !client.outbox.is_empty()
                {
                    let frame = client.outbox.remove(0);
                    self.engine.frame(conn, Frame::read(frame), now);
                }
            }
            Op::Commit => {
                if self.engine.commit_due() {
                    self.engine.commit(now);
                }
                self.engine.schedule_relay(now);
            }
            Op::Tick(ms) => {
                self.at += Duration::from_millis(u64::from(ms));
                let now = self.now();
                self.engine.tick(now);
                if self.engine.relay_at().is_some_and(|at| at <= self.at) {
                    self.engine.flush_relay(now);
                }
            }
            Op::Flush => self.engine.flush_relay(now),
            Op::FinishWrite(ok) => self.finish_write(ok),
            Op::FinishSync(ok) => self.finish_sync(ok),
            Op::Stall => {
                self.store.stalled = self.store.writing.is_some() || self.store.syncing.is_some();
            }
            Op::Join(c) => self.join(c),
            Op::Leave(c) => {
                if let Some(conn) = self.clients[c].conn.take() {
                    self.engine.leave(conn, now);
                }
            }
            Op::Lag(c) => self.clients[c].lagging = true,
            Op::Crash => self.crash(),
            Op::Unload => self.unload(),
        }
        self.drain();
    }

    fn edit(&mut self, c: usize) {
        let client = &mut self.clients[c];
        client.edits += 1;
        let text = format!("{}:{} ", client.author, client.edits);
        let update = {
            let mut txn = client.doc.transact_mut();
            let body = txn.get_or_insert_xml_fragment("content");
            let paragraph = body.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
            paragraph.push_back(&mut txn, XmlTextPrelim::new(text.as_str()));
            txn.encode_update_v1()
        };
        if client.conn.is_some() {
            client.send(protocol::update(&update), update.into());
        }
    }

    fn join(&mut self, c: usize) {
        if self.clients[c].conn.is_some() {
            return;
        }
        let conn = self.next_conn;
        self.next_conn += 1;
        let client = &mut self.clients[c];
        let joining = Joining {
            conn,
            author: client.author.clone(),
            name: Some(format!("Client {c}")),
            role: None,
            read_only: false,
            acks: client.acks,
        };
        client.conn = Some(conn);
        client.outbox.clear();
        client.sent.clear();
        client.saved = 0;
        client.lagging = false;
        for frame in self.engine.greet(&joining) {
            self.receive(c, &frame);
        }
        self.engine.join(joining);
        // The client's own SyncStep1, after its SyncStep2 reply.
        let client = &mut self.clients[c];
        let sv = client.doc.transact().state_vector().encode_v1();
        client.outbox.push(protocol::sync_step1(&sv));
    }

    /// A frame from the engine reaches client `c`.
    fn receive(&mut self, c: usize, frame: &Bytes) {
        if let Some(n) = protocol::decode_saved(frame) {
            return self.saved(c, n);
        }
        let client = &mut self.clients[c];
        match protocol::decode(frame) {
            Ok(Inbound::SyncStep1(sv)) => {
                let diff = client.doc.transact().encode_diff_v1(&sv);
                client.send(protocol::sync_step2(&diff), diff.into());
            }
            Ok(Inbound::SyncStep2(update) | Inbound::Update(update)) => {
                let update = Update::decode_v1(update).expect("a relayed update decodes");
                client
                    .doc
                    .transact_mut()
                    .apply_update(update)
                    .expect("a relayed update applies");
            }
            _ => {}
        }
    }

    /// `Saved n` reached client `c`: everything it sent up to its n-th
    /// update is in the store and synced.
    fn saved(&mut self, c: usize, n: u64) {
        self.stats.saved += 1;
        let client = &mut self.clients[c];
        assert!(
            n >= client.saved,
            "Saved went back from {} to {n}",
            client.saved
        );
        assert!(
            n as usize <= client.sent.len(),
            "Saved {n} of {} sent",
            client.sent.len()
        );
        for update in &client.sent[client.saved as usize..n as usize] {
            if is_empty(update) {
                continue;
            }
            assert!(
                self.store.durable.values().any(|e| e.update == *update),
                "Saved {n} sent to a connection before its update was synced"
            );
            self.acked.push(update.clone());
        }
        client.saved = n;
    }

    fn drain(&mut self) {
        while let Some(action) = self.engine.poll_action() {
            self.act(action);
        }
    }

    fn client_of(&self, conn: u64) -> Option<usize> {
        self.clients.iter().position(|c| c.conn == Some(conn))
    }

    fn act(&mut self, action: Action) {
        let now = self.now();
        match action {
            Action::Send { conn, frame } => self.send_to(conn, &frame),
            Action::Broadcast { frame, except } => {
                let conns: Vec<u64> = self.clients.iter().filter_map(|c| c.conn).collect();
                for conn in conns {
                    if Some(conn) != except {
                        self.send_to(conn, &frame);
                    }
                }
            }
            Action::Close { conn, .. } => {
                self.stats.closes += 1;
                if let Some(c) = self.client_of(conn) {
                    self.clients[c].conn = None;
                }
            }
            Action::Write(entries) => {
                assert!(self.store.writing.is_none(), "two writes at once");
                self.store.writing = Some(entries);
            }
            Action::Sync => {
                assert!(self.store.syncing.is_none(), "two syncs at once");
                self.store.syncing = Some(self.store.written.keys().copied().collect());
            }
            Action::PutMeta(meta) => {
                self.store.meta = Some(meta);
                self.engine.meta_stored(Ok(()));
            }
            Action::Checkpoint(checkpoint) => {
                assert!(
                    checkpoint.seq <= self.store.written.keys().last().copied().unwrap_or(0),
                    "a checkpoint of entries never written"
                );
                self.engine.checkpoint_written(Ok(()));
            }
            Action::ListCheckpoints => self
                .engine
                .checkpoints_listed(Ok(Vec::<CheckpointInfo>::new())),
            Action::RemoveCheckpoints(_) => self.engine.checkpoints_removed(Ok(())),
            Action::Rebuild => {
                self.store.stalled = false;
                self.finish_write(true);
                self.finish_sync(true);
                let loaded = self.load(false);
                self.engine.rebuilt(Ok(loaded), now);
            }
            Action::Metric(..) | Action::SyncTook(_) => {}
        }
    }

    fn send_to(&mut self, conn: u64, frame: &Bytes) {
        let Some(c) = self.client_of(conn) else {
            return;
        };
        if std::mem::take(&mut self.clients[c].lagging) {
            let now = self.now();
            self.engine.send_failed(conn, true, now);
            return;
        }
        self.receive(c, frame);
    }

    fn finish_write(&mut self, ok: bool) {
        if self.store.stalled && self.store.writing.is_some() {
            return;
        }
        let Some(entries) = self.store.writing.take() else {
            return;
        };
        if ok {
            let mut seq = self.store.written.keys().last().copied().unwrap_or(0);
            for entry in entries {
                assert!(
                    entry.seq <= seq + 1,
                    "a gap in the log before {}",
                    entry.seq
                );
                seq = seq.max(entry.seq);
                self.store.written.insert(entry.seq, entry);
            }
        } else {
            self.stats.failures += 1;
        }
        let result = if ok {
            Ok(())
        } else {
            Err("disk full".to_owned())
        };
        let now = self.now();
        self.engine.written(result, now);
        self.drain();
    }

    fn finish_sync(&mut self, ok: bool) {
        if self.store.stalled && self.store.syncing.is_some() {
            return;
        }
        let Some(seqs) = self.store.syncing.take() else {
            return;
        };
        if ok {
            for seq in seqs {
                let entry = self.store.written[&seq].clone();
                self.store.durable.insert(seq, entry);
            }
        } else {
            self.stats.failures += 1;
        }
        let result = if ok {
            Ok(())
        } else {
            Err("I/O error".to_owned())
        };
        let now = self.now();
        self.engine.synced(result, now);
        self.drain();
    }

    /// The document as the server loads it, from what was written (or, after
    /// a crash, what survived).
    fn load(&self, after_crash: bool) -> Loaded {
        let log = if after_crash {
            &self.store.durable
        } else {
            &self.store.written
        };
        let mut document = Document::new();
        let mut stats = Stats::default();
        let mut next_seq = 1;
        let mut bytes = 0;
        for entry in log.values() {
            assert_eq!(entry.seq, next_seq, "the log has a gap");
            document
                .replay(&entry.update, &Arc::from(entry.author.as_str()))
                .expect("the log replays");
            stats.record(&entry.author, entry.ts, entry.applied);
            next_seq = entry.seq + 1;
            bytes += entry.update.len() as u64;
        }
        Loaded {
            document,
            fresh: log.is_empty(),
            meta: self.store.meta.clone().unwrap_or_default(),
            meta_stored: self.store.meta.is_some(),
            disk: DiskUse::default(),
            stats,
            next_seq,
            checkpoint_seq: 0,
            bytes_since_checkpoint: bytes,
        }
    }

    fn crash(&mut self) {
        self.stats.crashes += 1;
        self.store.written = self.store.durable.clone();
        self.store.writing = None;
        self.store.syncing = None;
        self.store.stalled = false;
        for client in &mut self.clients {
            client.conn = None;
        }
        let loaded = self.load(true);
        // Every acknowledged update survived.
        let sv = loaded.document.doc().transact().state_vector();
        for update in &self.acked {
            let update = Update::decode_v1(update).expect("an acked update decodes");
            assert!(
                covers(&sv, &update.state_vector()),
                "an acknowledged update was lost in a crash"
            );
        }
        self.engine = Engine::new(config(), loaded);
    }

    fn unload(&mut self) {
        if !self.engine.can_unload() || self.store.writing.is_some() || self.store.syncing.is_some()
        {
            return;
        }
        self.engine.checkpoint();
        self.drain();
        let loaded = self.load(false);
        self.engine = Engine::new(config(), loaded);
    }

    /// Lets everything finish: the store recovers, every frame is
    /// delivered, time passes. Then checks that every connection has the
    /// document and all its acknowledgements.
    pub fn settle(&mut self) {
        if self.store.stalled {
            self.step(&Op::Crash);
        }
        for round in 0.. {
            assert!(round < 1000, "the world does not settle");
            for c in 0..self.clients.len() {
                while self.clients[c].conn.is_some() && !self.clients[c].outbox.is_empty() {
                    self.step(&Op::Deliver(c));
                }
            }
            self.step(&Op::Commit);
            self.step(&Op::FinishWrite(true));
            self.step(&Op::FinishSync(true));
            self.step(&Op::Tick(1000));
            let busy = self.engine.commit_due()
                || self.engine.unsaved_len() > 0
                || self.engine.is_syncing()
                || self.store.writing.is_some()
                || self.store.syncing.is_some()
                || self.engine.relay_at().is_some()
                || self
                    .clients
                    .iter()
                    .any(|c| c.conn.is_some() && !c.outbox.is_empty());
            if !busy {
                break;
            }
        }
        let server = self.engine.document().doc().transact().state_vector();
        let server_body = body(self.engine.document().doc());
        for (i, client) in self.clients.iter().enumerate() {
            if client.conn.is_none() {
                continue;
            }
            let sv = client.doc.transact().state_vector();
            assert_eq!(sv, server, "client {i} missed updates");
            assert_eq!(body(&client.doc), server_body, "client {i} diverged");
            if client.acks {
                assert_eq!(
                    client.saved,
                    client.sent.len() as u64,
                    "client {i} was not acknowledged everything"
                );
            }
        }
    }
}

impl Client {
    fn send(&mut self, frame: Bytes, update: Bytes) {
        self.outbox.push(frame);
        self.sent.push(update);
    }
}

fn is_empty(update: &Bytes) -> bool {
    DecodedUpdate::decode(update.clone()).is_ok_and(|d| d.is_empty())
}

fn covers(have: &StateVector, need: &StateVector) -> bool {
    need.iter()
        .all(|(client, clock)| have.get(client) >= *clock)
}

fn body(doc: &Doc) -> String {
    let txn = doc.transact();
    txn.get_xml_fragment("content")
        .map(|f| f.get_string(&txn))
        .unwrap_or_default()
}
