//! quire-server: the Quire server. It owns every socket, file and clock; the
//! document logic lives in crdt-core, and what a loaded document decides in
//! quire-engine.
//!
//! # A keystroke's path
//!
//! Socket to disk to peers, each module once:
//!
//! 1. `ws/connection.rs` `Connection::read_loop`: a binary frame from the
//!    websocket, after the rate and size limits.
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
//!    `Store::sync` (`store/sled_store` or `store/postgres`), whose outcomes
//!    go back to the engine, then `Saved` and the relayed frame into each
//!    connection's queue.
//! 6. `doc/outbox.rs`: each connection's bounded queue; a full one closes
//!    the connection as too slow.
//! 7. Each peer's writer (`ws/writer.rs`) sends the frame on its socket.
//!
//! # Layout
//!
//! - [`config`]: every setting and its `QUIRE_*` environment variable, and
//!   the store it names; [`cli`]: the command line (`serve`, `export`,
//!   `import`, `migrate`), on a data directory, a database or a running server.
//! - [`state`]: what every route shares ([`AppState`]); [`app`]: the router
//!   and `run(listener, ...)` with graceful shutdown.
//! - [`listen`]: the accept loop, with a header deadline and a connection cap.
//! - [`ws`]: the websocket endpoint: admission, one connection's reader
//!   loop, its writer, pings, limits.
//! - [`doc`]: one actor per loaded document, carrying out what its engine
//!   (quire-engine: batching, group commit, relay, acknowledgements)
//!   decides, and the registry that loads and unloads them.
//! - [`clock`]: the one wall clock, replaceable in tests.
//! - [`store`]: the `Store` trait, the sled store, the PostgreSQL store and
//!   an in-memory store; [`migrate`]: `quire migrate`, sled into PostgreSQL.
//! - [`service`]: creating, exporting and importing documents, shared by API and CLI.
//! - [`openapi`]: the table of API routes and the OpenAPI description built from it.
//! - [`api`]: the JSON HTTP API under `/api/v1`, `/healthz`, `/metrics`.
//! - [`review`]: restore, named versions, hand-in deadlines, compare, revert.
//! - [`insights`], [`history`], [`authors`]: contributions per author, the
//!   revision history, who wrote what and their colours.
//! - [`caller`]: who calls (roles, principals, the author each writes as);
//!   [`auth`]: tokens and cookies to a caller; [`identity`]: author ids from
//!   author secrets, the server's HMAC key; [`session`]: a browser's token in
//!   an HttpOnly cookie.
//! - [`guard`]: origin checks and the size, time and memory of request bodies;
//!   [`rate`], [`throttle`]: message rates and document creation.
//! - [`groups`], [`members`]: groups and members, the integration API and
//!   their stored records.
//! - [`web`]: the embedded web client; [`fonts`]: fonts for PDF export.
//! - [`metrics`], [`error`], [`ids`]: Prometheus metrics, HTTP errors, ids.

mod api;
mod app;
mod auth;
mod authors;
mod caller;
pub mod cli;
mod clock;
mod config;
pub mod doc;
mod error;
mod fonts;
mod groups;
mod guard;
mod history;
mod identity;
mod ids;
mod insights;
mod listen;
mod members;
mod metrics;
pub mod migrate;
pub mod openapi;
mod rate;
mod review;
mod service;
mod session;
mod state;
pub mod store;
mod throttle;
mod web;
mod ws;

pub use app::{app, run};
pub use cli::{Cli, Command};
pub use config::Config;
pub use state::AppState;
