//! `quire export` and `quire import`: on a data directory (in process, through
//! the same document actors the server uses) or through a running server.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use crdt_core::export::ExportFormat;
use crdt_core::import::ImportFormat;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;

/// Quire: a real-time collaborative document server.
#[derive(Debug, Parser)]
#[command(name = "quire", version, about, long_about = None)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Server settings, accepted before or after the subcommand.
    #[command(flatten)]
    pub config: Config,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web client, the websocket sync endpoint and the HTTP API.
    Serve,
    /// Export a document, or every document, to files.
    Export(ExportArgs),
    /// Import a Markdown, text or HTML file as a new document or into one.
    Import(ImportArgs),
    /// Move a sled data directory (--data-dir) into PostgreSQL
    /// (--database-url), every document with its whole history.
    Migrate(crate::migrate::MigrateArgs),
}

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

mod remote;
mod target;

use target::Target;

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
