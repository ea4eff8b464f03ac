//! Carrying out the engine's actions: frames into connections' queues,
//! store calls whose outcomes go back to the engine, metrics.

use quire_engine::{Action, Metric};
use tokio::sync::mpsc::error::TrySendError;

use super::Actor;
use crate::doc::Outbound;

impl Actor {
    /// Carries out every action the engine has queued, in order, reporting
    /// each store call's outcome before the next action.
    pub(super) async fn drain(&mut self) {
        while let Some(action) = self.engine.poll_action() {
            self.act(action).await;
        }
    }

    async fn act(&mut self, action: Action) {
        let store = &self.context.store;
        let id = self.id.as_str();
        match action {
            Action::Send { conn, frame } => {
                let Some(link) = self.links.get(&conn) else {
                    return;
                };
                match link.tx.try_send(Outbound::Frame(frame)) {
                    Ok(()) => {}
                    Err(TrySendError::Full(_)) => self.send_failed(conn, true),
                    Err(TrySendError::Closed(_)) => self.send_failed(conn, false),
                }
            }
            Action::Broadcast { frame, except } => {
                let mut behind = Vec::new();
                for (conn, link) in &self.links {
                    if Some(*conn) == except {
                        continue;
                    }
                    if link.tx.try_send(Outbound::Frame(frame.clone())).is_err() {
                        behind.push(*conn);
                    }
                }
                for conn in behind {
                    self.send_failed(conn, true);
                }
            }
            Action::Close { conn, code, reason } => {
                let link = self.links.remove(&conn).or(self.failing.remove(&conn));
                if let Some(link) = link {
                    let _ = link.tx.try_send(Outbound::Close(code, reason));
                    link.dropped.cancel();
                }
            }
            Action::Write(entries) => {
                let result = store.write(id, &entries).await;
                let now = self.now();
                self.engine.written(result.map_err(|e| e.to_string()), now);
            }
            Action::Sync => {
                let store = store.clone();
                self.sync = Some(Box::pin(async move { store.sync().await }));
            }
            Action::PutMeta(meta) => {
                let result = store.put_meta(id, &meta).await;
                self.engine.meta_stored(result.map_err(|e| e.to_string()));
            }
            Action::Checkpoint(checkpoint) => {
                let result = store.checkpoint(id, &checkpoint).await;
                self.engine
                    .checkpoint_written(result.map_err(|e| e.to_string()));
            }
            Action::ListCheckpoints => {
                let result = store.checkpoints(id).await;
                self.engine
                    .checkpoints_listed(result.map_err(|e| e.to_string()));
            }
            Action::RemoveCheckpoints(seqs) => {
                let result = store.remove_checkpoints(id, &seqs).await;
                self.engine
                    .checkpoints_removed(result.map_err(|e| e.to_string()));
            }
            Action::Rebuild => {
                // The sync in flight settles first: its entries are then
                // either stored or back among the unsaved.
                self.settle().await;
                let store = self.context.store.clone();
                let loaded = super::load::load(&*store, &self.id, self.clock.wall_ms()).await;
                let now = self.now();
                self.engine.rebuilt(loaded.map_err(|e| e.to_string()), now);
            }
            Action::Metric(metric, by) => {
                let metrics = &self.context.metrics;
                let counter = match metric {
                    Metric::UpdatesApplied => &metrics.updates_applied,
                    Metric::EntriesAppended => &metrics.entries_appended,
                    Metric::FramesRelayed => &metrics.frames_relayed,
                    Metric::LaggingClosed => &metrics.lagging_closed,
                    Metric::RefusedMessages => &metrics.refused_messages,
                    Metric::ChatRefused => &metrics.chat_refused,
                    Metric::AwarenessDropped => &metrics.awareness_dropped,
                    Metric::StoreErrors => &metrics.store_errors,
                    Metric::Checkpoints => &metrics.checkpoints,
                    Metric::CheckpointsRemoved => &metrics.checkpoints_removed,
                    Metric::DocTooLarge => &metrics.doc_too_large,
                    Metric::DocDiskFull => &metrics.doc_disk_full,
                };
                counter.inc_by(by);
            }
            Action::SyncTook(took) => {
                self.context
                    .metrics
                    .append_seconds
                    .observe(took.as_secs_f64());
            }
        }
    }

    /// A frame did not fit a connection's queue (`full`) or the connection
    /// is gone: nothing more goes to it, and the engine decides its close.
    fn send_failed(&mut self, conn: u64, full: bool) {
        if let Some(link) = self.links.remove(&conn) {
            self.failing.insert(conn, link);
        }
        let now = self.now();
        self.engine.send_failed(conn, full, now);
    }
}
