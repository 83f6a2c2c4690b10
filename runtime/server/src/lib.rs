//! The stepwasm binary's library part: everything the `stepwasm` command and the integration
//! tests share. The only crate that does IO on behalf of the user, speaks HTTP or reads the
//! environment.

pub mod api;
pub mod auth;
pub mod client;
pub mod config;
pub mod connections;
pub mod conformance;
pub mod console;
pub mod http;
pub mod invoke;
pub mod metrics;
pub mod native;
pub mod telemetry;
pub mod trigger;

pub use http::{start, Server};
