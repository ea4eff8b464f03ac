//! HTML, JSON, PDF and DOCX exports of the Markdown corpus, checked by
//! independent readers where the format has one (pdftotext, python-docx).

mod common;
mod system_fonts;

use std::path::PathBuf;
use std::process::Command;

use crdt_core::export::{self, Authorship, LegendEntry};
use crdt_core::import;
use crdt_core::model::Node;
use serde_json::json;

fn corpus() -> Node {
    common::through_document(&import::markdown(common::CORPUS).unwrap().doc)
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    dir.join(format!("{}-{name}", std::process::id()))
}

#[test]
fn html_of_script_and_quotes_is_inert() {
    let hostile =
        r#"<script>alert("x")</script> "double" 'single' </p><img src=x onerror=alert(1)> &amp;"#;
    let doc = Node::new(
        "doc",
        vec![
            Node::new("paragraph", vec![Node::text(hostile, vec![])]),
            Node::new(
                "paragraph",
                vec![
                    Node::text(
                        "link",
                        vec![crdt_core::model::Mark {
                            kind: "link".into(),
                            attrs: json!({"href": "javascript:alert(1)", "title": "\"><script>x</script>"}),
                        }],
                    ),
                    Node::new("image", vec![])
                        .with_attr("src", "\" onerror=\"alert(1)")
                        .with_attr("alt", "<script>"),
                ],
            ),
            Node::new(
                "code_block",
                vec![Node::text("</code></pre><script>y</script>", vec![])],
            )
            .with_attr("language", "\"><script>"),
        ],
    );
    let title = "</title><script>t</script>";
    let legend = Authorship {
        authors: vec![LegendEntry::author(
            "<b>Eve</b>",
            "red;}</style><script>c</script>",
        )],
        runs: vec![export::AuthorRun {
            author: Some(0),
            chars: 10,
        }],
    };
    for html in [
        export::html(&doc, title, None),
        export::html(&doc, title, Some(&legend)),
    ] {
        let lower = html.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{html}");
        assert!(!lower.contains("javascript:"), "{html}");
        assert!(!lower.contains("</style><"), "{html}");
        assert!(!html.contains("\"double\""), "{html}");
        assert!(!html.contains("'single'"), "{html}");
        assert!(!html.contains("<img src=x"), "{html}");
        assert!(!html.contains("\" onerror"), "{html}");
        assert!(html.contains("&lt;/script&gt;") && html.contains("&quot;x&quot;"));
        assert!(html.contains("&amp;amp;"));
        assert!(html.contains("Content-Security-Policy"));
        // The page reads back to the same text.
        let back = import::html(&html).unwrap();
        assert_eq!(back.title.as_deref(), Some(title));
        assert!(
            back.doc.plain_text().contains(hostile),
            "{:?}",
            back.doc.plain_text()
        );
    }
}

#[test]
fn html_reads_back_to_the_same_document() {
    let doc = corpus();
    let html = export::html(&doc, "Corpus", None);
    let back = import::html(&html).unwrap();
    assert!(back.degraded.is_empty(), "{:?}", back.degraded);
    assert_eq!(back.title.as_deref(), Some("Corpus"));
    assert_eq!(back.doc, doc, "html was:\n{html}");
}

#[test]
fn html_colours_text_by_author() {
    let doc = Node::new(
        "doc",
        vec![Node::new("paragraph", vec![Node::text("abcdef", vec![])])],
    );
    let authorship = Authorship::from_chars(
        vec![
            LegendEntry::author("Ann", "#e6194b"),
            LegendEntry::author("Bo", "#3cb44b"),
        ],
        [Some(0), Some(0), Some(1), Some(1), Some(1), None],
    );
    let html = export::html(&doc, "t", Some(&authorship));
    assert!(
        html.contains("<span class=\"a0\">ab</span><span class=\"a1\">cde</span>f"),
        "{html}"
    );
    assert!(html.contains("Ann <small>(40%)</small>"), "{html}");
    assert!(html.contains(".a1{background:#3cb44b33"), "{html}");
}

#[test]
fn html_legend_lists_starting_text_apart_from_the_authors_shares() {
    let doc = Node::new(
        "doc",
        vec![Node::new(
            "paragraph",
            vec![Node::text("Template text: abcd", vec![])],
        )],
    );
    let template = LegendEntry {
        starting: true,
        ..LegendEntry::author("Quire", "#999999")
    };
    // 15 characters of template, then Ann 3 and Bo 1.
    let per_char = (0..15)
        .map(|_| Some(0))
        .chain([Some(1), Some(1), Some(1), Some(2)]);
    let authorship = Authorship::from_chars(
        vec![
            template,
            LegendEntry::author("Ann", "#e6194b"),
            LegendEntry::author("Bo", "#3cb44b"),
        ],
        per_char,
    );
    let html = export::html(&doc, "t", Some(&authorship));
    let legend = &html[html.find("<aside").expect("a legend")..];
    assert!(legend.contains("Ann <small>(75%)</small>"), "{legend}");
    assert!(legend.contains("Bo <small>(25%)</small>"), "{legend}");
    assert!(
        !legend.contains("Quire"),
        "starting text is no author: {legend}"
    );
    assert!(
        legend.contains("Starting text (template or import) <small>(78% of the document"),
        "{legend}"
    );
}

#[test]
fn json_has_y_prosemirror_shape() {
    let doc = corpus();
    let value = export::json(&doc);
    assert_eq!(value["type"], "doc");
    let heading = &value["content"][0];
    assert_eq!(heading["type"], "heading");
    assert_eq!(heading["attrs"], json!({"level": 1}));
    assert_eq!(
        heading["content"][1],
        json!({"type": "text", "text": "export", "marks": [{"type": "em", "attrs": {}}]})
    );
    let text = value.to_string();
    assert!(
        text.contains(r#"{"type":"link","attrs":{"href":"https://example.org","title":null}}"#)
            || text
                .contains(r#"{"attrs":{"href":"https://example.org","title":null},"type":"link"}"#)
    );
    assert!(!text.contains("\"level\":1.0"));
    // Paragraphs without attributes carry no `attrs`; empty ones no `content`.
    let empty = export::json(&Node::new("doc", vec![Node::new("paragraph", vec![])]));
    assert_eq!(
        empty,
        json!({"type": "doc", "content": [{"type": "paragraph"}]})
    );
    assert_eq!(
        export::json(&Node::new("doc", vec![])),
        json!({"type": "doc", "content": []})
    );
    // Marks come in schema order: link, em, strong, code, strike, underline.
    let combined = value["content"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .nth(1)
        .unwrap();
    let bold_link = &combined["content"][3]["marks"];
    assert_eq!(bold_link[0]["type"], "link");
    assert_eq!(bold_link[1]["type"], "strong");
}

/// The words pdftotext should find: the title, the text of each block and
/// the list markers, and the page number.
fn expected_pdf_words(title: &str, doc: &Node) -> Vec<String> {
    fn walk(node: &Node, out: &mut String) {
        match node.kind.as_str() {
            "bullet_list" | "ordered_list" => {
                let start = node.attr_u64("order").unwrap_or(1);
                for (i, item) in node.content.iter().enumerate() {
                    if node.kind == "ordered_list" {
                        out.push_str(&format!(" {}. ", start + i as u64));
                    } else {
                        out.push_str(" \u{2022} ");
                    }
                    walk(item, out);
                }
            }
            "image" => out.push_str(&format!(
                " [image: {}] ",
                node.attr_str("alt").unwrap_or_default()
            )),
            "hard_break" => out.push(' '),
            "text" => out.push_str(node.text.as_deref().unwrap_or_default()),
            _ => {
                if let Some(text) = &node.text {
                    out.push_str(text);
                }
                for child in &node.content {
                    walk(child, out);
                }
                out.push(' ');
            }
        }
    }
    let mut text = title.to_owned();
    text.push(' ');
    walk(doc, &mut text);
    text.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn pdf_text_extracts_as_the_document_text() {
    let doc = corpus();
    // Markers of nested bullet lists differ by depth: use one level here.
    let flat = Node::new(
        "doc",
        doc.content
            .iter()
            .filter(|b| b.kind != "bullet_list" && b.kind != "blockquote")
            .cloned()
            .collect(),
    );
    let title = "Quire PDF — export";
    let exported = export::pdf(&flat, title, system_fonts::system()).expect("pdf");
    assert_eq!(exported.missing, Vec::<char>::new());
    let bytes = exported.bytes;
    assert!(bytes.starts_with(b"%PDF-"));
    let path = scratch("export.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let mut words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    // pdftotext may or may not see the spaces in the small footer.
    while words
        .last()
        .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit() || c == '/'))
    {
        words.pop();
    }
    assert!(
        text.contains("1 / 1") || text.contains("1/1"),
        "page number"
    );
    // Every script, the CJK text and the emoji included, extracts exactly.
    let expected = expected_pdf_words(title, &flat);
    assert_eq!(words, expected, "pdftotext gave:\n{text}");
}

#[test]
fn long_pdf_breaks_pages_and_numbers_them() {
    let paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(12);
    let mut blocks = Vec::new();
    for i in 0..40 {
        blocks.push(
            Node::new("heading", vec![Node::text(&format!("Section {i}"), vec![])])
                .with_attr("level", 2),
        );
        blocks.push(Node::new("paragraph", vec![Node::text(&paragraph, vec![])]));
    }
    let doc = Node::new("doc", blocks);
    let bytes = export::pdf(&doc, "Long", system_fonts::system())
        .unwrap()
        .bytes;
    let path = scratch("long.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let output = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = String::from_utf8(output.stdout).unwrap();
    let pages = text.matches('\u{c}').count();
    assert!(pages > 3, "{pages} pages");
    let squeezed: String = text.split_whitespace().collect();
    assert!(
        squeezed.contains(&format!("1/{pages}")) && squeezed.contains(&format!("{pages}/{pages}")),
        "{text}"
    );
    let words = |s: &str| {
        s.split_whitespace()
            .filter(|w| !w.chars().all(|c| c.is_ascii_digit() || c == '/'))
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        words(&text),
        words(&format!("Long {}", export::plain_text(&doc)))
    );
}

#[test]
fn docx_reads_back_in_python_docx() {
    let doc = corpus();
    let bytes = export::docx(&doc, "Corpus title", &[]).expect("docx");
    let path = scratch("export.docx");
    std::fs::write(&path, &bytes).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/read_docx.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "python-docx failed (pip install python-docx): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let paragraphs: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let style = |p: &serde_json::Value| p["style"].as_str().unwrap_or_default().to_owned();
    let text = |p: &serde_json::Value| p["text"].as_str().unwrap_or_default().to_owned();
    assert_eq!(style(&paragraphs[0]), "Title");
    assert_eq!(text(&paragraphs[0]), "Corpus title");
    // Headings in Word's heading styles, with the same text, in order.
    let headings: Vec<(String, String)> = paragraphs
        .iter()
        .filter(|p| style(p).starts_with("Heading"))
        .map(|p| (style(p), text(p)))
        .collect();
    let expected: Vec<(String, String)> = doc
        .content
        .iter()
        .filter(|b| b.kind == "heading")
        .map(|b| {
            (
                format!("Heading {}", b.attr_u64("level").unwrap()),
                b.plain_text(),
            )
        })
        .collect();
    assert_eq!(headings, expected);
    // All the text is there, in order.
    let all: String = paragraphs
        .iter()
        .skip(1)
        .map(text)
        .collect::<Vec<_>>()
        .join(" ");
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut body = String::new();
    collect_text(&doc, &mut body);
    let all = all.replace("[image: An image]", "").replace('\u{2015}', "");
    assert_eq!(squash(&all), squash(&body));
    // List items are numbered paragraphs; marks are runs.
    let numbered = paragraphs.iter().filter(|p| p["numbered"] == true).count();
    let items = serde_json::to_string(&doc)
        .unwrap()
        .matches("\"list_item\"")
        .count();
    assert_eq!(numbered, items);
    let runs: Vec<&serde_json::Value> = paragraphs
        .iter()
        .flat_map(|p| p["runs"].as_array().unwrap())
        .collect();
    let run = |t: &str| {
        runs.iter()
            .find(|r| r["text"] == t)
            .unwrap_or_else(|| panic!("no run {t}"))
    };
    assert_eq!(run("strong")["bold"], true);
    assert_eq!(run("em")["italic"], true);
    assert_eq!(run("strike")["strike"], true);
    assert_eq!(run("underline")["underline"], true);
    assert_eq!(run("code")["font"], "Courier New");
    assert!(paragraphs.iter().any(|p| {
        p["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "https://example.org")
    }));
}

fn collect_text(node: &Node, out: &mut String) {
    if let Some(text) = &node.text {
        out.push_str(text);
    }
    if node.kind == "hard_break" {
        out.push(' ');
    }
    for child in &node.content {
        collect_text(child, out);
    }
    if !matches!(node.kind.as_str(), "text" | "hard_break" | "image") {
        out.push(' ');
    }
}
