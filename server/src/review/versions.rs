//! Named versions: a name on a revision, with who named it and when. Kept as
//! one settings record per document (`versions:{doc}`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{RECORDS, caller};
use crate::auth::Access;
use crate::auth::TokenQuery;
use crate::error::ApiError;
use crate::service::{self, now_ms};
use crate::state::AppState;

/// The longest name a version may have, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// The most versions one document keeps.
pub const MAX_VERSIONS: usize = 1000;

/// A named version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Version {
    /// Its number, from 1, never reused within the document.
    pub version: u64,
    /// Its name.
    pub name: String,
    /// The revision it names.
    pub rev: u64,
    /// When it was named, ms since the epoch.
    pub created: u64,
    /// The author id of who named it.
    pub author: String,
    /// Their display name then.
    pub name_of_author: String,
    /// Whether it records a hand-in (early, or at the deadline): only a
    /// teacher may delete it.
    #[serde(default)]
    pub handin: bool,
}

/// A document's versions as stored.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Versions {
    /// The number the next version gets, less one.
    #[serde(default)]
    pub last: u64,
    /// The versions, oldest first.
    #[serde(default)]
    pub versions: Vec<Version>,
}

fn key(doc: &str) -> String {
    format!("versions:{doc}")
}

/// Reads a document's versions.
pub async fn load(app: &AppState, doc: &str) -> Result<Versions, ApiError> {
    match app.store.get_setting(&key(doc)).await? {
        Some(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| ApiError::internal(e.to_string()))
        }
        None => Ok(Versions::default()),
    }
}

async fn save(app: &AppState, doc: &str, versions: &Versions) -> Result<(), ApiError> {
    let bytes = serde_json::to_vec(versions).map_err(|e| ApiError::internal(e.to_string()))?;
    app.store.put_setting(&key(doc), &bytes).await?;
    Ok(())
}

/// The revision version `version` names; 404 when there is none.
pub async fn rev_of(app: &AppState, doc: &str, version: u64) -> Result<u64, ApiError> {
    load(app, doc)
        .await?
        .versions
        .iter()
        .find(|v| v.version == version)
        .map(|v| v.rev)
        .ok_or_else(|| ApiError::not_found(format!("no version {version} of {doc}")))
}

/// A name for a version: trimmed, 1 to [`MAX_NAME_CHARS`] characters, no
/// control characters.
pub fn checked_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::bad_request("a version needs a name"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::bad_request(format!(
            "a version's name is at most {MAX_NAME_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "a version's name may not hold control characters",
        ));
    }
    Ok(name.to_owned())
}

/// Records a version of `doc` at revision `rev`; returns it.
pub async fn record(
    app: &AppState,
    doc: &str,
    name: String,
    rev: u64,
    author: String,
    name_of_author: String,
    handin: bool,
) -> Result<Version, ApiError> {
    let _records = RECORDS.lock().await;
    let mut versions = load(app, doc).await?;
    if versions.versions.len() >= MAX_VERSIONS {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "too_many_versions",
            format!("a document keeps at most {MAX_VERSIONS} versions: delete some first"),
        ));
    }
    versions.last += 1;
    let version = Version {
        version: versions.last,
        name,
        rev,
        created: now_ms(),
        author,
        name_of_author,
        handin,
    };
    versions.versions.push(version.clone());
    save(app, doc, &versions).await?;
    Ok(version)
}

/// Body of `POST /docs/{id}/versions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameVersion {
    /// The version's name.
    pub name: String,
    /// The revision to name; the newest when absent.
    pub rev: Option<u64>,
    /// The browser's author secret (open mode).
    pub author: Option<String>,
    /// The browser's display name (open mode).
    pub author_name: Option<String>,
}

/// `POST /api/v1/docs/{id}/versions` `{name, rev?}`: names the current
/// state (or revision `rev`); anyone who may edit.
pub async fn create(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: NameVersion = super::json_body(&body)?;
    let who = caller(
        &app,
        &headers,
        query.token.as_deref(),
        body.author.as_deref(),
        body.author_name.as_deref(),
    )
    .await?;
    service::authorized_meta(&app, &who.principal, &id, Access::Edit).await?;
    let name = checked_name(&body.name)?;
    let newest = app
        .registry
        .read(&id)
        .await
        .map_err(ApiError::internal)?
        .revision;
    let rev = match body.rev {
        None => newest,
        Some(rev) if (1..=newest).contains(&rev) => rev,
        Some(rev) => {
            return Err(ApiError::bad_request(format!(
                "no revision {rev}: this document has revisions 1 to {newest}"
            )));
        }
    };
    let version = record(
        &app,
        &id,
        name,
        rev,
        who.author.to_string(),
        who.name,
        false,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(version)).into_response())
}

/// `GET /api/v1/docs/{id}/versions`: the versions, oldest first; anyone who
/// may read the document.
pub async fn list(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Result<Response, ApiError> {
    let principal = crate::auth::principal(&app, &headers, query.token.as_deref()).await?;
    service::authorized_meta(&app, &principal, &id, Access::Read).await?;
    let versions = load(&app, &id).await?;
    let handin = super::handin::load(&app, &id).await?;
    Ok(Json(json!({
        "versions": versions.versions,
        "handin": handin.map(|h| h.public()),
    }))
    .into_response())
}

/// `DELETE /api/v1/docs/{id}/versions/{v}`: anyone who may edit deletes a
/// version; a hand-in only a teacher (or the admin).
pub async fn delete(
    State(app): State<AppState>,
    Path((id, number)): Path<(String, u64)>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Result<StatusCode, ApiError> {
    let principal = crate::auth::principal(&app, &headers, query.token.as_deref()).await?;
    let meta = service::authorized_meta(&app, &principal, &id, Access::Edit).await?;
    let _records = RECORDS.lock().await;
    let mut versions = load(&app, &id).await?;
    let Some(at) = versions.versions.iter().position(|v| v.version == number) else {
        return Err(ApiError::not_found(format!("no version {number} of {id}")));
    };
    if versions.versions[at].handin {
        principal
            .require(meta.group.as_deref(), app.config.private, Access::Manage)
            .map_err(|_| {
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "only a teacher deletes a handed-in version",
                )
            })?;
    }
    versions.versions.remove(at);
    save(&app, &id, &versions).await?;
    Ok(StatusCode::NO_CONTENT)
}
