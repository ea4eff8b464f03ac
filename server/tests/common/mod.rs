//! What the in-process server tests share: a server on a loopback port with
//! a given store, a typist's updates, and readers of what comes back.

#![allow(dead_code)] // each test file uses part of it

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crdt_core::protocol;
use futures_util::{Sink, SinkExt, StreamExt};
use quire_server::Config;
use quire_server::store::Store;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;
use yrs::{Doc, Text, TextRef, Transact};

/// A server running in this process.
pub struct Served {
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    handle: JoinHandle<anyhow::Result<()>>,
}

impl Served {
    /// Serves `store` with `config` on a free loopback port.
    pub async fn start(store: Arc<dyn Store>, config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let handle = tokio::spawn(quire_server::run(listener, config, store, shutdown.clone()));
        Self {
            addr,
            shutdown,
            handle,
        }
    }

    /// With the configuration of tests.
    pub async fn with_store(store: Arc<dyn Store>) -> Self {
        Self::start(store, Config::for_tests(std::env::temp_dir())).await
    }

    /// The websocket URL of `doc`.
    pub fn url(&self, doc: &str) -> String {
        format!("ws://{}/ws/{doc}", self.addr)
    }

    /// Shuts the server down and waits for it to finish its writes.
    pub async fn stop(self) {
        self.shutdown.cancel();
        self.handle.await.unwrap().unwrap();
    }
}

/// A local document whose appended text becomes update messages.
pub struct Typist {
    doc: Doc,
    text: TextRef,
}

impl Typist {
    pub fn new() -> Self {
        let doc = Doc::new();
        let text = doc.get_or_insert_text("text");
        Self { doc, text }
    }

    /// Appends `chunk`; the update message that carries it.
    pub fn type_text(&self, chunk: &str) -> Message {
        let mut txn = self.doc.transact_mut();
        let len = self.text.len(&txn);
        self.text.insert(&mut txn, len, chunk);
        Message::Binary(protocol::update(&txn.encode_update_v1()).to_vec().into())
    }
}

/// Reads frames until a Saved arrives or `wait` passes.
pub async fn next_saved<S>(socket: &mut S, wait: Duration) -> Option<u64>
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    next_frame(socket, wait, protocol::decode_saved).await
}

/// Reads frames until an update message (messageSync, syncUpdate) arrives
/// or `wait` passes.
pub async fn next_update<S>(socket: &mut S, wait: Duration) -> Option<Vec<u8>>
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    next_frame(socket, wait, |frame| {
        (frame.len() > 2 && frame[0] == 0 && frame[1] == 2).then(|| frame.to_vec())
    })
    .await
}

async fn next_frame<S, T>(
    socket: &mut S,
    wait: Duration,
    mut pick: impl FnMut(&[u8]) -> Option<T>,
) -> Option<T>
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Message::Binary(frame)))) => {
                if let Some(found) = pick(&frame) {
                    return Some(found);
                }
            }
            Ok(Some(Ok(_))) => {}
            _ => return None,
        }
    }
}

/// Reads frames until the server's greeting (its SyncStep1) arrives: the
/// connection has joined its document.
pub async fn greeted<S>(socket: &mut S)
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let greeting = next_frame(socket, Duration::from_secs(30), |frame| {
        frame.starts_with(&[0, 0]).then_some(())
    })
    .await;
    assert!(greeting.is_some(), "the server never greeted");
}

/// Sends a SyncStep1 and reads until the server's SyncStep2 answers it;
/// returns the highest Saved count read on the way. A document handles a
/// connection's messages in order, so a Saved it had already sent arrives
/// before the answer: `None` means nothing was acknowledged yet.
pub async fn saved_before_answer<S>(socket: &mut S) -> Option<u64>
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
        + Sink<Message, Error = tokio_tungstenite::tungstenite::Error>
        + Unpin,
{
    let empty = yrs::StateVector::default();
    let probe = protocol::sync_step1(&yrs::updates::encoder::Encode::encode_v1(&empty));
    socket
        .send(Message::Binary(probe.to_vec().into()))
        .await
        .unwrap();
    let mut saved = None;
    let answered = next_frame(socket, Duration::from_secs(30), |frame| {
        if let Some(n) = protocol::decode_saved(frame) {
            saved = saved.max(Some(n));
        }
        frame.starts_with(&[0, 1]).then_some(())
    })
    .await;
    assert!(
        answered.is_some(),
        "the server never answered the SyncStep1"
    );
    saved
}
