//! crdt-core: Quire's document model on yrs. Pure and synchronous: no tokio,
//! no sockets, no disk, no clock of its own.
//!
//! # Layout
//!
//! The wire, from the outside in:
//! - [`protocol`]: the y-protocols wire codec, one message per frame, plus
//!   Quire's Saved and Identity messages and the websocket close codes.
//! - [`session`]: the sans-IO sync session: a [`Room`] per document, a
//!   [`Session`] per connection; bytes in, replies and broadcasts out.
//! - [`presence`]: awareness states with expiry on an injected clock, and
//!   what the server stamps into them.
//! - [`chat`]: the rules a chat message must keep.
//!
//! An update, before and as it is applied:
//! - [`update`]: decoding and validating Yjs updates before yrs applies them.
//! - [`validate`]: the structural scan that refuses what would crash yrs.
//! - [`nesting`]: the depth of the shared types an update creates, checked
//!   against the document.
//! - [`document`]: a group document and the author that owns each Yjs client
//!   id; applies updates, counting (in a private `counter` module) the body
//!   characters each one inserted and deleted.
//! - [`schema`]: root types and the node and mark names shared with y-prosemirror.
//!
//! Reading a document:
//! - [`authorship`]: per-author statistics, and the author of every character
//!   in the body.
//! - [`sessions`]: work sessions, a member's changes grouped by their pauses.
//! - [`model`]: the body as a ProseMirror-shaped tree, read from the document.
//! - [`export`]: Markdown, HTML, plain text, ProseMirror JSON, DOCX and PDF
//!   from that tree.
//! - [`import`]: Markdown, plain text and HTML into that tree, and the tree
//!   written into a document as an ordinary update.
//! - [`review`]: the edit that rewrites the body into another (restore).
//! - [`templates`]: structured starting documents.
//! - [`error`]: the crate's error type.
//!
//! Data flows one way: frames are decoded by [`protocol`], handled by a
//! [`Session`] in its [`Room`], whose [`Document`] checks them ([`update`],
//! [`validate`], [`nesting`], [`chat`]) and applies them; [`authorship`],
//! [`model`] and [`export`] only read a document, [`import`] only writes
//! updates for one. No module depends on one that depends on it (checked by
//! `tests/tests/module_graph.rs` in the workspace).

pub mod authorship;
pub mod chat;
mod counter;
pub mod document;
pub mod error;
pub mod export;
pub mod import;
pub mod model;
pub mod nesting;
pub mod presence;
pub mod protocol;
pub mod review;
pub mod schema;
pub mod session;
pub mod sessions;
pub mod templates;
pub mod update;
pub mod validate;

pub use document::{AppliedRun, AuthorId, ClientBindings, Document};
pub use error::{Error, Result};
pub use session::{IncomingUpdate, Outcome, Room, Session};
pub use update::DecodedUpdate;
