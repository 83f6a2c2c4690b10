//! The crash test: a child process starts N Standard executions of a workflow with Tasks,
//! Waits and a Map, is killed with SIGKILL mid-run, and this process reopens the data
//! directory: every execution must end SUCCEEDED with the right output and a history without
//! gaps or repeated event ids. N is `STEPWASM_CRASH_N` (default 40; `bench/crash-test.sh`
//! runs 1,000).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use store::{ExecutionQuery, ExecutionScope, ExecutionStatus};

use super::support::*;

include!("crash_workflow.rs");

/// The input of execution `i`.
pub fn input(i: usize) -> Value {
    json!({"id": i, "items": [format!("a{i}"), format!("b{i}"), format!("c{i}")]})
}

/// What execution `i` must output.
pub fn expected(i: usize) -> Value {
    json!({"id": i, "rendered": [format!("item-a{i}"), format!("item-b{i}"), format!("item-c{i}")]})
}

/// The child process: `examples/crash_child.rs`, built by `cargo test` next to this test.
fn child_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target/<profile>/deps/..");
    let child = dir.join("examples").join(format!("crash_child{}", std::env::consts::EXE_SUFFIX));
    assert!(child.exists(), "{} is missing: build it with `cargo build -p engine --examples`", child.display());
    child
}

#[test]
fn executions_survive_sigkill_mid_run() {
    let n: usize = std::env::var("STEPWASM_CRASH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let dir = tempfile::tempdir().unwrap();
    plugin("transform");
    let mut child = Command::new(child_binary())
        .arg(dir.path())
        .arg(n.to_string())
        .arg(repo().join("plugins/dist/transform.wasm"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the child starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let started = Instant::now();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.starts_with("started") => break,
            Some(Ok(_)) => {}
            other => panic!("the child ended before starting its executions: {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(600), "the child took too long to start");
    }
    // Mid-run: the executions are in their Wait, their Map or a task.
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let killed_at = Instant::now();

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let engine = open(dir.path()).await;
        assert!(engine.warnings().is_empty(), "{:?}", engine.warnings());
        let sm = engine.arns().state_machine("crash");
        let running = engine.running_count();
        eprintln!("crash test: {n} executions, {running} were running at the kill");
        assert!(running > 0, "the kill came after every execution had ended; the test proved nothing");
        let mut checked = 0;
        let mut token = None;
        loop {
            let page = engine
                .list_executions(&ExecutionQuery {
                    scope: ExecutionScope::StateMachine(sm.clone()),
                    max: 1000,
                    next_token: token.take(),
                    ..Default::default()
                })
                .unwrap();
            for rec in page.items {
                let rec = finished(&engine, &rec.arn, Duration::from_secs(120)).await;
                let i: usize = rec.name.trim_start_matches("c-").parse().unwrap();
                assert_eq!(rec.status, ExecutionStatus::Succeeded, "{}: {:?} {:?}", rec.arn, rec.error, rec.cause);
                assert_eq!(json(rec.output.as_deref().unwrap()), expected(i), "{}", rec.arn);
                let h = history(&engine, &rec.arn);
                assert_gap_free(&rec.arn, &h);
                let t = types(&h);
                assert_eq!(t.iter().filter(|t| *t == "ExecutionStarted").count(), 1);
                assert_eq!(t.iter().filter(|t| *t == "MapIterationSucceeded").count(), 3, "{}: {t:?}", rec.arn);
                assert_eq!(t.last().map(String::as_str), Some("ExecutionSucceeded"));
                checked += 1;
            }
            match page.next_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        assert_eq!(checked, n, "every started execution is listed");
        eprintln!("crash test: all {n} SUCCEEDED {:.1} s after the restart", killed_at.elapsed().as_secs_f64());
    });
}
