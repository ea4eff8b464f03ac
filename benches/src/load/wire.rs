//! The load generator's side of the wire: crdt_core's y-protocols codec
//! ([`crdt_core::protocol`]), read as a client reads it, with Quire's Saved
//! acknowledgement told apart.

use bytes::Bytes;
use crdt_core::protocol::{self, Inbound};
use yrs::StateVector;
use yrs::encoding::write::Write;

pub use crdt_core::protocol::{sync_step1, sync_step2, update};

/// An awareness message announcing one client's state (a JSON string).
pub fn awareness(client: u64, clock: u64, state_json: &str) -> Bytes {
    let mut inner = Vec::with_capacity(state_json.len() + 16);
    inner.write_var(1u64);
    inner.write_var(client);
    inner.write_var(clock);
    inner.write_string(state_json);
    protocol::awareness(&inner)
}

/// One message the server sent, as a client reads it.
#[derive(Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// SyncStep1: the server's state vector.
    SyncStep1(StateVector),
    /// SyncStep2: a v1 update.
    SyncStep2(&'a [u8]),
    /// Update: a v1 update.
    Update(&'a [u8]),
    /// Saved(n): the first n update-carrying messages are durable.
    Saved(u64),
    /// Awareness, Identity and anything else this client ignores.
    Other,
}

impl<'a> Message<'a> {
    /// Reads the one message of a frame; `None` when malformed.
    pub fn decode(frame: &'a [u8]) -> Option<Self> {
        if let Some(n) = protocol::decode_saved(frame) {
            return Some(Message::Saved(n));
        }
        Some(match protocol::decode(frame).ok()? {
            Inbound::SyncStep1(sv) => Message::SyncStep1(sv),
            Inbound::SyncStep2(update) => Message::SyncStep2(update),
            Inbound::Update(update) => Message::Update(update),
            Inbound::Unknown(protocol::MSG_SAVED) => return None,
            _ => Message::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_server_writes() {
        assert_eq!(
            Message::decode(&update(&[1, 2, 3])),
            Some(Message::Update(&[1, 2, 3][..]))
        );
        assert_eq!(
            Message::decode(&sync_step1(&[0])),
            Some(Message::SyncStep1(StateVector::default()))
        );
        assert_eq!(
            Message::decode(&protocol::saved(129)),
            Some(Message::Saved(129))
        );
        assert_eq!(
            Message::decode(&[100, 0x81, 0x01]),
            Some(Message::Saved(129))
        );
        assert_eq!(
            Message::decode(&awareness(7, 1, "{}")),
            Some(Message::Other)
        );
        assert_eq!(
            Message::decode(&protocol::identity("{}")),
            Some(Message::Other)
        );
        assert_eq!(Message::decode(&[0, 2, 5, 1]), None);
        // A Saved with trailing bytes is malformed, not some other message.
        assert_eq!(Message::decode(&[100, 1, 0]), None);
    }
}
