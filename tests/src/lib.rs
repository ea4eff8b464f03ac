//! What the end-to-end tests share: the real `quire` binary started on a
//! temporary data directory, and a minimal y-protocols client on yrs.

pub mod client;
pub mod http;
pub mod server;

pub use client::Client;
pub use server::Server;
