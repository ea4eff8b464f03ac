//! The router and the server's lifecycle: `app(state)` builds the routes,
//! `run(listener, ...)` serves until shutdown and waits for the last saves.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use axum::{Router, middleware};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::info;

use crate::config::Config;
use crate::doc::{Context, Registry};
use crate::guard::{self, BodyLimits, MAX_IMPORT_BODY};
use crate::identity::Identity;
use crate::metrics::Metrics;
use crate::rate::SharedBuckets;
use crate::store::Store;
use crate::{api, groups, insights, openapi, session, web, ws};

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
    pub creates: Arc<crate::throttle::CreateLimiter>,
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
            creates: Arc::new(crate::throttle::CreateLimiter::new(
                config.max_creates_per_minute,
            )),
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

/// Every route.
pub fn app(state: AppState) -> Router {
    let bodies = state.bodies.clone();
    let api = Router::new()
        .route("/docs", get(api::list_docs).post(api::create_doc))
        .route("/docs/{id}", get(api::get_doc).delete(api::delete_doc))
        .route("/docs/{id}/export/{format}", get(api::export_doc))
        .route("/docs/{id}/import", post(api::import_doc))
        .route("/docs/{id}/contributions", get(insights::contributions))
        .route("/docs/{id}/history", get(insights::history))
        .route("/templates", get(api::list_templates))
        .route(
            "/session",
            get(session::current)
                .post(session::sign_in)
                .delete(session::sign_out),
        )
        .route(
            "/groups",
            get(groups::list_groups).post(groups::create_group),
        )
        .route(
            "/groups/{g}/members",
            get(groups::list_members).post(groups::add_member),
        )
        .route("/groups/{g}/members/{m}", delete(groups::remove_member))
        .route("/groups/{g}/docs", get(groups::group_docs))
        .route("/openapi.json", get(openapi::serve))
        .merge(crate::review::routes());
    Router::new()
        .nest("/api/v1", api)
        .route("/ws/{doc}", get(ws::upgrade))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/", get(web::index))
        .route("/d/{id}", get(web::index))
        .route("/d/{id}/history", get(web::index))
        .route("/d/{id}/insights", get(web::index))
        .route("/g/{g}", get(web::index))
        .route("/assets/app.js", get(web::app_js))
        .route("/assets/app.css", get(web::app_css))
        .fallback(web::not_found)
        .layer(DefaultBodyLimit::max(MAX_IMPORT_BODY))
        .layer(middleware::from_fn_with_state(bodies, guard::guard))
        .with_state(state)
}

/// Serves on `listener` until `shutdown` is cancelled, then waits for every
/// document to finish its pending writes.
pub async fn run(
    listener: TcpListener,
    config: Config,
    store: Arc<dyn Store>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let tracker = TaskTracker::new();
    let state = AppState::new(config, store, shutdown.clone(), tracker.clone()).await?;
    let metrics = state.metrics.clone();
    crate::review::handin::spawn_deadlines(state.clone(), &tracker);
    let limits = crate::listen::Limits {
        max_connections: state.config.max_connections,
        header_timeout: Duration::from_secs(state.config.header_timeout_secs.max(1)),
    };
    crate::listen::serve(listener, app(state), limits, metrics, shutdown.clone()).await;
    info!("stopped accepting connections; saving documents");
    tracker.close();
    tracker.wait().await;
    info!("all documents saved");
    Ok(())
}
