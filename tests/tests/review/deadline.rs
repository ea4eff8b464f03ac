//! The hand-in deadline's version, recorded across a restart.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::*;

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
