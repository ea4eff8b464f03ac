//! Rows of the store's tables as the store's types.

use bytes::Bytes;
use crdt_core::authorship::Applied;
use tokio_postgres::Row;

use crate::store::{Checkpoint, DocMeta, LogEntry, StoreError};

/// A stored count or position as PostgreSQL's `BIGINT`.
pub(super) fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(super) fn uint(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub(super) const LOG_COLUMNS: &str = r#"seq, ts, author, inserted, deleted, "update""#;

pub(super) fn log_entry(row: &Row) -> LogEntry {
    LogEntry {
        seq: uint(row.get(0)),
        ts: uint(row.get(1)),
        author: row.get(2),
        applied: Applied {
            inserted: uint(row.get(3)),
            deleted: uint(row.get(4)),
        },
        update: Bytes::from(row.get::<_, Vec<u8>>(5)),
    }
}

pub(super) const CHECKPOINT_COLUMNS: &str = "seq, state, bindings::text, stats::text, log_bytes";

pub(super) fn checkpoint(doc: &str, row: &Row) -> Result<Checkpoint, StoreError> {
    let seq = uint(row.get(0));
    let corrupt = |e: serde_json::Error| StoreError::Corrupt {
        key: format!("checkpoint {doc}#{seq}"),
        reason: e.to_string(),
    };
    Ok(Checkpoint {
        seq,
        state: row.get(1),
        bindings: serde_json::from_str(row.get(2)).map_err(corrupt)?,
        stats: serde_json::from_str(row.get(3)).map_err(corrupt)?,
        log_bytes: uint(row.get(4)),
    })
}

pub(super) fn meta(doc: &str, json: &str) -> Result<DocMeta, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        key: format!("docs/{doc}"),
        reason: e.to_string(),
    })
}
