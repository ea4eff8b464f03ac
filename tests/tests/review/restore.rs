//! Restoring revisions and named versions, with three authors.

use quire_tests::Server;
use serde_json::{Value, json};

use crate::common::*;

#[test]
fn restore_revisions_and_versions_with_three_authors() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let id = quire_tests::http::create_doc(&server.http(), "Essay");
    let doc = format!("{}/api/v1/docs/{id}", server.http());

    let r1 = import(&doc, Auth::Secret(ALICE), "replace", "Alice wrote this.\n");
    let r2 = import(&doc, Auth::Secret(BOB), "append", "Bob added a line.\n");
    // Carol deletes Alice's and Bob's text and writes her own.
    let r3 = import(
        &doc,
        Auth::Secret(CAROL),
        "replace",
        "Carol replaced everything.\n",
    );
    assert!(r1 < r2 && r2 < r3);
    assert_eq!(
        text(&doc, None, &format!("rev={r2}")),
        "Alice wrote this.\n\nBob added a line.\n"
    );
    assert_eq!(text(&doc, None, ""), "Carol replaced everything.\n");

    // Compare: Bob's line, in his name; Carol's rewrite, in hers.
    let (status, diff) = call("GET", &format!("{doc}/diff?from={r1}&to={r2}"), None, None);
    assert_eq!(status, 200, "{diff}");
    let runs: Vec<(String, String, String)> = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["text"].as_str().unwrap().to_owned(),
                c["author"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let (alice, bob) = (author_of(&doc, None, r1), author_of(&doc, None, r2));
    assert_eq!(
        runs,
        [
            ("same".into(), "Alice wrote this.\n".into(), alice.clone()),
            ("insert".into(), "Bob added a line.\n".into(), bob.clone()),
        ]
    );
    assert_eq!(diff["authors"].as_array().unwrap().len(), 1);
    assert_eq!(diff["authors"][0]["author"], bob.as_str());
    assert_eq!(diff["authors"][0]["inserted"], 17);
    assert_eq!(diff["authors"][0]["deleted"], 0);
    let (status, diff) = call("GET", &format!("{doc}/diff?from={r2}&to={r3}"), None, None);
    assert_eq!(status, 200, "{diff}");
    let side = |keep: &str| -> String {
        diff["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "same" || c["kind"] == keep)
            .map(|c| c["text"].as_str().unwrap())
            .collect()
    };
    assert_eq!(side("delete"), "Alice wrote this.\nBob added a line.\n");
    assert_eq!(side("insert"), "Carol replaced everything.\n");
    let carol = author_of(&doc, None, r3);
    assert!(
        diff["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| match c["kind"].as_str() {
                Some("insert") => c["author"] == carol.as_str(),
                Some("delete") => c["author"] == alice.as_str() || c["author"] == bob.as_str(),
                _ => true,
            })
    );
    assert_eq!(diff["authors"][0]["author"], carol.as_str());
    assert_eq!(diff["authors"][0]["inserted"], 26);
    for bad in [
        "from=3&to=2",
        "from=0&to=999",
        "to=1",
        "from=x",
        "from=1&from_version=1",
        "from=1&to=2&to_version=1",
    ] {
        let (status, _) = call_text("GET", &format!("{doc}/diff?{bad}"), None, None);
        assert_eq!(status, 400, "{bad}");
    }

    // Alice restores revision r2: one new edit, by her.
    let (status, body) = call(
        "POST",
        &format!("{doc}/restore"),
        None,
        Some(json!({ "rev": r2, "author": ALICE, "author_name": "Alice" })),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["restored"], r2);
    assert_eq!(body["changed"], true);
    let r4 = body["revision"].as_u64().unwrap();
    assert_eq!(r4, r3 + 1);
    // Her name reaches the history with the edit, though she never connected.
    let (status, history) = call(
        "GET",
        &format!("{doc}/history?from={r4}&limit=1"),
        None,
        None,
    );
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["items"][0]["name"], "Alice", "{history}");
    assert_eq!(revisions(&doc, None), r4);
    assert_eq!(
        text(&doc, None, ""),
        "Alice wrote this.\n\nBob added a line.\n"
    );
    assert_eq!(author_of(&doc, None, r4), author_of(&doc, None, r1));
    assert_ne!(author_of(&doc, None, r4), author_of(&doc, None, r3));
    // The history keeps everything.
    assert_eq!(
        text(&doc, None, &format!("rev={r3}")),
        "Carol replaced everything.\n"
    );

    // A second restore undoes the first.
    let (status, body) = call(
        "POST",
        &format!("{doc}/restore"),
        None,
        Some(json!({ "rev": r3, "author": BOB })),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revision"], r4 + 1);
    assert_eq!(text(&doc, None, ""), "Carol replaced everything.\n");

    // Restoring what is already there changes nothing.
    let (status, body) = call(
        "POST",
        &format!("{doc}/restore"),
        None,
        Some(json!({ "rev": r3, "author": BOB })),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], false);
    assert_eq!(revisions(&doc, None), r4 + 1);

    // A named version of r2, by Bob.
    let (status, v) = call(
        "POST",
        &format!("{doc}/versions"),
        None,
        Some(json!({ "name": "  Draft 1 ", "rev": r2, "author": BOB, "author_name": "Bob" })),
    );
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["version"], 1);
    assert_eq!(v["name"], "Draft 1");
    assert_eq!(v["rev"], r2);
    assert_eq!(v["name_of_author"], "Bob");
    assert_eq!(v["author"].as_str().unwrap(), author_of(&doc, None, r2));
    assert!(v["created"].as_u64().unwrap() > 0);
    assert_eq!(v["handin"], false);
    // And one of the current state.
    let (status, now) = call(
        "POST",
        &format!("{doc}/versions"),
        None,
        Some(json!({ "name": "Carol's", "author": CAROL })),
    );
    assert_eq!(status, 201, "{now}");
    assert_eq!(now["version"], 2);
    assert_eq!(now["rev"], r4 + 1);
    assert_eq!(now["name_of_author"], "Anonymous");
    let (status, list) = call("GET", &format!("{doc}/versions"), None, None);
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["versions"].as_array().unwrap().len(), 2);
    assert_eq!(list["versions"][0], v);
    assert_eq!(list["handin"], Value::Null);

    // Every export takes the version.
    assert_eq!(
        text(&doc, None, "version=1"),
        "Alice wrote this.\n\nBob added a line.\n"
    );
    let (status, md) = call_text("GET", &format!("{doc}/export/md?version=1"), None, None);
    assert_eq!(status, 200);
    assert_eq!(md, "Alice wrote this.\n\nBob added a line.\n");
    let (status, _) = call_text("GET", &format!("{doc}/export/docx?version=2"), None, None);
    assert_eq!(status, 200);

    // Compare versions: Draft 1 (r2) with Carol's (the current text).
    let (status, diff) = call(
        "GET",
        &format!("{doc}/diff?from_version=1&to_version=2"),
        None,
        None,
    );
    assert_eq!(status, 200, "{diff}");
    assert_eq!(
        (diff["from"].as_u64(), diff["to"].as_u64()),
        (Some(r2), Some(r4 + 1))
    );
    let (status, _) = call("GET", &format!("{doc}/diff?from_version=7"), None, None);
    assert_eq!(status, 404);

    // Restore by version.
    let (status, body) = call(
        "POST",
        &format!("{doc}/restore"),
        None,
        Some(json!({ "version": 1, "author": CAROL })),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["restored"], r2);
    assert_eq!(
        text(&doc, None, ""),
        "Alice wrote this.\n\nBob added a line.\n"
    );
    let newest = revisions(&doc, None);

    // Bad input: a clear error, and nothing changes.
    for (body, status) in [
        (json!({}), 400),
        (json!({ "rev": 1, "version": 1 }), 400),
        (json!({ "rev": 0 }), 400),
        (json!({ "rev": newest + 5 }), 400),
        (json!({ "version": 99 }), 404),
        (json!({ "rev": "two" }), 400),
        (json!({ "rev": 1, "extra": true }), 400),
    ] {
        let (got, answer) = call("POST", &format!("{doc}/restore"), None, Some(body.clone()));
        assert_eq!(got, status, "{body} -> {answer}");
    }
    for (body, status) in [
        (json!({ "name": "" }), 400),
        (json!({ "name": "x".repeat(101) }), 400),
        (json!({ "name": "a\nb" }), 400),
        (json!({ "name": "later", "rev": newest + 1 }), 400),
        (json!({ "title": "no name" }), 400),
    ] {
        let (got, answer) = call("POST", &format!("{doc}/versions"), None, Some(body.clone()));
        assert_eq!(got, status, "{body} -> {answer}");
    }
    let (status, _) = call_text("GET", &format!("{doc}/export/txt?version=9"), None, None);
    assert_eq!(status, 404);
    assert_eq!(revisions(&doc, None), newest);
    let (_, list) = call("GET", &format!("{doc}/versions"), None, None);
    assert_eq!(list["versions"].as_array().unwrap().len(), 2);
}
