//! Hostile requests to the review routes: each is refused with a clear
//! status and changes nothing.

use quire_tests::Server;
use quire_tests::http::{create_doc, curl, json};

/// The document's newest revision and its named versions, as JSON text.
fn state(base: &str, id: &str) -> (u64, String) {
    let (status, doc) = curl(&[&format!("{base}/api/v1/docs/{id}")]);
    assert_eq!(status, 200, "{doc}");
    let (status, versions) = curl(&[&format!("{base}/api/v1/docs/{id}/versions")]);
    assert_eq!(status, 200, "{versions}");
    (json(&doc)["revisions"].as_u64().unwrap(), versions)
}

fn post(url: &str, extra: &[&str], body: &str) -> (u16, String) {
    let mut args = vec!["-X", "POST", "-H", "content-type: application/json"];
    args.extend_from_slice(extra);
    args.extend(["--data-binary", body, url]);
    curl(&args)
}

#[tokio::test]
async fn hostile_review_requests_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let base = server.http();
    let id = create_doc(&base, "Review target");
    let (status, answer) = post(
        &format!("{base}/api/v1/docs/{id}/versions"),
        &[],
        r#"{"name":"Draft 1"}"#,
    );
    assert_eq!(status, 201, "{answer}");
    let before = state(&base, &id);

    let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    let nested_name = format!(r#"{{"name":{deep}}}"#);
    let huge = format!(r#"{{"name":"{}"}}"#, "x".repeat(100 << 10));
    let not_utf8 = "{\"name\":\"\u{fffd}\"}".replace('\u{fffd}', "\\udc00");
    let cases: Vec<(String, Vec<&str>, String, u16)> = vec![
        // Nesting past serde's limit, in a body under the size limit.
        (
            format!("{base}/api/v1/docs/{id}/versions"),
            vec![],
            nested_name,
            400,
        ),
        (
            format!("{base}/api/v1/docs/{id}/restore"),
            vec![],
            deep.clone(),
            400,
        ),
        (format!("{base}/api/v1/docs/{id}/revert"), vec![], deep, 400),
        // A body past the JSON limit.
        (
            format!("{base}/api/v1/docs/{id}/versions"),
            vec![],
            huge,
            413,
        ),
        // A lone surrogate is not text.
        (
            format!("{base}/api/v1/docs/{id}/versions"),
            vec![],
            not_utf8,
            400,
        ),
        // Another site's page.
        (
            format!("{base}/api/v1/docs/{id}/restore"),
            vec!["-H", "Origin: https://evil.example"],
            r#"{"rev":1}"#.to_owned(),
            403,
        ),
        (
            format!("{base}/api/v1/docs/{id}/handin"),
            vec!["-H", "Sec-Fetch-Site: cross-site"],
            String::new(),
            403,
        ),
        // A revert of an author who is not a well-formed id, and a range past the end.
        (
            format!("{base}/api/v1/docs/{id}/revert"),
            vec![],
            r#"{"author":"../../etc","dry_run":true}"#.to_owned(),
            400,
        ),
        (
            format!("{base}/api/v1/docs/{id}/revert"),
            vec![],
            r#"{"author":"anonymous","from_rev":18446744073709551615,"dry_run":true}"#.to_owned(),
            400,
        ),
        // A version of a revision past the end.
        (
            format!("{base}/api/v1/docs/{id}/versions"),
            vec![],
            r#"{"name":"ok","rev":18446744073709551615}"#.to_owned(),
            400,
        ),
    ];
    for (url, extra, body, want) in &cases {
        let (status, answer) = post(url, extra, body);
        assert_eq!(status, *want, "{url} {extra:?} -> {answer}");
        assert_eq!(
            state(&base, &id),
            before,
            "{url} {extra:?} changed something"
        );
    }
    // A malformed document id and an absent one.
    for doc in ["..%2F..%2Fetc", "no-such-document-here"] {
        let (status, answer) = post(
            &format!("{base}/api/v1/docs/{doc}/restore"),
            &[],
            r#"{"rev":1}"#,
        );
        assert!(status == 400 || status == 404, "{doc}: {status} {answer}");
    }
    // The server is still serving.
    assert_eq!(state(&base, &id), before);
}
