//! The writer of one websocket connection: drains its bounded queue into
//! the socket in coalesced writes, pings, keeps a lone client from timing
//! out, and sends the closing frame.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use crdt_core::protocol::close::{self, reason};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use tokio_util::sync::CancellationToken;

use crate::doc::{Inbox, Outbound};

/// What the writer of one connection needs.
pub(super) struct Writer {
    /// When the connection opened.
    pub started: Instant,
    /// Milliseconds after `started` that the peer last sent anything.
    pub last_seen: Arc<AtomicU64>,
    /// Time between pings.
    pub ping: Duration,
    /// Silence after which the connection is closed; also the longest write.
    pub timeout: Duration,
    /// Cancelled when the writer stops, and by the document to drop the
    /// connection.
    pub dropped: CancellationToken,
}

/// A connection sent no message for this long is sent an empty awareness
/// update: y-websocket reconnects after 30 s without a message, and a lone
/// client is never sent its own awareness back.
const KEEPALIVE: Duration = Duration::from_secs(10);

/// An awareness message with no states, which every client ignores.
const EMPTY_AWARENESS: &[u8] = &[1, 1, 0];

/// Sends what the document queues for the connection, pings and keeps it
/// alive, and closes it: when asked, when it is dropped or when it goes silent.
pub(super) async fn write_loop(mut sink: SplitSink<WebSocket, Message>, mut rx: Inbox, w: Writer) {
    let mut ping = tokio::time::interval(w.ping);
    ping.tick().await;
    let mut keepalive = tokio::time::interval(KEEPALIVE / 2);
    keepalive.tick().await;
    let mut last_message = Instant::now();
    let close = loop {
        let outbound = tokio::select! {
            biased;
            outbound = rx.recv() => outbound,
            _ = keepalive.tick() => {
                if last_message.elapsed() >= KEEPALIVE {
                    last_message = Instant::now();
                    let empty = Message::Binary(bytes::Bytes::from_static(EMPTY_AWARENESS));
                    if send(&mut sink, empty, w.timeout).await.is_err() {
                        break None;
                    }
                }
                continue;
            }
            _ = w.dropped.cancelled() => break Some((close::TRY_AGAIN, reason::TOO_SLOW.to_owned())),
            _ = ping.tick() => {
                let seen = Duration::from_millis(w.last_seen.load(Ordering::Relaxed));
                if w.started.elapsed().saturating_sub(seen) > w.timeout {
                    break Some((close::GOING_AWAY, reason::NO_PONG.to_owned()));
                }
                if send(&mut sink, Message::Ping(bytes::Bytes::new()), w.timeout).await.is_err() {
                    break None;
                }
                continue;
            }
        };
        match outbound {
            Some(Outbound::Frame(frame)) => {
                // Coalesce whatever is already queued into one write, up to
                // 64 frames or 256 KiB: the websocket layer copies what it
                // is fed into its buffer until the flush.
                let mut pending_close = None;
                let mut bytes = frame.len();
                let mut batch = vec![frame];
                while batch.len() < 64 && bytes < 256 << 10 {
                    match rx.try_recv() {
                        Ok(Outbound::Frame(f)) => {
                            bytes += f.len();
                            batch.push(f);
                        }
                        Ok(Outbound::Close(code, reason)) => {
                            pending_close = Some((code, reason));
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let write = async {
                    for f in batch {
                        sink.feed(Message::Binary(f)).await?;
                    }
                    sink.flush().await
                };
                match tokio::time::timeout(w.timeout, write).await {
                    Ok(Ok(())) => last_message = Instant::now(),
                    _ => break None,
                }
                if pending_close.is_some() {
                    break pending_close;
                }
            }
            Some(Outbound::Close(code, reason)) => break Some((code, reason)),
            None => break None,
        }
    };
    if let Some((code, reason)) = close {
        let frame = CloseFrame {
            code,
            reason: short(&reason).into(),
        };
        let _ = send(
            &mut sink,
            Message::Close(Some(frame)),
            Duration::from_secs(1),
        )
        .await;
    }
    w.dropped.cancel();
}

async fn send(
    sink: &mut SplitSink<WebSocket, Message>,
    message: Message,
    limit: Duration,
) -> Result<(), ()> {
    match tokio::time::timeout(limit, sink.send(message)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

/// A close reason cut to fit the 123 bytes a Close frame has for it.
pub(super) fn short(reason: &str) -> String {
    let mut end = reason.len().min(120);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}
