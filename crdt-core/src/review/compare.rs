//! Two states of a body compared word by word: what stayed, what was
//! inserted and what was deleted, each run with the author who wrote its
//! text (for an insertion, who wrote it into the newer body; for a deletion,
//! who had written the text that went).

use serde::Serialize;
use similar::{Algorithm, DiffOp, capture_diff_slices};

use crate::authorship;
use crate::document::Document;
use crate::model::{self, Node};

/// What a run of a comparison is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// In both bodies.
    Same,
    /// Only in the newer body.
    Insert,
    /// Only in the older body.
    Delete,
}

/// One run of a comparison: text of one kind by one author. Blocks end
/// with `\n`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Same, inserted or deleted.
    pub kind: ChangeKind,
    /// The text.
    pub text: String,
    /// Who wrote it (`None` for block ends and text bound to nobody).
    pub author: Option<String>,
}

/// The body as words (runs of letters and digits, or single other
/// characters), each with the author of its first character.
fn words(document: &Document) -> Vec<(String, Option<String>)> {
    let body = model::read_body(document);
    // The author of each character, in the order of the body's text nodes.
    let mut authors: Vec<Option<String>> = Vec::new();
    for (author, _, chars) in authorship::present(document).runs {
        authors.extend(std::iter::repeat_n(author, chars as usize));
    }
    let mut chars: Vec<(char, Option<String>)> = Vec::new();
    let mut next = 0;
    flatten(&body, &authors, &mut next, &mut chars);
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (c, author) = &chars[i];
        let mut word = c.to_string();
        i += 1;
        if c.is_alphanumeric() {
            while i < chars.len() && chars[i].0.is_alphanumeric() && chars[i].1 == *author {
                word.push(chars[i].0);
                i += 1;
            }
        }
        out.push((word, author.clone()));
    }
    out
}

fn flatten(
    node: &Node,
    authors: &[Option<String>],
    next: &mut usize,
    out: &mut Vec<(char, Option<String>)>,
) {
    if let Some(text) = &node.text {
        for c in text.chars() {
            out.push((c, authors.get(*next).cloned().flatten()));
            *next += 1;
        }
        return;
    }
    for child in &node.content {
        flatten(child, authors, next, out);
    }
    let block = node.kind != "doc"
        && (node.content.is_empty() || node.content.iter().all(|c| c.kind == "text"));
    if block || node.kind == "hard_break" {
        out.push(('\n', None));
    }
}

/// Compares the body of `from` with the body of `to`.
pub fn compare(from: &Document, to: &Document) -> Vec<Change> {
    let old = words(from);
    let new = words(to);
    let mut ids = std::collections::HashMap::new();
    let mut id = |w: &str| {
        let next = ids.len() as u32;
        *ids.entry(w.to_owned()).or_insert(next)
    };
    let old_ids: Vec<u32> = old.iter().map(|(w, _)| id(w)).collect();
    let new_ids: Vec<u32> = new.iter().map(|(w, _)| id(w)).collect();
    let mut out: Vec<Change> = Vec::new();
    let mut push = |kind: ChangeKind, (word, author): &(String, Option<String>)| {
        // A block end belongs to the run before it.
        let author = if word == "\n" {
            out.last().and_then(|c| c.author.clone())
        } else {
            author.clone()
        };
        match out.last_mut() {
            Some(last) if last.kind == kind && last.author == author => last.text.push_str(word),
            _ => out.push(Change {
                kind,
                text: word.clone(),
                author,
            }),
        }
    };
    for op in capture_diff_slices(Algorithm::Myers, &old_ids, &new_ids) {
        match op {
            DiffOp::Equal { new_index, len, .. } => new[new_index..new_index + len]
                .iter()
                .for_each(|w| push(ChangeKind::Same, w)),
            DiffOp::Delete {
                old_index, old_len, ..
            } => old[old_index..old_index + old_len]
                .iter()
                .for_each(|w| push(ChangeKind::Delete, w)),
            DiffOp::Insert {
                new_index, new_len, ..
            } => new[new_index..new_index + new_len]
                .iter()
                .for_each(|w| push(ChangeKind::Insert, w)),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                old[old_index..old_index + old_len]
                    .iter()
                    .for_each(|w| push(ChangeKind::Delete, w));
                new[new_index..new_index + new_len]
                    .iter()
                    .for_each(|w| push(ChangeKind::Insert, w));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{ImportFormat, WriteMode, write_body};

    fn edit(document: &mut Document, markdown: &str, mode: WriteMode, client: u64, author: &str) {
        let body = ImportFormat::Markdown.read(markdown).unwrap().doc;
        let update = write_body(document, &body, client, mode).unwrap();
        document.replay(&update, &author.into()).unwrap();
    }

    #[test]
    fn insertions_and_deletions_carry_their_writers() {
        let mut from = Document::new();
        edit(
            &mut from,
            "Alice wrote this.\n",
            WriteMode::Replace,
            11,
            "alice",
        );
        let mut to =
            Document::from_checkpoint(&from.encode_state(), from.bindings().clone()).unwrap();
        edit(&mut to, "Bob added a line.\n", WriteMode::Append, 22, "bob");
        let changes = compare(&from, &to);
        assert_eq!(
            changes,
            [
                Change {
                    kind: ChangeKind::Same,
                    text: "Alice wrote this.\n".into(),
                    author: Some("alice".into())
                },
                Change {
                    kind: ChangeKind::Insert,
                    text: "Bob added a line.\n".into(),
                    author: Some("bob".into())
                },
            ]
        );
        // The other way round, Bob's line is a deletion of Bob's text.
        let back = compare(&to, &from);
        assert_eq!(back[1].kind, ChangeKind::Delete);
        assert_eq!(back[1].author.as_deref(), Some("bob"));
    }
}
