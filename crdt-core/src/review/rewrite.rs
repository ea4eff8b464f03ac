//! The edit that turns a document's body into another body, as small as a
//! diff can make it: blocks the two share are kept, a block that changed
//! inside is edited inside, and within a run of text only the words that
//! differ are deleted and inserted. So restoring yesterday's text over today's
//! leaves every unchanged word with the member who wrote it, and restoring
//! today's again undoes the restore.
//!
//! The edit is made in a scratch copy under a fresh client id and checked:
//! the copy's body must read back as the wanted body, else the edit replaces
//! the whole body instead (always right, only larger).

use std::collections::HashMap;

use similar::{Algorithm, DiffOp, capture_diff_slices};
use yrs::types::xml::{XmlElementRef, XmlOut, XmlTextRef};
use yrs::{Text, Transact, TransactionMut, XmlFragment};

use crate::document::Document;
use crate::error::Result;
use crate::import::normalize;
use crate::import::write::{branch_of, marks, replace_body, scratch_copy, write_children};
use crate::model::{self, Node};
use crate::schema;

/// The v1 update, under `client_id` (new to the document, below 2^53), that
/// makes the document's body read as `target`. `target` is normalized first,
/// so only schema names are written. The document itself is not changed.
pub fn rewrite_body(document: &Document, target: &Node, client_id: u64) -> Result<Vec<u8>> {
    let (target, _) = normalize(target)?;
    match minimal(document, &target, client_id)? {
        Some(update) => Ok(update),
        None => replace_body(document, &target, client_id),
    }
}

/// The diffed edit, if the body it writes reads back as `target` (which is
/// normalized).
fn minimal(document: &Document, target: &Node, client_id: u64) -> Result<Option<Vec<u8>>> {
    let scratch = scratch_copy(document, client_id)?;
    let fragment = scratch.get_or_insert_xml_fragment(schema::CONTENT);
    let update = {
        let mut txn = scratch.transact_mut();
        sync_children(&fragment, &mut txn, &target.content);
        txn.encode_update_v1()
    };
    let written = model::read_fragment(&fragment, &scratch.transact());
    Ok((written.content == target.content).then_some(update))
}

/// A child of an element as the diff sees it: one element, or one XmlText
/// holding a run of text nodes.
#[derive(Debug)]
enum Unit<'a> {
    Element(&'a Node),
    Text(&'a [Node]),
}

/// Target nodes grouped as the children they become.
fn units(nodes: &[Node]) -> Vec<Unit<'_>> {
    let mut out = Vec::new();
    let mut rest = nodes;
    while let Some(first) = rest.first() {
        if first.kind == "text" {
            let run = rest.iter().take_while(|n| n.kind == "text").count();
            out.push(Unit::Text(&rest[..run]));
            rest = &rest[run..];
        } else {
            out.push(Unit::Element(first));
            rest = &rest[1..];
        }
    }
    out
}

/// Interns values by their JSON, so that the diff compares small integers.
#[derive(Default)]
struct Interner(HashMap<String, u32>);

impl Interner {
    fn id(&mut self, value: &impl serde::Serialize) -> u32 {
        let key = serde_json::to_string(value).unwrap_or_default();
        let next = self.0.len() as u32;
        *self.0.entry(key).or_insert(next)
    }
}

/// A current child read as nodes, with its shared type.
struct Current {
    out: XmlOut,
    nodes: Vec<Node>,
}

fn read_current(out: XmlOut, txn: &TransactionMut) -> Current {
    let mut nodes = Vec::new();
    match &out {
        XmlOut::Element(e) => nodes.push(model::read_element(e, txn)),
        XmlOut::Text(t) => model::read_text(t, txn, &mut nodes),
        XmlOut::Fragment(_) => {}
    }
    Current { out, nodes }
}

/// Makes `parent`'s children read as `target`.
fn sync_children<P: XmlFragment>(parent: &P, txn: &mut TransactionMut, target: &[Node]) {
    let current: Vec<Current> = parent
        .children(txn)
        .collect::<Vec<_>>()
        .into_iter()
        .map(|out| read_current(out, txn))
        .collect();
    let wanted = units(target);
    let mut interner = Interner::default();
    let old: Vec<u32> = current
        .iter()
        .map(|c| match &c.out {
            XmlOut::Text(_) => interner.id(&("text", &c.nodes)),
            _ => interner.id(&("element", &c.nodes)),
        })
        .collect();
    let new: Vec<u32> = wanted
        .iter()
        .map(|u| match u {
            Unit::Text(nodes) => interner.id(&("text", nodes)),
            Unit::Element(node) => interner.id(&("element", [node])),
        })
        .collect();
    // Where the child `old_index` is now, after the changes made before it.
    let mut shift: isize = 0;
    let at = |old_index: usize, shift: isize| (old_index as isize + shift) as u32;
    for op in capture_diff_slices(Algorithm::Myers, &old, &new) {
        match op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                parent.remove_range(txn, at(old_index, shift), old_len as u32);
                shift -= old_len as isize;
            }
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => {
                let start = at(old_index, shift);
                for (index, unit) in (start..).zip(&wanted[new_index..new_index + new_len]) {
                    insert_unit(parent, txn, index, unit);
                }
                shift += new_len as isize;
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let mut index = at(old_index, shift);
                for i in 0..old_len.max(new_len) {
                    let cur = (i < old_len).then(|| &current[old_index + i]);
                    let unit = wanted.get(new_index + i).filter(|_| i < new_len);
                    match (cur, unit) {
                        (Some(cur), Some(unit)) => {
                            if !refine(cur, unit, txn) {
                                parent.remove_range(txn, index, 1);
                                insert_unit(parent, txn, index, unit);
                            }
                            index += 1;
                        }
                        (Some(_), None) => parent.remove_range(txn, index, 1),
                        (None, Some(unit)) => {
                            insert_unit(parent, txn, index, unit);
                            index += 1;
                        }
                        (None, None) => {}
                    }
                }
                shift += new_len as isize - old_len as isize;
            }
        }
    }
}

/// Writes one unit as the child at `index`.
fn insert_unit<P: XmlFragment>(parent: &P, txn: &mut TransactionMut, index: u32, unit: &Unit) {
    let left = index.checked_sub(1).and_then(|i| parent.get(txn, i));
    let nodes: &[Node] = match unit {
        Unit::Element(node) => std::slice::from_ref(*node),
        Unit::Text(nodes) => nodes,
    };
    write_children(parent, txn, left.as_ref().map(branch_of), nodes);
}

/// Edits a current child in place into `unit` when they are alike (elements
/// of the same kind and attributes, or two runs of text); false when the
/// child must be replaced.
fn refine(cur: &Current, unit: &Unit, txn: &mut TransactionMut) -> bool {
    match (&cur.out, unit) {
        (XmlOut::Element(element), Unit::Element(node)) => {
            let Some(old) = cur.nodes.first() else {
                return false;
            };
            if old.kind != node.kind || old.attrs != node.attrs {
                return false;
            }
            sync_element(element, txn, &node.content);
            true
        }
        (XmlOut::Text(text), Unit::Text(nodes)) => {
            sync_text(text, txn, &cur.nodes, nodes);
            true
        }
        _ => false,
    }
}

fn sync_element(element: &XmlElementRef, txn: &mut TransactionMut, target: &[Node]) {
    sync_children(element, txn, target);
}

/// Text cut into words (runs of letters and digits) and single other
/// characters, each with the node (so the marks) it belongs to.
struct Words<'a> {
    /// Each word's text and the index of its node.
    words: Vec<(&'a str, usize)>,
    /// Each word as a number, equal for the same word with the same marks.
    ids: Vec<u32>,
}

fn words<'a>(nodes: &'a [Node], interner: &mut Interner) -> Words<'a> {
    let mut out = Words {
        words: Vec::new(),
        ids: Vec::new(),
    };
    for (i, node) in nodes.iter().enumerate() {
        let marks = interner.id(&node.marks);
        let text = node.text.as_deref().unwrap_or_default();
        let mut rest = text;
        while let Some(first) = rest.chars().next() {
            let len = if first.is_alphanumeric() {
                rest.find(|c: char| !c.is_alphanumeric())
                    .unwrap_or(rest.len())
            } else {
                first.len_utf8()
            };
            let (word, tail) = rest.split_at(len);
            rest = tail;
            out.words.push((word, i));
            out.ids.push(interner.id(&(word, marks)));
        }
    }
    out
}

/// Makes an XmlText that reads as `old` read as `new`, deleting and
/// inserting only the words that differ (or whose marks differ). When they
/// share less than half of the shorter one's text, the whole run is
/// rewritten rather than left as a mosaic of the few words they happen to
/// share.
fn sync_text(text: &XmlTextRef, txn: &mut TransactionMut, old: &[Node], new: &[Node]) {
    let mut interner = Interner::default();
    let old_words = words(old, &mut interner);
    let new_words = words(new, &mut interner);
    // The scratch document counts offsets in UTF-8 bytes.
    let mut offsets = Vec::with_capacity(old_words.words.len() + 1);
    let mut offset = 0u32;
    offsets.push(0);
    for (word, _) in &old_words.words {
        offset += word.len() as u32;
        offsets.push(offset);
    }
    let new_len: usize = new_words.words.iter().map(|(w, _)| w.len()).sum();
    let mut ops = capture_diff_slices(Algorithm::Myers, &old_words.ids, &new_words.ids);
    let shared: usize = ops
        .iter()
        .map(|op| match op {
            DiffOp::Equal { old_index, len, .. } => {
                (offsets[old_index + len] - offsets[*old_index]) as usize
            }
            _ => 0,
        })
        .sum();
    if shared * 2 < (offset as usize).min(new_len) {
        ops = vec![DiffOp::Replace {
            old_index: 0,
            old_len: old_words.ids.len(),
            new_index: 0,
            new_len: new_words.ids.len(),
        }];
    }
    let mut shift: i64 = 0;
    let pos = |i: usize, shift: i64| (i64::from(offsets[i]) + shift) as u32;
    for op in ops {
        let (old_index, old_len, new_index, new_len) = match op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete {
                old_index, old_len, ..
            } => (old_index, old_len, 0, 0),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => (old_index, 0, new_index, new_len),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => (old_index, old_len, new_index, new_len),
        };
        let mut at = pos(old_index, shift);
        if old_len > 0 {
            let len = offsets[old_index + old_len] - offsets[old_index];
            text.remove_range(txn, at, len);
            shift -= i64::from(len);
        }
        // Runs of words of one node (so with the same marks), each inserted
        // with its marks.
        let mut i = new_index;
        while i < new_index + new_len {
            let owner = new_words.words[i].1;
            let mut chunk = String::new();
            while i < new_index + new_len && new_words.words[i].1 == owner {
                chunk.push_str(new_words.words[i].0);
                i += 1;
            }
            text.insert_with_attributes(txn, at, &chunk, marks(&new[owner]));
            at += chunk.len() as u32;
            shift += chunk.len() as i64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{ImportFormat, replace_body};
    use crate::model::read_body;

    fn doc_of(markdown: &str, client: u64) -> Document {
        let mut document = Document::new();
        let body = ImportFormat::Markdown.read(markdown).unwrap().doc;
        let update = replace_body(&document, &body, client).unwrap();
        document.replay(&update, &"alice".into()).unwrap();
        document
    }

    fn rewritten(from: &str, to: &str) -> (Document, usize) {
        let mut document = doc_of(from, 11);
        let target = ImportFormat::Markdown.read(to).unwrap().doc;
        let normal = normalize(&target).unwrap().0;
        assert!(
            minimal(&document, &normal, 22).unwrap().is_some(),
            "{from:?} -> {to:?} needed the whole body replaced"
        );
        let update = rewrite_body(&document, &target, 22).unwrap();
        let size = update.len();
        document.replay(&update, &"bob".into()).unwrap();
        assert_eq!(read_body(&document), normalize(&target).unwrap().0);
        (document, size)
    }

    #[test]
    fn rewrites_text_blocks_and_marks() {
        rewritten("# Title\n\nHello world\n", "# Title\n\nHello brave world\n");
        rewritten("one\n\ntwo\n\nthree\n", "three\n\none\n");
        rewritten("plain **bold** text\n", "plain bold *text*\n");
        rewritten("- a\n- b\n", "1. a\n2. b\n\n> quote\n");
        rewritten("", "Now there is text\n");
        rewritten("Some text\n", "");
        rewritten("héllo 😀 wörld\n", "héllo wörld 😀!\n");
        rewritten(
            "Carol replaced everything.\n",
            "Alice wrote this.\n\nBob added.\n",
        );
    }

    #[test]
    fn keeps_what_the_two_bodies_share() {
        let long = "word ".repeat(400);
        let (_, size) = rewritten(
            &format!("{long}\n\nmiddle\n\n{long}\n"),
            &format!("{long}\n\nmiddle changed\n\n{long}\n"),
        );
        // The edit names the few changed characters, not the whole text.
        assert!(size < 200, "update of {size} bytes");
    }

    /// Authors of the present text, as (author, chars) runs.
    fn runs(document: &Document) -> Vec<(String, u64)> {
        let mut out: Vec<(String, u64)> = Vec::new();
        for (author, _, chars) in crate::authorship::present(document).runs {
            let author = author.unwrap_or_default();
            match out.last_mut() {
                Some((last, n)) if *last == author => *n += chars,
                _ => out.push((author, chars)),
            }
        }
        out
    }

    #[test]
    fn unchanged_words_keep_their_author() {
        let (document, _) = rewritten("Hello world\n", "Hello brave world\n");
        assert_eq!(
            runs(&document),
            [("alice".into(), 6), ("bob".into(), 6), ("alice".into(), 5)]
        );
        // Cutting the end of a paragraph only deletes.
        let (document, _) = rewritten("First draft. Second thoughts.\n", "First draft.\n");
        assert_eq!(runs(&document), [("alice".into(), 12)]);
        // Text that shares little is rewritten whole, not as a mosaic of
        // the letters the two happen to share.
        let (document, _) = rewritten("Carol replaced everything.\n", "Alice wrote this.\n");
        assert_eq!(runs(&document), [("bob".into(), 17)]);
    }

    #[test]
    fn a_rewrite_back_restores_the_first_body() {
        let mut document = doc_of("first version\n\nkept\n", 11);
        let first = read_body(&document);
        let second = ImportFormat::Markdown
            .read("second *version*\n\nkept\n\nmore\n")
            .unwrap()
            .doc;
        let update = rewrite_body(&document, &second, 22).unwrap();
        document.replay(&update, &"bob".into()).unwrap();
        let update = rewrite_body(&document, &first, 33).unwrap();
        document.replay(&update, &"carol".into()).unwrap();
        assert_eq!(read_body(&document), first);
    }
}
