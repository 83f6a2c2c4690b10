//! Standard executions end to end: the order example with the real plugins, Retry and Catch,
//! resource forms, idempotent starts, stop and redrive.

use std::time::Duration;

use serde_json::json;
use store::{ExecutionStatus, MachineKind};

use super::support::*;
use crate::{EngineError, StartRequest};

fn start(arn: &str, name: &str, input: &str) -> StartRequest {
    StartRequest { state_machine_arn: arn.into(), name: Some(name.into()), input: Some(input.into()), trace_header: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_order_example_succeeds_and_a_bad_order_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let sm = order_machine(&engine, "orders", MachineKind::Standard).await;

    let good = engine.start_execution(start(&sm, "good", &repo_file("examples/order-processing/input.json"))).await.unwrap();
    let rec = finished(&engine, &good.execution_arn, Duration::from_secs(60)).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{rec:?}");
    assert_eq!(json(rec.output.as_deref().unwrap()), json(&repo_file("examples/order-processing/expected-output.json")));
    let h = history(&engine, &good.execution_arn);
    assert_gap_free(&good.execution_arn, &h);
    let t = types(&h);
    assert_eq!(t.iter().filter(|t| *t == "TaskSucceeded").count(), 4, "{t:?}");
    assert_eq!(t.first().map(String::as_str), Some("ExecutionStarted"));
    assert_eq!(t.last().map(String::as_str), Some("ExecutionSucceeded"));

    let bad = engine.start_execution(start(&sm, "bad", &repo_file("examples/order-processing/bad-input.json"))).await.unwrap();
    let rec = finished(&engine, &bad.execution_arn, Duration::from_secs(60)).await;
    let expected = json(&repo_file("examples/order-processing/bad-input-expected.json"));
    assert_eq!(rec.status, ExecutionStatus::Failed);
    assert_eq!(rec.error.as_deref(), expected["error"].as_str());
    assert_eq!(rec.cause.as_deref(), expected["cause"].as_str());
    let t = types(&history(&engine, &bad.execution_arn));
    assert!(t.contains(&"TaskFailed".to_string()) && t.contains(&"FailStateEntered".to_string()), "{t:?}");
}

/// Many executions at once: each one's commits wait for its running calls (the other
/// executions keep the store busy), and every history must still come out whole and in the
/// order a lone execution writes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_executions_write_the_same_history_as_a_lone_one() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let sm = order_machine(&engine, "orders", MachineKind::Standard).await;
    let input = repo_file("examples/order-processing/input.json");
    let expected = json(&repo_file("examples/order-processing/expected-output.json"));

    let lone = engine.start_execution(start(&sm, "lone", &input)).await.unwrap();
    finished(&engine, &lone.execution_arn, Duration::from_secs(60)).await;
    let lone_types = types(&history(&engine, &lone.execution_arn));

    // Each start returns once the execution is created; the ones before it are running.
    let mut started = Vec::new();
    for i in 0..48 {
        started.push(engine.start_execution(start(&sm, &format!("many-{i}"), &input)).await.unwrap());
    }
    for s in &started {
        let rec = finished(&engine, &s.execution_arn, Duration::from_secs(60)).await;
        assert_eq!(rec.status, ExecutionStatus::Succeeded, "{rec:?}");
        assert_eq!(json(rec.output.as_deref().unwrap()), expected, "{}", s.execution_arn);
        let h = history(&engine, &s.execution_arn);
        assert_gap_free(&s.execution_arn, &h);
        assert_eq!(types(&h), lone_types, "{}", s.execution_arn);
    }
}

/// Counts what the engine reports.
#[derive(Default)]
struct Counting {
    log: std::sync::Mutex<Vec<String>>,
    entered: std::sync::atomic::AtomicU64,
}

impl crate::Observer for Counting {
    fn execution_started(&self, sm: &str, express: bool) {
        self.log.lock().unwrap().push(format!("started {sm} express={express}"));
    }
    fn execution_finished(&self, sm: &str, _execution: &str, express: bool, status: &str) {
        self.log.lock().unwrap().push(format!("finished {sm} express={express} {status}"));
    }
    fn states_entered(&self, count: u64) {
        self.entered.fetch_add(count, std::sync::atomic::Ordering::Relaxed);
    }
    fn function_called(&self, function: &str, _elapsed: Duration, result: crate::CallResult) {
        self.log.lock().unwrap().push(format!("called {function} {}", result.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_observer_sees_starts_ends_transitions_and_calls() {
    let dir = tempfile::tempdir().unwrap();
    let counting = std::sync::Arc::new(Counting::default());
    let engine = open_observed(dir.path(), Some(counting.clone())).await;
    let sm = order_machine(&engine, "orders", MachineKind::Standard).await;
    let bad = engine.start_execution(start(&sm, "bad", &repo_file("examples/order-processing/bad-input.json"))).await.unwrap();
    let rec = finished(&engine, &bad.execution_arn, Duration::from_secs(60)).await;
    assert_eq!(rec.status, ExecutionStatus::Failed);
    // The end is reported once it is committed, which may be just after the status reads FAILED.
    let expected = vec![
        format!("started {sm} express=false"),
        "called validate-order guest_error".to_string(),
        format!("finished {sm} express=false FAILED"),
    ];
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while *counting.log.lock().unwrap() != expected && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(*counting.log.lock().unwrap(), expected);
    // ValidateOrder, then the Catch's OrderRejected.
    assert_eq!(counting.entered.load(std::sync::atomic::Ordering::Relaxed), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_timeout_is_retried_after_its_interval() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let sm = order_machine(&engine, "orders", MachineKind::Standard).await;
    let mut input = json(&repo_file("examples/order-processing/input.json"));
    input["payment"]["token"] = json!("tok_gatewayTimeout");
    let started = engine.start_execution(start(&sm, "retry", &input.to_string())).await.unwrap();
    let rec = finished(&engine, &started.execution_arn, Duration::from_secs(60)).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{rec:?}");
    let h = history(&engine, &started.execution_arn);
    assert_gap_free(&started.execution_arn, &h);
    let failed: Vec<_> = h.iter().filter(|e| e["type"] == "TaskFailed").collect();
    assert_eq!(failed.len(), 1, "{h:?}");
    assert_eq!(failed[0]["taskFailedEventDetails"]["error"], "PaymentGatewayTimeout");
    // The retry waited IntervalSeconds (1 s) before scheduling the task again.
    let at = |e: &serde_json::Value| e["timestamp"].as_f64().unwrap();
    let failed_at = at(failed[0]);
    let rescheduled = h.iter().find(|e| e["type"] == "TaskScheduled" && at(e) >= failed_at && e["id"].as_u64() > failed[0]["id"].as_u64()).unwrap();
    assert!(at(rescheduled) - failed_at >= 0.99, "retried after {} s", at(rescheduled) - failed_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_forms_unknown_functions_and_lambda_invoke() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    upload(&engine, &["transform"]).await;
    let def = json!({
        "StartAt": "Arn",
        "States": {
            "Arn": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:transform:live",
                "Parameters": {"template": {"hello": "{{ who }}"}, "data": {"who.$": "$.who"}},
                "ResultPath": "$.plain",
                "Next": "Invoke"
            },
            "Invoke": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "transform", "Payload": {"template": "{{ n }}", "data": {"n": 7}}},
                "ResultSelector": {"status.$": "$.StatusCode", "payload.$": "$.Payload"},
                "ResultPath": "$.invoked",
                "Next": "Missing"
            },
            "Missing": {"Type": "Task", "Resource": "wasm:no-such-function", "End": true}
        }
    });
    let sm = machine(&engine, "forms", &def.to_string(), MachineKind::Standard);
    let s = engine.start_execution(start(&sm, "x", r#"{"who":"ada"}"#)).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(30)).await;
    assert_eq!(rec.status, ExecutionStatus::Failed);
    assert_eq!(rec.error.as_deref(), Some("States.TaskFailed"));
    let cause = rec.cause.unwrap_or_default();
    assert!(cause.contains("no-such-function"), "{cause}");
    let h = history(&engine, &s.execution_arn);
    let entered_missing = h.iter().find(|e| e["stateEnteredEventDetails"]["name"] == "Missing").expect("Missing entered");
    let input = json(entered_missing["stateEnteredEventDetails"]["input"].as_str().unwrap());
    assert_eq!(input["plain"], json!({"hello": "ada"}));
    assert_eq!(input["invoked"], json!({"status": 200, "payload": 7}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_machine_runs_though_creating_it_today_would_be_refused() {
    // Created before Task resources were checked against AWS's catalogue: it must still start,
    // and its unsupported task fails the way it always did.
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let def = json!({"StartAt": "Scan", "States": {"Scan": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:scan", "End": true}}});
    assert!(asl::parse(&def, &asl::ValidateOptions::default()).is_err(), "today's validator refuses the resource");
    let sm = machine(&engine, "old", &def.to_string(), MachineKind::Standard);
    let s = engine.start_execution(start(&sm, "x", "{}")).await.expect("a stored machine starts");
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(30)).await;
    assert_eq!(rec.status, ExecutionStatus::Failed);
    assert_eq!(rec.error.as_deref(), Some("States.TaskFailed"));
    let cause = rec.cause.unwrap_or_default();
    assert!(cause.contains("dynamodb:scan") && cause.contains("not supported"), "{cause}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_twice_is_idempotent_only_with_the_same_input() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let def = r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"End":true}}}"#;
    let sm = machine(&engine, "waits", def, MachineKind::Standard);
    let a = engine.start_execution(start(&sm, "once", r#"{"a":1}"#)).await.unwrap();
    let b = engine.start_execution(start(&sm, "once", r#"{"a":1}"#)).await.unwrap();
    assert_eq!(a, b);
    let err = engine.start_execution(start(&sm, "once", r#"{"a":2}"#)).await.unwrap_err();
    assert!(matches!(err, EngineError::ExecutionAlreadyExists(_)), "{err}");
    let err = engine.start_execution(start(&sm, "bad name", "{}")).await.unwrap_err();
    assert!(matches!(err, EngineError::InvalidName(_)), "{err}");
    let err = engine.start_execution(start(&sm, "n", "{oops")).await.unwrap_err();
    assert!(matches!(err, EngineError::InvalidExecutionInput(_)), "{err}");
    let err = engine.start_execution(start(&format!("{sm}-nope"), "n", "{}")).await.unwrap_err();
    assert!(matches!(err, EngineError::StateMachineDoesNotExist(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_aborts_and_redrive_resumes_from_the_failed_state() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let def = r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":300,"Next":"T"},"T":{"Type":"Task","Resource":"wasm:later","End":true}}}"#;
    let sm = machine(&engine, "stoppable", def, MachineKind::Standard);
    let s = engine.start_execution(start(&sm, "s", r#"{"template":"{{ x }}","data":{"x":5}}"#)).await.unwrap();
    let stop_ms = engine.stop_execution(&s.execution_arn, Some("Halt".into()), Some("by test".into())).await.unwrap();
    let rec = engine.describe_execution(&s.execution_arn).unwrap();
    assert_eq!(rec.status, ExecutionStatus::Aborted);
    assert_eq!(rec.stop_ms, Some(stop_ms));
    assert_eq!(rec.error.as_deref(), Some("Halt"));
    let t = types(&history(&engine, &s.execution_arn));
    assert_eq!(t.last().map(String::as_str), Some("ExecutionAborted"), "{t:?}");
    assert!(t.contains(&"WaitStateAborted".to_string()), "{t:?}");

    // A failure on a missing function, then the function is uploaded and the execution redriven.
    let def = r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"wasm:later","End":true}}}"#;
    let sm = machine(&engine, "redrivable", def, MachineKind::Standard);
    let s = engine.start_execution(start(&sm, "r", r#"{"template":"{{ x }}","data":{"x":5}}"#)).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(30)).await;
    assert_eq!(rec.status, ExecutionStatus::Failed);
    let err = engine.redrive_execution(&format!("{}x", s.execution_arn), None).await.unwrap_err();
    assert!(matches!(err, EngineError::ExecutionDoesNotExist(_)), "{err}");
    engine.put_function("later", plugin("transform"), sandbox::Grants::default()).await.unwrap();
    engine.redrive_execution(&s.execution_arn, None).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(30)).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{rec:?}");
    assert_eq!(rec.output.as_deref(), Some("5"));
    assert_eq!(rec.redrive_count, 1);
    let h = history(&engine, &s.execution_arn);
    assert_gap_free(&s.execution_arn, &h);
    let t = types(&h);
    assert!(t.contains(&"ExecutionRedriven".to_string()), "{t:?}");
    let err = engine.redrive_execution(&s.execution_arn, None).await.unwrap_err();
    assert!(matches!(err, EngineError::ExecutionNotRedrivable(_)), "{err}");
}

/// A redriven Parallel runs again only the branch that failed; the other's result is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrive_runs_again_only_the_failed_branch_of_a_parallel() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    engine.put_function("now", plugin("transform"), sandbox::Grants::default()).await.unwrap();
    let branch = |n: &str, f: &str| format!(r#"{{"StartAt":"{n}","States":{{"{n}":{{"Type":"Task","Resource":"wasm:{f}","End":true}}}}}}"#);
    // B fails a second in, after A has finished (a branch still running when the Parallel
    // fails is aborted, and runs again too).
    let late = r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"B"},"B":{"Type":"Task","Resource":"wasm:later","End":true}}}"#;
    let def = format!(r#"{{"StartAt":"P","States":{{"P":{{"Type":"Parallel","Branches":[{},{late}],"End":true}}}}}}"#, branch("A", "now"));
    let sm = machine(&engine, "parallel-redrive", &def, MachineKind::Standard);
    let s = engine.start_execution(start(&sm, "p", r#"{"template":"{{ x }}","data":{"x":7}}"#)).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(30)).await;
    assert_eq!(rec.status, ExecutionStatus::Failed, "{rec:?}");
    engine.put_function("later", plugin("transform"), sandbox::Grants::default()).await.unwrap();
    engine.redrive_execution(&s.execution_arn, None).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(30)).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{rec:?}");
    assert_eq!(rec.output.as_deref(), Some("[7,7]"));
    let h = history(&engine, &s.execution_arn);
    assert_gap_free(&s.execution_arn, &h);
    let scheduled: Vec<&str> = h
        .iter()
        .filter(|e| e["type"] == "TaskScheduled")
        .filter_map(|e| e["taskScheduledEventDetails"]["resource"].as_str())
        .collect();
    assert_eq!(scheduled, ["now", "later", "later"], "branch A ran once, B before and after the redrive");
}

/// A journal whose replay gives fewer events than are stored (as after an upgrade that writes
/// one event fewer for the same inputs): a redrive numbers its events after the stored ones,
/// with no repeated id, and says so in the warnings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redrive_continues_after_the_stored_history() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, store) = open_with_store(dir.path(), None).await;
    let def = r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"wasm:later","End":true}}}"#;
    let sm = machine(&engine, "renumbered", def, MachineKind::Standard);
    let s = engine.start_execution(start(&sm, "r", r#"{"template":"{{ x }}","data":{"x":5}}"#)).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(30)).await;
    assert_eq!(rec.status, ExecutionStatus::Failed);
    let stored = history(&engine, &s.execution_arn).len() as u64;
    let json = serde_json::json!({"id": stored + 1, "previousEventId": stored, "timestamp": 0, "type": "Other"}).to_string();
    let extra = store::StoredEvent { id: stored + 1, timestamp_ms: 0, event_type: "Other".into(), json };
    store::Store::commit_blocking(&*store, store::Commit { events: vec![extra], ..store::Commit::new(&s.execution_arn) }).unwrap();

    engine.put_function("later", plugin("transform"), sandbox::Grants::default()).await.unwrap();
    engine.redrive_execution(&s.execution_arn, None).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(30)).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{rec:?}");
    let h = history(&engine, &s.execution_arn);
    assert_gap_free(&s.execution_arn, &h);
    assert_eq!(h[stored as usize + 1]["type"], "ExecutionRedriven", "{h:?}");
    assert!(engine.warnings().iter().any(|w| w.contains("the history continues after event")), "{:?}", engine.warnings());
}

/// A task result over AWS's payload quota is States.DataLimitExceeded, as AWS reports it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_over_the_payload_quota_is_data_limit_exceeded() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    upload(&engine, &["transform"]).await;
    let def = r#"{"StartAt":"Big","States":{"Big":{"Type":"Task","Resource":"wasm:transform","End":true}}}"#;
    let sm = machine(&engine, "big", def, MachineKind::Standard);
    let input = serde_json::json!({"template": "{{ s }}{{ s }}{{ s }}", "data": {"s": "x".repeat(100_000)}}).to_string();
    let s = engine.start_execution(start(&sm, "big", &input)).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(30)).await;
    assert_eq!(rec.error.as_deref(), Some("States.DataLimitExceeded"), "{rec:?}");
    assert_eq!(
        rec.cause.as_deref(),
        Some("The state/task 'Big' returned a result with a size exceeding the maximum number of bytes service limit.")
    );
}

/// Lambda-style resources fail with Lambda's error names: a function that does not exist is
/// Lambda.ResourceNotFoundException (after TaskStarted), one that crashes Lambda.Unknown; a
/// `wasm:` resource keeps States.TaskFailed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_resources_fail_with_lambda_error_names() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let trap = r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#;
    engine.put_function("crash", wat::parse_str(trap).unwrap(), sandbox::Grants::default()).await.unwrap();
    let run = |name: &'static str, resource: &str, params: Option<&str>| {
        let params = params.map(|p| format!(r#","Parameters":{p}"#)).unwrap_or_default();
        let def = format!(r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{resource}"{params},"End":true}}}}}}"#);
        let sm = machine(&engine, name, &def, MachineKind::Standard);
        let engine = engine.clone();
        async move {
            let s = engine.start_execution(start(&sm, name, "{}")).await.unwrap();
            let rec = finished(&engine, &s.execution_arn, Duration::from_secs(30)).await;
            (rec, types(&history(&engine, &s.execution_arn)))
        }
    };
    let (rec, t) = run("missing", "arn:aws:states:::lambda:invoke", Some(r#"{"FunctionName":"nope","Payload":{}}"#)).await;
    assert_eq!(rec.error.as_deref(), Some("Lambda.ResourceNotFoundException"), "{rec:?}");
    let cause = rec.cause.unwrap();
    assert!(cause.starts_with("Function not found: arn:aws:lambda:") && cause.contains(":function:nope (Service: AWSLambda; Status Code: 404"), "{cause}");
    assert_eq!(t[2..5], ["TaskScheduled", "TaskStarted", "TaskFailed"], "{t:?}");

    let (rec, _) = run("crashing", "arn:aws:lambda:us-east-1:123456789012:function:crash", None).await;
    assert_eq!(rec.error.as_deref(), Some("Lambda.Unknown"), "{rec:?}");
    let (rec, _) = run("native", "wasm:crash", None).await;
    assert_eq!(rec.error.as_deref(), Some("States.TaskFailed"), "{rec:?}");
}

/// Group commit within an execution: while another Standard execution has a call running, a
/// chain of short Tasks holds its results back to share commits; alone, it commits as it goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_results_share_commits_while_another_execution_runs_a_call() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, store) = open_with_store(dir.path(), None).await;
    let sm = order_machine(&engine, "orders", MachineKind::Standard).await;
    let input = repo_file("examples/order-processing/input.json");
    // The commits one execution of the order example makes, counted by the store's writer.
    let commits_of = |name: &'static str| {
        let (engine, store, sm, input) = (&engine, &store, &sm, &input);
        async move {
            let before = store.writer_stats().jobs;
            let started = engine.start_execution(start(sm, name, input)).await.unwrap();
            let rec = finished(engine, &started.execution_arn, Duration::from_secs(60)).await;
            assert_eq!(rec.status, ExecutionStatus::Succeeded, "{rec:?}");
            // The writer counts a transaction's jobs just after it commits.
            tokio::time::sleep(Duration::from_millis(50)).await;
            store.writer_stats().jobs - before
        }
    };
    let alone = commits_of("alone").await;

    // Another execution spinning in a call until its 5 s timeout.
    engine.put_function("spin", wat::parse_str(SPIN_WAT).unwrap(), sandbox::Grants::default()).await.unwrap();
    let spinner = machine(&engine, "spinner", r#"{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"wasm:spin","TimeoutSeconds":5,"End":true}}}"#, MachineKind::Standard);
    let spinning = engine.start_execution(start(&spinner, "spin", "{}")).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while engine.inner.calling.load(std::sync::atomic::Ordering::Relaxed) == 0
        || engine.inner.commits_in_flight.load(std::sync::atomic::Ordering::Relaxed) > 0
    {
        assert!(tokio::time::Instant::now() < deadline, "the spinner's call never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let beside = commits_of("beside").await;
    engine.stop_execution(&spinning.execution_arn, None, None).await.unwrap();

    // Alone: the start, then a commit per Task result or more. Beside a call: the start and
    // the end (a third if a call outlasted the hold).
    assert!(alone >= 4, "alone, the execution made {alone} commits");
    assert!(beside <= 3, "beside a running call, the execution made {beside} commits (alone: {alone})");
}

/// Records how long each call of a function took.
#[derive(Default)]
struct Calls(std::sync::Mutex<Vec<(String, Duration, crate::CallResult)>>);

impl crate::Observer for Calls {
    fn function_called(&self, function: &str, elapsed: Duration, result: crate::CallResult) {
        self.0.lock().unwrap().push((function.to_string(), elapsed, result));
    }
}

/// An engine that records its calls, with the `spin` function (a loop) uploaded.
async fn spinning_engine(dir: &std::path::Path) -> (crate::Engine, std::sync::Arc<Calls>) {
    let calls = std::sync::Arc::new(Calls::default());
    let engine = open_observed(dir, Some(calls.clone())).await;
    engine.put_function("spin", wat::parse_str(SPIN_WAT).unwrap(), sandbox::Grants::default()).await.unwrap();
    (engine, calls)
}

/// StopExecution interrupts the calls the stopped execution is running: a loop with the
/// default limit of 60 s ends within moments of the stop, and the execution ends ABORTED
/// without reporting the interrupted call's failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_an_execution_interrupts_its_running_call() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, calls) = spinning_engine(dir.path()).await;
    let sm = machine(&engine, "spin", r#"{"StartAt":"Spin","States":{"Spin":{"Type":"Task","Resource":"wasm:spin","End":true}}}"#, MachineKind::Standard);
    let started = engine.start_execution(start(&sm, "stopped", "{}")).await.unwrap();
    let arn = started.execution_arn;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !types(&history(&engine, &arn)).iter().any(|t| t == "TaskStarted") {
        assert!(tokio::time::Instant::now() < deadline, "the task never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    engine.stop_execution(&arn, Some("Enough".into()), None).await.unwrap();
    let stopped = tokio::time::Instant::now();
    while calls.0.lock().unwrap().is_empty() {
        assert!(stopped.elapsed() < Duration::from_secs(10), "the call still runs {:?} after the stop", stopped.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (function, elapsed, result) = calls.0.lock().unwrap()[0].clone();
    assert_eq!(function, "spin");
    assert_eq!(result.as_str(), "failed");
    // It ran until the stop (about 200 ms; its start may lag the commit of TaskStarted a little).
    assert!(elapsed >= Duration::from_millis(50) && elapsed < Duration::from_secs(20), "the call took {elapsed:?}");
    let rec = engine.describe_execution(&arn).unwrap();
    assert_eq!((rec.status, rec.error.as_deref()), (ExecutionStatus::Aborted, Some("Enough")));
    let t = types(&history(&engine, &arn));
    assert_eq!(t.last().map(String::as_str), Some("ExecutionAborted"), "{t:?}");
    assert!(!t.iter().any(|t| t == "TaskFailed"), "the interrupted call is not reported: {t:?}");
}

/// A Parallel branch that fails cancels the other branch's task, and so interrupts its call,
/// while the execution goes on (here through the Parallel's Catch and a 3 s Wait).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_task_has_its_call_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, calls) = spinning_engine(dir.path()).await;
    let definition = r#"{"StartAt":"Both","States":{
        "Both":{"Type":"Parallel","Branches":[
            {"StartAt":"Nap","States":{"Nap":{"Type":"Wait","Seconds":1,"Next":"Boom"},"Boom":{"Type":"Fail","Error":"Boom"}}},
            {"StartAt":"Spin","States":{"Spin":{"Type":"Task","Resource":"wasm:spin","End":true}}}],
         "Catch":[{"ErrorEquals":["Boom"],"Next":"Rest"}],"Next":"Rest"},
        "Rest":{"Type":"Wait","Seconds":3,"End":true}}}"#;
    let sm = machine(&engine, "cancel", definition, MachineKind::Standard);
    let started = engine.start_execution(start(&sm, "cancelled", "{}")).await.unwrap();
    let rec = finished(&engine, &started.execution_arn, Duration::from_secs(60)).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{rec:?}");
    let ran = rec.stop_ms.unwrap() - rec.start_ms;
    let observed = calls.0.lock().unwrap().clone();
    assert_eq!(observed.len(), 1, "{observed:?}");
    let (function, elapsed, result) = observed[0].clone();
    assert_eq!((function.as_str(), result.as_str()), ("spin", "failed"));
    // Cancelled at 1 s; the execution ran 4 s or more.
    assert!(elapsed < Duration::from_millis(2500) && ran >= 4000, "the call took {elapsed:?}, the execution {ran} ms");
}

/// A task cancelled in the very step that asked for it (its Parallel failed at once) is not
/// called at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_cancelled_as_it_is_asked_for_is_never_called() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, calls) = spinning_engine(dir.path()).await;
    let definition = r#"{"StartAt":"Both","States":{"Both":{"Type":"Parallel","End":true,"Branches":[
        {"StartAt":"Spin","States":{"Spin":{"Type":"Task","Resource":"wasm:spin","End":true}}},
        {"StartAt":"Boom","States":{"Boom":{"Type":"Fail","Error":"Boom"}}}]}}}"#;
    let standard = machine(&engine, "boom", definition, MachineKind::Standard);
    let started = engine.start_execution(start(&standard, "boom", "{}")).await.unwrap();
    let rec = finished(&engine, &started.execution_arn, Duration::from_secs(60)).await;
    assert_eq!(rec.status, ExecutionStatus::Failed, "{rec:?}");
    let express = machine(&engine, "boom-express", definition, MachineKind::Express);
    let out = engine.start_sync_execution(start(&express, "boom", "{}")).await.unwrap();
    assert_eq!(out.status, "FAILED", "{out:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(calls.0.lock().unwrap().is_empty(), "{:?}", calls.0.lock().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_is_invoked_directly() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    upload(&engine, &["validate-order"]).await;
    let good = repo_file("examples/order-processing/input.json");
    let out = engine.invoke_function("validate-order", &good).await.unwrap();
    let value = out.output.expect("the order validates");
    assert_eq!(value["orderId"], json(&good)["orderId"], "{value}");
    let bad = repo_file("examples/order-processing/bad-input.json");
    let (error, cause) = engine.invoke_function("validate-order", &bad).await.unwrap().output.unwrap_err();
    assert_eq!(error, "InvalidOrder", "{cause}");
    assert!(matches!(engine.invoke_function("nobody", "{}").await, Err(crate::EngineError::FunctionDoesNotExist(_))));
    assert!(matches!(engine.invoke_function("validate-order", "{oops").await, Err(crate::EngineError::InvalidRequest(m)) if m.contains("not JSON")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_invocation_ends_at_once_and_calls_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let calls = std::sync::Arc::new(Calls::default());
    let engine = open_observed(dir.path(), Some(calls.clone())).await;
    upload(&engine, &["validate-order"]).await;
    let def = |kind: &str| {
        json!({"StartAt": "Fire", "States": {"Fire": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "validate-order", "Payload.$": "$", "InvocationType": kind}, "End": true}}})
        .to_string()
    };
    let input = repo_file("examples/order-processing/input.json");
    for (kind, status, called) in [("Event", 202, 1), ("DryRun", 204, 0)] {
        calls.0.lock().unwrap().clear();
        let sm = machine(&engine, &format!("fire-{kind}"), &def(kind), MachineKind::Standard);
        let s = engine.start_execution(start(&sm, "e", &input)).await.unwrap();
        let rec = finished(&engine, &s.execution_arn, Duration::from_secs(10)).await;
        assert_eq!(rec.status, ExecutionStatus::Succeeded, "{kind}: {:?} {:?}", rec.error, rec.cause);
        let out = json(rec.output.as_deref().unwrap());
        assert_eq!((out["StatusCode"].as_u64(), out["Payload"].as_str()), (Some(status), Some("")), "{kind}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while calls.0.lock().unwrap().len() < called {
            assert!(tokio::time::Instant::now() < deadline, "{kind}: the function was not called");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let made: Vec<(String, crate::CallResult)> = calls.0.lock().unwrap().iter().map(|(f, _, r)| (f.clone(), *r)).collect();
        assert_eq!(made, vec![("validate-order".to_string(), crate::CallResult::Ok); called], "{kind}");
    }
}
