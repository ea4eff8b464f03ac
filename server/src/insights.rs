//! The teacher's view: contributions per author, the revision history, and
//! who wrote each run of the text.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use crdt_core::Document;
use crdt_core::authorship::{self, Present};
use crdt_core::document::is_starting_author;
use crdt_core::sessions::{SESSION_PAUSE_MS, SessionGrouper};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{self, Access};
use crate::authors::{self, AuthoredText, color_of, name_of};
use crate::doc::Snapshot;
use crate::error::ApiError;
use crate::service::{self, authorized_meta, stored_meta};
use crate::state::AppState;
use crate::store::DocMeta;

/// Rebuilds the document of a snapshot and finds the author of every character.
async fn present_of(snapshot: &Snapshot) -> Result<Present, ApiError> {
    let (state, bindings) = (snapshot.state.clone(), snapshot.bindings.clone());
    tokio::task::spawn_blocking(move || {
        let document = Document::from_checkpoint(&state, bindings)?;
        Ok::<_, crdt_core::Error>(authorship::present(&document))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| ApiError::internal(e.to_string()))
}

/// Query of `contributions`.
#[derive(Debug, Deserialize)]
pub struct ContributionsQuery {
    /// Timeline bucket in seconds (at least 60, at most a year; default 300).
    bucket: Option<u64>,
    /// A member token or the admin token.
    token: Option<String>,
}

/// Insights of a group's document are for its teachers (and the admin);
/// those of an open document for anyone who may read it.
async fn insights_meta(
    app: &AppState,
    headers: &HeaderMap,
    token: Option<&str>,
    id: &str,
) -> Result<DocMeta, ApiError> {
    let principal = auth::principal(app, headers, token).await?;
    let meta = stored_meta(app, id).await?;
    let needed = if meta.group.is_some() {
        Access::Manage
    } else {
        Access::Read
    };
    principal.require(meta.group.as_deref(), app.config.private, needed)?;
    Ok(meta)
}

/// `GET /api/v1/docs/{id}/contributions[?bucket=SECONDS]`.
pub async fn contributions(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<ContributionsQuery>,
) -> Result<Json<Value>, ApiError> {
    let meta = insights_meta(&app, &headers, query.token.as_deref(), &id).await?;
    let snapshot = app.registry.read(&id).await.map_err(ApiError::internal)?;
    let present = present_of(&snapshot).await?;
    let total: u64 = present.authors.values().sum();
    let written = present.written();
    let stats = &snapshot.stats;
    // Starting text (a template, an import the server made) is shown apart:
    // no member wrote it, so it is no part of anyone's share.
    let mut ids: Vec<&String> = stats
        .authors
        .keys()
        .chain(present.authors.keys())
        .filter(|a| !is_starting_author(a))
        .collect();
    ids.sort();
    ids.dedup();
    let authors: Vec<Value> = ids
        .iter()
        .map(|author| {
            let s = stats.authors.get(*author).cloned().unwrap_or_default();
            let here = present.authors.get(*author).copied().unwrap_or(0);
            let sections: Vec<Value> = present
                .sections
                .iter()
                .map(|(heading, by)| json!({ "heading": heading, "present": by.get(*author).copied().unwrap_or(0) }))
                .collect();
            json!({
                "author_id": author,
                "name": name_of(&meta, author),
                "color": color_of(author),
                "present": here,
                "share": present.share(author),
                "inserted": s.inserted,
                "deleted": s.deleted,
                "edits": s.sessions,
                "sessions": s.sessions,
                "revisions": s.edits,
                "active_minutes": s.active_minutes,
                "first_edit": s.first_edit,
                "last_edit": s.last_edit,
                "online": snapshot.online.contains(*author),
                "sections": sections,
            })
        })
        .collect();
    // At least a minute, at most a year: any bucket in between fits in ms.
    let bucket_ms = query.bucket.unwrap_or(300).clamp(60, 366 * 24 * 3600) * 1000;
    let mut buckets: BTreeMap<u64, serde_json::Map<String, Value>> = BTreeMap::new();
    for (start, author, inserted, deleted) in stats.timeline(bucket_ms) {
        buckets
            .entry(start)
            .or_default()
            .insert(author, json!({ "inserted": inserted, "deleted": deleted }));
    }
    let timeline: Vec<Value> = buckets
        .into_iter()
        .map(|(start, authors)| json!({ "start": start, "authors": authors }))
        .collect();
    let sections: Vec<Value> = present
        .sections
        .iter()
        .map(|(heading, by)| {
            let (starting, members): (BTreeMap<&String, &u64>, BTreeMap<&String, &u64>) =
                by.iter().partition(|(a, _)| is_starting_author(a));
            json!({
                "heading": heading,
                "authors": members,
                "starting": starting.values().copied().sum::<u64>(),
            })
        })
        .collect();
    let starting = present.starting();
    let sources: Vec<Value> = present
        .authors
        .iter()
        .filter(|(a, _)| is_starting_author(a))
        .map(|(a, n)| json!({ "author_id": a, "name": name_of(&meta, a), "present": n }))
        .collect();
    Ok(Json(json!({
        "id": id,
        "title": meta.title,
        "revision": snapshot.revision,
        "length": total,
        "written": written,
        "starting": {
            "present": starting,
            "share": if total == 0 { 0.0 } else { starting as f64 / total as f64 },
            "sources": sources,
        },
        "session_pause_ms": SESSION_PAUSE_MS,
        "authors": authors,
        "sections": sections,
        "timeline": { "bucket_ms": bucket_ms, "buckets": timeline },
    })))
}

/// Query of `history`.
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    /// First revision (default 1).
    from: Option<u64>,
    /// Page size (default 100, at most 1000).
    limit: Option<u64>,
    /// `sessions`: the history as work sessions instead of revisions.
    steps: Option<String>,
    /// A member token or the admin token.
    token: Option<String>,
}

/// `GET /api/v1/docs/{id}/history[?from=R&limit=N]`: revisions, oldest first.
pub async fn history(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HistoryQuery>,
) -> Result<Json<Value>, ApiError> {
    // Whoever may read the document may read its history: every revision's
    // text (and who wrote it) is theirs to export anyway.
    let principal = auth::principal(&app, &headers, query.token.as_deref()).await?;
    let meta = authorized_meta(&app, &principal, &id, Access::Read).await?;
    match query.steps.as_deref() {
        None | Some("revisions") => {}
        Some("sessions") => return session_steps(&app, &id, &meta).await,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown steps {other:?}: use revisions or sessions"
            )));
        }
    }
    let from = query.from.unwrap_or(1).max(1);
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let entries = app.store.log_range(&id, from, from + limit - 1).await?;
    let revisions: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "rev": e.seq,
                "ts": e.ts,
                "author": e.author,
                "name": name_of(&meta, &e.author),
                "color": color_of(&e.author),
                "inserted": e.applied.inserted,
                "deleted": e.applied.deleted,
            })
        })
        .collect();
    let next = entries
        .last()
        .map(|e| e.seq + 1)
        .filter(|&n| n <= meta.revisions);
    Ok(Json(json!({
        "id": id,
        "revisions": meta.revisions,
        "from": from,
        "items": revisions,
        "next": next,
    })))
}

/// Query of `authorship`.
#[derive(Debug, Deserialize)]
pub struct AuthorshipQuery {
    /// A revision instead of the current state.
    rev: Option<u64>,
    /// A member token or the admin token.
    token: Option<String>,
}

/// `GET /api/v1/docs/{id}/authorship[?rev=N]`: who wrote each run of the
/// body's text, for a client to colour its own copy. Whoever may read the
/// document may read this, as they may its author-coloured export.
pub async fn authorship(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<AuthorshipQuery>,
) -> Result<Json<AuthoredText>, ApiError> {
    let principal = auth::principal(&app, &headers, query.token.as_deref()).await?;
    let meta = authorized_meta(&app, &principal, &id, Access::Read).await?;
    let document = service::document(&app, &id, query.rev).await?;
    let authored = tokio::task::spawn_blocking(move || authors::authored_text(&document, &meta))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(authored))
}

/// Log entries read at once while grouping a history into sessions.
const SCAN_CHUNK: u64 = 1000;

/// `GET /api/v1/docs/{id}/history?steps=sessions`: the whole history as
/// work sessions, ordered by their last revision. Each is a step of the
/// history slider: the document as that session left it.
async fn session_steps(app: &AppState, id: &str, meta: &DocMeta) -> Result<Json<Value>, ApiError> {
    let mut grouper = SessionGrouper::default();
    let mut revisions = meta.revisions;
    let mut from = 1;
    loop {
        let entries = app.store.log_range(id, from, from + SCAN_CHUNK - 1).await?;
        let Some(last) = entries.last().map(|e| e.seq) else {
            break;
        };
        for e in &entries {
            grouper.push(e.seq, e.ts, &e.author, e.applied);
        }
        revisions = revisions.max(last);
        from = last + 1;
    }
    let steps: Vec<Value> = grouper
        .finish()
        .into_iter()
        .map(|s| {
            json!({
                "rev": s.last_rev,
                "first_rev": s.first_rev,
                "start": s.start,
                "ts": s.end,
                "author": s.author,
                "name": name_of(meta, &s.author),
                "color": color_of(&s.author),
                "starting": is_starting_author(&s.author),
                "revisions": s.revisions,
                "inserted": s.inserted,
                "deleted": s.deleted,
            })
        })
        .collect();
    Ok(Json(json!({
        "id": id,
        "revisions": revisions,
        "session_pause_ms": SESSION_PAUSE_MS,
        "steps": steps,
    })))
}
