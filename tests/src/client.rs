//! A minimal y-protocols client on yrs and tokio-tungstenite, driven step by
//! step from tests.

use std::time::Duration;

use crdt_core::protocol::{self, Inbound};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, GetString, ReadTxn, StateVector, Text, Transact, Update};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A Yjs client with a `text` root for simple edits.
pub struct Client {
    /// The client's document.
    pub doc: Doc,
    socket: Socket,
    /// Update-carrying messages sent.
    pub sent: u64,
    /// The highest Saved count received.
    pub saved: u64,
    /// Auth denials received.
    pub denied: Vec<String>,
    /// The close frame, once the server closed.
    pub closed: Option<Option<CloseFrame>>,
    /// Whether relayed updates are applied (off for clients that only write).
    pub follow: bool,
    /// Whether the server's SyncStep2 (its answer to ours) arrived.
    pub synced: bool,
    /// SyncStep2 messages received.
    pub sync_replies: u64,
}

impl Client {
    /// Connects and completes the initial sync.
    pub async fn connect(url: &str) -> Self {
        Self::connect_with(url, Doc::new()).await
    }

    /// Connects with a given document (to choose its client id).
    pub async fn connect_with(url: &str, doc: Doc) -> Self {
        let (socket, _) = connect_async(url).await.expect("websocket connect");
        let mut client = Self {
            doc,
            socket,
            sent: 0,
            saved: 0,
            denied: Vec::new(),
            closed: None,
            follow: true,
            synced: false,
            sync_replies: 0,
        };
        let sv = client.doc.transact().state_vector().encode_v1();
        client.send_raw(protocol::sync_step1(&sv).to_vec()).await;
        client.sync().await;
        client
    }

    /// Sends a raw binary frame.
    pub async fn send_raw(&mut self, frame: Vec<u8>) {
        let _ = self.socket.send(Message::Binary(frame.into())).await;
    }

    /// Sends a text frame.
    pub async fn send_text(&mut self, text: &str) {
        let _ = self.socket.send(Message::Text(text.into())).await;
    }

    /// Inserts text at `index` of the `text` root and sends the update.
    pub async fn insert(&mut self, index: u32, chunk: &str) {
        self.insert_in("text", index, chunk).await;
    }

    /// Appends text to the root `root`; returns the number of the message that carried it.
    pub async fn append_to(&mut self, root: &str, chunk: &str) -> u64 {
        let len = {
            let text = self.doc.get_or_insert_text(root);
            yrs::Text::len(&text, &self.doc.transact())
        };
        self.insert_in(root, len, chunk).await;
        self.sent
    }

    /// The content of the text root `root`.
    pub fn text_of(&self, root: &str) -> String {
        let text = self.doc.get_or_insert_text(root);
        text.get_string(&self.doc.transact())
    }

    /// Inserts text at `index` of the text root `root` and sends the update.
    pub async fn insert_in(&mut self, root: &str, index: u32, chunk: &str) {
        let text = self.doc.get_or_insert_text(root);
        let update = {
            let mut txn = self.doc.transact_mut();
            text.insert(&mut txn, index, chunk);
            txn.encode_update_v1()
        };
        self.send_update(update).await;
    }

    /// Sends an update message.
    pub async fn send_update(&mut self, update: Vec<u8>) {
        self.sent += 1;
        self.send_raw(protocol::update(&update).to_vec()).await;
    }

    /// The `text` root's content.
    pub fn text(&self) -> String {
        let text = self.doc.get_or_insert_text("text");
        text.get_string(&self.doc.transact())
    }

    /// Handles incoming messages until `done` holds or `limit` passes;
    /// returns whether `done` held.
    pub async fn pump_until(&mut self, limit: Duration, done: impl Fn(&Self) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while !done(self) {
            if self.closed.is_some() {
                return false;
            }
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return false,
                Ok(None) | Ok(Some(Err(_))) => {
                    self.closed = Some(None);
                }
                Ok(Some(Ok(message))) => self.handle(message).await,
            }
        }
        true
    }

    /// Handles messages for a while (to let relayed updates arrive).
    pub async fn pump(&mut self, time: Duration) {
        self.pump_until(time, |_| false).await;
    }

    /// Sends a SyncStep1 and waits for the server's SyncStep2 answer. A
    /// document handles a connection's messages in order, so by then every
    /// update sent before has been applied (not necessarily stored), and
    /// anything it sent this connection before the answer has been handled.
    pub async fn round_trip(&mut self) -> bool {
        let replies = self.sync_replies;
        let sv = self.doc.transact().state_vector().encode_v1();
        self.send_raw(protocol::sync_step1(&sv).to_vec()).await;
        self.pump_until(Duration::from_secs(20), |c| c.sync_replies > replies)
            .await
    }

    /// Waits until every update sent so far is acknowledged as saved.
    pub async fn wait_saved(&mut self) -> bool {
        let sent = self.sent;
        self.pump_until(Duration::from_secs(10), |c| c.saved >= sent)
            .await
    }

    /// Waits until the server closes the connection; returns the close code.
    pub async fn wait_closed(&mut self) -> Option<u16> {
        self.pump_until(Duration::from_secs(10), |c| c.closed.is_some())
            .await;
        self.closed.clone().flatten().map(|f| u16::from(f.code))
    }

    /// Handles messages until the server's SyncStep2 has brought its state
    /// (or the connection closed). The server greets with its SyncStep1
    /// before it reads ours, so that one is answered by then too.
    async fn sync(&mut self) {
        self.pump_until(Duration::from_secs(20), |c| c.synced).await;
    }

    async fn handle(&mut self, message: Message) {
        let frame = match message {
            Message::Binary(frame) => frame,
            Message::Close(frame) => {
                self.closed = Some(frame);
                return;
            }
            _ => return,
        };
        if let Some(n) = protocol::decode_saved(&frame) {
            self.saved = self.saved.max(n);
            return;
        }
        if frame.starts_with(&[2, 0]) {
            self.denied
                .push(String::from_utf8_lossy(&frame[3..]).into_owned());
            return;
        }
        match protocol::decode(&frame).expect("the server sends valid messages") {
            Inbound::SyncStep1(sv) => {
                let update = self.doc.transact().encode_diff_v1(&sv);
                self.sent += 1;
                self.send_raw(protocol::sync_step2(&update).to_vec()).await;
            }
            Inbound::SyncStep2(update) => {
                self.synced = true;
                self.sync_replies += 1;
                if self.follow {
                    self.apply(update);
                }
            }
            Inbound::Update(update) if self.follow => self.apply(update),
            _ => {}
        }
    }

    fn apply(&mut self, update: &[u8]) {
        let update = Update::decode_v1(update).expect("valid update");
        self.doc
            .transact_mut()
            .apply_update(update)
            .expect("update applies");
    }

    /// The encoded state vector.
    pub fn state_vector(&self) -> StateVector {
        self.doc.transact().state_vector()
    }
}
