//! How fast the PostgreSQL store commits log entries: `DOCS` documents
//! each writing batches of `BATCH` entries of 40 bytes at once, through
//! [`PostgresStore::write`] (one multi-row `INSERT ... UNNEST` per batch),
//! beside the same batches written one `INSERT` per entry in one
//! transaction.
//!
//! cargo run --release -p quire-server --example pg_ingest -- URL [DOCS] [BATCH] [SECS]
//!
//! URL names a database to create tables in: use a scratch one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use quire_server::store::{LogEntry, PostgresStore, Store};

fn entry(seq: u64) -> LogEntry {
    LogEntry {
        seq,
        ts: 1_700_000_000_000 + seq,
        author: "a1b2c3d4".into(),
        applied: Default::default(),
        update: Bytes::from(vec![7u8; 40]),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).expect("a database URL").clone();
    let arg = |i: usize, default: u64| args.get(i).map_or(default, |a| a.parse().unwrap());
    let (docs, batch, secs) = (arg(2, 32), arg(3, 20), arg(4, 5));
    let store = Arc::new(PostgresStore::connect(&url).await.unwrap());
    let run = rand::random::<u32>();
    for row_by_row in [false, true] {
        let done = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(secs);
        let tasks: Vec<_> = (0..docs)
            .map(|d| {
                let (store, done, url) = (store.clone(), done.clone(), url.clone());
                tokio::spawn(async move {
                    let doc = format!("ingest-{run}-{row_by_row}-{d}");
                    let mut rows = if row_by_row {
                        let (client, connection) =
                            tokio_postgres::connect(&url, tokio_postgres::NoTls)
                                .await
                                .unwrap();
                        tokio::spawn(connection);
                        Some(client)
                    } else {
                        None
                    };
                    let mut next = 1;
                    while Instant::now() < deadline {
                        let entries: Vec<_> = (next..next + batch).map(entry).collect();
                        next += batch;
                        match &mut rows {
                            None => store.write(&doc, &entries).await.unwrap(),
                            Some(client) => insert_rows(client, &doc, &entries).await,
                        }
                        done.fetch_add(batch, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let total = done.load(Ordering::Relaxed);
        println!(
            "{}: {docs} documents, batches of {batch}: {} entries/s committed",
            if row_by_row {
                "one INSERT per entry, one transaction per batch"
            } else {
                "one multi-row INSERT per batch"
            },
            total / secs
        );
    }
}

async fn insert_rows(client: &mut tokio_postgres::Client, doc: &str, entries: &[LogEntry]) {
    let tx = client.transaction().await.unwrap();
    let statement = tx
        .prepare(
            r#"INSERT INTO quire_log (doc, seq, ts, author, inserted, deleted, "update")
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (doc, seq) DO NOTHING"#,
        )
        .await
        .unwrap();
    for e in entries {
        tx.execute(
            &statement,
            &[
                &doc,
                &(e.seq as i64),
                &(e.ts as i64),
                &e.author,
                &0i64,
                &0i64,
                &e.update.as_ref(),
            ],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}
