//! The review workflow: restoring a revision or a named version, named
//! versions, hand-in deadlines, and comparing two revisions. What it stores goes through the
//! [`Store`](crate::store::Store)'s settings records, one per document, so
//! it works on every store.
//!
//! # Layout
//!
//! - [`restore`]: `POST /docs/{id}/restore`, a past body as one new edit.
//! - [`revert`]: one member's changes in a range undone, with a preview.
//! - [`versions`]: named versions, listed, named and deleted.
//! - [`diff`]: two revisions compared, coloured by author.
//! - [`handin`]: hand-in deadlines, handing in early, and the task that
//!   records a version at each deadline, across restarts.

pub mod diff;
pub mod handin;
pub mod restore;
pub mod revert;
pub mod versions;

use axum::http::HeaderMap;
use crdt_core::AuthorId;
use serde::Deserialize;

use crate::auth;
use crate::caller::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// Serialises read-modify-write of the review records (versions,
/// deadlines) in this process; held across store calls, so a tokio lock.
pub(crate) static RECORDS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Who acts, as the API body names them in open mode.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// The browser's author secret (open mode).
    pub author: Option<String>,
    /// The display name the browser uses (open mode).
    #[serde(rename = "author_name")]
    pub name: Option<String>,
}

/// The verified caller, the author id their edits are recorded under, and
/// the name shown for them.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who called.
    pub principal: Principal,
    /// The author of their edits.
    pub author: AuthorId,
    /// Their display name.
    pub name: String,
}

/// The caller of a request: a member acts as their member author id and
/// name, the admin as `admin`, anyone else (open mode) by author secret.
pub async fn caller(
    app: &AppState,
    headers: &HeaderMap,
    token: Option<&str>,
    secret: Option<&str>,
    name: Option<&str>,
) -> Result<Caller, ApiError> {
    let principal = auth::principal(app, headers, token).await?;
    let author = principal.author(&app.identity, secret)?;
    let name = match &principal {
        Principal::Member(m) => m.name.clone(),
        Principal::Admin => "Admin".to_owned(),
        Principal::Anonymous => display_name(name),
    };
    Ok(Caller {
        principal,
        author,
        name,
    })
}

/// A display name given in open mode, trimmed and bounded; `Anonymous`
/// when none.
fn display_name(name: Option<&str>) -> String {
    let name: String = name.unwrap_or_default().trim().chars().take(64).collect();
    if name.is_empty() {
        "Anonymous".to_owned()
    } else {
        name
    }
}

/// The review routes under `/api/v1`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{delete, get, post};
    axum::Router::new()
        .route("/docs/{id}/restore", post(restore::restore))
        .route("/docs/{id}/revert", post(revert::revert))
        .route(
            "/docs/{id}/versions",
            get(versions::list).post(versions::create),
        )
        .route("/docs/{id}/versions/{v}", delete(versions::delete))
        .route("/docs/{id}/diff", get(diff::diff))
        .route(
            "/docs/{id}/handin",
            get(handin::get_deadline)
                .put(handin::set_deadline)
                .post(handin::hand_in),
        )
}

/// A JSON request body; a body that is not the JSON expected gets 400 with
/// the parser's reason, as JSON like every other error.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(format!("the request body is not what was expected: {e}"))
    })
}
