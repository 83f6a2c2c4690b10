//! The `stepwasm` binary's commands as a user runs them.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use store::{ExecutionStatus, MachineKind, StateMachineRecord};

/// Runs `stepwasm ARGS` with a stdout whose reader has already gone away (`| head` that
/// has finished reading).
fn with_stdout_closed(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_stepwasm"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("stepwasm runs")
}

fn assert_quiet(what: &str, out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{what}: {:?}, stderr: {stderr}", out.status);
    assert!(stderr.is_empty(), "{what} wrote to stderr: {stderr}");
}

/// A closed stdout ends a command quietly: status 0, no panic, nothing on stderr.
#[test]
fn commands_stop_quietly_when_stdout_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.asl.json");
    let definition = serde_json::json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"a": 1}, "End": true}}});
    std::fs::write(&file, definition.to_string()).unwrap();
    let file = file.to_str().unwrap();
    assert_quiet("validate", &with_stdout_closed(&["validate", file]));
    assert_quiet("run", &with_stdout_closed(&["run", file]));

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let srv = server::start(server::config::Config::for_dir(dir.path().join("data"))).await.unwrap();
        let engine = srv.app.engine.clone();
        let sm = engine.arns().state_machine("pass");
        engine
            .store()
            .create_state_machine(StateMachineRecord::new(
                sm.clone(),
                "pass".into(),
                MachineKind::Standard,
                definition.to_string(),
                "arn:aws:iam::123456789012:role/test".into(),
                0,
            ))
            .unwrap();
        let started = engine
            .start_execution(engine::StartRequest { state_machine_arn: sm, name: Some("e".into()), input: None, trace_header: None })
            .await
            .unwrap();
        let arn = started.execution_arn;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while engine.describe_execution(&arn).unwrap().status == ExecutionStatus::Running {
            assert!(tokio::time::Instant::now() < deadline, "{arn} did not finish");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let endpoint = format!("http://{}", srv.addr);
        for args in [
            vec!["history", arn.as_str(), "--json"],
            vec!["history", arn.as_str()],
            vec!["logs", arn.as_str(), "--follow"],
            vec!["start", "pass", "--wait"],
            vec!["start", "pass"],
        ] {
            let what = args.join(" ");
            let mut args: Vec<String> = args.into_iter().map(String::from).collect();
            args.extend(["--endpoint".to_string(), endpoint.clone()]);
            let out = tokio::task::spawn_blocking(move || with_stdout_closed(&args.iter().map(String::as_str).collect::<Vec<_>>()))
                .await
                .unwrap();
            if what.starts_with("start pass --wait") {
                // It reports the execution it started on stderr before its output.
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(out.status.success(), "{what}: {:?}, stderr: {stderr}", out.status);
                assert!(!stderr.contains("panicked"), "{what}: {stderr}");
            } else {
                assert_quiet(&what, &out);
            }
        }
        srv.stop().await;
    });
}

/// `start --wait` of an EXPRESS machine waits for the run and prints its output, although an
/// Express execution cannot be described while it runs.
#[test]
fn start_wait_runs_an_express_machine_to_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let srv = server::start(server::config::Config::for_dir(dir.path())).await.unwrap();
        let engine = srv.app.engine.clone();
        let definition = serde_json::json!({
            "StartAt": "W",
            "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "P"}, "P": {"Type": "Pass", "Result": {"done": true}, "End": true}}
        });
        engine
            .store()
            .create_state_machine(StateMachineRecord::new(
                engine.arns().state_machine("quick"),
                "quick".into(),
                MachineKind::Express,
                definition.to_string(),
                "arn:aws:iam::123456789012:role/test".into(),
                0,
            ))
            .unwrap();
        let endpoint = format!("http://{}", srv.addr);
        let out = tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_stepwasm"))
                .args(["start", "quick", "--input", r#"{"n":1}"#, "--wait", "--endpoint", &endpoint])
                .stdin(Stdio::null())
                .output()
                .expect("stepwasm runs")
        })
        .await
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{:?}, stderr: {stderr}", out.status);
        let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the output is JSON");
        assert_eq!(printed, serde_json::json!({"done": true}));
        // The execution's ARN, for `stepwasm history` and `logs`.
        assert!(stderr.starts_with("ran arn:aws:states:") && stderr.contains(":express:quick:"), "{stderr}");
        srv.stop().await;
    });
}

/// `run --mock-config --test-case`: Task states answered from Step Functions Local's mock
/// configuration on the simulated clock, whatever their resource.
#[test]
fn run_answers_tasks_from_a_mock_test_case() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orders.asl.json");
    let definition = serde_json::json!({"StartAt": "Charge", "States": {
        "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "charge"},
                   "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 600}], "OutputPath": "$.Payload", "Next": "Store"},
        "Store": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Parameters": {"TableName": "t", "Item": {}},
                  "ResultPath": null, "End": true}}});
    std::fs::write(&file, definition.to_string()).unwrap();
    let mocks = dir.path().join("MockConfigFile.json");
    let config = serde_json::json!({
        "StateMachines": {"orders": {"TestCases": {"Happy": {"Charge": "Charged", "Store": "Stored"}, "Partial": {"Charge": "Charged"}}}},
        "MockedResponses": {
            "Charged": {"0": {"Throw": {"Error": "Busy", "Cause": "later"}}, "1": {"Return": {"Payload": {"id": 7}}}},
            "Stored": {"0": {"Return": {}}}}});
    std::fs::write(&mocks, config.to_string()).unwrap();
    let run = |case: &str| {
        Command::new(env!("CARGO_BIN_EXE_stepwasm"))
            .args(["run", file.to_str().unwrap(), "--mock-config", mocks.to_str().unwrap(), "--test-case", case])
            .output()
            .expect("stepwasm runs")
    };
    let out = run("Happy");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let output: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the output is JSON");
    assert_eq!(output, serde_json::json!({"id": 7}));
    let out = run("orders#Partial");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success() && text.contains("does not mock state 'Store'"), "{text}");
    let out = run("Missing");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("no test case 'Missing' for state machine 'orders'"), "{err}");
}
