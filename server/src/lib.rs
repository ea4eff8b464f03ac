//! quire-server: the Quire server. It owns every socket, file and clock; the
//! document logic lives in crdt-core, and what a loaded document decides in
//! quire-engine.
//!
//! # A keystroke's path
//!
//! Socket to disk to peers, each module once:
//!
//! 1. `ws.rs` `read_loop`: a binary frame from the websocket, after the
//!    rate and size limits.
//! 2. `doc/registry.rs` `DocHandle::frame`: on the connection's task,
//!    `crdt_core::session::Frame::read` (crdt-core `protocol.rs`,
//!    `update.rs`) decodes and scans the update; it is queued to the
//!    document's task.
//! 3. `doc/actor.rs`: the document's loop takes what is queued and calls
//!    the engine.
//! 4. quire-engine `conns.rs` `Engine::frame` puts the update in the batch;
//!    `apply.rs` `Engine::commit` applies it (crdt-core `session.rs`,
//!    `document.rs`) as a log entry and queues it for relaying; `storage.rs`
//!    `Engine::start_sync` hands the entries to the store and, once a sync
//!    covers them, owes the sender `Saved`; `conns.rs` relays the update
//!    (merged with its batch) to every other connection.
//! 5. `doc/actor/io.rs` carries out those actions: `Store::write` and
//!    `Store::sync` (`store/sled_store`), whose outcomes go back to the
//!    engine, then `Saved` and the relayed frame into each connection's
//!    queue.
//! 6. `doc/outbox.rs`: each connection's bounded queue; a full one closes
//!    the connection as too slow.
//! 7. Each peer's writer (`ws.rs` `write_loop`) sends the frame on its
//!    socket: the one module passed twice, the reader and writer of one
//!    connection sharing their file.
//!
//! # Layout
//!
//! - [`config`]: the CLI and its `QUIRE_*` environment variables.
//! - [`app`]: the router, shared state, and `run(listener, ...)` with graceful shutdown.
//! - [`listen`]: the accept loop, with a header deadline and a connection cap.
//! - [`ws`]: the websocket endpoint: reader, writer, pings, limits.
//! - [`doc`]: one actor per loaded document, carrying out what its engine
//!   (quire-engine: batching, group commit, relay, acknowledgements)
//!   decides, and the registry that loads and unloads them.
//! - [`clock`]: the one wall clock, replaceable in tests.
//! - [`store`]: the `Store` trait, the sled store and an in-memory store.
//! - [`service`]: creating, exporting and importing documents, shared by API and CLI.
//! - [`cli`]: `quire export` and `quire import`, on a data directory or a running server.
//! - [`openapi`]: the table of API routes and the OpenAPI description built from it.
//! - [`api`]: the JSON HTTP API under `/api/v1`, `/healthz`, `/metrics`.
//! - [`insights`]: contributions per author, the revision history, authorship colours.
//! - [`identity`]: author ids from author secrets; the server's HMAC key.
//! - [`auth`]: the admin token, member tokens, roles and what they may do.
//! - [`session`]: a browser's token in an HttpOnly cookie.
//! - [`guard`]: origin checks and the size, time and memory of request bodies.
//! - [`groups`]: groups and members, the integration API.
//! - [`web`]: the embedded web client.
//! - [`metrics`], [`error`], [`ids`]: Prometheus metrics, HTTP errors, document ids.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod doc;
pub mod error;
pub mod fonts;
pub mod groups;
pub mod guard;
pub mod history;
pub mod identity;
pub mod ids;
pub mod insights;
pub mod listen;
pub mod metrics;
pub mod openapi;
pub mod rate;
pub mod service;
pub mod session;
pub mod store;
pub mod throttle;
pub mod web;
pub mod ws;

pub use app::{AppState, app, run};
pub use config::{Cli, Command, Config};
