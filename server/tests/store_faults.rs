//! Storage faults injected through the Store trait: nothing is acknowledged
//! that was not stored, and the server recovers when the fault clears.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Served, Typist, greeted, next_saved, next_update, saved_before_answer};
use futures_util::SinkExt;
use quire_server::store::{
    Checkpoint, CheckpointInfo, DocMeta, LogEntry, MemoryStore, Store, StoreError, Stored, Usage,
};

#[tokio::test]
async fn no_saved_while_the_store_fails_and_recovery_after() {
    let store = Arc::new(MemoryStore::default());
    let server = Served::with_store(store.clone()).await;

    let url = format!("{}?acks=1", server.url("faulty"));
    let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let typist = Typist::new();

    socket.send(typist.type_text("first")).await.unwrap();
    assert_eq!(
        next_saved(&mut socket, Duration::from_secs(3)).await,
        Some(1)
    );

    store.set_failing(true);
    socket.send(typist.type_text(" second")).await.unwrap();
    assert_eq!(
        next_saved(&mut socket, Duration::from_millis(1500)).await,
        None,
        "nothing acknowledged while the store fails"
    );
    assert!(store.load("faulty").await.unwrap().unwrap().entries.len() == 1);

    store.set_failing(false);
    assert_eq!(
        next_saved(&mut socket, Duration::from_secs(5)).await,
        Some(2),
        "retried once the fault cleared"
    );
    let stored = store.load("faulty").await.unwrap().unwrap();
    assert_eq!(stored.entries.len(), 2);

    server.stop().await;
}

/// A memory store whose syncs wait for a permit, and fail while `fail` is set.
struct GatedStore {
    inner: MemoryStore,
    permits: tokio::sync::Semaphore,
    fail: std::sync::atomic::AtomicBool,
    syncs: std::sync::atomic::AtomicUsize,
}

impl Default for GatedStore {
    fn default() -> Self {
        Self {
            inner: MemoryStore::default(),
            permits: tokio::sync::Semaphore::new(0),
            fail: Default::default(),
            syncs: Default::default(),
        }
    }
}

/// Waits until `count` syncs have started.
async fn wait_for_syncs(store: &GatedStore, count: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while store.syncs.load(std::sync::atomic::Ordering::SeqCst) < count {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{count} syncs never started"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[async_trait::async_trait]
impl Store for GatedStore {
    async fn load(&self, doc: &str) -> Result<Option<Stored>, StoreError> {
        self.inner.load(doc).await
    }
    async fn write(&self, doc: &str, entries: &[LogEntry]) -> Result<(), StoreError> {
        self.inner.write(doc, entries).await
    }
    async fn sync(&self) -> Result<(), StoreError> {
        self.syncs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.permits.acquire().await.unwrap().forget();
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(StoreError::Backend("injected sync failure".into()));
        }
        self.inner.sync().await
    }
    async fn checkpoint(&self, doc: &str, checkpoint: &Checkpoint) -> Result<(), StoreError> {
        self.inner.checkpoint(doc, checkpoint).await
    }
    async fn checkpoints(&self, doc: &str) -> Result<Vec<CheckpointInfo>, StoreError> {
        self.inner.checkpoints(doc).await
    }
    async fn remove_checkpoints(&self, doc: &str, seqs: &[u64]) -> Result<(), StoreError> {
        self.inner.remove_checkpoints(doc, seqs).await
    }
    async fn usage(&self, doc: &str) -> Result<Usage, StoreError> {
        self.inner.usage(doc).await
    }
    async fn checkpoint_at(&self, doc: &str, seq: u64) -> Result<Option<Checkpoint>, StoreError> {
        self.inner.checkpoint_at(doc, seq).await
    }
    async fn log_range(&self, doc: &str, from: u64, to: u64) -> Result<Vec<LogEntry>, StoreError> {
        self.inner.log_range(doc, from, to).await
    }
    async fn put_meta(&self, doc: &str, meta: &DocMeta) -> Result<(), StoreError> {
        self.inner.put_meta(doc, meta).await
    }
    async fn get_meta(&self, doc: &str) -> Result<Option<DocMeta>, StoreError> {
        self.inner.get_meta(doc).await
    }
    async fn list_meta(&self) -> Result<Vec<(String, DocMeta)>, StoreError> {
        self.inner.list_meta().await
    }
    async fn delete(&self, doc: &str) -> Result<(), StoreError> {
        self.inner.delete(doc).await
    }
    async fn get_setting(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get_setting(key).await
    }
    async fn put_setting(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.inner.put_setting(key, value).await
    }
}

#[tokio::test]
async fn updates_are_applied_and_relayed_while_a_sync_is_in_flight() {
    let store = Arc::new(GatedStore::default());
    let server = Served::with_store(store.clone()).await;
    let url = server.url("gated");
    let (mut writer, _) = tokio_tungstenite::connect_async(format!("{url}?acks=1"))
        .await
        .unwrap();
    let (mut reader, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    // Both are joined once each has been greeted.
    greeted(&mut writer).await;
    greeted(&mut reader).await;
    let typist = Typist::new();

    // The first sync is held: the update is relayed, not acknowledged.
    writer.send(typist.type_text("one")).await.unwrap();
    assert!(
        next_update(&mut reader, Duration::from_secs(30))
            .await
            .is_some()
    );
    wait_for_syncs(&store, 1).await;
    assert_eq!(saved_before_answer(&mut writer).await, None);
    // The document's task is not waiting for the disk: the next update is
    // applied and relayed while the first sync is still in flight.
    writer.send(typist.type_text(" two")).await.unwrap();
    assert!(
        next_update(&mut reader, Duration::from_secs(30))
            .await
            .is_some(),
        "relayed while the sync is in flight"
    );
    assert_eq!(saved_before_answer(&mut writer).await, None);
    store.permits.add_permits(2);
    let mut saved = 0;
    while saved < 2 {
        saved = next_saved(&mut writer, Duration::from_secs(30))
            .await
            .expect("acknowledged once durable");
    }

    // A failed sync acknowledges nothing; its entries are written again.
    store.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    let before = store.syncs.load(std::sync::atomic::Ordering::SeqCst);
    store.permits.add_permits(1);
    writer.send(typist.type_text(" three")).await.unwrap();
    // The sync fails, and its retry waits for a permit.
    wait_for_syncs(&store, before + 2).await;
    assert_eq!(saved_before_answer(&mut writer).await, None);
    store.fail.store(false, std::sync::atomic::Ordering::SeqCst);
    store.permits.add_permits(100);
    assert_eq!(
        next_saved(&mut writer, Duration::from_secs(5)).await,
        Some(3)
    );
    let entries = store.load("gated").await.unwrap().unwrap().entries;
    let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);

    server.stop().await;
}

#[tokio::test]
async fn only_an_acknowledgement_waits_for_a_sync() {
    use std::sync::atomic::Ordering::SeqCst;
    let store = Arc::new(GatedStore::default());
    let server = Served::with_store(store.clone()).await;
    let url = server.url("lazy");
    let (mut plain, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let (mut acked, _) = tokio_tungstenite::connect_async(format!("{url}?acks=1"))
        .await
        .unwrap();
    let typist = Typist::new();

    // A client that asked for no acknowledgement: its update is written to
    // the store, and nothing waits for the disk.
    plain.send(typist.type_text("plain")).await.unwrap();
    assert!(
        next_update(&mut acked, Duration::from_secs(3))
            .await
            .is_some()
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while store.inner.load("lazy").await.unwrap().is_none() {
        assert!(tokio::time::Instant::now() < deadline, "never written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(store.syncs.load(SeqCst), 0);

    // One that asked: its Saved waits for a sync, which covers both.
    acked.send(typist.type_text(" acked")).await.unwrap();
    wait_for_syncs(&store, 1).await;
    assert_eq!(saved_before_answer(&mut acked).await, None);
    assert_eq!(store.syncs.load(SeqCst), 1);
    store.permits.add_permits(100);
    assert_eq!(
        next_saved(&mut acked, Duration::from_secs(3)).await,
        Some(1)
    );
    let entries = store.load("lazy").await.unwrap().unwrap().entries;
    assert_eq!(entries.len(), 2);

    server.stop().await;
    let _ = plain.close(None).await;
}
