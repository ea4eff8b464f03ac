//! Random documents survive Markdown export and import unchanged.

use crdt_core::model::{Mark, Node};
use crdt_core::{export, import};
use proptest::prelude::*;
use serde_json::json;

/// Words built from letters and every character Markdown gives meaning to.
fn word() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r"[a-zé0-9*_`\[\]<>#!&|~\\.()+=:-]{1,8}").unwrap()
}

fn marks() -> impl Strategy<Value = Vec<Mark>> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(s, e, k, u, c)| {
            let mut marks = Vec::new();
            for (on, kind) in [
                (s, "strong"),
                (e, "em"),
                (k, "strike"),
                (u, "underline"),
                (c, "code"),
            ] {
                if on {
                    marks.push(Mark {
                        kind: kind.into(),
                        attrs: json!({}),
                    });
                }
            }
            marks
        })
}

/// A paragraph's inline content: runs of words, each run with its marks.
fn inline() -> impl Strategy<Value = Vec<Node>> {
    prop::collection::vec((prop::collection::vec(word(), 1..4), marks()), 1..4).prop_map(|runs| {
        let mut nodes: Vec<Node> = Vec::new();
        for (i, (words, marks)) in runs.into_iter().enumerate() {
            if i > 0 {
                nodes.push(Node::text(" ", vec![]));
            }
            nodes.push(Node::text(&words.join(" "), marks));
        }
        nodes
    })
}

fn block() -> impl Strategy<Value = Node> {
    prop_oneof![
        inline().prop_map(|c| Node::new("paragraph", c)),
        (1u64..=6, inline()).prop_map(|(l, c)| Node::new("heading", c).with_attr("level", l)),
        prop::collection::vec(inline(), 1..3).prop_map(|items| Node::new(
            "bullet_list",
            items
                .into_iter()
                .map(|c| Node::new("list_item", vec![Node::new("paragraph", c)]))
                .collect()
        )),
        inline().prop_map(|c| Node::new("blockquote", vec![Node::new("paragraph", c)])),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn markdown_round_trips(blocks in prop::collection::vec(block(), 1..5)) {
        let (doc, _) = import::normalize(&Node::new("doc", blocks)).unwrap();
        let markdown = export::markdown(&doc);
        let back = import::markdown(&markdown).unwrap().doc;
        prop_assert_eq!(back, doc, "markdown:\n{}", markdown);
    }
}

#[test]
fn adjacent_lists_stay_apart() {
    let list = |t: &str| {
        Node::new(
            "bullet_list",
            vec![Node::new(
                "list_item",
                vec![Node::new("paragraph", vec![Node::text(t, vec![])])],
            )],
        )
    };
    let ordered = |t: &str| list(t).with_attr("order", 1);
    let mut second = ordered("b");
    second.kind = "ordered_list".into();
    let mut first = ordered("a");
    first.kind = "ordered_list".into();
    for doc in [
        Node::new("doc", vec![list("a"), list("b")]),
        Node::new("doc", vec![first, second]),
    ] {
        let markdown = export::markdown(&doc);
        assert_eq!(import::markdown(&markdown).unwrap().doc, doc, "{markdown}");
    }
}
