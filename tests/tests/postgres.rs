//! The real binary on PostgreSQL (`--database-url`): acknowledged edits,
//! groups and tokens survive SIGKILL; `quire migrate` moves a sled data
//! directory with its whole history.

use std::process::Command;
use std::time::Duration;

use quire_tests::http::{curl, json};
use quire_tests::pg::TestDatabase;
use quire_tests::server::binary;
use quire_tests::{Client, Server};
use serde_json::Value;

const ADMIN: &str = "admin-token-for-tests-0123456789";

/// `curl` with a bearer token and an optional JSON body: status and JSON.
fn call(method: &str, url: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let auth = format!("Authorization: Bearer {token}");
    let mut args = vec!["-X", method, url, "-H", &auth];
    let body = body.map(|b| b.to_string());
    if let Some(body) = &body {
        args.extend(["-H", "content-type: application/json", "-d", body]);
    }
    let (status, text) = curl(&args);
    let value = if text.is_empty() {
        Value::Null
    } else {
        json(&text)
    };
    (status, value)
}

/// A group with a teacher; the group's id and the teacher's token.
fn group_with_teacher(api: &str) -> (String, String) {
    let (status, group) = call(
        "POST",
        &format!("{api}/groups"),
        ADMIN,
        Some(serde_json::json!({ "name": "Class 4B" })),
    );
    assert_eq!(status, 201, "{group}");
    let group = group["id"].as_str().unwrap().to_owned();
    let (status, member) = call(
        "POST",
        &format!("{api}/groups/{group}/members"),
        ADMIN,
        Some(serde_json::json!({ "name": "Ms Ada", "role": "teacher" })),
    );
    assert_eq!(status, 201, "{member}");
    (group, member["token"].as_str().unwrap().to_owned())
}

/// Types tokens into `root` until the server dies or `limit` edits are
/// sent; returns the tokens it acknowledged as saved.
async fn typist(url: String, root: &str, limit: usize) -> Vec<String> {
    let mut client = Client::connect(&url).await;
    let mut sent = Vec::new();
    for i in 0..limit {
        let token = format!("<{root}.{i}>");
        sent.push((client.append_to(root, &token).await, token));
        client.pump(Duration::from_millis(2)).await;
        if client.closed.is_some() {
            break;
        }
    }
    if client.closed.is_none() {
        client.wait_saved().await;
    }
    let saved = client.saved;
    sent.into_iter()
        .filter(|(n, _)| *n <= saved)
        .map(|(_, token)| token)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_edits_groups_and_tokens_survive_sigkill() {
    let db = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(
        dir.path(),
        &["--database-url", &db.url, "--admin-token", ADMIN],
    );
    let api = format!("{}/api/v1", server.http());
    let (group, teacher) = group_with_teacher(&api);
    let (status, doc) = call(
        "POST",
        &format!("{api}/docs"),
        &teacher,
        Some(serde_json::json!({ "title": "Essay", "group": group })),
    );
    assert_eq!(status, 201, "{doc}");
    let doc = doc["id"].as_str().unwrap().to_owned();

    // One typist finishes and waits for its acks; another is cut off by
    // the kill mid-stream.
    let url = server.ws(&doc, &format!("acks=1&token={teacher}"));
    let calm = typist(url.clone(), "calm", 40).await;
    assert_eq!(calm.len(), 40, "every edit acknowledged");
    let busy = tokio::spawn(typist(url, "busy", 100_000));
    let mut watcher = Client::connect(&server.ws(&doc, &format!("token={teacher}"))).await;
    assert!(
        watcher
            .pump_until(Duration::from_secs(20), |c| c.text_of("busy").len() > 200)
            .await,
        "the busy typist is under way"
    );
    server.kill();
    let busy = busy.await.unwrap();
    assert!(!busy.is_empty());
    assert!(
        !dir.path().join("conf").exists(),
        "nothing went to sled in the data directory"
    );

    server.restart();
    let api = format!("{}/api/v1", server.http());
    let (status, meta) = call("GET", &format!("{api}/docs/{doc}"), &teacher, None);
    assert_eq!(
        status, 200,
        "the member token works after the restart: {meta}"
    );
    let reader = Client::connect(&server.ws(&doc, &format!("token={teacher}"))).await;
    let (calm_text, busy_text) = (reader.text_of("calm"), reader.text_of("busy"));
    for token in &calm {
        assert!(
            calm_text.contains(token.as_str()),
            "acknowledged {token} lost"
        );
    }
    for token in &busy {
        assert!(
            busy_text.contains(token.as_str()),
            "acknowledged {token} lost"
        );
    }
    let (status, _) = call("GET", &format!("{api}/docs/{doc}"), "not-a-token", None);
    assert_eq!(status, 401);
    let (status, health) = curl(&[&format!("{}/healthz", server.http())]);
    assert_eq!(
        (status, json(&health)["status"].as_str()),
        (200, Some("ok"))
    );
}

#[tokio::test]
async fn healthz_says_degraded_and_why_while_postgresql_is_gone() {
    let db = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--database-url", &db.url]);
    let health = format!("{}/healthz", server.http());
    assert_eq!(json(&curl(&[&health]).1)["status"], "ok");
    drop(db);
    let (status, body) = curl(&[&health]);
    let body = json(&body);
    assert_eq!(status, 200, "the node goes on serving: {body}");
    assert_eq!(body["status"], "degraded", "{body}");
    assert!(
        body["reason"].as_str().unwrap().contains("PostgreSQL"),
        "{body}"
    );
}

/// Runs `quire migrate` on `dir` into `url`: its exit status and output.
fn migrate(dir: &std::path::Path, url: &str, extra: &[&str]) -> (bool, String) {
    let out = Command::new(binary())
        .arg("migrate")
        .arg("--data-dir")
        .arg(dir)
        .args(["--database-url", url])
        .args(extra)
        .output()
        .expect("running quire migrate");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_moves_a_sled_directory_with_its_whole_history() {
    let dir = tempfile::tempdir().unwrap();
    // Checkpoints every 10 entries, so that there are several to move.
    let mut server = Server::start(
        dir.path(),
        &["--admin-token", ADMIN, "--checkpoint-entries", "10"],
    );
    let api = format!("{}/api/v1", server.http());
    let (group, teacher) = group_with_teacher(&api);
    let mut docs = Vec::new();
    for title in ["First", "Second", "Third"] {
        let (status, doc) = call(
            "POST",
            &format!("{api}/docs"),
            &teacher,
            Some(serde_json::json!({ "title": title, "group": group })),
        );
        assert_eq!(status, 201, "{doc}");
        let doc = doc["id"].as_str().unwrap().to_owned();
        let url = server.ws(&doc, &format!("acks=1&token={teacher}"));
        assert_eq!(typist(url, "text", 30).await.len(), 30);
        docs.push(doc);
    }
    let views = |server: &Server| {
        let api = format!("{}/api/v1", server.http());
        docs.iter()
            .map(|doc| {
                let history = call(
                    "GET",
                    &format!("{api}/docs/{doc}/history?limit=1000"),
                    &teacher,
                    None,
                );
                let insights = call(
                    "GET",
                    &format!("{api}/docs/{doc}/contributions"),
                    &teacher,
                    None,
                );
                let (status, mut doc) = call("GET", &format!("{api}/docs/{doc}"), &teacher, None);
                assert_eq!((status, history.0, insights.0), (200, 200, 200));
                doc.as_object_mut().unwrap().remove("connections");
                (doc, history.1, insights.1)
            })
            .collect::<Vec<_>>()
    };
    let before = views(&server);
    assert_eq!(server.terminate(), Some(0));

    let db = TestDatabase::create().await;
    let (ok, said) = migrate(dir.path(), &db.url, &[]);
    assert!(ok, "{said}");
    let entries: u64 = before
        .iter()
        .map(|v| v.0["revisions"].as_u64().unwrap())
        .sum();
    assert!(entries > 90, "{before:?}");
    assert!(
        said.contains(&format!("moved 3 documents ({entries} log entries")),
        "{said}"
    );
    let (ok, again) = migrate(dir.path(), &db.url, &[]);
    assert!(!ok, "a second run into a non-empty database is refused");
    assert!(again.contains("--overwrite"), "{again}");
    let (ok, over) = migrate(dir.path(), &db.url, &["--overwrite"]);
    assert!(ok && over.contains("moved 3 documents"), "{over}");
    let (ok, empty) = migrate(&dir.path().join("absent"), &db.url, &["--overwrite"]);
    assert!(!ok && empty.contains("no Quire data directory"), "{empty}");

    let elsewhere = tempfile::tempdir().unwrap();
    let server = Server::start(elsewhere.path(), &["--database-url", &db.url]);
    assert_eq!(views(&server), before, "history and insights as on sled");
    let reader = Client::connect(&server.ws(&docs[0], &format!("token={teacher}"))).await;
    assert_eq!(reader.text_of("text").matches("<text.").count(), 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_connections_delay_acknowledgements_but_lose_nothing() {
    let db = TestDatabase::create().await;
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &["--database-url", &db.url]);
    let url = server.ws("cut", "acks=1");
    let typists: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|root| tokio::spawn(typist(url.clone(), root, 300)))
        .collect();
    let mut watcher = Client::connect(&server.ws("cut", "")).await;
    let mut cuts = 0;
    for round in 1..=5 {
        // Cut while the typists are under way, each time further along.
        assert!(
            watcher
                .pump_until(Duration::from_secs(20), |c| {
                    c.text_of("a").len() + c.text_of("b").len() > round * 300
                })
                .await,
            "the typists are under way"
        );
        cuts += db.terminate_connections().await;
    }
    assert!(cuts > 0, "connections were cut");
    for task in typists {
        let acked = task.await.unwrap();
        assert_eq!(acked.len(), 300, "every edit acknowledged once stored");
    }
    server.kill();
    server.restart();
    let reader = Client::connect(&server.ws("cut", "")).await;
    for root in ["a", "b"] {
        let text = reader.text_of(root);
        for i in 0..300 {
            let token = format!("<{root}.{i}>");
            assert!(text.contains(&token), "acknowledged {token} lost");
        }
    }
}
