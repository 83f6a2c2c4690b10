//! Recovery after an in-process "crash": the runtime running an engine is dropped mid-run,
//! a new engine opens the same directory and finishes every execution.

use std::time::Duration;

use store::{ExecutionStatus, MachineKind};

use super::crash::{expected, input};
use super::support::*;
use crate::StartRequest;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

#[test]
fn a_dropped_engine_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let n = 6;
    let first = runtime();
    let (arns, wait_started) = first.block_on(async {
        let engine = open(dir.path()).await;
        upload(&engine, &["transform"]).await;
        let sm = machine(&engine, "crash", &super::crash::workflow(), MachineKind::Standard);
        let mut arns = Vec::new();
        for i in 0..n {
            let s = engine
                .start_execution(StartRequest {
                    state_machine_arn: sm.clone(),
                    name: Some(format!("c-{i}")),
                    input: Some(input(i).to_string()),
                    trace_header: None,
                })
                .await
                .unwrap();
            arns.push(s.execution_arn);
        }
        // Let them reach the one-second Wait, then "crash".
        tokio::time::sleep(Duration::from_millis(400)).await;
        let h = history(&engine, &arns[0]);
        let wait = h.iter().find(|e| e["type"] == "WaitStateEntered").expect("the first execution is waiting").clone();
        (arns, wait["timestamp"].as_f64().unwrap())
    });
    first.shutdown_background();

    let second = runtime();
    second.block_on(async {
        let engine = open(dir.path()).await;
        assert!(engine.warnings().is_empty(), "{:?}", engine.warnings());
        assert_eq!(engine.running_count(), n, "every execution was resumed");
        for (i, arn) in arns.iter().enumerate() {
            let rec = finished(&engine, arn, Duration::from_secs(60)).await;
            assert_eq!(rec.status, ExecutionStatus::Succeeded, "{arn}: {:?} {:?}", rec.error, rec.cause);
            assert_eq!(json(rec.output.as_deref().unwrap()), expected(i));
            let h = history(&engine, arn);
            assert_gap_free(arn, &h);
            if i == 0 {
                // The Wait fired no earlier than its original time.
                let exited = h.iter().find(|e| e["type"] == "WaitStateExited").unwrap();
                assert!(exited["timestamp"].as_f64().unwrap() - wait_started >= 0.99);
            }
            let t = types(&h);
            assert_eq!(t.iter().filter(|t| *t == "WaitStateEntered").count(), 4, "{t:?}");
        }
    });
}

/// An activity task a worker had taken stays that worker's across a restart: it is not
/// offered to the next poller, and the worker's token still answers it. A task that was
/// scheduled but never taken is queued again.
#[test]
fn a_started_activity_task_stays_with_its_worker_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = runtime();
    let (activity, taken_arn, waiting_arn, token) = first.block_on(async {
        let engine = open(dir.path()).await;
        let activity = engine.arns().activity("review");
        engine
            .store()
            .create_activity(store::ActivityRecord { arn: activity.clone(), name: "review".into(), created_ms: 0 })
            .unwrap();
        let def = serde_json::json!({
            "StartAt": "Review",
            "States": {"Review": {"Type": "Task", "Resource": activity, "TimeoutSeconds": 600, "End": true}}
        });
        let sm = machine(&engine, "reviews", &def.to_string(), MachineKind::Standard);
        let mut arns = Vec::new();
        for name in ["taken", "waiting"] {
            let s = engine
                .start_execution(StartRequest {
                    state_machine_arn: sm.clone(),
                    name: Some(name.into()),
                    input: Some(format!(r#"{{"doc":"{name}"}}"#)),
                    trace_header: None,
                })
                .await
                .unwrap();
            arns.push(s.execution_arn);
            // Scheduled (and queued) in this order.
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            while !types(&history(&engine, &arns[arns.len() - 1])).iter().any(|t| t == "ActivityScheduled") {
                assert!(tokio::time::Instant::now() < deadline, "{name}: no ActivityScheduled");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        let (token, input) =
            engine.get_activity_task(&activity, Some("w1"), Duration::from_secs(5)).await.unwrap().expect("a task");
        assert_eq!(json(&input), serde_json::json!({"doc": "taken"}));
        // The answer comes once ActivityStarted is durable.
        assert!(types(&history(&engine, &arns[0])).iter().any(|t| t == "ActivityStarted"));
        (activity, arns[0].clone(), arns[1].clone(), token)
    });
    first.shutdown_background();

    let second = runtime();
    second.block_on(async {
        let engine = open(dir.path()).await;
        assert!(engine.warnings().is_empty(), "{:?}", engine.warnings());
        // Only the task nobody had taken is offered.
        let (other, input) =
            engine.get_activity_task(&activity, Some("w2"), Duration::from_secs(5)).await.unwrap().expect("the waiting task");
        assert_eq!(json(&input), serde_json::json!({"doc": "waiting"}));
        let none = engine.get_activity_task(&activity, Some("w3"), Duration::from_millis(300)).await.unwrap();
        assert!(none.is_none(), "the started task was offered again: {none:?}");
        // The first worker's token still completes its task.
        engine.send_task_success(&token, r#""done by w1""#).await.unwrap();
        engine.send_task_success(&other, r#""done by w2""#).await.unwrap();
        for (arn, output) in [(&taken_arn, r#""done by w1""#), (&waiting_arn, r#""done by w2""#)] {
            let rec = finished(&engine, arn, Duration::from_secs(10)).await;
            assert_eq!(rec.status, ExecutionStatus::Succeeded, "{arn}: {:?} {:?}", rec.error, rec.cause);
            assert_eq!(rec.output.as_deref(), Some(output));
            let h = history(&engine, arn);
            assert_gap_free(arn, &h);
            let t = types(&h);
            assert_eq!(t.iter().filter(|t| *t == "ActivityStarted").count(), 1, "{arn}: {t:?}");
        }
        let h = history(&engine, &taken_arn);
        let started = h.iter().find(|e| e["type"] == "ActivityStarted").unwrap();
        assert_eq!(started["activityStartedEventDetails"], serde_json::json!({"workerName": "w1"}));
    });
}
