//! One suite of what every [`Store`] promises, run against memory, sled and
//! PostgreSQL alike.

use std::sync::Arc;

use bytes::Bytes;
use crdt_core::authorship::Applied;

use super::{Checkpoint, DocMeta, LogEntry, Store, stored_len};

pub(super) fn entry(seq: u64, update: &[u8]) -> LogEntry {
    LogEntry {
        seq,
        ts: 1_700_000_000_000 + seq,
        author: format!("author-{}", seq % 3),
        applied: Applied {
            inserted: seq * 2,
            deleted: seq % 2,
        },
        update: Bytes::copy_from_slice(update),
    }
}

fn seqs(entries: &[LogEntry]) -> Vec<u64> {
    entries.iter().map(|e| e.seq).collect()
}

fn checkpoint(seq: u64, size: usize) -> Checkpoint {
    let mut bindings = crdt_core::ClientBindings::default();
    bindings.bind(&[seq + 100], &format!("author-{seq}").into());
    Checkpoint {
        seq,
        state: vec![seq as u8; size],
        bindings,
        stats: Default::default(),
        log_bytes: seq * 33,
    }
}

pub(super) async fn an_unknown_document_is_absent(store: Arc<dyn Store>) {
    assert!(store.load("nobody").await.unwrap().is_none());
    assert!(store.log_range("nobody", 1, 10).await.unwrap().is_empty());
    assert!(store.checkpoint_at("nobody", 10).await.unwrap().is_none());
    assert!(store.checkpoints("nobody").await.unwrap().is_empty());
    assert!(store.get_meta("nobody").await.unwrap().is_none());
    assert_eq!(store.usage("nobody").await.unwrap(), Default::default());
}

pub(super) async fn the_log_reads_back_whole_and_by_range(store: Arc<dyn Store>) {
    let all: Vec<_> = (1..=8).map(|s| entry(s, &[s as u8; 5])).collect();
    store.append("d", &all[..1]).await.unwrap();
    store.write("d", &all[1..6]).await.unwrap();
    store.sync().await.unwrap();
    store.append("d", &all[6..]).await.unwrap();
    store.append("other", &[entry(1, b"o")]).await.unwrap();
    assert_eq!(store.log_range("d", 1, 8).await.unwrap(), all);
    assert_eq!(seqs(&store.log_range("d", 3, 4).await.unwrap()), vec![3, 4]);
    assert_eq!(seqs(&store.log_range("d", 6, 7).await.unwrap()), vec![6, 7]);
    assert!(store.log_range("d", 9, 20).await.unwrap().is_empty());
    let loaded = store.load("d").await.unwrap().unwrap();
    assert!(loaded.checkpoint.is_none());
    assert_eq!(loaded.entries, all, "authors, times and counts kept");
    assert_eq!(
        store.log_range("other", 1, u64::MAX).await.unwrap(),
        vec![entry(1, b"o")]
    );
}

pub(super) async fn a_retried_write_yields_each_entry_once(store: Arc<dyn Store>) {
    store
        .append("d", &[entry(1, b"a"), entry(2, b"b")])
        .await
        .unwrap();
    // As when the caller did not learn that the first attempt committed
    // and wrote everything unacknowledged again.
    let retry: Vec<_> = (1..=4).map(|s| entry(s, &[s as u8])).collect();
    store.append("d", &retry).await.unwrap();
    let read = store.log_range("d", 1, 4).await.unwrap();
    assert_eq!(seqs(&read), vec![1, 2, 3, 4]);
    assert_eq!(read[0].update, Bytes::from_static(b"a"), "written once");
}

pub(super) async fn loading_starts_at_the_newest_checkpoint(store: Arc<dyn Store>) {
    let entries: Vec<_> = (1..=6).map(|s| entry(s, &[s as u8; 10])).collect();
    store.append("d", &entries).await.unwrap();
    store.append("e", &[entry(1, b"other")]).await.unwrap();
    for seq in [2, 4] {
        store
            .checkpoint("d", &checkpoint(seq, 100 * seq as usize))
            .await
            .unwrap();
    }
    let loaded = store.load("d").await.unwrap().unwrap();
    assert_eq!(loaded.checkpoint.unwrap(), checkpoint(4, 400));
    assert_eq!(seqs(&loaded.entries), vec![5, 6]);
    assert_eq!(
        store.checkpoint_at("d", 3).await.unwrap().unwrap(),
        checkpoint(2, 200)
    );
    assert!(store.checkpoint_at("d", 1).await.unwrap().is_none());
    assert!(store.checkpoint_at("e", 9).await.unwrap().is_none());
}

pub(super) async fn checkpoints_are_listed_removed_and_counted(store: Arc<dyn Store>) {
    let entries: Vec<_> = (1..=6).map(|s| entry(s, &[s as u8; 10])).collect();
    store.append("d", &entries).await.unwrap();
    for seq in [2, 4, 6] {
        store
            .checkpoint("d", &checkpoint(seq, 100 * seq as usize))
            .await
            .unwrap();
    }
    let infos = store.checkpoints("d").await.unwrap();
    assert_eq!(
        infos
            .iter()
            .map(|c| (c.seq, c.log_bytes))
            .collect::<Vec<_>>(),
        vec![(2, 66), (4, 132), (6, 198)]
    );
    assert!(infos[0].bytes > 200 && infos[2].bytes > 600, "{infos:?}");
    let usage = store.usage("d").await.unwrap();
    assert_eq!(
        usage.checkpoint_bytes,
        infos.iter().map(|c| c.bytes).sum::<u64>()
    );
    let log: u64 = entries.iter().map(stored_len).sum();
    assert!(
        (log..log + 64).contains(&usage.log_bytes),
        "{} for entries of {log}",
        usage.log_bytes
    );

    store.remove_checkpoints("d", &[2, 4]).await.unwrap();
    store.remove_checkpoints("d", &[]).await.unwrap();
    assert_eq!(store.checkpoints("d").await.unwrap(), vec![infos[2]]);
    assert!(store.checkpoint_at("d", 5).await.unwrap().is_none());
    assert_eq!(
        seqs(&store.log_range("d", 1, 6).await.unwrap()),
        (1..=6).collect::<Vec<_>>(),
        "the log is whole"
    );
}

pub(super) async fn metadata_is_kept_listed_and_replaced(store: Arc<dyn Store>) {
    let mut essay = DocMeta {
        title: "Essay".into(),
        group: Some("class-7b".into()),
        created: 1,
        updated: 2,
        revisions: 3,
        size: 4,
        log_bytes: Some(5),
        ..Default::default()
    };
    essay.names.insert("a1".into(), "Ada".into());
    let notes = DocMeta {
        title: "Notes ✓ \"quoted\"".into(),
        ..Default::default()
    };
    store.put_meta("essay", &essay).await.unwrap();
    store.put_meta("notes", &notes).await.unwrap();
    assert_eq!(store.get_meta("essay").await.unwrap().unwrap(), essay);
    essay.title = "Essay, revised".into();
    store.put_meta("essay", &essay).await.unwrap();
    assert_eq!(
        store.list_meta().await.unwrap(),
        vec![("essay".into(), essay), ("notes".into(), notes)]
    );
}

pub(super) async fn deleting_removes_log_checkpoints_and_metadata(store: Arc<dyn Store>) {
    for doc in ["gone", "kept"] {
        store
            .append(doc, &[entry(1, b"x"), entry(2, b"y")])
            .await
            .unwrap();
        store.checkpoint(doc, &checkpoint(2, 10)).await.unwrap();
        store.put_meta(doc, &DocMeta::default()).await.unwrap();
    }
    store.delete("gone").await.unwrap();
    assert!(store.load("gone").await.unwrap().is_none());
    assert!(store.get_meta("gone").await.unwrap().is_none());
    assert!(store.checkpoints("gone").await.unwrap().is_empty());
    assert_eq!(store.usage("gone").await.unwrap(), Default::default());
    assert_eq!(
        store
            .list_meta()
            .await
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect::<Vec<_>>(),
        vec!["kept".to_owned()]
    );
    assert_eq!(store.load("kept").await.unwrap().unwrap().entries.len(), 0);
    assert_eq!(store.log_range("kept", 1, 2).await.unwrap().len(), 2);
}

pub(super) async fn settings_are_read_back_and_replaced(store: Arc<dyn Store>) {
    assert!(store.get_setting("server-key").await.unwrap().is_none());
    store.put_setting("server-key", &[0, 1, 255]).await.unwrap();
    store.put_setting("group/7b", b"{}").await.unwrap();
    assert_eq!(
        store.get_setting("server-key").await.unwrap().unwrap(),
        vec![0, 1, 255]
    );
    store.put_setting("server-key", b"").await.unwrap();
    assert_eq!(store.get_setting("server-key").await.unwrap().unwrap(), b"");
    assert_eq!(store.get_setting("group/7b").await.unwrap().unwrap(), b"{}");
    store.health().await.unwrap();
}

/// Runs every test of the suite against the stores `$make` builds: an
/// async fn returning the store and whatever must live as long as it.
macro_rules! conformance {
    ($make:path) => {
        conformance!(@tests $make;
            an_unknown_document_is_absent,
            the_log_reads_back_whole_and_by_range,
            a_retried_write_yields_each_entry_once,
            loading_starts_at_the_newest_checkpoint,
            checkpoints_are_listed_removed_and_counted,
            metadata_is_kept_listed_and_replaced,
            deleting_removes_log_checkpoints_and_metadata,
            settings_are_read_back_and_replaced,
        );
    };
    (@tests $make:path; $($test:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $test() {
                let (store, _keep) = $make().await;
                $crate::store::conformance::$test(store).await;
            }
        )*
    };
}

mod memory {
    use super::*;

    async fn make() -> (Arc<dyn Store>, ()) {
        (Arc::new(crate::store::MemoryStore::default()), ())
    }

    conformance!(make);
}

mod sled {
    use std::time::Duration;

    use super::*;
    use crate::store::{Durability, SledStore};

    async fn make() -> (Arc<dyn Store>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store =
            SledStore::open(dir.path(), Durability::Strict, Duration::from_secs(1)).unwrap();
        (Arc::new(store), dir)
    }

    conformance!(make);
}

mod postgres {
    use super::*;
    use crate::store::postgres::test_database::TestDatabase;

    async fn make() -> (Arc<dyn Store>, TestDatabase) {
        let db = TestDatabase::create().await;
        (Arc::new(db.store().await), db)
    }

    conformance!(make);
}
