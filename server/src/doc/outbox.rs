//! A connection's send queue, bounded in frames and in bytes: a reader that
//! stops reading holds at most that much of the server's memory before it
//! counts as too slow and is closed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::mpsc::{self, error::TryRecvError, error::TrySendError};

use super::Outbound;

/// The sending side, held by the document actor and the connection's reader.
#[derive(Debug, Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Outbound>,
    queued: Arc<AtomicUsize>,
    max_bytes: usize,
}

/// The receiving side, held by the connection's writer.
#[derive(Debug)]
pub struct Inbox {
    rx: mpsc::Receiver<Outbound>,
    queued: Arc<AtomicUsize>,
}

/// A queue of at most `frames` frames and `max_bytes` bytes of them (a
/// single larger frame passes when the queue is empty).
pub fn outbox(frames: usize, max_bytes: usize) -> (Outbox, Inbox) {
    let (tx, rx) = mpsc::channel(frames.max(1));
    let queued = Arc::new(AtomicUsize::new(0));
    (
        Outbox {
            tx,
            queued: queued.clone(),
            max_bytes,
        },
        Inbox { rx, queued },
    )
}

impl Outbox {
    /// Queues without waiting; `Full` when either bound is reached.
    pub fn try_send(&self, out: Outbound) -> Result<(), TrySendError<Outbound>> {
        let Outbound::Frame(frame) = &out else {
            return self.tx.try_send(out);
        };
        let len = frame.len();
        let queued = self.queued.fetch_add(len, Ordering::AcqRel);
        if queued > 0 && queued + len > self.max_bytes {
            self.queued.fetch_sub(len, Ordering::AcqRel);
            return Err(TrySendError::Full(out));
        }
        self.tx.try_send(out).inspect_err(|_| {
            self.queued.fetch_sub(len, Ordering::AcqRel);
        })
    }
}

impl Inbox {
    fn taken(&self, out: &Outbound) {
        if let Outbound::Frame(frame) = out {
            self.queued.fetch_sub(frame.len(), Ordering::AcqRel);
        }
    }

    /// The next message; `None` once every sender is gone.
    pub async fn recv(&mut self) -> Option<Outbound> {
        let out = self.rx.recv().await?;
        self.taken(&out);
        Some(out)
    }

    /// The next message if one is queued.
    pub fn try_recv(&mut self) -> Result<Outbound, TryRecvError> {
        let out = self.rx.try_recv()?;
        self.taken(&out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn frame(len: usize) -> Outbound {
        Outbound::Frame(Bytes::from(vec![0; len]))
    }

    #[tokio::test]
    async fn bounded_in_bytes_and_frames() {
        let (tx, mut rx) = outbox(3, 100);
        tx.try_send(frame(200))
            .expect("one large frame into an empty queue");
        assert!(matches!(tx.try_send(frame(1)), Err(TrySendError::Full(_))));
        rx.recv().await.unwrap();
        tx.try_send(frame(60)).unwrap();
        assert!(matches!(tx.try_send(frame(60)), Err(TrySendError::Full(_))));
        tx.try_send(frame(40)).unwrap();
        rx.try_recv().unwrap();
        rx.try_recv().unwrap();
        for _ in 0..3 {
            tx.try_send(frame(1)).unwrap();
        }
        assert!(
            matches!(tx.try_send(frame(1)), Err(TrySendError::Full(_))),
            "and in frames"
        );
        // A close is never refused for its size.
        rx.recv().await.unwrap();
        tx.try_send(Outbound::Close(1000, String::new())).unwrap();
    }
}
