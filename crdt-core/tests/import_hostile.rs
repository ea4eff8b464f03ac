//! Hostile import sources: nesting deep enough to exhaust a stack, and link
//! targets that would run script. Each is refused or defused before anything
//! recurses over it or stores it.

use std::sync::Arc;

use bytes::Bytes;
use crdt_core::import::{self, ImportFormat, MAX_DEPTH};
use crdt_core::model::{self, Node};
use crdt_core::{DecodedUpdate, Document, Error};

/// Sources nested thousands of levels deep, in each reader's own syntax.
fn deep_sources() -> Vec<(&'static str, ImportFormat, String)> {
    vec![
        ("quote markers", ImportFormat::Markdown, ">".repeat(10_000)),
        (
            "list markers",
            ImportFormat::Markdown,
            format!("{}x", "- ".repeat(4_000)),
        ),
        ("a rule of list markers", ImportFormat::Markdown, {
            // `- - -` alone is a thematic break; one `* ` first makes it lists.
            format!("* {}x", "- + ".repeat(2_000))
        }),
        (
            "indented lists",
            ImportFormat::Markdown,
            (0..3_000)
                .map(|i| format!("{}- item\n", "  ".repeat(i)))
                .collect(),
        ),
        (
            "blockquote elements",
            ImportFormat::Html,
            "<blockquote>".repeat(4_000),
        ),
        (
            "list elements",
            ImportFormat::Html,
            "<ul><li>".repeat(4_000),
        ),
        (
            "closed blockquotes",
            ImportFormat::Html,
            format!(
                "{}x{}",
                "<blockquote>".repeat(3_000),
                "</blockquote>".repeat(3_000)
            ),
        ),
    ]
}

#[test]
fn deep_sources_are_refused_without_recursing() {
    for (name, format, source) in deep_sources() {
        // A small stack: a reader that recursed per level would overflow it.
        let result = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || format.read(&source).map(|_| ()))
            .unwrap()
            .join()
            .unwrap_or_else(|_| panic!("{name}: the reader panicked"));
        match result {
            Err(Error::TooDeep { limit }) => assert_eq!(limit, MAX_DEPTH, "{name}"),
            other => panic!("{name}: expected TooDeep, got {other:?}"),
        }
    }
}

fn quotes(depth: usize) -> String {
    format!("{}text", "> ".repeat(depth))
}

#[test]
fn the_deepest_accepted_source_is_one_the_document_accepts() {
    let deepest = (1..MAX_DEPTH)
        .take_while(|&d| ImportFormat::Markdown.read(&quotes(d)).is_ok())
        .last()
        .unwrap();
    assert!(
        deepest > 100,
        "only {deepest} levels of quotes are accepted"
    );
    assert!(matches!(
        ImportFormat::Markdown.read(&quotes(deepest + 1)),
        Err(Error::TooDeep { .. })
    ));
    let mut document = Document::new();
    let body = ImportFormat::Markdown.read(&quotes(deepest)).unwrap().doc;
    let update = import::replace_body(&document, &body, 9).unwrap();
    let decoded = DecodedUpdate::decode(Bytes::from(update)).unwrap();
    document
        .apply(decoded, &Arc::from("ann"))
        .expect("the document accepts what the importer accepted");
    assert_eq!(model::read_body(&document).plain_text().trim(), "text");
}

/// A tree of `depth` nested blockquotes, built without recursion.
fn deep_tree(depth: usize) -> Node {
    let mut node = Node::new("paragraph", vec![Node::text("x", Vec::new())]);
    for _ in 0..depth {
        node = Node::new("blockquote", vec![node]);
    }
    Node::new("doc", vec![node])
}

#[test]
fn a_deep_tree_is_refused_by_normalize_and_the_writer() {
    let tree = deep_tree(1_000);
    assert!(matches!(
        import::normalize(&tree),
        Err(Error::TooDeep { .. })
    ));
    let document = Document::new();
    assert!(matches!(
        import::replace_body(&document, &tree, 5),
        Err(Error::TooDeep { .. })
    ));
    // Dropping it iteratively keeps the test's own stack safe.
    let mut stack = vec![tree];
    while let Some(mut node) = stack.pop() {
        stack.append(&mut node.content);
    }
}

fn hrefs(node: &Node, out: &mut Vec<String>) {
    for mark in node.marks.iter().flatten() {
        if let Some(href) = mark.attrs.get("href").and_then(|h| h.as_str()) {
            out.push(href.to_owned());
        }
    }
    if let Some(src) = node.attr_str("src") {
        out.push(src.to_owned());
    }
    node.content.iter().for_each(|c| hrefs(c, out));
}

#[test]
fn unsafe_link_targets_and_image_sources_are_not_kept() {
    let sources = [
        (ImportFormat::Markdown, "[one](javascript:alert(1))"),
        (ImportFormat::Markdown, "[two](JaVaScRiPt:alert(1))"),
        (ImportFormat::Markdown, "[three](vbscript:msgbox)"),
        (
            ImportFormat::Markdown,
            "[four](data:text/html,<script>x</script>)",
        ),
        (ImportFormat::Markdown, "![five](javascript:alert(1))"),
        (ImportFormat::Markdown, "<javascript:alert(1)>"),
        (
            ImportFormat::Html,
            "<a href=\" javascript:alert(1)\">six</a>",
        ),
        (
            ImportFormat::Html,
            "<a href=\"java&#x09;script:alert(1)\">seven</a>",
        ),
        (
            ImportFormat::Html,
            "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">eight</a>",
        ),
        (
            ImportFormat::Html,
            "<img src=\"javascript:alert(1)\" alt=nine>",
        ),
        (
            ImportFormat::Html,
            "<img src=\"data:image/svg+xml,<svg onload=x>\">",
        ),
    ];
    for (format, source) in sources {
        let imported = format.read(source).unwrap();
        let mut found = Vec::new();
        hrefs(&imported.doc, &mut found);
        assert!(found.is_empty(), "{source}: kept {found:?}");
        assert!(
            imported.degraded.iter().any(|d| d.contains("unsafe")),
            "{source}: not reported: {:?}",
            imported.degraded
        );
    }
    // Safe targets are kept as they are.
    let imported = ImportFormat::Markdown
        .read("[a](https://example.org/x) [b](/d/abc) [c](mailto:t@example.org) ![d](data:image/png;base64,AAAA)")
        .unwrap();
    let mut found = Vec::new();
    hrefs(&imported.doc, &mut found);
    assert_eq!(
        found,
        [
            "https://example.org/x",
            "/d/abc",
            "mailto:t@example.org",
            "data:image/png;base64,AAAA"
        ]
    );
}

#[test]
fn the_writer_drops_unsafe_targets_from_any_tree() {
    let link = crdt_core::model::Mark {
        kind: "link".to_owned(),
        attrs: serde_json::json!({ "href": "javascript:alert(1)", "title": null }),
    };
    let body = Node::new(
        "doc",
        vec![Node::new(
            "paragraph",
            vec![Node::text("click", vec![link])],
        )],
    );
    let mut document = Document::new();
    let update = import::replace_body(&document, &body, 11).unwrap();
    let decoded = DecodedUpdate::decode(Bytes::from(update)).unwrap();
    document.apply(decoded, &Arc::from("ann")).unwrap();
    let mut found = Vec::new();
    hrefs(&model::read_body(&document), &mut found);
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(model::read_body(&document).plain_text().trim(), "click");
}

#[test]
fn many_blocks_and_runs_keep_their_order() {
    let source: String = (0..2_000)
        .map(|i| format!("para {i} *em {i}* plain\n\n"))
        .collect();
    let mut document = Document::new();
    let body = ImportFormat::Markdown.read(&source).unwrap().doc;
    for (mode, client) in [
        (import::WriteMode::Replace, 3),
        (import::WriteMode::Append, 4),
    ] {
        let update = import::write_body(&document, &body, client, mode).unwrap();
        let decoded = DecodedUpdate::decode(Bytes::from(update)).unwrap();
        document.apply(decoded, &Arc::from("ann")).unwrap();
    }
    let read = model::read_body(&document);
    assert_eq!(read.content.len(), 4_000);
    assert_eq!(read.content[..2_000], body.content[..]);
    assert_eq!(read.content[2_000..], body.content[..]);
}
