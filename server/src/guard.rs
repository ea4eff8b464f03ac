//! What every request passes before its handler: its origin, and the size,
//! time and memory its body may take.
//!
//! - **Origin.** A state-changing request (anything but GET, HEAD, OPTIONS)
//!   that a browser sends from another site is refused (403): its
//!   `Sec-Fetch-Site` says `cross-site` or `same-site`, or its `Origin` is not
//!   the server's own (`--public-url`, else the request's `Host`). Websocket
//!   upgrades check their `Origin` the same way ([`origin_allowed`]).
//!   Requests without either header (curl, the CLI, server-to-server) pass:
//!   they carry no ambient browser credentials.
//! - **Body size.** A declared `Content-Length` over the route's limit is
//!   refused (413) before a byte of the body is read; a body that grows past
//!   it while streaming fails too.
//! - **Body time.** The whole body must arrive within `--body-timeout-secs`;
//!   a drip-fed body fails (408) and its connection is closed.
//! - **Body memory.** Every body in flight holds its size in permits of one
//!   budget (`--body-memory-bytes`); when the budget is spent, a new body is
//!   refused at once (503, `Retry-After`) rather than buffered.
//!
//! Handlers that take a large body (imports) authenticate first and read the
//! body afterwards with [`read_text`], so an unauthorised caller never gets
//! a large body buffered.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// Largest body of an import.
pub const MAX_IMPORT_BODY: usize = 8 << 20;
/// Largest body of any other request (JSON).
pub const MAX_JSON_BODY: usize = 64 << 10;

/// The shared limits on request bodies.
#[derive(Debug, Clone)]
pub struct BodyLimits {
    /// Time a client has to send a whole body.
    pub timeout: Duration,
    /// Bytes every body in flight may hold together.
    budget: Arc<Semaphore>,
    budget_bytes: usize,
    public_origin: Option<String>,
}

impl BodyLimits {
    /// Limits with `budget_bytes` for all bodies in flight together.
    pub fn new(timeout: Duration, budget_bytes: usize, public_url: Option<&str>) -> Self {
        let budget_bytes = budget_bytes.clamp(MAX_IMPORT_BODY, Semaphore::MAX_PERMITS);
        Self {
            timeout,
            budget: Arc::new(Semaphore::new(budget_bytes)),
            budget_bytes,
            public_origin: public_url.map(origin_of),
        }
    }

    /// Bytes of the budget not held by a body right now.
    pub fn available(&self) -> usize {
        self.budget.available_permits()
    }

    /// The budget's size.
    pub fn budget_bytes(&self) -> usize {
        self.budget_bytes
    }
}

/// The origin (`scheme://host[:port]`) of a URL.
fn origin_of(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    match url.find("://") {
        Some(scheme_end) => {
            let rest = &url[scheme_end + 3..];
            let host_end = rest.find('/').unwrap_or(rest.len());
            url[..scheme_end + 3 + host_end].to_ascii_lowercase()
        }
        None => url.to_ascii_lowercase(),
    }
}

/// Whether a browser's `Origin` header, if any, is this server's own: the
/// public URL's origin when one is set, else `http(s)://` and the `Host`.
pub fn origin_allowed(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.trim().to_ascii_lowercase();
    match public_origin {
        Some(public) => origin == public,
        None => {
            let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
                return false;
            };
            let host = host.trim().to_ascii_lowercase();
            origin == format!("http://{host}") || origin == format!("https://{host}")
        }
    }
}

/// The public URL's origin, as [`origin_allowed`] takes it.
pub fn public_origin(public_url: Option<&str>) -> Option<String> {
    public_url.map(origin_of)
}

fn forbidden(message: &str) -> Response {
    ApiError::new(StatusCode::FORBIDDEN, "cross_site", message).into_response()
}

/// The largest body the route of `path` takes.
fn body_limit(method: &Method, path: &str) -> usize {
    if method == Method::POST && path.starts_with("/api/v1/docs/") && path.ends_with("/import") {
        MAX_IMPORT_BODY
    } else {
        MAX_JSON_BODY
    }
}

/// The middleware: origin checks, then the body's size, time and memory.
pub async fn guard(State(limits): State<BodyLimits>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let changes_state = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    let headers = request.headers();
    if changes_state {
        let fetch_site = headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase);
        if matches!(fetch_site.as_deref(), Some("cross-site" | "same-site")) {
            return forbidden("requests from other sites may not change anything here");
        }
        if !origin_allowed(headers, limits.public_origin.as_deref()) {
            return forbidden("requests from other origins may not change anything here");
        }
    }
    let limit = body_limit(&method, request.uri().path());
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let chunked = headers.contains_key(header::TRANSFER_ENCODING);
    let size = match declared {
        Some(0) | None if !chunked => return next.run(request).await,
        Some(n) if n > limit as u64 => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is larger than {limit} bytes"),
            )
            .into_response();
        }
        Some(n) => n as usize,
        None => limit,
    };
    let Ok(permit) = limits.budget.clone().try_acquire_many_owned(size as u32) else {
        let mut response = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "the server is receiving too many request bodies; try again shortly",
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        return response;
    };
    let (parts, body) = request.into_parts();
    let body = bounded(body, limits.timeout, limit, permit);
    next.run(Request::from_parts(parts, body)).await
}

/// Why a body could not be read.
#[derive(Debug, thiserror::Error)]
enum BodyError {
    #[error("the request body did not arrive in time")]
    TimedOut,
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
}

/// `body` failing once `timeout` has passed since now or `limit` bytes are
/// exceeded; it holds `permit` until it is dropped.
fn bounded(body: Body, timeout: Duration, limit: usize, permit: OwnedSemaphorePermit) -> Body {
    let deadline = tokio::time::Instant::now() + timeout;
    let stream = body.into_data_stream();
    let state = (stream, permit, 0usize, false);
    let guarded = futures_util::stream::unfold(
        state,
        move |(mut stream, permit, mut seen, failed)| async move {
            if failed {
                return None;
            }
            let item = match tokio::time::timeout_at(deadline, stream.next()).await {
                Err(_) => Err(axum::Error::new(BodyError::TimedOut)),
                Ok(None) => return None,
                Ok(Some(Err(e))) => Err(e),
                Ok(Some(Ok(chunk))) => {
                    seen += chunk.len();
                    if seen > limit {
                        Err(axum::Error::new(BodyError::TooLarge(limit)))
                    } else {
                        Ok(chunk)
                    }
                }
            };
            let failed = item.is_err();
            Some((item, (stream, permit, seen, failed)))
        },
    );
    Body::from_stream(guarded)
}

/// Reads a whole body as UTF-8 text, within the limits the middleware set:
/// 408 when it is too slow, 413 when too large, 400 when not UTF-8.
pub async fn read_text(body: Body) -> Result<String, ApiError> {
    let mut stream = body.into_data_stream();
    let mut out = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk: Bytes = chunk.map_err(body_error)?;
        out.extend_from_slice(&chunk);
    }
    String::from_utf8(out.to_vec()).map_err(|_| ApiError::bad_request("the body is not UTF-8"))
}

fn body_error(e: axum::Error) -> ApiError {
    // The body's own error may be wrapped once more by the stream adapters.
    let inner = e.into_inner();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(inner.as_ref());
    let mut found = None;
    while let Some(error) = cause {
        if let Some(body) = error.downcast_ref::<BodyError>() {
            found = Some(body);
            break;
        }
        if let Some(axum) = error.downcast_ref::<axum::Error>() {
            cause = std::error::Error::source(axum);
        } else {
            cause = error.source();
        }
    }
    match found {
        Some(BodyError::TimedOut) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            BodyError::TimedOut.to_string(),
        ),
        Some(too_large @ BodyError::TooLarge(_)) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            too_large.to_string(),
        ),
        None => ApiError::bad_request(format!("the request body could not be read: {inner}")),
    }
}

/// Refuses a body type that a browser form can send from any site without
/// asking (`application/x-www-form-urlencoded`, `multipart/form-data`) or
/// that is not text: an import takes `text/markdown`, `text/html`,
/// `text/plain` or `application/octet-stream`.
pub fn require_text_body(headers: &HeaderMap) -> Result<(), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "text/markdown"
        | "text/x-markdown"
        | "text/html"
        | "text/plain"
        | "application/octet-stream" => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "an import takes text/markdown, text/html, text/plain or application/octet-stream, not {:?}",
                if essence.is_empty() { "none" } else { &essence }
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn origins_match_the_host_or_the_public_url() {
        let same = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        let foreign = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "https://evil.example"),
        ]);
        let none = headers(&[("host", "127.0.0.1:8080")]);
        let null = headers(&[("host", "127.0.0.1:8080"), ("origin", "null")]);
        assert!(origin_allowed(&same, None));
        assert!(!origin_allowed(&foreign, None));
        assert!(origin_allowed(&none, None));
        assert!(!origin_allowed(&null, None));
        let public = public_origin(Some("https://quire.school.example/"));
        let proxied = headers(&[
            ("host", "10.0.0.5:8080"),
            ("origin", "https://quire.school.example"),
        ]);
        assert!(origin_allowed(&proxied, public.as_deref()));
        assert!(!origin_allowed(&same, public.as_deref()));
    }

    #[test]
    fn only_text_bodies_are_imported() {
        for ok in ["text/markdown", "text/plain; charset=utf-8", "TEXT/HTML"] {
            assert!(
                require_text_body(&headers(&[("content-type", ok)])).is_ok(),
                "{ok}"
            );
        }
        for refused in [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            assert!(require_text_body(&headers(&[("content-type", refused)])).is_err());
        }
        assert!(require_text_body(&HeaderMap::new()).is_err());
    }
}
