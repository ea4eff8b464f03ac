//! The `session` target: a whole sync session over two or three
//! connections, driven through the server's document engine.

use super::author;
use super::codec::awareness_clients;
use super::script::{Step, decode_script, options};
use super::state::*;

use std::sync::Arc;

use bytes::Bytes;
use crdt_core::protocol::{self, Inbound};
use crdt_core::session::Frame;
use crdt_core::{AuthorId, DecodedUpdate, Document};
use quire_engine::{Action, Config, Engine, Joining, Loaded, LogEntry, Now};
use yrs::updates::decoder::Decode;
use yrs::{ReadTxn, StateVector, Transact, Update};

/// Most `Check` steps run per input; the end of the script always checks.
const MAX_CHECKS: usize = 4;

struct Peer {
    conn: u64,
    author: AuthorId,
    read_only: bool,
    /// Update-carrying messages sent on this connection.
    updates_sent: u64,
    /// The highest Saved received on it.
    saved: u64,
    told_read_only: bool,
}

/// The document engine with a store that always works, a replica that
/// joins as a silent connection and receives every relayed update, and
/// checks on every frame the engine sends.
struct Server {
    engine: Engine,
    peers: Vec<Peer>,
    next_conn: u64,
    now: u64,
    /// Every entry written, in order: the server's log.
    log: Vec<LogEntry>,
    /// The connection of the replica, a client that receives every relayed
    /// update.
    replica_conn: u64,
    replica: Document,
    /// A rebuild happened since the flag was cleared.
    rebuilt: bool,
}

/// The engine's settings for a session: checkpoints often, no limits.
fn config() -> Config {
    Config {
        checkpoint_entries: 16,
        checkpoint_bytes: 1 << 20,
        max_doc_bytes: u64::MAX / 4,
        max_doc_disk_bytes: u64::MAX / 4,
        relay_frames_per_sec: 1000,
        idle_unload: std::time::Duration::from_secs(30),
    }
}

/// Runs a session script against the server's document engine: frames go
/// through [`Engine::frame`] and are committed one by one; what it writes is
/// the log, what it relays goes to a replica. Checks that refusals change
/// nothing, that every frame the engine sends decodes, that the log replays
/// and the checkpoint reloads to the live document, and that the replica
/// fed the relayed updates converges with it. A connection the engine
/// closes connects again.
pub fn session(data: &[u8]) {
    let (options, steps) = decode_script(data);
    let count = if options & options::THREE != 0 { 3 } else { 2 };
    let authors = ["alice", "bob", "carol"];
    let mut server = Server {
        engine: Engine::empty(config(), WALL),
        peers: Vec::new(),
        next_conn: 1,
        now: 1_000,
        log: Vec::new(),
        replica_conn: 0,
        replica: Document::new(),
        rebuilt: false,
    };
    server.replica_conn = server.connect(author("replica"), true, false);
    for i in 0..count {
        let read_only = i == 1 && options & options::READ_ONLY != 0;
        let name = if i == 2 && options & options::SHARED_AUTHOR != 0 {
            authors[0]
        } else {
            authors[i]
        };
        let author = author(name);
        let conn = server.connect(author.clone(), read_only, true);
        server.peers.push(Peer {
            conn,
            author,
            read_only,
            updates_sent: 0,
            saved: 0,
            told_read_only: false,
        });
    }
    let mut checks = 0;
    for step in steps {
        match step {
            Step::Frame { conn, frame } => {
                let index = usize::from(conn) % server.peers.len();
                server.receive(index, &frame);
            }
            Step::Tick { secs } => {
                server.now += u64::from(secs) * 1_000;
                let now = server.at();
                server.engine.tick(now);
                server.engine.flush_relay(now);
                server.drain();
            }
            Step::Reconnect { conn } => {
                let index = usize::from(conn) % server.peers.len();
                server.reconnect(index);
            }
            // Checks replay the whole log: a few per input keep runs fast.
            Step::Check if checks < MAX_CHECKS => {
                checks += 1;
                server.check();
            }
            Step::Check => {}
        }
    }
    server.check();
}

/// The updates of a session script applied straight to one document, each
/// as its connection's author, without the server's policies (chat
/// messages, limits) that refuse some of them: what crdt-core alone must
/// keep. Checks that the document's checkpoint reloads to it.
pub fn document_only(data: &[u8]) {
    let (options, steps) = decode_script(data);
    let count = if options & options::THREE != 0 { 3 } else { 2 };
    let authors = ["alice", "bob", "carol"];
    let mut document = Document::new();
    for step in steps {
        let Step::Frame { conn, frame } = step else {
            continue;
        };
        let index = usize::from(conn) % count;
        let name = match index {
            2 if options & options::SHARED_AUTHOR != 0 => authors[0],
            _ => authors[index],
        };
        let Ok(Frame::Update(update)) = Frame::read(Bytes::from(frame)) else {
            continue;
        };
        if index == 1 && options & options::READ_ONLY != 0 {
            continue;
        }
        if let Err(crdt_core::Error::ApplyFailed(_)) = document.apply(update, &author(name)) {
            return;
        }
    }
    check_document(&document);
}

/// The wall clock at the start of a session.
const WALL: u64 = 1_700_000_000_000;

impl Server {
    fn at(&self) -> Now {
        Now {
            at: std::time::Duration::from_millis(self.now),
            wall_ms: WALL + self.now,
        }
    }

    /// A new connection: the greeting (checked), then it joins.
    fn connect(&mut self, author: AuthorId, read_only: bool, acks: bool) -> u64 {
        let conn = self.next_conn;
        self.next_conn += 1;
        let joining = Joining {
            conn,
            author,
            name: None,
            role: None,
            read_only,
            acks,
        };
        let frames = self.engine.greet(&joining);
        self.check_greeting(&frames[usize::from(acks)..]);
        self.engine.join(joining);
        conn
    }

    /// The greeting: SyncStep1, then awareness, one message per frame.
    fn check_greeting(&self, frames: &[Bytes]) {
        assert!(frames.len() <= 2);
        match protocol::decode(&frames[0]).expect("the greeting decodes") {
            Inbound::SyncStep1(sv) => assert_eq!(sv, self.live_state_vector()),
            other => panic!("the greeting starts with {other:?}"),
        }
        for frame in &frames[1..] {
            awareness_clients(frame);
        }
    }

    fn live_state_vector(&self) -> StateVector {
        self.engine.document().doc().transact().state_vector()
    }

    fn reconnect(&mut self, index: usize) {
        let now = self.at();
        self.engine.leave(self.peers[index].conn, now);
        self.engine.flush_relay(now);
        self.drain();
        let peer = &self.peers[index];
        let (author, read_only) = (peer.author.clone(), peer.read_only);
        let conn = self.connect(author, read_only, true);
        let peer = &mut self.peers[index];
        (
            peer.conn,
            peer.updates_sent,
            peer.saved,
            peer.told_read_only,
        ) = (conn, 0, 0, false);
    }

    fn receive(&mut self, index: usize, frame: &[u8]) {
        let before = State::of(self.engine.document());
        let revision = self.engine.revision();
        let peer = &mut self.peers[index];
        if protocol::decode(frame).is_ok_and(|m| m.carries_update()) {
            peer.updates_sent += 1;
        }
        let conn = peer.conn;
        let now = self.at();
        let frame = Frame::read(Bytes::copy_from_slice(frame));
        self.engine.frame(conn, frame, now);
        self.engine.commit(now);
        self.rebuilt = false;
        let closed = self.drain();
        if self.engine.revision() == revision && !self.rebuilt {
            assert_eq!(
                State::of(self.engine.document()),
                before,
                "a refusal changed the document"
            );
        }
        if closed.contains(&conn) {
            self.reconnect(index);
        }
    }

    /// Carries out the engine's actions; returns the connections it closed.
    fn drain(&mut self) -> Vec<u64> {
        let mut closed = Vec::new();
        while let Some(action) = self.engine.poll_action() {
            match action {
                Action::Send { conn, frame } => self.sent(conn, &frame, false),
                Action::Broadcast { frame, except } => {
                    let mut conns: Vec<u64> = self.peers.iter().map(|p| p.conn).collect();
                    conns.push(self.replica_conn);
                    for conn in conns {
                        if Some(conn) != except {
                            self.sent(conn, &frame, true);
                        }
                    }
                }
                Action::Close { conn, .. } => {
                    assert_ne!(conn, self.replica_conn, "the silent replica was closed");
                    closed.push(conn);
                }
                Action::Write(entries) => {
                    let next = self.log.last().map_or(1, |e| e.seq + 1);
                    assert_eq!(
                        entries.first().map(|e| e.seq),
                        Some(next),
                        "a gap in the log"
                    );
                    self.log.extend(entries);
                    self.engine.written(Ok(()), self.at());
                }
                Action::Sync => self.engine.synced(Ok(()), self.at()),
                Action::PutMeta(_) => self.engine.meta_stored(Ok(())),
                Action::Checkpoint(checkpoint) => {
                    assert_eq!(
                        checkpoint.seq,
                        self.log.len() as u64,
                        "a checkpoint of the log"
                    );
                    self.engine.checkpoint_written(Ok(()));
                }
                Action::ListCheckpoints => self.engine.checkpoints_listed(Ok(Vec::new())),
                Action::RemoveCheckpoints(_) => self.engine.checkpoints_removed(Ok(())),
                Action::Rebuild => {
                    self.rebuilt = true;
                    let loaded = Loaded {
                        document: self.replay_log(),
                        fresh: self.log.is_empty(),
                        ..Loaded::empty(WALL)
                    };
                    self.engine.rebuilt(Ok(loaded), self.at());
                }
                Action::Metric(..) | Action::SyncTook(_) => {}
            }
        }
        closed
    }

    /// A frame the engine sent to `conn` (`relayed`: to every connection
    /// but one): it decodes, and says what it may.
    fn sent(&mut self, conn: u64, frame: &Bytes, relayed: bool) {
        if let Some(n) = protocol::decode_saved(frame) {
            let peer = self.peers.iter_mut().find(|p| p.conn == conn);
            let peer = peer.expect("Saved only to a writer");
            assert!(
                n <= peer.updates_sent,
                "Saved {n} of {} updates",
                peer.updates_sent
            );
            assert!(n >= peer.saved, "Saved went back");
            peer.saved = n;
            return;
        }
        match protocol::decode(frame).expect("a frame from the server decodes") {
            Inbound::Update(update) if relayed => {
                if conn == self.replica_conn {
                    let update = Update::decode_v1(update).expect("a relayed update decodes");
                    self.replica
                        .doc()
                        .transact_mut()
                        .apply_update(update)
                        .unwrap_or_else(|e| panic!("a relayed update does not apply: {e}"));
                }
            }
            Inbound::SyncStep2(diff) => {
                // What the server sends a peer passes its own checks, so
                // the peer can send it back on another connection.
                if let Err(e) = DecodedUpdate::decode(Bytes::copy_from_slice(diff)) {
                    panic!("the server's own diff is refused: {e}");
                }
            }
            Inbound::Awareness(_) => {
                awareness_clients(frame);
            }
            Inbound::Auth => {
                // Permission denied: to a read-only connection that wrote,
                // once, or with the close of a refused writer.
                if let Some(peer) = self.peers.iter_mut().find(|p| p.conn == conn)
                    && peer.read_only
                {
                    assert!(!peer.told_read_only, "told read-only twice");
                    peer.told_read_only = true;
                }
            }
            other => panic!("unexpected frame {other:?}"),
        }
    }

    /// The document as the server reloads it: its log replayed in order.
    fn replay_log(&self) -> Document {
        let mut document = Document::new();
        for entry in &self.log {
            document
                .replay(&entry.update, &Arc::from(entry.author.as_str()))
                .unwrap_or_else(|e| panic!("the log does not replay: {e}"));
        }
        document
    }

    fn check(&mut self) {
        let now = self.at();
        self.engine.commit(now);
        self.engine.flush_relay(now);
        self.drain();
        let live = State::of(self.engine.document());
        let replayed = self.replay_log();
        assert_eq!(
            State::of(&replayed),
            live,
            "the log replays to another document"
        );
        assert_eq!(replayed.bindings(), self.engine.document().bindings());
        check_document(self.engine.document());
        // Merged, the batch integrates in another order: compare as a
        // checkpoint is compared.
        let replica = State::of(&self.replica);
        assert_eq!(
            replica.state_vector, live.state_vector,
            "the replica diverged"
        );
        if strict() {
            assert_eq!(replica.without_counter(), live.without_counter());
        } else {
            assert_eq!(
                Contents::of(&self.replica),
                Contents::of(self.engine.document()),
                "the replica's content diverged"
            );
        }
    }
}
