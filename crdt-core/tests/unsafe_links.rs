//! Updates from clients that write a link target or an image source which
//! would run script are refused; stored updates still replay.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use crdt_core::session::Frame;
use crdt_core::{DecodedUpdate, Document, Error, protocol, schema};
use yrs::types::Attrs;
use yrs::{Any, Doc, Options, Text, Transact, Xml, XmlElementPrelim, XmlFragment, XmlTextPrelim};

fn client() -> Doc {
    Doc::with_options(Options::with_client_id(yrs::ClientID::new(42)))
}

/// A paragraph whose text carries a link mark to `href`.
fn link_update(href: &str) -> Vec<u8> {
    let doc = client();
    let body = doc.get_or_insert_xml_fragment(schema::CONTENT);
    let mut txn = doc.transact_mut();
    let paragraph = body.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
    let text = paragraph.push_back(&mut txn, XmlTextPrelim::new(""));
    let mut link = HashMap::new();
    link.insert("href".to_owned(), Any::from(href));
    link.insert("title".to_owned(), Any::Null);
    let attrs: Attrs = [(Arc::from("link"), Any::from(link))].into_iter().collect();
    text.insert_with_attributes(&mut txn, 0, "click", attrs);
    txn.encode_update_v1()
}

/// An image whose source is `src`.
fn image_update(src: &str) -> Vec<u8> {
    let doc = client();
    let body = doc.get_or_insert_xml_fragment(schema::CONTENT);
    let mut txn = doc.transact_mut();
    let paragraph = body.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
    let image = paragraph.push_back(&mut txn, XmlElementPrelim::empty("image"));
    image.insert_attribute(&mut txn, "src", src);
    txn.encode_update_v1()
}

fn from_client(update: &[u8]) -> crdt_core::Result<Frame> {
    Frame::read(protocol::update(update))
}

#[test]
fn updates_with_unsafe_targets_are_refused() {
    for href in [
        "javascript:alert(1)",
        " JaVa\tScRiPt:alert(1)",
        "vbscript:msgbox",
        "data:text/html,<script>x</script>",
    ] {
        match from_client(&link_update(href)) {
            Err(Error::RefusedUpdate(reason)) => assert!(reason.contains("unsafe"), "{reason}"),
            other => panic!("{href}: expected a refusal, got {:?}", other.map(|_| ())),
        }
    }
    for src in ["javascript:alert(1)", "data:image/svg+xml,<svg onload=x>"] {
        assert!(
            matches!(
                from_client(&image_update(src)),
                Err(Error::RefusedUpdate(_))
            ),
            "{src}"
        );
    }
}

#[test]
fn updates_with_safe_targets_pass() {
    for href in [
        "https://example.org",
        "/d/abc",
        "mailto:a@example.org",
        "#top",
    ] {
        assert!(
            matches!(from_client(&link_update(href)), Ok(Frame::Update(_))),
            "{href}"
        );
    }
    assert!(matches!(
        from_client(&image_update("data:image/png;base64,AAAA")),
        Ok(Frame::Update(_))
    ));
}

#[test]
fn a_stored_update_with_an_unsafe_target_still_replays() {
    // Stored before the check existed: the document must still load.
    let mut document = Document::new();
    let update = link_update("javascript:alert(1)");
    document
        .replay(&update, &Arc::from("old"))
        .expect("stored updates replay");
    assert!(DecodedUpdate::decode(Bytes::from(update.clone())).is_ok());
    assert!(DecodedUpdate::decode_from_client(Bytes::from(update)).is_err());
}
