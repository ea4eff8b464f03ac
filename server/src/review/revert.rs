//! `POST /docs/{id}/revert {author, from_rev?, to_rev?, dry_run?}`: one
//! member's changes in a range of revisions undone, as one new edit by the
//! caller: what they inserted there removed, what they deleted there
//! brought back, everyone else's work left as it is. A teacher of the
//! group, or anyone on an open document; with `dry_run` nothing changes.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use crdt_core::Document;
use crdt_core::model::read_body;
use crdt_core::review::{ChangeKind, Replay, compare, reverted_body, rewrite_body};
use serde::Deserialize;
use serde_json::json;

use super::caller;
use crate::auth::Access;
use crate::auth::TokenQuery;
use crate::authors::{color_of, name_of};
use crate::error::ApiError;
use crate::service;
use crate::state::AppState;

/// Body of a revert.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revert {
    /// The author id whose changes are undone (as the history lists it).
    pub author: String,
    /// Changes after this revision (default 0: from the start).
    pub from_rev: Option<u64>,
    /// Changes up to this revision (default: the newest).
    pub to_rev: Option<u64>,
    /// Only say what would change.
    #[serde(default)]
    pub dry_run: bool,
    /// The caller's author secret (open mode).
    pub by: Option<String>,
    /// The caller's display name (open mode).
    pub by_name: Option<String>,
}

/// `POST /api/v1/docs/{id}/revert`: answers `{removed_chars, restored_chars,
/// preview, revision, changed}`; `preview` runs as the diff gives them.
pub async fn revert(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: Revert = super::json_body(&body)?;
    let who = caller(
        &app,
        &headers,
        query.token.as_deref(),
        body.by.as_deref(),
        body.by_name.as_deref(),
    )
    .await?;
    let meta = service::authorized_meta(&app, &who.principal, &id, Access::Read).await?;
    // In a group the teacher's; on an open document anyone's who may edit.
    let needed = if meta.group.is_some() {
        Access::Manage
    } else {
        Access::Edit
    };
    who.principal
        .require(meta.group.as_deref(), app.config.private, needed)?;
    let snapshot = app.registry.read(&id).await.map_err(ApiError::internal)?;
    let newest = snapshot.revision;
    let from = body.from_rev.unwrap_or(0);
    let to = body.to_rev.unwrap_or(newest);
    if from > to || to > newest {
        return Err(ApiError::bad_request(format!(
            "revert within 0 <= from_rev <= to_rev <= {newest}"
        )));
    }
    // The newest checkpoint at or before `from`: nothing deleted before it
    // matters, and what the member did after it is replayed whole.
    let checkpoint = app.store.checkpoint_at(&id, from).await?;
    let start = checkpoint.as_ref().map_or(0, |c| c.seq) + 1;
    let entries = if newest >= start {
        app.store.log_range(&id, start, newest).await?
    } else {
        Vec::new()
    };
    if entries.last().map_or(start - 1, |e| e.seq) < newest {
        return Err(ApiError::internal(
            "the stored history is shorter than the document",
        ));
    }
    if !entries
        .iter()
        .any(|e| e.author == body.author && e.seq > from && e.seq <= to)
    {
        return Err(ApiError::bad_request(format!(
            "{} made no change between revisions {from} and {to}",
            body.author
        )));
    }
    let author = body.author.clone();
    let client = service::server_client_id();
    let (update, changes, applied) = tokio::task::spawn_blocking(move || {
        let target = reverted_body(
            checkpoint.as_ref().map(|c| c.state.as_slice()),
            entries.iter().map(|e| Replay {
                update: &e.update,
                undo: e.author == author && e.seq > from && e.seq <= to,
            }),
        )?;
        let current = Document::from_checkpoint(&snapshot.state, snapshot.bindings.clone())?;
        if read_body(&current) == crdt_core::import::normalize(&target)?.0 {
            return Ok((None, Vec::new(), Default::default()));
        }
        let update = rewrite_body(&current, &target, client)?;
        // The preview: the current body against the body after the edit,
        // and the characters the edit deletes and inserts.
        let mut after = Document::from_checkpoint(&snapshot.state, snapshot.bindings)?;
        let applied = after.replay(&update, &"".into())?;
        Ok::<_, crdt_core::Error>((Some(update), compare(&current, &after), applied))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let (removed, restored) = (applied.deleted, applied.inserted);
    let preview: Vec<_> = changes
        .iter()
        .map(|c| {
            // Restored text is written anew by the caller.
            let author = match c.kind {
                ChangeKind::Insert => Some(who.author.to_string()),
                _ => c.author.clone().filter(|a| !a.is_empty()),
            };
            json!({
                "kind": c.kind,
                "text": c.text,
                "author": author,
                "name": author.as_deref().map(|a| name_of(&meta, a)),
                "color": author.as_deref().map(color_of),
            })
        })
        .collect();
    let (revision, changed) = match update {
        Some(update) if !body.dry_run => (
            app.registry
                .edit(&id, who.author.clone(), Some(who.name.clone()), update)
                .await
                .map_err(service::edit_refused)?,
            true,
        ),
        _ => (newest, false),
    };
    Ok(Json(json!({
        "id": id,
        "author": body.author,
        "from_rev": from,
        "to_rev": to,
        "dry_run": body.dry_run,
        "removed_chars": removed,
        "restored_chars": restored,
        "preview": preview,
        "revision": revision,
        "changed": changed,
    }))
    .into_response())
}
