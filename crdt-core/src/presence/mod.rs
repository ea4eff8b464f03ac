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
use stamp::stamped;

mod stamp;
#[cfg(test)]
mod tests;

pub use stamp::{MAX_NAME_CHARS, Stamp, clean_name};

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
