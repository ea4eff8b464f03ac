//! Export of the body from the [`crate::model`] tree. Every exporter is a pure
//! function of the tree (and the title, where a format shows one).
//!
//! # Layout
//!
//! - [`format`]: the [`ExportFormat`] enum, content types and safe file names.
//! - `text`, `markdown`, `json`: plain text, CommonMark and ProseMirror JSON.
//! - `html` and `authorship`: a standalone page, optionally coloured by author.
//! - `docx`: a Word document with heading styles and numbered lists.
//! - `pdf`: a laid-out PDF in the fonts of a [`Fonts`] set, which the
//!   caller loads (font discovery reads the disk, this crate does not).
//! - `inline`: the runs of marked text that the layout formats share.

mod authorship;
mod docx;
pub mod format;
mod html;
mod inline;
mod json;
mod markdown;
mod pdf;
mod text;

pub use authorship::{AuthorRun, Authorship, LegendEntry};
pub use docx::docx;
pub use format::{ExportFormat, UnknownFormat, content_disposition, content_disposition_filename};
pub use html::html;
pub use json::json;
pub use markdown::markdown;
pub use pdf::{FAMILIES, Fonts, PdfExport, pdf};
pub use text::plain_text;

/// Why a binary export (DOCX, PDF) failed. Text formats cannot fail.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The DOCX writer failed to assemble the package.
    #[error("docx export failed: {0}")]
    Docx(String),
    /// A font could not be read or subset.
    #[error("pdf font error: {0}")]
    Font(String),
}

/// Result of a binary export.
pub type ExportResult<T> = std::result::Result<T, ExportError>;

/// What an export shows besides the body.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions<'a> {
    /// The document's title.
    pub title: &'a str,
    /// The contributors' names, the DOCX file's creator.
    pub authors: &'a [String],
    /// Colours the HTML export by author.
    pub authorship: Option<&'a Authorship>,
    /// The faces the PDF export draws with.
    pub fonts: &'a Fonts,
}

/// An export and what it could not show faithfully.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The exported file.
    pub bytes: Vec<u8>,
    /// Characters no font has (PDF): drawn as boxes.
    pub missing_chars: Vec<char>,
}

impl Rendered {
    /// A one-line ASCII warning naming the characters no font has, fit for
    /// an HTTP header; `None` when every character was drawn.
    pub fn warning(&self) -> Option<String> {
        const SHOWN: usize = 32;
        if self.missing_chars.is_empty() {
            return None;
        }
        let mut codes: Vec<String> = self
            .missing_chars
            .iter()
            .take(SHOWN)
            .map(|c| format!("U+{:04X}", u32::from(*c)))
            .collect();
        if self.missing_chars.len() > SHOWN {
            codes.push(format!("and {} more", self.missing_chars.len() - SHOWN));
        }
        Some(format!(
            "{} character(s) have no font and show as boxes: {}",
            self.missing_chars.len(),
            codes.join(" ")
        ))
    }
}

/// Renders the body in `format`.
pub fn render(
    format: ExportFormat,
    doc: &crate::model::Node,
    options: &ExportOptions<'_>,
) -> ExportResult<Rendered> {
    let title = options.title;
    let bytes = match format {
        ExportFormat::Markdown => markdown(doc).into_bytes(),
        ExportFormat::Html => html(doc, title, options.authorship).into_bytes(),
        ExportFormat::Text => plain_text(doc).into_bytes(),
        ExportFormat::Json => {
            serde_json::to_vec_pretty(&json(doc)).expect("JSON values always serialize")
        }
        ExportFormat::Docx => docx(doc, title, options.authors)?,
        ExportFormat::Pdf => {
            let pdf = pdf(doc, title, options.fonts)?;
            return Ok(Rendered {
                bytes: pdf.bytes,
                missing_chars: pdf.missing,
            });
        }
    };
    Ok(Rendered {
        bytes,
        missing_chars: Vec::new(),
    })
}
