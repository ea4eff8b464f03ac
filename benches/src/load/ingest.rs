//! Ingest: one websocket pushes a keystroke stream as fast as the server
//! takes it. With Saved acknowledgements, at most `window` updates are
//! unacknowledged and the clock stops at the last ack; a server without acks
//! (the Node peer) gets the stream at TCP's pace and the clock stops when a
//! SyncStep1 sent after the last update is answered with the whole state.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use tokio::sync::{Semaphore, oneshot};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, GetString, StateVector, Transact, Update};

use super::{connect, procstat, wire};

/// What an ingest run does.
#[derive(Debug, Clone)]
pub struct Config {
    /// Websocket base, e.g. `ws://127.0.0.1:8080/ws`.
    pub base: String,
    /// The document to write into (fresh).
    pub doc: String,
    /// Wait for Saved acknowledgements (Quire); otherwise sync at the end.
    pub acks: bool,
    /// Most unacknowledged updates in flight.
    pub window: usize,
    /// The server's pid, for CPU and RSS.
    pub server_pid: Option<u32>,
    /// Longest the whole run may take.
    pub timeout: Duration,
}

/// The figures of an ingest run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Updates sent.
    pub updates: usize,
    /// Bytes of updates sent.
    pub bytes: u64,
    /// From the first update sent to the last ack (or the final sync).
    pub seconds: f64,
    /// Updates per second.
    pub updates_per_sec: f64,
    /// Whether Saved acknowledgements were used.
    pub acks: bool,
    /// Update messages the server sent back to this connection.
    pub echoes: u64,
    /// Whether the server's final state has exactly the expected text.
    pub verified: bool,
    /// Server CPU seconds during the run.
    pub server_cpu_seconds: Option<f64>,
    /// Server RSS at the end, MiB.
    pub server_rss_mib: Option<f64>,
    /// The load generator's own CPU seconds during the run (it shares the
    /// machine with the server).
    pub loadgen_cpu_seconds: Option<f64>,
}

/// Reads the text of a full-state update.
pub fn text_of_state(update: &[u8]) -> Option<String> {
    let doc = Doc::new();
    let text = doc.get_or_insert_text("text");
    doc.transact_mut()
        .apply_update(Update::decode_v1(update).ok()?)
        .ok()?;
    Some(text.get_string(&doc.transact()))
}

/// Pushes `updates` and, when `expected_text` is given, checks the server's
/// final state against it.
pub async fn run(
    config: Config,
    updates: Arc<Vec<Vec<u8>>>,
    expected_text: Option<String>,
) -> std::io::Result<Report> {
    let query = if config.acks { "?acks=1" } else { "" };
    let ws = connect(&format!("{}/{}{query}", config.base, config.doc)).await?;
    let (mut sink, mut stream) = ws.split();
    let total = updates.len() as u64;
    let window = Arc::new(Semaphore::new(config.window.max(1)));
    let acked = Arc::new(AtomicU64::new(0));
    let echoes = Arc::new(AtomicU64::new(0));
    let (all_acked_tx, all_acked_rx) = oneshot::channel::<Instant>();
    let (state_tx, mut state_rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let closed_by_server = Arc::new(std::sync::Mutex::new(None::<String>));
    let reader = {
        let (window, acked, echoes) = (window.clone(), acked.clone(), echoes.clone());
        let closed_by_server = closed_by_server.clone();
        let acks = config.acks;
        tokio::spawn(async move {
            let mut all_acked_tx = Some(all_acked_tx);
            while let Some(frame) = stream.next().await {
                let bytes = match frame {
                    Ok(WsMessage::Binary(bytes)) => bytes,
                    Ok(WsMessage::Close(close)) => {
                        *closed_by_server.lock().unwrap() = Some(
                            close.map_or_else(String::new, |c| format!("{} {}", c.code, c.reason)),
                        );
                        break;
                    }
                    Ok(_) => continue,
                    Err(_) => break,
                };
                match wire::Message::decode(&bytes) {
                    Some(wire::Message::Saved(n)) if acks => {
                        let before = acked.swap(n, Ordering::AcqRel);
                        if n > before {
                            window.add_permits((n - before) as usize);
                        }
                        if n >= total
                            && let Some(tx) = all_acked_tx.take()
                        {
                            let _ = tx.send(Instant::now());
                        }
                    }
                    Some(wire::Message::Update(_)) => {
                        echoes.fetch_add(1, Ordering::Relaxed);
                    }
                    Some(wire::Message::SyncStep2(state)) => {
                        let _ = state_tx.send((Instant::now(), state.to_vec()));
                    }
                    _ => {}
                }
            }
            // The connection ended: wake a writer waiting for the window.
            window.close();
        })
    };
    let cpu_before = config.server_pid.and_then(procstat::cpu_seconds);
    let own_cpu_before = procstat::cpu_seconds(procstat::own_pid());
    let started = Instant::now();
    let mut bytes = 0u64;
    let deadline = started + config.timeout;
    let timed_out = || std::io::Error::other("ingest timed out");
    for update in updates.iter() {
        if config.acks {
            let permit = match window.try_acquire() {
                Ok(p) => p,
                Err(_) => {
                    tokio::time::timeout_at(deadline.into(), sink.flush())
                        .await
                        .map_err(|_| timed_out())?
                        .map_err(std::io::Error::other)?;
                    tokio::time::timeout_at(deadline.into(), window.acquire())
                        .await
                        .map_err(|_| timed_out())?
                        .map_err(|_| {
                            std::io::Error::other(format!(
                                "the server closed the connection ({})",
                                closed_by_server.lock().unwrap().clone().unwrap_or_default()
                            ))
                        })?
                }
            };
            permit.forget();
        }
        bytes += update.len() as u64;
        tokio::time::timeout_at(
            deadline.into(),
            sink.feed(WsMessage::binary(wire::update(update))),
        )
        .await
        .map_err(|_| timed_out())?
        .map_err(std::io::Error::other)?;
    }
    tokio::time::timeout_at(deadline.into(), sink.flush())
        .await
        .map_err(|_| timed_out())?
        .map_err(std::io::Error::other)?;
    let probe = || WsMessage::binary(wire::sync_step1(&StateVector::default().encode_v1()));
    let finished = if config.acks {
        tokio::time::timeout_at(deadline.into(), all_acked_rx)
            .await
            .map_err(|_| timed_out())?
            .map_err(|_| std::io::Error::other("connection closed before the last ack"))?
    } else {
        sink.send(probe()).await.map_err(std::io::Error::other)?;
        Instant::now()
    };
    let (seconds, state) = if config.acks {
        sink.send(probe()).await.map_err(std::io::Error::other)?;
        let (_, state) = tokio::time::timeout_at(deadline.into(), state_rx.recv())
            .await
            .map_err(|_| timed_out())?
            .ok_or_else(|| std::io::Error::other("no final state"))?;
        (finished.duration_since(started).as_secs_f64(), state)
    } else {
        let (at, state) = tokio::time::timeout_at(deadline.into(), state_rx.recv())
            .await
            .map_err(|_| timed_out())?
            .ok_or_else(|| std::io::Error::other("no final state"))?;
        (at.duration_since(started).as_secs_f64(), state)
    };
    let _ = finished;
    let server_cpu_seconds = config
        .server_pid
        .and_then(procstat::cpu_seconds)
        .zip(cpu_before)
        .map(|(a, b)| a - b);
    let loadgen_cpu_seconds = procstat::cpu_seconds(procstat::own_pid())
        .zip(own_cpu_before)
        .map(|(a, b)| a - b);
    let verified = match &expected_text {
        Some(expected) => text_of_state(&state).as_deref() == Some(expected.as_str()),
        None => true,
    };
    let _ = sink.send(WsMessage::Close(None)).await;
    reader.abort();
    Ok(Report {
        updates: updates.len(),
        bytes,
        seconds,
        updates_per_sec: updates.len() as f64 / seconds,
        acks: config.acks,
        echoes: echoes.load(Ordering::Relaxed),
        verified,
        server_cpu_seconds,
        server_rss_mib: config
            .server_pid
            .and_then(procstat::rss_bytes)
            .map(|b| b as f64 / (1024.0 * 1024.0)),
        loadgen_cpu_seconds,
    })
}
