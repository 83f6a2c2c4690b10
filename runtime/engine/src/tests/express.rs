//! Express executions: synchronous and asynchronous runs in memory, the ring of finished runs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use store::{ExecutionQuery, ExecutionScope, ExecutionStatus, HistoryQuery, MachineKind};

use super::support::*;
use crate::{EngineError, StartRequest};

const PASSES: &str = r#"{"StartAt":"A","States":{
    "A":{"Type":"Pass","Result":1,"ResultPath":"$.a","Next":"B"},
    "B":{"Type":"Pass","Result":2,"ResultPath":"$.b","Next":"C"},
    "C":{"Type":"Pass","Result":3,"ResultPath":"$.c","Next":"D"},
    "D":{"Type":"Pass","End":true}}}"#;

fn req(arn: &str, input: &str) -> StartRequest {
    StartRequest { state_machine_arn: arn.into(), name: None, input: Some(input.into()), trace_header: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_and_async_express_runs_are_kept_in_the_ring() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let sm = machine(&engine, "quick", PASSES, MachineKind::Express);
    let out = engine.start_sync_execution(req(&sm, r#"{"x":0}"#)).await.unwrap();
    assert_eq!(out.status, "SUCCEEDED");
    assert_eq!(json(out.output.as_deref().unwrap()), json!({"x": 0, "a": 1, "b": 2, "c": 3}));
    assert!(out.execution_arn.contains(":express:quick:"), "{}", out.execution_arn);
    let rec = engine.describe_execution(&out.execution_arn).unwrap();
    assert_eq!(rec.status, ExecutionStatus::Succeeded);
    let h = engine.history(&out.execution_arn, &HistoryQuery::default()).unwrap().items;
    assert_eq!(h.len(), 10, "{h:?}");
    assert_eq!(h[9]["type"], "ExecutionSucceeded");

    let started = engine.start_execution(req(&sm, r#"{"x":1}"#)).await.unwrap();
    let rec = loop {
        match engine.describe_execution(&started.execution_arn) {
            Ok(r) => break r,
            Err(EngineError::ExecutionDoesNotExist(_)) => tokio::time::sleep(Duration::from_millis(5)).await,
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(json(rec.output.as_deref().unwrap())["x"], 1);
    let listed = engine
        .list_executions(&ExecutionQuery { scope: ExecutionScope::StateMachine(sm.clone()), max: 1, ..Default::default() })
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].arn, started.execution_arn, "newest first");
    assert!(listed.next_token.is_some());
    // Nothing of an Express run is written to the store.
    assert!(engine.store().execution(&out.execution_arn).unwrap().is_none());

    // An input given as a value runs the same, and is held to the same size limit.
    let by_value = engine.start_sync_execution_value(req(&sm, "ignored"), json!({"x": 0})).await.unwrap();
    assert_eq!((by_value.status.as_str(), by_value.input.as_str()), ("SUCCEEDED", r#"{"x":0}"#));
    assert_eq!(by_value.output, out.output);
    let huge = json!({"x": "y".repeat(256 * 1024)});
    let err = engine.start_sync_execution_value(req(&sm, "{}"), huge).await.unwrap_err();
    assert!(matches!(err, EngineError::InvalidExecutionInput(_)), "{err}");

    let err = engine.start_sync_execution(req(&machine(&engine, "std", PASSES, MachineKind::Standard), "{}")).await.unwrap_err();
    assert!(matches!(err, EngineError::StateMachineTypeNotSupported(_)), "{err}");
    let err = engine.stop_execution(&out.execution_arn, None, None).await.unwrap_err();
    assert!(matches!(err, EngineError::StateMachineTypeNotSupported(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn express_machines_get_the_five_minute_limit_and_failures_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let m = engine.inner.machine(PASSES, true).unwrap();
    assert_eq!(m.timeout_seconds, Some(300));
    let m = engine.inner.machine(&PASSES.replacen("{\"StartAt\"", "{\"TimeoutSeconds\":1000,\"StartAt\"", 1), true).unwrap();
    assert_eq!(m.timeout_seconds, Some(300));
    let m = engine.inner.machine(PASSES, false).unwrap();
    assert_eq!(m.timeout_seconds, None);

    let fail = r#"{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Nope","Cause":"because"}}}"#;
    let sm = machine(&engine, "failing", fail, MachineKind::Express);
    let out = engine.start_sync_execution(req(&sm, "{}")).await.unwrap();
    assert_eq!((out.status.as_str(), out.error.as_deref(), out.cause.as_deref()), ("FAILED", Some("Nope"), Some("because")));

    let (inline, events) = engine.run_inline(PASSES, r#"{"y":true}"#).await.unwrap();
    assert_eq!(json(inline.output.as_deref().unwrap())["c"], 3);
    assert_eq!(types(&events).first().map(String::as_str), Some("ExecutionStarted"));
    assert_eq!(types(&events).last().map(String::as_str), Some("ExecutionSucceeded"));
    let err = engine.run_inline(r#"{"StartAt":"Nowhere","States":{}}"#, "{}").await.unwrap_err();
    assert!(matches!(err, EngineError::InvalidDefinition(_)), "{err}");
}

/// Records the name of the thread each step that entered states ran on.
#[derive(Default)]
struct Threads(Mutex<Vec<String>>);

impl crate::Observer for Threads {
    fn states_entered(&self, _count: u64) {
        self.0.lock().unwrap().push(std::thread::current().name().unwrap_or_default().to_string());
    }
}

impl Threads {
    /// The threads of every step after the first (which runs on the caller's task).
    fn after_start(&self) -> Vec<String> {
        self.0.lock().unwrap().iter().skip(1).cloned().collect()
    }
}

async fn observed_engine(dir: &std::path::Path) -> (crate::Engine, Arc<Threads>) {
    let threads = Arc::new(Threads::default());
    let engine = open_observed(dir, Some(threads.clone())).await;
    let spin = wat::parse_str(SPIN_WAT).unwrap();
    engine.put_function("spin", spin, sandbox::Grants::default()).await.unwrap();
    (engine, threads)
}

fn seconds_after_start(history: &[Value], event_type: &str) -> f64 {
    let at = |t: &str| history.iter().find(|e| e["type"] == t).and_then(|e| e["timestamp"].as_f64()).unwrap_or(f64::NAN);
    at(event_type) - at("ExecutionStarted")
}

/// A synchronous run that waits for one call at a time is driven on a call thread from call to
/// call, and writes the history a Standard execution of the same definition writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_of_tasks_runs_on_one_call_thread_with_the_usual_history() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, threads) = observed_engine(dir.path()).await;
    let input = repo_file("examples/order-processing/input.json");
    let express = order_machine(&engine, "orders", MachineKind::Express).await;
    let out = engine.start_sync_execution(req(&express, &input)).await.unwrap();
    assert_eq!(out.status, "SUCCEEDED", "{:?}", out.cause);
    assert_eq!(json(out.output.as_deref().unwrap()), json(&repo_file("examples/order-processing/expected-output.json")));
    let after = threads.after_start();
    assert!(after.len() >= 3, "{after:?}");
    assert!(after.iter().all(|t| t.starts_with("stepwasm-call-") && *t == after[0]), "{after:?}");
    let express_types = types(&history(&engine, &out.execution_arn));

    let standard = machine(&engine, "orders-std", &repo_file("examples/order-processing/statemachine.asl.json"), MachineKind::Standard);
    let started = engine.start_execution(StartRequest { name: Some("one".into()), ..req(&standard, &input) }).await.unwrap();
    finished(&engine, &started.execution_arn, Duration::from_secs(60)).await;
    assert_eq!(express_types, types(&history(&engine, &started.execution_arn)));
}

/// A call made on the driving thread that outlives the Task's TimeoutSeconds ends the task
/// with TaskTimedOut (the timer), not with the call's own timeout failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_driven_inline_past_its_timeout_times_the_task_out() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, threads) = observed_engine(dir.path()).await;
    let definition = r#"{"StartAt":"Spin","States":{
        "Spin":{"Type":"Task","Resource":"wasm:spin","TimeoutSeconds":1,
                "Catch":[{"ErrorEquals":["States.Timeout"],"ResultPath":"$.caught","Next":"After"}],"Next":"After"},
        "After":{"Type":"Pass","End":true}}}"#;
    let sm = machine(&engine, "spin", definition, MachineKind::Express);
    let out = engine.start_sync_execution(req(&sm, "{}")).await.unwrap();
    assert_eq!(out.status, "SUCCEEDED", "{:?}", out.cause);
    assert_eq!(json(out.output.as_deref().unwrap())["caught"]["Error"], "States.Timeout");
    let t = types(&history(&engine, &out.execution_arn));
    assert!(t.contains(&"TaskTimedOut".to_string()) && !t.contains(&"TaskFailed".to_string()), "{t:?}");
    let after = threads.after_start();
    assert!(after.len() == 1 && after[0].starts_with("stepwasm-call-"), "{after:?}");
}

/// A call is not made on the driving thread when a timer may come due while it runs: the
/// Wait beside it in a Parallel ends on time, not when the call has timed out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timer_that_may_come_due_during_a_call_keeps_its_time() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _threads) = observed_engine(dir.path()).await;
    let definition = r#"{"StartAt":"Both","States":{"Both":{"Type":"Parallel","End":true,"Branches":[
        {"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":1,"End":true}}},
        {"StartAt":"Spin","States":{
            "Spin":{"Type":"Task","Resource":"wasm:spin","TimeoutSeconds":4,
                    "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},
            "Caught":{"Type":"Pass","End":true}}}]}}}"#;
    let sm = machine(&engine, "nap", definition, MachineKind::Express);
    let out = engine.start_sync_execution(req(&sm, "{}")).await.unwrap();
    assert_eq!(out.status, "SUCCEEDED", "{:?}", out.cause);
    let h = history(&engine, &out.execution_arn);
    let nap = seconds_after_start(&h, "WaitStateExited");
    let timed_out = seconds_after_start(&h, "TaskTimedOut");
    // Due at 1 s; the call times out at 4 s.
    assert!((1.0..3.0).contains(&nap) && timed_out >= 4.0, "Wait exited at {nap} s, the task timed out at {timed_out} s");
}
