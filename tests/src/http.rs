//! HTTP requests to the binary under test, made with curl.

use std::process::Command;

use serde_json::Value;

/// A response: its status, its headers (names in lower case) and its body.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// `(name, value)`, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body as received.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `curl -s` with `args`: the whole response.
pub fn request(args: &[&str]) -> Response {
    let dir = tempfile::tempdir().expect("temp dir");
    let headers = dir.path().join("headers");
    let body = dir.path().join("body");
    let output = Command::new("curl")
        .args(["-s", "-D"])
        .arg(&headers)
        .arg("-o")
        .arg(&body)
        .args(["-w", "%{http_code}"])
        .args(args)
        .output()
        .expect("curl runs");
    let status = String::from_utf8_lossy(&output.stdout)
        .parse()
        .expect("a status code");
    let headers = std::fs::read_to_string(&headers)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: std::fs::read(&body).unwrap_or_default(),
    }
}

/// `curl -s` with `args`: the status and the body as text.
pub fn curl(args: &[&str]) -> (u16, String) {
    let response = request(args);
    (response.status, response.text())
}

/// A JSON body; panics with the body when it is not JSON.
pub fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// Creates an open document titled `title` on the server at `base`; its id.
pub fn create_doc(base: &str, title: &str) -> String {
    create_doc_with(base, &serde_json::json!({ "title": title }).to_string())
}

/// Creates a document from the JSON `body` of `POST /api/v1/docs` on the
/// server at `base`, asserting 201; its id.
pub fn create_doc_with(base: &str, body: &str) -> String {
    let (status, answer) = curl(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/docs"),
        "-H",
        "content-type: application/json",
        "-d",
        body,
    ]);
    assert_eq!(status, 201, "{answer}");
    json(&answer)["id"].as_str().expect("an id").to_owned()
}
