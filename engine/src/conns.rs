//! The connections of a document: joining, frames in, frames out to one or
//! all, closing the slow, and relaying a batch.

use std::mem;
use std::time::Duration;

use bytes::Bytes;
use crdt_core::presence::{Changes, Stamp};
use crdt_core::session::Frame;
use crdt_core::{AuthorId, Error as CoreError, Outcome, Session, protocol};
use tracing::{error, warn};

use crate::types::close::{self, reason};
use crate::types::{Action, Metric, Snapshot};
use crate::{Conn, Engine, MAX_RELAY_SPACING, Now, PRESENCE_INTERVAL};

/// The author whose name is never recorded.
const ANONYMOUS: &str = "anonymous";

/// A connection joining a document.
#[derive(Debug, Clone)]
pub struct Joining {
    /// Unique connection id.
    pub conn: u64,
    /// The author the connection writes as.
    pub author: AuthorId,
    /// The display name it gave, if any, or the member's name.
    pub name: Option<String>,
    /// A group member's role; a member's name is fixed by the membership.
    pub role: Option<&'static str>,
    /// Whether its updates are refused.
    pub read_only: bool,
    /// Whether it asked for Saved acknowledgements.
    pub acks: bool,
}

impl Joining {
    fn stamp(&self) -> Stamp {
        Stamp {
            name: self.role.and(self.name.clone()),
            role: self.role.map(str::to_owned),
            color: Some(crdt_core::authorship::color_of(&self.author).to_owned()),
        }
    }
}

impl Engine {
    /// The frames a joining connection gets first (its identity if it asked
    /// for acknowledgements, then SyncStep1 and awareness), recording its
    /// name. Send them all, then call [`Engine::join`]; a connection whose
    /// queue refuses them does not join.
    pub fn greet(&mut self, joining: &Joining) -> Vec<Bytes> {
        if let Some(name) = &joining.name {
            self.record_name(&joining.author, name);
        }
        let mut frames = Vec::new();
        if joining.acks {
            let identity = serde_json::json!({
                "author": &*joining.author,
                "name": joining.name,
                "role": joining.role,
                "color": joining.stamp().color,
            });
            frames.push(protocol::identity(&identity.to_string()));
        }
        frames.extend(self.room.greeting());
        frames
    }

    /// A greeted connection joins.
    pub fn join(&mut self, joining: Joining) {
        let stamp = joining.stamp();
        let Joining {
            conn,
            author,
            name,
            read_only,
            acks,
            ..
        } = joining;
        let session = Session::new(conn, author, read_only).with_identity(name, stamp);
        self.conns.insert(conn, Conn { session, acks });
        self.idle_since = None;
    }

    /// A connection left.
    pub fn leave(&mut self, conn: u64, now: Now) {
        if let Some(gone) = self.conns.remove(&conn) {
            self.owed_acks.remove(&conn);
            self.presence_changed |= self.room.leave(&gone.session, now.millis());
        }
    }

    /// A frame from a joined connection, as read beside the document (an
    /// update comes decoded, or the reason it was refused). Updates wait in
    /// the batch for [`Engine::commit`].
    pub fn frame(&mut self, conn: u64, frame: crdt_core::Result<Frame>, now: Now) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        match frame.and_then(|frame| self.room.receive_frame(&mut c.session, frame, now.millis())) {
            Ok(Outcome::Nothing) => {}
            Ok(Outcome::Reply(reply)) => self.send_to(conn, reply),
            Ok(Outcome::Presence { dropped }) => {
                self.presence_changed = true;
                // In open mode the name in a connection's awareness state is
                // its author's name: a rename reaches the record at once.
                let rename = match c.session.name_fixed() {
                    true => None,
                    false => c
                        .session
                        .name()
                        .map(|name| (c.session.author().clone(), name.to_owned())),
                };
                self.count(Metric::AwarenessDropped, dropped as u64);
                if let Some((author, name)) = rename {
                    self.record_name(&author, &name);
                }
            }
            Ok(Outcome::Update(update)) => self.batch.push(*update),
            Err(e) => self.refuse(conn, &e, now),
        }
    }

    /// Closes the connections of an author (a revoked member).
    pub fn kick_author(&mut self, author: &str, now: Now) {
        let gone: Vec<u64> = self
            .conns
            .iter()
            .filter(|(_, c)| &**c.session.author() == author)
            .map(|(id, _)| *id)
            .collect();
        for conn in gone {
            self.kick(conn, close::POLICY, reason::ACCESS_REVOKED.into(), now);
        }
    }

    /// Sending to `conn` failed: its queue is `full` (it fell behind), or it
    /// is gone.
    pub fn send_failed(&mut self, conn: u64, full: bool, now: Now) {
        if !self.conns.contains_key(&conn) {
            return;
        }
        if full {
            self.lagging(&[conn], now);
        } else {
            self.kick(conn, close::GOING_AWAY, String::new(), now);
        }
    }

    /// The document's state, for export or inspection.
    pub fn snapshot(&self) -> Snapshot {
        let document = self.room.document();
        Snapshot {
            state: document.encode_state(),
            revision: self.next_seq - 1,
            connections: self.conns.len(),
            authors: document.bindings().authors(),
            bindings: document.bindings().clone(),
            online: self
                .conns
                .values()
                .map(|c| c.session.author().to_string())
                .collect(),
            stats: self.stats.clone(),
        }
    }

    /// Records an author's display name; stored with the metadata within a
    /// tick (or with the first append of a new document).
    pub(crate) fn record_name(&mut self, author: &str, name: &str) {
        if author == ANONYMOUS || self.meta.names.get(author).map(String::as_str) == Some(name) {
            return;
        }
        self.meta.names.insert(author.to_owned(), name.to_owned());
        self.names_changed = true;
    }

    /// Closes a connection that sent something refused; everyone else goes on.
    pub(crate) fn refuse(&mut self, conn: u64, error: &CoreError, now: Now) {
        self.count(Metric::RefusedMessages, 1);
        warn!(conn, error = %error, "refused a message; closing the connection");
        let code = match error {
            CoreError::Impersonation { .. } | CoreError::ChatRefused(_) => {
                self.send_to(conn, protocol::permission_denied(&error.to_string()));
                close::POLICY
            }
            CoreError::AwarenessRefused(_) => close::POLICY,
            _ => close::PROTOCOL,
        };
        self.kick(conn, code, error.to_string(), now);
    }

    pub(crate) fn kick(&mut self, conn: u64, code: u16, reason: String, now: Now) {
        if let Some(gone) = self.conns.remove(&conn) {
            self.push(Action::Close { conn, code, reason });
            self.owed_acks.remove(&conn);
            self.presence_changed |= self.room.leave(&gone.session, now.millis());
        }
    }

    /// Closes every connection at once (shutdown): nothing more is decided
    /// about them.
    pub fn close_all(&mut self, code: u16, reason: &str) {
        for (conn, _) in mem::take(&mut self.conns) {
            self.push(Action::Close {
                conn,
                code,
                reason: reason.to_owned(),
            });
        }
    }

    pub(crate) fn send_to(&mut self, conn: u64, frame: Bytes) {
        if self.conns.contains_key(&conn) {
            self.push(Action::Send { conn, frame });
        }
    }

    /// Sends one shared buffer to every connection but `except`.
    fn send_all(&mut self, frame: Bytes, except: Option<u64>) {
        self.count(Metric::FramesRelayed, self.conns.len() as u64);
        self.push(Action::Broadcast { frame, except });
    }

    /// Closes connections whose queue is full: a client that missed an update
    /// is out of sync, so it reconnects and resyncs rather than skip it.
    fn lagging(&mut self, conns: &[u64], now: Now) {
        for &conn in conns {
            self.count(Metric::LaggingClosed, 1);
            self.kick(conn, close::TRY_AGAIN, reason::TOO_SLOW.into(), now);
        }
    }

    /// Sends each connection the awareness changes of the others.
    fn send_presence(&mut self, changes: &Changes) {
        let mut sent = 0;
        let mut frames = Vec::new();
        for id in self.conns.keys() {
            if let Some(frame) = changes.frame_for(*id) {
                sent += 1;
                frames.push((*id, frame.clone()));
            }
        }
        self.count(Metric::FramesRelayed, sent);
        for (conn, frame) in frames {
            self.push(Action::Send { conn, frame });
        }
    }

    /// Relays a batch: one update goes to everyone but its sender; several are
    /// merged into one message for everyone, so frames per tick stay bounded,
    /// unless they are not `mergeable` (they carry blocks at the same clocks).
    /// Sends what is outgoing (updates, then presence, which the cursors
    /// may point into) now, or once the spacing since the last relay has
    /// passed; awareness goes out at most every [`PRESENCE_INTERVAL`], the
    /// newest state of each client once.
    pub fn schedule_relay(&mut self, now: Now) {
        let mut at = None;
        if !self.outgoing.is_empty() {
            let spacing = Duration::from_secs_f64(
                self.conns.len() as f64 / f64::from(self.config.relay_frames_per_sec),
            )
            .min(MAX_RELAY_SPACING);
            at = Some(self.last_relay + spacing);
        }
        if self.presence_changed {
            let due = self.presence_due();
            at = Some(at.map_or(due, |at: Duration| at.min(due)));
        }
        let Some(at) = at else {
            return;
        };
        if now.at >= at {
            self.flush_relay(now);
        } else {
            self.relay_at = Some(self.relay_at.map_or(at, |r| r.min(at)));
        }
    }

    fn presence_due(&self) -> Duration {
        self.last_presence
            .map_or(Duration::ZERO, |last| last + PRESENCE_INTERVAL)
    }

    /// Sends the outgoing updates now, and the awareness changes if their
    /// interval has passed.
    pub fn flush_relay(&mut self, now: Now) {
        self.relay_at = None;
        if !self.outgoing.is_empty() {
            self.last_relay = now.at;
            let (updates, clocks) = (
                mem::take(&mut self.outgoing),
                mem::take(&mut self.outgoing_clocks),
            );
            self.relay(updates, clocks.mergeable());
        }
        if self.presence_changed && now.at >= self.presence_due() {
            self.presence_changed = false;
            self.last_presence = Some(now.at);
            let changes = self.room.take_presence();
            self.send_presence(&changes);
        }
    }

    pub(crate) fn relay(&mut self, updates: Vec<(u64, Bytes)>, mergeable: bool) {
        // Nobody else to tell: a lone writer's batch costs no merge.
        let lone_writer = match self.conns.len() {
            0 => true,
            1 => updates
                .iter()
                .all(|(sender, _)| self.conns.contains_key(sender)),
            _ => false,
        };
        if lone_writer {
            return;
        }
        match updates.as_slice() {
            [] => {}
            [(sender, update)] => self.send_all(protocol::update(update), Some(*sender)),
            many => {
                let merged = match mergeable {
                    true => crdt_core::update::merge(many.iter().map(|(_, u)| u))
                        .inspect_err(|e| error!(error = %e, "merging a batch failed"))
                        .ok(),
                    false => None,
                };
                match merged {
                    Some(merged) => self.send_all(protocol::update(&merged), None),
                    None => {
                        for (sender, update) in many {
                            self.send_all(protocol::update(update), Some(*sender));
                        }
                    }
                }
            }
        }
    }
}
