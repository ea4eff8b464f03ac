//! Importers and the body writer: schema names only, numbers where
//! y-prosemirror keeps numbers, one transaction by a fresh client, and
//! degraded content listed.

mod common;

use std::sync::Arc;

use bytes::Bytes;
use crdt_core::import::{self, ImportFormat};
use crdt_core::model::{self, Mark, Node};
use crdt_core::templates::{self, Template};
use crdt_core::{DecodedUpdate, Document, schema};
use serde_json::json;
use yrs::types::xml::XmlOut;
use yrs::{Any, Out, Transact, Xml, XmlFragment};

fn apply(document: &mut Document, update: Vec<u8>, author: &str) -> Vec<u64> {
    let decoded = DecodedUpdate::decode(Bytes::from(update)).unwrap();
    let writers = decoded.writers().to_vec();
    document.apply(decoded, &Arc::from(author)).unwrap();
    writers
}

fn names(node: &Node, out: &mut Vec<String>) {
    out.push(node.kind.clone());
    out.extend(node.marks.iter().flatten().map(|m| m.kind.clone()));
    node.content.iter().for_each(|c| names(c, out));
}

#[test]
fn writer_uses_numbers_and_one_fresh_client() {
    let mut document = Document::new();
    let body = import::markdown("## Two\n\n3. three\n").unwrap().doc;
    let update = import::replace_body(&document, &body, 77).unwrap();
    let writers = apply(&mut document, update, "ann");
    assert_eq!(writers, [77]);
    assert_eq!(document.bindings().owner(77).map(|a| &**a), Some("ann"));
    let txn = document.doc().transact();
    let Some(XmlOut::Element(heading)) = document.content().get(&txn, 0) else {
        panic!("no heading")
    };
    assert_eq!(heading.tag().as_ref(), "heading");
    assert_eq!(
        heading.get_attribute(&txn, "level"),
        Some(Out::Any(Any::from(2)))
    );
    let Some(XmlOut::Element(list)) = document.content().get(&txn, 1) else {
        panic!("no list")
    };
    assert_eq!(
        list.get_attribute(&txn, "order"),
        Some(Out::Any(Any::from(3)))
    );
}

#[test]
fn replace_and_append() {
    let mut document = Document::new();
    let first = import::text("first").unwrap().doc;
    let update = import::replace_body(&document, &first, 1).unwrap();
    apply(&mut document, update, "ann");
    let second = import::text("second").unwrap().doc;
    let update = import::append_body(&document, &second, 2).unwrap();
    apply(&mut document, update, "bo");
    assert_eq!(
        crdt_core::export::plain_text(&model::read_body(&document)).trim_end(),
        "first\n\nsecond"
    );
    let third = import::text("third").unwrap().doc;
    let update = import::replace_body(&document, &third, 3).unwrap();
    apply(&mut document, update, "cy");
    assert_eq!(
        crdt_core::export::plain_text(&model::read_body(&document)).trim_end(),
        "third"
    );
}

#[test]
fn writer_refuses_used_or_invalid_client_ids() {
    let mut document = Document::new();
    let body = import::text("x").unwrap().doc;
    let update = import::replace_body(&document, &body, 5).unwrap();
    apply(&mut document, update, "ann");
    assert!(import::replace_body(&document, &body, 5).is_err());
    assert!(import::replace_body(&document, &body, 0).is_err());
    assert!(import::replace_body(&document, &body, 1 << 53).is_err());
}

#[test]
fn writer_never_writes_names_outside_the_schema() {
    let odd = Node::new(
        "doc",
        vec![
            Node::new(
                "table",
                vec![Node::new("table_row", vec![Node::text("cell", vec![])])],
            ),
            Node::new(
                "paragraph",
                vec![Node::text(
                    "x",
                    vec![Mark {
                        kind: "comment".into(),
                        attrs: json!({}),
                    }],
                )],
            ),
            Node::new("heading", vec![Node::text("deep", vec![])]).with_attr("level", 9),
            Node::new("list_item", vec![Node::text("loose item", vec![])]),
            Node::new("image", vec![]),
        ],
    );
    let (normal, changed) = import::normalize(&odd).unwrap();
    assert_eq!(
        changed,
        [
            "node table (kept as text)",
            "node table_row (kept as text)",
            "mark comment (dropped)",
            "heading level 9",
            "image without a source (dropped)"
        ]
    );
    let stored = common::through_document(&odd);
    assert_eq!(stored, normal);
    let mut seen = Vec::new();
    names(&stored, &mut seen);
    for name in seen {
        assert!(
            name == "doc"
                || name == "text"
                || schema::NODES.contains(&name.as_str())
                || schema::MARKS.contains(&name.as_str()),
            "{name}"
        );
    }
    assert_eq!(stored.content[2].attr_u64("level"), Some(6));
    assert_eq!(stored.content[3].kind, "bullet_list");
    assert_eq!(stored.plain_text(), "cellxdeeploose item");
}

#[test]
fn set_meta_sets_title_and_template() {
    let mut document = Document::new();
    let update = import::set_meta(&document, "Report <1>", Some("project-report"), 9).unwrap();
    apply(&mut document, update, "system");
    assert_eq!(document.title().as_deref(), Some("Report <1>"));
    let template = |document: &Document| {
        use yrs::Map;
        let meta = document.doc().get_or_insert_map(schema::META);
        let txn = document.doc().transact();
        match meta.get(&txn, "template") {
            Some(Out::Any(Any::String(s))) => Some(s.to_string()),
            other => panic!("meta.template is {other:?}"),
        }
    };
    assert_eq!(template(&document).as_deref(), Some("project-report"));
    // Without a template, the title changes and the template stays.
    let update = import::set_meta(&document, "Renamed", None, 10).unwrap();
    apply(&mut document, update, "system");
    assert_eq!(document.title().as_deref(), Some("Renamed"));
    assert_eq!(template(&document).as_deref(), Some("project-report"));
}

#[test]
fn markdown_degrades_what_the_schema_cannot_hold() {
    let source = "| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1]\n\n[^1]: The note.\n\n- [x] done\n\n<div>html</div>\n\nH<sub>2</sub>O\n";
    let imported = import::markdown(source).unwrap();
    assert_eq!(
        imported.degraded,
        [
            "table",
            "footnote",
            "task list",
            "HTML block (kept as text)",
            "inline HTML (kept as text)"
        ]
    );
    let text = imported.doc.plain_text();
    for part in [
        "a | b",
        "1 | 2",
        "Note[^1]",
        "[^1]: The note.",
        "[x] done",
        "<div>html</div>",
        "H<sub>2</sub>O",
    ] {
        assert!(text.contains(part), "{part} missing from {text:?}");
    }
}

#[test]
fn html_import_maps_elements_and_drops_scripts() {
    let source = r#"<!doctype html><html><head><title>Page  title</title><style>p{}</style></head><body>
        <h2>Head <em>ing</em></h2>
        <div>loose text<p>para with <b>bold</b>, <i>it</i>, <u>u</u>, <del>del</del>, <code>c</code>,
        <a href="https://x.test" title="T">link</a><br>next &amp; line</p></div>
        <script>alert(1)</script>
        <ol start="4"><li>four<ul><li>sub</li></ul></li><li><p>five</p></li></ol>
        <li>stray item</li>
        <pre><code class="language-js">let a = 1;
  b();
</code></pre>
        <blockquote>quoted</blockquote><hr><img src="a.png" alt="A">
        <table><tr><td>c1</td><td>c2</td></tr></table><sup>1</sup><h7>deep</h7>
        </body></html>"#;
    let imported = import::html(source).unwrap();
    assert_eq!(imported.title.as_deref(), Some("Page title"));
    assert_eq!(
        imported.degraded,
        ["table", "<sup> (kept as text)", "<h7> (kept as text)"]
    );
    let doc = &imported.doc;
    let kinds: Vec<&str> = doc.content.iter().map(|n| n.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "heading",
            "paragraph",
            "paragraph",
            "ordered_list",
            "bullet_list",
            "code_block",
            "blockquote",
            "horizontal_rule",
            "paragraph",
            "paragraph",
            "paragraph"
        ]
    );
    assert_eq!(
        doc.content[2].content[1],
        Node::text(
            "bold",
            vec![Mark {
                kind: "strong".into(),
                attrs: json!({})
            }]
        )
    );
    assert!(
        doc.content[2]
            .content
            .iter()
            .any(|n| n.kind == "hard_break")
    );
    assert!(doc.content[2].plain_text().ends_with("next & line"));
    assert_eq!(doc.content[3].attr_u64("order"), Some(4));
    assert_eq!(doc.content[5].attr_str("language"), Some("js"));
    assert_eq!(doc.content[5].plain_text(), "let a = 1;\n  b();");
    assert!(!doc.plain_text().contains("alert"));
    assert_eq!(doc.content[9].plain_text(), "c1 | c2");
    assert_eq!(doc.content[10].plain_text(), "1deep");
    assert_eq!(common::through_document(doc), *doc);
}

#[test]
fn text_import_makes_paragraphs_and_breaks() {
    let imported = import::text("one\r\ntwo\n\n\nthree\u{7}\n").unwrap();
    assert_eq!(
        imported.doc,
        Node::new(
            "doc",
            vec![
                Node::new(
                    "paragraph",
                    vec![
                        Node::text("one", vec![]),
                        Node::new("hard_break", vec![]),
                        Node::text("two", vec![])
                    ]
                ),
                Node::new("paragraph", vec![Node::text("three", vec![])]),
            ]
        )
    );
    assert_eq!(
        import::text("").unwrap().doc,
        Node::new("doc", vec![Node::new("paragraph", vec![])])
    );
    assert_eq!(
        ImportFormat::from_file_name("notes.MD"),
        Some(ImportFormat::Markdown)
    );
    assert_eq!("htm".parse(), Ok(ImportFormat::Html));
}

#[test]
fn templates_are_valid_and_survive_the_document() {
    assert_eq!(templates::list().len(), 4);
    for template in Template::ALL {
        assert_eq!(template.id().parse(), Ok(template));
        let body = template.body();
        assert_eq!(
            import::normalize(&body).unwrap(),
            (body.clone(), vec![]),
            "{template}"
        );
        assert_eq!(common::through_document(&body), body, "{template}");
    }
    let text = crdt_core::export::plain_text(&Template::MeetingNotes.body());
    for section in ["Date", "Attendees", "Agenda", "Decisions", "Action items"] {
        assert!(text.contains(section));
    }
    let text = crdt_core::export::plain_text(&Template::ProjectReport.body());
    for section in [
        "Introduction",
        "Method",
        "Results",
        "Discussion",
        "References",
    ] {
        assert!(text.contains(section));
    }
    let text = crdt_core::export::plain_text(&Template::GroupCharter.body());
    for section in [
        "Common goals",
        "Shared values",
        "Roles",
        "Meeting times",
        "How we document",
    ] {
        assert!(text.contains(section));
    }
    assert!("nope".parse::<Template>().is_err());
}
