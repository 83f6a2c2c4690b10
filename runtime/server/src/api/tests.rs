//! The operations against a real engine (SQLite in a temporary directory), without HTTP.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::{Api, ApiError};

const ROLE: &str = "arn:aws:iam::123456789012:role/test";

async fn api(dir: &std::path::Path) -> Arc<Api> {
    let mut config = engine::EngineConfig::new(dir);
    config.sandbox.max_instances = 16;
    config.sandbox.max_memory_bytes = 256 << 20;
    let engine = engine::Engine::open(config).await.expect("the engine opens");
    Arc::new(Api { engine, activity_wait: Duration::from_millis(200) })
}

async fn call(api: &Arc<Api>, op: &str, body: Value) -> Result<Value, ApiError> {
    api.call(op, body.to_string().as_bytes()).await
}

async fn ok(api: &Arc<Api>, op: &str, body: Value) -> Value {
    call(api, op, body.clone()).await.unwrap_or_else(|e| panic!("{op} {body}: {e}"))
}

async fn err(api: &Arc<Api>, op: &str, body: Value) -> ApiError {
    match call(api, op, body.clone()).await {
        Ok(v) => panic!("{op} {body} succeeded: {v}"),
        Err(e) => e,
    }
}

fn pass_machine(result: &str) -> String {
    json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": true}}}).to_string()
}

async fn wait_done(api: &Arc<Api>, arn: &str) -> Value {
    for _ in 0..500 {
        let d = ok(api, "DescribeExecution", json!({"executionArn": arn})).await;
        if d["status"] != "RUNNING" {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{arn} did not end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_machines_create_describe_update_list_delete() {
    let dir = tempfile::tempdir().unwrap();
    let api = api(dir.path()).await;
    let created = ok(&api, "CreateStateMachine", json!({"name": "m", "definition": pass_machine("a"), "roleArn": ROLE})).await;
    let arn = created["stateMachineArn"].as_str().unwrap().to_string();
    assert_eq!(arn, "arn:aws:states:us-east-1:123456789012:stateMachine:m");
    assert!(created["creationDate"].is_number());
    // Idempotent with the same definition, refused with another.
    ok(&api, "CreateStateMachine", json!({"name": "m", "definition": pass_machine("a"), "roleArn": ROLE})).await;
    let e = err(&api, "CreateStateMachine", json!({"name": "m", "definition": pass_machine("b"), "roleArn": ROLE})).await;
    assert_eq!(e.code, "StateMachineAlreadyExists");

    let d = ok(&api, "DescribeStateMachine", json!({"stateMachineArn": arn})).await;
    assert_eq!((d["name"].as_str(), d["type"].as_str(), d["status"].as_str()), (Some("m"), Some("STANDARD"), Some("ACTIVE")));
    assert_eq!(d["loggingConfiguration"], json!({"level": "OFF", "includeExecutionData": false}));
    assert_eq!(d["definition"].as_str(), Some(pass_machine("a").as_str()));

    let u = ok(&api, "UpdateStateMachine", json!({"stateMachineArn": arn, "definition": pass_machine("c"), "publish": true})).await;
    assert!(u["revisionId"].is_string() && u["stateMachineVersionArn"].as_str() == Some(&format!("{arn}:1")[..]), "{u}");
    let e = err(&api, "UpdateStateMachine", json!({"stateMachineArn": arn})).await;
    assert_eq!(e.code, "MissingRequiredParameter");
    let e = err(&api, "UpdateStateMachine", json!({"stateMachineArn": arn, "definition": "{}"})).await;
    assert_eq!(e.code, "InvalidDefinition");

    let list = ok(&api, "ListStateMachines", json!({})).await;
    assert_eq!(list["stateMachines"].as_array().unwrap().len(), 1);
    assert_eq!(list["stateMachines"][0]["type"], "STANDARD");

    ok(&api, "DeleteStateMachine", json!({"stateMachineArn": arn})).await;
    let e = err(&api, "DescribeStateMachine", json!({"stateMachineArn": arn})).await;
    assert_eq!(e.code, "StateMachineDoesNotExist");
    // Deleting again is fine (AWS answers {} for a well-formed ARN).
    ok(&api, "DeleteStateMachine", json!({"stateMachineArn": arn})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_name_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let api = api(dir.path()).await;
    let e = err(&api, "CreateStateMachine", json!({"name": "m", "definition": pass_machine("a")})).await;
    assert_eq!(e.code, "ValidationException");
    assert!(e.message.contains("'roleArn'"), "{e}");
    let e = err(&api, "CreateStateMachine", json!({"name": "bad name", "definition": pass_machine("a"), "roleArn": ROLE})).await;
    assert_eq!(e.code, "InvalidName");
    let e = err(&api, "CreateStateMachine", json!({"name": "m", "definition": pass_machine("a"), "roleArn": "role"})).await;
    assert_eq!(e.code, "InvalidArn");
    let bad = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}).to_string();
    let e = err(&api, "CreateStateMachine", json!({"name": "m", "definition": bad, "roleArn": ROLE})).await;
    assert_eq!(e.code, "InvalidDefinition");
    assert!(e.message.starts_with("Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET"), "{e}");
    assert!(e.message.contains("/States/A/Next"), "{e}");
    let e = err(&api, "DescribeStateMachine", json!({"stateMachineArn": "nope"})).await;
    assert_eq!(e.code, "InvalidArn");
    let e = err(&api, "ListStateMachines", json!({"maxResults": "ten"})).await;
    assert_eq!(e.code, "SerializationException");
    let e = api.call("ListStateMachines", b"{not json").await.unwrap_err();
    assert_eq!(e.code, "SerializationException");
    let e = err(&api, "Frobnicate", json!({})).await;
    assert_eq!(e.code, "UnknownOperationException");
    let e = err(&api, "DescribeMapRun", json!({"mapRunArn": "arn:aws:states:us-east-1:123456789012:mapRun:m/x:1"})).await;
    assert_eq!(e.code, "ResourceNotFound");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validate_reports_diagnostics_without_failing() {
    let dir = tempfile::tempdir().unwrap();
    let api = api(dir.path()).await;
    let v = ok(&api, "ValidateStateMachineDefinition", json!({"definition": pass_machine("a")})).await;
    assert_eq!(v, json!({"result": "OK", "diagnostics": [], "truncated": false}));
    let bad = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}).to_string();
    let v = ok(&api, "ValidateStateMachineDefinition", json!({"definition": bad})).await;
    assert_eq!(v["result"], "FAIL");
    assert_eq!(v["diagnostics"][0]["code"], "MISSING_TRANSITION_TARGET");
    assert_eq!(v["diagnostics"][0]["location"], "/States/A/Next");
    assert_eq!(v["diagnostics"][0]["severity"], "ERROR");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_start_describe_list_history_stop() {
    let dir = tempfile::tempdir().unwrap();
    let api = api(dir.path()).await;
    let sm = ok(&api, "CreateStateMachine", json!({"name": "m", "definition": pass_machine("done"), "roleArn": ROLE})).await;
    let sm = sm["stateMachineArn"].as_str().unwrap().to_string();
    let s = ok(&api, "StartExecution", json!({"stateMachineArn": sm, "name": "e1", "input": "{\"a\": 1}"})).await;
    let arn = s["executionArn"].as_str().unwrap().to_string();
    assert_eq!(arn, "arn:aws:states:us-east-1:123456789012:execution:m:e1");
    let d = wait_done(&api, &arn).await;
    assert_eq!((d["status"].as_str(), d["output"].as_str(), d["input"].as_str()), (Some("SUCCEEDED"), Some("\"done\""), Some("{\"a\": 1}")));
    assert_eq!(d["redriveStatus"], "NOT_REDRIVABLE");
    let e = err(&api, "StartExecution", json!({"stateMachineArn": sm, "name": "e1", "input": "{}"})).await;
    assert_eq!(e.code, "ExecutionAlreadyExists");
    let e = err(&api, "StartExecution", json!({"stateMachineArn": sm, "input": "[nope"})).await;
    assert_eq!(e.code, "InvalidExecutionInput");

    let l = ok(&api, "ListExecutions", json!({"stateMachineArn": sm, "statusFilter": "SUCCEEDED"})).await;
    assert_eq!(l["executions"].as_array().unwrap().len(), 1);
    let l = ok(&api, "ListExecutions", json!({"stateMachineArn": sm, "statusFilter": "FAILED"})).await;
    assert_eq!(l["executions"].as_array().unwrap().len(), 0);

    let h = ok(&api, "GetExecutionHistory", json!({"executionArn": arn})).await;
    let types: Vec<&str> = h["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]);
    let h = ok(&api, "GetExecutionHistory", json!({"executionArn": arn, "reverseOrder": true, "maxResults": 1})).await;
    assert_eq!(h["events"][0]["type"], "ExecutionSucceeded");
    assert!(h["nextToken"].is_string());
    let h2 = ok(&api, "GetExecutionHistory", json!({"executionArn": arn, "reverseOrder": true, "maxResults": 1, "nextToken": h["nextToken"]})).await;
    assert_eq!(h2["events"][0]["type"], "PassStateExited");
    let h = ok(&api, "GetExecutionHistory", json!({"executionArn": arn, "includeExecutionData": false})).await;
    assert!(h["events"][0]["executionStartedEventDetails"].get("input").is_none(), "{h}");

    // Stop a waiting execution.
    let wait = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}}).to_string();
    let sm2 = ok(&api, "CreateStateMachine", json!({"name": "w", "definition": wait, "roleArn": ROLE})).await;
    let s = ok(&api, "StartExecution", json!({"stateMachineArn": sm2["stateMachineArn"], "name": "w1"})).await;
    let stopped = ok(&api, "StopExecution", json!({"executionArn": s["executionArn"], "error": "Manual", "cause": "test"})).await;
    assert!(stopped["stopDate"].is_number());
    let d = ok(&api, "DescribeExecution", json!({"executionArn": s["executionArn"]})).await;
    assert_eq!((d["status"].as_str(), d["error"].as_str(), d["redriveStatus"].as_str()), (Some("ABORTED"), Some("Manual"), Some("REDRIVABLE")));
    let e = err(&api, "DescribeExecution", json!({"executionArn": "arn:aws:states:us-east-1:123456789012:execution:m:none"})).await;
    assert_eq!(e.code, "ExecutionDoesNotExist");
    let d = ok(&api, "DescribeStateMachineForExecution", json!({"executionArn": arn})).await;
    assert_eq!((d["name"].as_str(), d["roleArn"].as_str()), (Some("m"), Some(ROLE)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn express_sync_runs_answer_200_even_when_they_fail() {
    let dir = tempfile::tempdir().unwrap();
    let api = api(dir.path()).await;
    let def = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Yes"}], "Default": "No"},
        "Yes": {"Type": "Pass", "Result": {"fine": true}, "End": true},
        "No": {"Type": "Fail", "Error": "NotOk", "Cause": "ok was false"}}})
    .to_string();
    let sm = ok(&api, "CreateStateMachine", json!({"name": "x", "definition": def, "roleArn": ROLE, "type": "EXPRESS"})).await;
    let sm = sm["stateMachineArn"].as_str().unwrap().to_string();
    let out = ok(&api, "StartSyncExecution", json!({"stateMachineArn": sm, "input": "{\"ok\": true}"})).await;
    assert_eq!((out["status"].as_str(), out["output"].as_str()), (Some("SUCCEEDED"), Some("{\"fine\":true}")));
    assert!(out["executionArn"].as_str().unwrap().contains(":express:x:"));
    assert!(out["billingDetails"]["billedDurationInMilliseconds"].as_u64().unwrap() >= 100);
    let out = ok(&api, "StartSyncExecution", json!({"stateMachineArn": sm, "input": "{\"ok\": false}"})).await;
    assert_eq!((out["status"].as_str(), out["error"].as_str(), out["cause"].as_str()), (Some("FAILED"), Some("NotOk"), Some("ok was false")));
    assert!(out.get("output").is_none());
    // A Standard machine cannot run synchronously.
    let std = ok(&api, "CreateStateMachine", json!({"name": "s", "definition": pass_machine("a"), "roleArn": ROLE})).await;
    let e = err(&api, "StartSyncExecution", json!({"stateMachineArn": std["stateMachineArn"]})).await;
    assert_eq!(e.code, "StateMachineTypeNotSupported");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_aliases_and_tags() {
    let dir = tempfile::tempdir().unwrap();
    let api = api(dir.path()).await;
    let sm = ok(&api, "CreateStateMachine", json!({"name": "v", "definition": pass_machine("one"), "roleArn": ROLE, "publish": true,
        "tags": [{"key": "team", "value": "a"}]}))
    .await;
    let v1 = sm["stateMachineVersionArn"].as_str().unwrap().to_string();
    let sm = sm["stateMachineArn"].as_str().unwrap().to_string();
    ok(&api, "UpdateStateMachine", json!({"stateMachineArn": sm, "definition": pass_machine("two")})).await;
    let v2 = ok(&api, "PublishStateMachineVersion", json!({"stateMachineArn": sm, "description": "second"})).await;
    let v2 = v2["stateMachineVersionArn"].as_str().unwrap().to_string();
    assert_eq!(v2, format!("{sm}:2"));
    let versions = ok(&api, "ListStateMachineVersions", json!({"stateMachineArn": sm})).await;
    assert_eq!(versions["stateMachineVersions"][0]["stateMachineVersionArn"].as_str(), Some(v2.as_str()));
    let d = ok(&api, "DescribeStateMachine", json!({"stateMachineArn": v1})).await;
    assert!(d["definition"].as_str().unwrap().contains("one"), "{d}");

    let alias = ok(&api, "CreateStateMachineAlias", json!({"name": "live", "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 100}]})).await;
    let alias = alias["stateMachineAliasArn"].as_str().unwrap().to_string();
    assert_eq!(alias, format!("{sm}:live"));
    let s = ok(&api, "StartExecution", json!({"stateMachineArn": alias})).await;
    let d = wait_done(&api, s["executionArn"].as_str().unwrap()).await;
    assert_eq!((d["output"].as_str(), d["stateMachineAliasArn"].as_str(), d["stateMachineVersionArn"].as_str()), (Some("\"one\""), Some(alias.as_str()), Some(v1.as_str())));
    // ExecutionStarted names the alias and the version too; a start by version names the version.
    let h = ok(&api, "GetExecutionHistory", json!({"executionArn": s["executionArn"]})).await;
    let started = &h["events"][0]["executionStartedEventDetails"];
    assert_eq!((started["stateMachineAliasArn"].as_str(), started["stateMachineVersionArn"].as_str()), (Some(alias.as_str()), Some(v1.as_str())), "{h}");
    let by_version = ok(&api, "StartExecution", json!({"stateMachineArn": v1})).await;
    let by_version = by_version["executionArn"].as_str().unwrap().to_string();
    wait_done(&api, &by_version).await;
    let h = ok(&api, "GetExecutionHistory", json!({"executionArn": by_version})).await;
    let started = &h["events"][0]["executionStartedEventDetails"];
    assert_eq!(started["stateMachineVersionArn"].as_str(), Some(v1.as_str()), "{h}");
    assert!(started.get("stateMachineAliasArn").is_none(), "{h}");
    ok(&api, "UpdateStateMachineAlias", json!({"stateMachineAliasArn": alias, "routingConfiguration": [{"stateMachineVersionArn": v2, "weight": 100}]})).await;
    let a = ok(&api, "DescribeStateMachineAlias", json!({"stateMachineAliasArn": alias})).await;
    assert_eq!(a["routingConfiguration"], json!([{"stateMachineVersionArn": v2, "weight": 100}]));
    let e = err(&api, "CreateStateMachineAlias", json!({"name": "bad", "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 50}]})).await;
    assert_eq!(e.code, "ValidationException");
    let e = err(&api, "DeleteStateMachineVersion", json!({"stateMachineVersionArn": v2})).await;
    assert_eq!(e.code, "ConflictException", "a version an alias routes to cannot go");
    ok(&api, "DeleteStateMachineAlias", json!({"stateMachineAliasArn": alias})).await;
    ok(&api, "DeleteStateMachineVersion", json!({"stateMachineVersionArn": v2})).await;
    let aliases = ok(&api, "ListStateMachineAliases", json!({"stateMachineArn": sm})).await;
    assert_eq!(aliases["stateMachineAliases"], json!([]));

    ok(&api, "TagResource", json!({"resourceArn": sm, "tags": [{"key": "env", "value": "dev"}]})).await;
    let t = ok(&api, "ListTagsForResource", json!({"resourceArn": sm})).await;
    let mut keys: Vec<&str> = t["tags"].as_array().unwrap().iter().map(|t| t["key"].as_str().unwrap()).collect();
    keys.sort();
    assert_eq!(keys, ["env", "team"]);
    ok(&api, "UntagResource", json!({"resourceArn": sm, "tagKeys": ["team"]})).await;
    let t = ok(&api, "ListTagsForResource", json!({"resourceArn": sm})).await;
    assert_eq!(t["tags"], json!([{"key": "env", "value": "dev"}]));
    let e = err(&api, "ListTagsForResource", json!({"resourceArn": "arn:aws:states:us-east-1:123456789012:stateMachine:none"})).await;
    assert_eq!(e.code, "ResourceNotFound");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activities_hand_tasks_to_workers() {
    let dir = tempfile::tempdir().unwrap();
    let api = api(dir.path()).await;
    let a = ok(&api, "CreateActivity", json!({"name": "approve"})).await;
    let activity = a["activityArn"].as_str().unwrap().to_string();
    let d = ok(&api, "DescribeActivity", json!({"activityArn": activity})).await;
    assert_eq!(d["name"], "approve");
    // Nothing queued: the poll ends without a token.
    assert_eq!(ok(&api, "GetActivityTask", json!({"activityArn": activity})).await, json!({}));
    let def = json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": activity, "End": true}}}).to_string();
    let sm = ok(&api, "CreateStateMachine", json!({"name": "act", "definition": def, "roleArn": ROLE})).await;
    let s = ok(&api, "StartExecution", json!({"stateMachineArn": sm["stateMachineArn"], "input": "{\"n\":1}"})).await;
    let mut task = json!({});
    for _ in 0..50 {
        task = ok(&api, "GetActivityTask", json!({"activityArn": activity, "workerName": "w"})).await;
        if task.get("taskToken").is_some() {
            break;
        }
    }
    assert_eq!(task["input"], "{\"n\":1}");
    let e = err(&api, "SendTaskSuccess", json!({"taskToken": task["taskToken"], "output": "not json"})).await;
    assert_eq!(e.code, "InvalidOutput");
    ok(&api, "SendTaskSuccess", json!({"taskToken": task["taskToken"], "output": "{\"approved\":true}"})).await;
    let d = wait_done(&api, s["executionArn"].as_str().unwrap()).await;
    assert_eq!(d["output"], "{\"approved\":true}");
    // The task has ended: AWS answers TaskTimedOut for its token, TaskDoesNotExist for one never issued.
    let e = err(&api, "SendTaskSuccess", json!({"taskToken": task["taskToken"], "output": "{}"})).await;
    assert_eq!(e.code, "TaskTimedOut");
    let e = err(&api, "SendTaskSuccess", json!({"taskToken": "never-issued", "output": "{}"})).await;
    assert_eq!(e.code, "TaskDoesNotExist");
    let l = ok(&api, "ListActivities", json!({})).await;
    assert_eq!(l["activities"][0]["activityArn"].as_str(), Some(activity.as_str()));
    ok(&api, "DeleteActivity", json!({"activityArn": activity})).await;
    let e = err(&api, "DescribeActivity", json!({"activityArn": activity})).await;
    assert_eq!(e.code, "ActivityDoesNotExist");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_state_answers_for_one_state() {
    let dir = tempfile::tempdir().unwrap();
    let api = api(dir.path()).await;
    let def = json!({"Type": "Task", "Resource": "wasm:f", "Next": "B", "Catch": [{"ErrorEquals": ["E"], "Next": "C"}]}).to_string();
    let out = ok(&api, "TestState", json!({"definition": def, "input": "{}", "mock": {"result": "{\"x\":1}"}})).await;
    assert_eq!((out["status"].as_str(), out["nextState"].as_str(), out["output"].as_str()), (Some("SUCCEEDED"), Some("B"), Some("{\"x\":1}")));
    // INFO (the default) shows the outcome; DEBUG and TRACE the data processing too.
    assert!(out.get("inspectionData").is_none(), "{out}");
    for level in ["DEBUG", "TRACE"] {
        let out = ok(&api, "TestState", json!({"definition": def, "input": "{}", "mock": {"result": "{\"x\":1}"}, "inspectionLevel": level})).await;
        assert_eq!(out["inspectionData"]["afterInputPath"].as_str(), Some("{}"), "{level}: {out}");
        assert_eq!(out["inspectionData"]["result"].as_str(), Some("{\"x\":1}"), "{level}: {out}");
    }
    let out = ok(&api, "TestState", json!({"definition": def, "mock": {"errorOutput": {"error": "E", "cause": "c"}}})).await;
    assert_eq!((out["status"].as_str(), out["nextState"].as_str(), out["error"].as_str()), (Some("CAUGHT_ERROR"), Some("C"), Some("E")));
    let e = err(&api, "TestState", json!({"definition": "{\"Type\": \"Pass\", \"Next\": 1}"})).await;
    assert_eq!(e.code, "InvalidDefinition");
    let e = err(&api, "TestState", json!({"definition": def, "mock": {"result": "1", "errorOutput": {}}})).await;
    assert_eq!(e.code, "ValidationException");
    // A mock answers tasks: only a Task, Map or Parallel state takes one.
    let pass = json!({"Type": "Pass", "End": true}).to_string();
    let e = err(&api, "TestState", json!({"definition": pass, "mock": {"result": "1"}})).await;
    assert_eq!(e.code, "ValidationException");
    assert!(e.message.contains("Pass state"), "{}", e.message);
    let e = err(&api, "TestState", json!({"definition": pass, "context": "{}"})).await;
    assert_eq!((e.code, e.message.as_str()), ("ValidationException", "context can only be given together with a mock"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_repeat_with_publish_answers_the_version_the_create_published() {
    let dir = tempfile::tempdir().unwrap();
    let api = api(dir.path()).await;
    let create = |publish: bool, description: Option<&str>| {
        let mut body = json!({"name": "m", "definition": pass_machine("a"), "roleArn": ROLE, "publish": publish});
        if let Some(d) = description {
            body["versionDescription"] = d.into();
        }
        body
    };
    let e = err(&api, "CreateStateMachine", create(false, Some("v1"))).await;
    assert_eq!(e.code, "ValidationException");
    assert!(e.message.contains("versionDescription") && e.message.contains("publish"), "{e}");
    let e = err(&api, "CreateStateMachine", json!({"name": "m", "definition": pass_machine("a"), "roleArn": ROLE, "versionDescription": ""})).await;
    assert_eq!(e.code, "ValidationException");

    let first = ok(&api, "CreateStateMachine", create(true, Some("v1"))).await;
    let arn = first["stateMachineArn"].as_str().unwrap().to_string();
    assert_eq!(first["stateMachineVersionArn"], format!("{arn}:1"));
    // A true retry answers the same version and publishes nothing.
    let again = ok(&api, "CreateStateMachine", create(true, Some("v1"))).await;
    assert_eq!(again["stateMachineVersionArn"], first["stateMachineVersionArn"]);
    // Another description, or no description, is another request.
    let e = err(&api, "CreateStateMachine", create(true, Some("v2"))).await;
    assert_eq!(e.code, "StateMachineAlreadyExists");
    assert!(e.message.contains(&arn) && e.message.contains("versionDescription"), "{e}");
    let e = err(&api, "CreateStateMachine", create(true, None)).await;
    assert_eq!(e.code, "StateMachineAlreadyExists");
    let versions = ok(&api, "ListStateMachineVersions", json!({"stateMachineArn": arn})).await;
    assert_eq!(versions["stateMachineVersions"].as_array().unwrap().len(), 1, "{versions}");

    // A machine created without publishing is not published by a repeat with publish.
    let plain = ok(&api, "CreateStateMachine", json!({"name": "n", "definition": pass_machine("a"), "roleArn": ROLE})).await;
    let plain = plain["stateMachineArn"].as_str().unwrap().to_string();
    let e = err(&api, "CreateStateMachine", json!({"name": "n", "definition": pass_machine("a"), "roleArn": ROLE, "publish": true})).await;
    assert_eq!(e.code, "StateMachineAlreadyExists");
    let versions = ok(&api, "ListStateMachineVersions", json!({"stateMachineArn": plain})).await;
    assert_eq!(versions["stateMachineVersions"], json!([]));
}

fn resource_name(e: &ApiError) -> Option<&str> {
    e.extra.iter().find(|(k, _)| *k == "resourceName").map(|(_, v)| v.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_map_run_and_alias_errors_name_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let api = api(dir.path()).await;
    let sm = ok(&api, "CreateStateMachine", json!({"name": "t", "definition": pass_machine("a"), "roleArn": ROLE, "publish": true})).await;
    let v1 = sm["stateMachineVersionArn"].as_str().unwrap().to_string();
    let sm = sm["stateMachineArn"].as_str().unwrap().to_string();
    let many: Vec<Value> = (0..51).map(|i| json!({"key": format!("k{i}"), "value": "v"})).collect();
    let e = err(&api, "TagResource", json!({"resourceArn": sm, "tags": many})).await;
    assert_eq!((e.code, resource_name(&e)), ("TooManyTags", Some(sm.as_str())), "{e}");
    let e = err(&api, "CreateStateMachine", json!({"name": "u", "definition": pass_machine("a"), "roleArn": ROLE, "tags": many})).await;
    assert_eq!(e.code, "TooManyTags");
    assert_eq!(resource_name(&e), Some("arn:aws:states:us-east-1:123456789012:stateMachine:u"));
    let e = err(&api, "CreateActivity", json!({"name": "w", "tags": many})).await;
    assert_eq!((e.code, resource_name(&e)), ("TooManyTags", Some("arn:aws:states:us-east-1:123456789012:activity:w")));

    let long = "k".repeat(129);
    let e = err(&api, "UntagResource", json!({"resourceArn": sm, "tagKeys": ["ok", long]})).await;
    assert_eq!(e.code, "ValidationException");
    assert!(e.message.contains("'tagKeys.2.member'") && e.message.contains("between 1 and 128"), "{e}");
    ok(&api, "UntagResource", json!({"resourceArn": sm, "tagKeys": ["k".repeat(128)]})).await;

    let map_run = "arn:aws:states:us-east-1:123456789012:mapRun:t/m:1";
    let e = err(&api, "ListExecutions", json!({"mapRunArn": map_run})).await;
    assert_eq!((e.code, resource_name(&e)), ("ResourceNotFound", Some(map_run)), "{e}");
    let e = err(&api, "DescribeMapRun", json!({"mapRunArn": map_run})).await;
    assert_eq!((e.code, resource_name(&e)), ("ResourceNotFound", Some(map_run)), "{e}");

    let alias = ok(&api, "CreateStateMachineAlias", json!({"name": "live", "routingConfiguration": [{"stateMachineVersionArn": v1, "weight": 100}]})).await;
    let alias = alias["stateMachineAliasArn"].as_str().unwrap().to_string();
    let e = err(&api, "UpdateStateMachineAlias", json!({"stateMachineAliasArn": alias})).await;
    assert_eq!(e.code, "ValidationException");
    assert!(e.message.contains(&alias) && e.message.contains("description") && e.message.contains("routingConfiguration"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_configuration_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let api = api(dir.path()).await;
    let group = |name: &str| json!({"cloudWatchLogsLogGroup": {"logGroupArn": format!("arn:aws:logs:us-east-1:123456789012:log-group:{name}")}});
    let create = |logging: Value| json!({"name": "l", "definition": pass_machine("a"), "roleArn": ROLE, "loggingConfiguration": logging});
    let refused = [
        (json!({"level": "ALL", "destinations": [group("a:*"), group("b:*")]}), "at most 1 destination"),
        (json!({"level": "ERROR"}), "level ERROR needs a destination"),
        (json!({"level": "FATAL", "destinations": []}), "level FATAL needs a destination"),
        (json!({"level": "ALL", "destinations": [group("a")]}), "is not a log group ARN"),
        (json!({"level": "ALL", "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": "arn:aws:s3:::bucket:*"}}]}), "is not a log group ARN"),
        (json!({"level": "ALL", "destinations": [{"cloudWatchLogsLogGroup": {}}]}), "needs cloudWatchLogsLogGroup.logGroupArn"),
    ];
    for (logging, says) in refused {
        let e = err(&api, "CreateStateMachine", create(logging.clone())).await;
        assert_eq!(e.code, "InvalidLoggingConfiguration", "{logging}: {e}");
        assert!(e.message.contains(says), "{logging}: {e}");
    }
    let good = json!({"level": "ALL", "includeExecutionData": true, "destinations": [group("a:*")]});
    let arn = ok(&api, "CreateStateMachine", create(good.clone())).await["stateMachineArn"].as_str().unwrap().to_string();
    ok(&api, "CreateStateMachine", json!({"name": "off", "definition": pass_machine("a"), "roleArn": ROLE, "loggingConfiguration": {"level": "OFF"}})).await;
    let e = err(&api, "UpdateStateMachine", json!({"stateMachineArn": arn, "loggingConfiguration": {"level": "ERROR"}})).await;
    assert_eq!(e.code, "InvalidLoggingConfiguration", "{e}");
    assert_eq!(ok(&api, "DescribeStateMachine", json!({"stateMachineArn": arn})).await["loggingConfiguration"], good);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_executions_needs_exactly_one_of_machine_and_map_run() {
    let dir = tempfile::tempdir().unwrap();
    let api = api(dir.path()).await;
    let sm = ok(&api, "CreateStateMachine", json!({"name": "m", "definition": pass_machine("a"), "roleArn": ROLE})).await;
    let sm = sm["stateMachineArn"].as_str().unwrap().to_string();
    let map_run = "arn:aws:states:us-east-1:123456789012:mapRun:m/x:1";
    let e = err(&api, "ListExecutions", json!({})).await;
    assert_eq!(e.code, "ValidationException");
    assert!(e.message.contains("stateMachineArn or a mapRunArn"), "{e}");
    let e = err(&api, "ListExecutions", json!({"stateMachineArn": sm, "mapRunArn": map_run})).await;
    assert_eq!(e.code, "ValidationException");
    assert!(e.message.contains("not both"), "{e}");
    let e = err(&api, "ListExecutions", json!({"stateMachineArn": sm, "statusFilter": "PENDING_REDRIVE"})).await;
    assert_eq!(e.code, "ValidationException");
    assert!(e.message.contains("PENDING_REDRIVE"), "{e}");
    ok(&api, "ListExecutions", json!({"stateMachineArn": sm, "statusFilter": "FAILED"})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrive_tokens_reasons_and_a_deleted_machine() {
    let dir = tempfile::tempdir().unwrap();
    let api = api(dir.path()).await;
    let fail = json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}}).to_string();
    let sm = ok(&api, "CreateStateMachine", json!({"name": "f", "definition": fail, "roleArn": ROLE})).await;
    let sm = sm["stateMachineArn"].as_str().unwrap().to_string();
    let ok_sm = ok(&api, "CreateStateMachine", json!({"name": "p", "definition": pass_machine("a"), "roleArn": ROLE})).await;
    let ok_ex = ok(&api, "StartExecution", json!({"stateMachineArn": ok_sm["stateMachineArn"]})).await;
    let d = wait_done(&api, ok_ex["executionArn"].as_str().unwrap()).await;
    assert_eq!((d["redriveStatus"].as_str(), d["redriveStatusReason"].as_str()), (Some("NOT_REDRIVABLE"), Some("Execution is SUCCEEDED and cannot be redriven.")));

    let ex = ok(&api, "StartExecution", json!({"stateMachineArn": sm})).await["executionArn"].as_str().unwrap().to_string();
    let d = wait_done(&api, &ex).await;
    assert_eq!((d["status"].as_str(), d["redriveStatus"].as_str()), (Some("FAILED"), Some("REDRIVABLE")));
    assert!(d.get("redriveStatusReason").is_none(), "{d}");

    // A repeated client token answers the first redrive, even after the redriven run ended.
    let first = ok(&api, "RedriveExecution", json!({"executionArn": ex, "clientToken": "t1"})).await;
    wait_done(&api, &ex).await;
    let again = ok(&api, "RedriveExecution", json!({"executionArn": ex, "clientToken": "t1"})).await;
    assert_eq!(again["redriveDate"], first["redriveDate"]);
    let d = wait_done(&api, &ex).await;
    assert_eq!(d["redriveCount"], 1, "{d}");
    // Another token is another redrive.
    ok(&api, "RedriveExecution", json!({"executionArn": ex, "clientToken": "t2"})).await;
    let d = wait_done(&api, &ex).await;
    assert_eq!(d["redriveCount"], 2, "{d}");

    // Once its machine is deleted the execution cannot be redriven, and is still described
    // with the definition and role it ran with.
    ok(&api, "DeleteStateMachine", json!({"stateMachineArn": sm})).await;
    let d = ok(&api, "DescribeExecution", json!({"executionArn": ex})).await;
    assert_eq!((d["redriveStatus"].as_str(), d["redriveStatusReason"].as_str()), (Some("NOT_REDRIVABLE"), Some("State machine is in DELETING status.")));
    let e = err(&api, "RedriveExecution", json!({"executionArn": ex, "clientToken": "t3"})).await;
    assert_eq!(e.code, "ExecutionNotRedrivable");
    assert!(e.message.contains("DELETING"), "{e}");
    let m = ok(&api, "DescribeStateMachineForExecution", json!({"executionArn": ex})).await;
    assert_eq!((m["roleArn"].as_str(), m["definition"].as_str(), m["stateMachineArn"].as_str()), (Some(ROLE), Some(fail.as_str()), Some(sm.as_str())));
}
