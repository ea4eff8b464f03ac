//! The JSON HTTP API under `/api/v1`.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use crdt_core::document::SYSTEM_AUTHOR;
use crdt_core::export::{self, ExportFormat};
use crdt_core::import::{self, ImportFormat, WriteMode};
use crdt_core::templates::Template;
use crdt_core::{AuthorId, Document};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::AppState;
use crate::error::ApiError;
use crate::history;
use crate::identity::ANONYMOUS;
use crate::ids::{new_doc_id, valid_doc_id};
use crate::store::DocMeta;

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

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A random Yjs client id for an edit the server makes.
fn server_client_id() -> u64 {
    rand::rng().random_range(1..(1u64 << 53))
}

fn checked_id(id: &str) -> Result<(), ApiError> {
    if valid_doc_id(id) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid document id: use 1 to 64 of A-Z a-z 0-9 - _",
        ))
    }
}

/// `POST /api/v1/docs`: creates a document, from a template if asked.
pub async fn create_doc(
    State(app): State<AppState>,
    body: Option<Json<CreateDoc>>,
) -> Result<Response, ApiError> {
    let CreateDoc {
        title,
        template,
        group,
    } = body.map(|Json(b)| b).unwrap_or_default();
    if group.is_some() {
        return Err(ApiError::bad_request(
            "groups are not configured on this server",
        ));
    }
    let title = title.unwrap_or_default().trim().to_owned();
    if title.chars().count() > 200 {
        return Err(ApiError::bad_request("title is longer than 200 characters"));
    }
    let template = match template.as_deref() {
        None => Template::Blank,
        Some(t) => t
            .parse::<Template>()
            .map_err(|e| ApiError::bad_request(e.to_string()))?,
    };
    let id = new_doc_id();
    let now = now_ms();
    let meta = DocMeta {
        title: title.clone(),
        template: (template != Template::Blank).then(|| template.id().to_owned()),
        created: now,
        updated: now,
        ..DocMeta::default()
    };
    app.store.put_meta(&id, &meta).await?;
    let empty = Document::new();
    let mut edits = Vec::new();
    if template != Template::Blank {
        edits.push(import::replace_body(
            &empty,
            &template.body(),
            server_client_id(),
        ));
    }
    if !title.is_empty() || template != Template::Blank {
        edits.push(import::set_meta(
            &empty,
            &title,
            meta.template.as_deref(),
            server_client_id(),
        ));
    }
    for edit in edits {
        let update = edit.map_err(|e| ApiError::internal(e.to_string()))?;
        app.registry
            .edit(&id, SYSTEM_AUTHOR.into(), update)
            .await
            .map_err(ApiError::internal)?;
    }
    let body = json!({
        "id": id,
        "title": title,
        "template": meta.template,
        "created": now,
        "url": format!("/d/{id}"),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /api/v1/templates`: the templates a document can start from.
pub async fn list_templates() -> Json<Vec<crdt_core::templates::TemplateInfo>> {
    Json(crdt_core::templates::list())
}

/// `GET /api/v1/docs`: every document, most recently updated first.
pub async fn list_docs(State(app): State<AppState>) -> Result<Json<Vec<DocSummary>>, ApiError> {
    let mut docs: Vec<DocSummary> = app
        .store
        .list_meta()
        .await?
        .into_iter()
        .map(|(id, meta)| DocSummary { id, meta })
        .collect();
    docs.sort_by_key(|d| std::cmp::Reverse(d.meta.updated));
    Ok(Json(docs))
}

pub(crate) async fn stored_meta(app: &AppState, id: &str) -> Result<DocMeta, ApiError> {
    checked_id(id)?;
    app.store
        .get_meta(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no document {id}")))
}

/// `GET /api/v1/docs/{id}`: metadata.
pub async fn get_doc(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let meta = stored_meta(&app, &id).await?;
    let snapshot = app.registry.read(&id).await.map_err(ApiError::internal)?;
    let authors: Vec<_> = snapshot
        .authors
        .iter()
        .map(|a| json!({ "author_id": a, "name": crate::insights::name_of(&meta, a), "color": crate::insights::color_of(a) }))
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
    }))
    .into_response())
}

/// Query of an export.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    /// A revision to export instead of the current state.
    rev: Option<u64>,
    /// `1` colours an HTML export by author and adds a legend.
    authorship: Option<u8>,
}

/// `GET /api/v1/docs/{id}/export/{fmt}[?rev=N]`.
pub async fn export_doc(
    State(app): State<AppState>,
    Path((id, format)): Path<(String, String)>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let meta = stored_meta(&app, &id).await?;
    let format: ExportFormat = format
        .parse()
        .map_err(|e: crdt_core::export::UnknownFormat| ApiError::bad_request(e.to_string()))?;
    let document = match query.rev {
        Some(rev) => history::document_at(&app.store, &id, rev).await?,
        None => {
            let snapshot = app.registry.read(&id).await.map_err(ApiError::internal)?;
            Document::from_checkpoint(&snapshot.state, snapshot.bindings)
                .map_err(|e| ApiError::internal(e.to_string()))?
        }
    };
    let coloured = format == ExportFormat::Html && query.authorship == Some(1);
    let title = document.title().unwrap_or_else(|| meta.title.clone());
    let name = if title.is_empty() {
        id.clone()
    } else {
        title.clone()
    };
    let bytes = tokio::task::spawn_blocking(move || {
        let body = crdt_core::model::read_body(&document);
        let authorship = coloured.then(|| crate::insights::authorship_of(&document, &meta));
        export::render(format, &body, &title, authorship.as_ref())
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                export::content_disposition(&name, format.extension()),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
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
}

/// `POST /api/v1/docs/{id}/import?format=md`: replaces or extends the body,
/// as an ordinary edit by the importing author.
pub async fn import_doc(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<ImportQuery>,
    body: String,
) -> Result<Response, ApiError> {
    stored_meta(&app, &id).await?;
    let format: ImportFormat = query
        .format
        .parse()
        .map_err(|e: import::UnknownImportFormat| ApiError::bad_request(e.to_string()))?;
    let mode = match query.mode.as_deref() {
        None | Some("replace") => WriteMode::Replace,
        Some("append") => WriteMode::Append,
        Some(other) => return Err(ApiError::bad_request(format!("unknown mode {other:?}"))),
    };
    let author: AuthorId = match &query.author {
        Some(secret) => app
            .identity
            .author_of_secret(secret)
            .map_err(ApiError::bad_request)?,
        None => ANONYMOUS.into(),
    };
    let snapshot = app.registry.read(&id).await.map_err(ApiError::internal)?;
    let (update, degraded) = tokio::task::spawn_blocking(move || {
        let imported = format.read(&body);
        let document = Document::from_checkpoint(&snapshot.state, Default::default())?;
        let update = import::write_body(&document, &imported.doc, server_client_id(), mode)?;
        Ok::<_, crdt_core::Error>((update, imported.degraded))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let revision = app
        .registry
        .edit(&id, author, update)
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(json!({ "id": id, "revision": revision, "degraded": degraded })).into_response())
}

/// `GET /healthz`.
pub async fn healthz(State(app): State<AppState>) -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "documents_loaded": app.registry.loaded() }))
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
