//! One member's changes undone: the body as it would be had their updates
//! in a range of revisions been undone with Yjs's own undo, which removes
//! what those updates inserted and brings back what they deleted, and
//! leaves everyone else's work where it is.
//!
//! The history is replayed into a scratch document that keeps deleted
//! content (no garbage collection), the member's updates in the range under
//! an origin an [`UndoManager`] tracks; undoing everything it tracked gives
//! the wanted body. The caller then writes that body over the live one with
//! [`super::rewrite_body`], as one edit.

use yrs::undo::Options as UndoOptions;
use yrs::updates::decoder::Decode;
use yrs::{Doc, OffsetKind, Options, Origin, Transact, UndoManager, Update};

use crate::error::{Error, Result};
use crate::model::{self, Node};
use crate::schema;

/// The origin of the updates being undone.
const REVERTED: &str = "quire-revert";

/// A log entry to replay: its update, and whether it is to be undone.
#[derive(Debug, Clone, Copy)]
pub struct Replay<'a> {
    /// The v1 update.
    pub update: &'a [u8],
    /// Whether this update's changes are undone.
    pub undo: bool,
}

/// The body after replaying `checkpoint` (a full state, if any) and then
/// `entries` in order, with the changes of the entries marked `undo`
/// undone.
pub fn reverted_body<'a>(
    checkpoint: Option<&[u8]>,
    entries: impl IntoIterator<Item = Replay<'a>>,
) -> Result<Node> {
    let doc = Doc::with_options(Options {
        skip_gc: true,
        offset_kind: OffsetKind::Utf16,
        ..Options::default()
    });
    let content = doc.get_or_insert_xml_fragment(schema::CONTENT);
    doc.get_or_insert_map(schema::META);
    doc.get_or_insert_array(schema::CHAT);
    let apply = |update: &[u8], origin: Option<Origin>| -> Result<()> {
        let update = Update::decode_v1(update).map_err(|e| Error::CorruptState(e.to_string()))?;
        let mut txn = match origin {
            Some(origin) => doc.transact_mut_with(origin),
            None => doc.transact_mut(),
        };
        txn.apply_update(update)
            .map_err(|e| Error::CorruptState(e.to_string()))
    };
    if let Some(state) = checkpoint {
        apply(state, None)?;
    }
    let mut undo: UndoManager = UndoManager::with_options(UndoOptions {
        // One stack item for everything undone, on a clock that stands
        // still: crdt-core reads no clock.
        capture_timeout_millis: u64::MAX,
        tracked_origins: [Origin::from(REVERTED)].into_iter().collect(),
        timestamp: std::sync::Arc::new(|| 0),
        ..UndoOptions::default()
    });
    undo.expand_scope(&doc, &content);
    let mut tracked = 0usize;
    for entry in entries {
        if entry.undo {
            tracked += 1;
            apply(entry.update, Some(Origin::from(REVERTED)))?;
        } else {
            apply(entry.update, None)?;
        }
    }
    // Each undo pops one stack item; there are at most as many as tracked
    // updates.
    for _ in 0..tracked {
        if !undo.can_undo() {
            break;
        }
        undo.undo_blocking();
    }
    drop(undo);
    let txn = doc.transact();
    Ok(model::read_fragment(&content, &txn))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;
    use crate::import::{ImportFormat, WriteMode, write_body};
    use crate::model::read_body;

    /// Applies Markdown as an edit and returns its update.
    fn edit(document: &mut Document, markdown: &str, mode: WriteMode, client: u64) -> Vec<u8> {
        let body = ImportFormat::Markdown.read(markdown).unwrap().doc;
        let update = write_body(document, &body, client, mode).unwrap();
        document.replay(&update, &"someone".into()).unwrap();
        update
    }

    fn text(node: &Node) -> Vec<String> {
        node.content.iter().map(Node::plain_text).collect()
    }

    #[test]
    fn undoes_one_member_and_keeps_the_others() {
        let mut document = Document::new();
        let alice = edit(
            &mut document,
            "Alice one.\n\nAlice two.\n",
            WriteMode::Replace,
            11,
        );
        let bob = edit(&mut document, "Bob three.\n", WriteMode::Append, 22);
        // Carol replaces everything: she deletes Alice's and Bob's text.
        let carol = edit(&mut document, "Carol's text.\n", WriteMode::Replace, 33);
        let later = edit(&mut document, "Bob four.\n", WriteMode::Append, 44);
        assert_eq!(text(&read_body(&document)), ["Carol's text.", "Bob four."]);
        let log = [
            (&alice, false),
            (&bob, false),
            (&carol, true),
            (&later, false),
        ];
        let body = reverted_body(
            None,
            log.iter().map(|(u, undo)| Replay {
                update: u,
                undo: *undo,
            }),
        )
        .unwrap();
        assert_eq!(
            text(&body),
            ["Bob four.", "Alice one.", "Alice two.", "Bob three."]
        );
        // Undoing Bob's first paragraph only.
        let log = [(&alice, false), (&bob, true)];
        let body = reverted_body(
            None,
            log.iter().map(|(u, undo)| Replay {
                update: u,
                undo: *undo,
            }),
        )
        .unwrap();
        assert_eq!(text(&body), ["Alice one.", "Alice two."]);
    }
}
