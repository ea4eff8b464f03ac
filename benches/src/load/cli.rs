//! The load generator's command line: which scenario to run, with what, and
//! its report as one JSON line.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use serde::Serialize;

use super::quick::quick;
use super::server::{Server, temp_data_dir};
use super::{cold, idle, ingest, typists};
use crate::keystrokes;

/// Load generator for y-websocket servers (Quire, @y/websocket-server).
#[derive(Debug, Parser)]
#[command(name = "loadgen", about, long_about = None)]
pub struct Cli {
    /// Websocket base of a running server; documents are `{url}/{doc}`.
    #[arg(long, env = "LOADGEN_URL")]
    pub url: Option<String>,
    /// Start this `quire` binary (loopback, ephemeral port, fresh data
    /// directory) for the run and stop it afterwards.
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
    /// Durability of the server started with --server-bin.
    #[arg(long, default_value = "strict")]
    pub durability: String,
    /// An extra flag for the server started with --server-bin (repeatable),
    /// e.g. `--server-arg=--checkpoint-entries=20000`.
    #[arg(long = "server-arg", allow_hyphen_values = true)]
    pub server_args: Vec<String>,
    /// Pid of the server given by --url, for RSS and CPU readings.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Run a small bounded scenario and exit non-zero unless every client
    /// converged, every update was acknowledged and survived a restart.
    #[arg(long)]
    pub quick: bool,
    /// With --quick, also type on 40 documents at once with strict
    /// durability (finds stalls between documents' flushes).
    #[arg(long)]
    pub quick_many_docs: bool,
    /// Seed for positions, offsets and client ids.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// A label printed with the result (e.g. `quire-strict`, `node`).
    #[arg(long, default_value = "")]
    pub label: String,
    /// What to run.
    #[command(subcommand)]
    pub mode: Option<Mode>,
}

/// Scenarios.
#[derive(Debug, Subcommand)]
pub enum Mode {
    /// Clients typing on shared documents; latency, CPU and memory.
    Typists {
        /// Connections, each a typist.
        #[arg(long, default_value_t = 20)]
        clients: usize,
        /// Documents they spread over.
        #[arg(long, default_value_t = 1)]
        docs: usize,
        /// Milliseconds between one typist's edits (Etherpad's test: 400).
        #[arg(long, default_value_t = 400)]
        interval_ms: u64,
        /// Characters per edit (Etherpad's test: 4).
        #[arg(long, default_value_t = 4)]
        chars: u32,
        /// Seconds of typing.
        #[arg(long, default_value_t = 15)]
        secs: u64,
        /// Seconds at the start not measured.
        #[arg(long, default_value_t = 3)]
        warmup_secs: u64,
        /// Seconds between one client's awareness updates.
        #[arg(long, default_value_t = 3.0)]
        awareness_secs: f64,
        /// Clients per document that measure latency.
        #[arg(long, default_value_t = 2)]
        observers: usize,
        /// Most seconds to wait for the last deliveries.
        #[arg(long, default_value_t = 15)]
        drain_secs: u64,
        /// Ask for Saved acknowledgements.
        #[arg(long)]
        acks: bool,
        /// Every client keeps a full replica and types at random positions.
        #[arg(long)]
        replicas: bool,
    },
    /// A trace's keystroke stream over one websocket.
    Ingest {
        /// `automerge-paper` or `seph-blog1`.
        #[arg(long, default_value = "automerge-paper")]
        trace: String,
        /// Most unacknowledged updates in flight.
        #[arg(long, default_value_t = 1024)]
        window: usize,
        /// The server sends no Saved acks: sync at the end instead.
        #[arg(long)]
        no_acks: bool,
        /// Send only the first N updates (0: all).
        #[arg(long, default_value_t = 0)]
        limit: usize,
    },
    /// Memory per idle, synced connection.
    Idle {
        /// Connections in all.
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        /// Documents they spread over.
        #[arg(long, default_value_t = 200)]
        docs: usize,
    },
    /// Ingest a trace, restart the server (needs --server-bin) and time the
    /// cold load of the document against a warm one.
    Cold {
        /// `automerge-paper` or `seph-blog1`.
        #[arg(long, default_value = "automerge-paper")]
        trace: String,
    },
}

pub(super) fn run_id(seed: u64) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!("lg{:x}", (nanos ^ seed.rotate_left(17)) & 0xff_ffff_ffff)
}

fn emit<T: Serialize>(label: &str, mode: &str, params: serde_json::Value, report: &T) {
    let line = serde_json::json!({
        "label": label,
        "mode": mode,
        "params": params,
        "report": report,
    });
    println!("RESULT {line}");
}

/// Runs the command line.
pub async fn run(cli: Cli) -> std::io::Result<bool> {
    if cli.quick {
        return tokio::time::timeout(Duration::from_secs(300), quick(&cli))
            .await
            .map_err(|_| std::io::Error::other("the quick check did not finish within 300 s"))?;
    }
    let Some(mode) = &cli.mode else {
        return Err(std::io::Error::other(
            "give a mode (typists, ingest, idle, cold) or --quick",
        ));
    };
    let id = run_id(cli.seed);
    let mut server = match &cli.server_bin {
        Some(bin) => Some(
            Server::start(
                bin,
                &temp_data_dir(&cli.durability),
                &cli.durability,
                &cli.server_args,
            )
            .await?,
        ),
        None => None,
    };
    let base = match (&server, &cli.url) {
        (Some(s), _) => s.ws_base.clone(),
        (None, Some(url)) => url.trim_end_matches('/').to_owned(),
        (None, None) => return Err(std::io::Error::other("give --url or --server-bin")),
    };
    let pid = server.as_ref().map(|s| s.pid).or(cli.server_pid);
    let label = &cli.label;
    let result = match mode {
        Mode::Typists {
            clients,
            docs,
            interval_ms,
            chars,
            secs,
            warmup_secs,
            awareness_secs,
            observers,
            drain_secs,
            acks,
            replicas,
        } => {
            let config = typists::Config {
                base,
                clients: *clients,
                docs: (*docs).max(1),
                interval: Duration::from_millis(*interval_ms),
                chars: *chars,
                duration: Duration::from_secs(*secs),
                warmup: Duration::from_secs(*warmup_secs),
                awareness: Duration::from_secs_f64(awareness_secs.max(0.05)),
                observers: *observers,
                replicas: *replicas,
                acks: *acks,
                drain: Duration::from_secs(*drain_secs),
                seed: cli.seed,
                server_pid: pid,
                run_id: id,
                connect_parallel: 64,
            };
            let report = typists::run(config).await?;
            eprintln!(
                "typists {label}: {} clients / {} docs, {} edits, p50 {:.1} ms p95 {:.1} ms p99 {:.1} ms, deliveries {}/{}, server {:?} us/edit",
                report.clients,
                report.docs,
                report.edits,
                report.latency_ms.p50,
                report.latency_ms.p95,
                report.latency_ms.p99,
                report.deliveries,
                report.deliveries_expected,
                report.server_cpu_us_per_edit.map(|v| v.round()),
            );
            emit(
                label,
                "typists",
                serde_json::json!({"clients": clients, "docs": docs, "interval_ms": interval_ms, "chars": chars, "secs": secs, "awareness_secs": awareness_secs, "observers": observers, "acks": acks}),
                &report,
            );
            Ok(true)
        }
        Mode::Ingest {
            trace,
            window,
            no_acks,
            limit,
        } => {
            let mut updates = keystrokes::stream(trace)?;
            let expected = if *limit == 0 || *limit >= updates.len() {
                Some(crate::traces::SequentialTrace::load(trace)?.end_content)
            } else {
                updates.truncate(*limit);
                None
            };
            let config = ingest::Config {
                base,
                doc: format!("{id}-ingest"),
                acks: !no_acks,
                window: *window,
                server_pid: pid,
                timeout: Duration::from_secs(600),
            };
            let report = ingest::run(config, Arc::new(updates), expected).await?;
            eprintln!(
                "ingest {label}: {} updates in {:.2} s = {:.0} updates/s, verified {}",
                report.updates, report.seconds, report.updates_per_sec, report.verified
            );
            emit(
                label,
                "ingest",
                serde_json::json!({"trace": trace, "window": window, "acks": !no_acks}),
                &report,
            );
            Ok(report.verified)
        }
        Mode::Idle { connections, docs } => {
            let report = idle::run(&base, &id, *docs, *connections, pid).await?;
            eprintln!(
                "idle {label}: {} connections over {} docs, {:?} KiB per connection, {} failed",
                report.connections, report.docs, report.kib_per_connection, report.failed
            );
            emit(
                label,
                "idle",
                serde_json::json!({"connections": connections, "docs": docs}),
                &report,
            );
            Ok(report.failed == 0)
        }
        Mode::Cold { trace } => {
            let Some(running) = server.take() else {
                return Err(std::io::Error::other("cold needs --server-bin"));
            };
            let updates = Arc::new(keystrokes::stream(trace)?);
            let expected = crate::traces::SequentialTrace::load(trace)?.end_content;
            let doc = format!("{id}-cold");
            let config = ingest::Config {
                base: base.clone(),
                doc: doc.clone(),
                acks: true,
                window: 1024,
                server_pid: Some(running.pid),
                timeout: Duration::from_secs(600),
            };
            ingest::run(config, updates.clone(), Some(expected.clone())).await?;
            let data_dir = running.data_dir.clone();
            running.stop().await?;
            let bin = cli.server_bin.as_ref().expect("checked");
            let restarted =
                Server::start(bin, &data_dir, &cli.durability, &cli.server_args).await?;
            let (cold, state) = cold::sync_once(&restarted.ws_base, &doc).await?;
            let (warm, _) = cold::sync_once(&restarted.ws_base, &doc).await?;
            let verified = ingest::text_of_state(&state).as_deref() == Some(expected.as_str());
            server = Some(restarted);
            eprintln!(
                "cold {label}: {} updates of history, cold sync {:.1} ms, warm sync {:.1} ms, {} bytes, verified {verified}",
                updates.len(),
                cold.ms,
                warm.ms,
                cold.state_bytes
            );
            emit(
                label,
                "cold",
                serde_json::json!({"trace": trace, "history_updates": updates.len()}),
                &serde_json::json!({"cold": cold, "warm": warm, "verified": verified}),
            );
            Ok(verified)
        }
    };
    if let Some(server) = server {
        let dir = server.data_dir.clone();
        server.stop().await?;
        if cli.server_bin.is_some() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    result
}
