//! The JSON HTTP API under `/api/v1`.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use crdt_core::AuthorId;
use crdt_core::export::ExportFormat;
use crdt_core::import::{self, ImportFormat, WriteMode};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{self, TokenQuery};
use crate::authors::{color_of, name_of};
use crate::caller::{Access, Principal, unauthorized};
use crate::error::ApiError;
use crate::guard;
use crate::members;
use crate::service;
use crate::state::AppState;
use crate::store::DocMeta;
use crate::throttle::ClientAddr;

/// Body of `POST /docs`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateDoc {
    title: Option<String>,
    template: Option<String>,
    group: Option<String>,
}

/// A document as the API lists it.
#[derive(Debug, Serialize)]
pub struct DocSummary {
    id: String,
    #[serde(flatten)]
    meta: DocMeta,
}

/// `POST /api/v1/docs`: creates a document, from a template if asked.
pub async fn create_doc(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(auth): Query<TokenQuery>,
    peer: Option<Extension<ClientAddr>>,
    body: Option<Json<CreateDoc>>,
) -> Result<Response, ApiError> {
    let CreateDoc {
        title,
        template,
        group,
    } = body.map(|Json(b)| b).unwrap_or_default();
    let principal = auth::principal(&app, &headers, auth.token.as_deref()).await?;
    if let Some(g) = &group {
        if members::load(&app, g).await?.is_none() {
            return Err(ApiError::not_found(format!("no group {g}")));
        }
        // Like a shared folder: everyone who may write in the group may add
        // to it; deleting stays the teachers'.
        principal.require(Some(g), app.config.private, Access::Edit)?;
    } else {
        principal.require(None, app.config.private, Access::Edit)?;
    }
    service::admit_creation(&app, &principal, &headers, peer.as_deref())?;
    let (id, meta) = service::create(&app, title.as_deref(), template.as_deref(), group).await?;
    let body = json!({
        "id": id,
        "title": meta.title,
        "template": meta.template,
        "group": meta.group,
        "created": meta.created,
        "url": format!("/d/{id}"),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /api/v1/templates`: the templates a document can start from.
pub async fn list_templates() -> Json<Vec<crdt_core::templates::TemplateInfo>> {
    Json(crdt_core::templates::list())
}

/// The response header of `GET /docs` that counts the stored documents the
/// caller may not see, so that a client exporting "everything" knows it did
/// not get everything.
pub const UNLISTED: &str = "x-quire-unlisted";

/// `GET /api/v1/docs`: the documents the caller may see, most recently
/// updated first; [`UNLISTED`] counts the others.
pub async fn list_docs(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(auth): Query<TokenQuery>,
) -> Result<Response, ApiError> {
    let principal = auth::principal(&app, &headers, auth.token.as_deref()).await?;
    // A private server tells a stranger nothing, not even how many.
    if app.config.private && principal == Principal::Anonymous {
        return Err(unauthorized("a token is required"));
    }
    let (mut docs, hidden): (Vec<_>, Vec<_>) = app
        .store
        .list_meta()
        .await?
        .into_iter()
        .map(|(id, meta)| DocSummary { id, meta })
        .partition(|d| {
            principal
                .access(d.meta.group.as_deref(), app.config.private)
                .is_some()
        });
    docs.sort_by_key(|d| std::cmp::Reverse(d.meta.updated));
    Ok(([(UNLISTED, hidden.len().to_string())], Json(docs)).into_response())
}

/// `GET /api/v1/docs/{id}`: metadata.
pub async fn get_doc(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(auth): Query<TokenQuery>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let principal = auth::principal(&app, &headers, auth.token.as_deref()).await?;
    let meta = service::authorized_meta(&app, &principal, &id, Access::Read).await?;
    let access = principal.access(meta.group.as_deref(), app.config.private);
    let snapshot = app.registry.read(&id).await.map_err(ApiError::internal)?;
    let authors: Vec<_> = snapshot
        .authors
        .iter()
        .map(|a| json!({ "author_id": a, "name": name_of(&meta, a), "color": color_of(a) }))
        .collect();
    Ok(Json(json!({
        "id": id,
        "title": meta.title,
        "group": meta.group,
        "template": meta.template,
        "created": meta.created,
        "updated": meta.updated,
        "revisions": snapshot.revision,
        "size": snapshot.state.len(),
        "connections": snapshot.connections,
        "authors": authors,
        "access": match access {
            Some(Access::Manage) => "manage",
            Some(Access::Edit) => "edit",
            _ => "read",
        },
    }))
    .into_response())
}

/// `DELETE /api/v1/docs/{id}` (a teacher of its group, or the admin).
pub async fn delete_doc(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(auth): Query<TokenQuery>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let principal = auth::principal(&app, &headers, auth.token.as_deref()).await?;
    let meta = service::stored_meta(&app, &id).await?;
    if meta.group.is_none() && principal != Principal::Admin {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only the admin deletes documents outside groups",
        ));
    }
    principal.require(meta.group.as_deref(), app.config.private, Access::Manage)?;
    // The tombstone first: from here on, nobody can bring the id back by
    // connecting to it.
    app.store
        .put_setting(&service::tombstone_key(&id), b"1")
        .await?;
    app.registry.discard(&id).await;
    app.store.delete(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of an export.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    /// A revision to export instead of the current state.
    rev: Option<u64>,
    /// A named version to export instead of the current state.
    version: Option<u64>,
    /// `1` colours an HTML export by author and adds a legend.
    authorship: Option<u8>,
    /// A member token or the admin token.
    token: Option<String>,
}

/// The response header that says what an export could not show.
pub const EXPORT_WARNING: &str = "x-quire-export-warning";

/// `GET /api/v1/docs/{id}/export/{fmt}[?rev=N][&authorship=1]`.
pub async fn export_doc(
    State(app): State<AppState>,
    Path((id, format)): Path<(String, String)>,
    headers: HeaderMap,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let principal = auth::principal(&app, &headers, query.token.as_deref()).await?;
    service::authorized_meta(&app, &principal, &id, Access::Read).await?;
    let format: ExportFormat = format
        .parse()
        .map_err(|e: crdt_core::export::UnknownFormat| ApiError::bad_request(e.to_string()))?;
    let rev = match (query.rev, query.version) {
        (rev, None) => rev,
        (None, Some(v)) => Some(crate::review::versions::rev_of(&app, &id, v).await?),
        (Some(_), Some(_)) => return Err(ApiError::bad_request("give rev or version, not both")),
    };
    let exported = service::export(&app, &id, format, rev, query.authorship == Some(1)).await?;
    let mut response = (
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, exported.disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        exported.bytes,
    )
        .into_response();
    // Characters no font has: the PDF shows boxes for them.
    if let Some(value) = exported
        .warning
        .and_then(|w| header::HeaderValue::from_str(&w).ok())
    {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static(EXPORT_WARNING), value);
    }
    Ok(response)
}

/// Query of an import.
#[derive(Debug, Deserialize)]
pub struct ImportQuery {
    /// `md`, `txt` or `html`.
    format: String,
    /// `replace` (the default) or `append`.
    mode: Option<String>,
    /// The importing browser's author secret (open mode).
    author: Option<String>,
    /// `1`: the file is the starting text of a document nobody has written
    /// in yet, shown apart from the members' writing like a template's.
    starting: Option<u8>,
    /// A member token or the admin token.
    token: Option<String>,
}

/// `POST /api/v1/docs/{id}/import?format=md`: replaces or extends the body,
/// as an ordinary edit by the importing author.
pub async fn import_doc(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<ImportQuery>,
    body: Body,
) -> Result<Response, ApiError> {
    let principal = auth::principal(&app, &headers, query.token.as_deref()).await?;
    service::authorized_meta(&app, &principal, &id, Access::Edit).await?;
    guard::require_text_body(&headers)?;
    let format: ImportFormat = query
        .format
        .parse()
        .map_err(|e: import::UnknownImportFormat| ApiError::bad_request(e.to_string()))?;
    let mode = match query.mode.as_deref() {
        None | Some("replace") => WriteMode::Replace,
        Some("append") => WriteMode::Append,
        Some(other) => return Err(ApiError::bad_request(format!("unknown mode {other:?}"))),
    };
    let author: AuthorId = principal.author(&app.identity, query.author.as_deref())?;
    // Only now, with the caller allowed, is the body read.
    let body = guard::read_text(body).await?;
    let by = match query.starting {
        None | Some(0) => service::ImportAs::Author(author),
        Some(1) => service::ImportAs::Starting,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "starting={other}: use 0 or 1"
            )));
        }
    };
    let (revision, degraded) = service::import(&app, &id, format, mode, by, body).await?;
    Ok(Json(json!({ "id": id, "revision": revision, "degraded": degraded })).into_response())
}

/// `GET /healthz`: `ok`, or `degraded` with the reason when the store does
/// not answer. Still 200 when degraded: the node goes on serving its
/// connections and saves once the store is back, so a load balancer should
/// keep it.
pub async fn healthz(State(app): State<AppState>) -> Json<serde_json::Value> {
    let loaded = app.registry.loaded();
    match app.store.health().await {
        Ok(()) => Json(json!({ "status": "ok", "documents_loaded": loaded })),
        Err(e) => Json(json!({
            "status": "degraded",
            "reason": e.to_string(),
            "documents_loaded": loaded,
        })),
    }
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(app): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.metrics.render(),
    )
        .into_response()
}
