//! Inputs that crashed the fuzz targets in fuzz/ (see fuzz/README.md).
//!
//! Every committed crasher in fuzz/regressions/TARGET is replayed through the
//! fuzz target's own checks, which this file includes, so no libFuzzer is
//! needed; each bug also has a named test that says what it was. Open bugs,
//! not yet fixed, are described in fuzz/README.md with their inputs in
//! fuzz/open/.

#[path = "../../fuzz/src/harness/mod.rs"]
#[allow(dead_code, unused_imports)]
mod harness;

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use crdt_core::presence::Presence;
use crdt_core::{DecodedUpdate, Document, Error, protocol};

fn fuzz_dir(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz")
        .join(sub)
}

/// Runs every committed crasher of `target` through `check`.
fn replay(target: &str, check: fn(&[u8])) {
    let dir = fuzz_dir("regressions").join(target);
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the crashers of {target} in {}: {e}", dir.display()));
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    assert!(!paths.is_empty(), "no crashers in {}", dir.display());
    paths.sort();
    for path in paths {
        eprintln!("replaying {}", path.display());
        check(&std::fs::read(&path).unwrap());
    }
}

#[test]
fn codec_crashers_pass_the_codec_checks() {
    replay("codec", harness::codec);
}

#[test]
fn update_crashers_pass_the_update_checks() {
    replay("update", harness::update);
}

#[test]
fn session_crashers_pass_the_session_checks() {
    replay("session", harness::session);
}

#[test]
fn import_sources_that_once_crashed_the_server_pass_the_import_checks() {
    replay("import", harness::import);
}

fn decode(bytes: &[u8]) -> crdt_core::Result<DecodedUpdate> {
    DecodedUpdate::decode(Bytes::copy_from_slice(bytes))
}

fn var(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// yrs debug-asserts that client ids fit in 53 bits inside generic decoding
/// code, which is compiled with crdt-core's debug assertions: a debug build
/// panicked on an awareness update or a state vector naming client 2^53.
#[test]
fn client_ids_of_2_53_are_refused_in_awareness_and_state_vectors() {
    let mut awareness = vec![1];
    var(1 << 53, &mut awareness);
    awareness.extend([1, 2, b'{', b'}']);
    let stamp = crdt_core::presence::Stamp::default();
    let sender = crdt_core::presence::Sender {
        conn: 1,
        author: "a",
        stamp: &stamp,
    };
    let bindings = crdt_core::ClientBindings::default();
    let refused = Presence::default().apply(sender, &awareness, 0, &bindings);
    assert!(
        matches!(refused, Err(Error::MalformedAwareness(_))),
        "{refused:?}"
    );

    let mut state_vector = vec![1];
    var(1 << 53, &mut state_vector);
    state_vector.push(5);
    let frame = protocol::sync_step1(&state_vector);
    assert!(matches!(
        protocol::decode(&frame),
        Err(Error::MalformedMessage(_))
    ));

    // The frame the fuzzer found: an awareness update for client 2^60 + ...
    let found = std::fs::read(fuzz_dir("regressions/codec/awareness-client-id-2-53")).unwrap();
    harness::codec(&found);
}

/// A struct or deleted range whose length is near u64::MAX overflowed the
/// scan's clock arithmetic: a panic in debug builds, and in release builds
/// a wrapped clock that passed the overflow check.
#[test]
fn lengths_that_overflow_the_clock_are_refused() {
    // One GC block of length u64::MAX.
    let gc = [
        1, 1, 0, 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 0,
    ];
    assert!(matches!(decode(&gc), Err(Error::RefusedUpdate(_))));
    // A deleted range of length u64::MAX.
    let deleted = [
        0, 1, 0, 1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1,
    ];
    assert!(matches!(decode(&deleted), Err(Error::RefusedUpdate(_))));
}

/// yrs reads a signed varint with a shift past 64 bits from its eleventh
/// byte on and negates `i64::MIN`: overflow panics in debug builds, first in
/// the scan itself, which used yrs's reader. Integers past 53 bits, which
/// Yjs reads inexactly, are refused too.
#[test]
fn integers_longer_than_ten_bytes_or_past_53_bits_are_refused() {
    // An Any item in `chat` holding one integer.
    let item = |integer: &[u8]| {
        let mut update = vec![1, 1, 3, 0, 8, 1, 4, b'c', b'h', b'a', b't', 1, 125];
        update.extend(integer);
        update.push(0);
        update
    };
    let eleven = [
        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0,
    ];
    assert!(matches!(
        decode(&item(&eleven)),
        Err(Error::RefusedUpdate(_))
    ));
    // Negative, magnitude 2^63: yrs would negate i64::MIN.
    let min = [0xc0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02];
    assert!(matches!(decode(&item(&min)), Err(Error::RefusedUpdate(_))));
    // 2^53 is refused; 2^53 - 1 decodes and survives a checkpoint.
    let two_53 = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20];
    assert!(matches!(
        decode(&item(&two_53)),
        Err(Error::RefusedUpdate(_))
    ));
    let safe = [0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f];
    let mut document = Document::new();
    document
        .apply(decode(&item(&safe)).unwrap(), &Arc::from("a"))
        .unwrap();
    let reloaded = Document::from_checkpoint(&document.encode_state(), Default::default()).unwrap();
    assert_eq!(reloaded.encode_state(), document.encode_state());
}

/// yrs decodes legacy JSON content (content ref 2) with one string more
/// than its count but encodes the count as is: a document holding it wrote
/// checkpoints that do not reload, so the scan refuses it.
#[test]
fn legacy_json_content_is_refused() {
    let json = [
        1, 1, 20, 0, 2, 1, 4, b'c', b'h', b'a', b't', 0, 2, b'{', b'}', 0,
    ];
    assert!(matches!(decode(&json), Err(Error::RefusedUpdate(_))));
}

/// A client's blocks in two runs of one update: yrs reaches `unreachable!`
/// trimming them, so the scan refuses it.
#[test]
fn a_client_in_two_runs_is_refused() {
    // Client 0: a GC block at clock 0, then another at clock 15.
    let update = [2, 1, 0, 0, 0, 1, 1, 0, 15, 0, 1, 0];
    assert!(matches!(decode(&update), Err(Error::RefusedUpdate(_))));
}

/// yrs keeps a delete set's ranges as decoded, and its merge assumes them
/// sorted: merging an update whose ranges for client 1 came as [35..37,
/// 24..28] with one deleting [0..8] dropped [24..28], so clients fed the
/// server's merged relay kept a chat message the server had deleted. The
/// scan now refuses delete sets that are not sorted, overlap, repeat a
/// client or hold empty ranges.
#[test]
fn delete_sets_out_of_order_are_refused() {
    let ds = |ranges: &[(u8, u8)], client_twice: bool| {
        let mut update = vec![0, if client_twice { 2 } else { 1 }, 1, ranges.len() as u8];
        for &(clock, len) in ranges {
            update.extend([clock, len]);
        }
        if client_twice {
            update.extend([1, 1, 40, 1]);
        }
        update
    };
    assert!(decode(&ds(&[(24, 4), (35, 2)], false)).is_ok());
    assert!(decode(&ds(&[(24, 4), (28, 2)], false)).is_ok(), "adjacent");
    for refused in [
        ds(&[(35, 2), (24, 4)], false),
        ds(&[(24, 4), (26, 4)], false),
        ds(&[(24, 0)], false),
        ds(&[(24, 4)], true),
    ] {
        assert!(
            matches!(decode(&refused), Err(Error::RefusedUpdate(_))),
            "{refused:?}"
        );
    }
}

/// The body as XML, as the document and a reload of its checkpoint read it.
fn body_live_and_reloaded(document: &Document) -> (String, String) {
    use yrs::{GetString, Transact};
    let reloaded =
        Document::from_checkpoint(&document.encode_state(), document.bindings().clone()).unwrap();
    let xml = |d: &Document| d.content().get_string(&d.doc().transact());
    (xml(document), xml(&reloaded))
}

/// The refusal of an update whose origins contradict each other.
fn assert_contradictory(err: &Error) {
    assert!(
        matches!(err, Error::ApplyFailed(why) if why.contains("right origin")),
        "{err}"
    );
}

/// That the scan refuses the committed input `name`, saying `why`.
fn assert_scan_refuses(name: &str, why: &str) {
    let data = std::fs::read(fuzz_dir("regressions/update").join(name)).unwrap();
    let err = decode(&data).unwrap_err();
    assert!(
        matches!(&err, Error::RefusedUpdate(said) if said.contains(why)),
        "{err}"
    );
}

/// Applies `data` to the fuzz harness's base document ("hello world" in a
/// paragraph, a title in `meta`), expecting it refused as contradictory.
fn refused_as_contradictory(data: &[u8]) {
    let mut document = harness::base_document();
    let err = document
        .apply(decode(data).unwrap(), &Arc::from("fuzz"))
        .unwrap_err();
    assert_contradictory(&err);
}

/// Left origin after "hello" in the body, right origin the `meta.title`
/// entry. yrs 0.28.1 took the map key from the right origin: the insert
/// became a map entry and " world" disappeared from the server's body only
/// (vendor/README.md). A right origin in another list than the left origin
/// is now refused as contradictory, as is the same bug found as a checkpoint
/// that read back differently.
#[test]
fn an_insert_between_a_sequence_and_a_map_entry_is_refused() {
    refused_as_contradictory(
        &std::fs::read(fuzz_dir("regressions/update/right-origin-in-a-map")).unwrap(),
    );
    refused_as_contradictory(
        &std::fs::read(fuzz_dir("regressions/update/right-origin-in-a-map-reload")).unwrap(),
    );
}

/// ", d" with its left origin at the "o" of "hello" and its right origin at
/// the first "l", left of it. Looking the right origin up split "hello"
/// there, so yrs (and Yjs) put the text after "he" live, while a reload,
/// whose blocks are already split, scanned right from "o" for an "l" it
/// never found and put it elsewhere: live and reloaded documents differed
/// (in the npm Yjs too: tests/js/security.test.mjs). The vendored yrs
/// integrates such an item as garbage and counts it; crdt-core refuses the
/// update and the server rebuilds the document without it.
#[test]
fn a_right_origin_left_of_the_left_origin_is_refused() {
    refused_as_contradictory(
        &std::fs::read(fuzz_dir("regressions/update/origins-reversed")).unwrap(),
    );
}

/// The same, with the origins in two blocks: client 1 typed "ab", client 2
/// "cd" after it, and client 3 inserts with its left origin at "d" and its
/// right origin at "a". An insert between "b" and "c" is taken.
#[test]
fn origins_in_two_blocks_are_checked_in_the_document() {
    use yrs::updates::decoder::Decode;
    use yrs::{Text, Transact, WriteTxn, XmlFragment, XmlTextPrelim};
    let first = yrs::Doc::with_client_id(1);
    let body = first.get_or_insert_xml_fragment("content");
    let ab = {
        let mut txn = first.transact_mut();
        body.push_back(&mut txn, XmlTextPrelim::new("ab"));
        txn.encode_update_v1()
    };
    let cd = {
        let second = yrs::Doc::with_client_id(2);
        let mut txn = second.transact_mut();
        txn.apply_update(yrs::Update::decode_v1(&ab).unwrap())
            .unwrap();
        let text = txn
            .get_or_insert_xml_fragment("content")
            .get(&txn, 0)
            .unwrap()
            .into_xml_text()
            .unwrap();
        text.insert(&mut txn, 2, "cd");
        txn.encode_update_v1()
    };
    let typed = || {
        let mut document = Document::new();
        for update in [&ab, &cd] {
            document
                .apply(decode(update).unwrap(), &Arc::from("typist"))
                .unwrap();
        }
        document
    };
    // Client 3, one string block "x": info, left origin, right origin.
    let insert = |left: (u8, u8), right: (u8, u8)| {
        vec![
            1, 1, 3, 0, 0xC4, left.0, left.1, right.0, right.1, 1, b'x', 0,
        ]
    };
    let mut document = typed();
    let err = document
        .apply(decode(&insert((2, 1), (1, 1))).unwrap(), &Arc::from("x"))
        .unwrap_err();
    assert_contradictory(&err);

    let mut document = typed();
    document
        .apply(decode(&insert((1, 2), (2, 0))).unwrap(), &Arc::from("x"))
        .unwrap();
    let (live, reloaded) = body_live_and_reloaded(&document);
    assert_eq!(live, "abxcd");
    assert_eq!(live, reloaded);
}

/// An embed whose left origin is a garbage-collected block. Yjs makes such
/// an item garbage too; yrs 0.28.1 found no item at the origin, took the
/// parent from the right origin, and showed "image" at the start of the
/// body, where no Yjs client had it (and a reload put it elsewhere). The
/// vendored yrs follows Yjs (vendor/README.md).
#[test]
fn an_item_next_to_garbage_is_garbage_as_in_yjs() {
    let data = std::fs::read(fuzz_dir("regressions/update/origin-in-garbage")).unwrap();
    let mut document = harness::base_document();
    document
        .apply(decode(&data).unwrap(), &Arc::from("fuzz"))
        .unwrap();
    let (live, reloaded) = body_live_and_reloaded(&document);
    assert!(!live.contains("image"), "{live}");
    assert!(live.starts_with("<heading"), "{live}");
    assert_eq!(live, reloaded);
}

/// One author sent the base document under client 1, then the same blocks
/// again from clock 16: clocks 16 to 27 carried other content than the
/// document had. yrs trims the known clocks off "hello" (28 to 30 were new)
/// and takes the block before its first new clock as its left neighbour:
/// the chat message's `text` entry, in another type. The live document made
/// "llo" the message's text and a reload dropped it. A neighbour in another
/// list than the item's is now refused as contradictory.
#[test]
fn a_trimmed_block_whose_neighbour_is_in_another_list_is_refused() {
    let data = std::fs::read(fuzz_dir(
        "regressions/session/equivocation-trimmed-into-another-list",
    ))
    .unwrap();
    let (_, steps) = harness::decode_script(&data);
    let updates: Vec<Vec<u8>> = steps
        .into_iter()
        .filter_map(|step| match step {
            harness::Step::Frame { frame, .. } => match protocol::decode(&frame) {
                Ok(protocol::Inbound::Update(update)) => Some(update.to_vec()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(updates.len(), 2);
    let mut document = Document::new();
    let author: crdt_core::AuthorId = Arc::from("twice");
    document
        .apply(decode(&updates[0]).unwrap(), &author)
        .unwrap();
    let err = document
        .apply(decode(&updates[1]).unwrap(), &author)
        .unwrap_err();
    assert_contradictory(&err);
}

/// Yjs reads an item's content ref from five bits of its info byte and yrs
/// from four, so an info byte with the fifth bit set was binary content to
/// the server and made npm Yjs throw. The scan refuses it.
#[test]
fn a_content_ref_past_fifteen_is_refused() {
    assert_scan_refuses("content-ref-fifth-bit", "content ref");
}

/// A format block whose right origin was its own client's clock 826, past
/// every clock the update carries. Yjs never waits for its own client's
/// blocks, so npm Yjs threw on the update; yrs applied it, and the document
/// and a reload of its checkpoint formatted the text differently. The scan
/// now refuses a block whose origins or parent are not older blocks of its
/// own client.
#[test]
fn a_block_that_refers_to_its_own_clients_later_clock_is_refused() {
    assert_scan_refuses("own-client-later-right-origin", "10#13 refers to 10#826");
}

/// KNOWN OPEN BUG (fuzz/README.md, "Open"): one author sends a block whose
/// left origin never arrives, so it waits as pending, then the same clocks
/// again with other content. The document integrates the second version and
/// still holds the first as pending; a reload of its checkpoint drops the
/// pending blocks, so live and reloaded documents differ. This test asserts
/// today's wrong behaviour: once the bug is fixed it fails, and should then
/// become a test that the session checks pass (and the input move to
/// fuzz/regressions/session). The server refuses the second update (its
/// chat entry breaks the chat policy), so the input's updates go straight
/// to a document.
#[test]
fn open_bug_equivocation_over_pending_loses_pending_state_on_reload() {
    let data = std::fs::read(fuzz_dir("open/session/equivocation-over-pending")).unwrap();
    harness::session(&data);
    let outcome = std::panic::catch_unwind(|| harness::document_only(&data));
    let message = match outcome {
        Ok(()) => panic!(
            "the open bug equivocation-over-pending no longer reproduces: \
             if it is fixed, flip this test and move the input to regressions"
        ),
        Err(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    };
    assert!(
        message.contains("the checkpoint lost pending state"),
        "the session checks fail otherwise than known: {message}"
    );
}
