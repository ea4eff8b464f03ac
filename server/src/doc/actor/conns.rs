//! The connections of a document: joining, frames in, frames out to one or
//! all, closing the slow, and relaying a batch.

use super::*;

impl Actor {
    pub(super) fn join(&mut self, join: Join) {
        let Join {
            conn,
            author,
            name,
            read_only,
            acks,
            tx,
            dropped,
        } = join;
        if let Some(name) = name
            && self.meta.names.get(&*author) != Some(&name)
        {
            // Stored with the metadata at the next append.
            self.meta.names.insert(author.to_string(), name);
        }
        for frame in self.room.greeting() {
            if tx.try_send(Outbound::Frame(frame)).is_err() {
                return;
            }
        }
        self.conns.insert(
            conn,
            Conn {
                session: Session::new(conn, author, read_only),
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
                    if let Some(frame) = self.room.leave(&gone.session, self.now()) {
                        self.send_all(&frame, None);
                    }
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
            Ok(Outcome::Presence) => self.presence_changed = true,
            Ok(Outcome::Update(update)) => self.batch.push(*update),
            Err(e) => self.refuse(conn, &e),
        }
    }

    /// Closes a connection that sent something refused; everyone else goes on.
    pub(super) fn refuse(&mut self, conn: u64, error: &CoreError) {
        self.context.metrics.refused_messages.inc();
        warn!(conn, error = %error, "refused a message; closing the connection");
        let code = match error {
            CoreError::Impersonation { .. } => {
                self.send_to(conn, protocol::permission_denied(&error.to_string()));
                close::POLICY
            }
            _ => close::PROTOCOL,
        };
        self.kick(conn, Outbound::Close(code, error.to_string()));
    }

    pub(super) fn kick(&mut self, conn: u64, why: Outbound) {
        if let Some(gone) = self.conns.remove(&conn) {
            let _ = gone.tx.try_send(why);
            gone.dropped.cancel();
            self.owed_acks.remove(&conn);
            if let Some(frame) = self.room.leave(&gone.session, self.now()) {
                self.send_all(&frame, None);
            }
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

    /// Relays a batch: one update goes to everyone but its sender; several are
    /// merged into one message for everyone, so frames per tick stay bounded,
    /// unless they are not `mergeable` (they carry blocks at the same clocks).
    /// Sends what is outgoing (updates, then presence, which the cursors
    /// may point into) now, or once the spacing since the last relay has
    /// passed.
    pub(super) fn schedule_relay(&mut self) {
        if !self.relay_waiting() {
            return;
        }
        let spacing = Duration::from_secs_f64(
            self.conns.len() as f64 / f64::from(self.context.relay_frames_per_sec),
        )
        .min(MAX_RELAY_SPACING);
        let at = self.last_relay + spacing;
        if Instant::now() >= at {
            self.flush_relay();
        } else {
            self.relay_at.get_or_insert(at);
        }
    }

    fn relay_waiting(&self) -> bool {
        !self.outgoing.is_empty() || self.presence_changed
    }

    /// Sends what is outgoing now.
    pub(super) fn flush_relay(&mut self) {
        self.relay_at = None;
        if !self.relay_waiting() {
            return;
        }
        self.last_relay = Instant::now();
        let (updates, clocks) = (
            mem::take(&mut self.outgoing),
            mem::take(&mut self.outgoing_clocks),
        );
        self.relay(updates, clocks.mergeable());
        if mem::take(&mut self.presence_changed)
            && let Some(frame) = self.room.take_presence()
        {
            self.send_all(&frame, None);
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
