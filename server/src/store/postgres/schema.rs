//! The schema, brought up to date at start by numbered migrations.
//!
//! Each migration is a plain SQL file applied once, in order, and recorded
//! in `quire_migrations`; those a database lacks are applied in one
//! transaction. Nodes starting together take an advisory lock first, so
//! each migration runs exactly once.

use deadpool_postgres::Client;

use super::backend;
use crate::store::StoreError;

/// Every migration, oldest first: its version and its SQL. A released
/// migration never changes; a schema change is a new file.
const MIGRATIONS: &[(i32, &str, &str)] =
    &[(1, "initial", include_str!("migrations/0001_initial.sql"))];

/// Key of the advisory lock held while migrating ("quire" in ASCII).
const MIGRATION_LOCK: i64 = 0x71_7569_7265;

/// Applies the migrations `client`'s database lacks, all in one
/// transaction; returns how many.
pub(super) async fn migrate(client: &mut Client) -> Result<usize, StoreError> {
    let tx = client
        .transaction()
        .await
        .map_err(|e| backend("starting the migrations", &e))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(|e| backend("locking the schema", &e))?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS quire_migrations (
            version    INT PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .await
    .map_err(|e| backend("creating the migrations table", &e))?;
    let mut applied = 0;
    for (version, name, sql) in MIGRATIONS {
        let done = tx
            .query_opt(
                "SELECT 1 FROM quire_migrations WHERE version = $1",
                &[version],
            )
            .await
            .map_err(|e| backend("reading the migrations table", &e))?
            .is_some();
        if done {
            continue;
        }
        tx.batch_execute(sql)
            .await
            .map_err(|e| backend(&format!("applying migration {version} ({name})"), &e))?;
        tx.execute(
            "INSERT INTO quire_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
        )
        .await
        .map_err(|e| backend("recording a migration", &e))?;
        tracing::info!(version, name, "applying a database migration");
        applied += 1;
    }
    tx.commit()
        .await
        .map_err(|e| backend("committing the migrations", &e))?;
    Ok(applied)
}
