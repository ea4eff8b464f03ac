//! The real binary over real websockets: sync, persistence across crashes,
//! and refusal of hostile input without harm to others.

use std::time::Duration;

use quire_tests::{Client, Server};
use yrs::updates::encoder::Encode;
use yrs::{Doc, Map, MapPrelim, Options, Text, Transact, WriteTxn};

const WAIT: Duration = Duration::from_secs(5);

fn data_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[tokio::test]
async fn clients_converge_and_late_joiners_get_everything() {
    let dir = data_dir();
    let server = Server::start(dir.path(), &[]);
    let url = server.ws("converge", "");
    let mut a = Client::connect(&url).await;
    let mut b = Client::connect(&url).await;
    a.insert(0, "hello").await;
    b.insert(0, "world ").await;
    assert!(a.pump_until(WAIT, |c| c.text().len() == 11).await);
    assert!(b.pump_until(WAIT, |c| c.text().len() == 11).await);
    assert_eq!(a.text(), b.text());
    let late = Client::connect(&url).await;
    assert_eq!(late.text(), a.text());
}

#[tokio::test]
async fn acknowledged_edits_survive_sigkill() {
    let dir = data_dir();
    let mut server = Server::start(dir.path(), &[]);
    let mut writer = Client::connect(&server.ws("crash", "acks=1")).await;
    for i in 0..50 {
        writer.insert(i, "x").await;
    }
    assert!(writer.wait_saved().await, "every edit acknowledged");
    let expected = writer.text();
    server.kill();
    server.restart();
    let reader = Client::connect(&server.ws("crash", "")).await;
    assert_eq!(reader.text(), expected);
}

#[tokio::test]
async fn sigterm_saves_and_exits_cleanly() {
    let dir = data_dir();
    let mut server = Server::start(
        dir.path(),
        &["--durability", "relaxed", "--flush-interval-ms", "60000"],
    );
    let mut writer = Client::connect(&server.ws("term", "")).await;
    writer.insert(0, "kept after SIGTERM").await;
    assert!(writer.round_trip().await, "the edit reached the server");
    assert_eq!(server.terminate(), Some(0));
    server.restart();
    let reader = Client::connect(&server.ws("term", "")).await;
    assert_eq!(reader.text(), "kept after SIGTERM");
}

#[tokio::test]
async fn malformed_frames_close_only_their_connection() {
    let dir = data_dir();
    let server = Server::start(dir.path(), &[]);
    let url = server.ws("hostile", "");
    let mut good = Client::connect(&url).await;
    good.insert(0, "safe").await;
    let bad_frames: [&[u8]; 5] = [
        &[0, 2, 200, 1],     // declares 200 bytes, has 1
        &[0, 2, 3, 1, 1, 1], // not a Yjs update
        &[0, 9, 0],          // unknown sync message
        &[1, 5, 1, 2, 3],    // truncated awareness
        &[0, 2, 2, 0, 0, 7], // trailing byte
    ];
    for frame in bad_frames {
        let mut bad = Client::connect(&url).await;
        bad.send_raw(frame.to_vec()).await;
        assert_eq!(bad.wait_closed().await, Some(1002), "{frame:?}");
    }
    let mut texter = Client::connect(&url).await;
    texter.send_text("hello").await;
    assert_eq!(texter.wait_closed().await, Some(1003));
    good.insert(4, "!").await;
    assert!(good.round_trip().await, "the edit reached the server");
    let late = Client::connect(&url).await;
    assert_eq!(late.text(), "safe!");
}

#[tokio::test]
async fn impersonation_is_refused_and_changes_nothing() {
    let dir = data_dir();
    let server = Server::start(dir.path(), &[]);
    let alice_doc = Doc::with_options(Options::with_client_id(yrs::ClientID::new(4242)));
    let mut alice = Client::connect_with(
        &server.ws("owned", "author=alice-secret-0123456789"),
        alice_doc,
    )
    .await;
    alice.insert(0, "mine").await;
    assert!(alice.round_trip().await, "alice's edit reached the server");

    let mallory_doc = Doc::with_options(Options::with_client_id(yrs::ClientID::new(4242)));
    let mut mallory = Client::connect_with(
        &server.ws("owned", "author=mallory-secret-987654321"),
        mallory_doc,
    )
    .await;
    let update = {
        let text = mallory.doc.get_or_insert_text("text");
        let mut txn = mallory.doc.transact_mut();
        text.insert(&mut txn, 0, "forged ");
        txn.encode_update_v1()
    };
    mallory.send_update(update).await;
    let code = mallory.wait_closed().await;
    assert_eq!(
        code,
        Some(1008),
        "denied {:?} closed {:?}",
        mallory.denied,
        mallory.closed
    );
    assert_eq!(mallory.denied.len(), 1, "told why: {:?}", mallory.denied);
    let reader = Client::connect(&server.ws("owned", "")).await;
    assert_eq!(reader.text(), "mine");
    let _ = yrs::StateVector::default().encode_v1();
}

#[tokio::test]
async fn bad_ids_and_secrets_are_refused_before_upgrade() {
    let dir = data_dir();
    let server = Server::start(dir.path(), &[]);
    for url in [
        server.ws("bad%2Fid", ""),
        server.ws(&"x".repeat(65), ""),
        server.ws("ok", "author=short"),
    ] {
        let err = tokio_tungstenite::connect_async(&url).await.err();
        let status = match err {
            Some(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                response.status().as_u16()
            }
            other => panic!("{url}: expected an HTTP refusal, got {other:?}"),
        };
        assert_eq!(status, 400, "{url}");
    }
}

#[tokio::test]
async fn oversized_messages_are_refused() {
    let dir = data_dir();
    let server = Server::start(dir.path(), &["--max-message-bytes", "65536"]);
    let url = server.ws("big", "");
    let mut big = Client::connect(&url).await;
    big.send_raw(vec![0; 70_000]).await;
    assert_eq!(big.wait_closed().await, Some(1009));
    let mut fine = Client::connect(&url).await;
    fine.insert(0, &"y".repeat(30_000)).await;
    assert!(fine.round_trip().await, "the edit reached the server");
    assert_eq!(Client::connect(&url).await.text().len(), 30_000);
}

#[tokio::test]
async fn hostile_updates_are_refused_and_others_keep_editing() {
    let dir = data_dir();
    let server = Server::start(dir.path(), &[]);
    let url = server.ws("hostile-updates", "acks=1");
    let mut good = Client::connect(&url).await;
    good.insert(0, "still here").await;
    assert!(good.wait_saved().await);

    // Values nested far deeper than yrs can decode without overflowing its stack.
    let mut deep = vec![1, 1, 5, 0, 8, 1, 1, b'r', 1];
    deep.extend(std::iter::repeat_n([117u8, 1], 100_000).flatten());
    deep.extend([126, 0]);
    // A client id of 2^53.
    let big_client = vec![
        1, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 4, 1, 1, b'r', 1, b'a', 0,
    ];
    // Ten thousand nested maps and their deletion: yrs deletes nested types
    // recursively and would overflow the stack.
    let nested = {
        let source = Doc::with_options(Options::with_client_id(yrs::ClientID::new(78)));
        let mut txn = source.transact_mut();
        let root = txn.get_or_insert_map("deep");
        let mut map = root.insert(&mut txn, "k", MapPrelim::default());
        for _ in 0..10_000 {
            map = map.insert(&mut txn, "k", MapPrelim::default());
        }
        let mut update = txn.encode_update_v1();
        // The deletion of the outermost map, written as its delete set (a
        // local deletion would recurse here too).
        assert_eq!(update.pop(), Some(0), "no deletions yet");
        update.extend([1, 78, 1, 0, 1]);
        update
    };
    for update in [deep, big_client, nested] {
        let mut bad = Client::connect(&url).await;
        bad.send_update(update).await;
        assert_eq!(bad.wait_closed().await, Some(1002));
    }

    // Updates whose dependencies never arrive are held only up to a limit.
    let source = Doc::with_options(Options::with_client_id(yrs::ClientID::new(77)));
    let text = source.get_or_insert_text("text");
    let mut updates = Vec::new();
    for chunk in ["a", &"b".repeat(700_000), &"c".repeat(700_000)] {
        let mut txn = source.transact_mut();
        let len = yrs::Text::len(&text, &txn);
        text.insert(&mut txn, len, chunk);
        updates.push(txn.encode_update_v1());
    }
    let mut flood = Client::connect(&url).await;
    flood.send_update(updates[1].clone()).await;
    flood.send_update(updates[2].clone()).await;
    assert_eq!(
        flood.wait_closed().await,
        Some(1002),
        "pending state over the limit"
    );

    good.insert(10, "!").await;
    assert!(good.wait_saved().await);
    let late = Client::connect(&url).await;
    assert_eq!(late.text(), "still here!");
}

#[tokio::test]
async fn message_rate_and_document_size_are_limited() {
    let dir = data_dir();
    let server = Server::start(
        dir.path(),
        &["--max-messages-per-sec", "20", "--max-doc-bytes", "20000"],
    );
    let url = server.ws("limits", "");
    let mut flood = Client::connect(&url).await;
    for _ in 0..200 {
        flood.send_raw(vec![3]).await; // QueryAwareness
    }
    assert_eq!(flood.wait_closed().await, Some(1008), "message rate");

    let mut writer = Client::connect(&url).await;
    writer.insert(0, &"x".repeat(5_000)).await;
    assert!(writer.round_trip().await, "the edit reached the server");
    writer.insert(0, &"y".repeat(30_000)).await;
    assert_eq!(writer.wait_closed().await, Some(1009), "document size");
    assert_eq!(Client::connect(&url).await.text().len(), 5_000);
}

#[tokio::test]
async fn simultaneous_writers_each_receive_the_other() {
    let dir = data_dir();
    let server = Server::start(dir.path(), &[]);
    let url = server.ws("simultaneous", "");
    let mut a = Client::connect(&url).await;
    let mut b = Client::connect(&url).await;
    for round in 0..30 {
        // Sent back to back, the two updates usually share one batch.
        a.insert(0, "a").await;
        b.insert(0, "b").await;
        let len = 2 * (round + 1);
        assert!(
            a.pump_until(WAIT, |c| c.text().len() == len).await,
            "a got b's edit in round {round}"
        );
        assert!(
            b.pump_until(WAIT, |c| c.text().len() == len).await,
            "b got a's edit in round {round}"
        );
        assert_eq!(a.text(), b.text());
    }
}
