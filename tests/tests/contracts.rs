//! The wire contract has one definition, in crdt_core::protocol; the web
//! client and the Node test clients, written in TypeScript and JavaScript,
//! restate the parts they use, and this checks that they restate them
//! exactly.

use std::path::Path;

use crdt_core::protocol::{MSG_IDENTITY, MSG_SAVED, close};

fn source(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The number a `export const NAME = N` line of `path` gives NAME.
fn constant(path: &str, name: &str) -> u64 {
    let text = source(path);
    let prefix = format!("export const {name} = ");
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{path} defines no {name}"));
    line.trim()
        .parse()
        .unwrap_or_else(|e| panic!("{path}: {name} = {line}: {e}"))
}

#[test]
fn clients_use_the_protocols_message_numbers() {
    assert_eq!(
        constant("web/src/sync/saved.ts", "MESSAGE_SAVED"),
        MSG_SAVED
    );
    assert_eq!(
        constant("web/src/sync/connection.ts", "MESSAGE_IDENTITY"),
        MSG_IDENTITY
    );
    assert_eq!(constant("tests/js/lib.mjs", "MESSAGE_SAVED"), MSG_SAVED);
    assert_eq!(
        constant("tests/js/lib.mjs", "MESSAGE_IDENTITY"),
        MSG_IDENTITY
    );
}

#[test]
fn the_web_client_stops_reconnecting_on_the_servers_final_reasons() {
    let text = source("web/src/sync/connection.ts");
    let line = text
        .lines()
        .find(|l| l.contains("FINAL_CLOSE_REASONS: ReadonlySet<string> = new Set("))
        .expect("web/src/sync/connection.ts defines FINAL_CLOSE_REASONS");
    for reason in [
        close::reason::DOCUMENT_DELETED,
        close::reason::ACCESS_REVOKED,
    ] {
        assert!(
            line.contains(&format!("'{reason}'")),
            "{reason:?} missing from {line}"
        );
    }
}
