//! The websocket load generator: typists, ingest, idle connections and cold
//! loads against any server that speaks the y-websocket protocol.
//!
//! # Layout
//!
//! - [`cli`]: the command line.
//! - [`quick`]: the quick convergence, acknowledgement and durability check.
//! - [`typists`]: clients typing on shared documents; edit-to-peer latency.
//! - [`ingest`]: one connection pushing a keystroke stream; updates per second.
//! - [`idle`]: memory per idle connection.
//! - [`cold`]: time to sync a stored document that is not loaded.
//! - [`server`]: starting and stopping `quire serve`.
//! - [`procstat`]: RSS and CPU time from `/proc`.
//! - [`wire`]: the y-protocols messages.
//! - [`stats`]: latency percentiles of the typists.

pub mod cli;
pub mod cold;
pub mod idle;
pub mod ingest;
pub mod procstat;
mod quick;
pub mod server;
pub mod stats;
pub mod typists;
pub mod wire;

use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A client websocket.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a websocket with Nagle's algorithm off, as browsers do; gives up
/// after 30 seconds (a server that stopped answering must not hang a run).
pub async fn connect(url: &str) -> std::io::Result<Ws> {
    let connecting = tokio_tungstenite::connect_async_with_config(url, None, true);
    let (ws, _) = tokio::time::timeout(std::time::Duration::from_secs(30), connecting)
        .await
        .map_err(|_| std::io::Error::other(format!("{url}: no answer within 30 s")))?
        .map_err(|e| std::io::Error::other(format!("{url}: {e}")))?;
    Ok(ws)
}
