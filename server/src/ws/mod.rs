//! The websocket endpoint: `GET /ws/{doc}` speaking y-protocols, one message
//! per frame.
//!
//! - this file: the upgrade, after checking the document id, the Origin and
//!   the caller's right to the document.
//! - [`connection`]: one connection's read loop, which hands frames to the
//!   document's actor ([`crate::doc`]) under the message-rate limits.
//! - [`writer`]: the connection's writer, which drains the bounded queue the
//!   actor fills, pings, and closes on silence.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use crdt_core::AuthorId;
use serde::Deserialize;

use crate::auth;
use crate::caller::{Access, Principal};
use crate::error::ApiError;
use crate::guard;
use crate::ids::valid_doc_id;
use crate::service;
use crate::state::AppState;
use connection::Admitted;

mod connection;
mod writer;

/// Query parameters of a websocket connection.
#[derive(Debug, Deserialize)]
pub struct WsParams {
    /// The browser's author secret (open mode).
    author: Option<String>,
    /// Display name.
    name: Option<String>,
    /// `1` to receive Saved acknowledgements.
    acks: Option<String>,
    /// A member token or the admin token.
    token: Option<String>,
}

/// Upgrades to a websocket after checking the document id and identity; a
/// refused request gets an HTTP error and never a byte of document data.
pub async fn upgrade(
    State(app): State<AppState>,
    Path(doc): Path<String>,
    Query(params): Query<WsParams>,
    headers: HeaderMap,
    peer: Option<axum::Extension<crate::throttle::ClientAddr>>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let admitted = admit(&app, &doc, &params, &headers, peer.as_deref()).await;
    let peer = peer.map(|p| p.0.0.ip());
    let (author, name, role, read_only) = admitted.inspect_err(|_| {
        app.metrics.refused_connections.inc();
    })?;
    let acks = params.acks.as_deref() == Some("1");
    // The codec takes frames up to twice the limit, so that a frame somewhat
    // past it is read whole and refused with 1009 and a closing handshake;
    // cut off mid-frame, the peer would see only a reset (1006).
    let limit = app.config.max_message_bytes;
    let codec_limit = limit.saturating_mul(2).max(limit.saturating_add(1 << 20));
    Ok(ws
        .read_buffer_size(4 * 1024)
        .max_message_size(codec_limit)
        .max_frame_size(codec_limit)
        .on_upgrade(move |socket| {
            connection::serve(
                socket,
                app,
                doc,
                Admitted {
                    author,
                    name,
                    role,
                    read_only,
                    acks,
                    peer,
                },
            )
        })
        .into_response())
}

/// Checks the document id, the Origin, and the caller's right to the
/// document; returns the author, display name, a member's role and whether
/// it is read-only.
async fn admit(
    app: &AppState,
    doc: &str,
    params: &WsParams,
    headers: &HeaderMap,
    peer: Option<&crate::throttle::ClientAddr>,
) -> Result<(AuthorId, Option<String>, Option<&'static str>, bool), ApiError> {
    if !valid_doc_id(doc) {
        return Err(ApiError::bad_request("invalid document id"));
    }
    let public = guard::public_origin(app.config.public_url.as_deref());
    if !guard::origin_allowed(headers, public.as_deref()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "origin not allowed",
        ));
    }
    let principal = auth::principal(app, headers, params.token.as_deref()).await?;
    let meta = app.store.get_meta(doc).await?;
    let group = meta.as_ref().and_then(|m| m.group.clone());
    let access = principal.require(group.as_deref(), app.config.private, Access::Read)?;
    service::ensure_not_deleted(app, doc).await?;
    // Only an open server's strangers make documents by opening an address,
    // as in Etherpad. A member's or the admin's documents are made through
    // the API, so an unknown id is a mistyped one: it must not become an
    // empty document outside every group.
    let creates = meta.is_none() && !app.registry.is_loaded(doc);
    if creates && principal != Principal::Anonymous {
        return Err(ApiError::not_found(format!("no document {doc}")));
    }
    let read_only = access < Access::Edit;
    let name = params
        .name
        .as_deref()
        .and_then(crdt_core::presence::clean_name);
    let author = principal.author(&app.identity, params.author.as_deref())?;
    let (name, role) = match &principal {
        Principal::Member(m) => (Some(m.name.clone()), Some(m.role.as_str())),
        Principal::Admin => (name.or(Some("Admin".into())), None),
        Principal::Anonymous => (name, None),
    };
    let admitted = (author, name, role, read_only);
    // Opening an id that is neither stored nor loaded creates a document.
    if creates {
        service::admit_creation(app, &principal, headers, peer)?;
    }
    Ok(admitted)
}
