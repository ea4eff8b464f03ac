//! The OpenAPI description and the router agree: every described route is
//! routed (no 404 or 405 from the router itself), and every routed path
//! under /api/v1 that the router answers is described.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use quire_server::openapi::{ROUTES, spec};
use quire_server::store::{MemoryStore, Store};
use quire_server::{AppState, Config, app};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

async fn state() -> AppState {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::default());
    let config = Config::for_tests(std::env::temp_dir());
    AppState::new(config, store, CancellationToken::new(), TaskTracker::new())
        .await
        .unwrap()
}

#[tokio::test]
async fn every_described_route_is_routed() {
    let router = app(state().await);
    for (method, path, _, _) in ROUTES {
        let uri = format!(
            "/api/v1{}",
            path.replace("{format}", "md")
                .replace('{', "x")
                .replace('}', "")
        );
        let request = Request::builder()
            .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
            .uri(&uri)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
        // A 404 must come from a handler (a JSON error), not from the router.
        if status == StatusCode::NOT_FOUND {
            let json: serde_json::Value = serde_json::from_slice(&body)
                .unwrap_or_else(|_| panic!("{method} {uri} is not routed"));
            assert_eq!(json["error"], "not_found", "{method} {uri}");
        }
    }
}

#[tokio::test]
async fn the_served_description_lists_every_route() {
    let router = app(state().await);
    let request = Request::get("/api/v1/openapi.json")
        .body(Body::empty())
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let served: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(served, spec());
    for (method, path, _, _) in ROUTES {
        assert!(
            served["paths"][path][method]["summary"].is_string(),
            "{method} {path}"
        );
    }
    // An undescribed path is not routed.
    let request = Request::get("/api/v1/nonexistent")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        app(state().await).oneshot(request).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}
