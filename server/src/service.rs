//! What the API and the CLI both do to documents, independent of HTTP.

use std::time::Instant;

use axum::http::{HeaderMap, StatusCode};
use crdt_core::document::SYSTEM_AUTHOR;
use crdt_core::export::{self, ExportFormat};
use crdt_core::import::{self, ImportFormat, WriteMode};
use crdt_core::templates::Template;
use crdt_core::{AuthorId, Document};
use rand::Rng;

use crate::authors;
use crate::caller::{Access, Principal};
use crate::doc::{EditError, Limit};
use crate::error::ApiError;
use crate::history;
use crate::ids::{new_doc_id, valid_doc_id};
use crate::state::AppState;
use crate::store::DocMeta;
use crate::throttle::{ClientAddr, client_ip};

pub use crate::clock::now_ms;

/// A random Yjs client id for an edit the server makes.
pub(crate) fn server_client_id() -> u64 {
    rand::rng().random_range(1..(1u64 << 53))
}

/// Fails unless `id` is a valid document id.
pub fn checked_id(id: &str) -> Result<(), ApiError> {
    if valid_doc_id(id) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid document id: use 1 to 64 of A-Z a-z 0-9 - _",
        ))
    }
}

/// The setting that marks a deleted document id, which is never reused.
pub fn tombstone_key(id: &str) -> String {
    format!("deleted:{id}")
}

/// A stored document's metadata; 410 for a deleted id, else 404.
pub async fn stored_meta(app: &AppState, id: &str) -> Result<DocMeta, ApiError> {
    checked_id(id)?;
    match app.store.get_meta(id).await? {
        Some(meta) => Ok(meta),
        None => {
            ensure_not_deleted(app, id).await?;
            Err(ApiError::not_found(format!("no document {id}")))
        }
    }
}

/// Fails with 410 Gone when `id` belonged to a deleted document.
pub async fn ensure_not_deleted(app: &AppState, id: &str) -> Result<(), ApiError> {
    match app.store.get_setting(&tombstone_key(id)).await? {
        Some(_) => Err(ApiError::new(
            axum::http::StatusCode::GONE,
            "gone",
            "this document was deleted",
        )),
        None => Ok(()),
    }
}

/// A stored document's metadata, after checking that the caller has at
/// least `needed` on it.
pub async fn authorized_meta(
    app: &AppState,
    principal: &Principal,
    id: &str,
    needed: Access,
) -> Result<DocMeta, ApiError> {
    let meta = match stored_meta(app, id).await {
        Ok(meta) => meta,
        // A stranger to a private server learns nothing of which documents
        // exist or existed: absent, deleted and existing all ask for a token.
        Err(e) => {
            principal.require(None, app.config.private, needed)?;
            return Err(e);
        }
    };
    principal.require(meta.group.as_deref(), app.config.private, needed)?;
    Ok(meta)
}

/// Takes one creation for the caller of a request (a `POST /docs`, or a
/// websocket that opens an unknown id), counting a refusal.
pub fn admit_creation(
    app: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    peer: Option<&ClientAddr>,
) -> Result<(), ApiError> {
    let ip = client_ip(headers, peer, app.config.trust_forwarded_for);
    app.creates
        .take_for(principal, ip, Instant::now())
        .map_err(|t| {
            app.metrics.creations_throttled.inc();
            t.into()
        })
}

/// Creates a document with a title and a template; returns its id.
pub async fn create(
    app: &AppState,
    title: Option<&str>,
    template: Option<&str>,
    group: Option<String>,
) -> Result<(String, DocMeta), ApiError> {
    let title = title.unwrap_or_default().trim().to_owned();
    if title.chars().count() > 200 {
        return Err(ApiError::bad_request("title is longer than 200 characters"));
    }
    let template = match template {
        None => Template::Blank,
        Some(t) => t
            .parse::<Template>()
            .map_err(|e| ApiError::bad_request(e.to_string()))?,
    };
    let id = new_doc_id();
    let now = now_ms();
    let meta = DocMeta {
        title: title.clone(),
        template: (template != Template::Blank).then(|| template.id().to_owned()),
        group,
        created: now,
        updated: now,
        ..DocMeta::default()
    };
    app.store.put_meta(&id, &meta).await?;
    let empty = Document::new();
    let mut edits = Vec::new();
    if template != Template::Blank {
        edits.push(import::replace_body(
            &empty,
            &template.body(),
            server_client_id(),
        ));
    }
    if !title.is_empty() || template != Template::Blank {
        edits.push(import::set_meta(
            &empty,
            &title,
            meta.template.as_deref(),
            server_client_id(),
        ));
    }
    for edit in edits {
        let update = edit.map_err(|e| ApiError::internal(e.to_string()))?;
        app.registry
            .edit(&id, SYSTEM_AUTHOR.into(), None, update)
            .await
            .map_err(edit_refused)?;
    }
    Ok((id, meta))
}

/// An exported document.
#[derive(Debug)]
pub struct Exported {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// A file name made from the title, with the format's extension.
    pub filename: String,
    /// The Content-Disposition header value.
    pub disposition: String,
    /// What the export could not show (characters no font has), if any.
    pub warning: Option<String>,
}

/// A stored document as it is now, or at revision `rev`.
pub async fn document(app: &AppState, id: &str, rev: Option<u64>) -> Result<Document, ApiError> {
    match rev {
        Some(rev) => history::document_at(&app.store, id, rev).await,
        None => {
            let snapshot = app.registry.read(id).await.map_err(ApiError::internal)?;
            Document::from_checkpoint(&snapshot.state, snapshot.bindings)
                .map_err(|e| ApiError::internal(e.to_string()))
        }
    }
}

/// Exports a document, or its revision `rev`, in `format`.
pub async fn export(
    app: &AppState,
    id: &str,
    format: ExportFormat,
    rev: Option<u64>,
    authorship: bool,
) -> Result<Exported, ApiError> {
    let meta = stored_meta(app, id).await?;
    let document = document(app, id, rev).await?;
    let coloured = format == ExportFormat::Html && authorship;
    let title = document.title().unwrap_or_else(|| meta.title.clone());
    let name = if title.is_empty() {
        id.to_owned()
    } else {
        title.clone()
    };
    let rendered = tokio::task::spawn_blocking(move || {
        let body = crdt_core::model::read_body(&document);
        let authorship = coloured.then(|| authors::authorship_of(&document, &meta));
        let authors = if format == ExportFormat::Docx {
            authors::contributors(&document, &meta)
        } else {
            Vec::new()
        };
        let embedded = export::Fonts::builtin();
        let options = export::ExportOptions {
            title: &title,
            authors: &authors,
            authorship: authorship.as_ref(),
            fonts: if format == ExportFormat::Pdf {
                crate::fonts::system()
            } else {
                &embedded
            },
        };
        export::render(format, &body, &options)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let warning = rendered.warning();
    Ok(Exported {
        bytes: rendered.bytes,
        warning,
        filename: export::content_disposition_filename(&name, format.extension()),
        disposition: export::content_disposition(&name, format.extension()),
    })
}

/// Who an import is written by.
#[derive(Debug, Clone)]
pub enum ImportAs {
    /// An edit by this author, counted as their writing.
    Author(AuthorId),
    /// The starting text of a document nobody has written in yet (a file
    /// that becomes a new document): no member's writing, like a template.
    Starting,
}

/// Imports `body` into a document; returns the new revision and what the
/// schema could not hold. Starting text is refused (409) once a member has
/// written in the document, so nobody's writing can be turned into it.
pub async fn import(
    app: &AppState,
    id: &str,
    format: ImportFormat,
    mode: WriteMode,
    by: ImportAs,
    body: String,
) -> Result<(u64, Vec<String>), ApiError> {
    stored_meta(app, id).await?;
    let snapshot = app.registry.read(id).await.map_err(ApiError::internal)?;
    let author: AuthorId = match by {
        ImportAs::Author(author) => author,
        ImportAs::Starting => {
            if snapshot
                .stats
                .authors
                .keys()
                .any(|a| !crdt_core::document::is_starting_author(a))
            {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "not_new",
                    "starting text goes only into a document nobody has written in yet",
                ));
            }
            SYSTEM_AUTHOR.into()
        }
    };
    // Conversion is CPU work: off the runtime's workers, a bounded few at once.
    let _permit = app
        .imports
        .acquire()
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let (update, degraded) = tokio::task::spawn_blocking(move || {
        let imported = format.read(&body)?;
        let document = Document::from_checkpoint(&snapshot.state, Default::default())?;
        let update = import::write_body(&document, &imported.doc, server_client_id(), mode)?;
        Ok::<_, crdt_core::Error>((update, imported.degraded))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| match e {
        crdt_core::Error::TooDeep { .. } => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "too_deep", e.to_string())
        }
        e => ApiError::internal(e.to_string()),
    })?;
    let revision = app
        .registry
        .edit(id, author, None, update)
        .await
        .map_err(edit_refused)?;
    Ok((revision, degraded))
}

/// The answer to an edit the document did not make: a limit is the
/// caller's to know (nothing changed), anything else the server's failure.
pub(crate) fn edit_refused(e: EditError) -> ApiError {
    match e {
        EditError::Limit(limit @ Limit::DocBytes) => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", limit.reason())
        }
        EditError::Limit(limit @ Limit::DiskBytes) => ApiError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "storage_full",
            limit.reason(),
        ),
        EditError::Failed(reason) => ApiError::internal(reason),
    }
}
