//! The PDF export in the machine's fonts: every script extracts exactly
//! (pdftotext) and draws as glyphs (pdftoppm), bold and italic come from
//! real faces (pdffonts), and a character no font has is a box and a
//! warning. Link targets of the PDF and DOCX exports are kept only when
//! safe.

mod system_fonts;

use std::path::PathBuf;
use std::process::Command;

use crdt_core::export::{self, ExportFormat, ExportOptions, Fonts};
use crdt_core::model::{Mark, Node};
use serde_json::json;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    dir.join(format!("{}-fonts-{name}", std::process::id()))
}

fn paragraph(text: &str, marks: Vec<Mark>) -> Node {
    Node::new("paragraph", vec![Node::text(text, marks)])
}

fn mark(kind: &str) -> Mark {
    Mark {
        kind: kind.into(),
        attrs: json!({}),
    }
}

fn link(href: &str) -> Mark {
    Mark {
        kind: "link".into(),
        attrs: json!({"href": href, "title": null}),
    }
}

/// Runs a poppler tool on `pdf` (written to a scratch file named `name`)
/// and returns its standard output.
fn poppler(tool: &str, args: &[&str], pdf: &[u8], name: &str) -> Vec<u8> {
    let path = scratch(name);
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new(tool)
        .args(args)
        .arg(&path)
        .args(if tool == "pdftotext" { &["-"][..] } else { &[] })
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs (apt-get install poppler-utils): {e}"));
    assert!(
        output.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn pdftotext(pdf: &[u8], name: &str) -> String {
    String::from_utf8(poppler("pdftotext", &["-enc", "UTF-8"], pdf, name)).unwrap()
}

/// The fonts of a PDF as pdffonts lists them: name, type, embedded,
/// subset and ToUnicode.
fn pdffonts(pdf: &[u8], name: &str) -> Vec<(String, String, bool, bool, bool)> {
    let path = scratch(name);
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdffonts")
        .arg(&path)
        .output()
        .expect("pdffonts runs (apt-get install poppler-utils)");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    text.lines()
        .skip(2)
        .map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // name, type (several words), encoding, emb, sub, uni, object, id
            let n = cols.len();
            (
                cols[0].to_owned(),
                cols[1..n - 6].join(" "),
                cols[n - 5] == "yes",
                cols[n - 4] == "yes",
                cols[n - 3] == "yes",
            )
        })
        .collect()
}

/// The first page rendered in grey at 72 dpi: one byte per pixel.
fn render_page(pdf: &[u8], name: &str) -> Vec<u8> {
    let pgm = poppler(
        "pdftoppm",
        &["-gray", "-r", "72", "-f", "1", "-l", "1"],
        pdf,
        name,
    );
    assert!(pgm.starts_with(b"P5"), "pdftoppm gives a PGM");
    // Binary PGM: "P5", width, height, maxval, each ended by whitespace.
    let mut fields = 0;
    let mut at = 0;
    while fields < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields += 1;
    }
    pgm[at + 1..].to_vec()
}

/// The dark pixels of a rendered page.
fn ink(pixels: &[u8]) -> usize {
    pixels.iter().filter(|&&v| v < 128).count()
}

fn pdf(doc: &Node, fonts: &Fonts) -> export::Rendered {
    export::render(
        ExportFormat::Pdf,
        doc,
        &ExportOptions {
            title: "",
            authors: &[],
            authorship: None,
            fonts,
        },
    )
    .expect("pdf")
}

const SCRIPTS: &[&str] = &[
    "Grüße, 日本語, emoji 🎉",
    "Ελληνικά: αβγ ΔΘΛ",
    "Русский текст: ёжик",
    "简体中文 繁體中文 한국어 かな カナ",
    "Symbols ✓ ★ → ∑ €",
];

#[test]
fn every_script_extracts_exactly() {
    let mut content: Vec<Node> = SCRIPTS.iter().map(|t| paragraph(t, vec![])).collect();
    content.push(paragraph("粗体 Жирный Bold", vec![mark("strong")]));
    content.push(paragraph("斜体 Курсив Italic", vec![mark("em")]));
    let doc = Node::new("doc", content);
    let rendered = pdf(&doc, system_fonts::system());
    assert_eq!(rendered.missing_chars, Vec::<char>::new());
    assert_eq!(rendered.warning(), None);
    let text = pdftotext(&rendered.bytes, "scripts.pdf");
    for line in SCRIPTS
        .iter()
        .chain(&["粗体 Жирный Bold", "斜体 Курсив Italic"])
    {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    assert!(!text.contains('?'), "{text}");
    assert!(!text.contains('\u{FFFD}'), "{text}");
    // Subset fonts keep the file small though Noto Sans CJK is 20 MB.
    assert!(
        rendered.bytes.len() < 150_000,
        "{} bytes",
        rendered.bytes.len()
    );
    let fonts = pdffonts(&rendered.bytes, "scripts-fonts.pdf");
    let names: Vec<&str> = fonts.iter().map(|f| f.0.as_str()).collect();
    for wanted in ["DejaVuSans", "NotoSansCJK", "Symbola"] {
        assert!(
            names.iter().any(|n| n.contains(wanted)),
            "no {wanted} in {names:?}"
        );
    }
    for (name, kind, embedded, subset, unicode) in &fonts {
        assert!(
            *embedded && *subset && *unicode,
            "{name} ({kind}) is not an embedded subset with ToUnicode"
        );
    }
}

#[test]
fn bold_and_italic_use_their_own_faces() {
    let doc = Node::new(
        "doc",
        vec![
            paragraph("Regular", vec![]),
            paragraph("Bold", vec![mark("strong")]),
            paragraph("Italic", vec![mark("em")]),
            paragraph("Both", vec![mark("strong"), mark("em")]),
        ],
    );
    let rendered = pdf(&doc, system_fonts::system());
    let fonts = pdffonts(&rendered.bytes, "styles.pdf");
    let mut names: Vec<String> = fonts
        .iter()
        .map(|f| {
            f.0.split_once('+')
                .map_or(f.0.as_str(), |(_, n)| n)
                .to_owned()
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "DejaVuSans",
            "DejaVuSans-Bold",
            "DejaVuSans-BoldOblique",
            "DejaVuSans-Oblique"
        ],
        "{fonts:?}"
    );
    // Each word extracts from its own face.
    let text = pdftotext(&rendered.bytes, "styles-text.pdf");
    let words: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(words[..4], ["Regular", "Bold", "Italic", "Both"]);
}

#[test]
fn cjk_and_emoji_draw_as_glyphs_not_boxes() {
    let text = "日本語の文章 🎉 中文 한국어";
    let doc_of = |text: &str| {
        Node::new(
            "doc",
            vec![
                Node::new("heading", vec![Node::text(text, vec![])]).with_attr("level", 1),
                paragraph(text, vec![]),
            ],
        )
    };
    let with_fonts = pdf(&doc_of(text), system_fonts::system());
    let only_builtin = pdf(&doc_of(text), &Fonts::builtin());
    assert!(with_fonts.missing_chars.is_empty());
    // With the embedded font alone every one of these characters is a box.
    let distinct: std::collections::BTreeSet<char> = text.chars().filter(|c| *c != ' ').collect();
    assert_eq!(
        only_builtin.missing_chars,
        distinct.into_iter().collect::<Vec<_>>()
    );
    // What the export used to draw: a question mark for each character.
    let marks: String = text
        .chars()
        .map(|c| if c == ' ' { ' ' } else { '?' })
        .collect();
    let questions = pdf(&doc_of(&marks), system_fonts::system());
    let blank = ink(&render_page(
        &pdf(&doc_of(""), system_fonts::system()).bytes,
        "blank.pdf",
    ));
    let glyphs = render_page(&with_fonts.bytes, "glyphs.pdf");
    let boxes = render_page(&only_builtin.bytes, "boxes.pdf");
    let questions = ink(&render_page(&questions.bytes, "questions.pdf")) - blank;
    // Boxes are visible; glyphs draw far more than question marks would,
    // and the page is not the page of boxes.
    assert!(ink(&boxes) - blank > 500, "boxes drew little");
    assert!(
        ink(&glyphs) - blank > questions * 2,
        "glyphs drew {} pixels, question marks {questions}",
        ink(&glyphs) - blank
    );
    let differing = glyphs
        .iter()
        .zip(&boxes)
        .filter(|(a, b)| a.abs_diff(**b) > 64)
        .count();
    assert!(differing > 1000, "{differing} pixels differ from boxes");
}

#[test]
fn a_character_no_font_has_is_a_box_and_a_warning() {
    // Private use characters: no font on the machine defines them.
    let doc = Node::new(
        "doc",
        vec![paragraph("before \u{F0000}\u{10FFFD} after", vec![])],
    );
    let without = Node::new("doc", vec![paragraph("before  after", vec![])]);
    let rendered = pdf(&doc, system_fonts::system());
    assert_eq!(rendered.missing_chars, ['\u{F0000}', '\u{10FFFD}']);
    let warning = rendered.warning().expect("a warning");
    assert!(
        warning.contains("U+F0000") && warning.contains("U+10FFFD"),
        "{warning}"
    );
    assert!(warning.is_ascii());
    let text = pdftotext(&rendered.bytes, "missing.pdf");
    // The boxes still extract as the characters they stand for.
    assert!(
        text.contains("before \u{F0000}\u{10FFFD} after"),
        "{text:?}"
    );
    assert!(!text.contains('?'), "{text}");
    // The box is drawn: the page holds more ink than without the characters.
    let plain = pdf(&without, system_fonts::system());
    assert!(plain.missing_chars.is_empty());
    let boxes = ink(&render_page(&rendered.bytes, "missing-ink.pdf"));
    let none = ink(&render_page(&plain.bytes, "missing-none.pdf"));
    assert!(boxes > none + 20, "{boxes} vs {none} dark pixels");
    // Invisible format characters (a variation selector) are no warning.
    let selector = Node::new("doc", vec![paragraph("\u{2764}\u{FE0F} ok", vec![])]);
    assert_eq!(
        pdf(&selector, system_fonts::system()).missing_chars,
        Vec::<char>::new()
    );
}

#[test]
fn few_fonts_still_give_a_pdf() {
    // A machine without fonts: the embedded DejaVu Sans draws what it has,
    // styles are synthesised, and the rest are boxes with a warning.
    let doc = Node::new(
        "doc",
        vec![
            paragraph("Grüße Ελληνικά Русский", vec![mark("strong")]),
            paragraph("日本", vec![]),
        ],
    );
    let empty_db = fontdb::Database::new();
    let fonts = Fonts::from_database(&empty_db, |_| None);
    assert_eq!(fonts.families(), ["DejaVu Sans (embedded)"]);
    let rendered = pdf(&doc, &fonts);
    assert_eq!(rendered.missing_chars, ['日', '本']);
    let text = pdftotext(&rendered.bytes, "few.pdf");
    assert!(text.contains("Grüße Ελληνικά Русский"), "{text}");
    assert!(!text.contains('?'), "{text}");
}

/// Text linked to `javascript:` and `data:` targets, and to a safe one.
fn linked() -> Node {
    Node::new(
        "doc",
        vec![Node::new(
            "paragraph",
            vec![
                Node::text("script ", vec![link("javascript:alert(1)")]),
                Node::text("spaced ", vec![link(" JaVa\tScRiPt:alert(2)")]),
                Node::text("data ", vec![link("data:text/html;base64,PHNjcmlwdD4=")]),
                Node::text("safe", vec![link("https://example.org/ok")]),
            ],
        )],
    )
}

#[test]
fn pdf_keeps_only_safe_link_targets() {
    let rendered = pdf(&linked(), system_fonts::system());
    let bytes = String::from_utf8_lossy(&rendered.bytes).to_ascii_lowercase();
    assert!(
        bytes.contains("/uri (https://example.org/ok)"),
        "safe link kept"
    );
    assert_eq!(bytes.matches("/uri (").count(), 1, "one link annotation");
    assert!(!bytes.contains("javascript") && !bytes.contains("script:"));
    assert!(!bytes.contains("data:"));
    let text = pdftotext(&rendered.bytes, "links.pdf");
    assert!(text.contains("script spaced data safe"), "{text}");
}

#[test]
fn docx_keeps_only_safe_link_targets() {
    let bytes = export::docx(&linked(), "Links", &[]).unwrap();
    let path = scratch("links.docx");
    std::fs::write(&path, &bytes).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/read_docx.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "python-docx: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let paragraphs: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let body = &paragraphs[1];
    assert_eq!(body["text"], "script spaced data safe");
    assert_eq!(body["links"], json!(["https://example.org/ok"]));
    // The unsafe ones are plain runs: not underlined like a link.
    for run in body["runs"].as_array().unwrap() {
        let linked = run["text"] == "safe";
        assert_eq!(run["underline"], linked, "{run}");
    }
}

#[test]
fn docx_properties_carry_title_and_contributors() {
    let doc = Node::new("doc", vec![paragraph("Body", vec![])]);
    let authors = ["Ann Lee".to_owned(), "Bo <& Co>".to_owned()];
    let bytes = export::render(
        ExportFormat::Docx,
        &doc,
        &ExportOptions {
            title: "Group 4: Report",
            authors: &authors,
            authorship: None,
            fonts: &Fonts::builtin(),
        },
    )
    .unwrap()
    .bytes;
    let path = scratch("props.docx");
    std::fs::write(&path, &bytes).unwrap();
    let output = Command::new("python3")
        .args([
            "-c",
            "import docx, json, sys\n\
             p = docx.Document(sys.argv[1]).core_properties\n\
             print(json.dumps([p.title, p.author]))",
        ])
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "python-docx: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let props: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(props, json!(["Group 4: Report", "Ann Lee; Bo <& Co>"]));
}
