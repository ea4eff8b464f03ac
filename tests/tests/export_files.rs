//! PDF and DOCX exports over HTTP: the warning header for characters no
//! font has, and the DOCX properties from the title and the contributors.

use std::process::Command;

use quire_tests::http;
use quire_tests::{Client, Server};
use serde_json::Value;

/// Status, headers (lower-cased names) and body of a request.
fn curl(args: &[&str]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let response = http::request(args);
    (response.status, response.headers, response.body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn create(base: &str, title: &str) -> String {
    let (status, _, body) = curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/docs"),
        "-H",
        "content-type: application/json",
        "-d",
        &serde_json::json!({ "title": title }).to_string(),
    ]);
    assert_eq!(status, 201);
    let created: Value = serde_json::from_slice(&body).unwrap();
    created["id"].as_str().unwrap().to_owned()
}

fn import(base: &str, id: &str, markdown: &str) {
    let (status, _, body) = curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/docs/{id}/import?format=md"),
        "-H",
        "content-type: text/markdown",
        "--data-binary",
        markdown,
    ]);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
}

#[tokio::test]
async fn pdf_export_warns_of_characters_no_font_has() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let base = server.http();

    let id = create(&base, "Scripts");
    import(&base, &id, "Grüße, 日本語, Ελληνικά, Русский, emoji 🎉\n");
    let (status, headers, pdf) = curl(&[&format!("{base}/api/v1/docs/{id}/export/pdf")]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(header(&headers, "x-quire-export-warning"), None);

    import(&base, &id, "private \u{F0000} use\n");
    let (status, headers, pdf) = curl(&[&format!("{base}/api/v1/docs/{id}/export/pdf")]);
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF-"));
    let warning = header(&headers, "x-quire-export-warning").expect("a warning header");
    assert!(warning.contains("U+F0000"), "{warning}");
}

#[tokio::test]
async fn docx_properties_name_the_title_and_contributors() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let base = server.http();
    let id = create(&base, "Group report");
    let mut client =
        Client::connect(&server.ws(&id, "acks=1&author=ann-secret-0123456789&name=Ann%20Lee"))
            .await;
    let update = {
        use yrs::{Transact, XmlElementPrelim, XmlFragment, XmlTextPrelim};
        let fragment = client.doc.get_or_insert_xml_fragment("content");
        let mut txn = client.doc.transact_mut();
        let len = fragment.len(&txn);
        let p = fragment.insert(&mut txn, len, XmlElementPrelim::empty("paragraph"));
        p.push_back(&mut txn, XmlTextPrelim::new("Written by Ann."));
        txn.encode_update_v1()
    };
    client.send_update(update).await;
    assert!(client.wait_saved().await);

    let (status, _, docx) = curl(&[&format!("{base}/api/v1/docs/{id}/export/docx")]);
    assert_eq!(status, 200);
    let path = dir.path().join("report.docx");
    std::fs::write(&path, docx).unwrap();
    let output = Command::new("python3")
        .args([
            "-c",
            "import docx, json, sys\n\
             p = docx.Document(sys.argv[1]).core_properties\n\
             print(json.dumps([p.title, p.author]))",
        ])
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "python-docx (pip install python-docx): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let props: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(props, serde_json::json!(["Group report", "Ann Lee"]));
}
