//! The document actor with a clock of the test's own.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use yrs::{Doc, Map, Transact, WriteTxn};

use super::{Context, Registry};
use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::store::{MemoryStore, Store};

/// A wall clock that stands still.
struct Stopped(u64);

impl Clock for Stopped {
    fn wall_ms(&self) -> u64 {
        self.0
    }
}

fn registry(store: Arc<MemoryStore>, clock: u64) -> Registry {
    Registry::new(Context {
        store,
        checkpoint_entries: 100,
        checkpoint_bytes: 1 << 20,
        max_doc_bytes: 1 << 20,
        max_doc_disk_bytes: 1 << 30,
        max_loaded_docs: 10,
        relay_frames_per_sec: 1000,
        idle_unload: Duration::from_secs(60),
        shutdown: CancellationToken::new(),
        tracker: TaskTracker::new(),
        metrics: Arc::new(Metrics::default()),
    })
    .with_clock(Arc::new(Stopped(clock)))
}

#[tokio::test]
async fn entries_and_metadata_are_stamped_by_the_registrys_clock() {
    let store = Arc::new(MemoryStore::default());
    let registry = registry(store.clone(), 1_234_567);
    let update = {
        let doc = Doc::new();
        let mut txn = doc.transact_mut();
        txn.get_or_insert_map("meta")
            .insert(&mut txn, "title", "Stamped");
        txn.encode_update_v1()
    };
    let revision = registry
        .edit("stamped", Arc::from("alice"), None, update)
        .await
        .expect("the edit is stored");
    assert_eq!(revision, 1);
    let stored = store.load("stamped").await.unwrap().expect("stored");
    assert_eq!(stored.entries.len(), 1);
    assert_eq!(stored.entries[0].ts, 1_234_567);
    let meta = store.get_meta("stamped").await.unwrap().expect("metadata");
    assert_eq!((meta.created, meta.updated), (1_234_567, 1_234_567));
    assert_eq!(meta.title, "Stamped");
}
