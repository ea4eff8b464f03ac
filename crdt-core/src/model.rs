//! The body as a ProseMirror-shaped tree, read from the document's `content`
//! fragment the way y-prosemirror's `yXmlFragmentToProsemirrorJSON` reads it.
//! Exporters work on this tree and never touch yrs.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use yrs::types::ToJson;
use yrs::types::text::YChange;
use yrs::types::xml::{XmlElementRef, XmlOut, XmlTextRef};
use yrs::{Out, ReadTxn, Text, Transact, Xml, XmlFragment, XmlFragmentRef};

use crate::document::Document;

/// A ProseMirror node: `doc`, a block or inline node, or a `text` node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Node {
    /// The node type name (`doc`, `paragraph`, `text`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Node attributes (`level`, `order`, `src`, ...).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attrs: Map<String, Value>,
    /// Child nodes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content: Vec<Node>,
    /// The text of a `text` node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The marks of a `text` node; absent when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marks: Option<Vec<Mark>>,
}

/// A mark on a text node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    /// The mark name (`strong`, `em`, `link`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// The mark's attributes as y-prosemirror stores them (`{}` when none).
    pub attrs: Value,
}

impl Node {
    /// A node of `kind` with children.
    pub fn new(kind: &str, content: Vec<Node>) -> Self {
        Self {
            kind: kind.to_owned(),
            content,
            ..Self::default()
        }
    }

    /// A text node.
    pub fn text(text: &str, marks: Vec<Mark>) -> Self {
        Self {
            kind: "text".to_owned(),
            text: Some(text.to_owned()),
            marks: (!marks.is_empty()).then_some(marks),
            ..Self::default()
        }
    }

    /// Sets an attribute, builder-style.
    pub fn with_attr(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.attrs.insert(key.to_owned(), value.into());
        self
    }

    /// A string attribute.
    pub fn attr_str(&self, key: &str) -> Option<&str> {
        self.attrs.get(key).and_then(Value::as_str)
    }

    /// An integer attribute, accepting numbers and numeric strings.
    pub fn attr_u64(&self, key: &str) -> Option<u64> {
        match self.attrs.get(key)? {
            Value::Number(n) => n.as_u64().or_else(|| n.as_f64().map(|f| f as u64)),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// Whether the text node carries a mark named `kind`.
    pub fn has_mark(&self, kind: &str) -> bool {
        self.mark(kind).is_some()
    }

    /// The mark named `kind` on a text node.
    pub fn mark(&self, kind: &str) -> Option<&Mark> {
        self.marks.as_ref()?.iter().find(|m| m.kind == kind)
    }

    /// All text below this node, concatenated.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        if let Some(text) = &self.text {
            out.push_str(text);
        }
        for child in &self.content {
            child.collect_text(out);
        }
    }
}

/// Reads the body of a document as a `doc` node.
pub fn read_body(document: &Document) -> Node {
    let txn = document.doc().transact();
    read_fragment(document.content(), &txn)
}

/// Reads any XmlFragment as a `doc` node.
pub fn read_fragment<T: ReadTxn>(fragment: &XmlFragmentRef, txn: &T) -> Node {
    let mut content = Vec::new();
    for child in fragment.children(txn) {
        read_child(child, txn, &mut content);
    }
    Node::new("doc", content)
}

fn read_child<T: ReadTxn>(child: XmlOut, txn: &T, out: &mut Vec<Node>) {
    match child {
        XmlOut::Element(element) => out.push(read_element(&element, txn)),
        XmlOut::Text(text) => read_text(&text, txn, out),
        XmlOut::Fragment(fragment) => {
            for grandchild in fragment.children(txn) {
                read_child(grandchild, txn, out);
            }
        }
    }
}

pub(crate) fn read_element<T: ReadTxn>(element: &XmlElementRef, txn: &T) -> Node {
    let mut node = Node::new(element.tag(), Vec::new());
    for (key, value) in element.attributes(txn) {
        node.attrs.insert(key.to_owned(), out_to_json(&value, txn));
    }
    for child in element.children(txn) {
        read_child(child, txn, &mut node.content);
    }
    node
}

pub(crate) fn read_text<T: ReadTxn>(text: &XmlTextRef, txn: &T, out: &mut Vec<Node>) {
    for chunk in text.diff(txn, |_: YChange| ()) {
        let Out::Any(yrs::Any::String(s)) = &chunk.insert else {
            continue;
        };
        let marks = chunk
            .attributes
            .map(|attrs| {
                let mut marks: Vec<Mark> = attrs
                    .iter()
                    .map(|(name, value)| Mark {
                        kind: name.to_string(),
                        attrs: serde_json::to_value(value).unwrap_or(Value::Null),
                    })
                    .collect();
                marks.sort_by(|a, b| a.kind.cmp(&b.kind));
                marks
            })
            .unwrap_or_default();
        // Yjs merges neighbouring chunks with equal attributes into one
        // delta op; yrs can leave them apart around formatting markers.
        match out.last_mut() {
            Some(last)
                if last.kind == "text" && last.marks.as_deref().unwrap_or_default() == marks =>
            {
                last.text.get_or_insert_with(String::new).push_str(s);
            }
            _ => out.push(Node::text(s, marks)),
        }
    }
}

fn out_to_json<T: ReadTxn>(value: &Out, txn: &T) -> Value {
    match value {
        Out::Any(any) => serde_json::to_value(any).unwrap_or(Value::Null),
        other => serde_json::to_value(other.to_json(txn)).unwrap_or(Value::Null),
    }
}
