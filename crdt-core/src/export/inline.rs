//! Inline content as runs of styled text, shared by the layout exporters
//! (DOCX, PDF).

use crate::model::Node;

/// The marks of a text node, as flags.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Style {
    pub strong: bool,
    pub em: bool,
    pub code: bool,
    pub strike: bool,
    pub underline: bool,
    /// The link target, when the text is linked to a safe target (see
    /// [`crate::schema::is_safe_url`]); text linked elsewhere is plain.
    pub link: Option<String>,
}

impl Style {
    /// The style of a text node.
    pub fn of(node: &Node) -> Self {
        Self {
            strong: node.has_mark("strong"),
            em: node.has_mark("em"),
            code: node.has_mark("code"),
            strike: node.has_mark("strike"),
            underline: node.has_mark("underline"),
            link: node
                .mark("link")
                .and_then(|m| m.attrs.get("href"))
                .and_then(|href| href.as_str())
                .filter(|href| !href.trim().is_empty() && crate::schema::is_safe_url(href, false))
                .map(str::to_owned),
        }
    }
}

/// Whether a node is inline content (text, a hard break or an image).
pub(crate) fn is_inline(node: &Node) -> bool {
    matches!(node.kind.as_str(), "text" | "hard_break" | "image")
}

/// The text shown for an image that cannot be embedded: its alt text, or its
/// address when it has none.
pub(crate) fn image_label(node: &Node) -> String {
    let alt = node.attr_str("alt").unwrap_or_default();
    if alt.is_empty() {
        format!("[image: {}]", node.attr_str("src").unwrap_or_default())
    } else {
        format!("[image: {alt}]")
    }
}
