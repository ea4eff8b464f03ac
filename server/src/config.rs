//! Every server setting, each a flag with its `QUIRE_*` environment
//! variable, in one [`Config`] that is passed whole. The command line around
//! it (subcommands) is [`crate::cli`]'s.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser};

use crate::store::{Durability, PostgresStore, SledStore, Store};

/// Every server setting.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    #[arg(
        long,
        env = "QUIRE_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,

    /// Directory of the embedded sled database.
    #[arg(
        long,
        env = "QUIRE_DATA_DIR",
        default_value = "./quire-data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Store everything in this PostgreSQL database
    /// (postgres://user:password@host:port/db) instead of the sled
    /// database in --data-dir. The schema is created and migrated at start.
    #[arg(
        long,
        env = "QUIRE_DATABASE_URL",
        hide_env_values = true,
        global = true
    )]
    pub database_url: Option<String>,

    /// `strict` flushes every batch of updates to disk before acknowledging
    /// it; `relaxed` flushes on a timer (--flush-interval-ms).
    #[arg(
        long,
        env = "QUIRE_DURABILITY",
        value_enum,
        default_value = "strict",
        global = true
    )]
    pub durability: Durability,

    /// Background flush interval in milliseconds (the only flush in relaxed mode).
    #[arg(
        long,
        env = "QUIRE_FLUSH_INTERVAL_MS",
        default_value_t = 500,
        global = true
    )]
    pub flush_interval_ms: u64,

    /// Write a checkpoint after this many log entries, once the log since
    /// the last one is as large as the document's state.
    #[arg(
        long,
        env = "QUIRE_CHECKPOINT_ENTRIES",
        default_value_t = 1000,
        global = true
    )]
    pub checkpoint_entries: u64,

    /// Write a checkpoint after this many bytes of log.
    #[arg(long, env = "QUIRE_CHECKPOINT_BYTES", default_value_t = 4 << 20, global = true)]
    pub checkpoint_bytes: u64,

    /// Unload a document this many seconds after its last connection leaves.
    #[arg(
        long,
        env = "QUIRE_IDLE_UNLOAD_SECS",
        default_value_t = 60,
        global = true
    )]
    pub idle_unload_secs: u64,

    /// Largest websocket message accepted, in bytes (admits a 2 MiB update by default).
    #[arg(long, env = "QUIRE_MAX_MESSAGE_BYTES", default_value_t = 4 << 20, global = true)]
    pub max_message_bytes: usize,

    /// Most TCP connections open at once, HTTP and websocket; past it new
    /// ones are closed at once.
    #[arg(
        long,
        env = "QUIRE_MAX_CONNECTIONS",
        default_value_t = 10_000,
        global = true
    )]
    pub max_connections: usize,

    /// Seconds a connection may take to send its request headers.
    #[arg(
        long,
        env = "QUIRE_HEADER_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub header_timeout_secs: u64,

    /// Messages per second one connection may send (bursts of twice that);
    /// past it the connection is slowed: its socket is read no faster.
    #[arg(
        long,
        env = "QUIRE_MAX_MESSAGES_PER_SEC",
        default_value_t = 500,
        global = true
    )]
    pub max_messages_per_sec: u32,

    /// Messages per second all the connections of one author may send
    /// together (bursts of twice that), reconnections included.
    #[arg(
        long,
        env = "QUIRE_MAX_MESSAGES_PER_SEC_PER_AUTHOR",
        default_value_t = 1000,
        global = true
    )]
    pub max_messages_per_sec_per_author: u32,

    /// Messages per second all the connections from one IP address may send
    /// together (bursts of twice that).
    #[arg(
        long,
        env = "QUIRE_MAX_MESSAGES_PER_SEC_PER_IP",
        default_value_t = 2000,
        global = true
    )]
    pub max_messages_per_sec_per_ip: u32,

    /// Seconds a connection may stay over a message-rate limit (slowed)
    /// before it is closed (1008).
    #[arg(
        long,
        env = "QUIRE_RATE_LIMIT_CLOSE_SECS",
        default_value_t = 60,
        global = true
    )]
    pub rate_limit_close_secs: u64,

    /// Frames per second a document sends its connections at most, in
    /// total: relays are spaced by connections / this (at most 25 ms), so
    /// that under load a peer gets the updates of the interval merged into
    /// one message, while under light load each edit goes out at once.
    #[arg(
        long,
        env = "QUIRE_RELAY_FRAMES_PER_SEC",
        default_value_t = 50_000,
        value_parser = clap::value_parser!(u32).range(1..),
        global = true
    )]
    pub relay_frames_per_sec: u32,

    /// Largest document accepted, in bytes of stored state and log since
    /// the last checkpoint; updates past it are refused.
    #[arg(long, env = "QUIRE_MAX_DOC_BYTES", default_value_t = 64 << 20, global = true)]
    pub max_doc_bytes: u64,

    /// Most bytes one document may take in the store: its whole log (the
    /// history) and its kept checkpoints. Updates that would pass it are
    /// refused; the document stays readable, exportable and its history
    /// whole.
    #[arg(
        long,
        env = "QUIRE_MAX_DOC_DISK_BYTES",
        default_value_t = 1 << 30,
        global = true
    )]
    pub max_doc_disk_bytes: u64,

    /// Documents kept loaded at most before idle ones (no connection,
    /// nothing unsaved) are unloaded early, least recently used first.
    /// Documents with connections stay loaded.
    #[arg(
        long,
        env = "QUIRE_MAX_LOADED_DOCS",
        default_value_t = 1000,
        global = true
    )]
    pub max_loaded_docs: usize,

    /// Documents one address (anonymous callers) or one member (a token)
    /// may create per minute, in bursts of as many; the admin is not
    /// limited. Past it, creation gets 429 with Retry-After.
    #[arg(
        long,
        env = "QUIRE_MAX_CREATES_PER_MINUTE",
        default_value_t = 30,
        global = true
    )]
    pub max_creates_per_minute: u32,

    /// Take the client's address from the last entry of X-Forwarded-For
    /// (set this behind a reverse proxy that appends it, and only then).
    #[arg(long, env = "QUIRE_TRUST_FORWARDED_FOR", global = true)]
    pub trust_forwarded_for: bool,

    /// Frames queued for one connection before it counts as too slow and is
    /// closed, to resync when it reconnects.
    #[arg(long, env = "QUIRE_SEND_QUEUE", default_value_t = 1024, global = true)]
    pub send_queue: usize,

    /// Bytes of frames queued for one connection before it counts as too
    /// slow and is closed (one larger frame passes an empty queue).
    #[arg(
        long,
        env = "QUIRE_SEND_QUEUE_BYTES",
        default_value_t = 8 << 20,
        global = true
    )]
    pub send_queue_bytes: usize,

    /// Seconds between pings to each websocket.
    #[arg(long, env = "QUIRE_PING_SECS", default_value_t = 15, global = true)]
    pub ping_secs: u64,

    /// Close a websocket that has sent nothing (not even a pong) for this many seconds.
    #[arg(
        long,
        env = "QUIRE_IDLE_TIMEOUT_SECS",
        default_value_t = 45,
        global = true
    )]
    pub idle_timeout_secs: u64,

    /// Seconds a client has to send a whole request body (an import); a
    /// slower body is refused with 408 and its connection closed.
    #[arg(
        long,
        env = "QUIRE_BODY_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub body_timeout_secs: u64,

    /// Bytes all request bodies in flight may hold together; past it a new
    /// body is refused at once (503) rather than buffered.
    #[arg(
        long,
        env = "QUIRE_BODY_MEMORY_BYTES",
        default_value_t = 64 << 20,
        global = true
    )]
    pub body_memory_bytes: usize,

    /// The admin token: creates groups and members. Never logged.
    #[arg(long, env = "QUIRE_ADMIN_TOKEN", hide_env_values = true, global = true)]
    pub admin_token: Option<String>,

    /// The public URL of this server (e.g. https://quire.school.example):
    /// member links use it, and browsers' Origins must match it (without
    /// it, they must match the Host the request was sent to).
    #[arg(long, env = "QUIRE_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Require a token for documents outside groups too.
    #[arg(long, env = "QUIRE_PRIVATE", global = true)]
    pub private: bool,

    /// Log filter, in tracing-subscriber's EnvFilter syntax.
    #[arg(long, env = "QUIRE_LOG", default_value = "info", global = true)]
    pub log: String,
}

impl Config {
    /// Opens the store this configuration names: PostgreSQL when
    /// `--database-url` is given, else the sled database in `--data-dir`.
    pub async fn open_store(&self) -> anyhow::Result<Arc<dyn Store>> {
        if let Some(url) = &self.database_url {
            let store = PostgresStore::connect(url)
                .await
                .context("opening the PostgreSQL database (--database-url)")?;
            return Ok(Arc::new(store));
        }
        let store = SledStore::open(&self.data_dir, self.durability, self.flush_interval())
            .with_context(|| format!("opening the data directory {}", self.data_dir.display()))?;
        Ok(Arc::new(store))
    }

    /// The background flush interval.
    pub fn flush_interval(&self) -> Duration {
        Duration::from_millis(self.flush_interval_ms)
    }

    /// How long an unused document stays loaded.
    pub fn idle_unload(&self) -> Duration {
        Duration::from_secs(self.idle_unload_secs)
    }

    /// Settings for tests: an ephemeral port and defaults elsewhere.
    pub fn for_tests(data_dir: PathBuf) -> Self {
        /// The settings alone, parsed from no flags.
        #[derive(Parser)]
        struct Defaults {
            #[command(flatten)]
            config: Config,
        }
        let mut config = Defaults::parse_from(["quire"]).config;
        config.listen = "127.0.0.1:0".parse().expect("valid address");
        config.data_dir = data_dir;
        config
    }
}
