//! Writing a body and the title into a document as Yjs updates, in
//! y-prosemirror's encoding: an XmlElement per node with its attributes, one
//! XmlText per run of text with marks as formatting attributes.
//!
//! The change is made in a scratch copy of the document under a fresh client
//! id, and returned as the v1 update of that one transaction. The caller
//! applies it like any edit (`Document::apply` with the importing author), so
//! history and authorship record it as that author's.

use serde_json::Value;
use yrs::types::Attrs;
use yrs::updates::decoder::Decode;
use yrs::{
    Any, ClientID, Doc, Map, Options, ReadTxn, Text, Transact, TransactionMut, Update, Xml,
    XmlElementPrelim, XmlFragment, XmlTextPrelim,
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
    let (body, _) = normalize(body);
    let fragment = scratch.get_or_insert_xml_fragment(schema::CONTENT);
    let mut txn = scratch.transact_mut();
    if mode == WriteMode::Replace {
        let len = fragment.len(&txn);
        if len > 0 {
            fragment.remove_range(&mut txn, 0, len);
        }
    }
    write_children(&fragment, &mut txn, &body.content);
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

fn scratch_copy(document: &Document, client_id: u64) -> Result<Doc> {
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

fn write_children<P: XmlFragment>(parent: &P, txn: &mut TransactionMut, nodes: &[Node]) {
    let mut i = 0;
    while i < nodes.len() {
        if nodes[i].kind == "text" {
            // Neighbouring text nodes share one XmlText, as y-prosemirror writes them.
            let text = parent.push_back(txn, XmlTextPrelim::new(""));
            while let Some(node) = nodes.get(i).filter(|n| n.kind == "text") {
                let chunk = node.text.as_deref().unwrap_or_default();
                let len = text.len(txn);
                text.insert_with_attributes(txn, len, chunk, marks(node));
                i += 1;
            }
            continue;
        }
        let node = &nodes[i];
        let element = parent.push_back(txn, XmlElementPrelim::empty(node.kind.as_str()));
        for (key, value) in &node.attrs {
            if !value.is_null() {
                element.insert_attribute(txn, key.as_str(), to_any(value));
            }
        }
        write_children(&element, txn, &node.content);
        i += 1;
    }
}

fn marks(node: &Node) -> Attrs {
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
