//! The `codec` target: one websocket frame.

use bytes::Bytes;
use crdt_core::presence::Presence;
use crdt_core::protocol::{self, Inbound};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;

/// Decodes one frame as the server does. Whatever decodes must re-encode to
/// a frame that decodes to the same message, and an awareness payload that
/// presence accepts must come back out of its snapshot and removal frames.
pub fn codec(frame: &[u8]) {
    let _ = protocol::decode_saved(frame);
    let Ok(message) = protocol::decode(frame) else {
        return;
    };
    let again = match &message {
        Inbound::SyncStep1(sv) => Some(protocol::sync_step1(&sv.encode_v1())),
        Inbound::SyncStep2(payload) => Some(protocol::sync_step2(payload)),
        Inbound::Update(payload) => Some(protocol::update(payload)),
        Inbound::Awareness(payload) => Some(protocol::awareness(payload)),
        Inbound::QueryAwareness => Some(Bytes::from_static(&[3])),
        Inbound::Auth | Inbound::Unknown(_) => None,
    };
    if let Some(again) = again {
        assert_eq!(
            protocol::decode(&again).expect("a re-encoded message decodes"),
            message
        );
    }
    if let Inbound::Awareness(payload) = message {
        let mut presence = Presence::default();
        let stamp = crdt_core::presence::Stamp::default();
        let sender = crdt_core::presence::Sender {
            conn: 7,
            author: "a",
            stamp: &stamp,
        };
        let bindings = crdt_core::ClientBindings::default();
        if presence.apply(sender, payload, 1_000, &bindings).is_ok() {
            // The relayed changes name each client of the message once.
            let named = presence
                .take_changes()
                .all
                .map_or(0, |f| awareness_clients(&f));
            assert!(named <= awareness_clients(&protocol::awareness(payload)));
            assert!(named >= presence.len());
            if let Some(snapshot) = presence.snapshot() {
                assert_eq!(awareness_clients(&snapshot), presence.len());
            } else {
                assert!(presence.is_empty());
            }
            let live = presence.len();
            assert_eq!(presence.leave(7, 2_000), live > 0);
            let removal = presence.take_changes();
            assert_eq!(removal.all.map_or(0, |f| awareness_clients(&f)), live);
            assert!(presence.is_empty(), "leaving removes every state");
            assert!(presence.snapshot().is_none());
        }
    }
}

/// Decodes an awareness frame the server sent and counts its clients.
pub(super) fn awareness_clients(frame: &[u8]) -> usize {
    match protocol::decode(frame).expect("an outbound awareness frame decodes") {
        Inbound::Awareness(payload) => yrs::sync::awareness::AwarenessUpdate::decode_v1(payload)
            .expect("an outbound awareness update decodes")
            .clients
            .len(),
        other => panic!("expected an awareness frame, got {other:?}"),
    }
}
