//! `quire export` and `quire import`: on a data directory (in process, through
//! the same document actors the server uses) or through a running server.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use clap::Args;
use crdt_core::export::ExportFormat;
use crdt_core::import::{ImportFormat, WriteMode};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::app::AppState;
use crate::config::Config;
use crate::error::ApiError;
use crate::service;

/// Arguments of `quire export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The document id (omit with --all).
    pub doc: Option<String>,
    /// md, html, txt, json, docx or pdf.
    #[arg(long, short = 'f', default_value = "md")]
    pub format: String,
    /// Output file; `-` for standard output. Default: a name made from the title.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Export this revision instead of the current state.
    #[arg(long)]
    pub rev: Option<u64>,
    /// Export every document into this directory.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["doc", "output", "rev"])]
    pub all: Option<PathBuf>,
    /// Work through a running server at this URL instead of the data directory.
    #[arg(long, env = "QUIRE_SERVER")]
    pub server: Option<String>,
    /// With --server: a member's or the admin's token, sent as a bearer
    /// token. Documents in groups need one.
    #[arg(long, env = "QUIRE_TOKEN", hide_env_values = true, requires = "server")]
    pub token: Option<String>,
}

/// Arguments of `quire import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// A Markdown (.md), text (.txt) or HTML (.html) file.
    pub file: PathBuf,
    /// Import into this existing document (replacing its body) instead of a new one.
    #[arg(long)]
    pub doc: Option<String>,
    /// md, txt or html; default from the file's extension.
    #[arg(long, short = 'f')]
    pub format: Option<String>,
    /// Title of a new document; default: the file name.
    #[arg(long)]
    pub title: Option<String>,
    /// Append to the body of --doc instead of replacing it.
    #[arg(long, requires = "doc")]
    pub append: bool,
    /// Work through a running server at this URL instead of the data directory.
    #[arg(long, env = "QUIRE_SERVER")]
    pub server: Option<String>,
    /// With --server: a member's or the admin's token, sent as a bearer
    /// token. Documents in groups need one.
    #[arg(long, env = "QUIRE_TOKEN", hide_env_values = true, requires = "server")]
    pub token: Option<String>,
}

/// A running server and the credential to present to it.
struct Remote {
    base: String,
    token: Option<String>,
}

impl Remote {
    fn get(&self, url: &str) -> anyhow::Result<Vec<u8>> {
        Ok(self.get_with_header(url, None)?.0)
    }

    /// The body, and the value of `header` if asked for and present.
    fn get_with_header(
        &self,
        url: &str,
        header: Option<&str>,
    ) -> anyhow::Result<(Vec<u8>, Option<String>)> {
        let mut request = ureq::get(url).config().http_status_as_error(false).build();
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let mut response = request.call().with_context(|| format!("GET {url}"))?;
        let value = header.and_then(|h| {
            response
                .headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()?;
        check_status(url, response.status().as_u16(), &body)?;
        Ok((body, value))
    }

    fn post(&self, url: &str, content_type: &str, body: String) -> anyhow::Result<Vec<u8>> {
        let mut request = ureq::post(url)
            .config()
            .http_status_as_error(false)
            .build()
            .header("content-type", content_type);
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let mut response = request.send(body).with_context(|| format!("POST {url}"))?;
        let body = response.body_mut().read_to_vec()?;
        check_status(url, response.status().as_u16(), &body)?;
        Ok(body)
    }
}

/// Fails with the server's own message for a status that is not 2xx.
fn check_status(url: &str, status: u16, body: &[u8]) -> anyhow::Result<()> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    let message = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    bail!("{url}: {status} {message}")
}

/// Where the documents are.
enum Target {
    Local {
        app: AppState,
        shutdown: CancellationToken,
        tracker: TaskTracker,
    },
    Remote(Remote),
}

impl Target {
    async fn open(
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

    async fn local(config: &Config) -> anyhow::Result<Self> {
        let store = crate::store::open(config).await?;
        let shutdown = CancellationToken::new();
        let tracker = TaskTracker::new();
        let app = AppState::new(config.clone(), store, shutdown.clone(), tracker.clone()).await?;
        Ok(Self::Local {
            app,
            shutdown,
            tracker,
        })
    }

    async fn close(self) {
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
    async fn list(&self) -> anyhow::Result<(Vec<(String, String)>, u64)> {
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
    async fn export(
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

    async fn import(
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

fn api(e: ApiError) -> anyhow::Error {
    anyhow!("{e}")
}

/// `quire export`.
pub async fn export(config: &Config, args: ExportArgs) -> anyhow::Result<()> {
    let format: ExportFormat = args.format.parse()?;
    let target = Target::open(config, args.server.as_deref(), args.token.as_deref()).await?;
    let result = match (&args.all, &args.doc) {
        (Some(dir), _) => export_all(&target, dir, format).await,
        (None, Some(id)) => export_one(&target, id, format, &args).await,
        (None, None) => Err(anyhow!("name a document, or pass --all DIR")),
    };
    target.close().await;
    result
}

async fn export_one(
    target: &Target,
    id: &str,
    format: ExportFormat,
    args: &ExportArgs,
) -> anyhow::Result<()> {
    let (bytes, filename) = target.export(id, format, args.rev).await?;
    match args.output.as_deref() {
        Some(path) if path == Path::new("-") => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
        Some(path) => write(path, &bytes)?,
        None => write(Path::new(&filename), &bytes)?,
    }
    Ok(())
}

/// Exports every document it can, goes on past one that fails, and fails
/// itself unless every document was exported: one that could not be, or
/// documents the caller was not shown (those of groups, without a token).
async fn export_all(target: &Target, dir: &Path, format: ExportFormat) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let (docs, unlisted) = target.list().await?;
    let mut failed = Vec::new();
    let bar = ProgressBar::new(docs.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}").expect("a valid template"),
    );
    for (id, title) in &docs {
        bar.set_message(if title.is_empty() {
            id.clone()
        } else {
            title.clone()
        });
        let written = match target.export(id, format, None).await {
            Ok((bytes, _)) => write(&dir.join(format!("{id}.{}", format.extension())), &bytes),
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            bar.suspend(|| eprintln!("could not export {id}: {e:#}"));
            failed.push(id.clone());
        }
        bar.inc(1);
    }
    let exported = docs.len() - failed.len();
    let total = docs.len() as u64 + unlisted;
    bar.finish_and_clear();
    eprintln!(
        "exported {exported} of {total} documents to {}",
        dir.display()
    );
    let mut missing = Vec::new();
    if !failed.is_empty() {
        missing.push(format!("{} failed ({})", failed.len(), failed.join(", ")));
    }
    if unlisted > 0 {
        missing.push(format!(
            "{unlisted} the server did not list for this caller (documents in groups need \
             --token or QUIRE_TOKEN with access to them)"
        ));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        bail!(
            "exported {exported} of {total} documents: {}",
            missing.join("; ")
        )
    }
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}

/// `quire import`.
pub async fn import(config: &Config, args: ImportArgs) -> anyhow::Result<()> {
    let format = match &args.format {
        Some(f) => f.parse::<ImportFormat>()?,
        None => ImportFormat::from_file_name(&args.file.to_string_lossy()).ok_or_else(|| {
            anyhow!(
                "cannot tell the format of {}; pass --format md|txt|html",
                args.file.display()
            )
        })?,
    };
    let source = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    if let Some(id) = &args.doc
        && !crate::ids::valid_doc_id(id)
    {
        bail!("invalid document id {id:?}");
    }
    let target = Target::open(config, args.server.as_deref(), args.token.as_deref()).await?;
    let result = target.import(&args, format, source).await;
    target.close().await;
    let (id, revision, degraded) = result?;
    println!("{id}");
    eprintln!(
        "imported {} into {id} at revision {revision}",
        args.file.display()
    );
    for item in degraded {
        eprintln!("degraded to text: {item}");
    }
    Ok(())
}
