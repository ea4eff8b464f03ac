//! A run of one author's updates applied in one transaction gives the same
//! document, bindings and counts as the updates applied one by one, and
//! stops at the first update it refuses.

use std::sync::Arc;

use bytes::Bytes;
use crdt_core::authorship::Applied;
use crdt_core::{AuthorId, DecodedUpdate, Document, Error};
use yrs::types::xml::XmlOut;
use yrs::{GetString, Options, Text, Transact, XmlElementPrelim, XmlFragment, XmlTextPrelim};

fn client(id: u64) -> yrs::Doc {
    yrs::Doc::with_options(Options {
        offset_kind: yrs::OffsetKind::Utf16,
        ..Options::with_client_id(yrs::ClientID::new(id))
    })
}

/// A paragraph, then one update per keystroke typed into it (some
/// deleting), as an editor sends them.
fn keystrokes(doc: &yrs::Doc, typed: &str) -> Vec<Bytes> {
    let content = doc.get_or_insert_xml_fragment("content");
    let mut updates = Vec::new();
    let text = {
        let mut txn = doc.transact_mut();
        let p = content.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
        let text = p.push_back(&mut txn, XmlTextPrelim::new(""));
        updates.push(Bytes::from(txn.encode_update_v1()));
        text
    };
    let (mut len, mut typed_lens) = (0, Vec::new());
    for ch in typed.chars() {
        let mut txn = doc.transact_mut();
        if ch == '<' {
            let last = typed_lens.pop().unwrap();
            len -= last;
            text.remove_range(&mut txn, len, last);
        } else {
            text.insert(&mut txn, len, &ch.to_string());
            typed_lens.push(ch.len_utf16() as u32);
            len += ch.len_utf16() as u32;
        }
        updates.push(Bytes::from(txn.encode_update_v1()));
    }
    updates
}

fn decoded(updates: &[Bytes]) -> Vec<DecodedUpdate> {
    updates
        .iter()
        .map(|u| DecodedUpdate::decode(u.clone()).unwrap())
        .collect()
}

fn body(document: &Document) -> String {
    let txn = document.doc().transact();
    let p = match document.content().get(&txn, 0) {
        Some(XmlOut::Element(p)) => p,
        other => panic!("no paragraph: {other:?}"),
    };
    p.get_string(&txn)
}

/// `typed` applied one by one and as one run: the documents, bindings and
/// body lengths, and the counts of each.
fn one_by_one_and_as_run(typed: &str) -> (Applied, Applied, Document) {
    let alice: AuthorId = Arc::from("alice");
    let updates = keystrokes(&client(1), typed);
    let mut one_by_one = Document::new();
    let mut counted = Applied::default();
    for u in decoded(&updates) {
        let a = one_by_one.apply(u, &alice).unwrap();
        counted.inserted += a.inserted;
        counted.deleted += a.deleted;
    }
    let mut as_run = Document::new();
    let run = as_run.apply_run(decoded(&updates), &alice, None).unwrap();
    assert_eq!(run.count, updates.len());
    assert!(run.refused.is_none());
    assert_eq!(body(&as_run), body(&one_by_one));
    assert_eq!(as_run.encode_state(), one_by_one.encode_state());
    assert_eq!(as_run.bindings(), one_by_one.bindings());
    assert_eq!(as_run.body_len(), one_by_one.body_len());
    (counted, run.applied, as_run)
}

#[test]
fn a_run_equals_its_updates_one_by_one() {
    let (counted, run, document) = one_by_one_and_as_run("Hello, wörld 🙂!");
    assert_eq!(
        counted,
        Applied {
            inserted: 16,
            deleted: 0
        },
        "UTF-16 units"
    );
    assert_eq!(run, counted);
    assert_eq!(body(&document), "<paragraph>Hello, wörld 🙂!</paragraph>");
}

#[test]
fn text_typed_and_deleted_within_a_run_counts_as_its_net_effect() {
    let (counted, run, document) = one_by_one_and_as_run("Helo<lo, wörld 🙂<!");
    assert_eq!(body(&document), "<paragraph>Hello, wörld !</paragraph>");
    assert_eq!(
        counted,
        Applied {
            inserted: 17,
            deleted: 3
        }
    );
    // As within one update: what the run typed and deleted again never
    // reached the body.
    assert_eq!(
        run,
        Applied {
            inserted: 14,
            deleted: 0
        }
    );
    assert_eq!(document.body_len(), 14);
}

#[test]
fn a_run_stops_at_the_first_update_it_refuses() {
    let (alice, mallory): (AuthorId, AuthorId) = (Arc::from("alice"), Arc::from("mallory"));
    let alices = client(1);
    let mut server = Document::new();
    let first = keystrokes(&alices, "ab");
    server.apply_run(decoded(&first), &alice, None).unwrap();

    // Mallory's run: her own client, then an update under Alice's client
    // id, then her own again.
    let own = keystrokes(&client(2), "xy");
    let forged = keystrokes(&alices, "c").pop().unwrap();
    let mut run = decoded(&own[..2]);
    run.push(DecodedUpdate::decode(forged).unwrap());
    run.extend(decoded(&own[2..]));
    let before = server.encode_state();
    let applied = server.apply_run(run, &mallory, None).unwrap();
    assert_eq!(applied.count, 2, "the updates before the forged one");
    assert!(
        matches!(applied.refused, Some(Error::Impersonation { .. })),
        "{:?}",
        applied.refused
    );
    assert_eq!(
        applied.applied,
        Applied {
            inserted: 1,
            deleted: 0
        },
        "what the two applied updates inserted: a paragraph and 'x'"
    );
    assert_ne!(server.encode_state(), before);
    let authors = server.bindings().authors();
    assert_eq!(authors, vec!["alice".to_owned(), "mallory".to_owned()]);

    // A run refused at its first update changes nothing.
    let state = server.encode_state();
    let forged = keystrokes(&alices, "d").pop().unwrap();
    let applied = server
        .apply_run([DecodedUpdate::decode(forged).unwrap()], &mallory, None)
        .unwrap();
    assert_eq!(applied.count, 0);
    assert!(applied.refused.is_some());
    assert_eq!(applied.applied, Applied::default());
    assert_eq!(server.encode_state(), state);
}
