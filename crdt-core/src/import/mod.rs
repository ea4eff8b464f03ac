//! Import of Markdown, plain text and HTML into the body, and the writer that
//! turns a body into an ordinary Yjs update.
//!
//! # Layout
//!
//! - `markdown`, `text`, `html`: readers, each giving an [`Imported`].
//! - `builder`: the tree builder the readers share; it keeps the tree valid
//!   under the schema and records what had to be degraded.
//! - [`normalize`]: any tree made valid, with only schema names and attributes.
//! - `write`: the body and the title as Yjs updates.

mod builder;
mod html;
pub(crate) mod markdown;
mod normalize;
mod text;
pub(crate) mod write;

pub use html::html;
pub use markdown::markdown;
pub use normalize::normalize;
pub use text::text;
pub use write::{WriteMode, append_body, replace_body, set_meta, write_body};

use serde::Serialize;

use crate::error::Result;
use crate::model::Node;

/// The deepest nesting the importers keep, counted in shared types as
/// [`crate::nesting::MAX_NESTING`] counts them, so that every imported body
/// is one the document accepts. A deeper source is refused with
/// [`crate::Error::TooDeep`] before anything recurses over it.
pub const MAX_DEPTH: usize = crate::nesting::MAX_NESTING;

/// An imported body and what of the source the schema could not hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Imported {
    /// The body, a `doc` node valid under the schema.
    pub doc: Node,
    /// What was degraded to text or dropped, one entry per kind of thing
    /// (`"table"`, `"footnote"`, `"<sup> (kept as text)"`, ...), for the
    /// importing user to read.
    pub degraded: Vec<String>,
    /// A title found in the source (an HTML `<title>`), if any.
    pub title: Option<String>,
}

/// A source format the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportFormat {
    /// CommonMark with GFM strikethrough.
    Markdown,
    /// Plain text.
    Text,
    /// HTML, a page or a fragment.
    Html,
}

impl ImportFormat {
    /// Reads `source` in this format; refuses a source nested deeper than
    /// [`MAX_DEPTH`].
    pub fn read(self, source: &str) -> Result<Imported> {
        match self {
            Self::Markdown => markdown(source),
            Self::Text => text(source),
            Self::Html => html(source),
        }
    }

    /// The format a file name's extension suggests (`.md`, `.txt`, `.html`).
    pub fn from_file_name(name: &str) -> Option<Self> {
        let ext = name.rsplit_once('.')?.1;
        ext.parse().ok()
    }
}

/// A format name that is not one of `md`, `txt`, `html`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown import format {0:?}: expected md, txt or html")]
pub struct UnknownImportFormat(pub String);

impl std::str::FromStr for ImportFormat {
    type Err = UnknownImportFormat;

    /// Parses `md`, `markdown`, `txt`, `text`, `html` or `htm`, ignoring case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Ok(Self::Markdown),
            "txt" | "text" => Ok(Self::Text),
            "html" | "htm" => Ok(Self::Html),
            _ => Err(UnknownImportFormat(s.to_owned())),
        }
    }
}
