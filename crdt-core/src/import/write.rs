//! Writing a body and the title into a document as Yjs updates, in
//! y-prosemirror's encoding: an XmlElement per node with its attributes, one
//! XmlText per run of text with marks as formatting attributes.
//!
//! The change is made in a scratch copy of the document under a fresh client
//! id, and returned as the v1 update of that one transaction. The caller
//! applies it like any edit (`Document::apply` with the importing author), so
//! history and authorship record it as that author's.

use serde_json::Value;
use yrs::branch::Branch;
use yrs::types::Attrs;
use yrs::types::Delta;
use yrs::types::xml::{XmlDeltaPrelim, XmlIn, XmlOut};
use yrs::updates::decoder::Decode;
use yrs::{
    Any, ClientID, Doc, In, Map, Options, ReadTxn, Transact, TransactionMut, Update, Xml,
    XmlElementPrelim, XmlFragment,
};

use super::normalize;
use crate::document::Document;
use crate::error::{Error, Result};
use crate::model::Node;
use crate::schema;

/// How a written body meets the body already in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Delete the current body first.
    Replace,
    /// Add after the current body.
    Append,
}

/// Client ids must stay below 2^53 for Yjs.
const MAX_CLIENT_ID: u64 = (1 << 53) - 1;

/// Writes `body` into the document's `content` as one transaction under
/// `client_id`, which must be new to the document and below 2^53, and returns
/// the v1 update. The body is [`normalize`]d first, so only schema names are
/// ever written. The document itself is not changed.
pub fn write_body(
    document: &Document,
    body: &Node,
    client_id: u64,
    mode: WriteMode,
) -> Result<Vec<u8>> {
    let scratch = scratch_copy(document, client_id)?;
    let (body, _) = normalize(body)?;
    let fragment = scratch.get_or_insert_xml_fragment(schema::CONTENT);
    let mut txn = scratch.transact_mut();
    let len = fragment.len(&txn);
    let after = match mode {
        WriteMode::Replace => {
            if len > 0 {
                fragment.remove_range(&mut txn, 0, len);
            }
            None
        }
        // One walk to the last child; every new one goes after the one before.
        WriteMode::Append => len.checked_sub(1).and_then(|last| fragment.get(&txn, last)),
    };
    let after = after.as_ref().map(branch_of);
    write_children(&fragment, &mut txn, after, &body.content);
    Ok(txn.encode_update_v1())
}

/// [`write_body`] replacing the body.
pub fn replace_body(document: &Document, body: &Node, client_id: u64) -> Result<Vec<u8>> {
    write_body(document, body, client_id, WriteMode::Replace)
}

/// [`write_body`] appending to the body.
pub fn append_body(document: &Document, body: &Node, client_id: u64) -> Result<Vec<u8>> {
    write_body(document, body, client_id, WriteMode::Append)
}

/// Sets `meta.title` and, when given, `meta.template`, as one transaction
/// under `client_id`; returns the v1 update.
pub fn set_meta(
    document: &Document,
    title: &str,
    template: Option<&str>,
    client_id: u64,
) -> Result<Vec<u8>> {
    let scratch = scratch_copy(document, client_id)?;
    let meta = scratch.get_or_insert_map(schema::META);
    let mut txn = scratch.transact_mut();
    meta.insert(&mut txn, "title", title);
    if let Some(template) = template {
        meta.insert(&mut txn, "template", template);
    }
    Ok(txn.encode_update_v1())
}

pub(crate) fn scratch_copy(document: &Document, client_id: u64) -> Result<Doc> {
    if client_id == 0 || client_id > MAX_CLIENT_ID {
        return Err(Error::RefusedUpdate(format!(
            "client id {client_id} is out of range"
        )));
    }
    let id = ClientID::new(client_id);
    let state = document.doc().transact().state_vector();
    if state.contains_client(&id) {
        return Err(Error::RefusedUpdate(format!(
            "client id {client_id} already wrote in this document"
        )));
    }
    let scratch = Doc::with_options(Options::with_client_id(id));
    scratch.get_or_insert_xml_fragment(schema::CONTENT);
    scratch.get_or_insert_map(schema::META);
    scratch.get_or_insert_array(schema::CHAT);
    let update = Update::decode_v1(&document.encode_state())
        .map_err(|e| Error::CorruptState(e.to_string()))?;
    scratch
        .transact_mut()
        .apply_update(update)
        .map_err(|e| Error::CorruptState(e.to_string()))?;
    Ok(scratch)
}

/// The shared type of a child node.
pub(crate) fn branch_of(node: &XmlOut) -> &Branch {
    match node {
        XmlOut::Element(e) => e.as_ref(),
        XmlOut::Fragment(f) => f.as_ref(),
        XmlOut::Text(t) => t.as_ref(),
    }
}

/// Writes `nodes` into `parent` after its child `after` (first when none),
/// each right after the one before, so that no insert walks the children:
/// a body is written in time linear in its size. Runs of text become one
/// XmlText written as one delta, as y-prosemirror writes them.
pub(crate) fn write_children<P: XmlFragment>(
    parent: &P,
    txn: &mut TransactionMut,
    after: Option<&Branch>,
    nodes: &[Node],
) {
    let mut prev: Option<XmlOut> = None;
    let mut rest = nodes;
    while let Some(node) = rest.first() {
        let left = prev.as_ref().map(branch_of).or(after);
        if node.kind == "text" {
            let run = rest.iter().take_while(|n| n.kind == "text").count();
            let (group, tail) = rest.split_at(run);
            rest = tail;
            let delta = group
                .iter()
                .map(|n| {
                    let chunk = n.text.as_deref().unwrap_or_default();
                    let marks = marks(n);
                    let attrs = (!marks.is_empty()).then(|| Box::new(marks));
                    Delta::Inserted(In::Any(Any::from(chunk)), attrs)
                })
                .collect();
            let text = parent.insert_after(
                txn,
                left,
                XmlIn::Text(XmlDeltaPrelim {
                    attributes: Default::default(),
                    delta,
                }),
            );
            prev = Some(text);
            continue;
        }
        rest = &rest[1..];
        let element = parent.insert_after(txn, left, XmlElementPrelim::empty(node.kind.as_str()));
        for (key, value) in &node.attrs {
            if !value.is_null() {
                element.insert_attribute(txn, key.as_str(), to_any(value));
            }
        }
        write_children(&element, txn, None, &node.content);
        prev = Some(XmlOut::Element(element));
    }
}

pub(crate) fn marks(node: &Node) -> Attrs {
    node.marks
        .iter()
        .flatten()
        .map(|m| (m.kind.as_str().into(), to_any(&m.attrs)))
        .collect()
}

/// A JSON value as the Yjs value JavaScript would store for it.
fn to_any(value: &Value) -> Any {
    match value {
        Value::Null => Any::Null,
        Value::Bool(b) => Any::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Any::from(i),
            None => Any::from(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => Any::from(s.as_str()),
        Value::Array(items) => Any::from(items.iter().map(to_any).collect::<Vec<_>>()),
        Value::Object(map) => Any::from(
            map.iter()
                .map(|(k, v)| (k.clone(), to_any(v)))
                .collect::<std::collections::HashMap<_, _>>(),
        ),
    }
}
