//! Plain text: one line per paragraph, blank lines between blocks, list
//! items marked so the structure survives.

use crate::model::Node;

/// The body as plain text.
pub fn plain_text(doc: &Node) -> String {
    let mut out = String::new();
    blocks(&doc.content, "", &mut out);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn blocks(nodes: &[Node], indent: &str, out: &mut String) {
    for node in nodes {
        match node.kind.as_str() {
            "bullet_list" | "ordered_list" => {
                let start = node.attr_u64("order").unwrap_or(1);
                for (i, item) in node.content.iter().enumerate() {
                    let marker = if node.kind == "bullet_list" {
                        "- ".to_owned()
                    } else {
                        format!("{}. ", start + i as u64)
                    };
                    let mut inner = String::new();
                    let nested = format!("{indent}{}", " ".repeat(marker.len()));
                    blocks(&item.content, &nested, &mut inner);
                    let inner = inner.trim_end_matches('\n').trim_start_matches(' ');
                    out.push_str(indent);
                    out.push_str(&marker);
                    out.push_str(inner);
                    out.push('\n');
                }
                out.push('\n');
            }
            "horizontal_rule" => {
                out.push_str(indent);
                out.push_str("---\n\n");
            }
            _ if node.content.iter().any(is_block) => blocks(&node.content, indent, out),
            _ => {
                let text = inline(&node.content);
                for line in text.split('\n') {
                    out.push_str(indent);
                    out.push_str(line);
                    out.push('\n');
                }
                out.push('\n');
            }
        }
    }
}

fn is_block(node: &Node) -> bool {
    !matches!(node.kind.as_str(), "text" | "hard_break" | "image")
}

fn inline(nodes: &[Node]) -> String {
    nodes
        .iter()
        .map(|n| match n.kind.as_str() {
            "hard_break" => "\n".to_owned(),
            "image" => n.attr_str("alt").unwrap_or_default().to_owned(),
            _ => n.text.clone().unwrap_or_default(),
        })
        .collect()
}
