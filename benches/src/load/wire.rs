//! The y-protocols messages the load generator sends and reads, one per
//! websocket frame, plus Quire's Saved acknowledgement.

use yrs::encoding::read::{Cursor, Read};
use yrs::encoding::write::Write;

/// Quire's Saved message type: varUint(n), the first n update-carrying
/// messages are durable.
pub const MSG_SAVED: u64 = 100;

fn sync(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 6);
    out.write_var(0u64);
    out.write_var(kind as u64);
    out.write_buf(payload);
    out
}

/// SyncStep1 with an encoded state vector.
pub fn sync_step1(state_vector: &[u8]) -> Vec<u8> {
    sync(0, state_vector)
}

/// SyncStep2 with a v1 update.
pub fn sync_step2(update: &[u8]) -> Vec<u8> {
    sync(1, update)
}

/// Update with a v1 update.
pub fn update(update: &[u8]) -> Vec<u8> {
    sync(2, update)
}

/// An awareness message announcing one client's state (a JSON string).
pub fn awareness(client: u64, clock: u64, state_json: &str) -> Vec<u8> {
    let mut inner = Vec::with_capacity(state_json.len() + 16);
    inner.write_var(1u64);
    inner.write_var(client);
    inner.write_var(clock);
    inner.write_string(state_json);
    let mut out = Vec::with_capacity(inner.len() + 4);
    out.write_var(1u64);
    out.write_buf(&inner);
    out
}

/// One message read from a frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// SyncStep1: the server's state vector.
    SyncStep1(&'a [u8]),
    /// SyncStep2: a v1 update.
    SyncStep2(&'a [u8]),
    /// Update: a v1 update.
    Update(&'a [u8]),
    /// Awareness and anything else this client ignores.
    Other(u64),
    /// Saved(n).
    Saved(u64),
}

impl<'a> Message<'a> {
    /// Reads the first message of a frame; `None` when malformed.
    pub fn decode(frame: &'a [u8]) -> Option<Self> {
        let mut cursor = Cursor::new(frame);
        let tag: u64 = cursor.read_var().ok()?;
        Some(match tag {
            0 => {
                let kind: u64 = cursor.read_var().ok()?;
                let len = usize::try_from(cursor.read_var::<u64>().ok()?).ok()?;
                let payload = frame.get(cursor.next..cursor.next.checked_add(len)?)?;
                match kind {
                    0 => Message::SyncStep1(payload),
                    1 => Message::SyncStep2(payload),
                    2 => Message::Update(payload),
                    _ => return None,
                }
            }
            MSG_SAVED => Message::Saved(cursor.read_var().ok()?),
            other => Message::Other(other),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(
            Message::decode(&update(&[1, 2, 3])),
            Some(Message::Update(&[1, 2, 3][..]))
        );
        assert_eq!(
            Message::decode(&sync_step1(&[0])),
            Some(Message::SyncStep1(&[0][..]))
        );
        assert_eq!(
            Message::decode(&[100, 0x81, 0x01]),
            Some(Message::Saved(129))
        );
        assert_eq!(
            Message::decode(&awareness(7, 1, "{}")),
            Some(Message::Other(1))
        );
        assert_eq!(Message::decode(&[0, 2, 5, 1]), None);
    }
}
