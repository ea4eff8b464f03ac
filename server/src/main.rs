//! The `quire` binary: parses the command line, sets up logging and runs.

use std::io::Write as _;

use anyhow::Context as _;
use clap::Parser;
use quire_server::{Cli, Command};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = cli.config;
    // The one-shot commands report on their own; their logs show only trouble.
    let serving = matches!(cli.command, None | Some(Command::Serve));
    let filter = if serving || std::env::var_os("QUIRE_LOG").is_some() {
        config.log.as_str()
    } else {
        "warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(|| LossyStderr)
        .log_internal_errors(false)
        .init();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Export(args) => quire_server::cli::export(&config, args).await,
        Command::Import(args) => quire_server::cli::import(&config, args).await,
        Command::Migrate(args) => quire_server::migrate::run(&config, args).await,
    }
}

async fn serve(config: quire_server::Config) -> anyhow::Result<()> {
    let store = config.open_store().await?;
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    // Whoever started the server may have closed its output: that is not a
    // reason to stop serving.
    let _ = writeln!(std::io::stdout(), "listening on http://{addr}");
    let backend = if config.database_url.is_some() {
        "postgresql"
    } else {
        "sled"
    };
    tracing::info!(%addr, store = backend, data_dir = %config.data_dir.display(), durability = ?config.durability, "quire serving");
    let shutdown = CancellationToken::new();
    tokio::spawn(signals(shutdown.clone()));
    quire_server::run(listener, config, store, shutdown).await
}

/// Cancels `shutdown` on SIGINT or SIGTERM.
async fn signals(shutdown: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
    shutdown.cancel();
}

/// Standard error that never fails: a log line that cannot be written (the
/// reader of stderr is gone, the pipe is full) is dropped, so that logging
/// never panics the task that logged nor stops the server.
struct LossyStderr;

impl std::io::Write for LossyStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stderr().flush();
        Ok(())
    }
}
