//! Definition text → validation and compilation, and for every definition that compiles, bounded
//! simulated runs: nothing may panic, whatever the definition or the states do.
//!
//! Checked for every input, for both a STANDARD and an EXPRESS machine:
//! - `validate_text` never panics;
//! - `parse_text` (validate, then build) compiles exactly the definitions `validate_text`
//!   reports no error for: the compiler never rejects what the validator accepted, and never
//!   accepts what it refused;
//! - text that is JSON gives the same verdict through `parse` on the parsed value, except for a
//!   state name written twice in one `States` object, which only the text shows.
//!
//! Every definition that compiles is run twice on a virtual clock: once with every task failing
//! with `E` (Retry and Catch paths), once with tasks answered in turn with success (echoing the
//! task's input), `States.TaskFailed` and `States.Timeout`. Every history event must turn into
//! JSON. The runs use a thread with a 2 MiB stack, as the server's workers have, so an input
//! that nests too deep for one shows up here as a crash.

#![no_main]

use asl::diagnostic::Severity;
use asl::simulate::TaskAnswer;
use asl::ValidateOptions;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fn has_errors(diags: &[asl::diagnostic::Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let value: Option<Value> = serde_json::from_str(text).ok();
    let mut compiled = None;
    for express in [false, true] {
        let opts = ValidateOptions { express };
        let diags = asl::validate::validate_text(text, &opts);
        let built = asl::parse_text(text, &opts);
        match (&built, has_errors(&diags)) {
            (Ok(_), false) | (Err(_), true) => {}
            (Ok(_), true) => panic!("parse_text compiled a definition validate_text refused: {diags:?}"),
            (Err(build_diags), false) => {
                panic!("the compiler refused a definition the validator accepted: {build_diags:?}")
            }
        }
        if let Some(value) = &value {
            let duplicate_names = diags.iter().any(|d| d.code == "DUPLICATE_STATE_NAME");
            let from_value = asl::parse(value, &opts);
            if !duplicate_names {
                assert_eq!(from_value.is_ok(), built.is_ok(), "parse and parse_text disagree");
            }
        }
        if !express {
            compiled = built.ok();
        }
    }
    let Some(machine) = compiled else {
        return;
    };
    let worker = std::thread::Builder::new().stack_size(2 << 20);
    let run = std::thread::scope(|scope| worker.spawn_scoped(scope, || simulate(&machine)).expect("spawn").join());
    if let Err(panic) = run {
        std::panic::resume_unwind(panic);
    }
});

fn simulate(machine: &asl::model::Machine) {
    let input = json!({"a": [1, 2, {"b": "c"}], "s": "x", "n": 3});
    let info = asl::simulate::local_info("f", "f", input.clone(), 0);
    let run = asl::simulate::run(machine, info, 1, 2_000, |_| TaskAnswer::Failure {
        error: "E".into(),
        cause: "c".into(),
    });
    for event in &run.events {
        let _ = event.to_json();
    }
    let mut turn = 0u32;
    let info = asl::simulate::local_info("f", "g", input, 0);
    let run = asl::simulate::run(machine, info, 2, 2_000, |task| {
        turn += 1;
        match turn % 3 {
            1 => TaskAnswer::Success((*task.input).clone()),
            2 => TaskAnswer::Failure { error: "States.TaskFailed".into(), cause: "c".into() },
            _ => TaskAnswer::Failure { error: "States.Timeout".into(), cause: String::new() },
        }
    });
    for event in &run.events {
        let _ = event.to_json();
    }
}
