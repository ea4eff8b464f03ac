//! Undoing one member's changes among three.

use quire_tests::Server;
use serde_json::json;

use crate::common::*;

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
