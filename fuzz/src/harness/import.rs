//! The import target: one source in one of the import formats, read and
//! written into a document as the server does for `POST .../import`.

use std::sync::Arc;

use bytes::Bytes;
use crdt_core::import::{self, ImportFormat, MAX_DEPTH, WriteMode};
use crdt_core::model::{self, Node};
use crdt_core::{DecodedUpdate, Document, Error, schema};

/// The format a leading byte picks: Markdown, HTML or plain text.
fn format_of(byte: u8) -> ImportFormat {
    match byte % 3 {
        0 => ImportFormat::Markdown,
        1 => ImportFormat::Html,
        _ => ImportFormat::Text,
    }
}

/// The depth of a tree, measured without recursion.
fn depth(root: &Node) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(root, 0usize)];
    while let Some((node, d)) = stack.pop() {
        deepest = deepest.max(d);
        stack.extend(node.content.iter().map(|c| (c, d + 1)));
    }
    deepest
}

/// Every link target and image source in a tree, without recursion.
fn addresses(root: &Node) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        for mark in node.marks.iter().flatten() {
            if let Some(href) = mark.attrs.get("href").and_then(|h| h.as_str()) {
                out.push((href.to_owned(), false));
            }
        }
        if let Some(src) = node.attr_str("src") {
            out.push((src.to_owned(), true));
        }
        stack.extend(node.content.iter());
    }
    out
}

/// The first byte picks the format (and append or replace); the rest is the
/// source, as UTF-8 with invalid sequences replaced. Reading never panics
/// and never recurses past [`MAX_DEPTH`]: a deeper source is refused with
/// `TooDeep`; what is accepted holds only safe addresses, writes as one
/// update that the document accepts (its nesting check included), and reads
/// back with only safe addresses.
pub fn import(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let format = format_of(first);
    let mode = if first & 0x80 == 0 {
        WriteMode::Replace
    } else {
        WriteMode::Append
    };
    let source = String::from_utf8_lossy(rest);
    let imported = match format.read(&source) {
        Ok(imported) => imported,
        Err(Error::TooDeep { limit }) => {
            assert_eq!(limit, MAX_DEPTH);
            return;
        }
        Err(e) => panic!("reading refused with something but depth: {e}"),
    };
    assert!(
        depth(&imported.doc) <= MAX_DEPTH + 1,
        "the tree is deeper than the limit"
    );
    for (address, image) in addresses(&imported.doc) {
        assert!(schema::is_safe_url(&address, image), "kept {address:?}");
    }
    let mut document = Document::new();
    if mode == WriteMode::Append {
        let start = import::text("before").expect("plain text reads");
        let update = import::replace_body(&document, &start.doc, 2).expect("writes");
        let decoded = DecodedUpdate::decode(Bytes::from(update)).expect("decodes");
        document
            .apply(decoded, &Arc::from("first"))
            .expect("applies");
    }
    let update =
        import::write_body(&document, &imported.doc, 3, mode).expect("an accepted body writes");
    let decoded = DecodedUpdate::decode(Bytes::from(update)).expect("the written update decodes");
    document
        .apply(decoded, &Arc::from("importer"))
        .expect("the document accepts what the importer accepted");
    let body = model::read_body(&document);
    for (address, image) in addresses(&body) {
        assert!(schema::is_safe_url(&address, image), "stored {address:?}");
    }
}
