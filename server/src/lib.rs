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
