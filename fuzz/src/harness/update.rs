//! The `update` target: validate and apply one update.

use super::state::*;
use super::{BASE_AUTHOR, BASE_CLIENT, CLIENT_LIMIT, author};
use std::sync::OnceLock;

use bytes::Bytes;
use crdt_core::validate::scan_update_v1;
use crdt_core::{DecodedUpdate, Document, Error};
use yrs::{
    Any, Array, ClientID, Doc, Map, MapPrelim, Options, Text, Transact, WriteTxn, Xml,
    XmlElementPrelim, XmlFragment, XmlTextPrelim,
};

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
