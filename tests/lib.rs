//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// The shared conformance corpus: `$STEPWASM_CONFORMANCE_CASES`, or `shared/conformance/cases`
/// beside the repository.
pub fn conformance_cases_dir() -> PathBuf {
    match std::env::var_os("STEPWASM_CONFORMANCE_CASES") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/cases"),
    }
}
