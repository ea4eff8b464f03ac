//! The export formats, their content types and file names.

use std::fmt;
use std::str::FromStr;

/// A format the body can be exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// CommonMark with GFM strikethrough.
    Markdown,
    /// A standalone HTML page.
    Html,
    /// Plain text.
    Text,
    /// ProseMirror JSON, as y-prosemirror gives it.
    Json,
    /// A Word document.
    Docx,
    /// A PDF document.
    Pdf,
}

impl ExportFormat {
    /// Every format, in the order a menu shows them.
    pub const ALL: [ExportFormat; 6] = [
        Self::Markdown,
        Self::Html,
        Self::Text,
        Self::Json,
        Self::Docx,
        Self::Pdf,
    ];

    /// The short name used in URLs and on the command line (`md`, `pdf`, ...),
    /// which is also the file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Markdown => "md",
            Self::Html => "html",
            Self::Text => "txt",
            Self::Json => "json",
            Self::Docx => "docx",
            Self::Pdf => "pdf",
        }
    }

    /// The HTTP Content-Type of the exported bytes.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Markdown => "text/markdown; charset=utf-8",
            Self::Html => "text/html; charset=utf-8",
            Self::Text => "text/plain; charset=utf-8",
            Self::Json => "application/json",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Pdf => "application/pdf",
        }
    }

    /// Whether the export is binary (DOCX, PDF) rather than UTF-8 text.
    pub fn is_binary(self) -> bool {
        matches!(self, Self::Docx | Self::Pdf)
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// A format name that is not one of `md`, `html`, `txt`, `json`, `docx`, `pdf`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown export format {0:?}: expected md, html, txt, json, docx or pdf")]
pub struct UnknownFormat(pub String);

impl FromStr for ExportFormat {
    type Err = UnknownFormat;

    /// Parses an extension or a common alias (`markdown`, `text`), ignoring case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Ok(Self::Markdown),
            "html" | "htm" => Ok(Self::Html),
            "txt" | "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            "docx" => Ok(Self::Docx),
            "pdf" => Ok(Self::Pdf),
            _ => Err(UnknownFormat(s.to_owned())),
        }
    }
}

/// The longest file name stem kept from a title, in characters.
const MAX_STEM_CHARS: usize = 80;

/// A safe file name for an export of a document titled `title`: letters and
/// digits of any script are kept, runs of anything else become one `-`, and an
/// empty result becomes `document`. The result never holds a path separator,
/// a quote, a control character or a leading dot, so it can go straight into
/// `Content-Disposition: attachment; filename="..."` (its non-ASCII
/// characters belong in `filename*=UTF-8''...` with percent-encoding; see
/// [`content_disposition`]).
pub fn content_disposition_filename(title: &str, ext: &str) -> String {
    let mut stem = String::new();
    for c in title.chars() {
        let joiner = matches!(c, '.' | '_') && !stem.is_empty() && !stem.ends_with('-');
        if c.is_alphanumeric() || joiner {
            stem.push(c);
        } else if !stem.is_empty() && !stem.ends_with(['-', '.', '_']) {
            stem.push('-');
        }
        if stem.chars().count() >= MAX_STEM_CHARS {
            break;
        }
    }
    let stem = stem.trim_end_matches(['-', '.', '_']);
    let stem = if stem.is_empty() { "document" } else { stem };
    let ext: String = ext.chars().filter(char::is_ascii_alphanumeric).collect();
    if ext.is_empty() {
        stem.to_owned()
    } else {
        format!("{stem}.{ext}")
    }
}

/// A complete `Content-Disposition` header value for downloading an export of
/// `title`: an ASCII `filename` for old clients and the full name as
/// `filename*` (RFC 6266, RFC 5987).
pub fn content_disposition(title: &str, ext: &str) -> String {
    let name = content_disposition_filename(title, ext);
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii() { c } else { '_' })
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_and_describe_themselves() {
        for format in ExportFormat::ALL {
            assert_eq!(format.extension().parse::<ExportFormat>(), Ok(format));
        }
        assert_eq!("Markdown".parse(), Ok(ExportFormat::Markdown));
        assert!("exe".parse::<ExportFormat>().is_err());
        assert_eq!(ExportFormat::Pdf.content_type(), "application/pdf");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            content_disposition_filename("Group 4: Report", "md"),
            "Group-4-Report.md"
        );
        assert_eq!(
            content_disposition_filename("../../etc/passwd", "pdf"),
            "etc-passwd.pdf"
        );
        assert_eq!(content_disposition_filename("", "txt"), "document.txt");
        assert_eq!(
            content_disposition_filename("\"\r\n;", "txt"),
            "document.txt"
        );
        assert_eq!(
            content_disposition_filename("Café notes", "html"),
            "Café-notes.html"
        );
        assert_eq!(
            content_disposition_filename("v1.2 draft", "md"),
            "v1.2-draft.md"
        );
        let header = content_disposition("Café", "md");
        assert_eq!(
            header,
            "attachment; filename=\"Caf_.md\"; filename*=UTF-8''Caf%C3%A9.md"
        );
        let long = "x".repeat(500);
        assert!(content_disposition_filename(&long, "md").len() < 100);
    }
}
