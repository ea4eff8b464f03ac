//! Markdown to document to Markdown, through the real yrs writer and reader.

mod common;

use crdt_core::export;
use crdt_core::import;

#[test]
fn corpus_reads_back_to_the_same_document() {
    let imported = import::markdown(common::CORPUS).unwrap();
    assert!(imported.degraded.is_empty(), "{:?}", imported.degraded);
    let stored = common::through_document(&imported.doc);
    assert_eq!(stored, imported.doc, "the yrs writer changed the document");
    let markdown = export::markdown(&stored);
    let again = import::markdown(&markdown).unwrap();
    assert_eq!(again.doc, stored, "markdown was:\n{markdown}");
    // Writing is stable: the second export equals the first.
    assert_eq!(export::markdown(&again.doc), markdown);
}

#[test]
fn corpus_covers_every_node_and_mark() {
    let doc = import::markdown(common::CORPUS).unwrap().doc;
    let json = serde_json::to_string(&doc).unwrap();
    for name in crdt_core::schema::NODES
        .iter()
        .chain(crdt_core::schema::MARKS)
    {
        assert!(
            json.contains(&format!("\"type\":\"{name}\"")),
            "corpus lacks {name}"
        );
    }
    for level in 1..=6 {
        assert!(
            json.contains(&format!("\"level\":{level}")),
            "corpus lacks h{level}"
        );
    }
}
