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

/// Whether a link target (or, with `image`, an image source) is harmless to
/// render and follow: http, https, mailto, tel or a relative address; for
/// images also `data:image/...` other than SVG. `javascript:`, `vbscript:`,
/// `data:` links and every other scheme are not, however they are spelled
/// (browsers ignore case, whitespace and control characters in a scheme).
pub fn is_safe_url(url: &str, image: bool) -> bool {
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let scheme_end = squeezed.find(':');
    let before_path = squeezed.find(['/', '?', '#']).unwrap_or(usize::MAX);
    match scheme_end {
        Some(end) if end < before_path => {
            let scheme = &squeezed[..end];
            matches!(scheme, "http" | "https" | "mailto" | "tel")
                || (image
                    && squeezed.starts_with("data:image/")
                    && !squeezed.starts_with("data:image/svg"))
        }
        _ => true,
    }
}

/// A new empty document with garbage collection on, as y-websocket servers
/// keep them, and indices in UTF-16 units, as Yjs counts them.
pub fn new_doc() -> Doc {
    Doc::with_options(Options {
        offset_kind: OffsetKind::Utf16,
        ..Options::default()
    })
}
