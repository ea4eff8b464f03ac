//! The HTTP API of the real binary.

use std::process::Command;

use quire_tests::{Client, Server};
use serde_json::Value;

fn curl(args: &[&str]) -> (u16, String) {
    let output = Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').expect("status line");
    (code.parse().expect("status code"), body.to_owned())
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn create_list_read_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let base = server.http();
    let (status, body) = curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/docs"),
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"title":"Group report","template":"project-report"}"#,
    ]);
    assert_eq!(status, 201, "{body}");
    let id = json(&body)["id"].as_str().unwrap().to_owned();

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
