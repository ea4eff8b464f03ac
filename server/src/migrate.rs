//! `quire migrate`: moves a single-node sled data directory into
//! PostgreSQL, every document with its whole history.

use anyhow::{Context as _, bail};

use crate::config::Config;
use crate::store::{Durability, PostgresStore, SledStore, Store};

/// Log entries copied per write.
const CHUNK: u64 = 1000;

/// Flags of `quire migrate`.
#[derive(Debug, Clone, clap::Args)]
pub struct MigrateArgs {
    /// Copy into a database that already holds documents or settings.
    /// Log entries already there are kept; checkpoints, metadata and
    /// settings of the same names are replaced.
    #[arg(long)]
    pub overwrite: bool,
}

/// What a migration copied.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    /// Documents.
    pub documents: u64,
    /// Log entries, over all documents.
    pub entries: u64,
    /// Checkpoints, over all documents.
    pub checkpoints: u64,
    /// Server-wide settings (groups, members, keys, revocations, ...).
    pub settings: u64,
}

/// Runs `quire migrate`: copies `--data-dir` into `--database-url` and
/// prints what it moved.
pub async fn run(config: &Config, args: MigrateArgs) -> anyhow::Result<()> {
    let Some(url) = &config.database_url else {
        bail!("quire migrate needs --database-url (or QUIRE_DATABASE_URL): where to move the data");
    };
    let dir = &config.data_dir;
    if !dir.join("conf").exists() {
        bail!(
            "{} holds no Quire data directory (give the server's --data-dir)",
            dir.display()
        );
    }
    let sled = SledStore::open(dir, Durability::Strict, config.flush_interval())
        .with_context(|| format!("opening the data directory {}", dir.display()))?;
    let postgres = PostgresStore::connect(url)
        .await
        .context("opening the PostgreSQL database (--database-url)")?;
    if !args.overwrite && !postgres.is_empty().await? {
        bail!(
            "the PostgreSQL database already holds documents or settings; nothing was copied. \
             Give an empty database, or --overwrite to copy into this one anyway"
        );
    }
    let moved = copy(&sled, &postgres).await?;
    println!(
        "moved {} documents ({} log entries, {} checkpoints) and {} settings from {} into PostgreSQL",
        moved.documents,
        moved.entries,
        moved.checkpoints,
        moved.settings,
        dir.display()
    );
    Ok(())
}

/// Copies every document and setting of `from` into `to`. A document's
/// metadata goes last, so that a document is listed only once whole.
pub async fn copy(from: &SledStore, to: &dyn Store) -> anyhow::Result<Moved> {
    let mut moved = Moved::default();
    for doc in from.documents().await? {
        let mut next = 1;
        loop {
            let chunk = from.log_range(&doc, next, next + CHUNK - 1).await?;
            let Some(last) = chunk.last() else { break };
            next = last.seq + 1;
            to.write(&doc, &chunk)
                .await
                .with_context(|| format!("copying the log of {doc}"))?;
            moved.entries += chunk.len() as u64;
        }
        let rest = from.log_range(&doc, next, u64::MAX).await?;
        if let Some(first) = rest.first() {
            bail!(
                "the log of {doc} has a gap before entry {}: nothing after it was copied",
                first.seq
            );
        }
        let mut seqs: Vec<u64> = from
            .checkpoints(&doc)
            .await?
            .iter()
            .map(|c| c.seq)
            .collect();
        if let Some(newest) = from.checkpoint_at(&doc, u64::MAX).await? {
            seqs.push(newest.seq);
        }
        seqs.sort_unstable();
        seqs.dedup();
        for seq in seqs {
            if let Some(checkpoint) = from.checkpoint_at(&doc, seq).await?
                && checkpoint.seq == seq
            {
                to.checkpoint(&doc, &checkpoint)
                    .await
                    .with_context(|| format!("copying a checkpoint of {doc}"))?;
                moved.checkpoints += 1;
            }
        }
        to.sync().await?;
        if let Some(meta) = from.get_meta(&doc).await? {
            to.put_meta(&doc, &meta)
                .await
                .with_context(|| format!("copying the metadata of {doc}"))?;
        }
        moved.documents += 1;
    }
    for (key, value) in from.settings().await? {
        to.put_setting(&key, &value)
            .await
            .with_context(|| format!("copying the setting {key}"))?;
        moved.settings += 1;
    }
    Ok(moved)
}
