//! Authorship counts against known edits.

use std::sync::Arc;

use bytes::Bytes;
use crdt_core::authorship::{self, Applied, Stats};
use crdt_core::{DecodedUpdate, Document};
use yrs::types::xml::XmlOut;
use yrs::updates::decoder::Decode;
use yrs::{Doc, Options, Text, Transact, Update, XmlElementPrelim, XmlFragment, XmlTextPrelim};

fn client(id: u64) -> Doc {
    Doc::with_options(Options {
        offset_kind: yrs::OffsetKind::Utf16,
        ..Options::with_client_id(yrs::ClientID::new(id))
    })
}

fn edit(doc: &Doc, f: impl FnOnce(&mut yrs::TransactionMut, &yrs::XmlFragmentRef)) -> Vec<u8> {
    let content = doc.get_or_insert_xml_fragment("content");
    let mut txn = doc.transact_mut();
    f(&mut txn, &content);
    txn.encode_update_v1()
}

fn apply(server: &mut Document, peers: &[&Doc], update: &[u8], author: &str) -> Applied {
    for peer in peers {
        peer.transact_mut()
            .apply_update(Update::decode_v1(update).unwrap())
            .unwrap();
    }
    let decoded = DecodedUpdate::decode(Bytes::copy_from_slice(update)).unwrap();
    server.apply(decoded, &Arc::from(author)).unwrap()
}

#[test]
fn counts_inserts_deletes_and_presence_exactly() {
    let (alice, bob) = (client(1), client(2));
    let mut server = Document::new();

    let u = edit(&alice, |txn, content| {
        let h = content.push_back(txn, XmlElementPrelim::empty("heading"));
        h.push_back(txn, XmlTextPrelim::new("Intro"));
        let p = content.push_back(txn, XmlElementPrelim::empty("paragraph"));
        p.push_back(txn, XmlTextPrelim::new("Alice wrote this 🙂"));
    });
    let a = apply(&mut server, &[&bob], &u, "alice");
    assert_eq!(
        a,
        Applied {
            inserted: 5 + 19,
            deleted: 0
        }
    );

    let u = edit(&bob, |txn, content| {
        let h = content.push_back(txn, XmlElementPrelim::empty("heading"));
        h.push_back(txn, XmlTextPrelim::new("Body"));
        let p = content.push_back(txn, XmlElementPrelim::empty("paragraph"));
        p.push_back(txn, XmlTextPrelim::new("Bob here."));
    });
    assert_eq!(apply(&mut server, &[&alice], &u, "bob").inserted, 13);

    // Bob deletes "wrote " inside Alice's paragraph.
    let u = edit(&bob, |txn, content| {
        let Some(XmlOut::Element(p)) = content.get(txn, 1) else {
            panic!()
        };
        let Some(XmlOut::Text(t)) = p.get(txn, 0) else {
            panic!()
        };
        t.remove_range(txn, 6, 6);
        t.insert(txn, 0, "Hi ");
    });
    assert_eq!(
        apply(&mut server, &[&alice], &u, "bob"),
        Applied {
            inserted: 3,
            deleted: 6
        }
    );

    // Alice removes Bob's whole paragraph.
    let u = edit(&alice, |txn, content| content.remove_range(txn, 3, 1));
    assert_eq!(
        apply(&mut server, &[&bob], &u, "alice"),
        Applied {
            inserted: 0,
            deleted: 9
        }
    );
    assert_eq!(server.body_len(), 5 + 13 + 3 + 4);

    let present = authorship::present(&server);
    assert_eq!(present.authors.get("alice"), Some(&(5 + 13)));
    assert_eq!(present.authors.get("bob"), Some(&(3 + 4)));
    let headings: Vec<&str> = present.sections.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(headings, ["Intro", "Body"]);
    assert_eq!(present.sections[0].1.get("bob"), Some(&3));
    assert_eq!(present.sections[1].1.get("bob"), Some(&4));
    let chars: u64 = present.runs.iter().map(|r| r.2).sum();
    assert_eq!(
        chars,
        crdt_core::model::read_body(&server)
            .plain_text()
            .chars()
            .count() as u64
    );

    // The same counts come back when the state is reloaded from a checkpoint.
    let reloaded =
        Document::from_checkpoint(&server.encode_state(), server.bindings().clone()).unwrap();
    assert_eq!(reloaded.body_len(), server.body_len());
    assert_eq!(authorship::present(&reloaded).authors, present.authors);
}

#[test]
fn stats_fold_edits_into_minutes_and_timeline() {
    let mut stats = Stats::default();
    let t0 = 1_800_000_000_000;
    stats.record(
        "a",
        t0,
        Applied {
            inserted: 10,
            deleted: 0,
        },
    );
    stats.record(
        "a",
        t0 + 1_000,
        Applied {
            inserted: 5,
            deleted: 2,
        },
    );
    stats.record(
        "a",
        t0 + 120_000,
        Applied {
            inserted: 1,
            deleted: 0,
        },
    );
    stats.record(
        "b",
        t0 + 30_000,
        Applied {
            inserted: 0,
            deleted: 7,
        },
    );
    let a = &stats.authors["a"];
    assert_eq!(
        (a.inserted, a.deleted, a.edits, a.active_minutes),
        (16, 2, 3, 2)
    );
    assert_eq!((a.first_edit, a.last_edit), (t0, t0 + 120_000));
    let hourly = stats.timeline(3_600_000);
    let a_total: u64 = hourly.iter().filter(|r| r.1 == "a").map(|r| r.2).sum();
    assert_eq!(a_total, 16);
}
