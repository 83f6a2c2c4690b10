//! The stepwasm binary's library part: everything the `stepwasm` command and the integration
//! tests share. The only crate that does IO on behalf of the user.

pub mod conformance;
