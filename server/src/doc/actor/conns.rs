//! The connections of a document: joining, frames in, frames out to one or
//! all, closing the slow, and relaying a batch.

use super::*;
use crdt_core::presence::{Changes, Stamp};

impl Actor {
    pub(super) fn join(&mut self, join: Join) {
        let Join {
            conn,
            author,
            name,
            role,
            read_only,
            acks,
            tx,
            dropped,
        } = join;
        let stamp = Stamp {
            name: role.and(name.clone()),
            role: role.map(str::to_owned),
            color: Some(crdt_core::authorship::color_of(&author).to_owned()),
        };
        if let Some(name) = &name {
            self.record_name(&author, name);
        }
        if acks {
            let identity = serde_json::json!({
                "author": &*author,
                "name": name,
                "role": role,
                "color": stamp.color,
            });
            if tx
                .try_send(Outbound::Frame(protocol::identity(&identity.to_string())))
                .is_err()
            {
                return;
            }
        }
        for frame in self.room.greeting() {
            if tx.try_send(Outbound::Frame(frame)).is_err() {
                return;
            }
        }
        self.conns.insert(
            conn,
            Conn {
                session: Session::new(conn, author, read_only).with_identity(name, stamp),
                tx,
                dropped,
                acks,
            },
        );
        self.idle_since = None;
    }

    pub(super) fn on_conn(&mut self, from: FromConn) {
        match from {
            FromConn::Frame { conn, frame } => self.on_frame(conn, *frame),
            FromConn::Leave { conn } => {
                if let Some(gone) = self.conns.remove(&conn) {
                    self.owed_acks.remove(&conn);
                    self.presence_changed |= self.room.leave(&gone.session, self.now());
                }
            }
        }
    }

    pub(super) fn on_frame(&mut self, conn: u64, frame: crdt_core::Result<Frame>) {
        let now = self.now();
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        match frame.and_then(|frame| self.room.receive_frame(&mut c.session, frame, now)) {
            Ok(Outcome::Nothing) => {}
            Ok(Outcome::Reply(reply)) => self.send_to(conn, reply),
            Ok(Outcome::Presence { dropped }) => {
                self.presence_changed = true;
                if dropped > 0 {
                    self.context
                        .metrics
                        .awareness_dropped
                        .inc_by(dropped as u64);
                }
                // In open mode the name in a connection's awareness state is
                // its author's name: a rename reaches the record at once.
                if !c.session.name_fixed()
                    && let Some(name) = c.session.name().map(str::to_owned)
                {
                    let author = c.session.author().clone();
                    self.record_name(&author, &name);
                }
            }
            Ok(Outcome::Update(update)) => self.batch.push(*update),
            Err(e) => self.refuse(conn, &e),
        }
    }

    /// Records an author's display name; stored with the metadata within a
    /// tick (or with the first append of a new document).
    pub(super) fn record_name(&mut self, author: &str, name: &str) {
        if author == crate::identity::ANONYMOUS
            || self.meta.names.get(author).map(String::as_str) == Some(name)
        {
            return;
        }
        self.meta.names.insert(author.to_owned(), name.to_owned());
        self.names_changed = true;
    }

    /// Closes a connection that sent something refused; everyone else goes on.
    pub(super) fn refuse(&mut self, conn: u64, error: &CoreError) {
        self.context.metrics.refused_messages.inc();
        warn!(conn, error = %error, "refused a message; closing the connection");
        let code = match error {
            CoreError::Impersonation { .. } | CoreError::ChatRefused(_) => {
                self.send_to(conn, protocol::permission_denied(&error.to_string()));
                close::POLICY
            }
            CoreError::AwarenessRefused(_) => close::POLICY,
            _ => close::PROTOCOL,
        };
        self.kick(conn, Outbound::Close(code, error.to_string()));
    }

    pub(super) fn kick(&mut self, conn: u64, why: Outbound) {
        if let Some(gone) = self.conns.remove(&conn) {
            let _ = gone.tx.try_send(why);
            gone.dropped.cancel();
            self.owed_acks.remove(&conn);
            self.presence_changed |= self.room.leave(&gone.session, self.now());
        }
    }

    pub(super) fn send_to(&mut self, conn: u64, frame: Bytes) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        match c.tx.try_send(Outbound::Frame(frame)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => self.lagging(&[conn]),
            Err(TrySendError::Closed(_)) => {
                self.kick(conn, Outbound::Close(close::GOING_AWAY, String::new()))
            }
        }
    }

    /// Sends one shared buffer to every connection but `except`.
    pub(super) fn send_all(&mut self, frame: &Bytes, except: Option<u64>) {
        let mut behind = Vec::new();
        for (id, c) in &self.conns {
            if Some(*id) == except {
                continue;
            }
            if c.tx.try_send(Outbound::Frame(frame.clone())).is_err() {
                behind.push(*id);
            }
        }
        self.context
            .metrics
            .frames_relayed
            .inc_by(self.conns.len() as u64);
        self.lagging(&behind);
    }

    /// Closes connections whose queue is full: a client that missed an update
    /// is out of sync, so it reconnects and resyncs rather than skip it.
    pub(super) fn lagging(&mut self, conns: &[u64]) {
        for &conn in conns {
            self.context.metrics.lagging_closed.inc();
            // The queue is full, so the close travels by dropping the sender.
            self.kick(
                conn,
                Outbound::Close(close::TRY_AGAIN, "too slow; resync".into()),
            );
        }
    }

    /// Sends each connection the awareness changes of the others.
    fn send_presence(&mut self, changes: &Changes) {
        let mut behind = Vec::new();
        let mut sent = 0;
        for (id, c) in &self.conns {
            let Some(frame) = changes.frame_for(*id) else {
                continue;
            };
            sent += 1;
            if c.tx.try_send(Outbound::Frame(frame.clone())).is_err() {
                behind.push(*id);
            }
        }
        self.context.metrics.frames_relayed.inc_by(sent);
        self.lagging(&behind);
    }

    /// Relays a batch: one update goes to everyone but its sender; several are
    /// merged into one message for everyone, so frames per tick stay bounded,
    /// unless they are not `mergeable` (they carry blocks at the same clocks).
    /// Sends what is outgoing (updates, then presence, which the cursors
    /// may point into) now, or once the spacing since the last relay has
    /// passed; awareness goes out at most every [`PRESENCE_INTERVAL`], the
    /// newest state of each client once.
    pub(super) fn schedule_relay(&mut self) {
        let mut at = None;
        if !self.outgoing.is_empty() {
            let spacing = Duration::from_secs_f64(
                self.conns.len() as f64 / f64::from(self.context.relay_frames_per_sec),
            )
            .min(MAX_RELAY_SPACING);
            at = Some(self.last_relay + spacing);
        }
        if self.presence_changed {
            let due = self.last_presence + PRESENCE_INTERVAL;
            at = Some(at.map_or(due, |at: Instant| at.min(due)));
        }
        let Some(at) = at else {
            return;
        };
        if Instant::now() >= at {
            self.flush_relay();
        } else {
            self.relay_at = Some(self.relay_at.map_or(at, |r| r.min(at)));
        }
    }

    /// Sends the outgoing updates now, and the awareness changes if their
    /// interval has passed.
    pub(super) fn flush_relay(&mut self) {
        self.relay_at = None;
        let now = Instant::now();
        if !self.outgoing.is_empty() {
            self.last_relay = now;
            let (updates, clocks) = (
                mem::take(&mut self.outgoing),
                mem::take(&mut self.outgoing_clocks),
            );
            self.relay(updates, clocks.mergeable());
        }
        if self.presence_changed && now >= self.last_presence + PRESENCE_INTERVAL {
            self.presence_changed = false;
            self.last_presence = now;
            let changes = self.room.take_presence();
            self.send_presence(&changes);
        }
    }

    pub(super) fn relay(&mut self, updates: Vec<(u64, Bytes)>, mergeable: bool) {
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
            [(sender, update)] => self.send_all(&protocol::update(update), Some(*sender)),
            many => {
                let merged = match mergeable {
                    true => crdt_core::update::merge(many.iter().map(|(_, u)| u))
                        .inspect_err(|e| error!(error = %e, "merging a batch failed"))
                        .ok(),
                    false => None,
                };
                match merged {
                    Some(merged) => self.send_all(&protocol::update(&merged), None),
                    None => {
                        for (sender, update) in many {
                            self.send_all(&protocol::update(update), Some(*sender));
                        }
                    }
                }
            }
        }
    }
}
