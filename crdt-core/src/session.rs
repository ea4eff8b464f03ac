//! The sans-IO sync session: one [`Room`] per document holds the document and
//! presence; one [`Session`] per connection holds that connection's protocol
//! state. Bytes go in, frames to send come out; no socket in sight.

use bytes::Bytes;

use crate::document::{AppliedRun, AuthorId, Document};
use crate::error::Result;
use crate::presence::{Changes, ConnId, Millis, Presence, Sender, Stamp};
use crate::protocol::{self, Inbound};
use crate::update::DecodedUpdate;

/// Reason sent with `02 00` when a read-only connection writes.
pub const READ_ONLY: &str = "read-only";

/// One connection's state in a room.
#[derive(Debug)]
pub struct Session {
    conn: ConnId,
    author: AuthorId,
    read_only: bool,
    update_messages: u64,
    told_read_only: bool,
    /// The display name: the member's, or the one the client gave itself.
    name: Option<String>,
    /// What the server writes into this connection's awareness states.
    stamp: Stamp,
}

impl Session {
    /// A session for connection `conn`, writing as `author`.
    pub fn new(conn: ConnId, author: AuthorId, read_only: bool) -> Self {
        Self {
            conn,
            author,
            read_only,
            update_messages: 0,
            told_read_only: false,
            name: None,
            stamp: Stamp::default(),
        }
    }

    /// Sets the display name and what goes into awareness states. A stamp
    /// with a name fixes the name; without one, the name follows the
    /// `user.name` of the connection's awareness state.
    pub fn with_identity(mut self, name: Option<String>, stamp: Stamp) -> Self {
        self.name = stamp.name.clone().or(name);
        self.stamp = stamp;
        self
    }

    /// The display name, if known.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Whether the server decides the name (a group member's).
    pub fn name_fixed(&self) -> bool {
        self.stamp.name.is_some()
    }

    /// The connection id.
    pub fn conn(&self) -> ConnId {
        self.conn
    }

    /// The author this connection writes as.
    pub fn author(&self) -> &AuthorId {
        &self.author
    }

    /// Whether the connection may only read.
    pub fn read_only(&self) -> bool {
        self.read_only
    }
}

/// An update accepted from a connection, to be applied, stored and
/// acknowledged by the caller, in order.
#[derive(Debug)]
pub struct IncomingUpdate {
    /// The connection that sent it.
    pub conn: ConnId,
    /// Its author.
    pub author: AuthorId,
    /// The 1-based number of this update-carrying message on its connection:
    /// once stored, the connection is owed `Saved(number)`.
    pub number: u64,
    /// The validated update.
    pub update: DecodedUpdate,
}

/// What a frame asks the caller to do.
#[derive(Debug)]
pub enum Outcome {
    /// Nothing to send.
    Nothing,
    /// Send this frame to the sender only.
    Reply(Bytes),
    /// Awareness arrived: within the relay interval, send what
    /// [`Room::take_presence`] returns (each connection the others' states).
    Presence {
        /// Entries dropped for speaking for someone else's client id.
        dropped: usize,
    },
    /// Apply, store, broadcast and acknowledge this update (see [`Room::apply`]).
    Update(Box<IncomingUpdate>),
}

/// An inbound frame made ready for its room without the document: an update
/// is scanned and decoded already. A connection's own task reads its frames
/// this way, in parallel with the room's task, which applies them.
#[derive(Debug)]
pub enum Frame {
    /// A SyncStep2 or Update message, its update decoded.
    Update(DecodedUpdate),
    /// Any other message, as received.
    Other(Bytes),
}

impl Frame {
    /// Reads one websocket frame. An error means the frame was malformed or
    /// its update refused; the connection should be closed.
    pub fn read(frame: Bytes) -> Result<Self> {
        Ok(match protocol::decode(&frame)? {
            Inbound::SyncStep2(bytes) | Inbound::Update(bytes) => {
                Frame::Update(DecodedUpdate::decode_from_client(frame.slice_ref(bytes))?)
            }
            _ => Frame::Other(frame),
        })
    }
}

/// A document and the presence of everyone connected to it.
#[derive(Debug, Default)]
pub struct Room {
    document: Document,
    presence: Presence,
}

impl Room {
    /// A room around a loaded document.
    pub fn new(document: Document) -> Self {
        Self {
            document,
            presence: Presence::default(),
        }
    }

    /// The frames a new connection receives first, one per websocket frame:
    /// SyncStep1, then the known awareness states.
    pub fn greeting(&self) -> Vec<Bytes> {
        let mut frames = vec![protocol::sync_step1(&self.document.state_vector())];
        frames.extend(self.presence.snapshot_for(None));
        frames
    }

    /// Handles one inbound frame. An error means the frame was malformed or
    /// hostile; nothing changed and the caller should close the connection.
    pub fn receive(&mut self, session: &mut Session, frame: &[u8], now: Millis) -> Result<Outcome> {
        self.receive_frame(session, Frame::read(Bytes::copy_from_slice(frame))?, now)
    }

    /// Handles one inbound frame read by [`Frame::read`], as
    /// [`Room::receive`] handles its bytes.
    pub fn receive_frame(
        &mut self,
        session: &mut Session,
        frame: Frame,
        now: Millis,
    ) -> Result<Outcome> {
        let frame = match frame {
            Frame::Update(update) => return self.receive_update(session, update),
            Frame::Other(frame) => frame,
        };
        Ok(match protocol::decode(&frame)? {
            Inbound::SyncStep1(remote) => {
                Outcome::Reply(protocol::sync_step2(&self.document.diff(&remote)))
            }
            Inbound::SyncStep2(bytes) | Inbound::Update(bytes) => {
                let update = DecodedUpdate::decode_from_client(frame.slice_ref(bytes))?;
                return self.receive_update(session, update);
            }
            Inbound::Awareness(payload) => {
                let sender = Sender {
                    conn: session.conn,
                    author: &session.author,
                    stamp: &session.stamp,
                };
                let applied =
                    self.presence
                        .apply(sender, payload, now, self.document.bindings())?;
                if let Some(name) = applied.name
                    && !session.name_fixed()
                {
                    session.name = Some(name);
                }
                Outcome::Presence {
                    dropped: applied.dropped,
                }
            }
            Inbound::QueryAwareness => match self.presence.snapshot_for(Some(session.conn)) {
                Some(frame) => Outcome::Reply(frame),
                None => Outcome::Nothing,
            },
            Inbound::Auth | Inbound::Unknown(_) => Outcome::Nothing,
        })
    }

    fn receive_update(&mut self, session: &mut Session, update: DecodedUpdate) -> Result<Outcome> {
        if session.read_only {
            // An empty SyncStep2 (every client answers SyncStep1) is no write.
            let quiet = update.is_empty() || session.told_read_only;
            session.told_read_only |= !update.is_empty();
            return Ok(if quiet {
                Outcome::Nothing
            } else {
                Outcome::Reply(protocol::permission_denied(READ_ONLY))
            });
        }
        self.document.authorize(&update, &session.author)?;
        session.update_messages += 1;
        Ok(Outcome::Update(Box::new(IncomingUpdate {
            conn: session.conn,
            author: session.author.clone(),
            number: session.update_messages,
            update,
        })))
    }

    /// Applies an accepted update to the document. On
    /// [`crate::Error::ApplyFailed`] the document may hold part of the update
    /// and must be replaced (see [`Room::replace_document`]).
    pub fn apply(&mut self, incoming: IncomingUpdate) -> Result<crate::authorship::Applied> {
        self.document.apply(incoming.update, &incoming.author)
    }

    /// Applies consecutive accepted updates of one author in one transaction
    /// (see [`Document::apply_run`]). On [`crate::Error::ApplyFailed`] the
    /// document must be replaced, as after [`Room::apply`].
    pub fn apply_run(
        &mut self,
        author: &AuthorId,
        updates: impl IntoIterator<Item = DecodedUpdate>,
        chat: Option<&crate::chat::ChatPolicy<'_>>,
    ) -> Result<AppliedRun> {
        self.document.apply_run(updates, author, chat)
    }

    /// The awareness changes since the last call, each connection's frame
    /// without its own states.
    pub fn take_presence(&mut self) -> Changes {
        self.presence.take_changes()
    }

    /// Removes a closed connection's awareness; whether any went (relayed by
    /// [`Room::take_presence`]).
    pub fn leave(&mut self, session: &Session, now: Millis) -> bool {
        self.presence.leave(session.conn, now)
    }

    /// Expires stale awareness; whether any went (relayed by
    /// [`Room::take_presence`]).
    pub fn expire(&mut self, now: Millis) -> bool {
        self.presence.expire(now)
    }

    /// The document.
    pub fn document(&self) -> &Document {
        &self.document
    }

    /// The document, for server-side edits (import, templates).
    pub fn document_mut(&mut self) -> &mut Document {
        &mut self.document
    }

    /// Replaces the document after a failed apply, keeping presence.
    pub fn replace_document(&mut self, document: Document) {
        self.document = document;
    }

    /// Connected clients' presence.
    pub fn presence(&self) -> &Presence {
        &self.presence
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use yrs::{GetString, Text, Transact, WriteTxn};

    fn typed(text: &str) -> Vec<u8> {
        let doc = yrs::Doc::with_client_id(7);
        let mut txn = doc.transact_mut();
        txn.get_or_insert_text("t").insert(&mut txn, 0, text);
        txn.encode_update_v1()
    }

    #[test]
    fn a_frame_read_ahead_is_received_as_its_bytes_are() {
        let frame = protocol::update(&typed("ahead"));
        let read = Frame::read(frame.clone()).unwrap();
        let Frame::Update(update) = &read else {
            panic!("an update frame reads as an update: {read:?}");
        };
        // The update is the frame's payload, not a copy of it.
        let payload = update.bytes();
        let within = frame.as_ptr_range();
        assert!(within.contains(&payload.as_ptr()));

        let (mut room, mut twin) = (Room::default(), Room::default());
        let author: AuthorId = Arc::from("a");
        let mut session = Session::new(1, author.clone(), false);
        let mut other = Session::new(1, author.clone(), false);
        let ahead = room.receive_frame(&mut session, read, 0).unwrap();
        let direct = twin.receive(&mut other, &frame, 0).unwrap();
        for (room, outcome) in [(&mut room, ahead), (&mut twin, direct)] {
            let Outcome::Update(incoming) = outcome else {
                panic!("an update to apply");
            };
            assert_eq!(incoming.number, 1);
            room.apply(*incoming).unwrap();
            let doc = room.document().doc();
            let text = doc.get_or_insert_text("t");
            assert_eq!(text.get_string(&doc.transact()), "ahead");
        }
        // Other messages pass through whole; garbage is refused up front.
        let step1 = protocol::sync_step1(&room.document().state_vector());
        assert!(matches!(Frame::read(step1).unwrap(), Frame::Other(_)));
        assert!(Frame::read(Bytes::from_static(&[0, 2, 5, 1])).is_err());
    }
}
