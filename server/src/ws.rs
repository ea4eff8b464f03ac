//! The websocket endpoint: `GET /ws/{doc}` speaking y-protocols, one message
//! per frame. The reader hands frames to the document's actor; the writer
//! drains the connection's bounded queue, pings, and closes on silence.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use crdt_core::AuthorId;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use crate::app::AppState;
use crate::auth::{self, Access, Principal};
use crate::doc::{DocHandle, Inbox, Join, Outbound, Outbox, close, outbox};
use crate::error::ApiError;
use crate::groups;
use crate::guard;
use crate::identity::ANONYMOUS;
use crate::ids::valid_doc_id;
use crate::rate::{Limiter, Verdict};
use crate::service;
use axum::http::{HeaderMap, StatusCode};

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// Query parameters of a websocket connection.
#[derive(Debug, Deserialize)]
pub struct WsParams {
    /// The browser's author secret (open mode).
    author: Option<String>,
    /// Display name.
    name: Option<String>,
    /// `1` to receive Saved acknowledgements.
    acks: Option<String>,
    /// A member token or the admin token.
    token: Option<String>,
}

/// Upgrades to a websocket after checking the document id and identity; a
/// refused request gets an HTTP error and never a byte of document data.
pub async fn upgrade(
    State(app): State<AppState>,
    Path(doc): Path<String>,
    Query(params): Query<WsParams>,
    headers: HeaderMap,
    peer: Option<axum::Extension<crate::throttle::ClientAddr>>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let admitted = admit(&app, &doc, &params, &headers, peer.as_deref()).await;
    let peer = peer.map(|p| p.0.0.ip());
    let (author, name, role, read_only) = admitted.inspect_err(|_| {
        app.metrics.refused_connections.inc();
    })?;
    let acks = params.acks.as_deref() == Some("1");
    // The codec takes frames up to twice the limit, so that a frame somewhat
    // past it is read whole and refused with 1009 and a closing handshake;
    // cut off mid-frame, the peer would see only a reset (1006).
    let limit = app.config.max_message_bytes;
    let codec_limit = limit.saturating_mul(2).max(limit.saturating_add(1 << 20));
    Ok(ws
        .read_buffer_size(4 * 1024)
        .max_message_size(codec_limit)
        .max_frame_size(codec_limit)
        .on_upgrade(move |socket| {
            connection(
                socket,
                app,
                doc,
                Admitted {
                    author,
                    name,
                    role,
                    read_only,
                    acks,
                    peer,
                },
            )
        })
        .into_response())
}

/// Checks the document id, the Origin, and the caller's right to the
/// document; returns the author, display name, a member's role and whether
/// it is read-only.
async fn admit(
    app: &AppState,
    doc: &str,
    params: &WsParams,
    headers: &HeaderMap,
    peer: Option<&crate::throttle::ClientAddr>,
) -> Result<(AuthorId, Option<String>, Option<&'static str>, bool), ApiError> {
    if !valid_doc_id(doc) {
        return Err(ApiError::bad_request("invalid document id"));
    }
    let public = guard::public_origin(app.config.public_url.as_deref());
    if !guard::origin_allowed(headers, public.as_deref()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "origin not allowed",
        ));
    }
    let principal = auth::principal(app, headers, params.token.as_deref()).await?;
    let meta = app.store.get_meta(doc).await?;
    let group = meta.as_ref().and_then(|m| m.group.clone());
    let access = principal.require(group.as_deref(), app.config.private, Access::Read)?;
    service::ensure_not_deleted(app, doc).await?;
    // Only an open server's strangers make documents by opening an address,
    // as in Etherpad. A member's or the admin's documents are made through
    // the API, so an unknown id is a mistyped one: it must not become an
    // empty document outside every group.
    let creates = meta.is_none() && !app.registry.is_loaded(doc);
    if creates && principal != Principal::Anonymous {
        return Err(ApiError::not_found(format!("no document {doc}")));
    }
    let read_only = access < Access::Edit;
    let name = params
        .name
        .as_deref()
        .and_then(crdt_core::presence::clean_name);
    let admitted = match &principal {
        Principal::Member(m) => (
            Arc::from(groups::author_of_member(&m.member)),
            Some(m.name.clone()),
            Some(m.role.as_str()),
            read_only,
        ),
        Principal::Admin => (
            Arc::from("admin"),
            name.clone().or(Some("Admin".into())),
            None,
            read_only,
        ),
        Principal::Anonymous => {
            let author = match &params.author {
                Some(secret) => app
                    .identity
                    .author_of_secret(secret)
                    .map_err(ApiError::bad_request)?,
                None => Arc::from(ANONYMOUS),
            };
            (author, name, None, read_only)
        }
    };
    // Opening an id that is neither stored nor loaded creates a document.
    if creates {
        crate::throttle::admit_creation(app, &principal, headers, peer)?;
    }
    Ok(admitted)
}

/// Who a connection is, as admitted.
struct Admitted {
    author: AuthorId,
    name: Option<String>,
    role: Option<&'static str>,
    read_only: bool,
    acks: bool,
    /// The peer's address, when the listener knows it.
    peer: Option<IpAddr>,
}

async fn connection(socket: WebSocket, app: AppState, doc: String, who: Admitted) {
    app.metrics.connections.inc();
    app.metrics.connections_total.inc();
    let Admitted {
        author,
        name,
        role,
        read_only,
        acks,
        peer,
    } = who;
    // The author's bucket is shared by its connections; anonymous ones share
    // an author id, so they answer to their address's bucket only.
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
    let conn = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = outbox(app.config.send_queue, app.config.send_queue_bytes);
    let dropped = CancellationToken::new();
    let handle = app.registry.join(
        &doc,
        Join {
            conn,
            author,
            name,
            role,
            read_only,
            acks,
            tx: tx.clone(),
            dropped: dropped.clone(),
        },
    );
    debug!(conn, doc, "connected");
    let started = Instant::now();
    let last_seen = Arc::new(AtomicU64::new(0));
    let (sink, mut stream) = socket.split();
    let writer = tokio::spawn(write_loop(
        sink,
        rx,
        Writer {
            started,
            last_seen: last_seen.clone(),
            ping: Duration::from_secs(app.config.ping_secs.max(1)),
            timeout: Duration::from_secs(app.config.idle_timeout_secs.max(1)),
            dropped: dropped.clone(),
        },
    ));
    read_loop(
        &mut stream,
        &handle,
        conn,
        &tx,
        started,
        &last_seen,
        &dropped,
        &app,
        limiter,
    )
    .await;
    handle.leave(conn).await;
    drop(tx);
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
    debug!(conn, "disconnected");
}

#[allow(clippy::too_many_arguments)]
async fn read_loop(
    stream: &mut SplitStream<WebSocket>,
    handle: &DocHandle,
    conn: u64,
    tx: &Outbox,
    started: Instant,
    last_seen: &AtomicU64,
    dropped: &CancellationToken,
    app: &AppState,
    mut limiter: Limiter<'_>,
) {
    loop {
        let message = tokio::select! {
            _ = dropped.cancelled() => return,
            message = stream.next() => message,
        };
        let message = match message {
            Some(Ok(message)) => message,
            Some(Err(e)) => {
                // Say why when the connection can still carry a Close.
                if let Some((code, reason)) = read_error_close(e) {
                    let _ = tx.try_send(Outbound::Close(code, reason));
                }
                return;
            }
            None => return,
        };
        last_seen.store(started.elapsed().as_millis() as u64, Ordering::Relaxed);
        if matches!(message, Message::Close(_)) {
            return;
        }
        match limiter.check(Instant::now()) {
            Verdict::Pass => {}
            Verdict::Wait(wait) => {
                // Over a limit: read nothing more until the debt is paid, so
                // that TCP pushes back on the sender.
                app.metrics.throttled.inc();
                tokio::select! {
                    _ = dropped.cancelled() => return,
                    _ = tokio::time::sleep(wait) => {}
                }
            }
            Verdict::Close => {
                app.metrics.rate_limited.inc();
                let _ = tx.try_send(Outbound::Close(close::POLICY, "message rate limit".into()));
                return;
            }
        }
        match message {
            Message::Binary(frame) if frame.len() > app.config.max_message_bytes => {
                let _ = tx.try_send(Outbound::Close(close::TOO_BIG, "message too big".into()));
                return;
            }
            Message::Binary(frame) => {
                if !handle.frame(conn, frame).await {
                    let _ = tx.try_send(Outbound::Close(
                        close::INTERNAL,
                        "document unavailable".into(),
                    ));
                    return;
                }
            }
            Message::Text(_) => {
                let _ = tx.try_send(Outbound::Close(
                    close::UNSUPPORTED,
                    "binary frames only".into(),
                ));
                return;
            }
            Message::Close(_) => return,
            Message::Ping(_) | Message::Pong(_) => {}
        }
    }
}

struct Writer {
    started: Instant,
    last_seen: Arc<AtomicU64>,
    ping: Duration,
    timeout: Duration,
    dropped: CancellationToken,
}

/// A connection sent no message for this long is sent an empty awareness
/// update: y-websocket reconnects after 30 s without a message, and a lone
/// client is never sent its own awareness back.
const KEEPALIVE: Duration = Duration::from_secs(10);

/// An awareness message with no states, which every client ignores.
const EMPTY_AWARENESS: &[u8] = &[1, 1, 0];

async fn write_loop(mut sink: SplitSink<WebSocket, Message>, mut rx: Inbox, w: Writer) {
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
            _ = w.dropped.cancelled() => break Some((close::TRY_AGAIN, "too slow; reconnect to resync".to_owned())),
            _ = ping.tick() => {
                let seen = Duration::from_millis(w.last_seen.load(Ordering::Relaxed));
                if w.started.elapsed().saturating_sub(seen) > w.timeout {
                    break Some((close::GOING_AWAY, "no pong".to_owned()));
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

/// A close reason fits in 123 bytes.
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
        Some(WsError::Utf8(_)) => Some((close::INVALID_DATA, "text frame is not UTF-8".into())),
        Some(WsError::Io(_) | WsError::ConnectionClosed | WsError::AlreadyClosed) => None,
        _ => Some((close::PROTOCOL, short(&inner.to_string()))),
    }
}

fn short(reason: &str) -> String {
    let mut end = reason.len().min(120);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}
