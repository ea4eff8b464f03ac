//! `GET /api/v1/docs/{id}/authorship`: who wrote each run of the body's
//! text, as JSON, the way the editor colours text by author.

use quire_tests::Server;
use quire_tests::http::{create_doc_with, curl, json};
use serde_json::Value;

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

fn authorship(base: &str, id: &str, query: &str) -> Value {
    let (status, body) = curl(&[&format!("{base}/api/v1/docs/{id}/authorship{query}")]);
    assert_eq!(status, 200, "{body}");
    json(&body)
}

/// The text of each author's runs, by author name (starting text as
/// "starting"), checking that the runs cover the text end to end.
fn texts_by_author(a: &Value) -> Vec<(String, String)> {
    let text: Vec<u16> = a["text"].as_str().unwrap().encode_utf16().collect();
    let mut at = 0;
    let mut out = Vec::new();
    for run in a["runs"].as_array().unwrap() {
        let (start, end) = (
            run["start"].as_u64().unwrap() as usize,
            run["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(start, at, "runs leave no gap: {a}");
        assert!(end > start, "no empty run: {a}");
        at = end;
        let who = match run["author"].as_u64() {
            Some(i) => {
                let author = &a["authors"][i as usize];
                if author["starting"] == true {
                    "starting".to_owned()
                } else {
                    author["name"].as_str().unwrap().to_owned()
                }
            }
            None => "nobody".to_owned(),
        };
        out.push((who, String::from_utf16(&text[start..end]).unwrap()));
    }
    assert_eq!(at, text.len(), "runs cover the text: {a}");
    out
}

#[tokio::test]
async fn authored_runs_name_each_author_with_their_colour() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let base = server.http();
    let id = create_doc_with(&base, r#"{"title":"Notes","template":"meeting-notes"}"#);
    let alice = "alice-secret-0123456789abcdef";
    let bob = "bob-secret-0123456789abcdefgh";
    append_as(&base, &id, alice, "Alice writes 😀.");
    append_as(&base, &id, bob, "Bob adds this.");

    let a = authorship(&base, &id, "");
    let runs = texts_by_author(&a);
    // The template's text first, nobody's share; then Alice's, then Bob's.
    assert_eq!(runs.first().map(|r| r.0.as_str()), Some("starting"), "{a}");
    let written: Vec<&(String, String)> = runs.iter().filter(|r| r.0 != "starting").collect();
    assert_eq!(written.len(), 2, "{a}");
    assert_eq!(written[0].1, "Alice writes 😀.");
    assert_eq!(written[1].1, "Bob adds this.");
    assert_ne!(written[0].0, written[1].0, "two authors: {a}");
    assert!(
        a["text"]
            .as_str()
            .unwrap()
            .ends_with("Alice writes 😀.Bob adds this.")
    );

    // The same names and colours as the contributions report.
    let (status, body) = curl(&[&format!("{base}/api/v1/docs/{id}/contributions")]);
    assert_eq!(status, 200, "{body}");
    let contributions = json(&body);
    for author in a["authors"].as_array().unwrap() {
        if author["starting"] == true {
            assert_eq!(author["color"], "#9e9e9e", "{author}");
            continue;
        }
        let same = contributions["authors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["author_id"] == author["author_id"])
            .unwrap_or_else(|| panic!("{author} is not among {contributions}"));
        assert_eq!(same["name"], author["name"]);
        assert_eq!(same["color"], author["color"]);
    }

    // An old revision: before Bob wrote.
    let revisions = json(&curl(&[&format!("{base}/api/v1/docs/{id}")]).1)["revisions"]
        .as_u64()
        .unwrap();
    let before = authorship(&base, &id, &format!("?rev={}", revisions - 1));
    assert!(
        before["text"]
            .as_str()
            .unwrap()
            .ends_with("Alice writes 😀."),
        "{before}"
    );
    assert!(
        texts_by_author(&before)
            .iter()
            .all(|(_, text)| !text.contains("Bob")),
        "{before}"
    );
}

#[tokio::test]
async fn authorship_of_a_missing_or_invalid_document_is_a_json_error() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let base = server.http();
    let (status, body) = curl(&[&format!("{base}/api/v1/docs/nothing-here/authorship")]);
    assert_eq!(status, 404, "{body}");
    assert_eq!(json(&body)["error"], "not_found");
    let (status, body) = curl(&[&format!("{base}/api/v1/docs/bad%20id/authorship")]);
    assert_eq!(status, 400, "{body}");
    assert_eq!(json(&body)["error"], "bad_request");
}

#[tokio::test]
async fn a_private_server_shows_authorship_only_to_callers_with_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--private", "--admin-token", "admin-secret"]);
    let base = server.http();
    let (status, body) = curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/docs"),
        "-H",
        "authorization: Bearer admin-secret",
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"title":"Private"}"#,
    ]);
    assert_eq!(status, 201, "{body}");
    let id = json(&body)["id"].as_str().unwrap().to_owned();
    let (status, body) = curl(&[&format!("{base}/api/v1/docs/{id}/authorship")]);
    assert_eq!(status, 401, "{body}");
    let (status, body) = curl(&[
        "-H",
        "authorization: Bearer admin-secret",
        &format!("{base}/api/v1/docs/{id}/authorship"),
    ]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["runs"], serde_json::json!([]));
}
