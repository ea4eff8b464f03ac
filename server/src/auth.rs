//! Who is calling: the admin token, group members' tokens (HMAC-SHA256
//! over member, group, role and expiry, verified in constant time) and the
//! session cookie, turned into a [`Principal`]. What a principal may do is
//! [`crate::caller`]'s.

use axum::http::{HeaderMap, header};
use serde::Deserialize;

use crate::caller::{Membership, Principal, Role, unauthorized};
use crate::error::ApiError;
use crate::members;
use crate::service::now_ms;
use crate::state::AppState;

pub use crate::caller::Access;

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
    let record = members::member(app, group, member)
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
        .or_else(|| cookie_token(headers))
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

/// The `token` query parameter, for callers that cannot set a header.
#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    /// A member token or the admin token.
    pub token: Option<String>,
}

/// The name of the browser's session cookie (see [`crate::session`]).
pub const COOKIE: &str = "quire_session";

/// The token in the request's session cookie, if any.
pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}
