//! Awareness (who is here, cursors) with the expiry that yrs' `Awareness`
//! lacks, on a clock the caller passes in.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use yrs::ClientID;
use yrs::sync::awareness::{AwarenessUpdate, AwarenessUpdateEntry};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;

use crate::error::{Error, Result};
use crate::protocol;

/// Milliseconds on the caller's clock.
pub type Millis = u64;

/// A connection's id within a room.
pub type ConnId = u64;

/// States not renewed for this long are removed (y-protocols' outdated timeout).
pub const AWARENESS_TIMEOUT_MS: Millis = 30_000;

#[derive(Debug)]
struct PeerState {
    clock: u32,
    json: Option<Arc<str>>,
    updated: Millis,
    owner: ConnId,
}

/// The awareness states of every client in a room.
#[derive(Debug, Default)]
pub struct Presence {
    peers: HashMap<u64, PeerState>,
    /// Clients whose state changed since [`Presence::take_changes`].
    changed: Vec<u64>,
}

impl Presence {
    /// Applies an awareness update from connection `owner`; what changed is
    /// relayed by [`Presence::take_changes`].
    pub fn apply(&mut self, owner: ConnId, payload: &[u8], now: Millis) -> Result<()> {
        crate::validate::scan_awareness_v1(payload)
            .map_err(|e| Error::MalformedAwareness(e.to_string()))?;
        let update = AwarenessUpdate::decode_v1(payload)
            .map_err(|e| Error::MalformedAwareness(e.to_string()))?;
        for (client, entry) in &update.clients {
            if entry.json.as_ref() != "null" {
                serde_json::from_str::<serde_json::Value>(&entry.json).map_err(|e| {
                    Error::MalformedAwareness(format!("client {}: {e}", client.get()))
                })?;
            }
        }
        for (client, entry) in update.clients {
            self.changed.push(client.get());
            let json = (entry.json.as_ref() != "null").then_some(entry.json);
            match self.peers.get_mut(&client.get()) {
                Some(peer)
                    if peer.clock > entry.clock
                        || (peer.clock == entry.clock
                            && (json.is_some() || peer.json.is_none())) =>
                {
                    // An older or repeated state: y-protocols ignores it too.
                    peer.updated = now;
                }
                Some(peer) => {
                    peer.clock = entry.clock;
                    peer.json = json;
                    peer.updated = now;
                    peer.owner = owner;
                }
                None => {
                    self.peers.insert(
                        client.get(),
                        PeerState {
                            clock: entry.clock,
                            json,
                            updated: now,
                            owner,
                        },
                    );
                }
            }
        }
        Ok(())
    }

    /// One awareness frame with the current state of every client whose
    /// state changed since the last call (removed ones as `null`), to relay
    /// to every connection, the senders included; `None` if nothing changed.
    /// Taken once per batch of messages, it relays many clients' changes in
    /// one frame instead of a frame per message.
    pub fn take_changes(&mut self) -> Option<Bytes> {
        let changed = std::mem::take(&mut self.changed);
        let peers = &self.peers;
        frame(changed.into_iter().filter_map(|client| {
            let peer = peers.get(&client)?;
            let json = peer.json.clone().unwrap_or_else(|| Arc::from("null"));
            Some((client, peer.clock, json))
        }))
    }

    /// Every live state as one awareness frame, or `None` when nobody is here.
    pub fn snapshot(&self) -> Option<Bytes> {
        frame(
            self.peers
                .iter()
                .filter_map(|(client, peer)| Some((*client, peer.clock, peer.json.clone()?))),
        )
    }

    /// Removes the states of a connection that closed; returns the removal frame.
    pub fn leave(&mut self, owner: ConnId, now: Millis) -> Option<Bytes> {
        self.remove_where(now, |peer| peer.owner == owner && peer.json.is_some())
    }

    /// Removes states not renewed within [`AWARENESS_TIMEOUT_MS`].
    pub fn expire(&mut self, now: Millis) -> Option<Bytes> {
        // Tombstones keep a removed client's clock so that a delayed older
        // state cannot resurrect it; they are dropped after two timeouts.
        self.peers.retain(|_, p| {
            p.json.is_some() || now.saturating_sub(p.updated) < 2 * AWARENESS_TIMEOUT_MS
        });
        self.remove_where(now, |peer| {
            peer.json.is_some() && now.saturating_sub(peer.updated) >= AWARENESS_TIMEOUT_MS
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

    fn remove_where(&mut self, now: Millis, pred: impl Fn(&PeerState) -> bool) -> Option<Bytes> {
        let mut removed = Vec::new();
        for (client, peer) in self.peers.iter_mut().filter(|(_, p)| pred(p)) {
            peer.clock = peer.clock.wrapping_add(1);
            peer.json = None;
            peer.updated = now;
            removed.push((*client, peer.clock, Arc::from("null")));
        }
        frame(removed.into_iter())
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

    #[test]
    fn relays_snapshots_and_removes_on_leave() {
        let mut presence = Presence::default();
        presence
            .apply(1, &update(10, 1, r#"{"user":"a"}"#), 0)
            .unwrap();
        presence
            .apply(2, &update(20, 1, r#"{"user":"b"}"#), 0)
            .unwrap();
        assert_eq!(presence.len(), 2);
        assert_eq!(decode(&presence.snapshot().unwrap()).clients.len(), 2);
        let removal = decode(&presence.leave(1, 0).unwrap());
        let entry = &removal.clients[&ClientID::new(10)];
        assert_eq!((entry.clock, &*entry.json), (2, "null"));
        assert_eq!(presence.len(), 1);
        assert!(presence.leave(1, 0).is_none());
    }

    #[test]
    fn changes_of_a_batch_are_relayed_in_one_frame() {
        let mut presence = Presence::default();
        assert!(presence.take_changes().is_none(), "nothing changed");
        presence.apply(1, &update(10, 1, r#"{"c":1}"#), 0).unwrap();
        presence.apply(1, &update(10, 2, r#"{"c":2}"#), 0).unwrap();
        presence
            .apply(2, &update(20, 7, r#"{"u":"b"}"#), 0)
            .unwrap();
        // An older state of client 20: the current one is relayed.
        presence
            .apply(2, &update(20, 6, r#"{"u":"old"}"#), 0)
            .unwrap();
        let frame = decode(&presence.take_changes().unwrap());
        assert_eq!(frame.clients.len(), 2, "one entry per client");
        let (a, b) = (
            &frame.clients[&ClientID::new(10)],
            &frame.clients[&ClientID::new(20)],
        );
        assert_eq!((a.clock, &*a.json), (2, r#"{"c":2}"#));
        assert_eq!((b.clock, &*b.json), (7, r#"{"u":"b"}"#));
        assert!(presence.take_changes().is_none(), "taken");
        // A client that removed its state is relayed as removed.
        presence.apply(1, &update(10, 3, "null"), 0).unwrap();
        let frame = decode(&presence.take_changes().unwrap());
        let a = &frame.clients[&ClientID::new(10)];
        assert_eq!((a.clock, &*a.json), (3, "null"));
    }

    #[test]
    fn expires_states_not_renewed() {
        let mut presence = Presence::default();
        presence.apply(1, &update(10, 1, "{}"), 0).unwrap();
        presence.apply(1, &update(11, 1, "{}"), 20_000).unwrap();
        assert!(presence.expire(29_999).is_none());
        let removed = decode(&presence.expire(30_000).unwrap());
        assert_eq!(removed.clients.len(), 1);
        assert!(removed.clients.contains_key(&ClientID::new(10)));
        presence.apply(1, &update(11, 1, "{}"), 40_000).unwrap();
        assert!(presence.expire(60_000).is_none(), "renewed at 40s");
    }

    #[test]
    fn older_clocks_do_not_overwrite() {
        let mut presence = Presence::default();
        presence.apply(1, &update(10, 5, r#"{"v":5}"#), 0).unwrap();
        presence.apply(1, &update(10, 4, r#"{"v":4}"#), 0).unwrap();
        let snap = decode(&presence.snapshot().unwrap());
        assert_eq!(&*snap.clients[&ClientID::new(10)].json, r#"{"v":5}"#);
    }

    #[test]
    fn refuses_invalid_json_and_truncation() {
        let mut presence = Presence::default();
        assert!(presence.apply(1, &update(10, 1, "{nope"), 0).is_err());
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(presence.apply(1, &update(10, 1, &deep), 0).is_err());
        let mut bytes = update(10, 1, "{}");
        bytes.pop();
        assert!(presence.apply(1, &bytes, 0).is_err());
        // invalid UTF-8 in the state string
        assert!(presence.apply(1, &[1, 10, 1, 2, 0xff, 0xfe], 0).is_err());
        assert!(presence.is_empty());
    }
}
