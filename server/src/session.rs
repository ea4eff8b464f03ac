//! Browser sessions: a member link's token kept in an HttpOnly cookie, out
//! of reach of any script on the page.
//!
//! `POST /api/v1/session` with `{"token": ...}` verifies the token and sets
//! the cookie; the answer says who it signs in (never the token itself), for
//! the page to show. `GET` says who the cookie signs in; `DELETE` signs out.
//! The cookie is `HttpOnly`, `SameSite=Strict`, `Path=/`, and `Secure` when
//! the public URL is https. State-changing requests are also checked for
//! their origin (see [`crate::guard`]), so the cookie cannot be ridden from
//! another site. Bearer tokens and `?token=` keep working for the API.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{self, COOKIE, cookie_token};
use crate::caller::{Principal, unauthorized};
use crate::error::ApiError;
use crate::state::AppState;

/// Body of `POST /session`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    token: String,
}

fn who(principal: &Principal) -> Value {
    match principal {
        Principal::Admin => json!({ "signed_in": true, "role": "admin", "name": "Admin" }),
        Principal::Member(m) => json!({
            "signed_in": true,
            "member": m.member,
            "group": m.group,
            "role": m.role.as_str(),
            "name": m.name,
        }),
        Principal::Anonymous => Value::Null,
    }
}

fn set_cookie(app: &AppState, value: &str, max_age: u64) -> HeaderValue {
    let secure = app
        .config
        .public_url
        .as_deref()
        .is_some_and(|url| url.trim().to_ascii_lowercase().starts_with("https://"));
    let cookie = format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    // Tokens are ASCII without `;` or spaces, so the value is a valid header.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `POST /api/v1/session`: signs this browser in with a token.
pub async fn sign_in(
    State(app): State<AppState>,
    Json(body): Json<SignIn>,
) -> Result<Response, ApiError> {
    let token = body.token.trim();
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic() && b != b';') {
        return Err(unauthorized("malformed token"));
    }
    let principal = auth::verify(&app, token).await?;
    let mut response = Json(who(&principal)).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, set_cookie(&app, token, 400 * 24 * 3600));
    Ok(response)
}

/// `GET /api/v1/session`: who the cookie signs in: `{"signed_in": false}`
/// when nobody (or a token that no longer verifies, with its reason).
pub async fn current(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = cookie_token(&headers) else {
        return Json(json!({ "signed_in": false })).into_response();
    };
    match auth::verify(&app, &token).await {
        Ok(principal) => Json(who(&principal)).into_response(),
        Err(e) => Json(json!({ "signed_in": false, "reason": e.message() })).into_response(),
    }
}

/// `DELETE /api/v1/session`: signs this browser out.
pub async fn sign_out(State(app): State<AppState>) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, set_cookie(&app, "", 0));
    response
}
