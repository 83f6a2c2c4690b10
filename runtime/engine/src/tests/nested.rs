//! Tasks that start executions of other state machines (`states:startExecution`).

use std::time::Duration;

use serde_json::{json, Value};
use store::{ExecutionQuery, ExecutionScope, ExecutionStatus, MachineKind};

use super::support::*;
use crate::{Engine, StartRequest};

fn start(arn: &str, name: &str, input: Value) -> StartRequest {
    StartRequest { state_machine_arn: arn.into(), name: Some(name.into()), input: Some(input.to_string()), trace_header: None }
}

/// A parent whose one Task starts `child` through `resource`, passing the parent's `$.payload`.
fn parent(resource: &str, child: &str, extra: Value) -> String {
    let mut task = json!({
        "Type": "Task",
        "Resource": resource,
        "Parameters": {"StateMachineArn": child, "Input": {"n.$": "$.n", "started_by.$": "$$.Execution.Id"}},
        "End": true
    });
    if let (Value::Object(t), Value::Object(x)) = (&mut task, extra) {
        t.extend(x);
    }
    json!({"StartAt": "Child", "States": {"Child": task}}).to_string()
}

/// A child that doubles `$.n`, or fails when `n` is negative.
const CHILD: &str = r#"{"StartAt": "Check", "States": {
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThan": 0, "Next": "Fail"}], "Default": "Double"},
    "Double": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "End": true},
    "Fail": {"Type": "Fail", "Error": "Negative", "Cause": "n is below zero"}}}"#;

/// A child that waits `$.seconds` seconds.
const WAITING_CHILD: &str = r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.seconds", "End": true}}}"#;

async fn run(engine: &Engine, sm: &str, name: &str, input: Value) -> store::ExecutionRecord {
    let s = engine.start_execution(start(sm, name, input)).await.unwrap();
    finished(engine, &s.execution_arn, Duration::from_secs(30)).await
}

fn children(engine: &Engine, child: &str) -> Vec<store::ExecutionRecord> {
    let q = ExecutionQuery { scope: ExecutionScope::StateMachine(child.into()), max: 100, ..ExecutionQuery::default() };
    engine.list_executions(&q).unwrap().items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_response_answers_the_start_and_the_child_runs_on() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let child = machine(&engine, "child", CHILD, MachineKind::Standard);
    let sm = machine(&engine, "parent", &parent("arn:aws:states:::states:startExecution", &child, json!({})), MachineKind::Standard);
    let rec = run(&engine, &sm, "p1", json!({"n": 4})).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{:?} {:?}", rec.error, rec.cause);
    let out = json(rec.output.as_deref().unwrap());
    let child_arn = out["ExecutionArn"].as_str().expect("the child's ARN").to_string();
    assert!(child_arn.starts_with(&engine.arns().execution("child", "")), "{child_arn}");
    assert!(out["StartDate"].as_i64().is_some_and(|ms| ms >= rec.start_ms), "{out}");
    assert_eq!(out["SdkHttpMetadata"]["HttpStatusCode"], 200);
    let c = finished(&engine, &child_arn, Duration::from_secs(10)).await;
    assert_eq!(json(&c.input), json!({"n": 4, "started_by": rec.arn}));
    assert_eq!(json(c.output.as_deref().unwrap()), json!({"doubled": 8}));
    let h = history(&engine, &rec.arn);
    assert_eq!(types(&h)[2..5], ["TaskScheduled", "TaskStarted", "TaskSucceeded"]);
    let details = &h[2]["taskScheduledEventDetails"];
    assert_eq!((details["resourceType"].as_str(), details["resource"].as_str()), (Some("states"), Some("startExecution")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_waits_for_the_child_and_answers_its_description() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let child = machine(&engine, "child", CHILD, MachineKind::Standard);
    let text = machine(&engine, "text", &parent("arn:aws:states:::states:startExecution.sync", &child, json!({})), MachineKind::Standard);
    let value = machine(&engine, "value", &parent("arn:aws:states:::states:startExecution.sync:2", &child, json!({})), MachineKind::Standard);

    let rec = run(&engine, &text, "t", json!({"n": 5})).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{:?} {:?}", rec.error, rec.cause);
    let out = json(rec.output.as_deref().unwrap());
    assert_eq!(out["Status"], "SUCCEEDED");
    assert_eq!(out["Output"], json!(r#"{"doubled":10}"#), "`.sync` quotes the output as text");
    assert_eq!(out["OutputDetails"], json!({"Included": true}));
    assert_eq!(out["StateMachineArn"], child.as_str());
    assert!(out["StopDate"].as_i64() >= out["StartDate"].as_i64(), "{out}");
    let h = history(&engine, &rec.arn);
    assert_eq!(types(&h)[2..6], ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"], "{h:?}");
    let submitted = json(h[4]["taskSubmittedEventDetails"]["output"].as_str().unwrap());
    assert_eq!(submitted["ExecutionArn"], out["ExecutionArn"]);

    let rec = run(&engine, &value, "v", json!({"n": 6})).await;
    let out = json(rec.output.as_deref().unwrap());
    assert_eq!(out["Output"], json!({"doubled": 12}), "`.sync:2` gives the output as JSON");
    assert_eq!(out["Input"], json!({"n": 6, "started_by": rec.arn}));
    assert_eq!(children(&engine, &child).len(), 2);
    assert!(crate::lock(&engine.inner.end_watchers).is_empty(), "no watcher is left behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_child_fails_the_task_and_a_missing_machine_fails_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let child = machine(&engine, "child", CHILD, MachineKind::Standard);
    let catching = json!({"Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.caught", "Next": "Caught"}], "End": null});
    let mut def: Value = serde_json::from_str(&parent("arn:aws:states:::states:startExecution.sync:2", &child, json!({}))).unwrap();
    def["States"]["Child"].as_object_mut().unwrap().extend(catching.as_object().unwrap().clone());
    def["States"]["Child"].as_object_mut().unwrap().remove("End");
    def["States"]["Child"]["Next"] = json!("Caught");
    def["States"]["Caught"] = json!({"Type": "Pass", "End": true});
    let sm = machine(&engine, "catching", &def.to_string(), MachineKind::Standard);
    let rec = run(&engine, &sm, "f", json!({"n": -1})).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{:?} {:?}", rec.error, rec.cause);
    let caught = &json(rec.output.as_deref().unwrap())["caught"];
    assert_eq!(caught["Error"], "States.TaskFailed");
    let cause = json(caught["Cause"].as_str().unwrap());
    assert_eq!((cause["Status"].as_str(), cause["Error"].as_str()), (Some("FAILED"), Some("Negative")), "{cause}");
    assert_eq!(cause["Cause"], "n is below zero");

    let missing = engine.arns().state_machine("nobody");
    let sm = machine(&engine, "orphan", &parent("arn:aws:states:::states:startExecution", &missing, json!({})), MachineKind::Standard);
    let rec = run(&engine, &sm, "m", json!({"n": 1})).await;
    assert_eq!(rec.status, ExecutionStatus::Failed);
    assert_eq!(rec.error.as_deref(), Some("StepFunctions.StateMachineDoesNotExistException"));
    let cause = rec.cause.unwrap_or_default();
    assert!(cause.starts_with(&format!("State Machine Does Not Exist: '{missing}' (Service: AWSStepFunctions; Status Code: 400;")), "{cause}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_express_child_runs_synchronously() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let child = machine(&engine, "quick", CHILD, MachineKind::Express);
    let sm = machine(&engine, "parent", &parent("arn:aws:states:::states:startExecution.sync:2", &child, json!({})), MachineKind::Standard);
    let rec = run(&engine, &sm, "x", json!({"n": 21})).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{:?} {:?}", rec.error, rec.cause);
    let out = json(rec.output.as_deref().unwrap());
    assert_eq!(out["Output"], json!({"doubled": 42}));
    assert!(out["ExecutionArn"].as_str().unwrap().contains(":express:"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_task_ends_with_the_token_its_child_sends() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let child = machine(&engine, "worker", WAITING_CHILD, MachineKind::Standard);
    let def = json!({"StartAt": "Child", "States": {"Child": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
        "Parameters": {"StateMachineArn": child, "Input": {"seconds": 60, "token.$": "$$.Task.Token"}}, "End": true}}});
    let sm = machine(&engine, "asks", &def.to_string(), MachineKind::Standard);
    let s = engine.start_execution(start(&sm, "cb", json!({}))).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let token = loop {
        if let Some(c) = children(&engine, &child).first() {
            break json(&c.input)["token"].as_str().unwrap().to_string();
        }
        assert!(tokio::time::Instant::now() < deadline, "no child started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // The child could answer before its start is recorded; this one answers after.
    while !types(&history(&engine, &s.execution_arn)).contains(&"TaskSubmitted".to_string()) {
        assert!(tokio::time::Instant::now() < deadline, "no TaskSubmitted event");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    engine.send_task_success(&token, r#"{"answer": 42}"#).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(10)).await;
    assert_eq!(json(rec.output.as_deref().unwrap()), json!({"answer": 42}));
    assert_eq!(types(&history(&engine, &rec.arn))[2..6], ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_or_stopped_parent_stops_the_child_it_waits_for() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let child = machine(&engine, "slow", WAITING_CHILD, MachineKind::Standard);
    let mut def: Value = serde_json::from_str(&parent("arn:aws:states:::states:startExecution.sync", &child, json!({"TimeoutSeconds": 1}))).unwrap();
    def["States"]["Child"]["Parameters"]["Input"] = json!({"seconds.$": "$.seconds"});
    let sm = machine(&engine, "impatient", &def.to_string(), MachineKind::Standard);
    let rec = run(&engine, &sm, "t", json!({"seconds": 60})).await;
    assert_eq!(rec.error.as_deref(), Some("States.Timeout"));
    let c = children(&engine, &child).pop().expect("a child");
    assert_eq!(finished(&engine, &c.arn, Duration::from_secs(10)).await.status, ExecutionStatus::Aborted);

    let s = engine.start_execution(start(&sm, "s", json!({"seconds": 30}))).await.unwrap();
    // Stopped while it waits for its child.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while children(&engine, &child).len() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "no second child started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    engine.stop_execution(&s.execution_arn, None, None).await.unwrap();
    assert_eq!(finished(&engine, &s.execution_arn, Duration::from_secs(10)).await.status, ExecutionStatus::Aborted);
    let second = children(&engine, &child).into_iter().find(|c| json(&c.input)["seconds"] == 30).expect("the second child");
    assert_eq!(finished(&engine, &second.arn, Duration::from_secs(10)).await.status, ExecutionStatus::Aborted);
}

#[test]
fn after_a_crash_the_task_finds_the_child_it_started() {
    let runtime = || tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let first = runtime();
    let (parent_arn, child) = first.block_on(async {
        let engine = open(dir.path()).await;
        let child = machine(&engine, "child", WAITING_CHILD, MachineKind::Standard);
        let mut def: Value = serde_json::from_str(&parent("arn:aws:states:::states:startExecution.sync:2", &child, json!({}))).unwrap();
        def["States"]["Child"]["Parameters"]["Input"] = json!({"seconds": 1});
        let sm = machine(&engine, "parent", &def.to_string(), MachineKind::Standard);
        let s = engine.start_execution(start(&sm, "p", json!({}))).await.unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while children(&engine, &child).is_empty() {
            assert!(tokio::time::Instant::now() < deadline, "no child started");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        (s.execution_arn, child)
    });
    first.shutdown_background();

    runtime().block_on(async {
        let engine = open(dir.path()).await;
        let rec = finished(&engine, &parent_arn, Duration::from_secs(30)).await;
        assert_eq!(rec.status, ExecutionStatus::Succeeded, "{:?} {:?}", rec.error, rec.cause);
        let started = children(&engine, &child);
        assert_eq!(started.len(), 1, "the task issued again found its child: {started:?}");
        assert_eq!(json(rec.output.as_deref().unwrap())["ExecutionArn"], started[0].arn.as_str());
        let h = history(&engine, &parent_arn);
        assert_gap_free(&parent_arn, &h);
        assert_eq!(types(&h).iter().filter(|t| *t == "TaskSubmitted").count(), 1, "{h:?}");
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_state_starts_the_child_and_refuses_to_wait_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let child = machine(&engine, "child", CHILD, MachineKind::Standard);
    let state = |resource: &str| {
        json!({"Type": "Task", "Resource": resource, "End": true, "Parameters": {"StateMachineArn": child, "Input": {"n": 2}}}).to_string()
    };
    let out = engine
        .test_state(crate::TestStateRequest { definition: state("arn:aws:states:::states:startExecution"), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(out.status, "SUCCEEDED", "{:?} {:?}", out.error, out.cause);
    let arn = json(out.output.as_deref().unwrap())["ExecutionArn"].as_str().unwrap().to_string();
    assert_eq!(json(finished(&engine, &arn, Duration::from_secs(10)).await.output.as_deref().unwrap()), json!({"doubled": 4}));
    let out = engine
        .test_state(crate::TestStateRequest { definition: state("arn:aws:states:::states:startExecution.sync"), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(out.error.as_deref(), Some("States.Runtime"));
    assert!(out.cause.unwrap_or_default().contains("give a mock"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_answers_its_parent_through_the_sdk_integration() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    // The child doubles n and sends the result back with the token it was given.
    let child_def = json!({"StartAt": "Reply", "States": {"Reply": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
        "Parameters": {"TaskToken.$": "$.token", "Output.$": "States.JsonToString(States.ArrayPartition(States.Array($.n, $.n), 1))"},
        "End": true}}});
    let child = machine(&engine, "child", &child_def.to_string(), MachineKind::Standard);
    let parent_def = json!({"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
        "Parameters": {"StateMachineArn": child, "Input": {"n.$": "$.n", "token.$": "$$.Task.Token"}}, "End": true}}});
    let sm = machine(&engine, "parent", &parent_def.to_string(), MachineKind::Standard);
    let rec = run(&engine, &sm, "p", json!({"n": 3})).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{:?} {:?}", rec.error, rec.cause);
    assert_eq!(json(rec.output.as_deref().unwrap()), json!([[3], [3]]));
    let kid = children(&engine, &child).pop().expect("a child");
    assert_eq!(json(kid.output.as_deref().unwrap()), json!({}), "sendTaskSuccess answers an empty object");

    // A spent token: the SDK integration's error, which a Catch can match.
    let again = json!({"StartAt": "Reply", "States": {"Reply": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
        "Parameters": {"TaskToken": "not-a-token", "Output": "{}"}, "End": true}}});
    let sm = machine(&engine, "stale", &again.to_string(), MachineKind::Standard);
    let rec = run(&engine, &sm, "s", json!({})).await;
    assert_eq!(rec.error.as_deref(), Some("Sfn.TaskDoesNotExistException"), "{:?}", rec.cause);
    assert!(rec.cause.unwrap_or_default().contains("(Service: Sfn, Status Code: 400, Request ID: "));
    let describe = json!({"StartAt": "D", "States": {"D": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
        "Parameters": {"ExecutionArn": kid.arn}, "End": true}}});
    let sm = machine(&engine, "describer", &describe.to_string(), MachineKind::Standard);
    let rec = run(&engine, &sm, "d", json!({})).await;
    let out = json(rec.output.as_deref().unwrap());
    assert_eq!((out["Status"].as_str(), out["ExecutionArn"].as_str()), (Some("SUCCEEDED"), Some(kid.arn.as_str())), "{out}");
    assert!(out["StartDate"].as_str().is_some_and(|d| d.ends_with('Z')), "{out}");
}
