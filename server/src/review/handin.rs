//! Hand-in: a teacher sets a deadline on a document (`PUT /handin {due}`),
//! and at the deadline the server records a version named for it; a group
//! may hand in early (`POST /handin`). The deadline is a settings record
//! (`handin:{doc}`), and an index of pending deadlines (`handins`) lets one
//! task find them: it looks on start and then every second, so a deadline
//! that passed while the server was down is recorded when it comes back,
//! at the revision the document had at the deadline.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tracing::{info, warn};

use super::{Actor, RECORDS, caller, versions};
use crate::auth::Access;
use crate::auth::TokenQuery;
use crate::error::ApiError;
use crate::service::{self, now_ms};
use crate::state::AppState;

/// A document's hand-in deadline as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Handin {
    /// The deadline, ms since the epoch.
    pub due: u64,
    /// The deadline as the teacher gave it (RFC 3339).
    pub due_text: String,
    /// The author id of the teacher who set it.
    pub set_by: String,
    /// The version recorded at the deadline, once it is.
    #[serde(default)]
    pub recorded: Option<u64>,
}

impl Handin {
    /// As the API shows it.
    pub fn public(&self) -> Value {
        json!({ "due": self.due_text, "due_ms": self.due, "recorded": self.recorded })
    }
}

/// Pending deadlines: document and due time.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Pending {
    #[serde(default)]
    docs: Vec<(String, u64)>,
}

const PENDING: &str = "handins";

fn key(doc: &str) -> String {
    format!("handin:{doc}")
}

async fn get_json<T: for<'a> Deserialize<'a>>(
    app: &AppState,
    key: &str,
) -> Result<Option<T>, ApiError> {
    match app.store.get_setting(key).await? {
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ApiError::internal(e.to_string())),
        None => Ok(None),
    }
}

async fn put_json<T: Serialize>(app: &AppState, key: &str, value: &T) -> Result<(), ApiError> {
    let bytes = serde_json::to_vec(value).map_err(|e| ApiError::internal(e.to_string()))?;
    app.store.put_setting(key, &bytes).await?;
    Ok(())
}

/// A document's deadline, if one was set.
pub async fn load(app: &AppState, doc: &str) -> Result<Option<Handin>, ApiError> {
    get_json(app, &key(doc)).await
}

/// Parses an RFC 3339 time into ms since the epoch.
pub fn parse_due(due: &str) -> Result<u64, ApiError> {
    let at = OffsetDateTime::parse(due.trim(), &Rfc3339).map_err(|e| {
        ApiError::bad_request(format!(
            "due must be an RFC 3339 time such as 2026-05-01T17:00:00Z ({e})"
        ))
    })?;
    u64::try_from(at.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| ApiError::bad_request("due is before 1970"))
}

/// The name of the version recorded at a deadline.
fn deadline_name(handin: &Handin) -> String {
    let when = i128::from(handin.due) * 1_000_000;
    let text = OffsetDateTime::from_unix_timestamp_nanos(when)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| handin.due_text.clone());
    format!("Hand-in (deadline {text})")
}

/// Body of `PUT /docs/{id}/handin`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetDeadline {
    /// The deadline, RFC 3339.
    pub due: String,
}

/// `PUT /api/v1/docs/{id}/handin` `{due}`: sets (or moves) the document's
/// deadline; a teacher of its group, or the admin.
pub async fn set_deadline(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: SetDeadline = super::json_body(&body)?;
    let who = caller(&app, &headers, query.token.as_deref(), None, None).await?;
    service::authorized_meta(&app, &who.principal, &id, Access::Manage).await?;
    let due = parse_due(&body.due)?;
    if due <= now_ms() {
        return Err(ApiError::bad_request("due is in the past"));
    }
    let handin = Handin {
        due,
        due_text: body.due.trim().to_owned(),
        set_by: who.author.to_string(),
        recorded: None,
    };
    {
        let _records = RECORDS.lock().await;
        put_json(&app, &key(&id), &handin).await?;
        let mut pending: Pending = get_json(&app, PENDING).await?.unwrap_or_default();
        pending.docs.retain(|(doc, _)| doc != &id);
        pending.docs.push((id.clone(), due));
        put_json(&app, PENDING, &pending).await?;
    }
    Ok(Json(json!({ "id": id, "handin": handin.public() })).into_response())
}

/// `POST /api/v1/docs/{id}/handin`: hands in now, as a version named
/// "Handed in" by the caller; anyone who may edit.
pub async fn hand_in(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let actor: Actor = if body.iter().all(u8::is_ascii_whitespace) {
        Actor::default()
    } else {
        super::json_body(&body)?
    };
    let who = caller(
        &app,
        &headers,
        query.token.as_deref(),
        actor.author.as_deref(),
        actor.name.as_deref(),
    )
    .await?;
    service::authorized_meta(&app, &who.principal, &id, Access::Edit).await?;
    let rev = app
        .registry
        .read(&id)
        .await
        .map_err(ApiError::internal)?
        .revision;
    let version = versions::record(
        &app,
        &id,
        format!("Handed in by {}", who.name),
        rev,
        who.author.to_string(),
        who.name,
        true,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(version)).into_response())
}

/// The newest revision of `doc` accepted at or before `due`.
async fn revision_at(app: &AppState, doc: &str, due: u64) -> Result<u64, ApiError> {
    let mut hi = app
        .registry
        .read(doc)
        .await
        .map_err(ApiError::internal)?
        .revision;
    while hi > 0 {
        let lo = hi.saturating_sub(255).max(1);
        let entries = app.store.log_range(doc, lo, hi).await?;
        if let Some(entry) = entries.iter().rev().find(|e| e.ts <= due) {
            return Ok(entry.seq);
        }
        hi = lo - 1;
    }
    Ok(0)
}

/// Records the versions of every deadline that has passed.
pub async fn record_due(app: &AppState) -> Result<usize, ApiError> {
    let now = now_ms();
    let pending: Pending = get_json(app, PENDING).await?.unwrap_or_default();
    let mut recorded = 0;
    for (doc, due) in pending.docs.iter().filter(|(_, due)| *due <= now) {
        // A deleted document's deadline is dropped.
        let exists = app.store.get_meta(doc).await?.is_some();
        let handin = load(app, doc).await?;
        if let (true, Some(mut handin)) = (exists, handin)
            && handin.due == *due
            && handin.recorded.is_none()
        {
            let rev = revision_at(app, doc, handin.due).await?;
            let version = versions::record(
                app,
                doc,
                deadline_name(&handin),
                rev,
                crdt_core::document::SYSTEM_AUTHOR.to_owned(),
                "Hand-in deadline".to_owned(),
                true,
            )
            .await?;
            handin.recorded = Some(version.version);
            let _records = RECORDS.lock().await;
            put_json(app, &key(doc), &handin).await?;
            info!(doc = %doc, version = version.version, rev, "recorded the hand-in");
            recorded += 1;
        }
        let _records = RECORDS.lock().await;
        let mut now_pending: Pending = get_json(app, PENDING).await?.unwrap_or_default();
        now_pending.docs.retain(|(d, t)| !(d == doc && t == due));
        put_json(app, PENDING, &now_pending).await?;
    }
    Ok(recorded)
}

/// How often the deadlines are looked at.
const SWEEP: Duration = Duration::from_secs(1);

/// Starts the task that records the deadlines' versions: at once (for those
/// that passed while the server was down), then every second, until
/// shutdown.
pub fn spawn_deadlines(app: AppState, tracker: &tokio_util::task::TaskTracker) {
    tracker.spawn(async move {
        loop {
            if let Err(e) = record_due(&app).await {
                warn!(error = %e.message(), "recording hand-ins failed; trying again");
            }
            tokio::select! {
                () = app.shutdown.cancelled() => break,
                () = tokio::time::sleep(SWEEP) => {}
            }
        }
    });
}

/// `GET /api/v1/docs/{id}/handin`: the deadline, if any (`{handin: null}`
/// when none); anyone who may read the document.
pub async fn get_deadline(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Result<Response, ApiError> {
    let principal = crate::auth::principal(&app, &headers, query.token.as_deref()).await?;
    service::authorized_meta(&app, &principal, &id, Access::Read).await?;
    let handin = load(&app, &id).await?;
    Ok(Json(json!({ "id": id, "handin": handin.map(|h| h.public()) })).into_response())
}
