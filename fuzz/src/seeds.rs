//! The seed corpus: valid messages, updates and sessions written by yrs (the
//! same v1 encoding Yjs writes), plus a few hand-made edge cases, so that the
//! fuzzer starts from inputs that get past the first checks.

use std::collections::HashMap;
use std::sync::Arc;

use crdt_core::protocol;
use yrs::sync::awareness::{AwarenessUpdate, AwarenessUpdateEntry};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{
    Any, Array, ArrayPrelim, ClientID, Doc, Map, MapPrelim, Options, ReadTxn, StateVector, Text,
    Transact, Update, WriteTxn, Xml, XmlElementPrelim, XmlFragment, XmlTextPrelim,
};

use crate::harness::{self, Step, options};

/// A named seed input.
pub type Seed = (&'static str, Vec<u8>);

fn doc(client: u64) -> Doc {
    Doc::with_options(Options::with_client_id(ClientID::new(client)))
}

/// A document of `client` that already holds the base document.
fn doc_on_base(client: u64) -> Doc {
    let doc = doc(client);
    let base = Update::decode_v1(harness::base_update()).expect("base decodes");
    doc.transact_mut().apply_update(base).expect("base applies");
    doc
}

fn base_state_vector() -> StateVector {
    doc_on_base(2).transact().state_vector()
}

/// Updates written by yrs, some on top of the base document.
pub fn updates() -> Vec<Seed> {
    let mut seeds: Vec<Seed> = vec![
        ("empty", vec![0, 0]),
        ("base", harness::base_update().to_vec()),
    ];

    // A new paragraph with formatted text and an embed.
    let d = doc(10);
    let mut txn = d.transact_mut();
    let body = txn.get_or_insert_xml_fragment("content");
    let p = body.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
    let t = p.push_back(&mut txn, XmlTextPrelim::new("abc 🙂 def"));
    t.format(
        &mut txn,
        1,
        3,
        yrs::types::Attrs::from([("em".into(), Any::from(true))]),
    );
    t.insert_embed(&mut txn, 2, Any::from("image"));
    let list = body.push_back(&mut txn, XmlElementPrelim::empty("bullet_list"));
    let item = list.push_back(&mut txn, XmlElementPrelim::empty("list_item"));
    let ip = item.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
    ip.push_back(&mut txn, XmlTextPrelim::new("item"));
    seeds.push(("body", txn.encode_update_v1()));
    drop(txn);

    // Edits of the base: insert, delete, reformat, attributes, chat removal.
    let d = doc_on_base(11);
    let sv = base_state_vector();
    {
        let body = d.get_or_insert_xml_fragment("content");
        let chat = d.get_or_insert_array("chat");
        let mut txn = d.transact_mut();
        let paragraph = body.get(&txn, 1).expect("paragraph");
        let paragraph = paragraph.into_xml_element().expect("element");
        let text = paragraph.get(&txn, 0).expect("text");
        let text = text.into_xml_text().expect("text");
        text.insert(&mut txn, 5, ", dear");
        text.remove_range(&mut txn, 0, 2);
        text.format(
            &mut txn,
            2,
            4,
            yrs::types::Attrs::from([("strong".into(), Any::Null)]),
        );
        paragraph.insert_attribute(&mut txn, "class", "x");
        chat.remove(&mut txn, 0);
    }
    seeds.push(("base-edit", d.transact().encode_diff_v1(&sv)));

    // Deletions only: the base heading removed.
    let d = doc_on_base(12);
    {
        let body = d.get_or_insert_xml_fragment("content");
        let mut txn = d.transact_mut();
        body.remove_range(&mut txn, 0, 1);
    }
    seeds.push(("delete-only", d.transact().encode_diff_v1(&sv)));

    // Meta, chat and a root outside the schema.
    let d = doc(13);
    {
        let mut txn = d.transact_mut();
        let meta = txn.get_or_insert_map("meta");
        meta.insert(&mut txn, "title", "Minutes");
        meta.insert(&mut txn, "template", "meeting");
        let chat = txn.get_or_insert_array("chat");
        chat.push_back(
            &mut txn,
            MapPrelim::from([
                ("author", Any::from("a1")),
                ("name", Any::from("Ann")),
                ("text", Any::from("hello")),
                ("ts", Any::from(1_700_000_000_000.0)),
            ]),
        );
        let notes = txn.get_or_insert_text("notes");
        notes.insert(&mut txn, 0, "not in the schema");
    }
    seeds.push((
        "meta-chat",
        d.transact()
            .encode_state_as_update_v1(&StateVector::default()),
    ));

    // Every kind of Any value, and nested shared types.
    let d = doc(14);
    {
        let mut txn = d.transact_mut();
        let array = txn.get_or_insert_array("chat");
        array.push_back(
            &mut txn,
            Any::from(vec![
                Any::Null,
                Any::Undefined,
                Any::Bool(true),
                Any::from(1.5),
                Any::from(-7i64),
                Any::from("s"),
                Any::Buffer(Arc::from(&[1u8, 2, 3][..])),
                Any::from(HashMap::from([(
                    "k".to_string(),
                    Any::from(vec![Any::Null]),
                )])),
            ]),
        );
        let inner = array.push_back(&mut txn, MapPrelim::default());
        let nested = inner.insert(&mut txn, "list", ArrayPrelim::default());
        nested.push_back(&mut txn, MapPrelim::from([("deep", Any::from(1.0))]));
        let body = txn.get_or_insert_xml_fragment("content");
        let p = body.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        p.insert_attribute(&mut txn, "level", "2");
    }
    seeds.push((
        "values",
        d.transact()
            .encode_state_as_update_v1(&StateVector::default()),
    ));

    // A second transaction alone: its dependencies are missing (pending).
    let d = doc(15);
    let text = d.get_or_insert_text("notes");
    text.insert(&mut d.transact_mut(), 0, "first");
    let first = d.transact().state_vector();
    text.insert(&mut d.transact_mut(), 2, "second");
    seeds.push(("pending", d.transact().encode_diff_v1(&first)));

    // Deleted content and garbage-collected blocks in a whole state.
    let d = doc(16);
    {
        let mut txn = d.transact_mut();
        let body = txn.get_or_insert_xml_fragment("content");
        let p = body.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        let t = p.push_back(&mut txn, XmlTextPrelim::new("gone soon"));
        t.remove_range(&mut txn, 0, 5);
        body.push_back(&mut txn, XmlElementPrelim::empty("horizontal_rule"));
    }
    {
        let body = d.get_or_insert_xml_fragment("content");
        let mut txn = d.transact_mut();
        body.remove_range(&mut txn, 0, 1);
    }
    seeds.push((
        "gc",
        d.transact()
            .encode_state_as_update_v1(&StateVector::default()),
    ));

    // A merge of updates with a gap between them: a Skip block.
    let d = doc(17);
    let text = d.get_or_insert_text("notes");
    text.insert(&mut d.transact_mut(), 0, "a");
    let a = d
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    text.insert(&mut d.transact_mut(), 1, "b");
    let sv = d.transact().state_vector();
    text.insert(&mut d.transact_mut(), 2, "c");
    let c = d.transact().encode_diff_v1(&sv);
    let merged = yrs::merge_updates_v1([&a[..], &c[..]]).expect("merges");
    seeds.push(("skip", merged));

    // Hand-made: legacy JSON content (count 0 means one string) and an embed.
    seeds.push((
        "json-content",
        vec![
            1, 1, 20, 0, 2, 1, 4, b'c', b'h', b'a', b't', 0, 2, b'{', b'}', 0,
        ],
    ));
    seeds.push((
        "embed",
        vec![
            1, 1, 21, 0, 5, 1, 4, b'n', b'o', b't', b'e', 2, b'[', b']', 0,
        ],
    ));
    seeds
}

/// One frame of every kind the codec knows, and a few it does not.
pub fn frames() -> Vec<Seed> {
    let sv = doc_on_base(3).transact().state_vector().encode_v1();
    let mut seeds: Vec<Seed> = vec![
        (
            "step1-empty",
            protocol::sync_step1(&StateVector::default().encode_v1()).to_vec(),
        ),
        ("step1", protocol::sync_step1(&sv).to_vec()),
        (
            "step2",
            protocol::sync_step2(harness::base_update()).to_vec(),
        ),
        ("update-empty", protocol::update(&[0, 0]).to_vec()),
        ("query-awareness", vec![3]),
        ("saved", protocol::saved(300).to_vec()),
        ("auth", protocol::permission_denied("read-only").to_vec()),
        ("unknown", vec![42, 1, 2]),
    ];
    for (name, payload) in awareness_updates() {
        seeds.push((name, protocol::awareness(&payload).to_vec()));
    }
    seeds
}

fn awareness(entries: &[(u64, u32, &str)]) -> Vec<u8> {
    let clients = entries
        .iter()
        .map(|&(client, clock, json)| {
            (
                ClientID::new(client),
                AwarenessUpdateEntry {
                    clock,
                    json: Arc::from(json),
                },
            )
        })
        .collect();
    AwarenessUpdate { clients }.encode_v1()
}

fn awareness_updates() -> Vec<Seed> {
    vec![
        (
            "awareness",
            awareness(&[(
                10,
                1,
                r##"{"user":{"name":"Ann","color":"#30bced"},"cursor":null}"##,
            )]),
        ),
        (
            "awareness-two",
            awareness(&[(10, 2, "{}"), (11, 1, r#"{"a":[1,2]}"#)]),
        ),
        ("awareness-null", awareness(&[(10, 3, "null")])),
    ]
}

/// Sessions: sync handshakes, edits from every connection, awareness,
/// read-only writes, writes under another author's client id, reconnects
/// and expiry.
pub fn sessions() -> Vec<Seed> {
    let updates: HashMap<&str, Vec<u8>> = updates().into_iter().collect();
    let frame = |conn: u8, frame: bytes::Bytes| Step::Frame {
        conn,
        frame: frame.to_vec(),
    };
    let sv_empty = StateVector::default().encode_v1();
    let aw = awareness_updates();
    vec![
        (
            "handshake-and-edits",
            harness::encode_script(
                0,
                &[
                    frame(0, protocol::sync_step1(&sv_empty)),
                    frame(0, protocol::sync_step2(&[0, 0])),
                    frame(0, protocol::update(&updates["base"])),
                    frame(1, protocol::sync_step1(&sv_empty)),
                    frame(1, protocol::update(&updates["base-edit"])),
                    frame(0, protocol::update(&updates["delete-only"])),
                    Step::Check,
                    frame(1, protocol::update(&updates["body"])),
                ],
            ),
        ),
        (
            "impersonation-and-pending",
            harness::encode_script(
                options::THREE | options::SHARED_AUTHOR,
                &[
                    frame(0, protocol::update(&updates["base"])),
                    frame(1, protocol::update(&updates["base"])),
                    frame(2, protocol::update(&updates["pending"])),
                    frame(1, protocol::update(&updates["values"])),
                    frame(2, protocol::sync_step1(&sv_empty)),
                    frame(0, protocol::update(&updates["skip"])),
                ],
            ),
        ),
        (
            "read-only",
            harness::encode_script(
                options::READ_ONLY,
                &[
                    frame(1, protocol::sync_step2(&[0, 0])),
                    frame(1, protocol::update(&updates["meta-chat"])),
                    frame(1, protocol::update(&updates["body"])),
                    frame(0, protocol::update(&updates["meta-chat"])),
                    frame(1, protocol::sync_step1(&sv_empty)),
                ],
            ),
        ),
        (
            "awareness",
            harness::encode_script(
                options::THREE,
                &[
                    frame(0, protocol::awareness(&aw[0].1)),
                    frame(1, protocol::awareness(&aw[1].1)),
                    Step::Tick { secs: 20 },
                    frame(0, protocol::awareness(&aw[2].1)),
                    frame(2, bytes::Bytes::from_static(&[3])),
                    Step::Reconnect { conn: 1 },
                    Step::Tick { secs: 31 },
                    frame(2, protocol::awareness(&aw[0].1)),
                    Step::Reconnect { conn: 2 },
                    frame(0, protocol::update(&updates["gc"])),
                ],
            ),
        ),
    ]
}

/// Import sources: the first byte picks the format (0 Markdown, 1 HTML,
/// 2 text; the high bit appends), the rest is the source. Ordinary
/// documents, the nesting that once exhausted a stack, and link targets
/// that would run script.
pub fn imports() -> Vec<Seed> {
    let with = |format: u8, source: String| {
        let mut bytes = vec![format];
        bytes.extend_from_slice(source.as_bytes());
        bytes
    };
    vec![
        (
            "md-report",
            with(
                0,
                "# Title\n\nSome *em* and **strong** text with [a link](https://example.org).\n\n- one\n- two\n  1. nested\n\n> a quote\n\n```rust\nfn main() {}\n```\n".to_owned(),
            ),
        ),
        (
            "html-page",
            with(
                1,
                "<html><head><title>T</title></head><body><h2>Head</h2><p>Para <b>bold</b> <a href=\"/d/x\">in</a></p><ul><li>a<li>b</ul><table><tr><td>1<td>2</table></body></html>".to_owned(),
            ),
        ),
        ("text-lines", with(2 | 0x80, "one\ntwo\n\nthree".to_owned())),
        ("md-deep-quotes", with(0, ">".repeat(3_000))),
        ("md-deep-lists", with(0, format!("{}x", "- ".repeat(2_000)))),
        ("md-quotes-at-limit", with(0, format!("{}x", "> ".repeat(125)))),
        ("html-deep-quotes", with(1, "<blockquote>".repeat(3_000))),
        ("html-deep-lists", with(1 | 0x80, "<ol><li>".repeat(1_500))),
        (
            "md-script-links",
            with(
                0,
                "[a](javascript:alert(1)) [b](JaVaScRiPt:x) <javascript:x> [c](data:text/html,x) ![d](vbscript:x)".to_owned(),
            ),
        ),
        (
            "html-script-links",
            with(
                1,
                "<a href=\" java&#x09;script:alert(1)\">a</a><img src=\"data:image/svg+xml,<svg>\"><a href=\"data:text/html;base64,PHNjcmlwdD4=\">b</a>".to_owned(),
            ),
        ),
    ]
}
