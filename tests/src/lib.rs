//! What the end-to-end tests share: the real `quire` binary started on a
//! temporary data directory or a fresh PostgreSQL database, and a minimal
//! y-protocols client on yrs.

pub mod client;
pub mod http;
pub mod pg;
pub mod server;

pub use client::Client;
pub use server::Server;
