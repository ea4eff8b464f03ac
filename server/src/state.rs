//! What every handler shares: settings, the store, the loaded documents,
//! identity, metrics and the limits shared between connections.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::doc::{Context, Registry};
use crate::guard::BodyLimits;
use crate::identity::Identity;
use crate::metrics::Metrics;
use crate::rate::SharedBuckets;
use crate::store::Store;
use crate::throttle::CreateLimiter;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Settings.
    pub config: Arc<Config>,
    /// Where documents are stored.
    pub store: Arc<dyn Store>,
    /// Loaded documents.
    pub registry: Registry,
    /// Author ids and names.
    pub identity: Arc<Identity>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Cancelled on shutdown.
    pub shutdown: CancellationToken,
    /// Serialises changes to group records (read, modify, write).
    pub groups_lock: Arc<tokio::sync::Mutex<()>>,
    /// Origins, and the size, time and memory of request bodies.
    pub bodies: BodyLimits,
    /// Message-rate buckets shared by an author's connections.
    pub author_rates: Arc<SharedBuckets>,
    /// Message-rate buckets shared by the connections from one address.
    pub ip_rates: Arc<SharedBuckets>,
    /// Imports converting at once: half the cores, at least one, so that
    /// large imports leave the other cores to the documents' tasks.
    pub imports: Arc<tokio::sync::Semaphore>,
    /// Documents created per address and per member.
    pub creates: Arc<CreateLimiter>,
}

impl AppState {
    /// Builds the state; document actors run on `tracker`.
    pub async fn new(
        config: Config,
        store: Arc<dyn Store>,
        shutdown: CancellationToken,
        tracker: TaskTracker,
    ) -> anyhow::Result<Self> {
        let metrics = Arc::new(Metrics::default());
        let identity = Arc::new(Identity::load(&store).await?);
        let registry = Registry::new(Context {
            store: store.clone(),
            checkpoint_entries: config.checkpoint_entries.max(1),
            checkpoint_bytes: config.checkpoint_bytes.max(1),
            max_doc_bytes: config.max_doc_bytes,
            max_doc_disk_bytes: config.max_doc_disk_bytes,
            max_loaded_docs: config.max_loaded_docs.max(1),
            relay_frames_per_sec: config.relay_frames_per_sec,
            idle_unload: config.idle_unload(),
            shutdown: shutdown.clone(),
            tracker,
            metrics: metrics.clone(),
        });
        let bodies = BodyLimits::new(
            Duration::from_secs(config.body_timeout_secs.max(1)),
            config.body_memory_bytes,
            config.public_url.as_deref(),
        );
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(Self {
            author_rates: Arc::new(SharedBuckets::new(config.max_messages_per_sec_per_author)),
            ip_rates: Arc::new(SharedBuckets::new(config.max_messages_per_sec_per_ip)),
            bodies,
            imports: Arc::new(tokio::sync::Semaphore::new((cores / 2).max(1))),
            creates: Arc::new(CreateLimiter::new(config.max_creates_per_minute)),
            config: Arc::new(config),
            store,
            registry,
            identity,
            metrics,
            shutdown,
            groups_lock: Arc::default(),
        })
    }
}
