//! Integration tests of the sandbox: happy paths of every guest kind, grants, and hostile
//! guests that must each end in the right ASL error with the host alive and the next call
//! fine, and the ready-made plugins of `plugins/dist` end to end.

#[path = "../support/guests.rs"]
mod guests;

mod hostile;
mod kinds;
mod plugins;

use sandbox::{CallOptions, CallOutcome, FunctionHandle, Grants, Sandbox, SandboxConfig, TaskFailure};
use std::sync::OnceLock;
use std::time::Duration;
pub use guests::guests;

/// One sandbox shared by the tests (as the engine shares one in production).
pub fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sandbox-cache");
        let mut config = SandboxConfig::new(dir);
        config.max_instances = 64;
        Sandbox::new(config).expect("sandbox")
    })
}

/// Loads a function in the shared sandbox.
pub fn load(name: &str, bytes: &[u8], grants: Grants) -> FunctionHandle {
    sandbox()
        .load(name, bytes, grants)
        .unwrap_or_else(|e| panic!("loading {name}: {e}"))
}

/// Parses WAT text into a binary.
pub fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("valid WAT")
}

/// Calls with an input JSON text and an empty context.
pub fn call(f: &FunctionHandle, input: &str) -> CallOutcome {
    f.call(input, "{}", &CallOptions::default())
}

/// Calls with a timeout.
pub fn call_with_timeout(f: &FunctionHandle, input: &str, timeout: Duration) -> CallOutcome {
    let options = CallOptions {
        timeout: Some(timeout),
        heartbeat: None,
        parse: false,
        interrupt: None,
    };
    f.call(input, "{}", &options)
}

/// The successful result of a call, parsed.
pub fn ok_json(outcome: &CallOutcome) -> serde_json::Value {
    match &outcome.result {
        Ok(text) => serde_json::from_str(text).expect("result is JSON"),
        Err(e) => panic!("expected success, got {e:?} (stderr: {})", outcome.stderr),
    }
}

/// The ASL failure of a call that must have failed.
pub fn failure(outcome: &CallOutcome) -> TaskFailure {
    match &outcome.result {
        Ok(text) => panic!("expected a failure, got {} bytes: {:.200}", text.len(), text),
        Err(e) => e.to_task_failure(),
    }
}

/// A task component that works; used after hostile calls to show the host is fine.
pub fn healthy_task() -> &'static FunctionHandle {
    static TASK: OnceLock<FunctionHandle> = OnceLock::new();
    TASK.get_or_init(|| load("healthy", &guests().task, Grants::default()))
}

/// Asserts that `f` (a `task-guest`) and a separate healthy function both answer normally.
pub fn assert_alive(f: &FunctionHandle) {
    for handle in [f, healthy_task()] {
        let out = call(handle, r#"{"op": "echo", "value": [1, "two"]}"#);
        assert_eq!(ok_json(&out)["echo"], serde_json::json!([1, "two"]));
    }
}
