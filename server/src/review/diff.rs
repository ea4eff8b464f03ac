//! `GET /docs/{id}/diff?from=REV&to=REV` (or `from_version=V`,
//! `to_version=V`): two revisions compared word by
//! word, each run with the author who wrote it, and per member the
//! characters they inserted and deleted in the revisions between.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::versions;
use crate::auth::Access;
use crate::authors::{color_of, name_of};
use crate::error::ApiError;
use crate::state::AppState;
use crate::{history, service};

/// Query of a comparison.
#[derive(Debug, Deserialize)]
pub struct DiffQuery {
    /// The older revision (0: the empty document).
    from: Option<u64>,
    /// The newer revision; the newest when absent.
    to: Option<u64>,
    /// A named version instead of `from`.
    from_version: Option<u64>,
    /// A named version instead of `to`.
    to_version: Option<u64>,
    /// A member token or the admin token.
    token: Option<String>,
}

/// `GET /api/v1/docs/{id}/diff?from=&to=`: anyone who may read the document.
pub async fn diff(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<DiffQuery>,
) -> Result<Response, ApiError> {
    let principal = crate::auth::principal(&app, &headers, query.token.as_deref()).await?;
    let meta = service::authorized_meta(&app, &principal, &id, Access::Read).await?;
    let newest = app
        .registry
        .read(&id)
        .await
        .map_err(ApiError::internal)?
        .revision;
    let from = match (query.from, query.from_version) {
        (Some(rev), None) => rev,
        (None, Some(v)) => versions::rev_of(&app, &id, v).await?,
        _ => {
            return Err(ApiError::bad_request(
                "give either from=REV or from_version=V",
            ));
        }
    };
    let to = match (query.to, query.to_version) {
        (to, None) => to.unwrap_or(newest),
        (None, Some(v)) => versions::rev_of(&app, &id, v).await?,
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "give to=REV or to_version=V, not both",
            ));
        }
    };
    if to > newest || from > to {
        return Err(ApiError::bad_request(format!(
            "compare two revisions with 0 <= from <= to <= {newest}"
        )));
    }
    let (old, new) = (
        history::document_at(&app.store, &id, from).await?,
        history::document_at(&app.store, &id, to).await?,
    );
    let changes = tokio::task::spawn_blocking(move || crdt_core::review::compare(&old, &new))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    // Per member: what their changes between the two inserted and deleted.
    let mut totals: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    if to > from {
        for entry in app.store.log_range(&id, from + 1, to).await? {
            let t = totals.entry(entry.author.clone()).or_default();
            t.0 += entry.applied.inserted;
            t.1 += entry.applied.deleted;
            t.2 += 1;
        }
    }
    let person = |author: &Option<String>| match author {
        Some(a) => json!({ "author": a, "name": name_of(&meta, a), "color": color_of(a) }),
        None => json!({ "author": null, "name": null, "color": null }),
    };
    let changes: Vec<_> = changes
        .iter()
        .map(|c| {
            let mut v = person(&c.author);
            v["kind"] = json!(c.kind);
            v["text"] = json!(c.text);
            v
        })
        .collect();
    let authors: Vec<_> = totals
        .iter()
        .map(|(a, (inserted, deleted, revisions))| {
            let mut v = person(&Some(a.clone()));
            v["inserted"] = json!(inserted);
            v["deleted"] = json!(deleted);
            v["revisions"] = json!(revisions);
            v
        })
        .collect();
    Ok(
        Json(json!({ "id": id, "from": from, "to": to, "changes": changes, "authors": authors }))
            .into_response(),
    )
}
