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
use crate::guard::{self, MAX_IMPORT_BODY};
use crate::state::AppState;
use crate::store::Store;
use crate::{api, groups, insights, openapi, session, web, ws};

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
        .route("/docs/{id}/authorship", get(insights::authorship))
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
