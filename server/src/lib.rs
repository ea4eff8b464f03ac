//! quire-server: the Quire server. It owns every socket, file and clock; the
//! document logic lives in crdt-core.
//!
//! # Layout
//!
//! - [`config`]: the CLI and its `QUIRE_*` environment variables.
//! - [`app`]: the router, shared state, and `run(listener, ...)` with graceful shutdown.
//! - [`listen`]: the accept loop, with a header deadline and a connection cap.
//! - [`ws`]: the websocket endpoint: reader, writer, pings, limits.
//! - [`doc`]: one actor per loaded document (batching, group commit, relay,
//!   acknowledgements) and the registry that loads and unloads them.
//! - [`store`]: the `Store` trait, the sled store, the PostgreSQL store and an in-memory store.
//! - [`migrate`]: `quire migrate`, moving a sled data directory into PostgreSQL.
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
//! - [`review`]: restore, named versions and hand-in deadlines.
//! - [`web`]: the embedded web client.
//! - [`metrics`], [`error`], [`ids`]: Prometheus metrics, HTTP errors, document ids.

mod api;
mod app;
mod auth;
mod authors;
mod caller;
pub mod cli;
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
