//! One websocket connection: joins the document, reads frames into its
//! actor under the message-rate limits, and leaves with a closing handshake.
//! [`super::writer`] drains what the document sends it.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket};
use crdt_core::AuthorId;
use crdt_core::protocol::close::{self, reason};
use futures_util::StreamExt;
use futures_util::stream::SplitStream;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use super::writer::{Writer, short, write_loop};
use crate::doc::{DocHandle, Join, Outbound, Outbox, outbox};
use crate::identity::ANONYMOUS;
use crate::ids::ConnId;
use crate::rate::{Limiter, Verdict};
use crate::state::AppState;

/// Who a connection is, as admitted.
pub(super) struct Admitted {
    pub author: AuthorId,
    pub name: Option<String>,
    pub role: Option<&'static str>,
    pub read_only: bool,
    pub acks: bool,
    /// The peer's address, when the listener knows it.
    pub peer: Option<IpAddr>,
}

/// Whether the read loop goes on after a message.
enum Flow {
    Continue,
    Stop,
}

/// What the read loop of one connection needs.
struct Connection<'a> {
    app: &'a AppState,
    conn: ConnId,
    /// The document's actor.
    handle: DocHandle,
    /// Frames and the close for this connection's writer.
    tx: Outbox,
    /// When the connection opened; `last_seen` counts from it.
    started: Instant,
    /// Milliseconds after `started` that the peer last sent anything.
    last_seen: Arc<AtomicU64>,
    /// Cancelled when the writer stops or the document drops the connection.
    dropped: CancellationToken,
    limiter: Limiter<'a>,
}

/// Serves one upgraded websocket until it closes.
pub(super) async fn serve(socket: WebSocket, app: AppState, doc: String, who: Admitted) {
    app.metrics.connections.inc();
    app.metrics.connections_total.inc();
    let conn = ConnId::next();
    let (tx, rx) = outbox(app.config.send_queue, app.config.send_queue_bytes);
    let dropped = CancellationToken::new();
    let mut connection = Connection::join(&app, &doc, conn, who, tx, dropped.clone());
    debug!(%conn, doc, "connected");
    let (sink, mut stream) = socket.split();
    let writer = tokio::spawn(write_loop(
        sink,
        rx,
        Writer {
            started: connection.started,
            last_seen: connection.last_seen.clone(),
            ping: Duration::from_secs(app.config.ping_secs.max(1)),
            timeout: Duration::from_secs(app.config.idle_timeout_secs.max(1)),
            dropped,
        },
    ));
    connection.read_loop(&mut stream).await;
    connection.handle.leave(conn.get()).await;
    drop(connection);
    // The closing handshake: while the writer sends its Close, read and drop
    // what the peer still sends until its Close. A socket closed with unread
    // data answers with a reset, and the peer may lose our Close frame (and
    // its reason) with it.
    let drain = async {
        while let Some(Ok(message)) = stream.next().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = tokio::join!(writer, drain);
    })
    .await;
    app.metrics.connections.dec();
    debug!(%conn, "disconnected");
}

impl<'a> Connection<'a> {
    /// Builds the connection's limits and joins it to document `doc`.
    fn join(
        app: &'a AppState,
        doc: &str,
        conn: ConnId,
        who: Admitted,
        tx: Outbox,
        dropped: CancellationToken,
    ) -> Self {
        let Admitted {
            author,
            name,
            role,
            read_only,
            acks,
            peer,
        } = who;
        // The author's bucket is shared by its connections; anonymous ones
        // share an author id, so they answer to their address's bucket only.
        let mut shared = Vec::new();
        if &*author != ANONYMOUS {
            shared.push((&*app.author_rates, author.to_string()));
        }
        if let Some(peer) = peer {
            shared.push((&*app.ip_rates, peer.to_string()));
        }
        let limiter = Limiter::new(
            app.config.max_messages_per_sec,
            shared,
            Duration::from_secs(app.config.rate_limit_close_secs),
            Instant::now(),
        );
        let handle = app.registry.join(
            doc,
            Join {
                conn: conn.get(),
                author,
                name,
                role,
                read_only,
                acks,
                tx: tx.clone(),
                dropped: dropped.clone(),
            },
        );
        Self {
            app,
            conn,
            handle,
            tx,
            started: Instant::now(),
            last_seen: Arc::new(AtomicU64::new(0)),
            dropped,
            limiter,
        }
    }

    /// Reads messages until the peer closes, the connection is dropped, or a
    /// message closes it.
    async fn read_loop(&mut self, stream: &mut SplitStream<WebSocket>) {
        loop {
            let message = tokio::select! {
                _ = self.dropped.cancelled() => return,
                message = stream.next() => message,
            };
            let message = match message {
                Some(Ok(message)) => message,
                Some(Err(e)) => {
                    // Say why when the connection can still carry a Close.
                    if let Some((code, reason)) = read_error_close(e) {
                        self.close(code, reason);
                    }
                    return;
                }
                None => return,
            };
            self.last_seen
                .store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
            if matches!(message, Message::Close(_)) {
                return;
            }
            if let Flow::Stop = self.pace().await {
                return;
            }
            if let Flow::Stop = self.handle_message(message).await {
                return;
            }
        }
    }

    /// Holds the loop while the connection is over a message-rate limit.
    async fn pace(&mut self) -> Flow {
        match self.limiter.check(Instant::now()) {
            Verdict::Pass => Flow::Continue,
            Verdict::Wait(wait) => {
                // Over a limit: read nothing more until the debt is paid, so
                // that TCP pushes back on the sender.
                self.app.metrics.throttled.inc();
                tokio::select! {
                    _ = self.dropped.cancelled() => Flow::Stop,
                    _ = tokio::time::sleep(wait) => Flow::Continue,
                }
            }
            Verdict::Close => {
                self.app.metrics.rate_limited.inc();
                self.close(close::POLICY, reason::RATE_LIMIT.into());
                Flow::Stop
            }
        }
    }

    /// Hands a message to the document, or closes the connection for it.
    async fn handle_message(&mut self, message: Message) -> Flow {
        match message {
            Message::Binary(frame) if frame.len() > self.app.config.max_message_bytes => {
                self.close(close::TOO_BIG, reason::TOO_BIG.into());
                Flow::Stop
            }
            Message::Binary(frame) => {
                if self.handle.frame(self.conn.get(), frame).await {
                    Flow::Continue
                } else {
                    self.close(close::INTERNAL, reason::UNAVAILABLE.into());
                    Flow::Stop
                }
            }
            Message::Text(_) => {
                self.close(close::UNSUPPORTED, reason::BINARY_ONLY.into());
                Flow::Stop
            }
            Message::Close(_) => Flow::Stop,
            Message::Ping(_) | Message::Pong(_) => Flow::Continue,
        }
    }

    /// Asks the writer to close the websocket with `code` and `reason`.
    fn close(&self, code: u16, reason: String) {
        let _ = self.tx.try_send(Outbound::Close(code, reason));
    }
}

/// The close code and reason for an error reading the socket: a frame past
/// the codec's limit 1009, a frame that breaks the websocket protocol 1002,
/// a text frame that is not UTF-8 1007; `None` when the connection itself
/// failed (reset, closed) and no Close can reach the peer.
fn read_error_close(e: axum::Error) -> Option<(u16, String)> {
    use tungstenite::Error as WsError;
    let inner = e.into_inner();
    match inner.downcast_ref::<WsError>() {
        Some(WsError::Capacity(c)) => Some((close::TOO_BIG, short(&c.to_string()))),
        Some(WsError::Protocol(p)) => Some((close::PROTOCOL, short(&p.to_string()))),
        Some(WsError::Utf8(_)) => Some((close::INVALID_DATA, reason::NOT_UTF8.into())),
        Some(WsError::Io(_) | WsError::ConnectionClosed | WsError::AlreadyClosed) => None,
        _ => Some((close::PROTOCOL, short(&inner.to_string()))),
    }
}
