//! The accept loop: HTTP/1.1 with upgrades, a deadline for request headers,
//! and a cap on open TCP connections, websockets included.
//!
//! `axum::serve` sets no timer, so a client that opens connections and never
//! finishes a request holds each one forever, until the process runs out of
//! file descriptors. Here headers must arrive within `--header-timeout-secs`,
//! and past `--max-connections` open connections a new one is closed at once
//! (counted in `quire_tcp_refused_total`).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use prometheus_client::metrics::gauge::Gauge;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;
use crate::throttle::ClientAddr;
use tower::ServiceExt as _;

/// Limits of the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most TCP connections open at once.
    pub max_connections: usize,
    /// Time a client has to send its request headers.
    pub header_timeout: Duration,
}

/// A TCP stream that holds one of the connection permits as long as it is
/// open, through a websocket upgrade too.
struct Counted {
    tcp: TcpStream,
    _permit: OwnedSemaphorePermit,
    open: Gauge,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.open.dec();
    }
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// Serves `router` on `listener` until `shutdown` is cancelled, then lets
/// every HTTP exchange in progress finish. Upgraded websockets end through
/// their own shutdown path.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let builder = Arc::new(builder);
    // Each connection task holds a receiver; the loop waits for all to drop.
    let (done_tx, done_rx) = watch::channel(());
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            metrics.tcp_refused.inc();
            drop(tcp);
            continue;
        };
        // Small frames (Saved acks, one keystroke) must not wait for Nagle.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "TCP_NODELAY not set");
        }
        metrics.tcp_connections.inc();
        let io = TokioIo::new(Counted {
            tcp,
            _permit: permit,
            open: metrics.tcp_connections.clone(),
        });
        // Handlers that count per client (document creation) read its address.
        let service = TowerToHyperService::new(router.clone().map_request(
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ClientAddr(peer));
                request
            },
        ));
        let (builder, shutdown, done) = (builder.clone(), shutdown.clone(), done_rx.clone());
        tokio::spawn(async move {
            let conn = builder.serve_connection_with_upgrades(io, service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = shutdown.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(done);
        });
    }
    drop(listener);
    drop(done_rx);
    done_tx.closed().await;
}
