//! Many clients reconnecting at once, each with an edit made offline: every
//! edit is merged exactly once. `QUIRE_STORM` sets the count (default 300; 1000 passes in about three minutes here).

use quire_tests::{Client, Server};
use yrs::updates::encoder::Encode;
use yrs::{Doc, Options, ReadTxn, Text, Transact};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_edits_of_a_reconnect_storm_merge_exactly_once() {
    let count: u64 = std::env::var("QUIRE_STORM")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--max-messages-per-sec", "1000"]);
    let url = server.ws("storm", "acks=1");
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let url = url.clone();
            tokio::spawn(async move {
                // The edit is made offline, before connecting.
                let doc =
                    Doc::with_options(Options::with_client_id(yrs::ClientID::new(10_000 + i)));
                let update = {
                    let text = doc.get_or_insert_text("text");
                    let mut txn = doc.transact_mut();
                    text.insert(&mut txn, 0, &format!("[{i}]"));
                    txn.encode_update_v1()
                };
                let mut client = Client::connect_with(&url, doc).await;
                client.follow = false;
                // Sent again on top of the sync reply: a duplicate to be ignored.
                client.send_update(update).await;
                // A client closed for falling behind reconnects and syncs
                // again, as y-websocket does.
                let mut attempts = 1;
                while !client.wait_saved().await {
                    assert!(attempts < 20, "client {i} never got its edit acknowledged");
                    attempts += 1;
                    let doc = std::mem::replace(&mut client.doc, Doc::new());
                    client = Client::connect_with(&url, doc).await;
                    client.follow = false;
                }
                attempts
            })
        })
        .collect();
    let mut reconnects = 0;
    for task in tasks {
        reconnects += task.await.expect("client task") - 1;
    }
    eprintln!("reconnect storm: {count} clients, {reconnects} reconnects after being closed");
    let reader = Client::connect(&url).await;
    reader.doc.transact().state_vector().encode_v1();
    let text = reader.text();
    for i in 0..count {
        assert_eq!(
            text.matches(&format!("[{i}]")).count(),
            1,
            "edit {i} merged exactly once"
        );
    }
    assert_eq!(
        text.len(),
        (0..count).map(|i| format!("[{i}]").len()).sum::<usize>()
    );
}
