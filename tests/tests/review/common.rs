//! What every review test uses: the class's secrets and tokens, calls to
//! the API, imports as edits, and reading texts and revisions back.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use quire_tests::Server;
use quire_tests::http::curl;
use serde_json::{Value, json};

pub const ADMIN: &str = "admin-token-for-tests-0123456789";
pub const ALICE: &str = "alice-secret-0123456789";
pub const BOB: &str = "bob-secret-0123456789ab";
pub const CAROL: &str = "carol-secret-0123456789";

/// `curl` with an optional bearer token and JSON body; status and body as text.
pub fn call_text(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, String) {
    let auth = token.map(|token| format!("Authorization: Bearer {token}"));
    let body = body.map(Value::to_string);
    let mut args = vec!["-X", method, url];
    if let Some(auth) = &auth {
        args.extend(["-H", auth]);
    }
    if let Some(body) = &body {
        args.extend(["-H", "content-type: application/json", "-d", body]);
    }
    curl(&args)
}

/// As [`call_text`], the body parsed as JSON (`Null` when empty).
pub fn call(method: &str, url: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let (status, text) = call_text(method, url, token, body.as_ref());
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {url}: {status}, not JSON ({e}): {text}"))
    };
    (status, json)
}

/// Imports Markdown as an edit; `mode` is `replace` or `append`. The new revision.
pub fn import(doc: &str, auth: Auth, mode: &str, text: &str) -> u64 {
    let mut url = format!("{doc}/import?format=md&mode={mode}");
    let header;
    let mut args = vec![];
    match auth {
        Auth::Secret(secret) => url.push_str(&format!("&author={secret}")),
        Auth::Token(token) => {
            header = format!("Authorization: Bearer {token}");
            args.extend(["-H", header.as_str()]);
        }
    }
    args.extend([
        "-X",
        "POST",
        "-H",
        "content-type: text/markdown",
        "--data-binary",
        text,
        &url,
    ]);
    let (status, out) = curl(&args);
    assert_eq!(status, 200, "{out}");
    let body: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    body["revision"].as_u64().unwrap_or_else(|| panic!("{out}"))
}

#[derive(Clone, Copy)]
pub enum Auth<'a> {
    Secret(&'a str),
    Token(&'a str),
}

/// The plain text now, or at `query` (`rev=N`, `version=V`).
pub fn text(doc: &str, token: Option<&str>, query: &str) -> String {
    let (status, body) = call_text("GET", &format!("{doc}/export/txt?{query}"), token, None);
    assert_eq!(status, 200, "{body}");
    body
}

pub fn revisions(doc: &str, token: Option<&str>) -> u64 {
    let (status, body) = call("GET", doc, token, None);
    assert_eq!(status, 200, "{body}");
    body["revisions"].as_u64().unwrap()
}

/// The author id of revision `rev`.
pub fn author_of(doc: &str, token: Option<&str>, rev: u64) -> String {
    let (status, body) = call(
        "GET",
        &format!("{doc}/history?from={rev}&limit=1"),
        token,
        None,
    );
    assert_eq!(status, 200, "{body}");
    body["items"][0]["author"].as_str().unwrap().to_owned()
}

pub struct Class {
    pub server: Server,
    pub teacher: String,
    pub editor: String,
    pub viewer: String,
    pub doc: String,
}

pub fn class(dir: &std::path::Path) -> Class {
    let server = Server::start(dir, &["--admin-token", ADMIN]);
    let api = format!("{}/api/v1", server.http());
    let (status, group) = call(
        "POST",
        &format!("{api}/groups"),
        Some(ADMIN),
        Some(json!({ "name": "Class 4B" })),
    );
    assert_eq!(status, 201, "{group}");
    let group = group["id"].as_str().unwrap().to_owned();
    let member = |name: &str, role: &str| {
        let (status, body) = call(
            "POST",
            &format!("{api}/groups/{group}/members"),
            Some(ADMIN),
            Some(json!({ "name": name, "role": role })),
        );
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().unwrap().to_owned()
    };
    let (teacher, editor, viewer) = (
        member("Ms Ada", "teacher"),
        member("Bo", "editor"),
        member("Cy", "viewer"),
    );
    let (status, body) = call(
        "POST",
        &format!("{api}/docs"),
        Some(&teacher),
        Some(json!({ "title": "Report", "group": group })),
    );
    assert_eq!(status, 201, "{body}");
    let doc = format!("{api}/docs/{}", body["id"].as_str().unwrap());
    Class {
        server,
        teacher,
        editor,
        viewer,
        doc,
    }
}

/// `secs` since the epoch as RFC 3339 in UTC.
pub fn rfc3339(secs: u64) -> String {
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{secs}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .expect("date");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
