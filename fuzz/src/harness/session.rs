//! The `session` target: a whole sync session over two or three
//! connections.

use super::author;
use super::codec::awareness_clients;
use super::state::*;

use bytes::Bytes;
use crdt_core::protocol::{self, Inbound};
use crdt_core::update::BatchClocks;
use crdt_core::{AuthorId, DecodedUpdate, Document, Error, Outcome, Room, Session};
use yrs::updates::decoder::Decode;
use yrs::{ReadTxn, StateVector, Transact, Update};

/// One step of a session script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Connection `conn` sends one frame.
    Frame { conn: u8, frame: Vec<u8> },
    /// The clock moves on by `secs` seconds and stale awareness expires.
    Tick { secs: u8 },
    /// Connection `conn` closes and connects again.
    Reconnect { conn: u8 },
    /// Every invariant is checked now (they are also checked at the end).
    Check,
}

/// Script options, the first byte of a session input.
pub mod options {
    /// The second connection is read-only.
    pub const READ_ONLY: u8 = 1;
    /// The third connection writes as the first one's author.
    pub const SHARED_AUTHOR: u8 = 2;
    /// A third connection is open.
    pub const THREE: u8 = 4;
}

/// Most `Check` steps run per input; the end of the script always checks.
const MAX_CHECKS: usize = 4;

const OP_TICK: u8 = 12;
const OP_RECONNECT: u8 = 13;
const OP_CHECK: u8 = 14;

/// Encodes a script as fuzz input: options, then per step an op byte whose
/// high nibble is the kind (0-11 frame, 12 tick, 13 reconnect, 14-15 check)
/// and whose low nibble is the connection; a frame follows as a 16-bit
/// little-endian length and its bytes, a tick as one byte of seconds.
pub fn encode_script(options: u8, steps: &[Step]) -> Vec<u8> {
    let mut out = vec![options];
    for step in steps {
        match step {
            Step::Frame { conn, frame } => {
                out.push(conn & 0x0f);
                let len = u16::try_from(frame.len()).expect("a frame under 64 KiB");
                out.extend(len.to_le_bytes());
                out.extend(frame);
            }
            Step::Tick { secs } => out.extend([OP_TICK << 4, *secs]),
            Step::Reconnect { conn } => out.push(OP_RECONNECT << 4 | (conn & 0x0f)),
            Step::Check => out.push(OP_CHECK << 4),
        }
    }
    out
}

/// Decodes fuzz input as a script; a truncated tail is cut short.
pub fn decode_script(data: &[u8]) -> (u8, Vec<Step>) {
    let Some((&options, mut rest)) = data.split_first() else {
        return (0, Vec::new());
    };
    let mut steps = Vec::new();
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        let conn = op & 0x0f;
        match op >> 4 {
            OP_TICK => {
                let Some((&secs, tail)) = rest.split_first() else {
                    break;
                };
                rest = tail;
                steps.push(Step::Tick { secs });
            }
            OP_RECONNECT => steps.push(Step::Reconnect { conn }),
            14 | 15 => steps.push(Step::Check),
            _ => {
                let Some((len, tail)) = rest.split_first_chunk::<2>() else {
                    break;
                };
                let len = usize::from(u16::from_le_bytes(*len)).min(tail.len());
                let (frame, tail) = tail.split_at(len);
                rest = tail;
                steps.push(Step::Frame {
                    conn,
                    frame: frame.to_vec(),
                });
            }
        }
    }
    (options, steps)
}

struct Peer {
    session: Session,
    updates_sent: u64,
    told_read_only: bool,
}

struct Server {
    room: Room,
    peers: Vec<Peer>,
    next_conn: u64,
    now: u64,
    /// Every update applied, in order, with its author: the server's log.
    log: Vec<(Bytes, AuthorId)>,
    /// Updates applied since the last relay to the replica.
    batch: Vec<Bytes>,
    /// The clocks of the batch, which tell whether the server merges it.
    clocks: BatchClocks,
    /// A client that receives every relayed update.
    replica: Document,
}

/// Runs a session script against one room, as the server's document actor
/// does: accepted updates are applied and logged, a failed apply rebuilds
/// the document from the log, relayed batches are merged when their clocks
/// allow (`BatchClocks`). Checks that
/// refusals change nothing, that every frame the server sends decodes, that
/// the log replays and the checkpoint reloads to the live document, and that
/// a client fed the relayed updates converges with it.
pub fn session(data: &[u8]) {
    let (options, steps) = decode_script(data);
    let count = if options & options::THREE != 0 { 3 } else { 2 };
    let authors = ["alice", "bob", "carol"];
    let mut server = Server {
        room: Room::default(),
        peers: Vec::new(),
        next_conn: 1,
        now: 1_000,
        log: Vec::new(),
        batch: Vec::new(),
        clocks: BatchClocks::default(),
        replica: Document::new(),
    };
    for i in 0..count {
        let read_only = i == 1 && options & options::READ_ONLY != 0;
        let name = if i == 2 && options & options::SHARED_AUTHOR != 0 {
            authors[0]
        } else {
            authors[i]
        };
        let peer = server.connect(author(name), read_only);
        server.peers.push(peer);
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
                if server.room.expire(server.now)
                    && let Some(frame) = server.room.take_presence().all
                {
                    awareness_clients(&frame);
                }
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

impl Server {
    /// A new connection: the greeting, then a session with a fresh id.
    fn connect(&mut self, author: AuthorId, read_only: bool) -> Peer {
        self.greet();
        let conn = self.next_conn;
        self.next_conn += 1;
        Peer {
            session: Session::new(conn, author, read_only),
            updates_sent: 0,
            told_read_only: false,
        }
    }

    /// The greeting: SyncStep1, then awareness, one message per frame.
    fn greet(&self) {
        let frames = self.room.greeting();
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
        self.room.document().doc().transact().state_vector()
    }

    fn reconnect(&mut self, index: usize) {
        if self.room.leave(&self.peers[index].session, self.now)
            && let Some(frame) = self.room.take_presence().all
        {
            awareness_clients(&frame);
        }
        let old = &self.peers[index].session;
        let (author, read_only) = (old.author().clone(), old.read_only());
        let fresh = self.connect(author, read_only);
        self.peers[index] = fresh;
    }

    fn receive(&mut self, index: usize, frame: &[u8]) {
        let before = State::of(self.room.document());
        let peer = &mut self.peers[index];
        let result = self.room.receive(&mut peer.session, frame, self.now);
        if !matches!(result, Ok(Outcome::Update(_))) {
            assert_eq!(State::of(self.room.document()), before, "{result:?}");
        }
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(_) => return,
        };
        match outcome {
            Outcome::Nothing => {}
            Outcome::Presence { .. } => {
                if let Some(out) = self.room.take_presence().all {
                    awareness_clients(&out);
                }
            }
            Outcome::Reply(out) => match protocol::decode(&out).expect("a reply decodes") {
                Inbound::SyncStep2(diff) => {
                    // What the server sends a peer passes its own checks, so
                    // the peer can send it back on another connection.
                    if let Err(e) = DecodedUpdate::decode(Bytes::copy_from_slice(diff)) {
                        panic!("the server's own diff is refused: {e}");
                    }
                }
                Inbound::Awareness(_) => {
                    awareness_clients(&out);
                }
                Inbound::Auth => {
                    assert!(peer.session.read_only(), "permission denied to a writer");
                    assert!(!peer.told_read_only, "told read-only twice");
                    peer.told_read_only = true;
                }
                other => panic!("unexpected reply {other:?}"),
            },
            Outcome::Update(incoming) => {
                assert!(!peer.session.read_only(), "a read-only connection wrote");
                assert_eq!(incoming.conn, peer.session.conn());
                assert_eq!(&incoming.author, peer.session.author());
                peer.updates_sent += 1;
                assert_eq!(incoming.number, peer.updates_sent);
                if incoming.update.is_empty() {
                    return;
                }
                let bytes = incoming.update.bytes().clone();
                let author = incoming.author.clone();
                self.clocks.add(&incoming.update);
                match self.room.apply(*incoming) {
                    Ok(_) => {
                        self.log.push((bytes.clone(), author));
                        self.batch.push(bytes);
                    }
                    Err(Error::ApplyFailed(_)) => {
                        self.room.replace_document(self.replay_log());
                    }
                    Err(e) => {
                        assert_eq!(State::of(self.room.document()), before, "{e}");
                    }
                }
            }
        }
    }

    /// The document as the server reloads it: its log replayed in order.
    fn replay_log(&self) -> Document {
        let mut document = Document::new();
        for (update, author) in &self.log {
            document
                .replay(update, author)
                .unwrap_or_else(|e| panic!("the log does not replay: {e}"));
        }
        document
    }

    /// Relays the batch to the replica as the server does: merged into one
    /// update when its clocks allow, else (or if merging fails) one by one.
    fn relay(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        let mergeable = self.clocks.mergeable();
        self.clocks.clear();
        let updates = match crdt_core::update::merge(&batch) {
            Ok(merged) if mergeable => vec![merged],
            _ => batch.iter().map(|b| b.to_vec()).collect(),
        };
        for update in updates {
            let update = Update::decode_v1(&update).expect("a relayed update decodes");
            self.replica
                .doc()
                .transact_mut()
                .apply_update(update)
                .unwrap_or_else(|e| panic!("a relayed update does not apply: {e}"));
        }
    }

    fn check(&mut self) {
        let live = State::of(self.room.document());
        let replayed = self.replay_log();
        assert_eq!(
            State::of(&replayed),
            live,
            "the log replays to another document"
        );
        assert_eq!(replayed.bindings(), self.room.document().bindings());
        check_document(self.room.document());
        self.relay();
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
                Contents::of(self.room.document()),
                "the replica's content diverged"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_round_trip() {
        let steps = vec![
            Step::Frame {
                conn: 1,
                frame: vec![0, 0, 1, 0],
            },
            Step::Tick { secs: 31 },
            Step::Reconnect { conn: 2 },
            Step::Check,
        ];
        let data = encode_script(options::THREE, &steps);
        assert_eq!(decode_script(&data), (options::THREE, steps));
    }
}
