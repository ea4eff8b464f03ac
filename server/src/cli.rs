//! `quire export` and `quire import`: on a data directory (in process, through
//! the same document actors the server uses) or through a running server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

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
use crate::store::SledStore;

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
}

/// Where the documents are.
enum Target {
    Local {
        app: AppState,
        shutdown: CancellationToken,
        tracker: TaskTracker,
    },
    Remote(String),
}

impl Target {
    async fn open(config: &Config, server: Option<&str>) -> anyhow::Result<Self> {
        if let Some(url) = server {
            return Ok(Self::Remote(url.trim_end_matches('/').to_owned()));
        }
        Self::local(config).await
    }

    async fn local(config: &Config) -> anyhow::Result<Self> {
        let store = SledStore::open(&config.data_dir, config.durability, config.flush_interval())
            .with_context(|| format!("opening {}", config.data_dir.display()))?;
        let shutdown = CancellationToken::new();
        let tracker = TaskTracker::new();
        let app = AppState::new(
            config.clone(),
            Arc::new(store),
            shutdown.clone(),
            tracker.clone(),
        )
        .await?;
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

    async fn list(&self) -> anyhow::Result<Vec<(String, String)>> {
        match self {
            Self::Local { app, .. } => Ok(app
                .store
                .list_meta()
                .await?
                .into_iter()
                .map(|(id, meta)| (id, meta.title))
                .collect()),
            Self::Remote(base) => {
                let body = get(&format!("{base}/api/v1/docs"))?;
                let docs: Vec<Value> = serde_json::from_slice(&body)?;
                Ok(docs
                    .iter()
                    .filter_map(|d| {
                        let id = d["id"].as_str()?.to_owned();
                        Some((id, d["title"].as_str().unwrap_or_default().to_owned()))
                    })
                    .collect())
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
            Self::Remote(base) => {
                let rev = rev.map(|r| format!("?rev={r}")).unwrap_or_default();
                let url = format!("{base}/api/v1/docs/{id}/export/{}{rev}", format.extension());
                let bytes = get(&url)?;
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
                let author = crdt_core::AuthorId::from("cli");
                let (revision, degraded) = service::import(app, &id, format, mode, author, source)
                    .await
                    .map_err(api)?;
                Ok((id, revision, degraded))
            }
            Self::Remote(base) => {
                let id = match &args.doc {
                    Some(id) => id.clone(),
                    None => {
                        let body = serde_json::json!({ "title": title }).to_string();
                        let created =
                            post(&format!("{base}/api/v1/docs"), "application/json", body)?;
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
                let url = format!("{base}/api/v1/docs/{id}/import?format={ext}&mode={mode}");
                let answer: Value = serde_json::from_slice(&post(&url, "text/plain", source)?)?;
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

fn get(url: &str) -> anyhow::Result<Vec<u8>> {
    let mut response = ureq::get(url)
        .call()
        .with_context(|| format!("GET {url}"))?;
    Ok(response
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_vec()?)
}

fn post(url: &str, content_type: &str, body: String) -> anyhow::Result<Vec<u8>> {
    let mut response = ureq::post(url)
        .header("content-type", content_type)
        .send(body)
        .with_context(|| format!("POST {url}"))?;
    Ok(response.body_mut().read_to_vec()?)
}

/// `quire export`.
pub async fn export(config: &Config, args: ExportArgs) -> anyhow::Result<()> {
    let format: ExportFormat = args.format.parse()?;
    let target = Target::open(config, args.server.as_deref()).await?;
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

async fn export_all(target: &Target, dir: &Path, format: ExportFormat) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let docs = target.list().await?;
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
        let (bytes, _) = target.export(id, format, None).await?;
        write(&dir.join(format!("{id}.{}", format.extension())), &bytes)?;
        bar.inc(1);
    }
    bar.finish_with_message(format!(
        "exported {} documents to {}",
        docs.len(),
        dir.display()
    ));
    Ok(())
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
    let target = Target::open(config, args.server.as_deref()).await?;
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
