//! The checks behind Quire's fuzz targets. Each entry point takes the raw
//! fuzz input, must never panic on its own, and asserts the invariants that
//! crdt-core promises. crdt-core/tests/fuzz_regressions.rs includes this file
//! to replay every committed crasher through the same checks without libFuzzer.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use crdt_core::presence::Presence;
use crdt_core::protocol::{self, Inbound};
use crdt_core::update::BatchClocks;
use crdt_core::validate::scan_update_v1;
use crdt_core::{AuthorId, DecodedUpdate, Document, Error, Outcome, Room, Session};
use yrs::types::ToJson;
use yrs::types::text::YChange;
use yrs::types::xml::XmlOut;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{
    Any, Array, ClientID, Doc, GetString, Map, MapPrelim, Options, Out, ReadTxn, StateVector, Text,
    Transact, Update, WriteTxn, Xml, XmlElementPrelim, XmlFragment, XmlTextPrelim,
};

/// Client ids are 53-bit integers in Yjs; crdt-core refuses larger ones.
const CLIENT_LIMIT: u64 = 1 << 53;

/// The Yjs client id that writes the base document.
pub const BASE_CLIENT: u64 = 1;

/// The author of the base document.
pub const BASE_AUTHOR: &str = "base";

fn author(name: &str) -> AuthorId {
    Arc::from(name)
}

// ---------------------------------------------------------------------------
// codec: one websocket frame

/// Decodes one frame as the server does. Whatever decodes must re-encode to
/// a frame that decodes to the same message, and an awareness payload that
/// presence accepts must come back out of its snapshot and removal frames.
pub fn codec(frame: &[u8]) {
    let _ = protocol::decode_saved(frame);
    let Ok(message) = protocol::decode(frame) else {
        return;
    };
    let again = match &message {
        Inbound::SyncStep1(sv) => Some(protocol::sync_step1(&sv.encode_v1())),
        Inbound::SyncStep2(payload) => Some(protocol::sync_step2(payload)),
        Inbound::Update(payload) => Some(protocol::update(payload)),
        Inbound::Awareness(payload) => Some(protocol::awareness(payload)),
        Inbound::QueryAwareness => Some(Bytes::from_static(&[3])),
        Inbound::Auth | Inbound::Unknown(_) => None,
    };
    if let Some(again) = again {
        assert_eq!(
            protocol::decode(&again).expect("a re-encoded message decodes"),
            message
        );
    }
    if let Inbound::Awareness(payload) = message {
        let mut presence = Presence::default();
        if presence.apply(7, payload, 1_000).is_ok() {
            // The relayed changes name each client of the message once.
            let named = presence.take_changes().map_or(0, |f| awareness_clients(&f));
            assert!(named <= awareness_clients(&protocol::awareness(payload)));
            assert!(named >= presence.len());
            if let Some(snapshot) = presence.snapshot() {
                assert_eq!(awareness_clients(&snapshot), presence.len());
            } else {
                assert!(presence.is_empty());
            }
            let live = presence.len();
            match presence.leave(7, 2_000) {
                Some(removal) => assert_eq!(awareness_clients(&removal), live),
                None => assert_eq!(live, 0),
            }
            assert!(presence.is_empty(), "leaving removes every state");
            assert!(presence.snapshot().is_none());
        }
    }
}

/// Decodes an awareness frame the server sent and counts its clients.
fn awareness_clients(frame: &[u8]) -> usize {
    match protocol::decode(frame).expect("an outbound awareness frame decodes") {
        Inbound::Awareness(payload) => yrs::sync::awareness::AwarenessUpdate::decode_v1(payload)
            .expect("an outbound awareness update decodes")
            .clients
            .len(),
        other => panic!("expected an awareness frame, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// update: validate and apply one update

/// A small document of every root type, written under [`BASE_CLIENT`]: a
/// heading and a formatted paragraph in the body, a title, a chat message.
pub fn base_update() -> &'static [u8] {
    static BASE: OnceLock<Vec<u8>> = OnceLock::new();
    BASE.get_or_init(|| {
        let doc = Doc::with_options(Options::with_client_id(ClientID::new(BASE_CLIENT)));
        let mut txn = doc.transact_mut();
        let body = txn.get_or_insert_xml_fragment("content");
        let heading = body.push_back(&mut txn, XmlElementPrelim::empty("heading"));
        heading.insert_attribute(&mut txn, "level", "1");
        heading.push_back(&mut txn, XmlTextPrelim::new("Notes"));
        let paragraph = body.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        let text = paragraph.push_back(&mut txn, XmlTextPrelim::new("hello world"));
        text.format(
            &mut txn,
            0,
            5,
            yrs::types::Attrs::from([("strong".into(), Any::from(true))]),
        );
        txn.get_or_insert_map("meta")
            .insert(&mut txn, "title", "Base");
        txn.get_or_insert_array("chat").push_back(
            &mut txn,
            MapPrelim::from([
                ("author", Any::from("base")),
                ("text", Any::from("hi")),
                ("ts", Any::from(1.0)),
            ]),
        );
        txn.encode_update_v1()
    })
}

/// A fresh document holding [`base_update`], bound to [`BASE_AUTHOR`].
pub fn base_document() -> Document {
    let mut document = Document::new();
    let update = DecodedUpdate::decode(Bytes::from_static(base_update())).expect("base decodes");
    document
        .apply(update, &author(BASE_AUTHOR))
        .expect("base applies");
    document
}

/// Validates one update and applies it to an empty document and to the base
/// document. Refusals leave the document untouched; what is accepted can be
/// checkpointed, reloaded and applied again without change.
pub fn update(data: &[u8]) {
    let scanned = scan_update_v1(data);
    let decoded = DecodedUpdate::decode(Bytes::copy_from_slice(data));
    if let Err(e) = &scanned {
        assert!(decoded.is_err(), "the scan refused it ({e}) but it decoded");
    }
    let Ok(decoded) = decoded else {
        return;
    };
    assert!(decoded.writers().iter().all(|&c| c < CLIENT_LIMIT));
    assert!(decoded.writers().windows(2).all(|w| w[0] < w[1]));
    drop(decoded);
    for document in [Document::new(), base_document()] {
        apply_once_and_again(document, data);
    }
}

fn decode(data: &[u8]) -> DecodedUpdate {
    DecodedUpdate::decode(Bytes::copy_from_slice(data)).expect("decoded before")
}

fn apply_once_and_again(mut document: Document, data: &[u8]) {
    let fuzz = author("fuzz");
    let before = State::of(&document);
    let update = decode(data);
    let writers = update.writers().to_vec();
    match document.apply(update, &fuzz) {
        Ok(_) => {
            for client in writers {
                let owner = document.bindings().owner(client).map(|a| &**a);
                assert_eq!(owner, Some("fuzz"), "client {client} is bound elsewhere");
            }
            check_document(&document);
            let after = State::of(&document);
            let again = document.apply(decode(data), &fuzz);
            assert!(again.is_ok(), "applying it again failed: {again:?}");
            assert_eq!(State::of(&document), after, "applying it again changed it");
        }
        Err(Error::ApplyFailed(_)) => {
            // The document may hold part of the update and must be rebuilt.
        }
        Err(e) => assert_eq!(State::of(&document), before, "refused ({e}) yet changed"),
    }
}

// ---------------------------------------------------------------------------
// What two documents must agree on

/// What a document shows and knows, to compare two documents.
#[derive(Debug, PartialEq)]
struct State {
    state_vector: StateVector,
    body: String,
    body_len: u64,
    meta: String,
    chat: String,
    pending: Pending,
}

impl State {
    fn of(document: &Document) -> Self {
        let doc = document.doc();
        let meta = doc.get_or_insert_map("meta");
        let chat = doc.get_or_insert_array("chat");
        let txn = doc.transact();
        Self {
            state_vector: txn.state_vector(),
            body: canonical_fragment(document.content(), &txn),
            body_len: document.body_len(),
            meta: canonical(&meta.to_json(&txn)),
            chat: canonical(&chat.to_json(&txn)),
            pending: Pending::of(doc),
        }
    }

    /// Leaves out the body length counter and the pending state.
    fn without_counter(self) -> Self {
        Self {
            body_len: 0,
            pending: Pending::default(),
            ..self
        }
    }
}

/// The characters of a document's body, meta and chat, sorted: what it
/// holds, whatever the order and formatting.
#[derive(Debug, PartialEq)]
struct Contents {
    body: String,
    meta: String,
    chat: String,
}

impl Contents {
    fn of(document: &Document) -> Self {
        let doc = document.doc();
        let meta = doc.get_or_insert_map("meta");
        let chat = doc.get_or_insert_array("chat");
        let txn = doc.transact();
        let sorted = |text: String| {
            let mut chars: Vec<char> = text.chars().collect();
            chars.sort_unstable();
            chars.into_iter().collect::<String>()
        };
        Self {
            body: sorted(plain_fragment(document.content(), &txn)),
            meta: sorted(canonical(&meta.to_json(&txn))),
            chat: sorted(canonical(&chat.to_json(&txn))),
        }
    }
}

/// Whether to compare whole states, formatting and order included, where
/// the default compares only contents (`QUIRE_FUZZ_STRICT=1`).
fn strict() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    *STRICT.get_or_init(|| std::env::var("QUIRE_FUZZ_STRICT").is_ok_and(|v| v == "1"))
}

/// What a document holds back for missing dependencies: the ids of the
/// pending blocks and the pending deletions, as sorted, merged, non-empty
/// ranges (yrs splits and merges blocks differently when it re-encodes them,
/// and drops an empty deleted range).
#[derive(Debug, Default, PartialEq)]
struct Pending {
    structs: Ranges,
    deletes: Ranges,
}

impl Pending {
    fn of(doc: &Doc) -> Self {
        let txn = doc.transact();
        let store = txn.store();
        Self {
            structs: ranges(store.pending_update().map(|p| p.update.insertions(true))),
            deletes: ranges(store.pending_ds().cloned()),
        }
    }
}

impl Pending {
    /// Whether every block held back here is held back in `other` too,
    /// leaving out clocks that the document already has (`known`).
    fn within(&self, other: &Pending, known: &StateVector) -> bool {
        self.structs.iter().all(|(client, ranges)| {
            let have = known.get(&ClientID::new(*client));
            let around: &[std::ops::Range<u32>] = other
                .structs
                .iter()
                .find(|(c, _)| c == client)
                .map_or(&[], |(_, r)| r);
            ranges
                .iter()
                .map(|r| r.start.max(have)..r.end)
                .filter(|r| !r.is_empty())
                .all(|r| around.iter().any(|a| a.start <= r.start && r.end <= a.end))
        })
    }
}

type Ranges = Vec<(u64, Vec<std::ops::Range<u32>>)>;

fn ranges(set: Option<yrs::IdSet>) -> Ranges {
    let mut out = Vec::new();
    for (client, ranges) in set.iter().flat_map(|set| set.iter()) {
        let mut ranges: Vec<_> = ranges.iter().filter(|r| !r.is_empty()).cloned().collect();
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<std::ops::Range<u32>> = Vec::new();
        for range in ranges {
            match merged.last_mut() {
                Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
                _ => merged.push(range),
            }
        }
        if !merged.is_empty() {
            out.push((client.get(), merged));
        }
    }
    out.sort_by_key(|(client, _)| *client);
    out
}

/// A value as text with its map keys sorted and its numbers as bits, so that
/// equal values (NaN included, and an integer and the float equal to it)
/// give equal text.
fn canonical(value: &Any) -> String {
    match value {
        Any::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        Any::Map(map) => {
            let mut entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k:?}:{}", canonical(v)))
                .collect();
            entries.sort();
            format!("{{{}}}", entries.join(","))
        }
        // yrs re-encodes an integer that a float holds exactly as a float.
        Any::Number(yrs::any::Number::Int(n)) if (*n as f64) as i64 == *n => {
            format!("f{:x}", (*n as f64).to_bits())
        }
        Any::Number(yrs::any::Number::Float(f)) => format!("f{:x}", f.to_bits()),
        other => format!("{other:?}"),
    }
}

/// The body as text that does not depend on how yrs splits it into items:
/// elements with sorted attributes, text as runs of equal formatting.
fn canonical_fragment<T: ReadTxn>(fragment: &impl XmlFragment, txn: &T) -> String {
    let children: Vec<String> = fragment
        .children(txn)
        .map(|child| canonical_xml(&child, txn))
        .collect();
    children.concat()
}

fn canonical_xml<T: ReadTxn>(node: &XmlOut, txn: &T) -> String {
    match node {
        XmlOut::Element(element) => {
            let mut attrs: Vec<String> = element
                .attributes(txn)
                .map(|(k, v)| format!(" {k:?}={}", canonical_out(v, txn)))
                .collect();
            attrs.sort();
            format!(
                "<{:?}{}>{}</>",
                element.tag(),
                attrs.concat(),
                canonical_fragment(element, txn)
            )
        }
        XmlOut::Fragment(fragment) => format!("<>{}</>", canonical_fragment(fragment, txn)),
        XmlOut::Text(text) => {
            let mut runs: Vec<(String, String)> = Vec::new();
            for chunk in text.diff(txn, |_: YChange| ()) {
                let attrs = chunk
                    .attributes
                    .map(|attrs| {
                        canonical(&Any::from(
                            attrs
                                .iter()
                                .map(|(k, v)| (k.to_string(), v.clone()))
                                .collect::<std::collections::HashMap<_, _>>(),
                        ))
                    })
                    .unwrap_or_default();
                let insert = match chunk.insert {
                    Out::Any(Any::String(s)) => s.to_string(),
                    other => format!("{{embed {}}}", canonical_out(other, txn)),
                };
                match runs.last_mut() {
                    Some((text, last)) if *last == attrs => text.push_str(&insert),
                    _ => runs.push((insert, attrs)),
                }
            }
            let runs: Vec<String> = runs
                .into_iter()
                .map(|(text, attrs)| format!("[{text:?}{attrs}]"))
                .collect();
            runs.concat()
        }
    }
}

/// The body's element names and text, without attributes or formatting.
fn plain_fragment<T: ReadTxn>(fragment: &impl XmlFragment, txn: &T) -> String {
    let mut out = String::new();
    for child in fragment.children(txn) {
        match child {
            XmlOut::Element(element) => {
                out.push_str(element.tag());
                out.push_str(&plain_fragment(&element, txn));
            }
            XmlOut::Fragment(fragment) => out.push_str(&plain_fragment(&fragment, txn)),
            XmlOut::Text(text) => {
                for chunk in text.diff(txn, |_: YChange| ()) {
                    if let Out::Any(Any::String(s)) = chunk.insert {
                        out.push_str(&s);
                    }
                }
            }
        }
    }
    out
}

fn canonical_out<T: ReadTxn>(value: Out, txn: &T) -> String {
    match value {
        Out::Any(any) => canonical(&any),
        Out::YMap(map) => canonical(&map.to_json(txn)),
        Out::YArray(array) => canonical(&array.to_json(txn)),
        Out::YText(text) => format!("{:?}", text.get_string(txn)),
        Out::YXmlText(text) => canonical_xml(&XmlOut::Text(text), txn),
        Out::YXmlElement(element) => canonical_xml(&XmlOut::Element(element), txn),
        Out::YXmlFragment(fragment) => canonical_xml(&XmlOut::Fragment(fragment), txn),
        other => format!("{other:?}"),
    }
}

/// A document's state must reload from a checkpoint, as the server stores
/// it, to the same document.
fn check_document(document: &Document) {
    let state = document.encode_state();
    let reloaded = Document::from_checkpoint(&state, document.bindings().clone())
        .unwrap_or_else(|e| panic!("a checkpoint does not reload: {e}"));
    let (live, loaded) = (State::of(document), State::of(&reloaded));
    // No block held back for missing dependencies is lost. (Pending deleted
    // ranges are not compared: after hostile updates with gaps yrs resolves
    // them differently against blocks that are deleted anyway.)
    assert!(
        live.pending.within(&loaded.pending, &live.state_vector),
        "the checkpoint lost pending state: {:?} became {:?}",
        live.pending,
        loaded.pending
    );
    // yrs integrates hostile updates whose origins contradict each other
    // (a right origin left of the left origin, or in another type) in an
    // order-dependent way, so a reload may order, format, or even show or
    // hide content differently (see fuzz/open/ and fuzz/README.md). By
    // default a reload must keep the state vector and every pending block;
    // QUIRE_FUZZ_STRICT=1 compares whole states, and finds those bugs.
    assert_eq!(loaded.state_vector, live.state_vector, "checkpoint differs");
    if strict() {
        assert_eq!(
            loaded.without_counter(),
            live.without_counter(),
            "checkpoint differs"
        );
    }
    assert_eq!(reloaded.bindings(), document.bindings());
    // A peer that decodes the checkpoint must get every block back.
    Update::decode_v1(&state).expect("a checkpoint decodes");
}

// ---------------------------------------------------------------------------
// session: a whole sync session over two or three connections

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
                if let Some(frame) = server.room.expire(server.now) {
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
        if let Some(frame) = self.room.leave(&self.peers[index].session, self.now) {
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
            Outcome::Presence => {
                if let Some(out) = self.room.take_presence() {
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
