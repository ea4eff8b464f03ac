//! Cold load: connect to a stored document that is not loaded and time until
//! its whole state arrives.

use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::{connect, wire};

/// How long one sync of a document took.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Milliseconds from connecting to receiving the whole state.
    pub ms: f64,
    /// Bytes of the state.
    pub state_bytes: usize,
}

/// Connects to `doc`, asks for everything and returns the time and the
/// state; gives up after a minute.
pub async fn sync_once(base: &str, doc: &str) -> std::io::Result<(Report, Vec<u8>)> {
    tokio::time::timeout(std::time::Duration::from_secs(60), sync(base, doc))
        .await
        .map_err(|_| std::io::Error::other(format!("{doc}: no state within 60 s")))?
}

async fn sync(base: &str, doc: &str) -> std::io::Result<(Report, Vec<u8>)> {
    let started = Instant::now();
    let ws = connect(&format!("{base}/{doc}")).await?;
    let (mut sink, mut stream) = ws.split();
    sink.send(WsMessage::binary(wire::sync_step1(&[0])))
        .await
        .map_err(std::io::Error::other)?;
    while let Some(frame) = stream.next().await {
        if let Ok(WsMessage::Binary(bytes)) = frame
            && let Some(wire::Message::SyncStep2(state)) = wire::Message::decode(&bytes)
        {
            let report = Report {
                ms: started.elapsed().as_secs_f64() * 1e3,
                state_bytes: state.len(),
            };
            let state = state.to_vec();
            let _ = sink.send(WsMessage::Close(None)).await;
            return Ok((report, state));
        }
    }
    Err(std::io::Error::other("closed before the state arrived"))
}
