//! The review workflow end to end: restoring revisions and named versions
//! with three authors, roles, and hand-in deadlines across a restart.

use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use quire_tests::Server;
use quire_tests::http::curl;
use serde_json::{Value, json};

const ADMIN: &str = "admin-token-for-tests-0123456789";
const ALICE: &str = "alice-secret-0123456789";
const BOB: &str = "bob-secret-0123456789ab";
const CAROL: &str = "carol-secret-0123456789";

/// `curl` with an optional bearer token and JSON body; status and body as text.
fn call_text(method: &str, url: &str, token: Option<&str>, body: Option<&Value>) -> (u16, String) {
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
fn call(method: &str, url: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
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
fn import(doc: &str, auth: Auth, mode: &str, text: &str) -> u64 {
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
enum Auth<'a> {
    Secret(&'a str),
    Token(&'a str),
}

/// The plain text now, or at `query` (`rev=N`, `version=V`).
fn text(doc: &str, token: Option<&str>, query: &str) -> String {
    let (status, body) = call_text("GET", &format!("{doc}/export/txt?{query}"), token, None);
    assert_eq!(status, 200, "{body}");
    body
}

fn revisions(doc: &str, token: Option<&str>) -> u64 {
    let (status, body) = call("GET", doc, token, None);
    assert_eq!(status, 200, "{body}");
    body["revisions"].as_u64().unwrap()
}

/// The author id of revision `rev`.
fn author_of(doc: &str, token: Option<&str>, rev: u64) -> String {
    let (status, body) = call(
        "GET",
        &format!("{doc}/history?from={rev}&limit=1"),
        token,
        None,
    );
    assert_eq!(status, 200, "{body}");
    body["items"][0]["author"].as_str().unwrap().to_owned()
}

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
        Some(json!({ "rev": r2, "author": ALICE })),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["restored"], r2);
    assert_eq!(body["changed"], true);
    let r4 = body["revision"].as_u64().unwrap();
    assert_eq!(r4, r3 + 1);
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

#[test]
fn revert_one_member_of_three() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let id = quire_tests::http::create_doc(&server.http(), "Essay");
    let doc = format!("{}/api/v1/docs/{id}", server.http());

    let r1 = import(
        &doc,
        Auth::Secret(ALICE),
        "replace",
        "Alice one.\n\nAlice two.\n",
    );
    let r2 = import(&doc, Auth::Secret(BOB), "append", "Bob three.\n");
    // Carol deletes Alice's and Bob's text and writes her own.
    let r3 = import(&doc, Auth::Secret(CAROL), "replace", "Carol's text.\n");
    // Bob goes on writing after her.
    let r4 = import(&doc, Auth::Secret(BOB), "append", "Bob four.\n");
    assert_eq!(text(&doc, None, ""), "Carol's text.\n\nBob four.\n");
    let (alice, bob, carol) = (
        author_of(&doc, None, r1),
        author_of(&doc, None, r2),
        author_of(&doc, None, r3),
    );
    assert_eq!(author_of(&doc, None, r4), bob);

    // A preview changes nothing.
    let (status, dry) = call(
        "POST",
        &format!("{doc}/revert"),
        None,
        Some(json!({ "author": carol, "dry_run": true, "by": ALICE })),
    );
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["changed"], false);
    assert_eq!(dry["removed_chars"], "Carol's text.".len());
    assert_eq!(
        dry["restored_chars"],
        "Alice one.Alice two.Bob three.".len()
    );
    let preview = dry["preview"].as_array().unwrap();
    let side = |keep: &str| -> String {
        preview
            .iter()
            .filter(|c| c["kind"] == "same" || c["kind"] == keep)
            .map(|c| c["text"].as_str().unwrap())
            .collect()
    };
    assert_eq!(side("delete"), "Carol's text.\nBob four.\n");
    assert_eq!(
        side("insert"),
        "Bob four.\nAlice one.\nAlice two.\nBob three.\n"
    );
    assert!(
        preview
            .iter()
            .all(|c| c["kind"] != "delete" || c["author"] == carol.as_str())
    );
    assert_eq!(revisions(&doc, None), r4);
    assert_eq!(text(&doc, None, ""), "Carol's text.\n\nBob four.\n");

    // Applied: Carol's text goes, Alice's and Bob's comes back, Bob's later
    // paragraph stays. The restored blocks come back where they were, after
    // the paragraph Bob wrote after Carol's.
    let (status, done) = call(
        "POST",
        &format!("{doc}/revert"),
        None,
        Some(json!({ "author": carol, "by": ALICE })),
    );
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["changed"], true);
    assert_eq!(done["revision"], r4 + 1);
    assert_eq!(done["removed_chars"], dry["removed_chars"]);
    assert_eq!(
        text(&doc, None, ""),
        "Bob four.\n\nAlice one.\n\nAlice two.\n\nBob three.\n"
    );
    assert_eq!(author_of(&doc, None, r4 + 1), alice);

    // Reverting Bob's changes after r3 only: his later paragraph goes. (His
    // first one is back as part of Alice's revert, written anew by her, so
    // it is hers now and stays.)
    let (status, done) = call(
        "POST",
        &format!("{doc}/revert"),
        None,
        Some(json!({ "author": bob, "from_rev": r3, "to_rev": r4 })),
    );
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["removed_chars"], "Bob four.".len());
    assert_eq!(done["restored_chars"], 0);
    assert_eq!(
        text(&doc, None, ""),
        "Alice one.\n\nAlice two.\n\nBob three.\n"
    );

    // Bad input: a clear error, nothing changes.
    let newest = revisions(&doc, None);
    for body in [
        json!({ "author": carol, "from_rev": 3, "to_rev": 2 }),
        json!({ "author": carol, "to_rev": newest + 1 }),
        json!({ "author": "nobody-wrote-here" }),
        json!({ "author": alice, "from_rev": r2 + 1, "to_rev": r4 }),
        json!({}),
        json!({ "author": 7 }),
    ] {
        let (status, answer) = call("POST", &format!("{doc}/revert"), None, Some(body.clone()));
        assert_eq!(status, 400, "{body} -> {answer}");
    }
    assert_eq!(revisions(&doc, None), newest);
}

struct Class {
    server: Server,
    teacher: String,
    editor: String,
    viewer: String,
    doc: String,
}

fn class(dir: &std::path::Path) -> Class {
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

#[test]
fn roles_decide_who_restores_names_and_hands_in() {
    let dir = tempfile::tempdir().unwrap();
    let c = class(dir.path());
    let doc = &c.doc;
    let first = import(doc, Auth::Token(&c.editor), "replace", "Our plan.\n");
    import(doc, Auth::Token(&c.teacher), "append", "Teacher's note.\n");
    let before = revisions(doc, Some(&c.teacher));

    // Viewers: 403, and nothing changes.
    let refused = [
        ("POST", "restore", json!({ "rev": first })),
        ("POST", "versions", json!({ "name": "Mine" })),
        ("POST", "handin", json!({})),
        ("PUT", "handin", json!({ "due": "2999-01-01T00:00:00Z" })),
    ];
    for (method, path, body) in &refused {
        let (status, answer) = call(
            method,
            &format!("{doc}/{path}"),
            Some(&c.viewer),
            Some(body.clone()),
        );
        assert_eq!(status, 403, "viewer {method} {path}: {answer}");
    }
    // Without a token: 401.
    let (status, _) = call(
        "POST",
        &format!("{doc}/restore"),
        None,
        Some(json!({ "rev": first })),
    );
    assert_eq!(status, 401);
    assert_eq!(revisions(doc, Some(&c.viewer)), before);
    let (status, list) = call("GET", &format!("{doc}/versions"), Some(&c.viewer), None);
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["versions"], json!([]));
    assert_eq!(
        text(doc, Some(&c.viewer), ""),
        "Our plan.\n\nTeacher's note.\n"
    );

    // Editors restore; the edit is theirs.
    let (status, body) = call(
        "POST",
        &format!("{doc}/restore"),
        Some(&c.editor),
        Some(json!({ "rev": first })),
    );
    assert_eq!(status, 200, "{body}");
    let restored = body["revision"].as_u64().unwrap();
    assert_eq!(text(doc, Some(&c.viewer), ""), "Our plan.\n");
    assert_eq!(
        author_of(doc, Some(&c.viewer), restored),
        author_of(doc, Some(&c.viewer), first)
    );
    // Teachers too.
    let (status, body) = call(
        "POST",
        &format!("{doc}/restore"),
        Some(&c.teacher),
        Some(json!({ "rev": before })),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        text(doc, Some(&c.viewer), ""),
        "Our plan.\n\nTeacher's note.\n"
    );

    // Reverting a member in a group is the teacher's.
    let editor_id = author_of(doc, Some(&c.viewer), first);
    for token in [&c.viewer, &c.editor] {
        let (status, _) = call(
            "POST",
            &format!("{doc}/revert"),
            Some(token),
            Some(json!({ "author": editor_id, "dry_run": true })),
        );
        assert_eq!(status, 403);
    }
    let (status, body) = call(
        "POST",
        &format!("{doc}/revert"),
        Some(&c.teacher),
        Some(json!({ "author": editor_id, "dry_run": true })),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], false);

    // Only a teacher sets a deadline; an editor hands in early.
    let (status, _) = call(
        "PUT",
        &format!("{doc}/handin"),
        Some(&c.editor),
        Some(json!({ "due": "2999-01-01T00:00:00Z" })),
    );
    assert_eq!(status, 403);
    for bad in ["tomorrow", "2999-01-01", "2000-01-01T00:00:00Z"] {
        let (status, answer) = call(
            "PUT",
            &format!("{doc}/handin"),
            Some(&c.teacher),
            Some(json!({ "due": bad })),
        );
        assert_eq!(status, 400, "{bad}: {answer}");
    }
    let (status, body) = call(
        "PUT",
        &format!("{doc}/handin"),
        Some(&c.teacher),
        Some(json!({ "due": "2999-01-01T10:00:00+02:00" })),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["handin"]["due"], "2999-01-01T10:00:00+02:00");
    assert_eq!(body["handin"]["due_ms"], 32_472_172_800_000u64);
    let (status, handed) = call(
        "POST",
        &format!("{doc}/handin"),
        Some(&c.editor),
        Some(json!({})),
    );
    assert_eq!(status, 201, "{handed}");
    assert_eq!(handed["handin"], true);
    assert_eq!(handed["name"], "Handed in by Bo");
    assert_eq!(handed["name_of_author"], "Bo");
    let (status, own) = call(
        "POST",
        &format!("{doc}/versions"),
        Some(&c.editor),
        Some(json!({ "name": "Draft" })),
    );
    assert_eq!(status, 201, "{own}");
    assert_eq!(own["name_of_author"], "Bo");

    // Students cannot delete a hand-in; they can delete their own drafts.
    let hand_in = format!("{doc}/versions/{}", handed["version"]);
    let draft = format!("{doc}/versions/{}", own["version"]);
    assert_eq!(call("DELETE", &hand_in, Some(&c.editor), None).0, 403);
    assert_eq!(call("DELETE", &draft, Some(&c.viewer), None).0, 403);
    assert_eq!(call("DELETE", &draft, Some(&c.editor), None).0, 204);
    let (_, list) = call("GET", &format!("{doc}/versions"), Some(&c.viewer), None);
    assert_eq!(list["versions"].as_array().unwrap().len(), 1);
    assert_eq!(list["handin"]["due_ms"], 32_472_172_800_000u64);
    assert_eq!(call("DELETE", &hand_in, Some(&c.teacher), None).0, 204);
    assert_eq!(call("DELETE", &hand_in, Some(&c.teacher), None).0, 404);
}

/// `secs` since the epoch as RFC 3339 in UTC.
fn rfc3339(secs: u64) -> String {
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{secs}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .expect("date");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn the_deadline_version_is_recorded_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = class(dir.path());
    let doc = c.doc.clone();
    let due = now_secs() + 4;
    let (status, body) = call(
        "PUT",
        &format!("{doc}/handin"),
        Some(&c.teacher),
        Some(json!({ "due": rfc3339(due) })),
    );
    assert_eq!(status, 200, "{body}");
    let handed = import(&doc, Auth::Token(&c.editor), "replace", "Final text.\n");
    assert!(now_secs() < due, "the set-up took longer than the deadline");

    // The server is down when the deadline passes.
    assert_eq!(c.server.terminate(), Some(0));
    while now_secs() <= due {
        std::thread::sleep(Duration::from_millis(100));
    }
    c.server.restart();
    // An edit after the deadline is not part of the hand-in.
    import(&doc, Auth::Token(&c.editor), "append", "Too late.\n");

    let deadline = Instant::now() + Duration::from_secs(20);
    let version = loop {
        let (status, list) = call("GET", &format!("{doc}/versions"), Some(&c.viewer), None);
        assert_eq!(status, 200, "{list}");
        if let Some(v) = list["versions"].as_array().unwrap().first() {
            assert_eq!(list["handin"]["recorded"], v["version"]);
            break v.clone();
        }
        assert!(Instant::now() < deadline, "no version was recorded: {list}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(version["handin"], true);
    assert_eq!(version["rev"], handed);
    assert_eq!(version["author"], "system");
    assert_eq!(
        version["name"],
        format!("Hand-in (deadline {})", rfc3339(due))
    );
    assert_eq!(text(&doc, Some(&c.viewer), "version=1"), "Final text.\n");
    assert_eq!(
        text(&doc, Some(&c.viewer), ""),
        "Final text.\n\nToo late.\n"
    );
    // Recorded once: not again after another restart.
    c.server.restart();
    let (_, list) = call("GET", &format!("{doc}/versions"), Some(&c.viewer), None);
    assert_eq!(list["versions"].as_array().unwrap().len(), 1);
    // Students cannot delete it.
    let url = format!("{doc}/versions/1");
    assert_eq!(call("DELETE", &url, Some(&c.editor), None).0, 403);
}
