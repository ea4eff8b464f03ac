//! Relaying under load: a document sends at most `--relay-frames-per-sec`
//! frames a second, so updates that arrive close together reach a peer
//! merged into fewer messages.

use std::sync::Arc;
use std::time::Duration;

mod common;

use common::{Served, greeted};
use crdt_core::protocol;
use futures_util::{SinkExt, StreamExt};
use quire_server::Config;
use quire_server::store::MemoryStore;
use tokio_tungstenite::tungstenite::Message;
use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, Text, Transact, Update};

/// Reads update messages (messageSync, then syncUpdate) until the text has
/// `expected` or `wait` passes; returns how many there were.
async fn updates_until<S>(socket: &mut S, expected: &str, wait: Duration) -> usize
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let doc = Doc::new();
    let text = doc.get_or_insert_text("text");
    let deadline = tokio::time::Instant::now() + wait;
    let mut count = 0;
    while text.get_string(&doc.transact()) != expected {
        let frame = match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Message::Binary(frame)))) => frame,
            Ok(Some(Ok(_))) => continue,
            _ => panic!(
                "the observer has {:?}, not {expected:?}",
                text.get_string(&doc.transact())
            ),
        };
        if frame.len() > 2 && frame[0] == 0 && frame[1] == 2 {
            count += 1;
            // One varint length, then the update.
            let mut at = 2;
            while frame[at] & 0x80 != 0 {
                at += 1;
            }
            let update = Update::decode_v1(&frame[at + 1..]).expect("an update");
            doc.transact_mut().apply_update(update).unwrap();
        }
    }
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_document_merges_what_it_relays() {
    let mut config = Config::for_tests(std::env::temp_dir());
    // Three connections, 150 frames a second: relays 20 ms apart.
    config.relay_frames_per_sec = 150;
    let server = Served::start(Arc::new(MemoryStore::default()), config).await;
    let url = server.url("busy");
    let (mut other, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let (mut observer, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    // Without Nagle's algorithm, so that each keystroke leaves at once.
    let (mut writer, _) = tokio_tungstenite::connect_async_with_config(&url, None, true)
        .await
        .unwrap();
    for socket in [&mut other, &mut observer, &mut writer] {
        greeted(socket).await;
    }

    // Thirty keystrokes as fast as they go, read as they come.
    let typed: String = (0..30).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
    let started = tokio::time::Instant::now();
    let reader = {
        let (typed, mut observer) = (typed.clone(), observer);
        tokio::spawn(async move {
            let count = updates_until(&mut observer, &typed, Duration::from_secs(60)).await;
            (count, started.elapsed())
        })
    };
    let doc = Doc::new();
    let text = doc.get_or_insert_text("text");
    for (i, ch) in typed.chars().enumerate() {
        let update = {
            let mut txn = doc.transact_mut();
            text.insert(&mut txn, i as u32, &ch.to_string());
            txn.encode_update_v1()
        };
        writer
            .send(Message::Binary(protocol::update(&update).to_vec().into()))
            .await
            .unwrap();
    }
    let (messages, took) = reader.await.unwrap();
    // Relays are at least 20 ms apart (15 here, for timer granularity), so
    // within the time from the first keystroke to the last relay a peer gets
    // at most one message per interval, and one more: however slowly the
    // keystrokes went out, never one message per keystroke if they came
    // faster than that.
    let intervals = (took.as_millis() / 15) as usize;
    eprintln!("30 updates in {messages} messages over {took:?}");
    assert!(
        (1..=intervals + 1).contains(&messages),
        "30 updates reached a peer in {messages} messages within {took:?}"
    );

    server.stop().await;
    drop(other);
}
