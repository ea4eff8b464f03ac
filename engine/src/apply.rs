//! Applying a batch: runs of one connection's updates, each a log entry,
//! relayed and then made durable; server-side edits.

use std::mem;
use std::time::Duration;

use bytes::Bytes;
use crdt_core::authorship::Applied;
use crdt_core::chat::ChatPolicy;
use crdt_core::{AuthorId, DecodedUpdate, Error as CoreError, IncomingUpdate};
use tracing::warn;

use crate::record::LogEntry;
use crate::types::{Action, EditError, Limit, Metric, close};
use crate::{Engine, Now};

/// Chat messages an author may add to a document: this many a minute, in
/// bursts of up to [`CHAT_BURST`].
const CHAT_PER_MINUTE: f64 = 30.0;
const CHAT_BURST: f64 = 10.0;

/// Runs of at most this many updates from one connection are applied one
/// transaction per update, each revision with its own counts.
const EXACT_RUN: usize = 4;

/// An author's chat budget in one document: a token bucket.
#[derive(Debug)]
pub(crate) struct ChatBudget {
    tokens: f64,
    at: Duration,
}

impl ChatBudget {
    fn new(now: Duration) -> Self {
        Self {
            tokens: CHAT_BURST,
            at: now,
        }
    }

    fn available(&mut self, now: Duration) -> usize {
        let elapsed = now.saturating_sub(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * CHAT_PER_MINUTE / 60.0).min(CHAT_BURST);
        self.at = self.at.max(now);
        self.tokens.floor() as usize
    }

    fn spend(&mut self, messages: usize) {
        self.tokens = (self.tokens - messages as f64).max(0.0);
    }

    /// Whether the bucket is full again (and can be forgotten).
    pub(crate) fn is_full(&mut self, now: Duration) -> bool {
        self.available(now) as f64 >= CHAT_BURST
    }
}

impl Engine {
    /// Applies the batch, queues it for relaying, starts making it durable
    /// and sends the acknowledgements already due.
    pub fn commit(&mut self, now: Now) {
        let batch = mem::take(&mut self.batch);
        self.apply_batch(batch, now);
    }

    /// Applies runs of one connection each; stops when the document must be
    /// rebuilt first, keeping the rest for [`Engine::rebuilt`].
    pub(crate) fn apply_batch(&mut self, batch: Vec<IncomingUpdate>, now: Now) {
        let mut batch = batch.into_iter().peekable();
        while let Some(first) = batch.next() {
            let conn = first.conn;
            let mut run = vec![first];
            while let Some(next) = batch.next_if(|next| next.conn == conn) {
                run.push(next);
            }
            self.apply_run(run, now);
            if self.rebuilding {
                self.resume = Some(batch.collect());
                return;
            }
        }
        self.start_sync(false, now);
    }

    /// Applies consecutive updates of one connection in one transaction.
    /// Each becomes a log entry (they share the batch's timestamp).
    fn apply_run(&mut self, run: Vec<IncomingUpdate>, now: Now) {
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
            self.outgoing_clocks.add(&incoming.update);
            numbers.push((incoming.number, incoming.update.bytes().clone()));
            updates.push(incoming.update);
        }
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
            if !self.apply_part(conn, &author, now, part, part_numbers) {
                break;
            }
        }
        if let Some(limit) = refused
            && self.conns.contains_key(&conn)
        {
            self.refused_for(limit);
            warn!(conn, reason = limit.reason(), "update refused");
            self.kick(conn, close::TOO_BIG, limit.reason().into(), now);
        }
    }

    /// Counts a refusal by a limit.
    pub(crate) fn refused_for(&mut self, limit: Limit) {
        match limit {
            Limit::DocBytes => self.count(Metric::DocTooLarge, 1),
            Limit::DiskBytes => self.count(Metric::DocDiskFull, 1),
        };
    }

    /// Applies updates of one connection in one transaction and logs each;
    /// false when one was refused (the connection is closed) or yrs failed
    /// (the document is to be rebuilt), so that the rest of the run is
    /// dropped.
    fn apply_part(
        &mut self,
        conn: u64,
        author: &AuthorId,
        now: Now,
        updates: Vec<DecodedUpdate>,
        numbers: Vec<(u64, Bytes)>,
    ) -> bool {
        // Chat messages must carry the connection's author and name, and an
        // author may add only as many as its chat budget holds.
        let Some(c) = self.conns.get(&conn) else {
            return false;
        };
        let chat_name = c.session.name().unwrap_or("Anonymous").to_owned();
        let budget = self
            .chat_budgets
            .entry(author.to_string())
            .or_insert_with(|| ChatBudget::new(now.at));
        let policy = ChatPolicy {
            name: &chat_name,
            max_messages: budget.available(now.at),
        };
        match self.room.apply_run(author, updates, Some(&policy)) {
            Ok(applied) => {
                if applied.chat_messages > 0
                    && let Some(budget) = self.chat_budgets.get_mut(&**author)
                {
                    budget.spend(applied.chat_messages);
                }
                if let Some((last, _)) = numbers.get(applied.count.wrapping_sub(1)) {
                    self.owe_ack(conn, *last);
                }
                let name = author.to_string();
                for (i, (_, bytes)) in numbers.into_iter().take(applied.count).enumerate() {
                    let counts = if i + 1 == applied.count {
                        applied.applied
                    } else {
                        Applied::default()
                    };
                    self.log(&name, now.wall_ms, counts, bytes.clone());
                    self.outgoing.push((conn, bytes));
                }
                self.count(Metric::UpdatesApplied, applied.count as u64);
                match applied.refused {
                    Some(e) => {
                        self.refuse(conn, &e, now);
                        false
                    }
                    None => true,
                }
            }
            Err(e) => {
                if matches!(e, CoreError::ChatRefused(_)) {
                    self.count(Metric::ChatRefused, 1);
                }
                self.refuse(conn, &e, now);
                // The document keeps what yrs applied before it failed: it
                // is rebuilt from the store and what is unsaved.
                self.rebuilding = true;
                self.push(Action::Rebuild);
                false
            }
        }
    }

    /// Appends an applied update to the log, unsaved.
    fn log(&mut self, author: &str, ts: u64, applied: Applied, update: Bytes) {
        self.stats.record(author, ts, applied);
        self.unsaved.push(LogEntry {
            seq: self.next_seq,
            ts,
            author: author.to_owned(),
            applied,
            update,
        });
        self.next_seq += 1;
    }

    /// Notes that `conn` is owed `Saved(number)` once what is unsaved is
    /// stored, if it asked for acknowledgements.
    pub(crate) fn owe_ack(&mut self, conn: u64, number: u64) {
        if !self.conns.get(&conn).is_some_and(|c| c.acks) {
            return;
        }
        let owed = self.owed_acks.entry(conn).or_default();
        *owed = (*owed).max(number);
    }

    /// A server-side edit (import, title) applied as `author` and relayed.
    /// Commit the batch first; after this, make everything durable (start
    /// syncs until none is in flight) and ask [`Engine::edit_stored`]. An
    /// edit past a limit is refused and changes nothing.
    pub fn edit(
        &mut self,
        author: &AuthorId,
        name: Option<&str>,
        update: Vec<u8>,
        now: Now,
    ) -> Result<(), EditError> {
        let failed = |e: CoreError| EditError::Failed(e.to_string());
        let decoded = DecodedUpdate::decode(Bytes::from(update)).map_err(failed)?;
        let bytes = decoded.bytes().clone();
        if let Err(limit) = self.space().take(author, bytes.len()) {
            self.refused_for(limit);
            return Err(EditError::Limit(limit));
        }
        let applied = self
            .room
            .document_mut()
            .apply(decoded, author)
            .map_err(failed)?;
        // The editor's name reaches the record with the edit, as a
        // connection's does when it joins.
        if let Some(name) = name {
            self.record_name(author, name);
        }
        self.log(author, now.wall_ms, applied, bytes.clone());
        self.flush_relay(now);
        self.relay(vec![(0, bytes)], true);
        self.retry_at = None;
        Ok(())
    }

    /// After an edit was made durable: its revision, or why it is not
    /// stored yet.
    pub fn edit_stored(&self) -> Result<u64, EditError> {
        if self.unsaved.is_empty() {
            Ok(self.next_seq - 1)
        } else {
            Err(EditError::Failed(
                "the edit is applied but not yet stored".into(),
            ))
        }
    }
}
