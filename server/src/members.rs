//! Groups and their members as stored: one settings record per group, read
//! and written here for the routes in [`crate::groups`] and the token checks
//! in [`crate::auth`].

use serde::{Deserialize, Serialize};

use crate::caller::Role;
use crate::error::ApiError;
use crate::ids::valid_doc_id;
use crate::state::AppState;

/// A member as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Member {
    /// Member id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Token expiry, seconds since the epoch; 0 for none.
    pub expires: u64,
    /// Whether the member was removed (their token no longer verifies).
    pub revoked: bool,
}

/// A group as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    /// Group id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Creation time, ms since the epoch.
    pub created: u64,
    /// Members, removed ones included.
    pub members: Vec<Member>,
}

/// The setting that holds a group.
fn key(group: &str) -> String {
    format!("group:{group}")
}

/// Reads a group.
pub async fn load(app: &AppState, group: &str) -> Result<Option<Group>, ApiError> {
    if !valid_doc_id(group) {
        return Ok(None);
    }
    match app.store.get_setting(&key(group)).await? {
        Some(bytes) => Ok(Some(
            serde_json::from_slice(&bytes).map_err(|e| ApiError::internal(e.to_string()))?,
        )),
        None => Ok(None),
    }
}

pub async fn save(app: &AppState, group: &Group) -> Result<(), ApiError> {
    let bytes = serde_json::to_vec(group).expect("groups serialize");
    app.store.put_setting(&key(&group.id), &bytes).await?;
    Ok(())
}

/// A member of a group, if both exist.
pub async fn member(app: &AppState, group: &str, member: &str) -> Result<Option<Member>, ApiError> {
    Ok(load(app, group)
        .await?
        .and_then(|g| g.members.into_iter().find(|m| m.id == member)))
}
