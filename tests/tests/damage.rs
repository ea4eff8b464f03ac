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
    type_chunks(&server.ws("logged", "acks=1"), 3, "l").await;
    let healthy = type_chunks(&server.ws("healthy", "acks=1"), 2, "h").await;
    // A crash, so that the log has entries past the newest checkpoint.
    server.kill();

    {
        let db = sled::open(dir.path()).unwrap();
        let checkpoints = db.open_tree("checkpoints").unwrap();
        let log = db.open_tree("log").unwrap();
        // Retention keeps one checkpoint per 20 entries here (four times
        // --checkpoint-entries), and the newest.
        let kept = records(&checkpoints, "checkpointed");
        assert!(!kept.is_empty(), "{} checkpoints", kept.len());
        // The two newest checkpoints (or the only one) do not decode any more.
        for key in &kept[kept.len().saturating_sub(2)..] {
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
    // Until a round of the durable watermarks (every two seconds) has
    // recorded the document's three entries.
    let marks = dir.path().join("durable.json");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let written: Option<serde_json::Value> = std::fs::read(&marks)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        if written.as_ref().is_some_and(|w| w["doc"] == 3) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "durable.json never recorded the document: {written:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
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

/// A server whose files may not grow past 1 MiB (as on a full disk), with
/// three small acknowledged chunks in document `full`, then one update too
/// large to store and a small one after it, neither acknowledged. Returns
/// the server, the writer, the acknowledged text and the whole text.
async fn fill_the_disk(dir: &std::path::Path) -> (Server, Client, String, String) {
    // sled keeps large values in files of their own: the 1.5 MiB update
    // cannot be stored while the limit holds, the small records can.
    let server = Server::start_with_file_limit(dir, 2048, &[]);
    let mut client = Client::connect(&server.ws("full", "acks=1")).await;
    client.follow = false;
    let mut text = String::new();
    for i in 0..3 {
        let chunk = format!("[small {i}]");
        client.insert(text.len() as u32, &chunk).await;
        text.push_str(&chunk);
        assert!(client.wait_saved().await, "chunk {i} acknowledged");
    }
    let acknowledged = text.clone();
    let saved = client.saved;
    for chunk in ["L".repeat(1536 * 1024), "[after]".to_owned()] {
        client.insert(text.len() as u32, &chunk).await;
        text.push_str(&chunk);
    }
    client.pump(Duration::from_secs(3)).await;
    assert_eq!(client.saved, saved, "nothing unstored is acknowledged");
    assert!(client.closed.is_none(), "the writer stays connected");
    (server, client, acknowledged, text)
}

#[tokio::test]
async fn a_full_disk_acknowledges_nothing_unstored_and_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, client, acknowledged, _) = fill_the_disk(dir.path()).await;
    // Shutting down with updates it cannot store: it says so and exits.
    drop(client);
    assert_eq!(server.terminate(), Some(0));

    // With room on the disk again, every acknowledged update is there.
    let server = Server::start(dir.path(), &[]);
    let reader = Client::connect(&server.ws("full", "")).await;
    assert_eq!(reader.text(), acknowledged);
}

/// Lifts the running server's file size limit, as when space is freed.
fn make_room(server: &Server) {
    let pid = server.pid().unwrap().to_string();
    let lifted = Command::new("prlimit")
        .args(["--pid", &pid, "--fsize=unlimited"])
        .status()
        .unwrap();
    assert!(lifted.success());
}

/// sled keeps a large value in a file of its own; when writing that file
/// failed, sled 0.34 left its log buffer waiting for the write and every
/// later flush waited forever (vendor/README.md): nothing more was
/// acknowledged until a restart.
#[tokio::test]
async fn a_large_update_is_stored_without_a_restart_once_the_disk_has_room() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, mut client, _, text) = fill_the_disk(dir.path()).await;
    make_room(&server);
    let sent = client.sent;
    assert!(
        client
            .pump_until(Duration::from_secs(20), |c| c.saved >= sent)
            .await,
        "the large update and the one after it are acknowledged: {} of {sent}",
        client.saved
    );
    server.kill();
    server.restart();
    let reader = Client::connect(&server.ws("full", "")).await;
    assert!(reader.text() == text, "the whole text is back");
}

#[tokio::test]
async fn writes_resume_without_a_restart_once_the_disk_has_room() {
    let dir = tempfile::tempdir().unwrap();
    // Files may not grow past 256 KiB. Small updates, and no checkpoint
    // (a whole state is a large value): sled's log write fails, and every
    // later call fails until the database is opened again.
    let no_checkpoints = [
        "--checkpoint-entries",
        "1000000000",
        "--checkpoint-bytes",
        "1000000000",
    ];
    let mut server = Server::start_with_file_limit(dir.path(), 512, &no_checkpoints);
    let mut client = Client::connect(&server.ws("full", "acks=1")).await;
    client.follow = false;
    let mut text = String::new();
    for i in 0..600 {
        let chunk = format!("[{i:04}{}]", "z".repeat(1000));
        client.insert(text.len() as u32, &chunk).await;
        text.push_str(&chunk);
        client.pump(Duration::from_millis(3)).await;
    }
    client.pump(Duration::from_secs(3)).await;
    let (sent, stalled) = (client.sent, client.saved);
    assert!(
        stalled < sent,
        "the disk filled: {stalled} of {sent} acknowledged"
    );
    client.pump(Duration::from_secs(2)).await;
    assert_eq!(client.saved, stalled, "nothing more while the disk is full");

    // Room on the disk again.
    make_room(&server);
    assert!(
        client
            .pump_until(Duration::from_secs(20), |c| c.saved >= sent)
            .await,
        "everything is stored and acknowledged: {} of {sent}",
        client.saved
    );
    eprintln!("{stalled} of {sent} acknowledged while full, all once there was room");
    assert!(client.closed.is_none(), "the writer stayed connected");
    // New documents are written too.
    let other = type_chunks(&server.ws("after", "acks=1"), 2, "a").await;

    // All of it is on disk: a crash loses none of it.
    server.kill();
    server.restart();
    let reader = Client::connect(&server.ws("full", "")).await;
    assert!(reader.text() == text, "the whole text is back");
    let reader = Client::connect(&server.ws("after", "")).await;
    assert_eq!(reader.text(), other);
}
