//! Making batches durable (group commit, owed acks, retries) and the
//! limits on what a document may grow to.

use std::collections::HashMap;
use std::mem;
use std::time::Duration;

use crdt_core::Document;
use crdt_core::authorship::Stats;
use tracing::error;

use crate::record::{DocMeta, LogEntry, entry_bytes, stored_len};
use crate::types::{Action, Limit, Metric};
use crate::{Engine, Now, RETRY_AFTER};

/// Room kept for the header of the next checkpoint (bindings, statistics)
/// before the first checkpoint tells its real size.
const CHECKPOINT_HEADER: u64 = 4096;

/// Bytes a document's records take in the store.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DiskUse {
    /// The log, as written.
    pub log: u64,
    /// The kept checkpoints.
    pub checkpoints: u64,
    /// The newest checkpoint.
    pub newest: u64,
}

/// A document as read from the store, for [`Engine::new`] and
/// [`Engine::rebuilt`].
#[derive(Debug)]
pub struct Loaded {
    /// Its state: the newest checkpoint that loads, the log after it replayed.
    pub document: Document,
    /// Nothing was stored: a new document.
    pub fresh: bool,
    pub meta: DocMeta,
    /// Whether `meta` was read from the store.
    pub meta_stored: bool,
    pub disk: DiskUse,
    /// Per-author statistics up to the last entry.
    pub stats: Stats,
    /// One past the last entry.
    pub next_seq: u64,
    /// The seq of the checkpoint loaded from (0: none).
    pub checkpoint_seq: u64,
    /// Bytes of updates logged after that checkpoint.
    pub bytes_since_checkpoint: u64,
}

impl Loaded {
    /// A document never stored, created at `wall_ms`.
    pub fn empty(wall_ms: u64) -> Self {
        Self {
            document: Document::new(),
            fresh: true,
            meta: DocMeta {
                created: wall_ms,
                ..DocMeta::default()
            },
            meta_stored: false,
            disk: DiskUse::default(),
            stats: Stats::default(),
            next_seq: 1,
            checkpoint_seq: 0,
            bytes_since_checkpoint: 0,
        }
    }
}

/// Entries handed to the store, with the acks owed once they are durable.
pub(crate) struct Writing {
    entries: Vec<LogEntry>,
    acks: HashMap<u64, u64>,
    must_sync: bool,
}

/// Written entries and the sync in flight that makes them durable.
pub(crate) struct Syncing {
    entries: Vec<LogEntry>,
    /// Acknowledgements owed once `entries` are durable.
    acks: HashMap<u64, u64>,
    started: Duration,
}

/// What the document may still grow by before a limit refuses an update.
pub(crate) struct Space {
    /// Bytes of state and log since the last checkpoint (`--max-doc-bytes`).
    doc: u64,
    /// Bytes in the store (`--max-doc-disk-bytes`).
    disk: u64,
}

impl Space {
    /// Takes room for an update of `size` bytes by `author`, or says which
    /// limit it would pass. On disk it costs its log entry and its share of
    /// the next checkpoint.
    pub(crate) fn take(&mut self, author: &str, size: usize) -> Result<(), Limit> {
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

/// Bytes of updates in `entries`.
fn log_bytes<'a>(entries: impl IntoIterator<Item = &'a LogEntry>) -> u64 {
    entries.into_iter().map(|e| e.update.len() as u64).sum()
}

impl Engine {
    /// Entries applied and not yet written: being written, then unsaved.
    pub(crate) fn pending(&self) -> impl Iterator<Item = &LogEntry> {
        let writing = self.writing.iter().flat_map(|w| w.entries.iter());
        writing.chain(self.unsaved.iter())
    }

    /// The document's size as stored: the last checkpoint plus the log since.
    fn stored_size(&self) -> u64 {
        self.meta.size + self.bytes_since_checkpoint + log_bytes(self.pending())
    }

    /// Room left under `--max-doc-bytes` and `--max-doc-disk-bytes`. The
    /// disk counts the log and checkpoints stored, what is not yet stored,
    /// and room for the next checkpoint (the newest one plus the log since),
    /// so that the checkpoint written when the document unloads fits too.
    pub(crate) fn space(&self) -> Space {
        let unsaved: u64 = self.pending().map(stored_len).sum();
        let next_checkpoint = self.disk.newest.max(self.meta.size)
            + self.bytes_since_checkpoint
            + log_bytes(self.pending())
            + CHECKPOINT_HEADER;
        let disk = self.disk.log + self.disk.checkpoints + unsaved + next_checkpoint;
        Space {
            doc: self.config.max_doc_bytes.saturating_sub(self.stored_size()),
            disk: self.config.max_doc_disk_bytes.saturating_sub(disk),
        }
    }

    /// Writes what is unsaved and starts making it durable, unless a write
    /// or sync is in flight already: what is unsaved then waits for the
    /// next one. The caller goes on applying while the disk works.
    ///
    /// A sync starts only when `durable` or when an acknowledgement waits for
    /// it: what nobody waits for is flushed with the next sync or by the
    /// store's own timer, so clients that did not ask for acknowledgements
    /// cost no flush per update.
    pub fn start_sync(&mut self, durable: bool, now: Now) {
        if self.syncing.is_some()
            || self.writing.is_some()
            || self.rebuilding
            || self.retry_at.is_some_and(|at| now.at < at)
        {
            return;
        }
        let must_sync = durable || !self.owed_acks.is_empty();
        if self.unsaved.is_empty() && !(durable && self.unsynced) {
            // Everything before these acknowledgements is durable.
            let owed = mem::take(&mut self.owed_acks);
            self.send_acks(owed);
            self.checkpoint_if_due();
            return;
        }
        let acks = mem::take(&mut self.owed_acks);
        if self.unsaved.is_empty() {
            self.sync_written(Vec::new(), acks, now);
            return;
        }
        let entries = mem::take(&mut self.unsaved);
        self.push(Action::Write(entries.clone()));
        self.writing = Some(Writing {
            entries,
            acks,
            must_sync,
        });
    }

    /// The write of [`Action::Write`] finished.
    pub fn written(&mut self, result: Result<(), String>, now: Now) {
        let Some(writing) = self.writing.take() else {
            return;
        };
        let Writing {
            entries,
            acks,
            must_sync,
        } = writing;
        if let Err(e) = result {
            self.unsaved.splice(0..0, entries);
            self.owe_acks(acks);
            self.store_failed(&e, now);
            return;
        }
        self.bytes_since_checkpoint += log_bytes(&entries);
        self.disk.log += entries.iter().map(stored_len).sum::<u64>();
        self.meta.updated = entries.last().map_or(self.meta.updated, |e| e.ts);
        self.meta.revisions = self.next_seq - 1;
        self.store_meta();
        if !must_sync {
            self.unsynced = true;
            self.count(Metric::EntriesAppended, entries.len() as u64);
            return;
        }
        self.sync_written(entries, acks, now);
    }

    fn sync_written(&mut self, entries: Vec<LogEntry>, acks: HashMap<u64, u64>, now: Now) {
        self.unsynced = false;
        self.syncing = Some(Syncing {
            entries,
            acks,
            started: now.at,
        });
        self.push(Action::Sync);
    }

    fn owe_acks(&mut self, acks: HashMap<u64, u64>) {
        for (conn, number) in acks {
            self.owe_ack(conn, number);
        }
    }

    /// The sync of [`Action::Sync`] finished: its acknowledgements go out,
    /// or on failure its entries wait to be written again (the log keeps
    /// each seq once).
    pub fn synced(&mut self, result: Result<(), String>, now: Now) {
        let Some(syncing) = self.syncing.take() else {
            return;
        };
        match result {
            Ok(()) => {
                self.retry_at = None;
                self.push(Action::SyncTook(now.at.saturating_sub(syncing.started)));
                self.count(Metric::EntriesAppended, syncing.entries.len() as u64);
                self.send_acks(syncing.acks);
            }
            Err(e) => {
                self.store_failed(&e, now);
                self.unsynced = true;
                let entries = syncing.entries;
                self.bytes_since_checkpoint = self
                    .bytes_since_checkpoint
                    .saturating_sub(log_bytes(&entries));
                let stored: u64 = entries.iter().map(stored_len).sum();
                self.disk.log = self.disk.log.saturating_sub(stored);
                self.unsaved.splice(0..0, entries);
                self.owe_acks(syncing.acks);
            }
        }
    }

    fn store_failed(&mut self, e: &str, now: Now) {
        error!(error = %e, pending = self.unsaved.len(), "append failed; will retry, nothing acknowledged");
        self.count(Metric::StoreErrors, 1);
        self.retry_at = Some(now.at + RETRY_AFTER);
    }

    /// Allows a write before the retry pause is over (shutdown, an edit).
    pub fn retry_now(&mut self) {
        self.retry_at = None;
    }

    fn send_acks(&mut self, acks: HashMap<u64, u64>) {
        for (conn, number) in acks {
            // Owed only to connections that asked; some may have left.
            self.send_to(conn, crdt_core::protocol::saved(number));
        }
    }
}
