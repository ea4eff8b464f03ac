//! Who may restore, name, hand in and revert.

use serde_json::json;

use crate::common::*;

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
