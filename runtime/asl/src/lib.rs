//! Amazon States Language, exactly as AWS Step Functions runs it.
//!
//! This crate is pure: it parses and validates definitions, evaluates JSONPath, intrinsic
//! functions and JSONata, and steps executions. It never does IO, never reads a clock and never
//! draws random numbers: time and entropy come in as arguments, so every run can be replayed.
//!
//! - [`build::parse`] turns a definition into a [`model::Machine`] or a list of diagnostics.
//! - [`exec::Execution::step`] advances an execution by one input.
//! - [`simulate::run`] drives an execution to its end on a virtual clock (tests, CLI, benches).

pub mod build;
pub mod choice;
pub mod diagnostic;
pub mod env;
pub mod error;
pub mod events;
pub mod exec;
pub mod intrinsics;
pub mod jsonata;
pub mod json_text;
pub mod jsonpath;
pub mod model;
pub mod simulate;
pub mod template;
pub mod timestamp;
pub mod validate;

pub use build::{parse, parse_text};
pub use validate::ValidateOptions;
