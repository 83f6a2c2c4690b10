//! TestState: one state, once, with its outcome and next state.

use serde_json::{json, Value};

use super::support::*;
use crate::{EngineError, Mock, TestStateRequest};

fn req(definition: Value, input: Value) -> TestStateRequest {
    TestStateRequest { definition: definition.to_string(), input: Some(input.to_string()), debug: true, ..Default::default() }
}

/// `(key, JSON)` of each inspection entry that holds JSON text, as the outcome gives them.
fn stages(o: &crate::TestStateOutcome) -> Vec<(String, Value)> {
    o.inspection.iter().filter_map(|(k, v)| Some((k.clone(), json(v.as_str()?)))).collect()
}

fn out(o: &crate::TestStateOutcome) -> Value {
    json(o.output.as_deref().expect("an output"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pass_choice_wait_and_fail_states() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;

    let pass = json!({"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "ResultPath": "$.r", "Next": "After"});
    let o = engine.test_state(req(pass, json!({"a": 2, "b": 3}))).await.unwrap();
    assert_eq!((o.status, o.next_state.as_deref()), ("SUCCEEDED", Some("After")));
    assert_eq!(out(&o), json!({"a": 2, "b": 3, "r": {"sum": 5}}));
    assert_eq!(o.inspection["input"], json!(r#"{"a":2,"b":3}"#));

    let choice = json!({"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}], "Default": "Small"});
    let o = engine.test_state(req(choice.clone(), json!({"n": 11}))).await.unwrap();
    assert_eq!(o.next_state.as_deref(), Some("Big"));
    let o = engine.test_state(req(choice, json!({"n": 1}))).await.unwrap();
    assert_eq!(o.next_state.as_deref(), Some("Small"));

    // A Wait does not hold TestState up.
    let wait = json!({"Type": "Wait", "Seconds": 3600, "End": true});
    let started = std::time::Instant::now();
    let o = engine.test_state(req(wait, json!({"x": 1}))).await.unwrap();
    assert_eq!((o.status, o.next_state.as_deref()), ("SUCCEEDED", None));
    assert_eq!(out(&o), json!({"x": 1}));
    assert!(started.elapsed().as_secs() < 60);

    let fail = json!({"Type": "Fail", "Error": "Nope", "Cause": "because"});
    let o = engine.test_state(req(fail, json!({}))).await.unwrap();
    assert_eq!((o.status, o.error.as_deref(), o.cause.as_deref()), ("FAILED", Some("Nope"), Some("because")));

    // A state of a whole machine, picked by name.
    let machine = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Result": 7, "End": true}}});
    let mut r = req(machine, json!({}));
    r.state_name = Some("B".into());
    let o = engine.test_state(r).await.unwrap();
    assert_eq!((o.status, out(&o), o.next_state), ("SUCCEEDED", json!(7), None));
}

/// DEBUG shows each JSONPath data-processing step; INFO only the outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_shows_every_data_processing_step() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let input = json!({"order": {"total": 12, "id": "o-1"}, "keep": true});
    let task = json!({
        "Type": "Task", "Resource": "wasm:charge",
        "InputPath": "$.order", "Parameters": {"amount.$": "$.total", "ref.$": "States.Format('ref-{}', $.id)"},
        "ResultSelector": {"chargeId.$": "$.id"}, "ResultPath": "$.charge", "OutputPath": "$.charge", "End": true
    });
    let mut r = req(task.clone(), input.clone());
    r.mock = Some(Mock::Result(r#"{"id":"ch_1","fee":1}"#.into()));
    let o = engine.test_state(r).await.unwrap();
    assert_eq!((o.status, out(&o)), ("SUCCEEDED", json!({"chargeId": "ch_1"})), "{o:?}");
    let want = [
        ("input", input.clone()),
        ("afterInputPath", json!({"total": 12, "id": "o-1"})),
        ("afterParameters", json!({"amount": 12, "ref": "ref-o-1"})),
        ("result", json!({"id": "ch_1", "fee": 1})),
        ("afterResultSelector", json!({"chargeId": "ch_1"})),
        ("afterResultPath", json!({"order": {"total": 12, "id": "o-1"}, "keep": true, "charge": {"chargeId": "ch_1"}})),
    ];
    let want: Vec<(String, Value)> = want.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    assert_eq!(stages(&o), want);

    // A Pass: Result is its result; ResultPath null keeps the input.
    let pass = json!({"Type": "Pass", "InputPath": "$.order", "Result": {"r": 1}, "ResultPath": null, "End": true});
    let o = engine.test_state(req(pass, input.clone())).await.unwrap();
    let got: std::collections::BTreeMap<String, Value> = stages(&o).into_iter().collect();
    assert_eq!(got["afterInputPath"], json!({"total": 12, "id": "o-1"}));
    assert_eq!(got["result"], json!({"r": 1}));
    assert_eq!(got["afterResultPath"], input);

    // INFO: the outcome, no data processing.
    let mut r = req(task, input);
    r.mock = Some(Mock::Result(r#"{"id":"ch_1"}"#.into()));
    r.debug = false;
    let o = engine.test_state(r).await.unwrap();
    assert_eq!((o.status, out(&o)), ("SUCCEEDED", json!({"chargeId": "ch_1"})));
    assert!(o.inspection.is_empty(), "{:?}", o.inspection);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_states_with_mocks_retry_and_catch() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let task = json!({
        "Type": "Task", "Resource": "wasm:charge",
        "Parameters": {"amount.$": "$.total"},
        "ResultPath": "$.charge",
        "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "MaxAttempts": 3}],
        "Catch": [{"ErrorEquals": ["Declined"], "ResultPath": "$.error", "Next": "Rejected"}],
        "Next": "Ship"
    });
    let mut r = req(task.clone(), json!({"total": 12}));
    r.mock = Some(Mock::Result(r#"{"id":"ch_1"}"#.into()));
    let o = engine.test_state(r).await.unwrap();
    assert_eq!((o.status, o.next_state.as_deref()), ("SUCCEEDED", Some("Ship")));
    assert_eq!(out(&o), json!({"total": 12, "charge": {"id": "ch_1"}}));
    assert_eq!(o.inspection["afterParameters"], json!(r#"{"amount":12}"#));
    assert_eq!(o.inspection["result"], json!(r#"{"id":"ch_1"}"#));

    let mut r = req(task.clone(), json!({"total": 12}));
    r.mock = Some(Mock::Error { error: "Flaky".into(), cause: "try again".into() });
    let o = engine.test_state(r).await.unwrap();
    assert_eq!((o.status, o.error.as_deref()), ("RETRIABLE", Some("Flaky")));
    assert_eq!(o.inspection["errorDetails"], json!({"retryIndex": 0, "retryBackoffIntervalSeconds": 2.0}));

    let mut r = req(task.clone(), json!({"total": 12}));
    r.mock = Some(Mock::Error { error: "Declined".into(), cause: "card".into() });
    let o = engine.test_state(r).await.unwrap();
    assert_eq!((o.status, o.next_state.as_deref(), o.error.as_deref()), ("CAUGHT_ERROR", Some("Rejected"), Some("Declined")));
    assert_eq!(out(&o), json!({"total": 12, "error": {"Error": "Declined", "Cause": "card"}}));
    assert_eq!(o.inspection["errorDetails"], json!({"catchIndex": 0}));

    let mut r = req(task, json!({"total": 12}));
    r.mock = Some(Mock::Error { error: "Other".into(), cause: "?".into() });
    let o = engine.test_state(r).await.unwrap();
    assert_eq!((o.status, o.error.as_deref()), ("FAILED", Some("Other")));

    // Without a mock, an unknown function is a task failure, not an API error.
    let o = engine.test_state(req(json!({"Type": "Task", "Resource": "wasm:missing", "End": true}), json!({}))).await.unwrap();
    assert_eq!((o.status, o.error.as_deref()), ("FAILED", Some("States.TaskFailed")));
    assert!(o.cause.unwrap().contains("'missing'"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_calls_the_uploaded_function_once() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    upload(&engine, &["validate-order"]).await;
    let task = json!({
        "Type": "Task", "Resource": "wasm:validate-order", "ResultPath": "$.validated",
        "Catch": [{"ErrorEquals": ["InvalidOrder"], "Next": "Rejected"}], "Next": "Reserve"
    });
    let good = json(&repo_file("examples/order-processing/input.json"));
    let o = engine.test_state(req(task.clone(), good)).await.unwrap();
    assert_eq!((o.status, o.next_state.as_deref()), ("SUCCEEDED", Some("Reserve")), "{o:?}");
    assert!(out(&o)["validated"]["totalCents"].is_number(), "{o:?}");

    let bad = json(&repo_file("examples/order-processing/bad-input.json"));
    let o = engine.test_state(req(task, bad)).await.unwrap();
    assert_eq!((o.status, o.next_state.as_deref(), o.error.as_deref()), ("CAUGHT_ERROR", Some("Rejected"), Some("InvalidOrder")));
    assert_eq!(out(&o)["Error"], json!("InvalidOrder"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variables_reach_the_state_in_both_query_languages() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let mut r = req(json!({"Type": "Pass", "Parameters": {"v.$": "$greeting"}, "Assign": {"count": 2}, "End": true}), json!({}));
    r.variables = Some(r#"{"greeting": "hi"}"#.into());
    let o = engine.test_state(r).await.unwrap();
    assert_eq!((o.status, out(&o)), ("SUCCEEDED", json!({"v": "hi"})), "{o:?}");
    assert_eq!(json(o.inspection["variables"].as_str().unwrap()), json!({"greeting": "hi", "count": 2}));

    let machine = json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {
        "S": {"Type": "Pass", "Output": "{% $greeting & ' ' & $states.input.name %}", "End": true}}});
    let mut r = req(machine, json!({"name": "Ann"}));
    r.variables = Some(r#"{"greeting": "hello"}"#.into());
    let o = engine.test_state(r).await.unwrap();
    assert_eq!((o.status, out(&o)), ("SUCCEEDED", json!("hello Ann")), "{o:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_definitions_and_inputs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let e = engine.test_state(req(json!({"Type": "Pass", "Next": 5}), json!({}))).await.unwrap_err();
    assert!(matches!(e, EngineError::InvalidDefinition(_)), "{e}");
    let e = engine.test_state(TestStateRequest { definition: "{".into(), ..Default::default() }).await.unwrap_err();
    assert!(matches!(e, EngineError::InvalidDefinition(_)), "{e}");
    let mut r = req(json!({"Type": "Pass", "End": true}), json!({}));
    r.input = Some("not json".into());
    assert!(matches!(engine.test_state(r).await.unwrap_err(), EngineError::InvalidExecutionInput(_)));
    let machine = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}});
    let mut r = req(machine, json!({}));
    r.state_name = Some("Nope".into());
    let e = engine.test_state(r).await.unwrap_err();
    assert!(e.to_string().contains("no state named 'Nope'"), "{e}");
}
