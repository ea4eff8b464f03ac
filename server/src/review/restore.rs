//! `POST /docs/{id}/restore`: the body becomes a past revision's (or a named
//! version's) body, as one new edit by the caller. The history keeps
//! everything, so a second restore undoes the first.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use crdt_core::Document;
use crdt_core::model::read_body;
use serde::Deserialize;
use serde_json::json;

use super::{caller, versions};
use crate::auth::Access;
use crate::auth::TokenQuery;
use crate::error::ApiError;
use crate::state::AppState;
use crate::{history, service};

/// Body of a restore: exactly one of `rev` and `version`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restore {
    /// The revision whose body comes back.
    pub rev: Option<u64>,
    /// The named version whose body comes back.
    pub version: Option<u64>,
    /// The browser's author secret (open mode).
    pub author: Option<String>,
    /// The browser's display name (open mode).
    pub author_name: Option<String>,
}

/// `POST /api/v1/docs/{id}/restore` `{rev}` or `{version}`: anyone who may
/// edit. Answers `{id, revision, restored, changed}`: the new revision (the
/// newest unchanged when the body was already that body).
pub async fn restore(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: Restore = super::json_body(&body)?;
    let who = caller(
        &app,
        &headers,
        query.token.as_deref(),
        body.author.as_deref(),
        body.author_name.as_deref(),
    )
    .await?;
    service::authorized_meta(&app, &who.principal, &id, Access::Edit).await?;
    let rev = match (body.rev, body.version) {
        (Some(rev), None) => rev,
        (None, Some(version)) => versions::rev_of(&app, &id, version).await?,
        _ => {
            return Err(ApiError::bad_request(
                "name what to restore: either {\"rev\": N} or {\"version\": V}",
            ));
        }
    };
    let snapshot = app.registry.read(&id).await.map_err(ApiError::internal)?;
    if rev == 0 || rev > snapshot.revision {
        return Err(ApiError::bad_request(format!(
            "no revision {rev}: this document has revisions 1 to {}",
            snapshot.revision
        )));
    }
    let past = history::document_at(&app.store, &id, rev).await?;
    let update = tokio::task::spawn_blocking(move || {
        let target = read_body(&past);
        let current = Document::from_checkpoint(&snapshot.state, Default::default())?;
        if read_body(&current) == crdt_core::import::normalize(&target)?.0 {
            return Ok(None);
        }
        crdt_core::review::rewrite_body(&current, &target, service::server_client_id()).map(Some)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let (revision, changed) = match update {
        Some(update) => (
            app.registry
                .edit(&id, who.author, Some(who.name), update)
                .await
                .map_err(service::edit_refused)?,
            true,
        ),
        None => (snapshot.revision, false),
    };
    Ok(Json(json!({
        "id": id,
        "revision": revision,
        "restored": rev,
        "version": body.version,
        "changed": changed,
    }))
    .into_response())
}
