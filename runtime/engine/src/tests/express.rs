//! Express executions: synchronous and asynchronous runs in memory, the ring of finished runs.

use std::time::Duration;

use serde_json::json;
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
