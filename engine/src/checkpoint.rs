//! Checkpoints: when one is due, writing it, and thinning the old ones;
//! the metadata stored beside them.

use tracing::{debug, warn};

use crate::record::{Checkpoint, CheckpointInfo};
use crate::types::{Action, Metric};
use crate::{Engine, retention};

/// A checkpoint is kept at least every this many times `checkpoint_entries`
/// entries (when it is no larger than the log since the previous kept one).
const RETAIN_ENTRIES: u64 = 4;

/// A checkpoint on its way: written, then the old ones thinned.
pub(crate) struct Checkpointing {
    seq: u64,
    state: u64,
    freed: u64,
    removed: u64,
}

impl Engine {
    /// A checkpoint rewrites the whole state, so it waits until the log
    /// since the last one is at least that size: its cost stays a constant
    /// share of what is logged, however large the document, and a load
    /// replays at most about a state's worth of log. By bytes, too: after
    /// `checkpoint_bytes` of log, or the state's size if larger (up to a
    /// quarter of `max_doc_bytes`, which counts the log since the last
    /// checkpoint), so that a large document is not rewritten whole for
    /// every few megabytes logged.
    pub(crate) fn checkpoint_if_due(&mut self) {
        let since = self.next_seq - 1 - self.checkpoint_seq;
        let amortized = self.bytes_since_checkpoint >= self.meta.size;
        let by_bytes = self
            .config
            .checkpoint_bytes
            .max(self.meta.size.min(self.config.max_doc_bytes / 4));
        if (since >= self.config.checkpoint_entries && amortized)
            || self.bytes_since_checkpoint >= by_bytes
        {
            self.checkpoint();
        }
    }

    /// Queues the metadata for the store.
    pub fn store_meta(&mut self) {
        if let Some(title) = self.room.document().title() {
            self.meta.title = title;
        }
        self.meta.log_bytes = Some(self.disk.log);
        self.meta.checkpoint_bytes = Some(self.disk.checkpoints);
        self.push(Action::PutMeta(self.meta.clone()));
    }

    /// The metadata of [`Action::PutMeta`] was stored, or not.
    pub fn meta_stored(&mut self, result: Result<(), String>) {
        match result {
            Ok(()) => self.meta_stored = true,
            Err(e) => warn!(error = %e, "metadata not stored"),
        }
    }

    /// Writes a checkpoint of everything logged, if anything is new and all
    /// of it is stored.
    pub fn checkpoint(&mut self) {
        let seq = self.next_seq - 1;
        if seq == self.checkpoint_seq
            || !self.unsaved.is_empty()
            || self.writing.is_some()
            || self.syncing.is_some()
            || self.checkpointing.is_some()
        {
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
        self.checkpointing = Some(Checkpointing {
            seq,
            state,
            freed: 0,
            removed: 0,
        });
        self.push(Action::Checkpoint(checkpoint));
    }

    /// The checkpoint of [`Action::Checkpoint`] was written, or not.
    pub fn checkpoint_written(&mut self, result: Result<(), String>) {
        let Some(checkpointing) = &self.checkpointing else {
            return;
        };
        match result {
            Ok(()) => {
                self.checkpoint_seq = checkpointing.seq;
                self.bytes_since_checkpoint = 0;
                self.count(Metric::Checkpoints, 1);
                self.push(Action::ListCheckpoints);
            }
            Err(e) => {
                warn!(error = %e, "checkpoint not written; the log still holds everything");
                self.checkpointing = None;
            }
        }
    }

    /// The list of [`Action::ListCheckpoints`]: counts the checkpoint just
    /// written and removes those history no longer needs (see
    /// [`retention`]).
    pub fn checkpoints_listed(&mut self, result: Result<Vec<CheckpointInfo>, String>) {
        let Some(checkpointing) = &mut self.checkpointing else {
            return;
        };
        let (seq, state) = (checkpointing.seq, checkpointing.state);
        let infos = match result {
            Ok(infos) => infos,
            Err(e) => {
                warn!(error = %e, "checkpoints not listed; none removed");
                self.disk.checkpoints += state;
                self.disk.newest = state;
                return self.checkpoint_done();
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
            self.config.checkpoint_bytes,
            self.config
                .checkpoint_entries
                .saturating_mul(RETAIN_ENTRIES),
        );
        if drop.is_empty() {
            return self.checkpoint_done();
        }
        checkpointing.freed = infos
            .iter()
            .filter(|c| drop.contains(&c.seq))
            .map(|c| c.bytes)
            .sum();
        checkpointing.removed = drop.len() as u64;
        self.push(Action::RemoveCheckpoints(drop));
    }

    /// The checkpoints of [`Action::RemoveCheckpoints`] were removed, or not.
    pub fn checkpoints_removed(&mut self, result: Result<(), String>) {
        let Some(checkpointing) = &self.checkpointing else {
            return;
        };
        match result {
            Ok(()) => {
                let (freed, removed) = (checkpointing.freed, checkpointing.removed);
                self.disk.checkpoints = self.disk.checkpoints.saturating_sub(freed);
                self.count(Metric::CheckpointsRemoved, removed);
                debug!(removed, freed, "checkpoints thinned");
            }
            Err(e) => warn!(error = %e, "old checkpoints not removed; they stay"),
        }
        self.checkpoint_done();
    }

    fn checkpoint_done(&mut self) {
        self.checkpointing = None;
        self.store_meta();
    }
}
