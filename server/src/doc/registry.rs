//! The loaded documents: finds a document's actor, spawning it on first use.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crdt_core::AuthorId;
use tokio::sync::{mpsc, oneshot};

use super::actor::{Actor, Context};
use super::{Control, EditError, FromConn, Join, Snapshot};
use crate::clock::Clock;

/// Frames queued to one document before readers wait (backpressure).
const FRAME_QUEUE: usize = 1024;

pub(crate) struct Entry {
    control: mpsc::UnboundedSender<Control>,
    /// Every joined connection holds a clone: one sender means none.
    frames: mpsc::Sender<FromConn>,
    generation: u64,
    /// When it was last used (ms since the registry started): asked for, or
    /// left by a connection.
    last_used: Arc<AtomicU64>,
    /// Asked to unload early; cleared by the document if it stays.
    evicting: Arc<AtomicBool>,
}

/// Loaded documents by id.
///
/// The mutex guards the map only and is never held across an await. Control
/// messages are sent while it is held, and an idle actor removes itself while
/// holding it after seeing its control queue empty, so no message can reach
/// an actor that is exiting.
pub(crate) type DocMap = Arc<Mutex<HashMap<String, Entry>>>;

/// Finds or starts the actor of each document.
#[derive(Clone)]
pub struct Registry {
    docs: DocMap,
    context: Arc<Context>,
    clock: Arc<dyn Clock>,
    generations: Arc<AtomicU64>,
    epoch: Instant,
}

/// A joined connection's way to its document.
#[derive(Debug, Clone)]
pub struct DocHandle {
    frames: mpsc::Sender<FromConn>,
    last_used: Arc<AtomicU64>,
    epoch: Instant,
}

impl DocHandle {
    /// Hands a frame to the document; waits when the document is busy.
    /// Returns false when the document is gone. The frame is read here, on
    /// the connection's task: updates are scanned and decoded beside the
    /// document's task rather than in it.
    pub async fn frame(&self, conn: u64, frame: bytes::Bytes) -> bool {
        let frame = Box::new(crdt_core::session::Frame::read(frame));
        self.frames
            .send(FromConn::Frame { conn, frame })
            .await
            .is_ok()
    }

    /// Tells the document that the connection closed.
    pub async fn leave(&self, conn: u64) {
        let now = self.epoch.elapsed().as_millis() as u64;
        self.last_used.store(now, Ordering::Relaxed);
        let _ = self.frames.send(FromConn::Leave { conn }).await;
    }
}

impl Registry {
    pub(crate) fn new(context: Context) -> Self {
        Self {
            docs: Arc::default(),
            context: Arc::new(context),
            clock: crate::clock::system(),
            generations: Arc::default(),
            epoch: Instant::now(),
        }
    }

    /// The registry with `clock` for the documents it loads from now on.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn send(&self, doc: &str, control: Control) -> DocHandle {
        let mut docs = self.docs.lock().unwrap();
        if let Some(entry) = docs.get(doc) {
            match entry.control.send(control) {
                Ok(()) => {
                    entry.last_used.store(self.now(), Ordering::Relaxed);
                    return DocHandle {
                        frames: entry.frames.clone(),
                        last_used: entry.last_used.clone(),
                        epoch: self.epoch,
                    };
                }
                Err(mpsc::error::SendError(control)) => {
                    // The actor died (a failed load); start a new one.
                    docs.remove(doc);
                    return self.spawn(&mut docs, doc, control);
                }
            }
        }
        self.spawn(&mut docs, doc, control)
    }

    fn spawn(&self, docs: &mut HashMap<String, Entry>, doc: &str, first: Control) -> DocHandle {
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        let (frames_tx, frames_rx) = mpsc::channel(FRAME_QUEUE);
        let generation = self.generations.fetch_add(1, Ordering::Relaxed);
        control_tx.send(first).expect("receiver alive");
        let actor = Actor::new(
            doc.to_owned(),
            generation,
            self.context.clone(),
            self.clock.clone(),
            self.docs.clone(),
            control_rx,
            frames_rx,
        );
        self.context.tracker.spawn(actor.run());
        let last_used = Arc::new(AtomicU64::new(self.now()));
        docs.insert(
            doc.to_owned(),
            Entry {
                control: control_tx,
                frames: frames_tx.clone(),
                generation,
                last_used: last_used.clone(),
                evicting: Arc::default(),
            },
        );
        self.evict(docs);
        DocHandle {
            frames: frames_tx,
            last_used,
            epoch: self.epoch,
        }
    }

    /// Past `--max-loaded-docs`, asks the least recently used documents
    /// without connections to unload now. One that has gained a connection
    /// or has writes in flight stays (and may be asked again later): an
    /// unsaved edit is never dropped.
    fn evict(&self, docs: &HashMap<String, Entry>) {
        let max = self.context.max_loaded_docs;
        if docs.len() <= max {
            return;
        }
        let mut asked = 0;
        let mut idle: Vec<(u64, &Entry)> = Vec::new();
        for entry in docs.values() {
            if entry.evicting.load(Ordering::Relaxed) {
                asked += 1;
            } else if entry.frames.strong_count() == 1 {
                idle.push((entry.last_used.load(Ordering::Relaxed), entry));
            }
        }
        let excess = (docs.len() - max).saturating_sub(asked).min(idle.len());
        if excess == 0 {
            return;
        }
        if excess < idle.len() {
            idle.select_nth_unstable_by_key(excess, |(used, _)| *used);
        }
        for (_, entry) in &idle[..excess] {
            entry.evicting.store(true, Ordering::Relaxed);
            let asked = entry.evicting.clone();
            let _ = entry.control.send(Control::Unload { asked });
        }
    }

    /// Joins a connection to a document, loading it if needed. The document
    /// sends the greeting (SyncStep1, awareness) through `join.tx`.
    pub fn join(&self, doc: &str, join: Join) -> DocHandle {
        self.send(doc, Control::Join(join))
    }

    /// Whether `doc` is loaded.
    pub fn is_loaded(&self, doc: &str) -> bool {
        self.docs.lock().unwrap().contains_key(doc)
    }

    /// Applies a server-side edit as `author`; returns the new revision.
    pub async fn edit(
        &self,
        doc: &str,
        author: AuthorId,
        name: Option<String>,
        update: Vec<u8>,
    ) -> Result<u64, EditError> {
        let (reply, rx) = oneshot::channel();
        self.send(
            doc,
            Control::Edit {
                author,
                name,
                update,
                reply,
            },
        );
        rx.await
            .map_err(|_| EditError::Failed("the document could not be loaded".to_owned()))?
    }

    /// Reads a document's current state, loading it if needed.
    pub async fn read(&self, doc: &str) -> Result<Snapshot, String> {
        let (reply, rx) = oneshot::channel();
        self.send(doc, Control::Read { reply });
        rx.await
            .map_err(|_| "the document could not be loaded".to_owned())
    }

    /// Closes every connection of `author` on every loaded document.
    pub fn kick_author(&self, author: &str) {
        let docs = self.docs.lock().unwrap();
        for entry in docs.values() {
            let _ = entry.control.send(Control::Kick {
                author: author.to_owned(),
            });
        }
    }

    /// Closes every connection of a document and unloads it without saving
    /// a checkpoint, before the document is deleted from the store.
    pub async fn discard(&self, doc: &str) {
        let (reply, rx) = oneshot::channel();
        let sent = {
            let docs = self.docs.lock().unwrap();
            docs.get(doc)
                .map(|entry| entry.control.send(Control::Discard { reply }).is_ok())
        };
        if sent == Some(true) {
            let _ = rx.await;
        }
    }

    /// How many documents are loaded.
    pub fn loaded(&self) -> usize {
        self.docs.lock().unwrap().len()
    }

    /// The store behind the documents.
    pub fn store(&self) -> &Arc<dyn crate::store::Store> {
        &self.context.store
    }
}

/// Removes `doc` from the map if it still belongs to `generation` and no
/// control message waits; returns whether the actor may exit.
pub(crate) fn retire(
    docs: &DocMap,
    doc: &str,
    generation: u64,
    control: &mpsc::UnboundedReceiver<Control>,
) -> bool {
    let mut docs = docs.lock().unwrap();
    if !control.is_empty() {
        return false;
    }
    if docs.get(doc).is_some_and(|e| e.generation == generation) {
        docs.remove(doc);
    }
    true
}
