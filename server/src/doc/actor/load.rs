//! Loading a document from the store, for the engine to start from (and to
//! rebuild from after yrs failed part-way through an update).

use std::sync::Arc;

use crdt_core::authorship::Stats;
use crdt_core::{Document, Error as CoreError};
use quire_engine::{DiskUse, Loaded};
use tracing::error;

use crate::store::{DocMeta, Store, StoreError};

/// Reads `doc`: its metadata, the newest checkpoint that loads and the log
/// after it. A document never stored loads empty, created at `wall_ms`.
pub(super) async fn load(store: &dyn Store, doc: &str, wall_ms: u64) -> Result<Loaded, StoreError> {
    let meta = store.get_meta(doc).await?;
    let meta_stored = meta.is_some();
    let meta = meta.unwrap_or_else(|| DocMeta {
        created: wall_ms,
        ..DocMeta::default()
    });
    let Some(stored) = store.load(doc).await? else {
        // Nothing stored: an empty document (a rebuild must not keep what a
        // refused update left in the live one).
        return Ok(Loaded {
            meta,
            meta_stored,
            ..Loaded::empty(wall_ms)
        });
    };
    let mut disk = match (meta.log_bytes, meta.checkpoint_bytes) {
        (Some(log), Some(checkpoints)) => DiskUse {
            log,
            checkpoints,
            newest: 0,
        },
        // Stored before its bytes were counted: count them once.
        _ => {
            let usage = store.usage(doc).await?;
            DiskUse {
                log: usage.log_bytes,
                checkpoints: usage.checkpoint_bytes,
                newest: 0,
            }
        }
    };
    let newest = stored.checkpoint.as_ref().map(|c| c.seq);
    disk.newest = match store.checkpoints(doc).await?.last() {
        Some(info) if Some(info.seq) == newest => info.bytes,
        _ => stored
            .checkpoint
            .as_ref()
            .map_or(0, |c| c.state.len() as u64),
    };
    let corrupt = |e: CoreError| StoreError::Corrupt {
        key: doc.to_owned(),
        reason: e.to_string(),
    };
    let (mut stats, mut next_seq, mut checkpoint_seq) = (Stats::default(), 1, 0);
    let (mut checkpoint, mut entries) = (stored.checkpoint, stored.entries);
    let mut document = loop {
        let Some(c) = checkpoint else {
            break Document::new();
        };
        match Document::from_checkpoint(&c.state, c.bindings) {
            Ok(document) => {
                checkpoint_seq = c.seq;
                next_seq = c.seq + 1;
                stats = c.stats;
                break document;
            }
            // The log is kept whole: an older checkpoint and more of the
            // log give the same state.
            Err(e) => {
                error!(doc = %doc, seq = c.seq, error = %e,
                    "a checkpoint does not load; replaying more of the log");
                checkpoint = match c.seq {
                    0 | 1 => None,
                    seq => store.checkpoint_at(doc, seq - 1).await?,
                };
                let from = checkpoint.as_ref().map_or(0, |o| o.seq) + 1;
                let mut more = store.log_range(doc, from, c.seq).await?;
                more.append(&mut entries);
                entries = more;
            }
        }
    };
    let mut bytes_since_checkpoint = 0;
    for entry in &entries {
        document
            .replay(&entry.update, &Arc::from(entry.author.as_str()))
            .map_err(corrupt)?;
        stats.record(&entry.author, entry.ts, entry.applied);
        next_seq = entry.seq + 1;
        bytes_since_checkpoint += entry.update.len() as u64;
    }
    Ok(Loaded {
        document,
        fresh: false,
        meta,
        meta_stored,
        disk,
        stats,
        next_seq,
        checkpoint_seq,
        bytes_since_checkpoint,
    })
}
