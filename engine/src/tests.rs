//! The engine's decisions, one at a time.

use std::sync::Arc;
use std::time::Duration;

use crdt_core::protocol;
use crdt_core::session::Frame;
use yrs::{Doc, GetString, Options, Text, Transact, WriteTxn};

use super::*;

fn config() -> Config {
    Config {
        checkpoint_entries: 1000,
        checkpoint_bytes: 1 << 20,
        max_doc_bytes: 1 << 20,
        max_doc_disk_bytes: 1 << 30,
        relay_frames_per_sec: 1000,
        idle_unload: Duration::from_secs(30),
    }
}

fn at(ms: u64) -> Now {
    Now {
        at: Duration::from_millis(ms),
        wall_ms: 1_000_000 + ms,
    }
}

fn joining(conn: u64, acks: bool) -> Joining {
    Joining {
        conn,
        author: Arc::from(format!("author-{conn}")),
        name: None,
        role: None,
        read_only: false,
        acks,
    }
}

/// An update of client `client` typing `text` into the title.
fn typed(client: u64, text: &str) -> Vec<u8> {
    let doc = Doc::with_options(Options::with_client_id(yrs::ClientID::new(client)));
    let mut txn = doc.transact_mut();
    let title = txn.get_or_insert_text("title");
    title.insert(&mut txn, 0, text);
    let _ = title.get_string(&txn);
    txn.encode_update_v1()
}

fn actions(engine: &mut Engine) -> Vec<Action> {
    std::iter::from_fn(|| engine.poll_action()).collect()
}

fn engine_with(conns: &[(u64, bool)]) -> Engine {
    let mut engine = Engine::empty(config(), 1_000_000);
    for &(conn, acks) in conns {
        let joining = joining(conn, acks);
        assert!(!engine.greet(&joining).is_empty());
        engine.join(joining);
    }
    actions(&mut engine);
    engine
}

fn send(engine: &mut Engine, conn: u64, update: &[u8], now: Now) {
    let frame = Frame::read(protocol::update(update));
    engine.frame(conn, frame, now);
}

fn saved(actions: &[Action]) -> Vec<(u64, u64)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send { conn, frame } => protocol::decode_saved(frame).map(|n| (*conn, n)),
            _ => None,
        })
        .collect()
}

#[test]
fn saved_goes_out_once_a_sync_covers_the_write() {
    let mut engine = engine_with(&[(1, true)]);
    send(&mut engine, 1, &typed(11, "a"), at(0));
    engine.commit(at(0));
    let written = actions(&mut engine);
    let entries = written.iter().find_map(|a| match a {
        Action::Write(entries) => Some(entries.clone()),
        _ => None,
    });
    assert_eq!(entries.map(|e| e.len()), Some(1));
    assert!(saved(&written).is_empty(), "nothing acked before the write");
    engine.written(Ok(()), at(1));
    let syncing = actions(&mut engine);
    assert!(syncing.iter().any(|a| matches!(a, Action::Sync)));
    assert!(saved(&syncing).is_empty(), "nothing acked before the sync");
    engine.synced(Ok(()), at(2));
    assert_eq!(saved(&actions(&mut engine)), vec![(1, 1)]);
}

#[test]
fn a_failed_sync_writes_again_after_the_pause_and_acks_then() {
    let mut engine = engine_with(&[(1, true)]);
    send(&mut engine, 1, &typed(11, "a"), at(0));
    engine.commit(at(0));
    actions(&mut engine);
    engine.written(Ok(()), at(0));
    actions(&mut engine);
    engine.synced(Err("I/O error".into()), at(5));
    assert!(saved(&actions(&mut engine)).is_empty());
    assert_eq!(
        engine.unsaved_len(),
        1,
        "the entry waits to be written again"
    );
    engine.start_sync(false, at(5));
    assert!(actions(&mut engine).is_empty(), "no write during the pause");
    let after = at(5 + RETRY_AFTER.as_millis() as u64);
    engine.tick(after);
    let again = actions(&mut engine);
    let seqs: Vec<u64> = again
        .iter()
        .filter_map(|a| match a {
            Action::Write(entries) => Some(entries.iter().map(|e| e.seq)),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(seqs, vec![1], "the same seq, written again");
    engine.written(Ok(()), after);
    engine.synced(Ok(()), after);
    assert_eq!(saved(&actions(&mut engine)), vec![(1, 1)]);
}

#[test]
fn an_update_is_relayed_to_the_others_once_the_spacing_has_passed() {
    let mut engine = engine_with(&[(1, false), (2, false), (3, false)]);
    send(&mut engine, 1, &typed(11, "a"), at(0));
    engine.commit(at(0));
    engine.schedule_relay(at(0));
    // Three connections at 1000 frames a second: 3 ms apart.
    assert_eq!(engine.relay_at(), Some(Duration::from_millis(3)));
    let before: Vec<Action> = actions(&mut engine);
    assert!(!before.iter().any(|a| matches!(a, Action::Broadcast { .. })));
    engine.flush_relay(at(3));
    let relayed: Vec<Option<u64>> = actions(&mut engine)
        .into_iter()
        .filter_map(|a| match a {
            Action::Broadcast { except, .. } => Some(except),
            _ => None,
        })
        .collect();
    assert_eq!(relayed, vec![Some(1)], "to everyone but its sender");
}

#[test]
fn an_update_past_the_size_limit_closes_its_connection_and_changes_nothing() {
    let mut engine = Engine::empty(
        Config {
            max_doc_bytes: 10,
            ..config()
        },
        0,
    );
    let joining = joining(1, true);
    engine.greet(&joining);
    engine.join(joining);
    actions(&mut engine);
    send(
        &mut engine,
        1,
        &typed(11, "far too long for the limit"),
        at(0),
    );
    engine.commit(at(0));
    let done = actions(&mut engine);
    assert!(done.iter().any(|a| matches!(
        a,
        Action::Close {
            conn: 1,
            code: close::TOO_BIG,
            ..
        }
    )));
    assert_eq!(engine.revision(), 0);
    assert_eq!(engine.connections(), 0);
    let edit = engine.edit(&Arc::from("admin"), None, typed(12, "also too long"), at(1));
    assert_eq!(edit, Err(EditError::Limit(Limit::DocBytes)));
    assert_eq!(engine.revision(), 0);
}

#[test]
fn a_full_queue_closes_the_connection_as_too_slow() {
    let mut engine = engine_with(&[(1, false), (2, false)]);
    engine.send_failed(2, true, at(0));
    let closed = actions(&mut engine);
    assert!(closed.iter().any(|a| matches!(
        a,
        Action::Close {
            conn: 2,
            code: close::TRY_AGAIN,
            ..
        }
    )));
    assert_eq!(engine.connections(), 1);
}
