//! Builds a schema-valid body from a stream of open, close and inline calls,
//! as importers produce them. It repairs what the schema forbids: inline
//! content outside a textblock gets a paragraph, a list item starts with a
//! paragraph, a list holds only items, empty containers get a paragraph.

use super::MAX_DEPTH;
use crate::error::{Error, Result};
use crate::model::{Mark, Node};
use crate::schema;

/// Nodes whose content is inline.
const TEXTBLOCKS: &[&str] = &["paragraph", "heading", "code_block"];
/// Nodes whose content is list items.
const LISTS: &[&str] = &["bullet_list", "ordered_list"];

/// The tree under construction.
#[derive(Debug)]
pub(crate) struct Builder {
    /// Open nodes; the first is the `doc`.
    stack: Vec<Node>,
    /// Whether each open node was opened by the builder to repair the tree
    /// rather than asked for.
    implicit: Vec<bool>,
    marks: Vec<Mark>,
    degraded: Vec<String>,
    /// Collapse runs of whitespace as HTML does.
    collapse_whitespace: bool,
    /// Set once a node would have been opened deeper than [`MAX_DEPTH`]:
    /// nothing deeper is kept, and [`Builder::finish`] refuses the tree.
    too_deep: bool,
}

impl Builder {
    /// A builder for a new `doc`.
    pub fn new(collapse_whitespace: bool) -> Self {
        Self {
            stack: vec![Node::new("doc", Vec::new())],
            implicit: vec![false],
            marks: Vec::new(),
            degraded: Vec::new(),
            collapse_whitespace,
            too_deep: false,
        }
    }

    /// Whether a node was refused for being nested deeper than [`MAX_DEPTH`].
    pub fn too_deep(&self) -> bool {
        self.too_deep
    }

    /// Notes something the schema could not hold, once per kind of thing.
    pub fn degrade(&mut self, what: impl Into<String>) {
        let what = what.into();
        if !self.degraded.contains(&what) {
            self.degraded.push(what);
        }
    }

    /// The kind of the innermost open node.
    pub fn top(&self) -> &str {
        self.stack.last().map_or("doc", |n| n.kind.as_str())
    }

    /// The innermost open node.
    pub fn top_node(&self) -> Option<&Node> {
        self.stack.last()
    }

    /// Sets an attribute of the innermost open node.
    pub fn set_attr(&mut self, key: &str, value: &str) {
        if let Some(node) = self.stack.last_mut() {
            node.attrs.insert(key.to_owned(), value.into());
        }
    }

    /// Replaces the marks of the text that follows.
    pub fn set_marks(&mut self, marks: Vec<Mark>) {
        self.marks = marks
            .into_iter()
            .filter_map(|m| self.safe_mark(m))
            .collect();
    }

    /// The mark, unless it is a link whose target is not safe to follow
    /// ([`schema::is_safe_url`]): such a link is dropped and its text kept.
    fn safe_mark(&mut self, mark: Mark) -> Option<Mark> {
        if mark.kind == "link" {
            let href = mark.attrs.get("href").and_then(|h| h.as_str());
            if !href.is_some_and(|h| schema::is_safe_url(h, false)) {
                self.degrade("link with an unsafe target (kept as text)");
                return None;
            }
        }
        Some(mark)
    }

    /// Opens a block node (any node but `text`, `hard_break`, `image`).
    pub fn open(&mut self, node: Node) {
        // The doc is not counted; a list item may bring an implicit list and
        // a list an implicit item, so two levels are kept in hand.
        if self.too_deep || self.stack.len() + 2 > MAX_DEPTH {
            self.too_deep = true;
            return;
        }
        while TEXTBLOCKS.contains(&self.top()) {
            self.pop();
        }
        if node.kind == "list_item" {
            if self.top() == "list_item" {
                self.pop();
            }
            if !LISTS.contains(&self.top()) {
                self.push(Node::new("bullet_list", Vec::new()), true);
            }
        } else if LISTS.contains(&self.top()) {
            if self.implicit.last() == Some(&true) {
                self.pop();
            } else {
                self.push(Node::new("list_item", Vec::new()), true);
            }
        }
        self.push(node, false);
    }

    fn push(&mut self, node: Node, implicit: bool) {
        self.stack.push(node);
        self.implicit.push(implicit);
    }

    /// Adds a leaf block (a horizontal rule).
    pub fn leaf(&mut self, node: Node) {
        self.open(node);
        self.pop();
    }

    /// Closes the innermost open node of `kind` and everything inside it;
    /// does nothing if none is open.
    pub fn close(&mut self, kind: &str) {
        if let Some(depth) = self.stack.iter().rposition(|n| n.kind == kind)
            && depth > 0
        {
            while self.stack.len() > depth {
                self.pop();
            }
            if self.implicit.last() == Some(&true) && self.top() == "list_item" {
                self.pop();
            }
        }
    }

    /// Closes the innermost open textblock, if any.
    pub fn close_textblock(&mut self) {
        if TEXTBLOCKS.contains(&self.top()) {
            self.pop();
        }
    }

    /// Starts a mark on the text that follows.
    pub fn push_mark(&mut self, mark: Mark) {
        let Some(mark) = self.safe_mark(mark) else {
            return;
        };
        self.marks.retain(|m| m.kind != mark.kind);
        self.marks.push(mark);
    }

    /// Ends the innermost mark of `kind`.
    pub fn pop_mark(&mut self, kind: &str) {
        if let Some(i) = self.marks.iter().rposition(|m| m.kind == kind) {
            self.marks.remove(i);
        }
    }

    /// Adds text with the current marks.
    pub fn text(&mut self, text: &str) {
        let text = text.replace('\r', "");
        let mut text = if self.collapse_whitespace && self.top() != "code_block" {
            collapse(&text)
        } else {
            text
        };
        if text.is_empty() {
            return;
        }
        if !TEXTBLOCKS.contains(&self.top()) {
            if text.trim().is_empty() {
                return;
            }
            self.open(Node::new("paragraph", Vec::new()));
            self.mark_implicit();
        }
        let in_code = self.top() == "code_block";
        let block = self.stack.last_mut().unwrap_or_else(|| unreachable!());
        if self.collapse_whitespace && !in_code && text.starts_with(' ') {
            let after_space = match block.content.last() {
                None => true,
                Some(last) => {
                    last.kind == "hard_break"
                        || last.text.as_deref().is_some_and(|t| t.ends_with(' '))
                }
            };
            if after_space {
                text.remove(0);
            }
        }
        if text.is_empty() {
            return;
        }
        let mut marks = if in_code {
            Vec::new()
        } else {
            self.marks.clone()
        };
        marks.sort_by(|a, b| a.kind.cmp(&b.kind));
        if let Some(last) = block.content.last_mut()
            && last.kind == "text"
            && last.marks.clone().unwrap_or_default() == marks
        {
            last.text.get_or_insert_with(String::new).push_str(&text);
            return;
        }
        block.content.push(Node::text(&text, marks));
    }

    /// Adds an inline leaf (`hard_break` or `image`).
    pub fn inline(&mut self, node: Node) {
        if node.kind == "image"
            && !node
                .attr_str("src")
                .is_some_and(|s| schema::is_safe_url(s, true))
        {
            self.degrade("image with an unsafe source (dropped)");
            return;
        }
        if self.top() == "code_block" {
            let text = if node.kind == "hard_break" {
                "\n".to_owned()
            } else {
                node.attr_str("alt").unwrap_or_default().to_owned()
            };
            self.text(&text);
            return;
        }
        if !TEXTBLOCKS.contains(&self.top()) {
            self.open(Node::new("paragraph", Vec::new()));
            self.mark_implicit();
        }
        if let Some(block) = self.stack.last_mut() {
            block.content.push(node);
        }
    }

    /// Closes every open node and returns the `doc` with what was degraded;
    /// refuses a source that nests deeper than [`MAX_DEPTH`].
    pub fn finish(mut self) -> Result<(Node, Vec<String>)> {
        if self.too_deep {
            return Err(Error::TooDeep { limit: MAX_DEPTH });
        }
        while self.stack.len() > 1 {
            self.pop();
        }
        let mut doc = self
            .stack
            .pop()
            .unwrap_or_else(|| Node::new("doc", Vec::new()));
        if doc.content.is_empty() {
            doc.content.push(Node::new("paragraph", Vec::new()));
        }
        Ok((doc, self.degraded))
    }

    fn mark_implicit(&mut self) {
        if let Some(last) = self.implicit.last_mut() {
            *last = true;
        }
    }

    fn pop(&mut self) {
        let Some(mut node) = self.stack.pop() else {
            return;
        };
        self.implicit.pop();
        match node.kind.as_str() {
            "list_item" if node.content.first().is_none_or(|c| c.kind != "paragraph") => {
                node.content.insert(0, Node::new("paragraph", Vec::new()));
            }
            "blockquote" if node.content.is_empty() => {
                node.content.push(Node::new("paragraph", Vec::new()));
            }
            "bullet_list" | "ordered_list" if node.content.is_empty() => return,
            "code_block" => {
                if let Some(last) = node.content.last_mut().and_then(|t| t.text.as_mut())
                    && last.ends_with('\n')
                {
                    last.pop();
                }
                node.content
                    .retain(|t| t.text.as_deref().is_some_and(|t| !t.is_empty()));
            }
            "paragraph" | "heading" if self.collapse_whitespace => trim_end(&mut node),
            _ => {}
        }
        if self.stack.is_empty() {
            self.push(node, false);
        } else if let Some(parent) = self.stack.last_mut() {
            parent.content.push(node);
        }
    }
}

/// Runs of whitespace as one space.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn trim_end(node: &mut Node) {
    while let Some(last) = node.content.last_mut() {
        let Some(text) = last.text.as_mut() else {
            return;
        };
        let trimmed = text.trim_end_matches(' ').len();
        text.truncate(trimmed);
        if !text.is_empty() {
            return;
        }
        node.content.pop();
    }
}
