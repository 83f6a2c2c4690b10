//! `.waitForTaskToken` callbacks, heartbeats and activity workers.

use std::time::Duration;

use serde_json::json;
use store::{ActivityRecord, ExecutionStatus, MachineKind, Store};

use super::support::*;
use crate::{EngineError, StartRequest};

fn start(arn: &str, name: &str) -> StartRequest {
    StartRequest { state_machine_arn: arn.into(), name: Some(name.into()), input: Some("{}".into()), trace_header: None }
}

/// The token a callback task was given, read from its TaskScheduled parameters.
fn scheduled_token(engine: &crate::Engine, arn: &str) -> Option<String> {
    let h = history(engine, arn);
    let e = h.iter().find(|e| e["type"] == "TaskScheduled")?;
    let params = json(e["taskScheduledEventDetails"]["parameters"].as_str()?);
    params["Payload"]["data"]["token"].as_str().map(str::to_string)
}

async fn token_of(engine: &crate::Engine, arn: &str) -> String {
    for _ in 0..500 {
        if let Some(t) = scheduled_token(engine, arn) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{arn}: no TaskScheduled event with a token");
}

fn callback_definition(heartbeat: Option<u64>) -> String {
    let mut task = json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "transform", "Payload": {"template": "{{ token }}", "data": {"token.$": "$$.Task.Token"}}},
        "End": true
    });
    if let Some(h) = heartbeat {
        task["HeartbeatSeconds"] = json!(h);
    }
    json!({"StartAt": "Wait", "States": {"Wait": task}}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_task_waits_for_send_task_success_and_failure() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    upload(&engine, &["transform"]).await;
    let sm = machine(&engine, "callback", &callback_definition(None), MachineKind::Standard);

    let s = engine.start_execution(start(&sm, "ok")).await.unwrap();
    let token = token_of(&engine, &s.execution_arn).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(engine.describe_execution(&s.execution_arn).unwrap().status, ExecutionStatus::Running);
    // The function the callback task invoked has answered: TaskSubmitted quotes Lambda's
    // response, and the task waits on.
    let h = history(&engine, &s.execution_arn);
    assert_eq!(types(&h)[2..], ["TaskScheduled", "TaskStarted", "TaskSubmitted"], "{h:?}");
    let submitted = json(h[4]["taskSubmittedEventDetails"]["output"].as_str().unwrap());
    assert_eq!((submitted["StatusCode"].clone(), submitted["Payload"].clone()), (json!(200), json!(token)));
    engine.send_task_heartbeat(&token).await.unwrap();
    let err = engine.send_task_success(&token, "{not json").await.unwrap_err();
    assert!(matches!(err, EngineError::InvalidOutput(_)), "{err}");
    engine.send_task_success(&token, r#"{"approved":true}"#).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(10)).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded);
    assert_eq!(json(rec.output.as_deref().unwrap()), json!({"approved": true}));
    // The task has closed: AWS answers TaskTimedOut.
    let err = engine.send_task_success(&token, "{}").await.unwrap_err();
    assert!(matches!(err, EngineError::TaskTimedOut), "{err}");
    assert_gap_free(&s.execution_arn, &history(&engine, &s.execution_arn));

    let s = engine.start_execution(start(&sm, "no")).await.unwrap();
    let token = token_of(&engine, &s.execution_arn).await;
    engine.send_task_failure(&token, Some("Rejected".into()), Some("by a human".into())).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(10)).await;
    assert_eq!(rec.status, ExecutionStatus::Failed);
    assert_eq!((rec.error.as_deref(), rec.cause.as_deref()), (Some("Rejected"), Some("by a human")));
    let err = engine.send_task_success("", "{}").await.unwrap_err();
    assert!(matches!(err, EngineError::InvalidToken(_)), "{err}");
}

/// Many heartbeats at once are stepped in one batch: each replaces the heartbeat timer the one
/// before set, and only the last is stored. An ended execution keeps no timer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_leave_one_stored_timer() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, store) = open_with_store(dir.path(), None).await;
    upload(&engine, &["transform"]).await;
    let sm = machine(&engine, "heartbeats", &callback_definition(Some(60)), MachineKind::Standard);
    let s = engine.start_execution(start(&sm, "hb")).await.unwrap();
    let token = token_of(&engine, &s.execution_arn).await;
    let mut beats = tokio::task::JoinSet::new();
    for _ in 0..500 {
        let (engine, token) = (engine.clone(), token.clone());
        beats.spawn(async move { engine.send_task_heartbeat(&token).await });
    }
    while let Some(r) = beats.join_next().await {
        r.unwrap().unwrap();
    }
    let timers = store.timers(&s.execution_arn).unwrap();
    assert_eq!(timers.len(), 1, "one heartbeat timer, not one per heartbeat: {timers:?}");
    engine.send_task_success(&token, "{}").await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(10)).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded);
    assert_eq!(store.timers(&s.execution_arn).unwrap(), []);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_without_heartbeats_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    upload(&engine, &["transform"]).await;
    let sm = machine(&engine, "heartbeat", &callback_definition(Some(1)), MachineKind::Standard);
    let s = engine.start_execution(start(&sm, "silent")).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(10)).await;
    assert_eq!(rec.status, ExecutionStatus::Failed);
    assert_eq!(rec.error.as_deref(), Some("States.HeartbeatTimeout"));
    let t = types(&history(&engine, &s.execution_arn));
    assert!(t.contains(&"TaskTimedOut".to_string()), "{t:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activity_worker_takes_the_task_and_answers_it() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let activity = engine.arns().activity("review");
    engine.store().create_activity(ActivityRecord { arn: activity.clone(), name: "review".into(), created_ms: 0 }).unwrap();
    let def = json!({
        "StartAt": "Review",
        "States": {"Review": {"Type": "Task", "Resource": activity, "Parameters": {"doc.$": "$.doc"}, "End": true}}
    });
    let sm = machine(&engine, "reviews", &def.to_string(), MachineKind::Standard);
    let none = engine.get_activity_task(&activity, Some("w"), Duration::from_millis(50)).await.unwrap();
    assert!(none.is_none());
    let missing = engine.arns().activity("nobody");
    let err = engine.get_activity_task(&missing, None, Duration::from_millis(10)).await.unwrap_err();
    assert!(matches!(err, EngineError::ActivityDoesNotExist(_)), "{err}");

    // The worker is already polling when the task is scheduled.
    let poller = {
        let engine = engine.clone();
        let activity = activity.clone();
        tokio::spawn(async move { engine.get_activity_task(&activity, Some("w1"), Duration::from_secs(10)).await })
    };
    let s = engine
        .start_execution(StartRequest {
            state_machine_arn: sm,
            name: Some("doc1".into()),
            input: Some(r#"{"doc":"d-1"}"#.into()),
            trace_header: None,
        })
        .await
        .unwrap();
    let (token, input) = poller.await.unwrap().unwrap().expect("the worker got the task");
    assert_eq!(json(&input), json!({"doc": "d-1"}));
    engine.send_task_success(&token, r#""looks good""#).await.unwrap();
    let rec = finished(&engine, &s.execution_arn, Duration::from_secs(10)).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded);
    assert_eq!(rec.output.as_deref(), Some(r#""looks good""#));
    let h = history(&engine, &s.execution_arn);
    assert_eq!(
        types(&h),
        ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"]
    );
    assert_eq!(h[3]["activityStartedEventDetails"], json!({"workerName": "w1"}));
}

/// A token is spent once its task has ended, even while the execution goes on: a second
/// SendTaskSuccess (or a heartbeat) is TaskTimedOut and does not touch the execution, and a
/// token never issued is TaskDoesNotExist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_token_is_refused_while_the_execution_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    upload(&engine, &["transform"]).await;
    let mut def: serde_json::Value = serde_json::from_str(&callback_definition(None)).unwrap();
    def["States"]["Wait"].as_object_mut().unwrap().remove("End");
    def["States"]["Wait"]["Next"] = json!("Hold");
    def["States"]["Hold"] = json!({"Type": "Wait", "Seconds": 3600, "End": true});
    let sm = machine(&engine, "spent", &def.to_string(), MachineKind::Standard);
    let s = engine.start_execution(start(&sm, "twice")).await.unwrap();
    let token = token_of(&engine, &s.execution_arn).await;
    engine.send_task_success(&token, r#"{"n":1}"#).await.unwrap();
    let err = engine.send_task_success(&token, r#"{"n":2}"#).await.unwrap_err();
    assert!(matches!(err, EngineError::TaskTimedOut), "{err}");
    let err = engine.send_task_heartbeat(&token).await.unwrap_err();
    assert!(matches!(err, EngineError::TaskTimedOut), "{err}");
    let err = engine.send_task_failure(&"0".repeat(36), None, None).await.unwrap_err();
    assert!(matches!(err, EngineError::TaskDoesNotExist), "{err}");
    let h = history(&engine, &s.execution_arn);
    assert_eq!(types(&h).iter().filter(|t| *t == "TaskSucceeded").count(), 1, "{:?}", types(&h));
    assert_eq!(types(&h).last().map(String::as_str), Some("WaitStateEntered"));
    engine.stop_execution(&s.execution_arn, None, None).await.unwrap();
}

/// Shutting down ends every open GetActivityTask at once with no task, and later polls
/// answer at once too; the task stays scheduled for the next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_activity_polls_ends_open_long_polls_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let activity = engine.arns().activity("review");
    engine.store().create_activity(ActivityRecord { arn: activity.clone(), name: "review".into(), created_ms: 0 }).unwrap();
    let pollers: Vec<_> = (0..2)
        .map(|i| {
            let engine = engine.clone();
            let activity = activity.clone();
            tokio::spawn(async move { engine.get_activity_task(&activity, Some(&format!("w{i}")), Duration::from_secs(60)).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = tokio::time::Instant::now();
    engine.stop_activity_polls();
    for p in pollers {
        let answer = tokio::time::timeout(Duration::from_secs(5), p).await.expect("the poll ended").unwrap().unwrap();
        assert!(answer.is_none(), "{answer:?}");
    }
    assert!(asked.elapsed() < Duration::from_secs(2), "the polls took {:?}", asked.elapsed());

    let def = json!({"StartAt": "Review", "States": {"Review": {"Type": "Task", "Resource": activity, "End": true}}});
    let sm = machine(&engine, "reviews", &def.to_string(), MachineKind::Standard);
    let s = engine.start_execution(start(&sm, "late")).await.unwrap();
    let asked = tokio::time::Instant::now();
    let answer = engine.get_activity_task(&activity, Some("w"), Duration::from_secs(60)).await.unwrap();
    assert!(answer.is_none(), "{answer:?}");
    assert!(asked.elapsed() < Duration::from_secs(2), "the poll took {:?}", asked.elapsed());
    let t = types(&history(&engine, &s.execution_arn));
    assert!(!t.contains(&"ActivityStarted".to_string()), "{t:?}");
}
