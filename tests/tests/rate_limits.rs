//! Message-rate limits: per connection, per author and per address. A burst
//! is slowed rather than cut, a flood that goes on is closed, and
//! reconnecting refills nothing.

use std::process::Command;
use std::time::{Duration, Instant};

use quire_tests::{Client, Server};
use serde_json::Value;

fn data_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// `curl` GET; returns the body.
fn get(url: &str) -> String {
    let out = Command::new("curl")
        .args(["-s", "-f", url])
        .output()
        .expect("curl");
    assert!(out.status.success(), "GET {url} failed");
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The document's revisions: the updates it has stored and applied (none
/// while it is not stored yet).
fn revisions(server: &Server, doc: &str) -> u64 {
    let out = Command::new("curl")
        .args(["-s", &format!("{}/api/v1/docs/{doc}", server.http())])
        .output()
        .expect("curl");
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    meta["revisions"].as_u64().unwrap_or(0)
}

/// A counter from `/metrics`.
fn metric(server: &Server, name: &str) -> f64 {
    get(&format!("{}/metrics", server.http()))
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no metric {name}"))
}

/// Floods a document from one connection after another, `secret(round)`
/// choosing each one's author, each sending `per_connection` updates as
/// fast as it can before hanging up; then checks that what the document
/// took stays within `rate` a second plus a burst of twice that since the
/// flood began, however many times it reconnected.
async fn flood_by_reconnecting(args: &[&str], secret: impl Fn(usize) -> String, rate: f64) {
    let dir = data_dir();
    let server = Server::start(dir.path(), args);
    let doc = "reconnect-flood";
    // The document exists before the clock starts.
    let mut first = Client::connect(&server.ws(doc, "acks=1")).await;
    first.insert(0, "-").await;
    assert!(first.wait_saved().await);
    assert_eq!(revisions(&server, doc), 1);
    drop(first);
    let started = Instant::now();
    for round in 0..8 {
        let url = server.ws(doc, &format!("author={}", secret(round)));
        let mut flooder = Client::connect(&url).await;
        flooder.follow = false;
        for _ in 0..150 {
            flooder.insert(0, "x").await;
        }
    }
    let stored = revisions(&server, doc);
    let elapsed = started.elapsed().as_secs_f64();
    // The greeting exchange of each connection takes tokens too, so this
    // bound is loose; a limit per connection only lets through at least
    // 8 x 150 in far less than a second.
    let bound = 1.0 + 2.0 * rate + rate * elapsed;
    assert!(
        (stored as f64) <= bound,
        "{stored} updates stored in {elapsed:.2} s; at most {bound:.0} fit the limit"
    );
    assert!(stored > 1, "the flood was not refused outright");
}

#[tokio::test]
async fn reconnecting_does_not_refill_an_authors_bucket() {
    flood_by_reconnecting(
        &[
            "--max-messages-per-sec",
            "10000",
            "--max-messages-per-sec-per-author",
            "20",
            "--max-messages-per-sec-per-ip",
            "100000",
        ],
        |_| "flooding-author-secret-0001".to_owned(),
        20.0,
    )
    .await;
}

#[tokio::test]
async fn new_authors_from_one_address_share_its_bucket() {
    flood_by_reconnecting(
        &[
            "--max-messages-per-sec",
            "10000",
            "--max-messages-per-sec-per-author",
            "100000",
            "--max-messages-per-sec-per-ip",
            "20",
        ],
        |round| format!("a-new-author-each-time-{round:04}"),
        20.0,
    )
    .await;
}

#[tokio::test]
async fn a_burst_over_the_rate_is_slowed_not_cut() {
    let dir = data_dir();
    let server = Server::start(dir.path(), &["--max-messages-per-sec", "50"]);
    let url = server.ws("burst", "acks=1");
    let mut script = Client::connect(&url).await;
    // Three times the burst of 100 messages, sent at once.
    for _ in 0..300 {
        script.insert(0, "x").await;
    }
    assert!(
        script
            .pump_until(Duration::from_secs(30), |c| c.saved >= c.sent)
            .await,
        "the burst was not stored whole (closed: {:?})",
        script.closed
    );
    assert!(script.closed.is_none());
    assert!(
        metric(&server, "quire_throttled_total") > 0.0,
        "never slowed"
    );
    let reader = Client::connect(&server.ws("burst", "")).await;
    assert_eq!(reader.text().len(), 300);
}
