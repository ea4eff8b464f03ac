//! Plain text to the body: blank lines separate paragraphs, single line
//! breaks inside a paragraph become hard breaks.

use super::Imported;
use super::builder::Builder;
use crate::error::Result;
use crate::model::Node;

/// Reads plain text into a body.
pub fn text(source: &str) -> Result<Imported> {
    let source = source.replace("\r\n", "\n").replace('\r', "\n");
    let mut b = Builder::new(false);
    for block in source.split("\n\n") {
        let block = block.trim_matches('\n');
        if block.trim().is_empty() {
            continue;
        }
        b.open(Node::new("paragraph", Vec::new()));
        for (i, line) in block.split('\n').enumerate() {
            if i > 0 {
                b.inline(Node::new("hard_break", Vec::new()));
            }
            let line: String = line
                .chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .filter(|c| !c.is_control())
                .collect();
            b.text(&line);
        }
        b.close_textblock();
    }
    let (doc, degraded) = b.finish()?;
    Ok(Imported {
        doc,
        degraded,
        title: None,
    })
}
