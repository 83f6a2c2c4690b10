//! Definition text → validation and compilation (`asl::parse_text`), and for every definition
//! that compiles, a bounded simulated run: the stepper must never panic, whatever the states do.
//! Every task fails with `E`, so Retry and Catch paths are exercised too.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(machine) = asl::parse_text(text, &asl::ValidateOptions::default()) else {
        return;
    };
    let info = asl::simulate::local_info("f", "f", json!({"a": [1, 2, {"b": "c"}]}), 0);
    let _ = asl::simulate::run(&machine, info, 1, 2_000, |_| asl::simulate::TaskAnswer::Failure {
        error: "E".into(),
        cause: "c".into(),
    });
});
