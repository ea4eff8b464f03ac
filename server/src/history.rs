//! Documents as they were: revision `r` rebuilt from the newest checkpoint at
//! or before `r` plus the log entries after it.

use std::sync::Arc;

use crdt_core::Document;

use crate::error::ApiError;
use crate::store::Store;

/// The document after log entry `rev`.
pub async fn document_at(
    store: &Arc<dyn Store>,
    doc: &str,
    rev: u64,
) -> Result<Document, ApiError> {
    let checkpoint = store.checkpoint_at(doc, rev).await?;
    let from = checkpoint.as_ref().map_or(0, |c| c.seq) + 1;
    let entries = store.log_range(doc, from, rev).await?;
    let last = entries.last().map_or(from - 1, |e| e.seq);
    if last < rev {
        return Err(ApiError::not_found(format!("no revision {rev} of {doc}")));
    }
    tokio::task::spawn_blocking(move || {
        let mut document = match checkpoint {
            Some(c) => Document::from_checkpoint(&c.state, c.bindings),
            None => Ok(Document::new()),
        }
        .map_err(|e| ApiError::internal(e.to_string()))?;
        for entry in &entries {
            document
                .replay(&entry.update, &Arc::from(entry.author.as_str()))
                .map_err(|e| ApiError::internal(e.to_string()))?;
        }
        Ok(document)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
}
