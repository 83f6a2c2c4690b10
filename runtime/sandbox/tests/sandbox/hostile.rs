//! Hostile guests: each must end in the right ASL error, with the host alive and the next
//! call fine.

use crate::{assert_alive, call, call_with_timeout, failure, guests, healthy_task, load, ok_json, sandbox, wat};
use sandbox::{CallError, Grants, LoadError};
use serde_json::json;
use std::time::Duration;

const LOOP_WAT: &str = r#"(module (memory (export "memory") 1) (func (export "_start") (loop (br 0))))"#;

#[test]
fn infinite_loop_times_out() {
    let f = load("spin", &guests().task, Grants::default());
    let out = call_with_timeout(&f, r#"{"op": "loop"}"#, Duration::from_millis(200));
    assert_eq!(out.result, Err(CallError::Timeout { limit_ms: 200 }));
    let fail = failure(&out);
    assert_eq!(fail.error, "States.Timeout");
    assert!(fail.cause.contains("200 ms"), "{}", fail.cause);
    assert_alive(&f);

    // The function's own limit applies when the call sets none, and the smaller one wins.
    let mut grants = Grants::default();
    grants.limits.timeout_ms = Some(150);
    let core = load("spin-core", &wat(LOOP_WAT), grants);
    let out = call(&core, "{}");
    assert_eq!(out.result, Err(CallError::Timeout { limit_ms: 150 }));
    let out = call_with_timeout(&core, "{}", Duration::from_millis(100));
    assert_eq!(out.result, Err(CallError::Timeout { limit_ms: 100 }));
    assert_alive(healthy_task());
}

/// A call whose interrupt flag is set stops at the next epoch tick with `Interrupted`, long
/// before its timeout; with the flag never set, the timeout still applies.
#[test]
fn an_interrupted_call_stops_at_the_next_tick() {
    use sandbox::CallOptions;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let task = load("spin-interrupted", &guests().task, Grants::default());
    let core = load("spin-core-interrupted", &wat(LOOP_WAT), Grants::default());
    for (f, input) in [(&task, r#"{"op": "loop"}"#), (&core, "{}")] {
        let flag = Arc::new(AtomicBool::new(false));
        let options = CallOptions { timeout: Some(Duration::from_secs(60)), interrupt: Some(flag.clone()), ..CallOptions::default() };
        let setter = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            flag.store(true, Ordering::Release);
        });
        let out = f.call(input, "{}", &options);
        setter.join().unwrap();
        assert_eq!(out.result, Err(CallError::Interrupted), "{}", f.name());
        // The flag is set about 100 ms after the setter starts, which is just before the call.
        assert!(out.duration >= Duration::from_millis(50) && out.duration < Duration::from_secs(10), "{:?}", out.duration);
        assert_eq!(failure(&out).error, "States.TaskFailed");

        let unset = CallOptions { timeout: Some(Duration::from_millis(150)), interrupt: Some(Arc::new(AtomicBool::new(false))), ..CallOptions::default() };
        let out = f.call(input, "{}", &unset);
        assert_eq!(out.result, Err(CallError::Timeout { limit_ms: 150 }), "{}", f.name());
        assert!(out.duration >= Duration::from_millis(150), "{:?}", out.duration);
    }
    assert_alive(&task);
}

#[test]
fn long_sleep_is_cut_at_the_deadline() {
    let f = load("sleepy", &guests().task, Grants::default());
    let out = call_with_timeout(&f, r#"{"op": "sleep", "ms": 600000}"#, Duration::from_millis(200));
    assert_eq!(out.result, Err(CallError::Timeout { limit_ms: 200 }));
    // The guest asked for ten minutes; the host did not wait for them.
    assert!(out.duration < Duration::from_secs(600), "{:?}", out.duration);
    let out = call_with_timeout(&f, r#"{"op": "sleep", "ms": 1}"#, Duration::from_secs(30));
    assert_eq!(ok_json(&out), json!("slept"));
    assert_alive(&f);
}

#[test]
fn fuel_exhaustion_fails_the_task() {
    let mut grants = Grants::default();
    grants.limits.fuel = Some(100_000);
    let f = load("fuel", &wat(LOOP_WAT), grants);
    let out = call_with_timeout(&f, "{}", Duration::from_secs(30));
    assert_eq!(out.result, Err(CallError::FuelExhausted { limit: 100_000 }));
    let fail = failure(&out);
    assert_eq!(fail.error, "States.TaskFailed");
    assert_eq!(fail.cause, "exceeded fuel limit of 100000 units");
    assert_alive(healthy_task());
}

#[test]
fn memory_bomb_hits_the_memory_limit() {
    let mut grants = Grants::default();
    grants.limits.memory_bytes = 32 << 20;
    let f = load("bomb", &guests().task, grants.clone());
    let out = call(&f, r#"{"op": "alloc"}"#);
    assert_eq!(out.result, Err(CallError::MemoryLimit { limit: 32 << 20 }));
    let fail = failure(&out);
    assert_eq!(fail.error, "States.TaskFailed");
    assert_eq!(fail.cause, "exceeded memory limit of 33554432 bytes");
    assert_alive(&f);

    let core = wat(
        r#"(module (memory (export "memory") 1)
             (func (export "_start")
               (loop (br_if 0 (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
               unreachable))"#,
    );
    let f = load("bomb-core", &core, grants);
    let out = call(&f, "{}");
    assert_eq!(out.result, Err(CallError::MemoryLimit { limit: 32 << 20 }));
    assert_alive(healthy_task());
}

#[test]
fn stack_overflow_is_a_trap() {
    let f = load("deep", &guests().task, Grants::default());
    let out = call(&f, r#"{"op": "recurse"}"#);
    let fail = failure(&out);
    assert_eq!(fail.error, "States.TaskFailed");
    assert!(fail.cause.starts_with("wasm trap: call stack exhausted"), "{}", fail.cause);
    assert_alive(&f);

    let f = load("deep-core", &wat(r#"(module (func $f (export "_start") call $f))"#), Grants::default());
    let fail = crate::failure(&call(&f, "{}"));
    assert_eq!(fail.cause, "wasm trap: call stack exhausted");
    assert_alive(healthy_task());
}

#[test]
fn unreachable_is_a_trap() {
    let f = load("trap", &wat(r#"(module (func (export "_start") unreachable))"#), Grants::default());
    let out = call(&f, "{}");
    assert!(matches!(out.result, Err(CallError::Trap { .. })), "{:?}", out.result);
    let fail = failure(&out);
    assert_eq!(fail.error, "States.TaskFailed");
    assert_eq!(fail.cause, "wasm trap: wasm `unreachable` instruction executed");
    assert_alive(healthy_task());
}

#[test]
fn panic_is_a_trap_with_the_panic_message() {
    let f = load("panics", &guests().task, Grants::default());
    let out = call(&f, r#"{"op": "panic", "message": "bad state"}"#);
    let fail = failure(&out);
    assert_eq!(fail.error, "States.TaskFailed");
    assert!(fail.cause.starts_with("wasm trap: wasm `unreachable`"), "{}", fail.cause);
    assert!(fail.cause.contains("guest panicked on purpose: bad state"), "{}", fail.cause);
    assert!(out.stderr.contains("guest panicked on purpose: bad state"));
    assert_alive(&f);

    let f = load("panics-cmd", &guests().cmd_p2, Grants::default());
    let fail = crate::failure(&call(&f, r#"{"op": "panic"}"#));
    assert!(fail.cause.contains("command panicked on purpose"), "{}", fail.cause);
}

#[test]
fn hundred_megabyte_output_is_refused() {
    const HUNDRED_MB: u64 = 100_000_000;
    let mut grants = Grants::default();
    grants.limits.memory_bytes = 512 << 20;
    let f = load("big", &guests().task, grants);
    let out = call(&f, &json!({"op": "big_output", "bytes": HUNDRED_MB}).to_string());
    assert_eq!(out.result, Err(CallError::OutputLimit { limit: 256 * 1024 }));
    assert_eq!(failure(&out).cause, "output exceeded limit of 262144 bytes");
    assert_alive(&f);

    for (name, bytes) in [("big-cmd2", &guests().cmd_p2), ("big-cmd1", &guests().cmd_p1)] {
        let f = load(name, bytes, Grants::default());
        let out = call(&f, &json!({"op": "big_output", "bytes": HUNDRED_MB}).to_string());
        assert_eq!(out.result, Err(CallError::OutputLimit { limit: 256 * 1024 }), "{name}");
        assert_eq!(ok_json(&call(&f, r#"{"op": "echo", "value": 1}"#))["echo"], 1);
    }
    assert_alive(healthy_task());
}

#[test]
fn reading_a_file_not_granted_fails_in_the_guest() {
    let f = load("snoop", &guests().task, Grants::default());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    for p in [path, "/etc/passwd", "Cargo.toml"] {
        let out = call(&f, &json!({"op": "read", "path": p}).to_string());
        assert_eq!(failure(&out).error, "ReadFailed", "{p}");
    }
    let f1 = load("snoop-p1", &guests().cmd_p1, Grants::default());
    let out = call(&f1, &json!({"op": "read", "path": "/etc/passwd"}).to_string());
    let fail = failure(&out);
    assert_eq!(fail.error, "States.TaskFailed");
    assert!(fail.cause.contains("read failed"), "{}", fail.cause);
    assert_alive(&f);
}

#[test]
fn opening_a_socket_or_http_request_not_granted_fails_in_the_guest() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr").to_string();
    let f = load("net", &guests().task, Grants::default());
    let out = call(&f, &json!({"op": "socket", "addr": addr}).to_string());
    assert_eq!(failure(&out).error, "SocketFailed");

    let out = call(&f, &json!({"op": "http", "authority": addr, "path": "/"}).to_string());
    let fail = failure(&out);
    assert_eq!(fail.error, "HttpFailed");
    assert!(fail.cause.contains("HttpRequestDenied"), "{}", fail.cause);

    // A grant for another host does not open this one.
    let grants = Grants {
        http_hosts: vec!["example.com".to_string()],
        ..Grants::default()
    };
    let other = load("net-other", &guests().task, grants);
    let out = call(&other, &json!({"op": "http", "authority": addr, "path": "/"}).to_string());
    assert!(crate::failure(&out).cause.contains("HttpRequestDenied"));

    let accepted = listener.accept();
    assert!(
        matches!(&accepted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the guest reached the listener: {accepted:?}"
    );
    assert_alive(&f);
}

#[test]
fn unsatisfied_imports_are_refused_at_load() {
    let core = wat(
        r#"(module (import "env" "launch_missiles" (func)) (func (export "_start") call 0))"#,
    );
    match sandbox().load("missiles", &core, Grants::default()) {
        Err(LoadError::UnsatisfiedImport { name, message }) => {
            assert_eq!(name, "missiles");
            assert!(message.contains("launch_missiles"), "{message}");
        }
        Err(other) => panic!("expected UnsatisfiedImport, got {other}"),
        Ok(_) => panic!("a module importing env::launch_missiles was accepted"),
    }

    let component = wat(
        r#"(component
             (import "evil:net/raw" (instance $raw (export "open" (func))))
             (core module $m (func (export "handle")))
           )"#,
    );
    match sandbox().load("raw-net", &component, Grants::default()) {
        Err(LoadError::UnsatisfiedImport { message, .. }) => {
            assert!(message.contains("evil:net/raw"), "{message}");
        }
        Err(other) => panic!("expected UnsatisfiedImport, got {other}"),
        Ok(_) => panic!("a component importing evil:net/raw was accepted"),
    }
    assert_alive(healthy_task());
}
