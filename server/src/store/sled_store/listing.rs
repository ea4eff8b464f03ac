//! Everything the store holds, listed: for moving a data directory into
//! another store.

use super::SledStore;
use crate::store::StoreError;

/// A setting the store writes for itself, not the server's.
const PROBE: &[u8] = b"quire-write-probe";

impl SledStore {
    /// Every document with a log record, a checkpoint or metadata, sorted.
    pub async fn documents(&self) -> Result<Vec<String>, StoreError> {
        self.with_blocking(|h| {
            let mut ids = std::collections::BTreeSet::new();
            for tree in [&h.log, &h.checkpoints] {
                // Keys are `id, 0, seq`: after the first key of a
                // document, skip to the first key past its prefix.
                let mut from = Vec::new();
                while let Some(record) = tree.range(from.clone()..).next() {
                    let (key, _) = record?;
                    let end = key.iter().position(|b| *b == 0).unwrap_or(key.len());
                    ids.insert(String::from_utf8_lossy(&key[..end]).into_owned());
                    from = key[..end].to_vec();
                    from.push(1);
                }
            }
            for record in h.docs.iter().keys() {
                ids.insert(String::from_utf8_lossy(&record?).into_owned());
            }
            Ok(ids.into_iter().collect())
        })
        .await
    }

    /// Every server-wide setting, by key.
    pub async fn settings(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.with_blocking(|h| {
            h.settings
                .iter()
                .filter(|record| !matches!(record, Ok((key, _)) if key.as_ref() == PROBE))
                .map(|record| {
                    let (key, value) = record?;
                    Ok((String::from_utf8_lossy(&key).into_owned(), value.to_vec()))
                })
                .collect()
        })
        .await
    }
}
