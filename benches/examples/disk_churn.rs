//! Writes to one document of a running `quire serve`, to measure what the
//! data directory holds afterwards (`scripts/disk-usage.sh` runs it).
//!
//! `churn`: inserts a chunk and deletes it again, over and over, for `--secs`
//! seconds at `--rate` updates per second: the document stays small while
//! its log grows. `grow`: pastes `--chunk-kb` chunks until the document
//! holds `--mb` megabytes, each acknowledged before the next.

use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use crdt_core::protocol::{self, Inbound};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;
use yrs::updates::decoder::Decode;
use yrs::{Doc, ReadTxn, Text, Transact, Update};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    Churn,
    Grow,
}

#[derive(Debug, Parser)]
struct Args {
    /// `churn` or `grow`.
    mode: Mode,
    /// The websocket URL of the document, e.g. ws://127.0.0.1:8080/ws/doc?acks=1.
    url: String,
    /// Churn: seconds to run.
    #[arg(long, default_value_t = 20)]
    secs: u64,
    /// Churn: bytes inserted (and deleted again) per pair of updates.
    #[arg(long, default_value_t = 28)]
    chunk: usize,
    /// Churn: updates per second.
    #[arg(long, default_value_t = 400)]
    rate: u32,
    /// Grow: megabytes of text to reach.
    #[arg(long, default_value_t = 52)]
    mb: usize,
    /// Grow: kilobytes per paste.
    #[arg(long, default_value_t = 2048)]
    chunk_kb: usize,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    let (socket, _) = connect_async(args.url.as_str())
        .await
        .expect("websocket connects");
    let (mut sink, mut stream) = socket.split();
    let doc = Doc::new();
    let text = doc.get_or_insert_text("text");
    let (mut sent, mut saved, mut closed) = (0u64, 0u64, None);
    // Reads what arrived, without waiting; answers the server's SyncStep1.
    macro_rules! drain {
        ($wait:expr) => {
            while let Ok(Some(message)) = tokio::time::timeout($wait, stream.next()).await {
                match message {
                    Ok(Message::Binary(frame)) => {
                        if let Some(n) = protocol::decode_saved(&frame) {
                            saved = saved.max(n);
                        } else if let Ok(Inbound::SyncStep2(u) | Inbound::Update(u)) =
                            protocol::decode(&frame)
                        {
                            let update = Update::decode_v1(u).expect("valid update");
                            doc.transact_mut().apply_update(update).expect("applies");
                        }
                    }
                    Ok(Message::Close(frame)) => {
                        closed = Some(frame.map(|f| format!("{} {}", u16::from(f.code), f.reason)));
                        break;
                    }
                    Err(_) => {
                        closed = Some(None);
                        break;
                    }
                    _ => {}
                }
            }
        };
    }
    let sv = yrs::updates::encoder::Encode::encode_v1(&doc.transact().state_vector());
    sink.send(Message::Binary(protocol::sync_step1(&sv).to_vec().into()))
        .await
        .expect("sends");
    drain!(Duration::from_millis(200));
    let started = Instant::now();
    match args.mode {
        Mode::Churn => {
            let chunk = "x".repeat(args.chunk);
            let every = Duration::from_secs_f64(1.0 / f64::from(args.rate.max(1)));
            let mut next = Instant::now();
            while started.elapsed() < Duration::from_secs(args.secs) && closed.is_none() {
                let update = {
                    let mut txn = doc.transact_mut();
                    if sent % 2 == 0 {
                        text.insert(&mut txn, 0, &chunk);
                    } else {
                        text.remove_range(&mut txn, 0, args.chunk as u32);
                    }
                    txn.encode_update_v1()
                };
                sent += 1;
                sink.send(Message::Binary(protocol::update(&update).to_vec().into()))
                    .await
                    .expect("sends");
                next += every;
                let wait = next.saturating_duration_since(Instant::now());
                drain!(wait.max(Duration::from_micros(1)));
            }
        }
        Mode::Grow => {
            let chunk = "y".repeat(args.chunk_kb << 10);
            while (text.len(&doc.transact()) as usize) < args.mb << 20 && closed.is_none() {
                let update = {
                    let mut txn = doc.transact_mut();
                    let len = text.len(&txn);
                    text.insert(&mut txn, len, &chunk);
                    txn.encode_update_v1()
                };
                sent += 1;
                sink.send(Message::Binary(protocol::update(&update).to_vec().into()))
                    .await
                    .expect("sends");
                let deadline = Instant::now() + Duration::from_secs(60);
                while saved < sent && closed.is_none() && Instant::now() < deadline {
                    drain!(Duration::from_millis(100));
                }
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while saved < sent && closed.is_none() && Instant::now() < deadline {
        drain!(Duration::from_millis(100));
    }
    println!(
        "sent {sent} updates in {:.1} s, {saved} acknowledged, document {} characters, closed: {}",
        started.elapsed().as_secs_f64(),
        text.len(&doc.transact()),
        closed.flatten().unwrap_or_else(|| "no".into())
    );
}
