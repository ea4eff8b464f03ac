//! Block quotes in the Markdown export: no empty `>` line where a quote
//! opens, at any depth, and the text reads back to the same document.

mod common;

use crdt_core::export;
use crdt_core::import;
use crdt_core::model::Node;

fn p(text: &str) -> Node {
    Node::new("paragraph", vec![Node::text(text, vec![])])
}

fn quote(content: Vec<Node>) -> Node {
    Node::new("blockquote", content)
}

fn list(items: Vec<Vec<Node>>) -> Node {
    Node::new(
        "bullet_list",
        items
            .into_iter()
            .map(|content| Node::new("list_item", content))
            .collect(),
    )
}

/// The lines of `markdown` that hold nothing but quote markers.
fn empty_quote_lines(markdown: &str) -> Vec<(usize, &str)> {
    markdown
        .lines()
        .enumerate()
        .filter(|(_, line)| line.contains('>') && line.chars().all(|c| c == '>' || c == ' '))
        .collect()
}

fn reads_back(doc: &Node, markdown: &str) {
    let back = common::through_document(&import::markdown(markdown).unwrap().doc);
    assert_eq!(&back, doc, "markdown was:\n{markdown}");
}

#[test]
fn a_quote_opens_on_its_first_line() {
    let doc = Node::new(
        "doc",
        vec![
            p("before"),
            quote(vec![p("quoted")]),
            quote(vec![p("again")]),
        ],
    );
    let markdown = export::markdown(&doc);
    assert_eq!(markdown, "before\n\n > quoted\n\n > again\n");
    reads_back(&doc, &markdown);
    // A document that opens with a quote has no blank first line either.
    let doc = Node::new("doc", vec![quote(vec![p("first")])]);
    let markdown = export::markdown(&doc);
    assert_eq!(markdown, " > first\n");
    reads_back(&doc, &markdown);
}

#[test]
fn only_the_lines_between_blocks_of_a_quote_are_empty() {
    let doc = Node::new(
        "doc",
        vec![
            quote(vec![
                p("one"),
                p("two"),
                quote(vec![quote(vec![p("deep")]), p("inner")]),
                list(vec![vec![p("item")]]),
            ]),
            list(vec![vec![p("lead"), quote(vec![p("in a list")])]]),
            Node::new("code_block", vec![Node::text("> \n> not a quote", vec![])]),
        ],
    );
    let markdown = export::markdown(&doc);
    let expected = concat!(
        " > one\n",
        " > \n",
        " > two\n",
        " > \n",
        " >  >  > deep\n",
        " >  > \n",
        " >  > inner\n",
        " > \n",
        " > - item\n",
        "\n",
        "- lead\n",
        "  \n",
        "   > in a list\n",
        "\n",
        "```\n",
        "> \n",
        "> not a quote\n",
        "```\n",
    );
    assert_eq!(markdown, expected);
    // The empty quote lines left are the ones between blocks of a quote and
    // the code block's own lines.
    assert_eq!(
        empty_quote_lines(&markdown),
        [
            (1, " > "),
            (3, " > "),
            (5, " >  > "),
            (7, " > "),
            (15, "> ")
        ]
    );
    reads_back(&doc, &markdown);
}

#[test]
fn corpus_quotes_have_no_empty_opening_line() {
    let doc = common::through_document(&import::markdown(common::CORPUS).unwrap().doc);
    let markdown = export::markdown(&doc);
    assert!(markdown.contains(" > A quote with **bold**."), "{markdown}");
    let before = markdown
        .lines()
        .take_while(|l| !l.contains("A quote with"))
        .last()
        .unwrap();
    assert_eq!(before, "", "{markdown}");
}
