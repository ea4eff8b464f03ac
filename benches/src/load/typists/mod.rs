//! Typists: clients spread over documents, each typing a few characters at a
//! steady rate with real yrs updates and sending awareness now and then.
//!
//! Latency is edit-to-peer: every edit of typist `t` inserts `chars`
//! characters under its own client id, so the edit is identified by the clock
//! range it inserts. The send time of each edit is recorded in a table shared
//! in-process; an observer that receives an update (single or merged) reads
//! the clock ranges it inserts and looks up when each edit was sent.
//! Observers are a few clients per document (`observers`); the others read
//! and count frames without decoding, so the load generator's own work stays
//! small next to the server's.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{Semaphore, watch};

use super::procstat;
use super::stats::Percentiles;

mod client;

use client::{Outcome, SEND_TIMEOUT, client};
/// What a typists run does.
#[derive(Debug, Clone)]
pub struct Config {
    /// Websocket base, e.g. `ws://127.0.0.1:8080/ws`; documents are `{base}/{doc}`.
    pub base: String,
    /// Connections, each a typist.
    pub clients: usize,
    /// Documents the typists are spread over (round robin).
    pub docs: usize,
    /// Time between one typist's edits.
    pub interval: Duration,
    /// Characters each edit inserts.
    pub chars: u32,
    /// How long the typists type.
    pub duration: Duration,
    /// Edits sent in this first part of the typing are not measured.
    pub warmup: Duration,
    /// Time between one client's awareness updates.
    pub awareness: Duration,
    /// Clients per document that decode updates and measure latency.
    pub observers: usize,
    /// Every client applies what it receives and types at random positions.
    pub replicas: bool,
    /// Ask for Saved acknowledgements and wait for all of them.
    pub acks: bool,
    /// Longest wait after typing for every delivery (and ack).
    pub drain: Duration,
    /// Seed for positions and start offsets.
    pub seed: u64,
    /// The server's pid, for RSS and CPU.
    pub server_pid: Option<u32>,
    /// Prefix of the document names, unique per run.
    pub run_id: String,
    /// Connections opened at once.
    pub connect_parallel: usize,
}

/// The figures of a typists run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Connections that typed.
    pub clients: usize,
    /// Documents.
    pub docs: usize,
    /// Edits per second per typist.
    pub edits_per_sec_per_typist: f64,
    /// Edits sent in all.
    pub edits: u64,
    /// Edits sent after the warm-up, while measuring.
    pub edits_measured: u64,
    /// Edit-to-peer latency at the observers, for edits sent after warm-up.
    pub latency_ms: Percentiles,
    /// Deliveries of other typists' edits that observers expected.
    pub deliveries_expected: u64,
    /// Deliveries observers saw.
    pub deliveries: u64,
    /// Frames every client received, in all.
    pub frames_received: u64,
    /// Bytes every client received, in all.
    pub bytes_received: u64,
    /// Server CPU seconds per edit while measuring, in microseconds.
    pub server_cpu_us_per_edit: Option<f64>,
    /// Server CPU use while measuring, in cores.
    pub server_cpu_cores: Option<f64>,
    /// Server RSS at the end of typing, MiB.
    pub server_rss_mib: Option<f64>,
    /// The load generator's CPU use while measuring, in cores.
    pub loadgen_cpu_cores: Option<f64>,
    /// Connections that failed or closed early.
    pub failed_clients: usize,
    /// Update-carrying messages not acknowledged as Saved (with acks).
    pub unacknowledged: u64,
    /// Whether every replica of each document ended with the same text and
    /// every typist's edits (replicas only).
    pub converged: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Connecting,
    Typing(Instant),
    Draining,
    Close,
}

struct Shared {
    epoch: Instant,
    /// Typist index by Yjs client id.
    index: HashMap<u64, usize>,
    /// Send time of each edit, microseconds since `epoch`, per typist.
    sent_at: Vec<Mutex<Vec<u64>>>,
    /// Per client: edits sent, deliveries seen, update messages sent, Saved(n).
    sent: Vec<AtomicU64>,
    delivered: Vec<AtomicU64>,
    update_messages: Vec<AtomicU64>,
    saved: Vec<AtomicU64>,
    ready: AtomicU64,
    measure_from_us: AtomicU64,
    chars: u32,
}

fn client_id(seed: u64, i: usize) -> u64 {
    // Distinct, below 2^53, and different between runs with different seeds.
    ((seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20) & 0xF_FFFF_FFFF) * 1024 + i as u64 + 1
}

fn doc_of(config: &Config, i: usize) -> usize {
    i % config.docs
}

fn is_observer(config: &Config, i: usize) -> bool {
    config.replicas || i / config.docs < config.observers
}

/// Runs the typists and returns their figures.
pub async fn run(config: Config) -> std::io::Result<Report> {
    let n = config.clients;
    let ids: Vec<u64> = (0..n).map(|i| client_id(config.seed, i)).collect();
    let shared = Arc::new(Shared {
        epoch: Instant::now(),
        index: ids.iter().enumerate().map(|(i, &c)| (c, i)).collect(),
        sent_at: (0..n).map(|_| Mutex::new(Vec::new())).collect(),
        sent: (0..n).map(|_| AtomicU64::new(0)).collect(),
        delivered: (0..n).map(|_| AtomicU64::new(0)).collect(),
        update_messages: (0..n).map(|_| AtomicU64::new(0)).collect(),
        saved: (0..n).map(|_| AtomicU64::new(0)).collect(),
        ready: AtomicU64::new(0),
        measure_from_us: AtomicU64::new(u64::MAX),
        chars: config.chars.max(1),
    });
    let (phase_tx, phase_rx) = watch::channel(Phase::Connecting);
    let gate = Arc::new(Semaphore::new(config.connect_parallel.max(1)));
    let mut tasks = Vec::with_capacity(n);
    for (i, &id) in ids.iter().enumerate() {
        let (config, shared, phase, gate) = (
            config.clone(),
            shared.clone(),
            phase_rx.clone(),
            gate.clone(),
        );
        tasks.push(tokio::spawn(async move {
            client(i, id, config, shared, phase, gate).await
        }));
    }
    // Wait for every connection (or its failure).
    let connect_deadline = Instant::now() + Duration::from_secs(60 + n as u64 / 20);
    while (shared.ready.load(Ordering::Relaxed) as usize) < n && Instant::now() < connect_deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let start = Instant::now();
    let _ = phase_tx.send(Phase::Typing(start));
    tokio::time::sleep(config.warmup.min(config.duration)).await;
    shared
        .measure_from_us
        .store(shared.epoch.elapsed().as_micros() as u64, Ordering::Relaxed);
    let sent_before = total(&shared.sent);
    let server_cpu_before = config.server_pid.and_then(procstat::cpu_seconds);
    let own_cpu_before = procstat::cpu_seconds(procstat::own_pid());
    let measure_started = Instant::now();
    tokio::time::sleep(config.duration.saturating_sub(config.warmup)).await;
    let _ = phase_tx.send(Phase::Draining);
    let measured_secs = measure_started.elapsed().as_secs_f64();
    let edits_measured = total(&shared.sent) - sent_before;
    let server_cpu = config
        .server_pid
        .and_then(procstat::cpu_seconds)
        .zip(server_cpu_before)
        .map(|(after, before)| after - before);
    let own_cpu = procstat::cpu_seconds(procstat::own_pid())
        .zip(own_cpu_before)
        .map(|(after, before)| after - before);
    let server_rss = config.server_pid.and_then(procstat::rss_bytes);

    // Drain: wait until every observer saw every edit and every ack arrived.
    let drain_deadline = Instant::now() + config.drain;
    let mut expected;
    loop {
        // Recomputed: a typist may send one last edit as the phase changes.
        expected = expected_deliveries(&config, &shared);
        let delivered = total(&shared.delivered);
        let acked = !config.acks
            || (0..n).all(|i| {
                shared.saved[i].load(Ordering::Relaxed)
                    >= shared.update_messages[i].load(Ordering::Relaxed)
            });
        if (delivered >= expected && acked) || Instant::now() >= drain_deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let _ = phase_tx.send(Phase::Close);

    let mut outcomes = Vec::with_capacity(n);
    let join_deadline = tokio::time::Instant::now() + SEND_TIMEOUT + Duration::from_secs(5);
    for task in tasks {
        let abort = task.abort_handle();
        match tokio::time::timeout_at(join_deadline, task).await {
            Ok(outcome) => outcomes.push(outcome.map_err(std::io::Error::other)?),
            Err(_) => {
                abort.abort();
                outcomes.push(Outcome::failed());
            }
        }
    }
    let unacknowledged = if config.acks {
        (0..n)
            .map(|i| {
                shared.update_messages[i]
                    .load(Ordering::Relaxed)
                    .saturating_sub(shared.saved[i].load(Ordering::Relaxed))
            })
            .sum()
    } else {
        0
    };
    let converged = config
        .replicas
        .then(|| converged(&config, &shared, &ids, &outcomes));
    let edits = total(&shared.sent);
    let mut latencies = Vec::new();
    for o in &mut outcomes {
        latencies.append(&mut o.latencies);
    }
    Ok(Report {
        clients: n,
        docs: config.docs,
        edits_per_sec_per_typist: 1.0 / config.interval.as_secs_f64(),
        edits,
        edits_measured,
        latency_ms: Percentiles::of_micros(latencies),
        deliveries_expected: expected,
        deliveries: total(&shared.delivered),
        frames_received: outcomes.iter().map(|o| o.frames).sum(),
        bytes_received: outcomes.iter().map(|o| o.bytes).sum(),
        server_cpu_us_per_edit: server_cpu
            .filter(|_| edits_measured > 0)
            .map(|s| s * 1e6 / edits_measured as f64),
        server_cpu_cores: server_cpu.map(|s| s / measured_secs),
        server_rss_mib: server_rss.map(|b| b as f64 / (1024.0 * 1024.0)),
        loadgen_cpu_cores: own_cpu.map(|s| s / measured_secs),
        failed_clients: outcomes.iter().filter(|o| o.failed).count(),
        unacknowledged,
        converged,
    })
}

fn total(counters: &[AtomicU64]) -> u64 {
    counters.iter().map(|c| c.load(Ordering::Relaxed)).sum()
}

/// Each observer expects every other typist's edits in its document.
fn expected_deliveries(config: &Config, shared: &Shared) -> u64 {
    let mut per_doc = vec![0u64; config.docs];
    for i in 0..config.clients {
        per_doc[doc_of(config, i)] += shared.sent[i].load(Ordering::Relaxed);
    }
    (0..config.clients)
        .filter(|&i| is_observer(config, i))
        .map(|i| per_doc[doc_of(config, i)] - shared.sent[i].load(Ordering::Relaxed))
        .sum()
}

fn converged(config: &Config, shared: &Shared, ids: &[u64], outcomes: &[Outcome]) -> bool {
    let mut ok = true;
    let mut told = 0;
    let mut tell = |what: String| {
        told += 1;
        if told <= 10 {
            eprintln!("{what}");
        } else if told == 11 {
            eprintln!("(more divergence not shown)");
        }
    };
    for d in 0..config.docs {
        let members: Vec<usize> = (0..config.clients)
            .filter(|&i| doc_of(config, i) == d)
            .collect();
        let Some(&first) = members.first() else {
            continue;
        };
        let text = &outcomes[first].text;
        for &i in &members {
            let o = &outcomes[i];
            if o.failed || o.text.is_none() || &o.text != text {
                tell(format!("document {d}: client {i} diverged"));
                ok = false;
            }
            let Some(sv) = &o.state_vector else {
                ok = false;
                continue;
            };
            for &t in &members {
                let want = shared.sent[t].load(Ordering::Relaxed) as u32 * shared.chars;
                let have = sv.get(&yrs::ClientID::new(ids[t]));
                if have != want {
                    tell(format!(
                        "document {d}: client {i} has {have} of typist {t}'s {want} characters"
                    ));
                    ok = false;
                }
            }
        }
    }
    ok
}
