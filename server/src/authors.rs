//! Who wrote what, told the same way everywhere: an author's display name
//! and colour, the contributors of a document, and the author of every run
//! of its text (for the coloured HTML export and the JSON authorship route).

use std::collections::BTreeMap;

use crdt_core::Document;
use crdt_core::authorship;
use crdt_core::document::is_starting_author;
use crdt_core::export::{AuthorRun, Authorship, LegendEntry};

use serde::Serialize;

use crate::store::DocMeta;

/// The colour of starting text (a template's, an import's): a neutral grey,
/// as it is nobody's.
pub const STARTING_COLOR: &str = "#9e9e9e";

/// The colour of an author (one function decides it everywhere).
pub fn color_of(author: &str) -> &'static str {
    crdt_core::authorship::color_of(author)
}

/// The display name of an author in a document.
pub fn name_of(meta: &DocMeta, author: &str) -> String {
    match meta.names.get(author) {
        Some(name) => name.clone(),
        None if author == crdt_core::document::SYSTEM_AUTHOR => "Quire".to_owned(),
        None if author == crdt_core::document::CLI_AUTHOR => "Imported file".to_owned(),
        None => author.to_owned(),
    }
}

/// The names of the people whose text is in the document, in the order
/// their text first appears (the server's own edits, a template's text, are
/// no one's).
pub fn contributors(document: &Document, meta: &DocMeta) -> Vec<String> {
    let mut seen: Vec<&str> = Vec::new();
    let present = authorship::present(document);
    for (author, _, _) in &present.runs {
        if let Some(author) = author.as_deref()
            && !is_starting_author(author)
            && !seen.contains(&author)
        {
            seen.push(author);
        }
    }
    seen.into_iter().map(|a| name_of(meta, a)).collect()
}

/// The authors of a document's runs of text, numbered in the order their
/// text first appears: the legend that the coloured export and the JSON
/// authorship share.
struct Legend<'m> {
    meta: &'m DocMeta,
    index: BTreeMap<String, usize>,
    authors: Vec<String>,
}

impl<'m> Legend<'m> {
    fn new(meta: &'m DocMeta) -> Self {
        Self {
            meta,
            index: BTreeMap::new(),
            authors: Vec::new(),
        }
    }

    /// The number of `author` in the legend, adding it if new.
    fn number(&mut self, author: &str) -> usize {
        if let Some(&n) = self.index.get(author) {
            return n;
        }
        self.authors.push(author.to_owned());
        self.index.insert(author.to_owned(), self.authors.len() - 1);
        self.authors.len() - 1
    }

    /// The name and colour shown for `author`: starting text in grey.
    fn shown(&self, author: &str) -> (String, &'static str) {
        let color = if is_starting_author(author) {
            STARTING_COLOR
        } else {
            color_of(author)
        };
        (name_of(self.meta, author), color)
    }
}

/// Authorship of a document for the coloured HTML export.
pub fn authorship_of(document: &Document, meta: &DocMeta) -> Authorship {
    let present = authorship::present(document);
    let mut legend = Legend::new(meta);
    let runs = present
        .runs
        .iter()
        .map(|(author, _units, chars)| AuthorRun {
            author: author.as_deref().map(|a| legend.number(a)),
            chars: *chars as usize,
        })
        .collect();
    let authors = legend
        .authors
        .iter()
        .map(|a| {
            let (name, color) = legend.shown(a);
            LegendEntry {
                starting: is_starting_author(a),
                ..LegendEntry::author(name, color)
            }
        })
        .collect();
    Authorship { authors, runs }
}

/// Who wrote the body's text, for a client to colour it: `GET
/// /docs/{id}/authorship`.
#[derive(Debug, Serialize)]
pub struct AuthoredText {
    /// The authors, numbered by their place here.
    pub authors: Vec<AuthorShown>,
    /// The text of the body's text nodes in document order; a client colours
    /// its own copy only when it has this very text.
    pub text: String,
    /// Consecutive runs of `text` by one author.
    pub runs: Vec<TextRun>,
}

/// An author of some of the text.
#[derive(Debug, Serialize)]
pub struct AuthorShown {
    /// The author id.
    pub author_id: String,
    /// The display name.
    pub name: String,
    /// The colour their text is shown in.
    pub color: &'static str,
    /// Starting text (a template's, an import's): nobody's writing.
    pub starting: bool,
}

/// A stretch of the text by one author.
#[derive(Debug, Serialize)]
pub struct TextRun {
    /// Where it starts, in UTF-16 units into the text.
    pub start: u64,
    /// Where it ends, in UTF-16 units.
    pub end: u64,
    /// The number of its author in `authors`; `None` for text of a client
    /// id bound to nobody.
    pub author: Option<usize>,
}

/// The authored text of a document.
pub fn authored_text(document: &Document, meta: &DocMeta) -> AuthoredText {
    let present = authorship::present(document);
    let mut legend = Legend::new(meta);
    let mut at = 0;
    let runs = present
        .runs
        .iter()
        .map(|(author, units, _chars)| {
            let start = at;
            at += units;
            TextRun {
                start,
                end: at,
                author: author.as_deref().map(|a| legend.number(a)),
            }
        })
        .collect();
    let authors = legend
        .authors
        .iter()
        .map(|a| {
            let (name, color) = legend.shown(a);
            AuthorShown {
                author_id: a.clone(),
                name,
                color,
                starting: is_starting_author(a),
            }
        })
        .collect();
    AuthoredText {
        authors,
        text: present.text,
        runs,
    }
}
