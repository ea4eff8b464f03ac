//! Loading a document from the store, making batches durable, checkpoints,
//! and rebuilding after yrs failed part-way through an update.

use super::*;
use crate::doc::Limit;
use crate::store::{entry_bytes, retention, stored_len};

/// Room kept for the header of the next checkpoint (bindings, statistics)
/// before the first checkpoint tells its real size.
const CHECKPOINT_HEADER: u64 = 4096;

/// Bytes a document's records take in the store.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct DiskUse {
    /// The log, as written.
    log: u64,
    /// The kept checkpoints.
    checkpoints: u64,
    /// The newest checkpoint.
    newest: u64,
}

/// What the document may still grow by before a limit refuses an update.
pub(super) struct Space {
    /// Bytes of state and log since the last checkpoint (`--max-doc-bytes`).
    doc: u64,
    /// Bytes in the store (`--max-doc-disk-bytes`).
    disk: u64,
}

impl Space {
    /// Takes room for an update of `size` bytes by `author`, or says which
    /// limit it would pass. On disk it costs its log entry and its share of
    /// the next checkpoint.
    pub(super) fn take(&mut self, author: &str, size: usize) -> Result<(), Limit> {
        let (state, disk) = (size as u64, entry_bytes(author, size) + size as u64);
        if state > self.doc {
            return Err(Limit::DocBytes);
        }
        if disk > self.disk {
            return Err(Limit::DiskBytes);
        }
        self.doc -= state;
        self.disk -= disk;
        Ok(())
    }
}

impl Actor {
    pub(super) async fn load(&mut self) -> Result<(), StoreError> {
        let store = &self.context.store;
        let meta = store.get_meta(&self.id).await?;
        self.meta_stored = meta.is_some();
        self.meta = meta.unwrap_or_else(|| DocMeta {
            created: wall_ms(),
            ..DocMeta::default()
        });
        let Some(stored) = store.load(&self.id).await? else {
            self.disk = DiskUse::default();
            return Ok(());
        };
        self.disk = match (self.meta.log_bytes, self.meta.checkpoint_bytes) {
            (Some(log), Some(checkpoints)) => DiskUse {
                log,
                checkpoints,
                newest: 0,
            },
            // Stored before its bytes were counted: count them once.
            _ => {
                let usage = store.usage(&self.id).await?;
                DiskUse {
                    log: usage.log_bytes,
                    checkpoints: usage.checkpoint_bytes,
                    newest: 0,
                }
            }
        };
        let newest = stored.checkpoint.as_ref().map(|c| c.seq);
        self.disk.newest = match store.checkpoints(&self.id).await?.last() {
            Some(info) if Some(info.seq) == newest => info.bytes,
            _ => stored
                .checkpoint
                .as_ref()
                .map_or(0, |c| c.state.len() as u64),
        };
        let corrupt = |e: CoreError| StoreError::Corrupt {
            key: self.id.clone(),
            reason: e.to_string(),
        };
        self.stats = Stats::default();
        let (mut checkpoint, mut entries) = (stored.checkpoint, stored.entries);
        let mut document = loop {
            let Some(c) = checkpoint else {
                break Document::new();
            };
            match Document::from_checkpoint(&c.state, c.bindings) {
                Ok(document) => {
                    self.checkpoint_seq = c.seq;
                    self.next_seq = c.seq + 1;
                    self.stats = c.stats;
                    break document;
                }
                // The log is kept whole: an older checkpoint and more of the
                // log give the same state.
                Err(e) => {
                    error!(doc = %self.id, seq = c.seq, error = %e,
                        "a checkpoint does not load; replaying more of the log");
                    checkpoint = match c.seq {
                        0 | 1 => None,
                        seq => store.checkpoint_at(&self.id, seq - 1).await?,
                    };
                    let from = checkpoint.as_ref().map_or(0, |o| o.seq) + 1;
                    let mut more = store.log_range(&self.id, from, c.seq).await?;
                    more.append(&mut entries);
                    entries = more;
                }
            }
        };
        for entry in &entries {
            document
                .replay(&entry.update, &Arc::from(entry.author.as_str()))
                .map_err(corrupt)?;
            self.stats.record(&entry.author, entry.ts, entry.applied);
            self.next_seq = entry.seq + 1;
            self.bytes_since_checkpoint += entry.update.len() as u64;
        }
        self.room = Room::new(document);
        Ok(())
    }

    /// The document's size as stored: the last checkpoint plus the log since.
    pub(super) fn stored_size(&self) -> u64 {
        self.meta.size + self.bytes_since_checkpoint + log_bytes(&self.unsaved)
    }

    /// Room left under `--max-doc-bytes` and `--max-doc-disk-bytes`. The
    /// disk counts the log and checkpoints stored, what is not yet stored,
    /// and room for the next checkpoint (the newest one plus the log since),
    /// so that the checkpoint written when the document unloads fits too.
    pub(super) fn space(&self) -> Space {
        let unsaved: u64 = self.unsaved.iter().map(stored_len).sum();
        let next_checkpoint = self.disk.newest.max(self.meta.size)
            + self.bytes_since_checkpoint
            + log_bytes(&self.unsaved)
            + CHECKPOINT_HEADER;
        let disk = self.disk.log + self.disk.checkpoints + unsaved + next_checkpoint;
        Space {
            doc: self
                .context
                .max_doc_bytes
                .saturating_sub(self.stored_size()),
            disk: self.context.max_doc_disk_bytes.saturating_sub(disk),
        }
    }

    /// Rebuilds the document from the store plus what is not yet stored,
    /// after yrs failed part-way through an update.
    pub(super) async fn rebuild(&mut self) {
        // The sync in flight settles first: its entries are then either
        // stored or back in `unsaved`.
        self.settle().await;
        let unsaved = mem::take(&mut self.unsaved);
        let (next_seq, checkpoint_seq, bytes) = (
            self.next_seq,
            self.checkpoint_seq,
            self.bytes_since_checkpoint,
        );
        self.next_seq = 1;
        self.checkpoint_seq = 0;
        self.bytes_since_checkpoint = 0;
        let result = self.load().await;
        let mut document_ok = result.is_ok();
        if document_ok {
            let mut document = mem::take(self.room.document_mut());
            for entry in &unsaved {
                document_ok &= document
                    .replay(&entry.update, &Arc::from(entry.author.as_str()))
                    .is_ok();
            }
            self.room.replace_document(document);
        }
        self.unsaved = unsaved;
        (
            self.next_seq,
            self.checkpoint_seq,
            self.bytes_since_checkpoint,
        ) = (next_seq, checkpoint_seq, bytes);
        if !document_ok {
            error!("rebuilding after a failed update failed; closing every connection");
            for conn in self.conns.keys().copied().collect::<Vec<_>>() {
                self.kick(
                    conn,
                    Outbound::Close(close::INTERNAL, "document reloading".into()),
                );
            }
        }
    }

    /// Makes everything applied durable and sends the owed acks, waiting
    /// for it; returns with entries still unsaved only when the store failed.
    pub(super) async fn persist(&mut self) {
        loop {
            self.settle().await;
            self.start_sync(true).await;
            if self.syncing.is_none() {
                return;
            }
        }
    }

    /// Waits for the sync in flight, if any, and acts on its outcome.
    pub(super) async fn settle(&mut self) {
        if let Some(syncing) = self.syncing.as_mut() {
            let result = (&mut syncing.done).await;
            self.synced(result);
        }
    }

    /// Writes what is unsaved and starts making it durable, unless a sync is
    /// in flight already: what is unsaved then waits for the next one. The
    /// document's task goes on applying while the disk works.
    ///
    /// A sync starts only when `durable` or when an acknowledgement waits for
    /// it: what nobody waits for is flushed with the next sync or by the
    /// store's own timer (`--flush-interval-ms`), so clients that did not ask
    /// for acknowledgements cost no flush per update.
    pub(super) async fn start_sync(&mut self, durable: bool) {
        if self.syncing.is_some() || self.retry_at.is_some_and(|at| Instant::now() < at) {
            return;
        }
        let must_sync = durable || !self.owed_acks.is_empty();
        if self.unsaved.is_empty() && !(durable && self.unsynced) {
            // Everything before these acknowledgements is durable.
            let owed = mem::take(&mut self.owed_acks);
            self.send_acks(owed);
            self.checkpoint_if_due().await;
            return;
        }
        if !self.unsaved.is_empty() {
            if let Err(e) = self.context.store.write(&self.id, &self.unsaved).await {
                self.store_failed(&e);
                return;
            }
            self.bytes_since_checkpoint += log_bytes(&self.unsaved);
            self.disk.log += self.unsaved.iter().map(stored_len).sum::<u64>();
            self.meta.updated = self.unsaved.last().map_or(self.meta.updated, |e| e.ts);
            self.meta.revisions = self.next_seq - 1;
            self.store_meta().await;
        }
        let entries = mem::take(&mut self.unsaved);
        if !must_sync {
            self.unsynced = true;
            self.context
                .metrics
                .entries_appended
                .inc_by(entries.len() as u64);
            return;
        }
        self.unsynced = false;
        let store = self.context.store.clone();
        self.syncing = Some(Syncing {
            done: Box::pin(async move { store.sync().await }),
            entries,
            acks: mem::take(&mut self.owed_acks),
            started: Instant::now(),
        });
    }

    /// A sync finished: its acknowledgements go out, or on failure its
    /// entries wait to be written again (the log keeps each seq once).
    pub(super) fn synced(&mut self, result: Result<(), StoreError>) {
        let Some(syncing) = self.syncing.take() else {
            return;
        };
        match result {
            Ok(()) => {
                self.retry_at = None;
                let metrics = &self.context.metrics;
                metrics
                    .append_seconds
                    .observe(syncing.started.elapsed().as_secs_f64());
                metrics
                    .entries_appended
                    .inc_by(syncing.entries.len() as u64);
                self.send_acks(syncing.acks);
            }
            Err(e) => {
                self.store_failed(&e);
                self.unsynced = true;
                let entries = syncing.entries;
                self.bytes_since_checkpoint = self
                    .bytes_since_checkpoint
                    .saturating_sub(log_bytes(&entries));
                let stored: u64 = entries.iter().map(stored_len).sum();
                self.disk.log = self.disk.log.saturating_sub(stored);
                self.unsaved.splice(0..0, entries);
                for (conn, number) in syncing.acks {
                    self.owe_ack(conn, number);
                }
            }
        }
    }

    fn store_failed(&mut self, e: &StoreError) {
        error!(error = %e, pending = self.unsaved.len(), "append failed; will retry, nothing acknowledged");
        self.context.metrics.store_errors.inc();
        self.retry_at = Some(Instant::now() + RETRY_AFTER);
    }

    fn send_acks(&mut self, acks: HashMap<u64, u64>) {
        for (conn, number) in acks {
            // Owed only to connections that asked; some may have left.
            if self.conns.contains_key(&conn) {
                self.send_to(conn, protocol::saved(number));
            }
        }
    }

    /// A checkpoint rewrites the whole state, so it waits until the log
    /// since the last one is at least that size: its cost stays a constant
    /// share of what is logged, however large the document, and a load
    /// replays at most about a state's worth of log. By bytes, too: after
    /// `--checkpoint-bytes` of log, or the state's size if larger (up to a
    /// quarter of `--max-doc-bytes`, which counts the log since the last
    /// checkpoint), so that a large document is not rewritten whole for
    /// every few megabytes logged.
    async fn checkpoint_if_due(&mut self) {
        let since = self.next_seq - 1 - self.checkpoint_seq;
        let amortized = self.bytes_since_checkpoint >= self.meta.size;
        let by_bytes = self
            .context
            .checkpoint_bytes
            .max(self.meta.size.min(self.context.max_doc_bytes / 4));
        if (since >= self.context.checkpoint_entries && amortized)
            || self.bytes_since_checkpoint >= by_bytes
        {
            self.checkpoint().await;
        }
    }

    pub(super) async fn store_meta(&mut self) {
        if let Some(title) = self.room.document().title() {
            self.meta.title = title;
        }
        self.meta.log_bytes = Some(self.disk.log);
        self.meta.checkpoint_bytes = Some(self.disk.checkpoints);
        match self.context.store.put_meta(&self.id, &self.meta).await {
            Ok(()) => self.meta_stored = true,
            Err(e) => warn!(error = %e, "metadata not stored"),
        }
    }

    pub(super) async fn checkpoint(&mut self) {
        let seq = self.next_seq - 1;
        if seq == self.checkpoint_seq || !self.unsaved.is_empty() || self.syncing.is_some() {
            return;
        }
        let document = self.room.document();
        let checkpoint = Checkpoint {
            seq,
            state: document.encode_state(),
            bindings: document.bindings().clone(),
            stats: self.stats.clone(),
            log_bytes: self.disk.log,
        };
        let state = checkpoint.state.len() as u64;
        self.meta.size = state;
        match self.context.store.checkpoint(&self.id, &checkpoint).await {
            Ok(()) => {
                self.checkpoint_seq = seq;
                self.bytes_since_checkpoint = 0;
                self.context.metrics.checkpoints.inc();
                self.retain_checkpoints(seq, state).await;
                self.store_meta().await;
            }
            Err(e) => warn!(error = %e, "checkpoint not written; the log still holds everything"),
        }
    }

    /// Counts the checkpoint just written at `seq` and removes those history
    /// no longer needs (see [`retention`]).
    async fn retain_checkpoints(&mut self, seq: u64, state: u64) {
        let store = &self.context.store;
        let infos = match store.checkpoints(&self.id).await {
            Ok(infos) => infos,
            Err(e) => {
                warn!(error = %e, "checkpoints not listed; none removed");
                self.disk.checkpoints += state;
                self.disk.newest = state;
                return;
            }
        };
        let written = infos
            .iter()
            .find(|c| c.seq == seq)
            .map_or(state, |c| c.bytes);
        self.disk.checkpoints += written;
        self.disk.newest = written;
        let drop = retention::thin(
            &infos,
            self.context.checkpoint_bytes,
            self.context
                .checkpoint_entries
                .saturating_mul(RETAIN_ENTRIES),
        );
        if drop.is_empty() {
            return;
        }
        let freed: u64 = infos
            .iter()
            .filter(|c| drop.contains(&c.seq))
            .map(|c| c.bytes)
            .sum();
        match store.remove_checkpoints(&self.id, &drop).await {
            Ok(()) => {
                self.disk.checkpoints = self.disk.checkpoints.saturating_sub(freed);
                self.context
                    .metrics
                    .checkpoints_removed
                    .inc_by(drop.len() as u64);
                debug!(removed = drop.len(), freed, "checkpoints thinned");
            }
            Err(e) => warn!(error = %e, "old checkpoints not removed; they stay"),
        }
    }
}

/// A checkpoint is kept at least every this many times `--checkpoint-entries`
/// entries (when it is no larger than the log since the previous kept one).
const RETAIN_ENTRIES: u64 = 4;

/// Bytes of updates in `entries`.
fn log_bytes(entries: &[LogEntry]) -> u64 {
    entries.iter().map(|e| e.update.len() as u64).sum()
}
