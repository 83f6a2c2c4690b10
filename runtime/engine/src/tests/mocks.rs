//! Mocked service integrations: executions started on `ARN#TestCase`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use store::{ExecutionStatus, MachineKind};

use super::support::*;
use crate::{Engine, EngineConfig, EngineError, MockConfig, StartRequest};

const MOCKS: &str = r#"{
  "StateMachines": {
    "orders": {"TestCases": {
      "Happy": {"Charge": "ChargeFlaky", "Poll": "PollTwice"},
      "Broken": {"Charge": "ChargeDown"}
    }},
    "quick": {"TestCases": {"Fast": {"Charge": "ChargeFlaky"}}}
  },
  "MockedResponses": {
    "ChargeFlaky": {"0": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
                    "1": {"Return": {"StatusCode": 200, "Payload": {"charged": 42}}}},
    "ChargeDown": {"0-3": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "down"}}},
    "PollTwice": {"0": {"Return": {"status": "RUNNING"}}, "1": {"Return": {"status": "DONE"}}}
  }
}"#;

/// Charge (retried once) through `lambda:invoke` of a function never uploaded, then an
/// `sqs` poll that loops until DONE, with a Wait between polls.
fn definition(wait_seconds: u64) -> String {
    json!({"StartAt": "Charge", "States": {
        "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName": "charge", "Payload.$": "$"}, "ResultSelector": {"charged.$": "$.Payload.charged"},
                   "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                   "Next": "Poll"},
        "Poll": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:receiveMessage", "Parameters": {"QueueUrl": "q"},
                 "ResultPath": "$.poll", "Next": "Done?"},
        "Done?": {"Type": "Choice", "Choices": [{"Variable": "$.poll.status", "StringEquals": "DONE", "Next": "End"}], "Default": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": wait_seconds, "Next": "Poll"},
        "End": {"Type": "Succeed"}}})
    .to_string()
}

async fn open_mocked(dir: &Path) -> Engine {
    let mut config = EngineConfig::new(dir);
    config.mocks = Some(Arc::new(MockConfig::parse(MOCKS).unwrap()));
    config.wait_time_scale = 0.0;
    config.sandbox.max_instances = 4;
    let store = Arc::new(store::SqliteStore::open(dir.join("stepwasm.db")).unwrap());
    Engine::with_store(config, store).await.unwrap()
}

fn start(arn: &str, name: &str) -> StartRequest {
    StartRequest { state_machine_arn: arn.into(), name: Some(name.into()), input: Some("{}".into()), trace_header: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_case_answers_its_states_by_invocation() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_mocked(dir.path()).await;
    let sm = machine(&engine, "orders", &definition(1), MachineKind::Standard);
    let s = engine.start_execution(start(&format!("{sm}#Happy"), "happy")).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(20)).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{:?} {:?}", rec.error, rec.cause);
    assert_eq!(rec.state_machine_arn, sm, "the execution belongs to the machine, not to the test case");
    assert_eq!(json(rec.output.as_deref().unwrap()), json!({"charged": 42, "poll": {"status": "DONE"}}));
    let h = history(&engine, &rec.arn);
    let kinds = types(&h);
    assert_eq!(kinds.iter().filter(|t| *t == "TaskFailed").count(), 1, "the first charge failed: {kinds:?}");
    assert_eq!(kinds.iter().filter(|t| *t == "TaskScheduled").count(), 4, "two charges, two polls: {kinds:?}");
    assert_gap_free(&rec.arn, &h);

    let s = engine.start_execution(start(&format!("{sm}#Broken"), "broken")).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(20)).await;
    assert_eq!((rec.error.as_deref(), rec.cause.as_deref()), (Some("Lambda.ServiceException"), Some("down")));

    // Without a test case, the task runs for real (and here finds no function).
    let s = engine.start_execution(start(&sm, "real")).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(20)).await;
    assert_eq!(rec.error.as_deref(), Some("Lambda.ResourceNotFoundException"));

    let e = engine.start_execution(start(&format!("{sm}#Nope"), "nope")).await.unwrap_err();
    assert!(matches!(&e, EngineError::InvalidRequest(m) if m.contains("no test case 'Nope' for state machine 'orders'")), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_express_run_is_mocked_and_a_server_without_mocks_refuses_test_cases() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_mocked(dir.path()).await;
    let def = json!({"StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
        "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1}], "End": true}}});
    let sm = machine(&engine, "quick", &def.to_string(), MachineKind::Express);
    let out = engine.start_sync_execution(start(&format!("{sm}#Fast"), "f")).await.unwrap();
    assert_eq!(out.status, "SUCCEEDED", "{:?} {:?}", out.error, out.cause);
    assert_eq!(json(out.output.as_deref().unwrap()), json!({"StatusCode": 200, "Payload": {"charged": 42}}));

    let plain = tempfile::tempdir().unwrap();
    let engine = open(plain.path()).await;
    let sm = machine(&engine, "quick", &def.to_string(), MachineKind::Express);
    let e = engine.start_sync_execution(start(&format!("{sm}#Fast"), "f")).await.unwrap_err();
    assert!(e.to_string().contains("no mock configuration"), "{e}");
}

#[test]
fn a_resumed_execution_keeps_its_test_case_and_counts() {
    let runtime = || tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let open_slow = |dir: &Path| {
        let dir = dir.to_path_buf();
        async move {
            let mut config = EngineConfig::new(&dir);
            config.mocks = Some(Arc::new(MockConfig::parse(MOCKS).unwrap()));
            let store = Arc::new(store::SqliteStore::open(dir.join("stepwasm.db")).unwrap());
            Engine::with_store(config, store).await.unwrap()
        }
    };
    let first = runtime();
    let arn = first.block_on(async {
        let engine = open_slow(dir.path()).await;
        let sm = machine(&engine, "orders", &definition(2), MachineKind::Standard);
        let s = engine.start_execution(start(&format!("{sm}#Happy"), "r")).await.unwrap();
        // Past the retried charge and the first poll, into the two-second Wait.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !types(&history(&engine, &s.execution_arn)).contains(&"WaitStateEntered".to_string()) {
            assert!(tokio::time::Instant::now() < deadline, "never reached the Wait");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        s.execution_arn
    });
    first.shutdown_background();
    runtime().block_on(async {
        let engine = open_slow(dir.path()).await;
        assert!(engine.warnings().is_empty(), "{:?}", engine.warnings());
        let rec = finished(&engine, &arn, Duration::from_secs(20)).await;
        // The second poll is invocation 1: DONE.
        assert_eq!(rec.status, ExecutionStatus::Succeeded, "{:?} {:?}", rec.error, rec.cause);
        assert_eq!(json(rec.output.as_deref().unwrap())["poll"], json!({"status": "DONE"}));
        // Counted on from before the restart: a count started again would have polled a third time.
        let polls = history(&engine, &arn).iter().filter(|e| e["type"] == "TaskStateEntered" && e["stateEnteredEventDetails"]["name"] == "Poll").count();
        assert_eq!(polls, 2);
    });
}
