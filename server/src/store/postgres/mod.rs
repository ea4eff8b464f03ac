//! The PostgreSQL store: the update log, checkpoints, documents' metadata
//! and settings in four tables (see `migrations/`), reached through a pool
//! that replaces broken connections.
//!
//! Every write is one statement or one transaction that has committed
//! when the call returns, so [`Store::write`] is already durable and
//! [`Store::sync`] has nothing left to do. A log entry is written once:
//! `(doc, seq)` is the primary key and a retried write skips the entries an
//! earlier, failed-looking attempt did commit.

use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::{NoTls, Row};

use rows::{CHECKPOINT_COLUMNS, LOG_COLUMNS, checkpoint, int, log_entry, meta, uint};

use super::codec::{encode_checkpoint, entry_bytes};
use super::{Checkpoint, CheckpointInfo, DocMeta, LogEntry, Store, StoreError, Stored, Usage};

mod rows;
mod schema;

/// Connections the pool opens at most.
const POOL_SIZE: usize = 16;

/// Longest wait for a connection, new or from the pool: past it a call
/// fails (and is retried by its caller) rather than hang.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest wait for one statement. A server or network that stops
/// answering must not hold a document's acknowledgements forever: the call
/// fails and its caller retries (a write that did commit meanwhile is then
/// skipped, see the module docs).
const QUERY_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest wait for the health probe.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// Documents, their logs and the server's settings in PostgreSQL.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("pool", &self.pool.status())
            .finish()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host/db`) and
    /// brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Backend(format!("the database URL does not parse: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("quire");
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                // A connection cut by the server shows as closed; a fresh
                // one replaces it without a probe per checkout.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Backend(format!("building the connection pool: {e}")))?;
        let store = Self { pool };
        let mut client = store.client().await?;
        schema::migrate(&mut client).await?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|e| StoreError::Backend(format!("connecting to PostgreSQL: {}", chain(&e))))
    }

    /// Runs one statement on a pooled connection.
    async fn query(
        &self,
        what: &str,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let call = async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(sql)
                .await
                .map_err(|e| backend(what, &e))?;
            client
                .query(&statement, params)
                .await
                .map_err(|e| backend(what, &e))
        };
        tokio::time::timeout(QUERY_TIMEOUT, call)
            .await
            .unwrap_or_else(|_| {
                Err(StoreError::Backend(format!(
                    "PostgreSQL, {what}: no answer within {} s",
                    QUERY_TIMEOUT.as_secs()
                )))
            })
    }

    /// Whether the database holds any document, log entry or setting.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let rows = self
            .query(
                "checking whether the database is empty",
                "SELECT EXISTS (SELECT 1 FROM quire_documents)
                     OR EXISTS (SELECT 1 FROM quire_log)
                     OR EXISTS (SELECT 1 FROM quire_settings)",
                &[],
            )
            .await?;
        Ok(!rows[0].get::<_, bool>(0))
    }
}

/// A failed call as a [`StoreError::Backend`] saying what was being done
/// and why it failed.
fn backend(what: &str, error: &tokio_postgres::Error) -> StoreError {
    StoreError::Backend(format!("PostgreSQL, {what}: {}", chain(error)))
}

/// An error and its sources, as one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = e.source();
    }
    out
}

#[async_trait]
impl Store for PostgresStore {
    async fn load(&self, doc: &str) -> Result<Option<Stored>, StoreError> {
        let checkpoint = self.checkpoint_at(doc, u64::MAX).await?;
        let from = checkpoint.as_ref().map_or(0, |c| c.seq) + 1;
        let entries = self.log_range(doc, from, u64::MAX).await?;
        Ok(
            (checkpoint.is_some() || !entries.is_empty()).then_some(Stored {
                checkpoint,
                entries,
            }),
        )
    }

    async fn write(&self, doc: &str, entries: &[LogEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let seqs: Vec<i64> = entries.iter().map(|e| int(e.seq)).collect();
        let tss: Vec<i64> = entries.iter().map(|e| int(e.ts)).collect();
        let authors: Vec<&str> = entries.iter().map(|e| e.author.as_str()).collect();
        let inserted: Vec<i64> = entries.iter().map(|e| int(e.applied.inserted)).collect();
        let deleted: Vec<i64> = entries.iter().map(|e| int(e.applied.deleted)).collect();
        let updates: Vec<&[u8]> = entries.iter().map(|e| e.update.as_ref()).collect();
        // One statement, so one implicit transaction: every entry or none.
        self.query(
            "appending to the log",
            r#"INSERT INTO quire_log (doc, seq, ts, author, inserted, deleted, "update")
               SELECT $1, * FROM UNNEST($2::int8[], $3::int8[], $4::text[],
                                        $5::int8[], $6::int8[], $7::bytea[])
               ON CONFLICT (doc, seq) DO NOTHING"#,
            &[&doc, &seqs, &tss, &authors, &inserted, &deleted, &updates],
        )
        .await?;
        Ok(())
    }

    async fn sync(&self) -> Result<(), StoreError> {
        // Every write has committed before it returned.
        Ok(())
    }

    async fn checkpoint(&self, doc: &str, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        let bindings = serde_json::to_string(&checkpoint.bindings).expect("bindings serialize");
        let stats = serde_json::to_string(&checkpoint.stats).expect("stats serialize");
        let bytes = encode_checkpoint(checkpoint).len() as i64;
        self.query(
            "writing a checkpoint",
            "INSERT INTO quire_checkpoints (doc, seq, state, bindings, stats, log_bytes, bytes)
             VALUES ($1, $2, $3, $4::text::jsonb, $5::text::jsonb, $6, $7)
             ON CONFLICT (doc, seq) DO UPDATE SET state = EXCLUDED.state,
                 bindings = EXCLUDED.bindings, stats = EXCLUDED.stats,
                 log_bytes = EXCLUDED.log_bytes, bytes = EXCLUDED.bytes",
            &[
                &doc,
                &int(checkpoint.seq),
                &checkpoint.state,
                &bindings,
                &stats,
                &int(checkpoint.log_bytes),
                &bytes,
            ],
        )
        .await?;
        Ok(())
    }

    async fn checkpoints(&self, doc: &str) -> Result<Vec<CheckpointInfo>, StoreError> {
        let rows = self
            .query(
                "listing checkpoints",
                "SELECT seq, bytes, log_bytes FROM quire_checkpoints WHERE doc = $1 ORDER BY seq",
                &[&doc],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| CheckpointInfo {
                seq: uint(row.get(0)),
                bytes: uint(row.get(1)),
                log_bytes: uint(row.get(2)),
            })
            .collect())
    }

    async fn remove_checkpoints(&self, doc: &str, seqs: &[u64]) -> Result<(), StoreError> {
        if seqs.is_empty() {
            return Ok(());
        }
        let seqs: Vec<i64> = seqs.iter().copied().map(int).collect();
        self.query(
            "removing checkpoints",
            "DELETE FROM quire_checkpoints WHERE doc = $1 AND seq = ANY($2)",
            &[&doc, &seqs],
        )
        .await?;
        Ok(())
    }

    async fn usage(&self, doc: &str) -> Result<Usage, StoreError> {
        let per_entry = int(entry_bytes("", 0));
        let rows = self
            .query(
                "measuring a document",
                r#"SELECT
                     (SELECT COALESCE(SUM($2::int8 + octet_length(author) + octet_length("update")), 0)::int8
                        FROM quire_log WHERE doc = $1),
                     (SELECT COALESCE(SUM(bytes), 0)::int8 FROM quire_checkpoints WHERE doc = $1)"#,
                &[&doc, &per_entry],
            )
            .await?;
        Ok(Usage {
            log_bytes: uint(rows[0].get(0)),
            checkpoint_bytes: uint(rows[0].get(1)),
        })
    }

    async fn checkpoint_at(&self, doc: &str, seq: u64) -> Result<Option<Checkpoint>, StoreError> {
        let rows = self
            .query(
                "reading a checkpoint",
                &format!(
                    "SELECT {CHECKPOINT_COLUMNS} FROM quire_checkpoints
                     WHERE doc = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1"
                ),
                &[&doc, &int(seq)],
            )
            .await?;
        rows.first().map(|row| checkpoint(doc, row)).transpose()
    }

    async fn log_range(&self, doc: &str, from: u64, to: u64) -> Result<Vec<LogEntry>, StoreError> {
        let rows = self
            .query(
                "reading the log",
                &format!(
                    "SELECT {LOG_COLUMNS} FROM quire_log
                     WHERE doc = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq"
                ),
                &[&doc, &int(from), &int(to)],
            )
            .await?;
        Ok(rows.iter().map(log_entry).collect())
    }

    async fn put_meta(&self, doc: &str, meta: &DocMeta) -> Result<(), StoreError> {
        let json = serde_json::to_string(meta).expect("metadata serializes");
        self.query(
            "writing a document's metadata",
            "INSERT INTO quire_documents (doc, meta) VALUES ($1, $2::text::jsonb)
             ON CONFLICT (doc) DO UPDATE SET meta = EXCLUDED.meta",
            &[&doc, &json],
        )
        .await?;
        Ok(())
    }

    async fn get_meta(&self, doc: &str) -> Result<Option<DocMeta>, StoreError> {
        let rows = self
            .query(
                "reading a document's metadata",
                "SELECT meta::text FROM quire_documents WHERE doc = $1",
                &[&doc],
            )
            .await?;
        rows.first().map(|row| meta(doc, row.get(0))).transpose()
    }

    async fn list_meta(&self) -> Result<Vec<(String, DocMeta)>, StoreError> {
        let rows = self
            .query(
                "listing documents",
                "SELECT doc, meta::text FROM quire_documents ORDER BY doc",
                &[],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let doc: String = row.get(0);
                let meta = meta(&doc, row.get(1))?;
                Ok((doc, meta))
            })
            .collect()
    }

    async fn delete(&self, doc: &str) -> Result<(), StoreError> {
        // One statement, so one transaction: all three or nothing.
        self.query(
            "deleting a document",
            "WITH log AS (DELETE FROM quire_log WHERE doc = $1),
                  checkpoints AS (DELETE FROM quire_checkpoints WHERE doc = $1)
             DELETE FROM quire_documents WHERE doc = $1",
            &[&doc],
        )
        .await?;
        Ok(())
    }

    async fn get_setting(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let rows = self
            .query(
                "reading a setting",
                "SELECT value FROM quire_settings WHERE key = $1",
                &[&key],
            )
            .await?;
        Ok(rows.first().map(|row| row.get(0)))
    }

    async fn put_setting(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.query(
            "writing a setting",
            "INSERT INTO quire_settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&key, &value],
        )
        .await?;
        Ok(())
    }

    async fn health(&self) -> Result<(), StoreError> {
        let probe = self.query("answering a health probe", "SELECT 1", &[]);
        match tokio::time::timeout(HEALTH_TIMEOUT, probe).await {
            Ok(result) => result.map(drop),
            Err(_) => Err(StoreError::Backend(format!(
                "PostgreSQL did not answer within {} s",
                HEALTH_TIMEOUT.as_secs()
            ))),
        }
    }
}

#[cfg(test)]
pub(crate) mod test_database;
#[cfg(test)]
mod tests;
