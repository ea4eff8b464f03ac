//! Storage faults injected through the Store trait: nothing is acknowledged
//! that was not stored, and the server recovers when the fault clears.

use std::sync::Arc;
use std::time::Duration;

use crdt_core::protocol;
use futures_util::{SinkExt, StreamExt};
use quire_server::Config;
use quire_server::store::{MemoryStore, Store};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, Text, Transact};

/// Reads frames until a Saved arrives or `wait` passes.
async fn next_saved<S>(socket: &mut S, wait: Duration) -> Option<u64>
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Message::Binary(frame)))) => {
                if let Some(n) = protocol::decode_saved(&frame) {
                    return Some(n);
                }
            }
            Ok(Some(Ok(_))) => {}
            _ => return None,
        }
    }
}

#[tokio::test]
async fn no_saved_while_the_store_fails_and_recovery_after() {
    let store = Arc::new(MemoryStore::default());
    let dyn_store: Arc<dyn Store> = store.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let config = Config::for_tests(std::env::temp_dir());
    let server = tokio::spawn(quire_server::run(
        listener,
        config,
        dyn_store,
        shutdown.clone(),
    ));

    let url = format!("ws://{addr}/ws/faulty?acks=1");
    let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let doc = Doc::new();
    let text = doc.get_or_insert_text("text");
    let send = |chunk: &str| {
        let mut txn = doc.transact_mut();
        let len = text.len(&txn);
        text.insert(&mut txn, len, chunk);
        protocol::update(&txn.encode_update_v1()).to_vec()
    };

    socket
        .send(Message::Binary(send("first").into()))
        .await
        .unwrap();
    assert_eq!(
        next_saved(&mut socket, Duration::from_secs(3)).await,
        Some(1)
    );

    store.set_failing(true);
    socket
        .send(Message::Binary(send(" second").into()))
        .await
        .unwrap();
    assert_eq!(
        next_saved(&mut socket, Duration::from_millis(1500)).await,
        None,
        "nothing acknowledged while the store fails"
    );
    assert!(store.load("faulty").await.unwrap().unwrap().entries.len() == 1);

    store.set_failing(false);
    assert_eq!(
        next_saved(&mut socket, Duration::from_secs(5)).await,
        Some(2),
        "retried once the fault cleared"
    );
    let stored = store.load("faulty").await.unwrap().unwrap();
    assert_eq!(stored.entries.len(), 2);

    shutdown.cancel();
    server.await.unwrap().unwrap();
    let _ = doc.transact().state_vector().encode_v1();
}
