//! `wait_time_scale`: Wait states and retry back-offs take a fraction of their time, timeouts
//! keep theirs, and a restart keeps the shortened times.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use store::{ExecutionStatus, MachineKind};

use super::support::*;
use crate::{Engine, EngineConfig, StartRequest};

async fn open_scaled(dir: &Path, scale: f64) -> Engine {
    let mut config = EngineConfig::new(dir);
    config.wait_time_scale = scale;
    config.sandbox.max_instances = 4;
    let store = Arc::new(store::SqliteStore::open(dir.join("stepwasm.db")).unwrap());
    Engine::with_store(config, store).await.unwrap()
}

fn start(sm: &str, name: &str) -> StartRequest {
    StartRequest { state_machine_arn: sm.into(), name: Some(name.into()), input: Some("{}".into()), trace_header: None }
}

/// An hour's Wait, then a Task that fails twice and is retried after 60 s and 120 s.
fn slow() -> String {
    json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 3600, "Next": "T"},
        "T": {"Type": "Task", "Resource": "wasm:nobody", "End": true,
              "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 60, "MaxAttempts": 2, "BackoffRate": 2}]}}})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_and_retries_are_scaled_and_timeouts_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_scaled(dir.path(), 0.0005).await;
    let sm = machine(&engine, "slow", &slow(), MachineKind::Standard);
    let t0 = Instant::now();
    let s = engine.start_execution(start(&sm, "s")).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(20)).await;
    // 3,600 s + 60 s + 120 s of waiting at 1/2000: under 2 s.
    assert_eq!(rec.error.as_deref(), Some("States.TaskFailed"), "the missing function fails each attempt");
    assert!(t0.elapsed() < Duration::from_secs(10), "took {:?}", t0.elapsed());
    let h = history(&engine, &s.execution_arn);
    assert_eq!(types(&h).iter().filter(|t| *t == "TaskScheduled").count(), 3, "{h:?}");
    let at = |ty: &str| h.iter().find(|e| e["type"] == ty).and_then(|e| e["timestamp"].as_f64()).unwrap();
    let waited = at("WaitStateExited") - at("WaitStateEntered");
    assert!((1.7..4.0).contains(&waited), "the Wait took {waited} s");

    // A timeout keeps its time.
    let timeout = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:nobody-polls",
        "TimeoutSeconds": 1, "End": true}}});
    let sm = machine(&engine, "timeout", &timeout.to_string(), MachineKind::Standard);
    let t0 = Instant::now();
    let s = engine.start_execution(start(&sm, "t")).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(20)).await;
    assert_eq!(rec.error.as_deref(), Some("States.Timeout"));
    assert!(t0.elapsed() >= Duration::from_millis(950), "the timeout took {:?}", t0.elapsed());
}

#[test]
fn a_restart_keeps_the_shortened_wait() {
    let runtime = || tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wait = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3000, "End": true}}}).to_string();
    let first = runtime();
    let arn = first.block_on(async {
        let engine = open_scaled(dir.path(), 0.001).await;
        let sm = machine(&engine, "wait", &wait, MachineKind::Standard);
        let s = engine.start_execution(start(&sm, "w")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(engine.describe_execution(&s.execution_arn).unwrap().status, ExecutionStatus::Running);
        s.execution_arn
    });
    first.shutdown_background();
    runtime().block_on(async {
        // 3,000 s at 1/1000 is 3 s from the start, not 3,000 s from the restart.
        let engine = open_scaled(dir.path(), 0.001).await;
        let rec = finished(&engine, &arn, Duration::from_secs(30)).await;
        assert_eq!(rec.status, ExecutionStatus::Succeeded);
        let waited = (rec.stop_ms.unwrap() - rec.start_ms) as f64 / 1000.0;
        assert!((3.0..15.0).contains(&waited), "waited {waited} s");
    });
}
