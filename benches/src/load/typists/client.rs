//! One typist or observer: connects, types at its rate, reads what the
//! others type and times it.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{Semaphore, watch};
use tokio::time::{Interval, MissedTickBehavior, interval_at};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{GetString, ReadTxn, StateVector, Text, Transact, Update};

use super::super::{connect, wire};
use super::{Config, Phase, Shared, doc_of, is_observer};
use crate::keystrokes::text_doc;

pub(super) struct Outcome {
    pub(super) latencies: Vec<u32>,
    pub(super) frames: u64,
    pub(super) bytes: u64,
    pub(super) failed: bool,
    pub(super) text: Option<String>,
    pub(super) state_vector: Option<StateVector>,
}

/// Longest a single websocket write may take before the client gives up.
pub(super) const SEND_TIMEOUT: Duration = Duration::from_secs(10);

impl Outcome {
    pub(super) fn failed() -> Self {
        Self {
            latencies: Vec::new(),
            frames: 0,
            bytes: 0,
            failed: true,
            text: None,
            state_vector: None,
        }
    }
}

const ALPHABET: &[u8] = b"the quick brown fox jumps over the lazy dog ";
const COLORS: &[&str] = &[
    "#30bced", "#6eeb83", "#ffbc42", "#ecd444", "#ee6352", "#9ac2c9",
];

async fn tick(interval: &mut Option<Interval>) {
    match interval {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending().await,
    }
}

pub(super) async fn client(
    i: usize,
    id: u64,
    config: Config,
    shared: Arc<Shared>,
    mut phase: watch::Receiver<Phase>,
    gate: Arc<Semaphore>,
) -> Outcome {
    let mut outcome = Outcome::failed();
    let doc_name = format!("{}-d{}", config.run_id, doc_of(&config, i));
    let mut query = format!("author=loadgen-author-{}-{i:06}", config.run_id);
    if config.acks {
        query.push_str("&acks=1");
    }
    let url = format!("{}/{doc_name}?{query}", config.base);
    let ws = {
        let _permit = gate.acquire().await;
        connect(&url).await
    };
    shared.ready.fetch_add(1, Ordering::Relaxed);
    let ws = match ws {
        Ok(ws) => ws,
        Err(e) => {
            eprintln!("client {i}: {e}");
            return outcome;
        }
    };
    let (mut sink, mut stream) = ws.split();
    let observer = is_observer(&config, i);
    let doc = text_doc(id);
    let text = doc.get_or_insert_text("text");
    let mut rng =
        StdRng::seed_from_u64(config.seed ^ (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let mut seen = vec![0u32; config.clients];
    let mut own_len = 0u32;
    let mut awareness_clock = 0u64;
    let mut edit_tick: Option<Interval> = None;
    let mut awareness_tick: Option<Interval> = None;
    let mut typing = false;
    let mut failed = false;
    let chars = shared.chars;
    let name = format!("typist {i}");
    let color = COLORS[i % COLORS.len()];

    let hello = wire::sync_step1(&doc.transact().state_vector().encode_v1());
    if !matches!(
        tokio::time::timeout(SEND_TIMEOUT, sink.send(WsMessage::binary(hello))).await,
        Ok(Ok(()))
    ) {
        return outcome;
    }
    loop {
        let mut reply: Option<bytes::Bytes> = None;
        tokio::select! {
            frame = stream.next() => {
                let now_us = shared.epoch.elapsed().as_micros() as u64;
                let bytes = match frame {
                    Some(Ok(WsMessage::Binary(bytes))) => bytes,
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => {
                        failed = true;
                        break;
                    }
                    Some(Ok(_)) => continue,
                };
                outcome.frames += 1;
                outcome.bytes += bytes.len() as u64;
                match wire::Message::decode(&bytes) {
                    Some(wire::Message::SyncStep1(sv)) => {
                        reply = Some(wire::sync_step2(&doc.transact().encode_diff_v1(&sv)));
                        shared.update_messages[i].fetch_add(1, Ordering::Relaxed);
                    }
                    Some(wire::Message::SyncStep2(u) | wire::Message::Update(u))
                        if observer =>
                    {
                        let Ok(update) = Update::decode_v1(u) else { failed = true; break };
                        let inserted = update.insertions(true);
                        let mut delivered = 0u64;
                        let measure_from = shared.measure_from_us.load(Ordering::Relaxed);
                        for (client, ranges) in inserted.iter() {
                            let Some(&t) = shared.index.get(&client.get()) else { continue };
                            if t == i {
                                continue;
                            }
                            let end = ranges.iter().map(|r| r.end).max().unwrap_or(0);
                            if end <= seen[t] {
                                continue;
                            }
                            let (first, last) = ((seen[t] / chars) as usize, (end / chars) as usize);
                            seen[t] = end;
                            let sent_at = shared.sent_at[t].lock().unwrap();
                            for &at in sent_at.get(first..last.min(sent_at.len())).unwrap_or(&[]) {
                                delivered += 1;
                                if at >= measure_from {
                                    outcome.latencies.push(now_us.saturating_sub(at).min(u32::MAX as u64) as u32);
                                }
                            }
                        }
                        shared.delivered[i].fetch_add(delivered, Ordering::Relaxed);
                        if config.replicas && doc.transact_mut().apply_update(update).is_err() {
                            failed = true;
                            break;
                        }
                    }
                    Some(wire::Message::Saved(n)) => {
                        shared.saved[i].store(n, Ordering::Relaxed);
                    }
                    Some(_) => {}
                    None => {
                        failed = true;
                        break;
                    }
                }
            }
            _ = tick(&mut edit_tick), if typing => {
                let pos = if config.replicas {
                    let len = text.len(&doc.transact());
                    rng.random_range(0..=len)
                } else {
                    own_len
                };
                let count = shared.sent[i].load(Ordering::Relaxed) as usize;
                let insert: String = (0..chars as usize)
                    .map(|k| ALPHABET[(count * chars as usize + k) % ALPHABET.len()] as char)
                    .collect();
                let update = {
                    let mut txn = doc.transact_mut();
                    text.insert(&mut txn, pos, &insert);
                    txn.encode_update_v1()
                };
                own_len += chars;
                shared.sent_at[i]
                    .lock()
                    .unwrap()
                    .push(shared.epoch.elapsed().as_micros() as u64);
                shared.sent[i].fetch_add(1, Ordering::Relaxed);
                shared.update_messages[i].fetch_add(1, Ordering::Relaxed);
                reply = Some(wire::update(&update));
            }
            _ = tick(&mut awareness_tick), if typing => {
                awareness_clock += 1;
                let state = format!(
                    r#"{{"user":{{"name":"{name}","color":"{color}"}},"cursor":{{"anchor":{own_len},"head":{own_len}}}}}"#
                );
                reply = Some(wire::awareness(id, awareness_clock, &state));
            }
            changed = phase.changed() => {
                let current = *phase.borrow_and_update();
                match (changed, current) {
                    (Err(_), _) | (_, Phase::Close) => break,
                    (_, Phase::Typing(start)) => {
                        typing = true;
                        let offset = |rng: &mut StdRng, every: Duration| {
                            Duration::from_micros(rng.random_range(0..every.as_micros().max(1) as u64))
                        };
                        let first = start + offset(&mut rng, config.interval);
                        let mut e = interval_at(first.into(), config.interval);
                        e.set_missed_tick_behavior(MissedTickBehavior::Delay);
                        edit_tick = Some(e);
                        let first = start + offset(&mut rng, config.awareness);
                        let mut a = interval_at(first.into(), config.awareness);
                        a.set_missed_tick_behavior(MissedTickBehavior::Delay);
                        awareness_tick = Some(a);
                    }
                    (_, Phase::Draining) => typing = false,
                    (_, Phase::Connecting) => {}
                }
            }
        }
        if let Some(frame) = reply {
            // A server that stopped reading must not hang the run.
            let sent =
                tokio::time::timeout(SEND_TIMEOUT, sink.send(WsMessage::binary(frame))).await;
            if !matches!(sent, Ok(Ok(()))) {
                failed = true;
                break;
            }
        }
    }
    if !failed {
        let _ = tokio::time::timeout(SEND_TIMEOUT, sink.send(WsMessage::Close(None))).await;
    }
    if config.replicas {
        let txn = doc.transact();
        outcome.text = Some(text.get_string(&txn));
        outcome.state_vector = Some(txn.state_vector());
    }
    outcome.failed = failed;
    outcome
}
