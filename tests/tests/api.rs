//! The HTTP API of the real binary.

use quire_tests::http::{create_doc_with, curl, json};
use quire_tests::{Client, Server};

#[tokio::test]
async fn create_list_read_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let base = server.http();
    let id = create_doc_with(
        &base,
        r#"{"title":"Group report","template":"project-report"}"#,
    );

    let (status, body) = curl(&[&format!("{base}/api/v1/docs")]);
    assert_eq!(status, 200);
    assert!(
        json(&body)
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == id.as_str())
    );

    let (status, body) = curl(&[&format!("{base}/api/v1/docs/{id}")]);
    assert_eq!(status, 200);
    let meta = json(&body);
    assert_eq!(meta["title"], "Group report");
    assert_eq!(meta["revisions"], 2);

    let (status, md) = curl(&[&format!("{base}/api/v1/docs/{id}/export/md")]);
    assert_eq!(status, 200);
    for heading in [
        "## Introduction",
        "## Method",
        "## Results",
        "## Discussion",
        "## References",
    ] {
        assert!(md.contains(heading), "{heading} in {md}");
    }

    // A client edit shows in the plain-text export.
    let mut client = Client::connect(&server.ws(&id, "acks=1")).await;
    let update = {
        use yrs::{Transact, XmlElementPrelim, XmlFragment, XmlTextPrelim};
        let fragment = client.doc.get_or_insert_xml_fragment("content");
        let mut txn = client.doc.transact_mut();
        let len = fragment.len(&txn);
        let p = fragment.insert(&mut txn, len, XmlElementPrelim::empty("paragraph"));
        p.push_back(&mut txn, XmlTextPrelim::new("Added by a client."));
        txn.encode_update_v1()
    };
    client.send_update(update).await;
    assert!(client.wait_saved().await);
    let (status, txt) = curl(&[&format!("{base}/api/v1/docs/{id}/export/txt")]);
    assert_eq!(status, 200, "{txt}");
    assert!(txt.trim_end().ends_with("Added by a client."), "{txt}");
    let (status, old) = curl(&[&format!("{base}/api/v1/docs/{id}/export/txt?rev=2")]);
    assert_eq!(status, 200, "{old}");
    assert!(
        old.contains("Discussion"),
        "revision 2 is the template: {old}"
    );
    assert!(!old.contains("Added by a client."), "{old}");
}

#[tokio::test]
async fn errors_are_json_with_the_right_status() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let base = server.http();
    for (args, status, code) in [
        (vec![format!("{base}/api/v1/docs/nope")], 404, "not_found"),
        (
            vec![format!("{base}/api/v1/docs/..%2Fetc")],
            400,
            "bad_request",
        ),
        (
            vec![
                "-X".into(),
                "POST".into(),
                format!("{base}/api/v1/docs"),
                "-H".into(),
                "content-type: application/json".into(),
                "-d".into(),
                r#"{"template":"nonsense"}"#.into(),
            ],
            400,
            "bad_request",
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (got, body) = curl(&args);
        assert_eq!(got, status, "{args:?}: {body}");
        assert_eq!(json(&body)["error"], code);
    }
    let (status, body) = curl(&[&format!("{base}/healthz")]);
    assert_eq!((status, json(&body)["status"].as_str()), (200, Some("ok")));
    let (status, metrics) = curl(&[&format!("{base}/metrics")]);
    assert_eq!(status, 200);
    assert!(metrics.contains("quire_updates_applied_total"));
}

/// Appends `text` to document `id` as the author with browser secret `secret`.
fn append_as(base: &str, id: &str, secret: &str, text: &str) {
    let (status, body) = curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/docs/{id}/import?format=txt&mode=append&author={secret}"),
        "-H",
        "content-type: text/plain",
        "--data-binary",
        text,
    ]);
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn starting_text_is_shown_apart_and_edits_count_work_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let base = server.http();
    let id = create_doc_with(&base, r#"{"title":"Report","template":"project-report"}"#);
    let alice = "alice-secret-0123456789abcdef";
    let bob = "bob-secret-0123456789abcdefgh";
    // Alice writes in three bursts, Bob in one: each is one revision here.
    for part in ["Alice one.", "Alice two.", "Alice three."] {
        append_as(&base, &id, alice, part);
    }
    append_as(&base, &id, bob, "Bob writes.");

    let (status, body) = curl(&[&format!("{base}/api/v1/docs/{id}/contributions")]);
    assert_eq!(status, 200, "{body}");
    let c = json(&body);
    let authors = c["authors"].as_array().unwrap();
    assert_eq!(authors.len(), 2, "only the members, not the template: {c}");
    let by_present = |n: u64| {
        authors
            .iter()
            .find(|a| a["present"] == n)
            .unwrap_or_else(|| panic!("nobody with {n}: {c}"))
    };
    let (a, b) = (by_present(32), by_present(11));
    let written = 32 + 11;
    assert_eq!(c["written"], written);
    assert!(
        (a["share"].as_f64().unwrap() - 32.0 / 43.0).abs() < 1e-9,
        "{a}"
    );
    assert!(
        (b["share"].as_f64().unwrap() - 11.0 / 43.0).abs() < 1e-9,
        "{b}"
    );
    let starting = c["starting"]["present"].as_u64().unwrap();
    assert!(starting > 0, "{c}");
    assert_eq!(c["length"].as_u64().unwrap(), starting + written);
    assert_eq!(c["starting"]["sources"][0]["name"], "Quire");
    // Three revisions within a few seconds are one work session.
    assert_eq!(
        (a["revisions"].as_u64(), a["sessions"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(a["edits"], a["sessions"]);

    // The coloured export's legend: shares of the members' writing, the
    // template's text apart.
    let (status, html) = curl(&[&format!("{base}/api/v1/docs/{id}/export/html?authorship=1")]);
    assert_eq!(status, 200);
    let legend = &html[html.find("<aside").expect("a legend")..];
    assert!(legend.contains("<small>(74%)</small>"), "{legend}");
    assert!(legend.contains("<small>(25%)</small>"), "{legend}");
    assert!(legend.contains("Starting text"), "{legend}");
    assert!(!legend.contains("Quire"), "{legend}");

    // The history as work sessions: the template's, Alice's, Bob's.
    let (status, body) = curl(&[&format!("{base}/api/v1/docs/{id}/history?steps=sessions")]);
    assert_eq!(status, 200, "{body}");
    let h = json(&body);
    let steps: Vec<(u64, u64, bool)> = h["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["first_rev"].as_u64().unwrap(),
                s["rev"].as_u64().unwrap(),
                s["starting"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![(1, 2, true), (3, 5, false), (6, 6, false)],
        "{h}"
    );
    assert_eq!(h["revisions"], 6);
    let (status, _) = curl(&[&format!("{base}/api/v1/docs/{id}/history?steps=hours")]);
    assert_eq!(status, 400);

    // A file imported as a new document is its starting text...
    let (_, body) = curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/docs"),
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"title":"Handout"}"#,
    ]);
    let handout = json(&body)["id"].as_str().unwrap().to_owned();
    let import = format!("{base}/api/v1/docs/{handout}/import?format=md&starting=1&author={alice}");
    let (status, body) = curl(&[
        "-X",
        "POST",
        &import,
        "-H",
        "content-type: text/markdown",
        "--data-binary",
        "# Task\n\nAnswer the questions.",
    ]);
    assert_eq!(status, 200, "{body}");
    let (_, body) = curl(&[&format!("{base}/api/v1/docs/{handout}/contributions")]);
    let c = json(&body);
    assert_eq!(c["authors"], serde_json::json!([]), "{c}");
    assert_eq!(c["starting"]["present"], 25);
    // ...but once a member wrote in it, nothing can become starting text.
    append_as(&base, &handout, bob, "My answer.");
    let (_, before) = curl(&[&format!("{base}/api/v1/docs/{handout}")]);
    let (status, body) = curl(&[
        "-X",
        "POST",
        &import,
        "-H",
        "content-type: text/markdown",
        "--data-binary",
        "# Replaced",
    ]);
    assert_eq!(status, 409, "{body}");
    assert_eq!(json(&body)["error"], "not_new");
    let (_, after) = curl(&[&format!("{base}/api/v1/docs/{handout}")]);
    assert_eq!(json(&after)["revisions"], json(&before)["revisions"]);
}
