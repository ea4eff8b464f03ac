//! The document schema shared with the web client and y-prosemirror.

use yrs::{Doc, OffsetKind, Options};

/// Root XmlFragment holding the body in y-prosemirror's encoding.
pub const CONTENT: &str = "content";
/// Root Map holding `title` and `template`.
pub const META: &str = "meta";
/// Root Array holding chat messages `{author, name, text, ts}`.
pub const CHAT: &str = "chat";

/// Node names of prosemirror-schema-basic and prosemirror-schema-list; the
/// server never writes any other node name.
pub const NODES: &[&str] = &[
    "paragraph",
    "heading",
    "blockquote",
    "code_block",
    "horizontal_rule",
    "bullet_list",
    "ordered_list",
    "list_item",
    "image",
    "hard_break",
];

/// Mark names, stored as XmlText formatting attributes.
pub const MARKS: &[&str] = &["strong", "em", "code", "link", "strike", "underline"];

/// A new empty document with garbage collection on, as y-websocket servers
/// keep them, and indices in UTF-16 units, as Yjs counts them.
pub fn new_doc() -> Doc {
    Doc::with_options(Options {
        offset_kind: OffsetKind::Utf16,
        ..Options::default()
    })
}
