//! The OpenAPI description of the HTTP API, served at
//! `/api/v1/openapi.json`, built from one table of routes that a test checks
//! against the router.

use axum::Json;
use serde_json::{Map, Value, json};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// Anyone in open mode; a token where the document is in a group.
    Open,
    /// The admin token.
    Admin,
    /// The admin or a teacher of the group.
    Teacher,
    /// Any member of the group, or the admin.
    Member,
}

/// One route of the API: method, path under `/api/v1`, summary, caller.
pub type Route = (&'static str, &'static str, &'static str, Caller);

/// Every route under `/api/v1`.
pub const ROUTES: &[Route] = &[
    (
        "get",
        "/docs",
        "List the documents the caller may see",
        Caller::Open,
    ),
    (
        "post",
        "/docs",
        "Create a document {title?, template?, group?}",
        Caller::Open,
    ),
    ("get", "/docs/{id}", "A document's metadata", Caller::Open),
    (
        "delete",
        "/docs/{id}",
        "Delete a document (teacher of its group, or admin)",
        Caller::Teacher,
    ),
    (
        "get",
        "/docs/{id}/export/{format}",
        "Export as md, html, txt, json, docx or pdf; ?rev=N or ?version=V, ?authorship=1",
        Caller::Open,
    ),
    (
        "post",
        "/docs/{id}/import",
        "Import md, txt or html (?format=, ?mode=replace|append) as an edit",
        Caller::Open,
    ),
    (
        "get",
        "/docs/{id}/contributions",
        "Per-author contributions and a timeline (?bucket=seconds)",
        Caller::Open,
    ),
    (
        "get",
        "/docs/{id}/history",
        "Revisions, paged (?from=, ?limit=)",
        Caller::Open,
    ),
    (
        "post",
        "/docs/{id}/restore",
        "Restore {rev} or {version}: the body becomes that one's, as one new edit by the caller",
        Caller::Open,
    ),
    (
        "post",
        "/docs/{id}/revert",
        "Undo one member's changes {author, from_rev?, to_rev?, dry_run?} -> {removed_chars, restored_chars, preview} (teacher; anyone on an open document)",
        Caller::Teacher,
    ),
    (
        "get",
        "/docs/{id}/versions",
        "Named versions {version, name, rev, created, author, name_of_author, handin} and the hand-in deadline",
        Caller::Open,
    ),
    (
        "post",
        "/docs/{id}/versions",
        "Name a version {name, rev?} -> 201 the version",
        Caller::Open,
    ),
    (
        "delete",
        "/docs/{id}/versions/{v}",
        "Delete a version (a hand-in: teacher of the group, or admin)",
        Caller::Open,
    ),
    (
        "get",
        "/docs/{id}/diff",
        "Compare revisions ?from=REV&to=REV (or from_version=V, to_version=V): runs {kind: same|insert|delete, text, author, name, color} and per-author totals",
        Caller::Open,
    ),
    (
        "get",
        "/docs/{id}/handin",
        "The hand-in deadline, if any",
        Caller::Open,
    ),
    (
        "put",
        "/docs/{id}/handin",
        "Set the hand-in deadline {due} (RFC 3339); a version is recorded at it",
        Caller::Teacher,
    ),
    (
        "post",
        "/docs/{id}/handin",
        "Hand in now: a version by the caller that only a teacher may delete",
        Caller::Open,
    ),
    (
        "get",
        "/docs/{id}/authorship",
        "Who wrote each run of the body's text, as JSON (?rev=N)",
        Caller::Open,
    ),
    (
        "get",
        "/templates",
        "The templates a document can start from",
        Caller::Open,
    ),
    ("get", "/groups", "List groups", Caller::Admin),
    ("post", "/groups", "Create a group {name}", Caller::Admin),
    (
        "get",
        "/groups/{g}/members",
        "A group's members with their tokens and links",
        Caller::Teacher,
    ),
    (
        "post",
        "/groups/{g}/members",
        "Add a member {name, role, expires_in_days?}",
        Caller::Teacher,
    ),
    (
        "delete",
        "/groups/{g}/members/{m}",
        "Remove a member, revoking their token",
        Caller::Teacher,
    ),
    (
        "get",
        "/groups/{g}/docs",
        "A group's documents",
        Caller::Member,
    ),
    ("get", "/openapi.json", "This description", Caller::Open),
];

fn operation(summary: &str, path: &str, caller: Caller) -> Value {
    let parameters: Vec<Value> = path
        .split('/')
        .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    let security = match caller {
        Caller::Open => json!([{}, { "bearer": [] }]),
        _ => json!([{ "bearer": [] }]),
    };
    let mut op = json!({
        "summary": summary,
        "parameters": parameters,
        "security": security,
        "responses": {
            "200": { "description": "OK" },
            "400": { "description": "Bad request", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
            "401": { "description": "Missing, malformed, forged, expired or revoked token" },
            "403": { "description": "The token's role or group does not allow this" },
            "404": { "description": "No such document or group" },
        },
    });
    if path.starts_with("/docs/{id}") {
        op["responses"]["410"] =
            json!({ "description": "The document was deleted; its id is never reused" });
    }
    op
}

/// The OpenAPI 3.1 document.
pub fn spec() -> Value {
    let mut paths = Map::new();
    for (method, path, summary, caller) in ROUTES {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = operation(summary, path, *caller);
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Quire", "version": env!("CARGO_PKG_VERSION") },
        "servers": [{ "url": "/api/v1" }],
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": { "error": { "type": "string" }, "message": { "type": "string" } },
                },
            },
        },
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> Json<Value> {
    Json(spec())
}
