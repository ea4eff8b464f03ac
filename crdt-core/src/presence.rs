//! Awareness (who is here, cursors) with the expiry that yrs' `Awareness`
//! lacks, on a clock the caller passes in.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use bytes::Bytes;
use yrs::ClientID;
use yrs::sync::awareness::{AwarenessUpdate, AwarenessUpdateEntry};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;

use crate::document::ClientBindings;
use crate::error::{Error, Result};
use crate::protocol;

/// Milliseconds on the caller's clock.
pub type Millis = u64;

/// A connection's id within a room.
pub type ConnId = u64;

/// States not renewed for this long are removed (y-protocols' outdated timeout).
pub const AWARENESS_TIMEOUT_MS: Millis = 30_000;

/// The largest awareness state accepted, in bytes of JSON: a name, a colour
/// and a cursor take a few hundred.
pub const MAX_STATE_BYTES: usize = 4096;

/// The most Yjs client ids one connection may hold awareness states for (a
/// client that reloads its document may use a new one).
pub const MAX_CLIENTS_PER_CONN: usize = 4;

/// The longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// A display name: trimmed, without control characters, at most
/// [`MAX_NAME_CHARS`] characters; `None` when nothing is left.
pub fn clean_name(name: &str) -> Option<String> {
    let name: String = name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let name = name.trim().to_owned();
    (!name.is_empty()).then_some(name)
}

/// What the server vouches for in the `user` field of a connection's
/// awareness states, written over whatever the client put there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stamp {
    /// The name, when it is the server's to decide (a group member's);
    /// `None` leaves the client's own `user.name`.
    pub name: Option<String>,
    /// The role shown beside the name (a group member's).
    pub role: Option<String>,
    /// The author's colour.
    pub color: Option<String>,
}

/// Who sends an awareness update.
#[derive(Debug, Clone, Copy)]
pub struct Sender<'a> {
    /// The connection.
    pub conn: ConnId,
    /// The author the connection writes as.
    pub author: &'a str,
    /// What the server writes into its states.
    pub stamp: &'a Stamp,
}

#[derive(Debug)]
struct PeerState {
    clock: u32,
    json: Option<Arc<str>>,
    updated: Millis,
    /// The connection that holds the client id; `None` once it left.
    owner: Option<ConnId>,
    author: Arc<str>,
}

/// The awareness states of every client in a room.
#[derive(Debug, Default)]
pub struct Presence {
    peers: HashMap<u64, PeerState>,
    /// The client ids each open connection holds.
    held: HashMap<ConnId, Vec<u64>>,
    /// Clients whose state changed since [`Presence::take_changes`].
    changed: BTreeSet<u64>,
}

/// What an awareness update did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The name the sender gave itself in its newest state, when its
    /// [`Stamp`] leaves the name to it.
    pub name: Option<String>,
    /// Entries dropped for speaking for another author's or connection's
    /// client id.
    pub dropped: usize,
}

/// Awareness changes to relay: each connection is sent the others' states,
/// never its own.
#[derive(Debug, Default)]
pub struct Changes {
    /// The frame for every connection that holds none of the changed states.
    pub all: Option<Bytes>,
    /// For each connection that holds some of them, the frame of the rest
    /// (`None` when there is no rest).
    pub holders: Vec<(ConnId, Option<Bytes>)>,
}

impl Changes {
    /// The frame for connection `conn`, if any.
    pub fn frame_for(&self, conn: ConnId) -> Option<&Bytes> {
        match self.holders.iter().find(|(c, _)| *c == conn) {
            Some((_, frame)) => frame.as_ref(),
            None => self.all.as_ref(),
        }
    }
}

fn holder_is(peer: Option<&PeerState>, conn: ConnId) -> bool {
    peer.is_some_and(|p| p.owner == Some(conn))
}

/// Writes `stamp` into the `user` object of a state; returns the state and
/// the client's own `user.name`, cleaned, when the stamp leaves it.
fn stamped(mut state: serde_json::Value, stamp: &Stamp) -> (String, Option<String>) {
    let mut own_name = None;
    if let serde_json::Value::Object(fields) = &mut state {
        let user = fields
            .entry("user")
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
        if !user.is_object() {
            *user = serde_json::Value::Object(Default::default());
        }
        let user = user.as_object_mut().expect("an object");
        match &stamp.name {
            Some(name) => {
                user.insert("name".into(), name.clone().into());
            }
            None => {
                own_name = user
                    .get("name")
                    .and_then(|n| n.as_str())
                    .and_then(clean_name);
                match &own_name {
                    Some(name) => user.insert("name".into(), name.clone().into()),
                    None => user.remove("name"),
                };
            }
        }
        match &stamp.role {
            Some(role) => user.insert("role".into(), role.clone().into()),
            None => user.remove("role"),
        };
        if let Some(color) = &stamp.color {
            user.insert("color".into(), color.clone().into());
        }
    }
    (state.to_string(), own_name)
}

impl Presence {
    /// Applies an awareness update from `sender`; what changed is relayed by
    /// [`Presence::take_changes`].
    ///
    /// Stock clients (y-websocket) send back every state they receive, so
    /// entries that would change nothing (an older or repeated clock) are
    /// ignored, and entries for a client id that the sender does not hold
    /// are dropped and counted: one that another author wrote with
    /// (`bindings`), or whose state another author's connection holds. A
    /// connection holds the client ids it announced first; one held by
    /// another connection of the same author passes to it (a reconnection
    /// whose old connection has not closed yet).
    ///
    /// Refused, changing nothing: a malformed update, a state of the sender
    /// over [`MAX_STATE_BYTES`], and more than [`MAX_CLIENTS_PER_CONN`]
    /// client ids held by one connection.
    pub fn apply(
        &mut self,
        sender: Sender<'_>,
        payload: &[u8],
        now: Millis,
        bindings: &ClientBindings,
    ) -> Result<Applied> {
        crate::validate::scan_awareness_v1(payload)
            .map_err(|e| Error::MalformedAwareness(e.to_string()))?;
        let update = AwarenessUpdate::decode_v1(payload)
            .map_err(|e| Error::MalformedAwareness(e.to_string()))?;
        let held = self.held.get(&sender.conn).map_or(&[][..], Vec::as_slice);
        let mut applied = Applied::default();
        let mut new_clients = 0;
        let mut states = Vec::with_capacity(update.clients.len());
        for (client, entry) in update.clients {
            let client = client.get();
            let null = entry.json.as_ref() == "null";
            let peer = self.peers.get(&client);
            let stale = peer.is_some_and(|peer| {
                peer.clock > entry.clock
                    || (peer.clock == entry.clock && (!null || peer.json.is_none()))
            });
            if stale {
                if holder_is(peer, sender.conn) {
                    states.push((client, None, None));
                }
                continue;
            }
            let holder = peer.and_then(|p| p.owner);
            let others = bindings
                .owner(client)
                .is_some_and(|owner| &**owner != sender.author)
                || peer.is_some_and(|p| {
                    p.owner.is_some_and(|o| o != sender.conn) && &*p.author != sender.author
                });
            if others || (null && holder != Some(sender.conn)) {
                applied.dropped += 1;
                continue;
            }
            let json = if null {
                None
            } else {
                if entry.json.len() > MAX_STATE_BYTES {
                    return Err(Error::AwarenessRefused(format!(
                        "the state of client {client} is {} bytes, over {MAX_STATE_BYTES}",
                        entry.json.len()
                    )));
                }
                let value = serde_json::from_str::<serde_json::Value>(&entry.json)
                    .map_err(|e| Error::MalformedAwareness(format!("client {client}: {e}")))?;
                Some(value)
            };
            if !held.contains(&client) {
                new_clients += 1;
                if held.len() + new_clients > MAX_CLIENTS_PER_CONN {
                    return Err(Error::AwarenessRefused(format!(
                        "more than {MAX_CLIENTS_PER_CONN} client ids on one connection"
                    )));
                }
            }
            states.push((client, Some(entry.clock), json));
        }
        for (client, clock, json) in states {
            let Some(clock) = clock else {
                // A repeated state of the sender's own: it is still here.
                if let Some(peer) = self.peers.get_mut(&client) {
                    peer.updated = now;
                }
                continue;
            };
            self.hold(sender.conn, client);
            self.changed.insert(client);
            let json = json.map(|value| {
                let (json, name) = stamped(value, sender.stamp);
                applied.name = name.or(applied.name.take());
                Arc::<str>::from(json)
            });
            let peer = self.peers.entry(client).or_insert_with(|| PeerState {
                clock,
                json: None,
                updated: now,
                owner: Some(sender.conn),
                author: Arc::from(sender.author),
            });
            peer.clock = clock;
            peer.json = json;
            peer.updated = now;
            peer.owner = Some(sender.conn);
            if &*peer.author != sender.author {
                peer.author = Arc::from(sender.author);
            }
        }
        Ok(applied)
    }

    /// Moves `client` to connection `conn`.
    fn hold(&mut self, conn: ConnId, client: u64) {
        if let Some(previous) = self.peers.get(&client).and_then(|p| p.owner)
            && previous != conn
            && let Some(list) = self.held.get_mut(&previous)
        {
            list.retain(|c| *c != client);
        }
        let list = self.held.entry(conn).or_default();
        if !list.contains(&client) {
            list.push(client);
        }
    }

    /// The changes since the last call, to relay: each connection gets the
    /// current state of every client whose state changed (removed ones as
    /// `null`) except its own. Taken once per relay interval, it relays the
    /// newest state of each client once, however often it changed.
    pub fn take_changes(&mut self) -> Changes {
        let changed = std::mem::take(&mut self.changed);
        let entries: Vec<(u64, u32, Arc<str>, Option<ConnId>)> = changed
            .into_iter()
            .filter_map(|client| {
                let peer = self.peers.get(&client)?;
                let json = peer.json.clone().unwrap_or_else(|| Arc::from("null"));
                Some((client, peer.clock, json, peer.owner))
            })
            .collect();
        let mut holders: Vec<ConnId> = entries.iter().filter_map(|e| e.3).collect();
        holders.sort_unstable();
        holders.dedup();
        let all = frame(entries.iter().map(|(c, k, j, _)| (*c, *k, j.clone())));
        let holders = holders
            .into_iter()
            .map(|conn| {
                let rest = entries
                    .iter()
                    .filter(|e| e.3 != Some(conn))
                    .map(|(c, k, j, _)| (*c, *k, j.clone()));
                (conn, frame(rest))
            })
            .collect();
        Changes { all, holders }
    }

    /// Every live state as one awareness frame, or `None` when nobody is here.
    pub fn snapshot(&self) -> Option<Bytes> {
        self.snapshot_for(None)
    }

    /// Every live state but those `conn` holds, as one frame.
    pub fn snapshot_for(&self, conn: Option<ConnId>) -> Option<Bytes> {
        frame(self.peers.iter().filter_map(|(client, peer)| {
            if conn.is_some() && peer.owner == conn {
                return None;
            }
            Some((*client, peer.clock, peer.json.clone()?))
        }))
    }

    /// Removes the states of a connection that closed; whether any went
    /// (relayed by [`Presence::take_changes`]).
    pub fn leave(&mut self, owner: ConnId, now: Millis) -> bool {
        self.held.remove(&owner);
        let removed = self.remove_where(now, |peer| peer.owner == Some(owner));
        for peer in self.peers.values_mut() {
            if peer.owner == Some(owner) {
                peer.owner = None;
            }
        }
        removed
    }

    /// Removes states not renewed within [`AWARENESS_TIMEOUT_MS`]; whether
    /// any went (relayed by [`Presence::take_changes`]).
    pub fn expire(&mut self, now: Millis) -> bool {
        // Tombstones keep a removed client's clock so that a delayed older
        // state cannot resurrect it; they are dropped after two timeouts.
        let held = &mut self.held;
        self.peers.retain(|client, p| {
            let keep = p.json.is_some() || now.saturating_sub(p.updated) < 2 * AWARENESS_TIMEOUT_MS;
            if !keep && let Some(list) = p.owner.and_then(|o| held.get_mut(&o)) {
                list.retain(|c| c != client);
            }
            keep
        });
        self.remove_where(now, |peer| {
            now.saturating_sub(peer.updated) >= AWARENESS_TIMEOUT_MS
        })
    }

    /// Number of clients with a live state.
    pub fn len(&self) -> usize {
        self.peers.values().filter(|p| p.json.is_some()).count()
    }

    /// Whether no client has a live state.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn remove_where(&mut self, now: Millis, pred: impl Fn(&PeerState) -> bool) -> bool {
        let mut any = false;
        for (client, peer) in self
            .peers
            .iter_mut()
            .filter(|(_, p)| p.json.is_some() && pred(p))
        {
            peer.clock = peer.clock.wrapping_add(1);
            peer.json = None;
            peer.updated = now;
            self.changed.insert(*client);
            any = true;
        }
        any
    }
}

/// One awareness frame of `(client, clock, state JSON)` entries (a client
/// named twice once), or `None` when there are none.
fn frame(entries: impl Iterator<Item = (u64, u32, Arc<str>)>) -> Option<Bytes> {
    let clients: HashMap<ClientID, AwarenessUpdateEntry> = entries
        .map(|(client, clock, json)| (ClientID::new(client), AwarenessUpdateEntry { clock, json }))
        .collect();
    (!clients.is_empty()).then(|| protocol::awareness(&AwarenessUpdate { clients }.encode_v1()))
}

#[cfg(test)]
mod tests {
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

    fn apply(
        presence: &mut Presence,
        conn: ConnId,
        payload: &[u8],
        now: Millis,
    ) -> Result<Applied> {
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
}
