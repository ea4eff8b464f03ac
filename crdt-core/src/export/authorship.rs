//! Who wrote which text, as the author-coloured HTML export takes it.
//!
//! The runs count the characters (Unicode scalar values, Rust `char`s) of
//! every `text` node of the body in document order, exactly as
//! [`Node::plain_text`](crate::model::Node::plain_text) concatenates them:
//! images and hard breaks take no characters. Whoever fills an [`Authorship`]
//! from per-character authorship walks the `content` fragment in the same
//! order and merges neighbouring characters of one author into a run.

use serde::{Deserialize, Serialize};

/// An author as the legend shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegendEntry {
    /// The display name.
    pub name: String,
    /// The author's colour as `#rgb` or `#rrggbb`; anything else is replaced
    /// by a colour from a fixed palette.
    pub color: String,
    /// Starting text (a template, an import the server made): listed apart
    /// in the legend and no part of the authors' shares.
    #[serde(default)]
    pub starting: bool,
}

impl LegendEntry {
    /// A member who wrote some of the text.
    pub fn author(name: impl Into<String>, color: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            color: color.into(),
            starting: false,
        }
    }
}

/// A run of consecutive characters written by one author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorRun {
    /// Index into [`Authorship::authors`]; `None` for text of unknown origin
    /// (server-written text, or an author who is gone).
    pub author: Option<usize>,
    /// Number of characters in the run.
    pub chars: usize,
}

/// The authors of the body's text, for [`html`](super::html) to colour.
/// Runs that end before the text does leave the rest uncoloured; runs past
/// its end are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Authorship {
    /// The authors in the order the legend lists them.
    pub authors: Vec<LegendEntry>,
    /// The runs, in document order.
    pub runs: Vec<AuthorRun>,
}

impl Authorship {
    /// Authorship from one author index (or `None`) per character, merging
    /// neighbours into runs.
    pub fn from_chars(
        authors: Vec<LegendEntry>,
        per_char: impl IntoIterator<Item = Option<usize>>,
    ) -> Self {
        let mut runs: Vec<AuthorRun> = Vec::new();
        for author in per_char {
            match runs.last_mut() {
                Some(run) if run.author == author => run.chars += 1,
                _ => runs.push(AuthorRun { author, chars: 1 }),
            }
        }
        Self { authors, runs }
    }

    /// The number of characters each author wrote, by author index.
    pub fn counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.authors.len()];
        for run in &self.runs {
            if let Some(count) = run.author.and_then(|a| counts.get_mut(a)) {
                *count += run.chars;
            }
        }
        counts
    }
}

/// Colours for authors whose colour is missing or not a plain hex colour.
const PALETTE: &[&str] = &[
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324",
];

/// The author's colour if it is `#rgb` or `#rrggbb`, else a palette colour:
/// only such a value ever reaches the page's CSS.
pub(crate) fn safe_color(color: &str, index: usize) -> String {
    let hex = color.strip_prefix('#').unwrap_or("");
    if matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        format!("#{}", hex.to_ascii_lowercase())
    } else {
        PALETTE[index % PALETTE.len()].to_owned()
    }
}

/// Walks the runs character by character, in step with the text.
pub(crate) struct RunCursor<'a> {
    runs: std::slice::Iter<'a, AuthorRun>,
    current: Option<AuthorRun>,
}

impl<'a> RunCursor<'a> {
    pub fn new(authorship: &'a Authorship) -> Self {
        let mut cursor = Self {
            runs: authorship.runs.iter(),
            current: None,
        };
        cursor.advance();
        cursor
    }

    fn advance(&mut self) {
        self.current = self.runs.by_ref().find(|r| r.chars > 0).copied();
    }

    /// Splits `text` into pieces of one author each, consuming runs.
    pub fn split<'t>(&mut self, text: &'t str) -> Vec<(Option<usize>, &'t str)> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let Some(run) = self.current.as_mut() else {
                pieces.push((None, rest));
                break;
            };
            let take = rest
                .char_indices()
                .nth(run.chars)
                .map_or(rest.len(), |(i, _)| i);
            let taken = rest[..take].chars().count();
            pieces.push((run.author, &rest[..take]));
            rest = &rest[take..];
            run.chars -= taken;
            if run.chars == 0 {
                self.advance();
            }
        }
        pieces
    }
}
