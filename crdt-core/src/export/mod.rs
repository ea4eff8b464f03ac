//! Export of the body from the [`crate::model`] tree. Every exporter is a pure
//! function of the tree (and the title, where a format shows one).
//!
//! # Layout
//!
//! - [`format`]: the [`ExportFormat`] enum, content types and safe file names.
//! - `text`, `markdown`, `json`: plain text, CommonMark and ProseMirror JSON.
//! - `html` and `authorship`: a standalone page, optionally coloured by author.
//! - `docx`: a Word document with heading styles and numbered lists.
//! - `pdf`: a laid-out PDF with an embedded Unicode font.
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
pub use pdf::pdf;
pub use text::plain_text;

/// Why a binary export (DOCX, PDF) failed. Text formats cannot fail.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The DOCX writer failed to assemble the package.
    #[error("docx export failed: {0}")]
    Docx(String),
    /// The embedded font could not be read or subset.
    #[error("pdf font error: {0}")]
    Font(String),
}

/// Result of a binary export.
pub type ExportResult<T> = std::result::Result<T, ExportError>;

/// Renders the body in `format`; `authorship` colours the HTML export.
pub fn render(
    format: ExportFormat,
    doc: &crate::model::Node,
    title: &str,
    authorship: Option<&Authorship>,
) -> ExportResult<Vec<u8>> {
    Ok(match format {
        ExportFormat::Markdown => markdown(doc).into_bytes(),
        ExportFormat::Html => html(doc, title, authorship).into_bytes(),
        ExportFormat::Text => plain_text(doc).into_bytes(),
        ExportFormat::Json => {
            serde_json::to_vec_pretty(&json(doc)).expect("JSON values always serialize")
        }
        ExportFormat::Docx => docx(doc, title)?,
        ExportFormat::Pdf => pdf(doc, title)?,
    })
}
