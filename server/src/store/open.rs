//! Picks the store the configuration names.

use std::sync::Arc;

use anyhow::Context as _;

use super::{PostgresStore, SledStore, Store};
use crate::config::Config;

/// Opens PostgreSQL when `--database-url` is given, else the sled database
/// in `--data-dir`.
pub async fn open(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    if let Some(url) = &config.database_url {
        let store = PostgresStore::connect(url)
            .await
            .context("opening the PostgreSQL database (--database-url)")?;
        return Ok(Arc::new(store));
    }
    let store = SledStore::open(&config.data_dir, config.durability, config.flush_interval())
        .with_context(|| format!("opening the data directory {}", config.data_dir.display()))?;
    Ok(Arc::new(store))
}
