//! Groups and their members: the integration API for schools and learning
//! platforms. Groups are kept as settings records, one per group.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{self, TokenQuery};
use crate::caller::{Principal, Role, author_of_member};
use crate::error::ApiError;
use crate::ids::new_doc_id;
use crate::members::{Group, Member, load, save};
use crate::service::now_ms;
use crate::state::AppState;

async fn caller(
    app: &AppState,
    headers: &HeaderMap,
    query: &TokenQuery,
) -> Result<Principal, ApiError> {
    auth::principal(app, headers, query.token.as_deref()).await
}

fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "only an admin or a teacher of this group may do this",
    )
}

fn require_admin(principal: &Principal) -> Result<(), ApiError> {
    match principal {
        Principal::Admin => Ok(()),
        Principal::Anonymous => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the admin token is required",
        )),
        Principal::Member(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only an admin may do this",
        )),
    }
}

fn require_teacher(principal: &Principal, group: &str) -> Result<(), ApiError> {
    match principal {
        Principal::Admin => Ok(()),
        Principal::Member(m) if m.group == group && m.role == Role::Teacher => Ok(()),
        Principal::Anonymous => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a token is required",
        )),
        Principal::Member(_) => Err(forbidden()),
    }
}

/// Body of `POST /groups`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateGroup {
    name: String,
}

/// `POST /api/v1/groups` (admin): creates a group.
pub async fn create_group(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    Json(body): Json<CreateGroup>,
) -> Result<Response, ApiError> {
    require_admin(&caller(&app, &headers, &query).await?)?;
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "a group name has 1 to 100 characters",
        ));
    }
    let _guard = app.groups_lock.lock().await;
    let group = Group {
        id: new_doc_id(),
        name,
        created: now_ms(),
        members: Vec::new(),
    };
    save(&app, &group).await?;
    let mut index = list_ids(&app).await?;
    index.push(group.id.clone());
    app.store
        .put_setting(
            "groups",
            &serde_json::to_vec(&index).expect("ids serialize"),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": group.id, "name": group.name, "created": group.created })),
    )
        .into_response())
}

async fn list_ids(app: &AppState) -> Result<Vec<String>, ApiError> {
    Ok(match app.store.get_setting("groups").await? {
        Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        None => Vec::new(),
    })
}

/// `GET /api/v1/groups` (admin): every group.
pub async fn list_groups(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Result<Json<Vec<Value>>, ApiError> {
    require_admin(&caller(&app, &headers, &query).await?)?;
    let mut out = Vec::new();
    for id in list_ids(&app).await? {
        if let Some(g) = load(&app, &id).await? {
            let members = g.members.iter().filter(|m| !m.revoked).count();
            out.push(
                json!({ "id": g.id, "name": g.name, "created": g.created, "members": members }),
            );
        }
    }
    Ok(Json(out))
}

/// Body of `POST /groups/{g}/members`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    name: String,
    role: String,
    /// Days until the token expires; none for no expiry.
    expires_in_days: Option<u64>,
}

/// Whether `caller` may see the token of `m`: the admin sees every token;
/// a teacher sees their own and those of editors and viewers, whom they sign
/// in, but not another teacher's, which would let them act as that teacher.
fn may_see_token(caller: &Principal, m: &Member) -> bool {
    match caller {
        Principal::Admin => true,
        Principal::Member(me) => m.role != Role::Teacher || me.member == m.id,
        Principal::Anonymous => false,
    }
}

fn member_json(app: &AppState, group: &str, m: &Member, reveal: bool) -> Value {
    let token = auth::member_token(app, &m.id, group, m.role, m.expires);
    let base = app.config.public_url.clone().unwrap_or_default();
    let reveal = reveal && !m.revoked;
    json!({
        "member_id": m.id,
        "name": m.name,
        "role": m.role,
        "revoked": m.revoked,
        "expires": m.expires,
        "token": reveal.then(|| token.clone()),
        "link": reveal.then(|| format!("{}/g/{group}?token={token}", base.trim_end_matches('/'))),
    })
}

/// `POST /api/v1/groups/{g}/members` (admin or teacher): adds a member and
/// returns their token and sign-in link.
pub async fn add_member(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    Path(group): Path<String>,
    Json(body): Json<AddMember>,
) -> Result<Response, ApiError> {
    let principal = caller(&app, &headers, &query).await?;
    require_teacher(&principal, &group)?;
    let role: Role = body.role.parse()?;
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::bad_request(
            "a member name has 1 to 64 characters",
        ));
    }
    let _guard = app.groups_lock.lock().await;
    let mut g = load(&app, &group)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no group {group}")))?;
    let expires = body
        .expires_in_days
        .map_or(0, |d| now_ms() / 1000 + d.min(3650) * 86_400);
    let member = Member {
        id: new_doc_id(),
        name,
        role,
        expires,
        revoked: false,
    };
    // Whoever adds a member hands out their link.
    let out = member_json(&app, &group, &member, true);
    g.members.push(member);
    save(&app, &g).await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// `GET /api/v1/groups/{g}/members` (admin or teacher).
pub async fn list_members(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    Path(group): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let principal = caller(&app, &headers, &query).await?;
    require_teacher(&principal, &group)?;
    let g = load(&app, &group)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no group {group}")))?;
    let members: Vec<Value> = g
        .members
        .iter()
        .map(|m| member_json(&app, &group, m, may_see_token(&principal, m)))
        .collect();
    Ok(Json(
        json!({ "id": g.id, "name": g.name, "members": members }),
    ))
}

/// `DELETE /api/v1/groups/{g}/members/{m}` (admin or teacher): revokes the
/// member's token and closes their open connections.
pub async fn remove_member(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    Path((group, member)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    require_teacher(&caller(&app, &headers, &query).await?, &group)?;
    let _guard = app.groups_lock.lock().await;
    let mut g = load(&app, &group)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no group {group}")))?;
    let m = g
        .members
        .iter_mut()
        .find(|m| m.id == member)
        .ok_or_else(|| ApiError::not_found(format!("no member {member}")))?;
    m.revoked = true;
    save(&app, &g).await?;
    app.registry.kick_author(&author_of_member(&member));
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/groups/{g}/docs` (any member, or admin): the group's documents.
pub async fn group_docs(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    Path(group): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let principal = caller(&app, &headers, &query).await?;
    principal.require(Some(&group), true, auth::Access::Read)?;
    let g = load(&app, &group)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no group {group}")))?;
    let docs: Vec<Value> = app
        .store
        .list_meta()
        .await?
        .into_iter()
        .filter(|(_, meta)| meta.group.as_deref() == Some(group.as_str()))
        .map(|(id, meta)| json!({ "id": id, "title": meta.title, "updated": meta.updated, "revisions": meta.revisions }))
        .collect();
    let role = match &principal {
        Principal::Member(m) => m.role.as_str(),
        _ => "admin",
    };
    Ok(Json(
        json!({ "id": g.id, "name": g.name, "role": role, "docs": docs }),
    ))
}
