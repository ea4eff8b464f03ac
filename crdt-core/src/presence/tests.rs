//! Tests of [`super::Presence`].

use super::*;
use crate::protocol::Inbound;

fn update(client: u64, clock: u32, json: &str) -> Vec<u8> {
    let mut clients = HashMap::new();
    clients.insert(
        ClientID::new(client),
        AwarenessUpdateEntry {
            clock,
            json: Arc::from(json),
        },
    );
    AwarenessUpdate { clients }.encode_v1()
}

fn decode(frame: &[u8]) -> AwarenessUpdate {
    match protocol::decode(frame).unwrap() {
        Inbound::Awareness(p) => AwarenessUpdate::decode_v1(p).unwrap(),
        other => panic!("{other:?}"),
    }
}

const NO_STAMP: &Stamp = &Stamp {
    name: None,
    role: None,
    color: None,
};

/// Connection `conn` of author `a{conn}`.
fn from(conn: ConnId) -> Sender<'static> {
    let author: &'static str = Box::leak(format!("a{conn}").into_boxed_str());
    Sender {
        conn,
        author,
        stamp: NO_STAMP,
    }
}

fn apply(presence: &mut Presence, conn: ConnId, payload: &[u8], now: Millis) -> Result<Applied> {
    presence.apply(from(conn), payload, now, &ClientBindings::default())
}

#[test]
fn relays_snapshots_and_removes_on_leave() {
    let mut presence = Presence::default();
    apply(&mut presence, 1, &update(10, 1, r#"{"user":"a"}"#), 0).unwrap();
    apply(&mut presence, 2, &update(20, 1, r#"{"user":"b"}"#), 0).unwrap();
    assert_eq!(presence.len(), 2);
    assert_eq!(decode(&presence.snapshot().unwrap()).clients.len(), 2);
    presence.take_changes();
    assert!(presence.leave(1, 0));
    let changes = presence.take_changes();
    let removal = decode(changes.all.as_ref().unwrap());
    let entry = &removal.clients[&ClientID::new(10)];
    assert_eq!((entry.clock, &*entry.json), (2, "null"));
    assert_eq!(presence.len(), 1);
    assert!(!presence.leave(1, 0));
}

#[test]
fn changes_are_coalesced_and_never_echoed_to_their_sender() {
    let mut presence = Presence::default();
    let changes = presence.take_changes();
    assert!(
        changes.all.is_none() && changes.holders.is_empty(),
        "nothing changed"
    );
    apply(&mut presence, 1, &update(10, 1, r#"{"c":1}"#), 0).unwrap();
    apply(&mut presence, 1, &update(10, 2, r#"{"c":2}"#), 0).unwrap();
    apply(&mut presence, 2, &update(20, 7, r#"{"u":"b"}"#), 0).unwrap();
    // An older state of client 20: the current one is relayed.
    apply(&mut presence, 2, &update(20, 6, r#"{"u":"old"}"#), 0).unwrap();
    let changes = presence.take_changes();
    let frame = decode(changes.all.as_ref().unwrap());
    assert_eq!(frame.clients.len(), 2, "one entry per client");
    let (a, b) = (
        &frame.clients[&ClientID::new(10)],
        &frame.clients[&ClientID::new(20)],
    );
    assert_eq!(a.clock, 2);
    assert_eq!((b.clock, &*b.json), (7, r#"{"u":"b","user":{}}"#));
    // Connection 1 gets only client 20's state, connection 2 only 10's.
    let to_1 = decode(changes.frame_for(1).unwrap());
    assert_eq!(
        to_1.clients.keys().map(|c| c.get()).collect::<Vec<_>>(),
        [20]
    );
    let to_2 = decode(changes.frame_for(2).unwrap());
    assert_eq!(
        to_2.clients.keys().map(|c| c.get()).collect::<Vec<_>>(),
        [10]
    );
    assert!(decode(changes.frame_for(3).unwrap()).clients.len() == 2);
    let taken = presence.take_changes();
    assert!(taken.all.is_none(), "taken");
    // A lone sender is sent nothing back.
    apply(&mut presence, 1, &update(10, 3, "null"), 0).unwrap();
    let changes = presence.take_changes();
    assert!(changes.frame_for(1).is_none());
    let a = &decode(changes.frame_for(2).unwrap()).clients[&ClientID::new(10)];
    assert_eq!((a.clock, &*a.json), (3, "null"));
    // Nor in answer to QueryAwareness.
    assert!(presence.snapshot_for(Some(2)).is_none());
}

#[test]
fn expires_states_not_renewed() {
    let mut presence = Presence::default();
    apply(&mut presence, 1, &update(10, 1, "{}"), 0).unwrap();
    apply(&mut presence, 1, &update(11, 1, "{}"), 20_000).unwrap();
    presence.take_changes();
    assert!(!presence.expire(29_999));
    assert!(presence.expire(30_000));
    let removed = decode(presence.take_changes().all.as_ref().unwrap());
    assert_eq!(removed.clients.len(), 1);
    assert!(removed.clients.contains_key(&ClientID::new(10)));
    apply(&mut presence, 1, &update(11, 1, "{}"), 40_000).unwrap();
    assert!(!presence.expire(60_000), "renewed at 40s");
}

#[test]
fn older_clocks_do_not_overwrite() {
    let mut presence = Presence::default();
    apply(&mut presence, 1, &update(10, 5, r#"{"v":5}"#), 0).unwrap();
    apply(&mut presence, 1, &update(10, 4, r#"{"v":4}"#), 0).unwrap();
    let snap = decode(&presence.snapshot().unwrap());
    assert_eq!(
        &*snap.clients[&ClientID::new(10)].json,
        r#"{"user":{},"v":5}"#
    );
}

#[test]
fn refuses_invalid_json_and_truncation() {
    let mut presence = Presence::default();
    assert!(apply(&mut presence, 1, &update(10, 1, "{nope"), 0).is_err());
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    assert!(apply(&mut presence, 1, &update(10, 1, &deep), 0).is_err());
    let mut bytes = update(10, 1, "{}");
    bytes.pop();
    assert!(apply(&mut presence, 1, &bytes, 0).is_err());
    // invalid UTF-8 in the state string
    assert!(apply(&mut presence, 1, &[1, 10, 1, 2, 0xff, 0xfe], 0).is_err());
    assert!(presence.is_empty());
}

#[test]
fn refuses_large_states_and_other_peoples_client_ids() {
    let mut presence = Presence::default();
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(MAX_STATE_BYTES));
    let err = apply(&mut presence, 1, &update(10, 1, &big), 0).unwrap_err();
    assert!(matches!(err, Error::AwarenessRefused(_)), "{err}");
    assert!(presence.is_empty());

    apply(
        &mut presence,
        1,
        &update(10, 1, r#"{"user":{"name":"Ada"}}"#),
        0,
    )
    .unwrap();
    presence.take_changes();
    // Another author's connection cannot overwrite client 10: the entry
    // is dropped, counted, and the rest of the message applies.
    let mut clients = HashMap::new();
    for (client, json) in [(10, r#"{"user":{"name":"Spoof"}}"#), (20, "{}")] {
        let json = Arc::from(json);
        clients.insert(
            ClientID::new(client),
            AwarenessUpdateEntry { clock: 9, json },
        );
    }
    let both = AwarenessUpdate { clients }.encode_v1();
    let applied = apply(&mut presence, 2, &both, 0).unwrap();
    assert_eq!(applied.dropped, 1);
    let changes = presence.take_changes();
    let relayed = decode(changes.all.as_ref().unwrap());
    assert_eq!(
        relayed.clients.keys().map(|c| c.get()).collect::<Vec<_>>(),
        [20]
    );
    // A stock client sends back what it was sent: ignored, not counted.
    let echo = update(10, 1, r#"{"user":{"name":"Ada"}}"#);
    assert_eq!(
        apply(&mut presence, 2, &echo, 0).unwrap(),
        Applied::default()
    );
    assert!(presence.take_changes().all.is_none(), "nothing changed");
    // Nor a client id that another author wrote with.
    let mut bindings = ClientBindings::default();
    bindings.bind(&[30], &Arc::from("a1"));
    let applied = presence
        .apply(from(2), &update(30, 1, "{}"), 0, &bindings)
        .unwrap();
    assert_eq!(applied.dropped, 1);
    // The same author's new connection takes client 10 over (a reconnection).
    let again = Sender {
        conn: 3,
        author: "a1",
        stamp: NO_STAMP,
    };
    presence
        .apply(again, &update(10, 2, "{}"), 0, &ClientBindings::default())
        .unwrap();
    assert!(!presence.leave(1, 0), "client 10 moved to connection 3");
    assert!(presence.leave(3, 0));
    // A connection holds a bounded number of client ids.
    for client in 40..40 + MAX_CLIENTS_PER_CONN as u64 {
        apply(&mut presence, 4, &update(client, 1, "{}"), 0).unwrap();
    }
    let err = apply(&mut presence, 4, &update(99, 1, "{}"), 0).unwrap_err();
    assert!(matches!(err, Error::AwarenessRefused(_)), "{err}");
    // Once it left, its client ids are free.
    presence.leave(4, 0);
    let applied = apply(&mut presence, 5, &update(40, 3, "{}"), 0).unwrap();
    assert_eq!(applied.dropped, 0);
    assert_eq!(presence.len(), 2, "clients 20 and 40");
}

#[test]
fn the_server_stamps_name_role_and_colour() {
    let mut presence = Presence::default();
    let member = Stamp {
        name: Some("Ada Lovelace".into()),
        role: Some("editor".into()),
        color: Some("#1f77b4".into()),
    };
    let sender = Sender {
        conn: 1,
        author: "m1",
        stamp: &member,
    };
    let named = presence
        .apply(
            sender,
            &update(10, 1, r##"{"user":{"name":"Ms Teacher","role":"teacher","color":"#000000"},"cursor":null}"##),
            0,
            &ClientBindings::default(),
        )
        .unwrap();
    assert_eq!(named.name, None, "a member's name is not theirs to choose");
    let state: serde_json::Value = serde_json::from_str(
        &decode(&presence.snapshot().unwrap()).clients[&ClientID::new(10)].json,
    )
    .unwrap();
    assert_eq!(
        state["user"],
        serde_json::json!({"name": "Ada Lovelace", "role": "editor", "color": "#1f77b4"})
    );
    // In open mode the name is the client's own, cleaned, and reported.
    let open = Stamp {
        color: Some("#d62728".into()),
        ..Stamp::default()
    };
    let sender = Sender {
        conn: 2,
        author: "a2",
        stamp: &open,
    };
    let named = presence
        .apply(
            sender,
            &update(20, 1, r#"{"user":{"name":"  Bo\u0007 ","role":"teacher"}}"#),
            0,
            &ClientBindings::default(),
        )
        .unwrap();
    assert_eq!(named.name.as_deref(), Some("Bo"));
    let state: serde_json::Value = serde_json::from_str(
        &decode(&presence.snapshot().unwrap()).clients[&ClientID::new(20)].json,
    )
    .unwrap();
    assert_eq!(
        state["user"],
        serde_json::json!({"name": "Bo", "color": "#d62728"})
    );
}
