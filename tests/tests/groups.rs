//! Groups, roles and tokens at every boundary, over HTTP and the websocket.

use std::process::Command;
use std::time::Duration;

use quire_tests::{Client, Server};
use serde_json::{Value, json};

const ADMIN: &str = "admin-token-for-tests-0123456789";

/// `curl` with an optional bearer token; returns status and the JSON body
/// (`Null` when empty). A body that is not JSON fails the test.
fn call(method: &str, url: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let (status, text) = call_text(method, url, token, body);
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!("{method} {url}: {status} with a body that is not JSON ({e}): {text}")
        })
    };
    (status, json)
}

/// `curl` with an optional bearer token; returns status and body as text.
fn call_text(method: &str, url: &str, token: Option<&str>, body: Option<Value>) -> (u16, String) {
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-o", "-", "-w", "\n%{http_code}", "-X", method, url]);
    if let Some(token) = token {
        cmd.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    if let Some(body) = body {
        cmd.args([
            "-H",
            "content-type: application/json",
            "-d",
            &body.to_string(),
        ]);
    }
    let out = String::from_utf8(cmd.output().expect("curl").stdout).unwrap();
    let (body, code) = out.rsplit_once('\n').unwrap();
    (code.parse().unwrap(), body.to_owned())
}

struct School {
    server: Server,
    group: String,
    teacher: String,
    editor: String,
    editor_id: String,
    viewer: String,
    other_teacher: String,
    other_group: String,
    doc: String,
}

fn school(dir: &std::path::Path) -> School {
    let server = Server::start(dir, &["--admin-token", ADMIN]);
    let api = format!("{}/api/v1", server.http());
    let group = |name: &str| {
        let (status, body) = call(
            "POST",
            &format!("{api}/groups"),
            Some(ADMIN),
            Some(json!({ "name": name })),
        );
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_owned()
    };
    let (class, other) = (group("Class 4B"), group("Class 5A"));
    let member = |group: &str, name: &str, role: &str| {
        let url = format!("{api}/groups/{group}/members");
        let (status, body) = call(
            "POST",
            &url,
            Some(ADMIN),
            Some(json!({ "name": name, "role": role })),
        );
        assert_eq!(status, 201, "{body}");
        (
            body["token"].as_str().unwrap().to_owned(),
            body["member_id"].as_str().unwrap().to_owned(),
        )
    };
    let (teacher, _) = member(&class, "Ms Ada", "teacher");
    let (editor, editor_id) = member(&class, "Bo", "editor");
    let (viewer, _) = member(&class, "Cy", "viewer");
    let (other_teacher, _) = member(&other, "Mr Dee", "teacher");
    let (status, body) = call(
        "POST",
        &format!("{api}/docs"),
        Some(&teacher),
        Some(json!({ "title": "Essay", "group": class })),
    );
    assert_eq!(status, 201, "{body}");
    let doc = body["id"].as_str().unwrap().to_owned();
    School {
        server,
        group: class,
        teacher,
        editor,
        editor_id,
        viewer,
        other_teacher,
        other_group: other,
        doc,
    }
}

#[tokio::test]
async fn http_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let s = school(dir.path());
    let api = format!("{}/api/v1", s.server.http());
    let doc = format!("{api}/docs/{}", s.doc);

    // Creating groups needs the admin token, not just any token.
    assert_eq!(
        call(
            "POST",
            &format!("{api}/groups"),
            None,
            Some(json!({"name":"x"}))
        )
        .0,
        401
    );
    assert_eq!(
        call(
            "POST",
            &format!("{api}/groups"),
            Some("wrong"),
            Some(json!({"name":"x"}))
        )
        .0,
        401
    );
    assert_eq!(
        call(
            "POST",
            &format!("{api}/groups"),
            Some(&s.teacher),
            Some(json!({"name":"x"}))
        )
        .0,
        403
    );

    // Reading the group's document.
    assert_eq!(call("GET", &doc, Some(&s.viewer), None).0, 200);
    assert_eq!(call("GET", &doc, None, None).0, 401);
    assert_eq!(call("GET", &doc, Some(&s.other_teacher), None).0, 403);
    assert_eq!(call("GET", &doc, Some("q1.garbage"), None).0, 401);
    let mut forged = s.editor.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    assert_eq!(call("GET", &doc, Some(&forged), None).0, 401, "bad HMAC");
    let promoted = s.viewer.replace(".viewer.", ".teacher.");
    assert_eq!(
        call("GET", &doc, Some(&promoted), None).0,
        401,
        "role is signed"
    );
    let exported = format!("{doc}/export/txt?token={}", s.viewer);
    assert_eq!(
        call_text("GET", &exported, None, None).0,
        200,
        "token in the query"
    );

    // Listing shows the group's documents only to its members.
    let ids = |listed: &Value| -> Vec<String> {
        listed
            .as_array()
            .unwrap_or_else(|| panic!("a list of documents: {listed}"))
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // The other teacher's group has a document of its own, so their list
    // is not empty: it holds theirs and not this group's.
    let (status, body) = call(
        "POST",
        &format!("{api}/docs"),
        Some(&s.other_teacher),
        Some(json!({ "title": "Elsewhere", "group": s.other_group })),
    );
    assert_eq!(status, 201, "{body}");
    let elsewhere = body["id"].as_str().unwrap().to_owned();
    let (status, listed) = call("GET", &format!("{api}/docs"), Some(&s.other_teacher), None);
    assert_eq!(status, 200, "{listed}");
    let listed = ids(&listed);
    assert!(listed.contains(&elsewhere), "{listed:?}");
    assert!(!listed.contains(&s.doc), "{listed:?}");
    let (status, listed) = call("GET", &format!("{api}/docs"), Some(&s.viewer), None);
    assert_eq!(status, 200, "{listed}");
    let listed = ids(&listed);
    assert!(listed.contains(&s.doc), "{listed:?}");
    assert!(!listed.contains(&elsewhere), "{listed:?}");

    // Insights are for teachers.
    assert_eq!(
        call(
            "GET",
            &format!("{doc}/contributions"),
            Some(&s.editor),
            None
        )
        .0,
        403
    );
    assert_eq!(
        call(
            "GET",
            &format!("{doc}/contributions"),
            Some(&s.teacher),
            None
        )
        .0,
        200
    );

    // The history is for everyone who reads the document; insights stay
    // the teachers'.
    for reader in [&s.editor, &s.viewer, &s.teacher] {
        let (status, body) = call("GET", &format!("{doc}/history"), Some(reader), None);
        assert_eq!(status, 200, "{body}");
        assert!(body["items"].is_array(), "{body}");
    }
    assert_eq!(
        call(
            "GET",
            &format!("{doc}/history"),
            Some(&s.other_teacher),
            None
        )
        .0,
        403
    );

    // Roles: editors create in their group, as in a shared folder; viewers
    // do not, and only teachers delete.
    let create = Some(json!({ "title": "x", "group": s.group }));
    let (status, created) = call(
        "POST",
        &format!("{api}/docs"),
        Some(&s.editor),
        create.clone(),
    );
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["group"], json!(s.group));
    assert_eq!(
        call(
            "POST",
            &format!("{api}/docs"),
            Some(&s.viewer),
            create.clone()
        )
        .0,
        403
    );
    assert_eq!(
        call(
            "POST",
            &format!("{api}/docs"),
            Some(&s.other_teacher),
            create.clone()
        )
        .0,
        403
    );
    assert_eq!(call("POST", &format!("{api}/docs"), None, create).0, 401);
    let made = format!("{api}/docs/{}", created["id"].as_str().unwrap());
    assert_eq!(call("DELETE", &made, Some(&s.editor), None).0, 403);
    assert_eq!(call("DELETE", &made, Some(&s.teacher), None).0, 204);

    // A mistyped id is no document: not over HTTP, and opening it on the
    // websocket as a member makes no empty one.
    let typo = format!("{}x", s.doc);
    assert_eq!(
        call("GET", &format!("{api}/docs/{typo}"), Some(&s.editor), None).0,
        404
    );
    let ws_typo = s.server.ws(&typo, &format!("token={}", s.editor));
    match tokio_tungstenite::connect_async(&ws_typo).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status().as_u16(), 404),
        other => panic!("a member's unknown id must not open: {other:?}"),
    }
    assert_eq!(
        call("GET", &format!("{api}/docs/{typo}"), Some(&s.teacher), None).0,
        404,
        "still no such document"
    );
    // Strangers of an open server still make a document by opening its address.
    let mut stranger = Client::connect(&s.server.ws("brand-new-open-doc", "acks=1")).await;
    stranger.insert(0, "hello").await;
    assert!(stranger.wait_saved().await);
    assert_eq!(call("DELETE", &doc, Some(&s.editor), None).0, 403);
    assert_eq!(call("DELETE", &doc, Some(&s.other_teacher), None).0, 403);
    let import = format!("{doc}/import?format=txt&token={}", s.viewer);
    assert_eq!(
        call("POST", &import, None, None).0,
        403,
        "viewers do not import"
    );

    // An oversized body is refused before it is read, and changes nothing.
    let (status, before) = call("GET", &doc, Some(&s.teacher), None);
    assert_eq!(status, 200, "{before}");
    assert!(before["revisions"].is_u64(), "{before}");
    let big = dir.path().join("big.txt");
    std::fs::write(&big, vec![b'x'; 9 << 20]).unwrap();
    let import = format!("{doc}/import?format=txt&token={}", s.editor);
    let out = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "POST",
            &import,
        ])
        .arg("--data-binary")
        .arg(format!("@{}", big.display()))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "413");
    let (status, after) = call("GET", &doc, Some(&s.teacher), None);
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["revisions"], before["revisions"]);

    // Members are managed by teachers of the group, not by others.
    let members = format!("{api}/groups/{}/members", s.group);
    assert_eq!(call("GET", &members, Some(&s.editor), None).0, 403);
    assert_eq!(call("GET", &members, Some(&s.other_teacher), None).0, 403);
    let (status, list) = call("GET", &members, Some(&s.teacher), None);
    assert_eq!(
        (status, list["members"].as_array().unwrap().len()),
        (200, 3)
    );

    // An expired token.
    let (status, expired) = call(
        "POST",
        &members,
        Some(ADMIN),
        Some(json!({ "name": "Old", "role": "editor", "expires_in_days": 0 })),
    );
    assert_eq!(status, 201, "{expired}");
    let expired = expired["token"].as_str().expect("a token");
    assert_eq!(call("GET", &doc, Some(expired), None).0, 401);

    // Revoking a member invalidates their token.
    let (status, _) = call(
        "DELETE",
        &format!("{members}/{}", s.editor_id),
        Some(&s.teacher),
        None,
    );
    assert_eq!(status, 204);
    assert_eq!(call("GET", &doc, Some(&s.editor), None).0, 401);

    // The teacher deletes; the document is gone, and connecting to its id
    // cannot bring it back.
    assert_eq!(call("DELETE", &doc, Some(&s.teacher), None).0, 204);
    assert_eq!(
        call("GET", &doc, Some(&s.teacher), None).0,
        410,
        "a deleted id answers Gone"
    );
    let revive = s.server.ws(&s.doc, &format!("token={}", s.teacher));
    match tokio_tungstenite::connect_async(&revive).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status().as_u16(), 410),
        other => panic!("a deleted document must stay deleted: {other:?}"),
    }
    let members_q = format!("{api}/groups/{}/members?token={}", s.group, s.teacher);
    assert_eq!(
        call("GET", &members_q, None, None).0,
        200,
        "token in the query"
    );
}

#[tokio::test]
async fn websocket_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let s = school(dir.path());
    let url = |token: &str| s.server.ws(&s.doc, &format!("acks=1&token={token}"));

    // No token, a forged one, another group's: refused before any document data.
    for bad in [
        s.server.ws(&s.doc, ""),
        url("q1.nope"),
        url(&s.other_teacher),
    ] {
        let refused = tokio_tungstenite::connect_async(&bad).await.err();
        assert!(
            matches!(refused, Some(tokio_tungstenite::tungstenite::Error::Http(ref r)) if r.status().as_u16() >= 400),
            "{bad}: {refused:?}"
        );
    }

    let mut editor = Client::connect(&url(&s.editor)).await;
    editor.insert(0, "by the editor").await;
    assert!(editor.wait_saved().await);

    let mut viewer = Client::connect(&url(&s.viewer)).await;
    assert_eq!(viewer.text(), "by the editor", "viewers read");
    assert!(viewer.denied.is_empty(), "an empty sync reply is no write");
    viewer.insert(0, "vandal ").await;
    assert!(
        viewer
            .pump_until(Duration::from_secs(10), |c| !c.denied.is_empty())
            .await,
        "the viewer's write is denied"
    );
    assert_eq!(viewer.denied, vec!["read-only".to_owned()]);
    assert!(viewer.round_trip().await, "viewers stay connected");
    let reader = Client::connect(&url(&s.teacher)).await;
    assert_eq!(
        reader.text(),
        "by the editor",
        "the viewer's write changed nothing"
    );

    // Revoking the editor closes their open connection within seconds.
    let members = format!(
        "{}/api/v1/groups/{}/members/{}",
        s.server.http(),
        s.group,
        s.editor_id
    );
    assert_eq!(call("DELETE", &members, Some(&s.teacher), None).0, 204);
    assert_eq!(editor.wait_closed().await, Some(1008));
}
