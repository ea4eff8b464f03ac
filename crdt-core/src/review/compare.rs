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
fn words(document: &Document) -> Vec<Word> {
    let body = model::read_body(document);
    // The author of each character, in the order of the body's text nodes.
    let mut authors: Vec<Option<String>> = Vec::new();
    for (author, _, chars) in authorship::present(document).runs {
        authors.extend(std::iter::repeat_n(author, chars as usize));
    }
    let mut chars: Vec<(char, Option<String>)> = Vec::new();
    let mut next = 0;
    flatten(&body, &authors, &mut next, &mut chars);
    let mut out: Vec<Word> = Vec::new();
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

type Word = (String, Option<String>);

/// The words cut into blocks, each ending with its `\n`.
fn blocks(words: Vec<Word>) -> Vec<Vec<Word>> {
    let mut out = Vec::new();
    let mut block = Vec::new();
    for word in words {
        let end = word.0 == "\n";
        block.push(word);
        if end {
            out.push(std::mem::take(&mut block));
        }
    }
    if !block.is_empty() {
        out.push(block);
    }
    out
}

/// Numbers equal values alike.
#[derive(Default)]
struct Ids(std::collections::HashMap<String, u32>);

impl Ids {
    fn id(&mut self, key: String) -> u32 {
        let next = self.0.len() as u32;
        *self.0.entry(key).or_insert(next)
    }
}

/// Appends runs, joining a run to the one before when kind and author agree.
struct Runs(Vec<Change>);

impl Runs {
    fn push(&mut self, kind: ChangeKind, (word, author): &Word) {
        // A block end belongs to the run before it.
        let author = if word == "\n" {
            self.0.last().and_then(|c| c.author.clone())
        } else {
            author.clone()
        };
        match self.0.last_mut() {
            Some(last) if last.kind == kind && last.author == author => last.text.push_str(word),
            _ => self.0.push(Change {
                kind,
                text: word.clone(),
                author,
            }),
        }
    }

    fn all(&mut self, kind: ChangeKind, words: &[Word]) {
        for word in words {
            self.push(kind, word);
        }
    }

    /// Two versions of one block, word by word.
    fn words(&mut self, old: &[Word], new: &[Word]) {
        let mut ids = Ids::default();
        let a: Vec<u32> = old.iter().map(|(w, _)| ids.id(w.clone())).collect();
        let b: Vec<u32> = new.iter().map(|(w, _)| ids.id(w.clone())).collect();
        for op in capture_diff_slices(Algorithm::Myers, &a, &b) {
            let (o, ol, n, nl) = span(op);
            if matches!(op, DiffOp::Equal { .. }) {
                self.all(ChangeKind::Same, &new[n..n + nl]);
            } else {
                self.all(ChangeKind::Delete, &old[o..o + ol]);
                self.all(ChangeKind::Insert, &new[n..n + nl]);
            }
        }
    }
}

/// `(old_index, old_len, new_index, new_len)` of a diff op.
fn span(op: DiffOp) -> (usize, usize, usize, usize) {
    match op {
        DiffOp::Equal {
            old_index,
            new_index,
            len,
        } => (old_index, len, new_index, len),
        DiffOp::Delete {
            old_index,
            old_len,
            new_index,
        } => (old_index, old_len, new_index, 0),
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
    }
}

/// Compares the body of `from` with the body of `to`: blocks first, so a
/// block that stayed is never cut up to match another, then word by word
/// within a block that changed.
pub fn compare(from: &Document, to: &Document) -> Vec<Change> {
    let old = blocks(words(from));
    let new = blocks(words(to));
    let mut ids = Ids::default();
    let key = |b: &Vec<Word>| b.iter().map(|(w, _)| w.as_str()).collect::<String>();
    let a: Vec<u32> = old.iter().map(|b| ids.id(key(b))).collect();
    let c: Vec<u32> = new.iter().map(|b| ids.id(key(b))).collect();
    let mut runs = Runs(Vec::new());
    for op in capture_diff_slices(Algorithm::Myers, &a, &c) {
        let (o, ol, n, nl) = span(op);
        match op {
            DiffOp::Equal { .. } => new[n..n + nl]
                .iter()
                .for_each(|b| runs.all(ChangeKind::Same, b)),
            _ => {
                // Blocks side by side are compared word by word; the rest
                // were deleted or inserted whole.
                for i in 0..ol.max(nl) {
                    match (
                        old.get(o + i).filter(|_| i < ol),
                        new.get(n + i).filter(|_| i < nl),
                    ) {
                        (Some(x), Some(y)) => runs.words(x, y),
                        (Some(x), None) => runs.all(ChangeKind::Delete, x),
                        (None, Some(y)) => runs.all(ChangeKind::Insert, y),
                        (None, None) => {}
                    }
                }
            }
        }
    }
    runs.0
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
