//! Happy paths of every guest kind, grants, captured output, loading and the cache.

use crate::{assert_alive, call, failure, guests, load, ok_json, sandbox, wat};
use sandbox::{
    CallError, CallOptions, DirGrant, FunctionKind, Grants, LoadError, LogLevel, Sandbox,
    SandboxConfig,
};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[test]
fn task_component_echoes_input_and_context() {
    let f = load("echo", &guests().task, Grants::default());
    assert_eq!(f.kind(), FunctionKind::TaskComponent);
    assert_eq!(f.name(), "echo");
    let out = f.call(
        r#"{"op": "echo", "value": {"a": 1}}"#,
        r#"{"State": {"Name": "S1"}}"#,
        &CallOptions::default(),
    );
    let v = ok_json(&out);
    assert_eq!(v["echo"], json!({"a": 1}));
    assert_eq!(v["context"]["State"]["Name"], "S1");
    assert!(out.fuel_consumed.is_some_and(|f| f > 0));
}

#[test]
fn guest_task_error_keeps_its_name_and_cause() {
    let f = load("fails", &guests().task, Grants::default());
    let out = call(&f, r#"{"op": "fail", "error": "InvalidOrder", "cause": "no items"}"#);
    assert_eq!(
        out.result,
        Err(CallError::Guest {
            error: "InvalidOrder".to_string(),
            cause: "no items".to_string()
        })
    );
    let fail = failure(&out);
    assert_eq!(fail.error, "InvalidOrder");
    assert_eq!(fail.cause, "no items");

    let out = call(&f, r#"{"op": "fail", "error": "States.Timeout", "cause": "lie"}"#);
    let fail = failure(&out);
    assert_eq!(fail.error, "States.TaskFailed");
    assert!(fail.cause.contains("reserved error name `States.Timeout`"), "{}", fail.cause);
    assert_alive(&f);
}

#[test]
fn invalid_json_result_is_a_task_failure() {
    let f = load("not-json", &guests().task, Grants::default());
    let out = call(&f, r#"{"op": "not_json"}"#);
    assert!(matches!(out.result, Err(CallError::InvalidOutput { .. })), "{:?}", out.result);
    assert_eq!(failure(&out).error, "States.TaskFailed");
}

#[test]
fn logs_heartbeats_and_stdio_are_captured_and_bounded() {
    let mut grants = Grants::default();
    grants.limits.max_log_bytes = 64;
    let f = load("chatty", &guests().task, grants);
    let beats = Arc::new(AtomicU64::new(0));
    let counter = beats.clone();
    let options = CallOptions {
        timeout: None,
        heartbeat: Some(Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })),
        ..CallOptions::default()
    };
    let out = f.call(r#"{"op": "chatty", "lines": 100, "heartbeats": 3}"#, "{}", &options);
    assert_eq!(ok_json(&out), json!("done"));
    assert_eq!(out.heartbeats, 3);
    assert_eq!(beats.load(Ordering::SeqCst), 3);
    let last = out.logs.last().expect("log lines kept");
    assert_eq!(last.message, "last line");
    assert_eq!(last.level, LogLevel::Warn);
    let kept: usize = out.logs.iter().map(|l| l.message.len()).sum();
    assert!(kept <= 64, "kept {kept} bytes of logs");
    assert_eq!(out.logs_dropped + out.logs.len() as u64, 101);
    assert_eq!(out.stdout, "to stdout");
    assert_eq!(out.stderr, "to stderr");
}

#[test]
fn a_result_is_parsed_into_the_outcome_only_when_asked() {
    let parse = CallOptions { parse: true, ..CallOptions::default() };
    let task = load("parsed", &guests().task, Grants::default());
    let input = r#"{"op": "echo", "value": {"b": [1, 2.5, null], "a": "é"}}"#;
    let out = task.call(input, "{}", &parse);
    assert_eq!(out.value.as_ref(), Some(&ok_json(&out)));
    assert_eq!(task.call(input, "{}", &CallOptions::default()).value, None);
    // Invalid JSON is refused by the same parse; a failed call has no value.
    let out = task.call(r#"{"op": "not_json"}"#, "{}", &parse);
    assert!(matches!(out.result, Err(CallError::InvalidOutput { .. })), "{:?}", out.result);
    assert_eq!(out.value, None);
    let out = task.call(r#"{"op": "fail", "error": "E", "cause": "c"}"#, "{}", &parse);
    assert_eq!(out.value, None);
    // A command's stdout is its result, parsed the same way.
    for (name, bytes) in [("parsed-p1", &guests().cmd_p1), ("parsed-p2", &guests().cmd_p2)] {
        let cmd = load(name, bytes, Grants::default());
        let out = cmd.call(r#"{"op": "echo", "value": "hi"}"#, "{}", &parse);
        assert_eq!(out.value.as_ref().map(|v| &v["echo"]), Some(&json!("hi")), "{name}: {:?}", out.result);
    }
}

#[test]
fn wasi_p2_command_reads_stdin_and_writes_stdout() {
    let f = load("cmd2", &guests().cmd_p2, Grants::default());
    assert_eq!(f.kind(), FunctionKind::CommandComponent);
    let out = f.call(r#"{"op": "echo", "value": 42}"#, r#"{"ctx": true}"#, &CallOptions::default());
    let v = ok_json(&out);
    assert_eq!(v["echo"], 42);
    assert_eq!(v["args"], json!(["cmd2", r#"{"ctx": true}"#]));
}

#[test]
fn wasi_p1_command_reads_stdin_and_writes_stdout() {
    let f = load("cmd1", &guests().cmd_p1, Grants::default());
    assert_eq!(f.kind(), FunctionKind::CommandModule);
    let out = call(&f, r#"{"op": "echo", "value": "hi"}"#);
    assert_eq!(ok_json(&out)["echo"], "hi");
}

#[test]
fn command_exit_status_fails_with_the_stderr_tail_as_cause() {
    for (name, bytes) in [("exit2", &guests().cmd_p2), ("exit1", &guests().cmd_p1)] {
        let f = load(name, bytes, Grants::default());
        let out = call(&f, r#"{"op": "exit", "code": 3, "message": "order 7 is invalid"}"#);
        // WASI preview 2 (0.2.x) only tells success from failure, so the status may be 1.
        assert!(
            matches!(out.result, Err(CallError::Exit { code, .. }) if code == 3 || (code == 1 && name == "exit2")),
            "{:?}",
            out.result
        );
        let fail = failure(&out);
        assert_eq!(fail.error, "States.TaskFailed");
        assert!(fail.cause.ends_with("order 7 is invalid\n"), "{:?}", fail.cause);
        assert!(fail.cause.contains("some early diagnostics"), "{:?}", fail.cause);
        assert_eq!(ok_json(&call(&f, r#"{"op": "echo", "value": 1}"#))["echo"], 1);
    }
}

#[test]
fn granted_directory_is_readable_and_read_only_unless_writable() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("in.txt"), "granted content").expect("write");
    let grant = |writable| Grants {
        dirs: vec![DirGrant {
            host_path: dir.path().to_path_buf(),
            guest_path: "/data".to_string(),
            writable,
        }],
        ..Grants::default()
    };
    let ro = load("ro", &guests().task, grant(false));
    let out = call(&ro, r#"{"op": "read", "path": "/data/in.txt"}"#);
    assert_eq!(ok_json(&out)["content"], "granted content");
    let out = call(&ro, r#"{"op": "write", "path": "/data/out.txt", "content": "x"}"#);
    assert_eq!(failure(&out).error, "WriteFailed");
    assert!(!dir.path().join("out.txt").exists());

    let rw = load("rw", &guests().task, grant(true));
    let out = call(&rw, r#"{"op": "write", "path": "/data/out.txt", "content": "written"}"#);
    assert_eq!(ok_json(&out), json!(true));
    assert_eq!(std::fs::read_to_string(dir.path().join("out.txt")).expect("read"), "written");

    let p1 = load("p1-ro", &guests().cmd_p1, grant(false));
    let out = call(&p1, r#"{"op": "read", "path": "/data/in.txt"}"#);
    assert_eq!(ok_json(&out)["content"], "granted content");
}

#[test]
fn granted_environment_variables_are_the_only_ones_visible() {
    let mut grants = Grants::default();
    grants.env.insert("REGION".to_string(), "eu-west-1".to_string());
    let f = load("env", &guests().task, grants);
    let out = call(&f, r#"{"op": "env", "name": "REGION"}"#);
    assert_eq!(ok_json(&out)["value"], "eu-west-1");
    let out = call(&f, r#"{"op": "env_all"}"#);
    assert_eq!(ok_json(&out), json!([["REGION", "eu-west-1"]]));

    let bare = load("no-env", &guests().task, Grants::default());
    assert_eq!(ok_json(&call(&bare, r#"{"op": "env_all"}"#)), json!([]));
    let out = call(&bare, r#"{"op": "env", "name": "PATH"}"#);
    assert_eq!(failure(&out).error, "EnvMissing");
}

#[test]
fn granted_http_host_is_reachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut conn, _) = listener.accept().expect("accept");
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => request.extend_from_slice(&buf[..n]),
            }
        }
        conn.write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n").expect("respond");
        String::from_utf8_lossy(&request).into_owned()
    });
    let grants = Grants {
        http_hosts: vec![addr.to_string()],
        ..Grants::default()
    };
    let f = load("http", &guests().task, grants);
    let input = json!({"op": "http", "authority": addr.to_string(), "path": "/ping"}).to_string();
    let out = call(&f, &input);
    assert_eq!(ok_json(&out)["status"], 204);
    let request = server.join().expect("server thread");
    assert!(request.starts_with("GET /ping HTTP/1.1"), "{request}");
}

#[test]
fn bad_bytes_are_refused_at_load_with_a_clear_error() {
    let err = sandbox().load("text", b"hello world", Grants::default()).err();
    assert!(matches!(err, Some(LoadError::NotWasm { .. })), "{err:?}");
    assert!(err.map(|e| e.to_string()).unwrap_or_default().contains("`text`"));

    let err = sandbox().load("empty", b"", Grants::default()).err();
    assert!(matches!(err, Some(LoadError::NotWasm { .. })), "{err:?}");

    let mut broken = b"\0asm\x01\0\0\0".to_vec();
    broken.extend_from_slice(&[0x01, 0xff, 0xff]);
    let err = sandbox().load("broken", &broken, Grants::default()).err();
    match err {
        Some(LoadError::Invalid { name, message }) => {
            assert_eq!(name, "broken");
            assert!(message.contains("offset"), "{message}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }

    let err = sandbox().load("no-start", &wat("(module (func (export \"run\")))"), Grants::default()).err();
    assert!(
        matches!(&err, Some(LoadError::Shape { message, .. }) if message.contains("`_start`")),
        "{err:?}"
    );
}

#[test]
fn invalid_grants_are_refused_at_load() {
    let mut grants = Grants::default();
    grants.http_hosts.push("https://example.com/path".to_string());
    let err = sandbox().load("bad-grants", &guests().task, grants).err();
    assert!(
        matches!(&err, Some(LoadError::Grants { message, .. }) if message.starts_with("http_hosts[0]")),
        "{err:?}"
    );
}

#[test]
fn restart_maps_the_cached_artifact_instead_of_recompiling() {
    let cache = tempfile::tempdir().expect("tempdir");
    let new_sandbox = || {
        let mut config = SandboxConfig::new(cache.path());
        config.max_instances = 4;
        Sandbox::new(config).expect("sandbox")
    };
    let artifacts = || -> Vec<(std::path::PathBuf, std::time::SystemTime)> {
        let mut files: Vec<_> = std::fs::read_dir(cache.path())
            .expect("read cache")
            .map(|e| e.expect("entry"))
            .map(|e| (e.path(), e.metadata().and_then(|m| m.modified()).expect("mtime")))
            .collect();
        files.sort();
        files
    };
    let first = new_sandbox();
    let f = first.load("t", &guests().trivial_task, Grants::default()).expect("load");
    assert_eq!(call(&f, "[1]").result, Ok("[1]".to_string()));
    assert_eq!(first.cache_stats(), sandbox::CacheStats { hits: 0, misses: 1 });
    drop((f, first));
    let before = artifacts();
    assert_eq!(before.len(), 1, "{before:?}");
    assert!(before[0].0.extension().is_some_and(|e| e == "ccomp"));

    std::thread::sleep(std::time::Duration::from_millis(20));
    let second = new_sandbox();
    let f = second.load("t", &guests().trivial_task, Grants::default()).expect("load");
    assert_eq!(call(&f, "[2]").result, Ok("[2]".to_string()));
    assert_eq!(artifacts(), before, "the artifact was rewritten");
    assert_eq!(second.cache_stats(), sandbox::CacheStats { hits: 1, misses: 0 });

    // A corrupted artifact is replaced, not trusted. (It is replaced by a rename: a mapped
    // artifact must never be truncated in place, see the cache module.)
    let garbage = cache.path().join("garbage");
    std::fs::write(&garbage, b"garbage").expect("corrupt");
    std::fs::rename(&garbage, &before[0].0).expect("corrupt");
    let f = second.load("t", &guests().trivial_task, Grants::default()).expect("reload");
    assert_eq!(call(&f, "[3]").result, Ok("[3]".to_string()));
    assert_eq!(second.cache_stats(), sandbox::CacheStats { hits: 1, misses: 1 }, "a corrupt artifact is a miss");
}

#[test]
fn calls_from_many_threads_at_once() {
    let f = load("parallel", &guests().task, Grants::default());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let f = f.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let input = json!({"op": "echo", "value": [t, i]}).to_string();
                    let out = call(&f, &input);
                    assert_eq!(ok_json(&out)["echo"], json!([t, i]));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
}
