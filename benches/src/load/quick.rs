//! `--quick`: a bounded scenario that asserts convergence, acknowledgement
//! and durability across a restart.

use std::sync::Arc;
use std::time::Duration;

use super::cli::{Cli, run_id};
use super::server::{Server, temp_data_dir};
use super::{cold, ingest, typists};
use crate::keystrokes;

/// The quick check: typists with full replicas and acks on three documents,
/// an acknowledged ingest, then (with --server-bin) a restart after which the
/// ingested document must come back whole.
pub(super) async fn quick(cli: &Cli) -> std::io::Result<bool> {
    let mut passed = 0;
    let mut failed = 0;
    let mut check = |name: &str, ok: bool| {
        eprintln!("{} {name}", if ok { "ok  " } else { "FAIL" });
        if ok { passed += 1 } else { failed += 1 }
    };
    let id = run_id(cli.seed);
    let server = match &cli.server_bin {
        Some(bin) => Some(
            Server::start(
                bin,
                &temp_data_dir("quick"),
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

    let config = typists::Config {
        base: base.clone(),
        clients: 9,
        docs: 3,
        interval: Duration::from_millis(50),
        chars: 3,
        duration: Duration::from_secs(3),
        warmup: Duration::from_millis(500),
        awareness: Duration::from_millis(500),
        observers: usize::MAX,
        replicas: true,
        acks: true,
        drain: Duration::from_secs(20),
        seed: cli.seed,
        server_pid: pid,
        run_id: id.clone(),
        connect_parallel: 16,
    };
    let report = typists::run(config).await?;
    eprintln!(
        "typists: {} edits, p99 {:.1} ms, deliveries {}/{}, unacknowledged {}",
        report.edits,
        report.latency_ms.p99,
        report.deliveries,
        report.deliveries_expected,
        report.unacknowledged
    );
    check("typists: no connection failed", report.failed_clients == 0);
    check(
        "typists: every edit reached every peer",
        report.edits > 0 && report.deliveries == report.deliveries_expected,
    );
    check(
        "typists: every replica converged",
        report.converged == Some(true),
    );
    check(
        "typists: every update acknowledged",
        report.unacknowledged == 0,
    );

    if cli.quick_many_docs {
        let config = typists::Config {
            base: base.clone(),
            clients: 120,
            docs: 40,
            interval: Duration::from_millis(100),
            chars: 2,
            duration: Duration::from_secs(3),
            warmup: Duration::from_millis(500),
            awareness: Duration::from_secs(1),
            observers: usize::MAX,
            replicas: true,
            acks: true,
            drain: Duration::from_secs(10),
            seed: cli.seed,
            server_pid: pid,
            run_id: format!("{id}m"),
            connect_parallel: 32,
        };
        let report = typists::run(config).await?;
        eprintln!(
            "40 documents: deliveries {}/{}, unacknowledged {}",
            report.deliveries, report.deliveries_expected, report.unacknowledged
        );
        check(
            "40 documents: every replica converged and every update acknowledged",
            report.converged == Some(true) && report.unacknowledged == 0,
        );
    }

    let (updates, text) = keystrokes::synthetic(3000, cli.seed);
    let doc = format!("{id}-ingest");
    let config = ingest::Config {
        base,
        doc: doc.clone(),
        acks: true,
        window: 256,
        server_pid: pid,
        timeout: Duration::from_secs(60),
    };
    let report = ingest::run(config, Arc::new(updates), Some(text.clone())).await?;
    eprintln!(
        "ingest: {} updates, {:.0} updates/s",
        report.updates, report.updates_per_sec
    );
    check("ingest: acknowledged and intact", report.verified);

    if let (Some(server), Some(bin)) = (server, &cli.server_bin) {
        let dir = server.data_dir.clone();
        server.stop().await?;
        let restarted = Server::start(bin, &dir, &cli.durability, &cli.server_args).await?;
        let (_, state) = cold::sync_once(&restarted.ws_base, &doc).await?;
        check(
            "restart: the ingested document came back whole",
            ingest::text_of_state(&state).as_deref() == Some(text.as_str()),
        );
        restarted.stop().await?;
        let _ = std::fs::remove_dir_all(dir);
    }
    println!("loadgen quick: {passed} passed, {failed} failed");
    Ok(failed == 0)
}
