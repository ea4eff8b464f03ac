//! Idle connections: how much server memory a synced, silent connection costs.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::{connect, procstat, wire};

/// The figures of an idle run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Documents.
    pub docs: usize,
    /// Connections held open, one per document included.
    pub connections: usize,
    /// Connections that failed.
    pub failed: usize,
    /// Server RSS with one connection per document, MiB.
    pub rss_base_mib: Option<f64>,
    /// Server RSS with every connection open, MiB.
    pub rss_all_mib: Option<f64>,
    /// Extra RSS per connection beyond the first per document, KiB.
    pub kib_per_connection: Option<f64>,
}

async fn hold(url: String, mut stop: watch::Receiver<bool>) -> bool {
    let Ok(ws) = connect(&url).await else {
        return false;
    };
    let (mut sink, mut stream) = ws.split();
    let empty_state_vector = [0u8];
    if sink
        .send(WsMessage::binary(wire::sync_step1(&empty_state_vector)))
        .await
        .is_err()
    {
        return false;
    }
    loop {
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(WsMessage::Binary(b))) => {
                    if let Some(wire::Message::SyncStep1(_)) = wire::Message::decode(&b) {
                        // Nothing to send: the empty update.
                        if sink.send(WsMessage::binary(wire::sync_step2(&[0, 0]))).await.is_err() {
                            return false;
                        }
                    }
                }
                Some(Ok(_)) => {}
                _ => return false,
            },
            _ = stop.changed() => {
                let _ = sink.send(WsMessage::Close(None)).await;
                return true;
            }
        }
    }
}

/// Opens one connection per document, then the rest, and reads the server's
/// RSS after each step settles.
pub async fn run(
    base: &str,
    run_id: &str,
    docs: usize,
    connections: usize,
    server_pid: Option<u32>,
) -> std::io::Result<Report> {
    let docs = docs.max(1);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    let url = |i: usize| format!("{base}/{run_id}-idle{}", i % docs);
    let settle = Duration::from_secs(2);
    for i in 0..docs.min(connections) {
        tasks.push(tokio::spawn(hold(url(i), stop_rx.clone())));
    }
    tokio::time::sleep(settle).await;
    let rss_base = server_pid.and_then(procstat::rss_bytes);
    for i in docs.min(connections)..connections {
        tasks.push(tokio::spawn(hold(url(i), stop_rx.clone())));
        if i % 50 == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    tokio::time::sleep(settle + Duration::from_millis(connections as u64)).await;
    let rss_all = server_pid.and_then(procstat::rss_bytes);
    let _ = stop_tx.send(true);
    let mut failed = 0;
    for t in tasks {
        if !t.await.unwrap_or(false) {
            failed += 1;
        }
    }
    let extra = connections.saturating_sub(docs).max(1) as f64;
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    Ok(Report {
        docs,
        connections,
        failed,
        rss_base_mib: rss_base.map(mib),
        rss_all_mib: rss_all.map(mib),
        kib_per_connection: rss_base
            .zip(rss_all)
            .map(|(a, b)| (b as f64 - a as f64) / 1024.0 / extra),
    })
}
