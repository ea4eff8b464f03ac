//! ProseMirror JSON, shaped as y-prosemirror's `yXmlFragmentToProsemirrorJSON`
//! gives it: `doc` always has `content`; elements have `attrs` only when they
//! have attributes and `content` only when they have children; every mark has
//! `attrs` (`{}` when it has none).

use serde_json::{Map, Value};

use crate::model::{Mark, Node};

/// The order of marks in ProseMirror's schema (prosemirror-schema-basic's,
/// then `strike` and `underline`). y-prosemirror lists a text's marks in the
/// order Yjs met their formatting, which for text typed in an editor is this
/// order; ProseMirror sorts them into it on reading either way.
const MARK_RANK: &[&str] = &["link", "em", "strong", "code", "strike", "underline"];

/// The body as ProseMirror JSON.
pub fn json(doc: &Node) -> Value {
    let mut value = node(doc);
    if let Value::Object(object) = &mut value {
        object
            .entry("content")
            .or_insert_with(|| Value::Array(Vec::new()));
    }
    value
}

fn node(node: &Node) -> Value {
    let mut object = Map::new();
    object.insert("type".to_owned(), Value::String(node.kind.clone()));
    if !node.attrs.is_empty() {
        let attrs = node
            .attrs
            .iter()
            .map(|(k, v)| (k.clone(), integral(v)))
            .collect();
        object.insert("attrs".to_owned(), Value::Object(attrs));
    }
    if let Some(text) = &node.text {
        object.insert("text".to_owned(), Value::String(text.clone()));
    }
    if let Some(marks) = &node.marks {
        let mut marks: Vec<&Mark> = marks.iter().collect();
        marks.sort_by_key(|m| {
            MARK_RANK
                .iter()
                .position(|r| *r == m.kind)
                .unwrap_or(usize::MAX)
        });
        let marks = marks
            .into_iter()
            .map(|m| {
                let mut mark = Map::new();
                mark.insert("type".to_owned(), Value::String(m.kind.clone()));
                mark.insert("attrs".to_owned(), integral(&m.attrs));
                Value::Object(mark)
            })
            .collect();
        object.insert("marks".to_owned(), Value::Array(marks));
    }
    if !node.content.is_empty() {
        let content = node.content.iter().map(self::node).collect();
        object.insert("content".to_owned(), Value::Array(content));
    }
    Value::Object(object)
}

/// Whole numbers as JSON integers, as JavaScript prints them (`2`, not `2.0`).
fn integral(value: &Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                Value::from(f as i64)
            }
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(integral).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), integral(v))).collect())
        }
        _ => value.clone(),
    }
}
