//! Applying a batch: runs of one connection's updates, each a log entry,
//! relayed and then made durable.

use super::*;

/// Runs of at most this many updates from one connection are applied one
/// transaction per update, each revision with its own counts.
const EXACT_RUN: usize = 4;

impl Actor {
    /// Applies the batch, queues it for relaying, makes it durable and
    /// acknowledges it.
    pub(super) async fn commit(&mut self) {
        let ts = wall_ms();
        let mut relay = mem::take(&mut self.outgoing);
        let mut clocks = mem::take(&mut self.outgoing_clocks);
        let before = relay.len();
        let mut batch = mem::take(&mut self.batch).into_iter().peekable();
        while let Some(first) = batch.next() {
            let conn = first.conn;
            let mut run = vec![first];
            while let Some(next) = batch.next_if(|next| next.conn == conn) {
                run.push(next);
            }
            self.apply_run(run, ts, &mut relay, &mut clocks).await;
        }
        self.context
            .metrics
            .updates_applied
            .inc_by((relay.len() - before) as u64);
        (self.outgoing, self.outgoing_clocks) = (relay, clocks);
        self.start_sync(false).await;
    }

    /// Applies consecutive updates of one connection in one transaction.
    /// Each becomes a log entry (they share the tick's timestamp).
    pub(super) async fn apply_run(
        &mut self,
        run: Vec<IncomingUpdate>,
        ts: u64,
        relay: &mut Vec<(u64, Bytes)>,
        clocks: &mut BatchClocks,
    ) {
        let (conn, author) = (run[0].conn, run[0].author.clone());
        if !self.conns.contains_key(&conn) {
            return;
        }
        // What the document may still grow by.
        let mut space = self.space();
        let (mut updates, mut numbers) = (Vec::with_capacity(run.len()), Vec::new());
        let mut refused = None;
        for incoming in run {
            if incoming.update.is_empty() {
                self.owe_ack(conn, incoming.number);
                continue;
            }
            if let Err(limit) = space.take(&author, incoming.update.bytes().len()) {
                refused = Some(limit);
                break;
            }
            clocks.add(&incoming.update);
            numbers.push((incoming.number, incoming.update.bytes().clone()));
            updates.push(incoming.update);
        }
        let name = author.to_string();
        // Typing sends an update or two per tick: each gets a transaction of
        // its own, so that every revision keeps its own counts. A longer run
        // (a paste, a replay, a flood) shares one, its counts on its last
        // revision.
        let per_part = if updates.len() <= EXACT_RUN {
            1
        } else {
            updates.len()
        };
        let (mut updates, mut numbers) = (updates.into_iter(), numbers.into_iter());
        loop {
            let part: Vec<_> = updates.by_ref().take(per_part).collect();
            if part.is_empty() {
                break;
            }
            let part_numbers: Vec<_> = numbers.by_ref().take(part.len()).collect();
            if !self
                .apply_part(conn, &author, &name, ts, part, part_numbers, relay)
                .await
            {
                break;
            }
        }
        if let Some(limit) = refused
            && self.conns.contains_key(&conn)
        {
            self.refused_for(limit);
            warn!(conn, reason = limit.reason(), "update refused");
            self.kick(conn, Outbound::Close(close::TOO_BIG, limit.reason().into()));
        }
    }

    /// Counts a refusal by a limit.
    pub(super) fn refused_for(&self, limit: crate::doc::Limit) {
        match limit {
            crate::doc::Limit::DocBytes => self.context.metrics.doc_too_large.inc(),
            crate::doc::Limit::DiskBytes => self.context.metrics.doc_disk_full.inc(),
        };
    }

    /// Applies updates of one connection in one transaction and logs each;
    /// false when one was refused (the connection is closed) or yrs failed
    /// (the document is rebuilt), so that the rest of the run is dropped.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn apply_part(
        &mut self,
        conn: u64,
        author: &crdt_core::AuthorId,
        name: &str,
        ts: u64,
        updates: Vec<crdt_core::DecodedUpdate>,
        numbers: Vec<(u64, Bytes)>,
        relay: &mut Vec<(u64, Bytes)>,
    ) -> bool {
        match self.room.apply_run(author, updates) {
            Ok(applied) => {
                if let Some((last, _)) = numbers.get(applied.count.wrapping_sub(1)) {
                    self.owe_ack(conn, *last);
                }
                for (i, (_, bytes)) in numbers.into_iter().take(applied.count).enumerate() {
                    let counts = if i + 1 == applied.count {
                        applied.applied
                    } else {
                        Applied::default()
                    };
                    self.stats.record(name, ts, counts);
                    self.unsaved.push(LogEntry {
                        seq: self.next_seq,
                        ts,
                        author: name.to_owned(),
                        applied: counts,
                        update: bytes.clone(),
                    });
                    self.next_seq += 1;
                    relay.push((conn, bytes));
                }
                match applied.refused {
                    Some(e) => {
                        self.refuse(conn, &e);
                        false
                    }
                    None => true,
                }
            }
            Err(e) => {
                self.refuse(conn, &e);
                self.rebuild().await;
                false
            }
        }
    }

    /// Notes that `conn` is owed `Saved(number)` once what is unsaved is
    /// stored, if it asked for acknowledgements.
    pub(super) fn owe_ack(&mut self, conn: u64, number: u64) {
        if !self.conns.get(&conn).is_some_and(|c| c.acks) {
            return;
        }
        let owed = self.owed_acks.entry(conn).or_default();
        *owed = (*owed).max(number);
    }
}
