//! Who is calling and what they may do: the admin token, group members'
//! tokens (HMAC-SHA256 over member, group, role and expiry, verified in
//! constant time), and the roles' permissions.

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::error::ApiError;
use crate::groups::{self, Role};
use crate::service::now_ms;

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Holder of the configured admin token.
    Admin,
    /// A member of a group.
    Member(Membership),
    /// No credentials (open mode).
    Anonymous,
}

/// A verified member token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The member's id.
    pub member: String,
    /// Their group.
    pub group: String,
    /// Their role in it.
    pub role: Role,
    /// Their display name.
    pub name: String,
}

const PREFIX: &str = "q1";

fn signed_part(member: &str, group: &str, role: Role, expires: u64) -> String {
    format!("{PREFIX}.{member}.{group}.{}.{expires}", role.as_str())
}

/// The token of a member: `q1.MEMBER.GROUP.ROLE.EXPIRY.MAC`, where EXPIRY is
/// seconds since the epoch (0: never) and MAC the hex HMAC of the rest.
pub fn member_token(app: &AppState, member: &str, group: &str, role: Role, expires: u64) -> String {
    let signed = signed_part(member, group, role, expires);
    let mac = hex::encode(app.identity.sign(signed.as_bytes()));
    format!("{signed}.{mac}")
}

/// Why a credential was refused.
pub(crate) fn unauthorized(reason: &str) -> ApiError {
    ApiError::new(axum::http::StatusCode::UNAUTHORIZED, "unauthorized", reason)
}

/// Verifies a token: the admin token, or a member token whose MAC, expiry
/// and membership (not revoked, same role) all hold.
pub async fn verify(app: &AppState, token: &str) -> Result<Principal, ApiError> {
    if let Some(admin) = &app.config.admin_token {
        // Compare HMACs of both, so the comparison takes constant time.
        let expected = app.identity.sign(admin.as_bytes());
        if app.identity.verify(token.as_bytes(), &expected) {
            return Ok(Principal::Admin);
        }
    }
    let Some((signed, mac)) = token.rsplit_once('.') else {
        return Err(unauthorized("malformed token"));
    };
    let parts: Vec<&str> = signed.split('.').collect();
    let [PREFIX, member, group, role, expires] = parts.as_slice() else {
        return Err(unauthorized("malformed token"));
    };
    // Tokens are issued in lower-case hex; one spelling per token.
    if mac.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(unauthorized("malformed token"));
    }
    let Ok(mac) = hex::decode(mac) else {
        return Err(unauthorized("malformed token"));
    };
    if !app.identity.verify(signed.as_bytes(), &mac) {
        return Err(unauthorized("token signature does not verify"));
    }
    let role: Role = role.parse().map_err(|_| unauthorized("malformed token"))?;
    let expires: u64 = expires
        .parse()
        .map_err(|_| unauthorized("malformed token"))?;
    if expires != 0 && expires.saturating_mul(1000) <= now_ms() {
        return Err(unauthorized("token expired"));
    }
    let record = groups::member(app, group, member)
        .await?
        .filter(|m| m.role == role && !m.revoked)
        .ok_or_else(|| unauthorized("token revoked"))?;
    Ok(Principal::Member(Membership {
        member: member.to_string(),
        group: group.to_string(),
        role,
        name: record.name,
    }))
}

/// The token of a request: `Authorization: Bearer`, else `?token=`, else
/// the browser's session cookie.
pub fn token_of(headers: &HeaderMap, query_token: Option<&str>) -> Option<String> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
        .or_else(|| query_token.map(str::to_owned))
        .or_else(|| crate::session::cookie_token(headers))
}

/// The caller of a request; a present but invalid token is an error, never
/// anonymous.
pub async fn principal(
    app: &AppState,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> Result<Principal, ApiError> {
    match token_of(headers, query_token) {
        Some(token) => verify(app, &token).await,
        None => Ok(Principal::Anonymous),
    }
}

/// What a caller may do with one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Read and follow it.
    Read,
    /// Edit and chat.
    Edit,
    /// Rename, delete, see insights.
    Manage,
}

impl Principal {
    /// The highest access to a document in `group` (None: outside groups).
    pub fn access(&self, group: Option<&str>, private: bool) -> Option<Access> {
        match (self, group) {
            (Principal::Admin, _) => Some(Access::Manage),
            (Principal::Member(m), Some(g)) if m.group == g => Some(match m.role {
                Role::Teacher => Access::Manage,
                Role::Editor => Access::Edit,
                Role::Viewer => Access::Read,
            }),
            (Principal::Member(_), Some(_)) => None,
            // Outside groups a member writes as anyone may, except that on a
            // private server a viewer stays a reader there too.
            (Principal::Member(m), None) if private && m.role == Role::Viewer => Some(Access::Read),
            (Principal::Member(_), None) => Some(Access::Edit),
            (Principal::Anonymous, Some(_)) => None,
            (Principal::Anonymous, None) => (!private).then_some(Access::Edit),
        }
    }

    /// Fails unless the caller has at least `needed` on a document in `group`.
    pub fn require(
        &self,
        group: Option<&str>,
        private: bool,
        needed: Access,
    ) -> Result<Access, ApiError> {
        match self.access(group, private) {
            Some(access) if access >= needed => Ok(access),
            Some(_) => Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "forbidden",
                "your role does not allow this",
            )),
            None if *self == Principal::Anonymous => Err(unauthorized("a token is required")),
            None => Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "forbidden",
                "this document belongs to another group",
            )),
        }
    }
}
