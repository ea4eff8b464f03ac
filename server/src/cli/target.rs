//! Where `quire export` and `quire import` find the documents: a data
//! directory, opened in process, or a running server.

use anyhow::anyhow;
use crdt_core::export::ExportFormat;
use crdt_core::import::{ImportFormat, WriteMode};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::error::ApiError;
use crate::service;
use crate::state::AppState;

use super::ImportArgs;
use super::remote::Remote;

/// Where the documents are.
pub(super) enum Target {
    Local {
        app: AppState,
        shutdown: CancellationToken,
        tracker: TaskTracker,
    },
    Remote(Remote),
}

impl Target {
    pub(super) async fn open(
        config: &Config,
        server: Option<&str>,
        token: Option<&str>,
    ) -> anyhow::Result<Self> {
        if let Some(url) = server {
            return Ok(Self::Remote(Remote {
                base: url.trim_end_matches('/').to_owned(),
                token: token.map(str::to_owned),
            }));
        }
        Self::local(config).await
    }

    pub(super) async fn local(config: &Config) -> anyhow::Result<Self> {
        let store = config.open_store().await?;
        let shutdown = CancellationToken::new();
        let tracker = TaskTracker::new();
        let app = AppState::new(config.clone(), store, shutdown.clone(), tracker.clone()).await?;
        Ok(Self::Local {
            app,
            shutdown,
            tracker,
        })
    }

    pub(super) async fn close(self) {
        if let Self::Local {
            shutdown, tracker, ..
        } = self
        {
            shutdown.cancel();
            tracker.close();
            tracker.wait().await;
        }
    }

    /// Every document this caller may read, as `(id, title)`, and how many
    /// others exist that it may not.
    pub(super) async fn list(&self) -> anyhow::Result<(Vec<(String, String)>, u64)> {
        match self {
            Self::Local { app, .. } => Ok((
                app.store
                    .list_meta()
                    .await?
                    .into_iter()
                    .map(|(id, meta)| (id, meta.title))
                    .collect(),
                0,
            )),
            Self::Remote(remote) => {
                let url = format!("{}/api/v1/docs", remote.base);
                let (body, unlisted) = remote.get_with_header(&url, Some(crate::api::UNLISTED))?;
                let docs: Vec<Value> = serde_json::from_slice(&body)?;
                let docs = docs
                    .iter()
                    .filter_map(|d| {
                        let id = d["id"].as_str()?.to_owned();
                        Some((id, d["title"].as_str().unwrap_or_default().to_owned()))
                    })
                    .collect();
                Ok((docs, unlisted.and_then(|n| n.parse().ok()).unwrap_or(0)))
            }
        }
    }

    /// The exported bytes and a file name for them.
    pub(super) async fn export(
        &self,
        id: &str,
        format: ExportFormat,
        rev: Option<u64>,
    ) -> anyhow::Result<(Vec<u8>, String)> {
        match self {
            Self::Local { app, .. } => {
                let exported = service::export(app, id, format, rev, false)
                    .await
                    .map_err(api)?;
                Ok((exported.bytes, exported.filename))
            }
            Self::Remote(remote) => {
                let rev = rev.map(|r| format!("?rev={r}")).unwrap_or_default();
                let url = format!(
                    "{}/api/v1/docs/{id}/export/{}{rev}",
                    remote.base,
                    format.extension()
                );
                let bytes = remote.get(&url)?;
                Ok((bytes, format!("{id}.{}", format.extension())))
            }
        }
    }

    pub(super) async fn import(
        &self,
        args: &ImportArgs,
        format: ImportFormat,
        source: String,
    ) -> anyhow::Result<(String, u64, Vec<String>)> {
        let mode = if args.append {
            WriteMode::Append
        } else {
            WriteMode::Replace
        };
        let title = args.title.clone().unwrap_or_else(|| {
            args.file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        match self {
            Self::Local { app, .. } => {
                let id = match &args.doc {
                    Some(id) => id.clone(),
                    None => {
                        service::create(app, Some(&title), None, None)
                            .await
                            .map_err(api)?
                            .0
                    }
                };
                let by = service::ImportAs::Author(crdt_core::document::CLI_AUTHOR.into());
                let (revision, degraded) = service::import(app, &id, format, mode, by, source)
                    .await
                    .map_err(api)?;
                Ok((id, revision, degraded))
            }
            Self::Remote(remote) => {
                let base = &remote.base;
                let id = match &args.doc {
                    Some(id) => id.clone(),
                    None => {
                        let body = serde_json::json!({ "title": title }).to_string();
                        let created = remote.post(
                            &format!("{base}/api/v1/docs"),
                            "application/json",
                            body,
                        )?;
                        let created: Value = serde_json::from_slice(&created)?;
                        created["id"]
                            .as_str()
                            .ok_or_else(|| anyhow!("no id in {created}"))?
                            .to_owned()
                    }
                };
                let mode = if args.append { "append" } else { "replace" };
                let ext = match format {
                    ImportFormat::Markdown => "md",
                    ImportFormat::Text => "txt",
                    ImportFormat::Html => "html",
                };
                // A file that becomes a new document is its starting text.
                let starting = u8::from(args.doc.is_none());
                let url = format!(
                    "{base}/api/v1/docs/{id}/import?format={ext}&mode={mode}&starting={starting}"
                );
                let answer: Value =
                    serde_json::from_slice(&remote.post(&url, "text/plain", source)?)?;
                let revision = answer["revision"].as_u64().unwrap_or_default();
                let degraded = answer["degraded"]
                    .as_array()
                    .map(|d| {
                        d.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                Ok((id, revision, degraded))
            }
        }
    }
}

/// A failure of the in-process API, as the command reports it.
fn api(e: ApiError) -> anyhow::Error {
    anyhow!("{e}")
}
