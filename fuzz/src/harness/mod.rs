//! The checks behind Quire's fuzz targets. Each entry point takes the raw
//! fuzz input, must never panic on its own, and asserts the invariants that
//! crdt-core promises. crdt-core/tests/fuzz_regressions.rs includes this file
//! to replay every committed crasher through the same checks without libFuzzer.
//!
//! One file per target ([`codec`], [`update`], [`session`] with its
//! [`script`]s, [`import`]); [`state`] holds what the update and session
//! checks compare documents by. The session target drives the server's
//! document engine (quire-engine) rather than a copy of its decisions.

use std::sync::Arc;

use crdt_core::AuthorId;

mod codec;
mod import;
mod script;
mod session;
mod state;
mod update;

pub use codec::codec;
pub use import::import;
pub use script::{Step, decode_script, encode_script, options};
pub use session::{document_only, session};
pub use update::{base_document, base_update, update};

/// Client ids are 53-bit integers in Yjs; crdt-core refuses larger ones.
const CLIENT_LIMIT: u64 = 1 << 53;

/// The Yjs client id that writes the base document.
pub const BASE_CLIENT: u64 = 1;

/// The author of the base document.
pub const BASE_AUTHOR: &str = "base";

fn author(name: &str) -> AuthorId {
    Arc::from(name)
}
