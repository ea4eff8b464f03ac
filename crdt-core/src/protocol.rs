//! The y-protocols wire codec, plus Quire's Saved acknowledgement.
//!
//! A websocket frame carries exactly one message. [`decode`] refuses frames
//! that are empty, truncated or carry trailing bytes, so a hostile frame is an
//! error rather than a silent partial read.

use bytes::Bytes;
use yrs::StateVector;
use yrs::encoding::read::{Cursor, Read};
use yrs::encoding::write::Write;
use yrs::updates::decoder::Decode;

use crate::error::{Error, Result};

const MSG_SYNC: u64 = 0;
const MSG_AWARENESS: u64 = 1;
const MSG_AUTH: u64 = 2;
const MSG_QUERY_AWARENESS: u64 = 3;
/// Quire's own message: varUint(n), the first n update-carrying messages of
/// this connection are durable.
pub const MSG_SAVED: u64 = 100;

/// Quire's Identity message: `varUint(101) varString(JSON)`, telling a
/// connection that asked for acknowledgements who the server takes it for:
/// `{author, name, role, color}`.
pub const MSG_IDENTITY: u64 = 101;

/// The websocket close codes Quire's server uses (RFC 6455), and the reasons
/// a client acts on: the one definition the server, its tests and clients
/// share. README.md says when each is sent.
pub mod close {
    /// The endpoint is going away (shutdown, a deleted document, silence).
    pub const GOING_AWAY: u16 = 1001;
    /// A message broke the protocol.
    pub const PROTOCOL: u16 = 1002;
    /// A message of a type that is not accepted (text frames).
    pub const UNSUPPORTED: u16 = 1003;
    /// A text frame that is not UTF-8.
    pub const INVALID_DATA: u16 = 1007;
    /// The policy refused the connection (impersonation, permissions, rates).
    pub const POLICY: u16 = 1008;
    /// A message too large, or a document past its limits.
    pub const TOO_BIG: u16 = 1009;
    /// The server failed.
    pub const INTERNAL: u16 = 1011;
    /// Try again later: the client fell behind and must resync on reconnect.
    pub const TRY_AGAIN: u16 = 1013;

    /// Close reasons. A client stops reconnecting after
    /// [`DOCUMENT_DELETED`](reason::DOCUMENT_DELETED) and
    /// [`ACCESS_REVOKED`](reason::ACCESS_REVOKED).
    pub mod reason {
        /// The document was deleted ([`GOING_AWAY`](super::GOING_AWAY)).
        pub const DOCUMENT_DELETED: &str = "document deleted";
        /// The member was removed from the group ([`POLICY`](super::POLICY)).
        pub const ACCESS_REVOKED: &str = "access revoked";
        /// The connection's queue filled up ([`TRY_AGAIN`](super::TRY_AGAIN)).
        pub const TOO_SLOW: &str = "too slow; reconnect to resync";
        /// A connection kept over a message-rate limit ([`POLICY`](super::POLICY)).
        pub const RATE_LIMIT: &str = "message rate limit";
        /// A frame past the message limit ([`TOO_BIG`](super::TOO_BIG)).
        pub const TOO_BIG: &str = "message too big";
        /// A text frame ([`UNSUPPORTED`](super::UNSUPPORTED)).
        pub const BINARY_ONLY: &str = "binary frames only";
        /// A text frame that is not UTF-8 ([`INVALID_DATA`](super::INVALID_DATA)).
        pub const NOT_UTF8: &str = "text frame is not UTF-8";
        /// The document's task is gone ([`INTERNAL`](super::INTERNAL)).
        pub const UNAVAILABLE: &str = "document unavailable";
        /// No pong within the idle timeout ([`GOING_AWAY`](super::GOING_AWAY)).
        pub const NO_PONG: &str = "no pong";
        /// The document is rebuilt after a failed update ([`INTERNAL`](super::INTERNAL)).
        pub const RELOADING: &str = "document reloading";
    }
}

const SYNC_STEP1: u64 = 0;
const SYNC_STEP2: u64 = 1;
const SYNC_UPDATE: u64 = 2;

/// One inbound message, borrowing its payload from the frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Inbound<'a> {
    /// SyncStep1: the peer's state vector.
    SyncStep1(StateVector),
    /// SyncStep2: the update the peer has that we lack (v1 encoding).
    SyncStep2(&'a [u8]),
    /// Update: an incremental update (v1 encoding).
    Update(&'a [u8]),
    /// Awareness: an encoded awareness update, decoded by [`crate::presence`].
    Awareness(&'a [u8]),
    /// Auth from a client; servers ignore it.
    Auth,
    /// QueryAwareness: the peer asks for every known awareness state.
    QueryAwareness,
    /// A message type this server does not know; ignored for forward compatibility.
    Unknown(u64),
}

impl Inbound<'_> {
    /// Whether the message carries a document update (counted for Saved acks).
    pub fn carries_update(&self) -> bool {
        matches!(self, Inbound::SyncStep2(_) | Inbound::Update(_))
    }
}

fn malformed(what: impl std::fmt::Display) -> Error {
    Error::MalformedMessage(what.to_string())
}

/// Reads a varUint8Array, borrowing it from the frame.
fn read_payload<'a>(cursor: &mut Cursor<'a>) -> Result<&'a [u8]> {
    let len: u64 = cursor.read_var().map_err(malformed)?;
    let start = cursor.next;
    let end = usize::try_from(len)
        .ok()
        .and_then(|len| start.checked_add(len))
        .filter(|&end| end <= cursor.buf.len())
        .ok_or_else(|| {
            malformed(format!(
                "payload declares {len} bytes, {} remain",
                cursor.buf.len() - start
            ))
        })?;
    cursor.next = end;
    Ok(&cursor.buf[start..end])
}

/// Decodes one frame as exactly one message.
pub fn decode(frame: &[u8]) -> Result<Inbound<'_>> {
    let mut cursor = Cursor::new(frame);
    let tag: u64 = cursor.read_var().map_err(malformed)?;
    let msg = match tag {
        MSG_SYNC => {
            let sub: u64 = cursor.read_var().map_err(malformed)?;
            let payload = read_payload(&mut cursor)?;
            match sub {
                SYNC_STEP1 => {
                    crate::validate::scan_state_vector_v1(payload)
                        .map_err(|e| malformed(format!("state vector: {e}")))?;
                    Inbound::SyncStep1(
                        StateVector::decode_v1(payload)
                            .map_err(|e| malformed(format!("state vector: {e}")))?,
                    )
                }
                SYNC_STEP2 => Inbound::SyncStep2(payload),
                SYNC_UPDATE => Inbound::Update(payload),
                other => return Err(malformed(format!("unknown sync message {other}"))),
            }
        }
        MSG_AWARENESS => Inbound::Awareness(read_payload(&mut cursor)?),
        MSG_AUTH => {
            // Clients never need to send Auth; accept and skip its body.
            cursor.next = frame.len();
            Inbound::Auth
        }
        MSG_QUERY_AWARENESS => Inbound::QueryAwareness,
        other => {
            cursor.next = frame.len();
            Inbound::Unknown(other)
        }
    };
    if cursor.next != frame.len() {
        return Err(malformed(format!(
            "{} trailing bytes after the message",
            frame.len() - cursor.next
        )));
    }
    Ok(msg)
}

fn frame(tag: u64, sub: Option<u64>, payload: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(payload.len() + 12);
    out.write_var(tag);
    if let Some(sub) = sub {
        out.write_var(sub);
    }
    out.write_buf(payload);
    Bytes::from(out)
}

/// SyncStep1 carrying an encoded state vector.
pub fn sync_step1(state_vector: &[u8]) -> Bytes {
    frame(MSG_SYNC, Some(SYNC_STEP1), state_vector)
}

/// SyncStep2 carrying a v1 update.
pub fn sync_step2(update: &[u8]) -> Bytes {
    frame(MSG_SYNC, Some(SYNC_STEP2), update)
}

/// Update carrying a v1 update.
pub fn update(update: &[u8]) -> Bytes {
    frame(MSG_SYNC, Some(SYNC_UPDATE), update)
}

/// Awareness carrying an encoded awareness update.
pub fn awareness(update: &[u8]) -> Bytes {
    frame(MSG_AWARENESS, None, update)
}

/// Auth: permission denied, with a reason.
pub fn permission_denied(reason: &str) -> Bytes {
    let mut out = Vec::with_capacity(reason.len() + 4);
    out.write_var(MSG_AUTH);
    out.write_var(0u8);
    out.write_string(reason);
    Bytes::from(out)
}

/// Saved: the first `count` update-carrying messages are durable.
pub fn saved(count: u64) -> Bytes {
    let mut out = Vec::with_capacity(10);
    out.write_var(MSG_SAVED);
    out.write_var(count);
    Bytes::from(out)
}

/// An Identity message carrying `json`.
pub fn identity(json: &str) -> Bytes {
    let mut out = Vec::with_capacity(json.len() + 8);
    out.write_var(MSG_IDENTITY);
    out.write_string(json);
    Bytes::from(out)
}

/// Decodes a Saved message, for clients and tests.
pub fn decode_saved(frame: &[u8]) -> Option<u64> {
    let mut cursor = Cursor::new(frame);
    let tag: u64 = cursor.read_var().ok()?;
    if tag != MSG_SAVED {
        return None;
    }
    let n = cursor.read_var().ok()?;
    (cursor.next == frame.len()).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::updates::encoder::Encode;

    #[test]
    fn round_trips_every_outbound_message() {
        let sv = StateVector::default().encode_v1();
        assert_eq!(
            decode(&sync_step1(&sv)).unwrap(),
            Inbound::SyncStep1(StateVector::default())
        );
        assert_eq!(
            decode(&sync_step2(&[0, 0])).unwrap(),
            Inbound::SyncStep2(&[0, 0])
        );
        assert_eq!(decode(&update(&[0, 0])).unwrap(), Inbound::Update(&[0, 0]));
        assert_eq!(decode(&awareness(&[0])).unwrap(), Inbound::Awareness(&[0]));
        assert_eq!(decode(&[3]).unwrap(), Inbound::QueryAwareness);
        assert_eq!(decode_saved(&saved(300)), Some(300));
    }

    #[test]
    fn refuses_truncated_trailing_and_empty_frames() {
        assert!(decode(&[]).is_err());
        assert!(decode(&[0]).is_err());
        assert!(decode(&[0, 2, 5, 1]).is_err(), "declared 5 bytes, has 1");
        assert!(decode(&[0, 2, 0, 9]).is_err(), "trailing byte");
        assert!(decode(&[0, 7, 0]).is_err(), "unknown sync type");
        assert!(decode(&[0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_err());
    }

    #[test]
    fn ignores_unknown_and_auth_messages() {
        assert_eq!(decode(&[42, 1, 2]).unwrap(), Inbound::Unknown(42));
        assert_eq!(decode(&[2, 0, 1, b'x']).unwrap(), Inbound::Auth);
    }

    #[test]
    fn permission_denied_matches_y_protocols() {
        assert_eq!(
            &permission_denied("read-only")[..],
            b"\x02\x00\x09read-only"
        );
    }
}
