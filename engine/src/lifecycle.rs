//! A document's life: ticks, idleness and unloading, rebuilding after yrs
//! failed part-way through an update, deletion.

use std::mem;

use crdt_core::Room;
use tracing::error;

use crate::storage::Loaded;
use crate::types::close::{self, reason};
use crate::{Engine, Now};

impl Engine {
    /// The document reloaded for [`Action::Rebuild`] (after the sync in
    /// flight was reported): what is unsaved is replayed onto it, and the
    /// rest of the batch applied. If it did not load, every connection is
    /// closed.
    pub fn rebuilt(&mut self, result: Result<Loaded, String>, now: Now) {
        self.rebuilding = false;
        let mut document_ok = result.is_ok();
        if let Ok(loaded) = result {
            self.meta = loaded.meta;
            self.meta_stored = loaded.meta_stored;
            self.disk = loaded.disk;
            self.stats = loaded.stats;
            let mut document = loaded.document;
            for entry in self.pending() {
                document_ok &= document
                    .replay(&entry.update, &std::sync::Arc::from(entry.author.as_str()))
                    .is_ok();
            }
            if loaded.fresh {
                self.room.replace_document(document);
            } else {
                self.room = Room::new(document);
            }
        }
        if !document_ok {
            error!("rebuilding after a failed update failed; closing every connection");
            for conn in self.conns.keys().copied().collect::<Vec<_>>() {
                self.kick(conn, close::INTERNAL, reason::RELOADING.into(), now);
            }
        }
        let rest = self.resume.take().unwrap_or_default();
        self.apply_batch(rest, now);
    }

    /// A tick: expires presence and chat budgets, stores changed names and
    /// retries writes. Then ask [`Engine::idle_expired`].
    pub fn tick(&mut self, now: Now) {
        self.presence_changed |= self.room.expire(now.millis());
        self.chat_budgets
            .retain(|_, budget| !budget.is_full(now.at));
        if mem::take(&mut self.names_changed) && self.meta_stored && !self.discarded {
            self.store_meta();
        }
        if !self.unsaved.is_empty() {
            self.start_sync(false, now);
        }
    }

    /// Whether the document has been idle (no connection, nothing unsaved
    /// or in flight) for `idle_unload`: then unload it if
    /// [`Engine::can_unload`].
    pub fn idle_expired(&mut self, now: Now) -> bool {
        if !self.conns.is_empty()
            || !self.unsaved.is_empty()
            || self.writing.is_some()
            || self.syncing.is_some()
        {
            self.idle_since = None;
            return false;
        }
        let idle = *self.idle_since.get_or_insert(now.at);
        now.at.saturating_sub(idle) >= self.config.idle_unload
    }

    /// Whether nothing holds the document: no connection, no batch, nothing
    /// unsaved or in flight. Checkpoint it, then unload.
    pub fn can_unload(&self) -> bool {
        self.conns.is_empty()
            && self.batch.is_empty()
            && self.unsaved.is_empty()
            && self.writing.is_none()
            && self.syncing.is_none()
            && !self.rebuilding
    }

    /// The document is being deleted: every connection is closed and
    /// nothing more is written.
    pub fn discard(&mut self, now: Now) {
        for conn in self.conns.keys().copied().collect::<Vec<_>>() {
            self.kick(
                conn,
                close::GOING_AWAY,
                reason::DOCUMENT_DELETED.into(),
                now,
            );
        }
        self.batch.clear();
        self.unsaved.clear();
        self.owed_acks.clear();
        self.writing = None;
        self.syncing = None;
        self.discarded = true;
    }
}
