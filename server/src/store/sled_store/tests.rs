use bytes::Bytes;
use crdt_core::authorship::Applied;

use super::*;
use crate::store::codec::{RECORD_BYTES, key};
use crate::store::stored_len;

fn entry(seq: u64, update: &[u8]) -> LogEntry {
    LogEntry {
        seq,
        ts: 1_700_000_000_000 + seq,
        author: "a".into(),
        applied: Applied::default(),
        update: Bytes::copy_from_slice(update),
    }
}

fn seqs(entries: &[LogEntry]) -> Vec<u64> {
    entries.iter().map(|e| e.seq).collect()
}

#[tokio::test]
async fn ranges_read_across_records_of_several_entries() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), Durability::Strict, Duration::from_secs(1)).unwrap();
    store.append("d", &[entry(1, b"x")]).await.unwrap();
    let tick: Vec<_> = (2..=6).map(|s| entry(s, &[s as u8])).collect();
    store.append("d", &tick).await.unwrap();
    store
        .append("d", &[entry(7, b"y"), entry(8, b"z")])
        .await
        .unwrap();
    store.append("other", &[entry(1, b"o")]).await.unwrap();
    assert_eq!(
        store.current().unwrap().log.len(),
        4,
        "one record per append"
    );
    assert_eq!(
        seqs(&store.log_range("d", 1, 8).await.unwrap()),
        (1..=8).collect::<Vec<_>>()
    );
    assert_eq!(seqs(&store.log_range("d", 3, 4).await.unwrap()), vec![3, 4]);
    assert_eq!(seqs(&store.log_range("d", 6, 7).await.unwrap()), vec![6, 7]);
    assert_eq!(
        store.log_range("d", 4, 4).await.unwrap()[0].update,
        Bytes::from_static(&[4])
    );
    assert!(store.log_range("d", 9, 20).await.unwrap().is_empty());
    assert_eq!(
        seqs(&store.load("d").await.unwrap().unwrap().entries),
        (1..=8).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_retried_append_overlapping_an_earlier_record_yields_each_entry_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), Durability::Relaxed, Duration::from_secs(1)).unwrap();
    store
        .append("d", &[entry(1, b"a"), entry(2, b"b")])
        .await
        .unwrap();
    // As when the flush after the first attempt failed and the actor
    // retried with everything still unsaved.
    let retry: Vec<_> = (1..=4).map(|s| entry(s, &[s as u8])).collect();
    store.append("d", &retry).await.unwrap();
    assert_eq!(
        seqs(&store.log_range("d", 1, 4).await.unwrap()),
        vec![1, 2, 3, 4]
    );
    assert_eq!(seqs(&store.log_range("d", 2, 3).await.unwrap()), vec![2, 3]);
}

#[tokio::test]
async fn large_ticks_are_split_into_records_of_bounded_size() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), Durability::Relaxed, Duration::from_secs(1)).unwrap();
    let big = vec![7u8; RECORD_BYTES / 3 + 1];
    let tick: Vec<_> = (1..=7).map(|s| entry(s, &big)).collect();
    store.append("d", &tick).await.unwrap();
    assert_eq!(
        store.current().unwrap().log.len(),
        4,
        "two entries per record, then one"
    );
    let read = store.log_range("d", 1, 7).await.unwrap();
    assert_eq!(seqs(&read), (1..=7).collect::<Vec<_>>());
    assert!(read.iter().all(|e| e.update.len() == big.len()));
}

#[tokio::test]
async fn records_of_one_entry_from_older_versions_are_read_with_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), Durability::Relaxed, Duration::from_secs(1)).unwrap();
    // The layout of a log record before records held several entries.
    let mut old = Vec::new();
    old.extend_from_slice(&1_700_000_000_000u64.to_be_bytes());
    old.extend_from_slice(&[0, 0, 0, 2, 0, 0, 0, 0, 0, 1, b'a', 9, 9]);
    store
        .current()
        .unwrap()
        .log
        .insert(key("d", 1), old)
        .unwrap();
    store
        .append("d", &[entry(2, b"b"), entry(3, b"c")])
        .await
        .unwrap();
    let read = store.log_range("d", 1, 3).await.unwrap();
    assert_eq!(seqs(&read), vec![1, 2, 3]);
    assert_eq!(read[0].update, Bytes::from_static(&[9, 9]));
    assert_eq!(read[0].applied.inserted, 2);
}

fn checkpoint(seq: u64, state: &[u8], log_bytes: u64) -> Checkpoint {
    Checkpoint {
        seq,
        state: state.to_vec(),
        bindings: Default::default(),
        stats: Default::default(),
        log_bytes,
    }
}

#[tokio::test]
async fn checkpoints_are_listed_by_size_removed_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path(), Durability::Strict, Duration::from_secs(1)).unwrap();
    let entries: Vec<_> = (1..=6).map(|s| entry(s, &[s as u8; 10])).collect();
    store.append("d", &entries).await.unwrap();
    store.append("e", &[entry(1, b"other")]).await.unwrap();
    for seq in [2, 4, 6] {
        store
            .checkpoint(
                "d",
                &checkpoint(seq, &vec![7; 100 * seq as usize], seq * 33),
            )
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
    assert_eq!(usage.log_bytes, log + 5, "one record of six entries");

    store.remove_checkpoints("d", &[2, 4]).await.unwrap();
    assert_eq!(store.checkpoints("d").await.unwrap(), vec![infos[2]]);
    assert!(store.checkpoint_at("d", 5).await.unwrap().is_none());
    assert_eq!(
        store
            .checkpoint_at("d", 6)
            .await
            .unwrap()
            .unwrap()
            .log_bytes,
        198
    );
    assert_eq!(
        seqs(&store.log_range("d", 1, 6).await.unwrap()),
        (1..=6).collect::<Vec<_>>(),
        "the log is whole"
    );
    assert!(store.checkpoints("e").await.unwrap().is_empty());
    store.delete("d").await.unwrap();
    assert!(store.checkpoints("d").await.unwrap().is_empty());
    assert_eq!(store.usage("d").await.unwrap(), Usage::default());
}
