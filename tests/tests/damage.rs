//! Damaged storage: a checkpoint that does not decode is skipped (the log is
//! kept whole, so nothing is lost), a damaged log entry keeps its document
//! from loading with a message that names it while everyone else is served,
//! and database files damaged past sled's own recovery stop the server at
//! start with a clear message instead of a crash loop, even where sled
//! itself would open without the lost records.

use std::process::{Command, Stdio};
use std::time::Duration;

use quire_tests::server::binary;
use quire_tests::{Client, Server};

/// The keys of `doc`'s records in `tree`, oldest first.
fn records(tree: &sled::Tree, doc: &str) -> Vec<sled::IVec> {
    let mut prefix = doc.as_bytes().to_vec();
    prefix.push(0);
    tree.scan_prefix(prefix)
        .keys()
        .map(Result::unwrap)
        .collect()
}

/// Cuts the value of `key` in `tree` to its first half.
fn truncate(tree: &sled::Tree, key: &sled::IVec) {
    let value = tree.get(key).unwrap().unwrap();
    tree.insert(key, &value[..value.len() / 2]).unwrap();
}

async fn type_chunks(url: &str, chunks: usize, tag: &str) -> String {
    let mut client = Client::connect(url).await;
    let mut text = String::new();
    for i in 0..chunks {
        let chunk = format!("[{tag}{i}]");
        client.insert(text.len() as u32, &chunk).await;
        text.push_str(&chunk);
        assert!(client.wait_saved().await, "chunk {i} acknowledged");
    }
    text
}

#[tokio::test]
async fn a_damaged_checkpoint_is_skipped_and_a_damaged_log_entry_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &["--checkpoint-entries", "5"]);
    let checkpointed = type_chunks(&server.ws("checkpointed", "acks=1"), 23, "c").await;
    let logged = type_chunks(&server.ws("logged", "acks=1"), 3, "l").await;
    let healthy = type_chunks(&server.ws("healthy", "acks=1"), 2, "h").await;
    // A crash, so that the log has entries past the newest checkpoint.
    server.kill();

    {
        let db = sled::open(dir.path()).unwrap();
        let checkpoints = db.open_tree("checkpoints").unwrap();
        let log = db.open_tree("log").unwrap();
        let kept = records(&checkpoints, "checkpointed");
        assert!(kept.len() >= 3, "{} checkpoints", kept.len());
        // The two newest checkpoints do not decode any more.
        for key in &kept[kept.len() - 2..] {
            truncate(&checkpoints, key);
        }
        let entries = records(&log, "logged");
        truncate(&log, entries.last().unwrap());
        db.flush().unwrap();
    }

    server.restart();
    let client = Client::connect(&server.ws("checkpointed", "")).await;
    assert_eq!(
        client.text(),
        checkpointed,
        "every acknowledged edit is back"
    );
    let mut damaged = Client::connect(&server.ws("logged", "")).await;
    assert_eq!(damaged.wait_closed().await, Some(1011));
    let reason = damaged.closed.clone().flatten().unwrap().reason.to_string();
    assert!(
        reason.contains("logged"),
        "the reason names the record: {reason}"
    );
    assert!(
        damaged.text().is_empty(),
        "nothing of the damaged document is served"
    );
    // The damaged document stays as stored, and others are served as usual.
    let client = Client::connect(&server.ws("healthy", "acks=1")).await;
    assert_eq!(client.text(), healthy);
    assert!(!logged.is_empty());
    assert_eq!(server.terminate(), Some(0));
    let db = sled::open(dir.path()).unwrap();
    let log = db.open_tree("log").unwrap();
    assert_eq!(
        records(&log, "logged").len(),
        3,
        "the damaged log is kept for repair"
    );
}

#[tokio::test]
async fn damaged_database_files_stop_the_server_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    type_chunks(&server.ws("doc", "acks=1"), 3, "d").await;
    // Past one round of the durable watermarks (every two seconds).
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert!(dir.path().join("durable.json").exists());
    assert_eq!(server.terminate(), Some(0));
    // Flip a byte early in sled's log. sled recovers its log up to the
    // first damaged message, or refuses to open when its snapshot covered
    // more; either way the records after it are gone.
    let file = dir.path().join("db");
    let mut bytes = std::fs::read(&file).unwrap();
    let used = bytes.iter().rposition(|b| *b != 0).unwrap();
    assert!(used > 1000, "{used} bytes written");
    bytes[100] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    let out = Command::new("timeout")
        .arg("20")
        .arg(binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "refuses to start: {stderr}");
    assert!(
        stderr.contains("damaged") && stderr.contains(&dir.path().display().to_string()),
        "names the damage and the directory: {stderr}"
    );
}

#[tokio::test]
async fn a_full_disk_acknowledges_nothing_unstored_and_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    // Files may not grow past 1 MiB: sled's writes fail as on a full disk.
    let mut server = Server::start_with_file_limit(dir.path(), 2048);
    let mut client = Client::connect(&server.ws("full", "acks=1")).await;
    client.follow = false;
    let chunk = "x".repeat(64 * 1024);
    let mut text = String::new();
    // Messages sent while connecting (the SyncStep2 reply) count too.
    let before = client.sent;
    for _ in 0..30 {
        client.insert(text.len() as u32, &chunk).await;
        text.push_str(&chunk);
        client.pump(Duration::from_millis(50)).await;
    }
    client.pump(Duration::from_secs(2)).await;
    let (sent, saved) = (client.sent - before, client.saved.saturating_sub(before));
    eprintln!("{sent} updates sent, {saved} acknowledged before the disk filled");
    assert!(saved >= 1 && saved < sent, "{saved} of {sent} acknowledged");
    assert!(client.closed.is_none(), "the writer stays connected");
    // Shutting down with updates it cannot store: it says so and exits.
    drop(client);
    assert_eq!(server.terminate(), Some(0));

    // With room on the disk again, every acknowledged update is there.
    let server = Server::start(dir.path(), &[]);
    let reader = Client::connect(&server.ws("full", "")).await;
    let stored = reader.text();
    assert!(
        stored.len() >= saved as usize * chunk.len(),
        "{} bytes",
        stored.len()
    );
    assert!(
        text.starts_with(&stored),
        "what is stored is a prefix of what was sent"
    );
}
