//! The web client, embedded in the binary from web/dist.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const INDEX: &str = include_str!("../../web/dist/index.html");
const APP_JS: &[u8] = include_bytes!("../../web/dist/app.js");
const APP_CSS: &[u8] = include_bytes!("../../web/dist/app.css");

/// The app pages' Content-Security-Policy: scripts only from the server's
/// own files (no inline script, no eval), connections only to itself,
/// document images from anywhere a link may point, no plugins, no framing by
/// other sites, forms only to itself. Inline styles stay allowed: the
/// editor positions cursors and colours authors with style attributes.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: https: http:; connect-src 'self'; font-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The single-page app's HTML, for every page route.
pub async fn index() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "same-origin"),
        ],
        INDEX,
    )
        .into_response()
}

/// Any other address: under `/api/` the API's JSON 404, elsewhere the app
/// with status 404, which shows its own "Not found" page.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError::not_found(format!("no route {}", uri.path()))
            .into_response();
    }
    let mut response = index().await;
    *response.status_mut() = axum::http::StatusCode::NOT_FOUND;
    response
}

/// `/assets/app.js`.
pub async fn app_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        APP_JS,
    )
        .into_response()
}

/// `/assets/app.css`.
pub async fn app_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        APP_CSS,
    )
        .into_response()
}
