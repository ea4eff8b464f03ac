//! Any tree made valid under the schema, keeping only the node and mark names
//! of [`schema::NODES`] and [`schema::MARKS`] and the attributes each one
//! has, with numbers where ProseMirror keeps numbers.

use serde_json::{Value, json};

use super::builder::Builder;
use crate::error::Result;
use crate::model::{Mark, Node};
use crate::schema;

/// The tree rebuilt so that y-prosemirror accepts every node and mark of it,
/// with what had to change listed (unknown names, out-of-range attributes,
/// unsafe link targets); refuses a tree nested deeper than
/// [`super::MAX_DEPTH`] without recursing past that depth.
pub fn normalize(doc: &Node) -> Result<(Node, Vec<String>)> {
    let mut b = Builder::new(false);
    for child in &doc.content {
        feed(&mut b, child);
    }
    b.finish()
}

fn feed(b: &mut Builder, node: &Node) {
    if b.too_deep() {
        // The builder refused a node above: the tree is refused whole, and
        // nothing below is walked.
        return;
    }
    match node.kind.as_str() {
        "text" => {
            let marks = node
                .marks
                .iter()
                .flatten()
                .filter_map(|m| mark(b, m))
                .collect();
            b.set_marks(marks);
            b.text(node.text.as_deref().unwrap_or_default());
            b.set_marks(Vec::new());
        }
        "hard_break" => b.inline(Node::new("hard_break", Vec::new())),
        "image" => match node.attr_str("src") {
            Some(src) => {
                let mut image = Node::new("image", Vec::new()).with_attr("src", src);
                for key in ["alt", "title"] {
                    if let Some(value) = node.attr_str(key) {
                        image = image.with_attr(key, value);
                    }
                }
                b.inline(image);
            }
            None => b.degrade("image without a source (dropped)"),
        },
        "horizontal_rule" => b.leaf(Node::new("horizontal_rule", Vec::new())),
        "doc" => node.content.iter().for_each(|c| feed(b, c)),
        kind if schema::NODES.contains(&kind) => {
            let open = block(b, node);
            b.open(open);
            node.content.iter().for_each(|c| feed(b, c));
            b.close(kind);
        }
        kind => {
            b.degrade(format!("node {kind} (kept as text)"));
            node.content.iter().for_each(|c| feed(b, c));
        }
    }
}

/// A block with only the attributes its type has.
fn block(b: &mut Builder, node: &Node) -> Node {
    let mut out = Node::new(&node.kind, Vec::new());
    match node.kind.as_str() {
        "heading" => {
            let level = node.attr_u64("level").unwrap_or(1);
            if !(1..=6).contains(&level) {
                b.degrade(format!("heading level {level}"));
            }
            out = out.with_attr("level", level.clamp(1, 6));
        }
        "ordered_list" => out = out.with_attr("order", node.attr_u64("order").unwrap_or(1)),
        "code_block" => {
            if let Some(language) = node.attr_str("language").filter(|l| !l.is_empty()) {
                out = out.with_attr("language", language);
            }
        }
        _ => {}
    }
    out
}

fn mark(b: &mut Builder, m: &Mark) -> Option<Mark> {
    if !schema::MARKS.contains(&m.kind.as_str()) {
        b.degrade(format!("mark {} (dropped)", m.kind));
        return None;
    }
    if m.kind != "link" {
        return Some(Mark {
            kind: m.kind.clone(),
            attrs: json!({}),
        });
    }
    let href = m.attrs.get("href").and_then(Value::as_str)?;
    let title = m.attrs.get("title").and_then(Value::as_str);
    Some(Mark {
        kind: "link".to_owned(),
        attrs: json!({ "href": href, "title": title }),
    })
}
