//! Amazon States Language, exactly as AWS Step Functions runs it.
//!
//! This crate is pure: it parses and validates definitions, evaluates JSONPath, intrinsic
//! functions and JSONata, and steps executions. It never does IO, never reads a clock and never
//! draws random numbers: time and entropy come in as arguments, so every run can be replayed.

pub mod diagnostic;
