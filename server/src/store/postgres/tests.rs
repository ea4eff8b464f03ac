use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::test_database::TestDatabase;
use super::*;
use crate::store::conformance::entry;

#[tokio::test]
async fn migrations_run_once_however_many_nodes_start() {
    let db = TestDatabase::create().await;
    let stores = futures_util::future::join_all((0..4).map(|_| PostgresStore::connect(&db.url)));
    for store in stores.await {
        store.unwrap();
    }
    let store = db.store().await;
    let rows = store
        .query("test", "SELECT version, name FROM quire_migrations", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), MIGRATION_COUNT);
    assert!(store.is_empty().await.unwrap());
    store.put_setting("k", b"v").await.unwrap();
    assert!(!store.is_empty().await.unwrap());
}

const MIGRATION_COUNT: usize = 1;

#[tokio::test]
async fn a_bad_url_or_an_absent_server_is_a_clear_error() {
    let bad = PostgresStore::connect("postgres://[nonsense")
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("does not parse"), "{bad}");
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let absent = PostgresStore::connect(&format!("postgres://postgres@127.0.0.1:{port}/x"))
        .await
        .unwrap_err();
    assert!(
        matches!(&absent, StoreError::Backend(m) if m.contains("connecting to PostgreSQL")),
        "{absent}"
    );
}

#[tokio::test]
async fn cut_connections_fail_a_call_then_retries_succeed_and_nothing_acknowledged_is_lost() {
    let db = TestDatabase::create().await;
    let store = Arc::new(db.store().await);
    let acknowledged = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    const LAST: u64 = 600;
    let writer = tokio::spawn({
        let (store, acknowledged, errors) = (store.clone(), acknowledged.clone(), errors.clone());
        async move {
            // Batches of three, each retried until it is stored, as the
            // document actors do.
            let mut next = 1;
            while next <= LAST {
                let batch: Vec<_> = (next..next + 3)
                    .map(|s| entry(s, &s.to_be_bytes()))
                    .collect();
                match store.append("d", &batch).await {
                    Ok(()) => {
                        next += 3;
                        acknowledged.store(next - 1, Ordering::SeqCst);
                    }
                    Err(e) => {
                        assert!(matches!(e, StoreError::Backend(_)), "{e}");
                        errors.fetch_add(1, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                    }
                }
            }
        }
    });
    let mut cuts = 0;
    for round in 1..=5u64 {
        // Cut while the writer is mid-run, then wait for it to get on.
        let before = acknowledged.load(Ordering::SeqCst);
        cuts += db.terminate_connections().await;
        while acknowledged.load(Ordering::SeqCst) <= before + 3 && !writer.is_finished() {
            tokio::task::yield_now().await;
        }
        assert!(round * 3 <= acknowledged.load(Ordering::SeqCst));
    }
    writer.await.unwrap();
    assert!(cuts > 0, "connections were cut");
    let log = store.log_range("d", 1, u64::MAX).await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=LAST).collect::<Vec<_>>(),
        "every acknowledged entry, each once"
    );
    assert!(log.iter().all(|e| e.update.as_ref() == e.seq.to_be_bytes()));

    // A call on a connection cut while idle fails at most once.
    db.terminate_connections().await;
    let mut failures = 0;
    while let Err(e) = store.get_setting("k").await {
        failures += 1;
        assert!(failures < 3, "{e}");
    }
    store.health().await.unwrap();
    eprintln!("{} write errors", errors.load(Ordering::SeqCst));
}

#[tokio::test]
async fn a_store_whose_server_went_away_reports_unhealthy() {
    let db = TestDatabase::create().await;
    let store = db.store().await;
    store.health().await.unwrap();
    drop(db);
    let reason = store.health().await.unwrap_err().to_string();
    assert!(reason.contains("PostgreSQL"), "{reason}");
}
