//! Stepper tests of Distributed Map runs: the parent's and the children's histories, what the
//! caller is told of runs and children, and the inputs that reach a running run.

use serde_json::{json, Value};

use super::map_run::{machine_parts, End, MapRunEvent};
use crate::exec::Status;
use crate::simulate::{self, Finished, TaskAnswer};
use crate::ValidateOptions;

#[test]
fn a_machine_arn_splits_into_its_prefix_and_name() {
    assert_eq!(
        machine_parts("arn:aws:states:us-east-1:123456789012:stateMachine:orders"),
        ("arn:aws:states:us-east-1:123456789012", "orders")
    );
}

fn distributed(extra: Value, processor: Value) -> Value {
    let mut map = json!({"Type": "Map", "End": true, "ItemProcessor": processor});
    map["ItemProcessor"]["ProcessorConfig"] = json!({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"});
    if let (Value::Object(m), Value::Object(x)) = (&mut map, extra) {
        m.extend(x);
    }
    json!({"StartAt": "M", "States": {"M": map}})
}

fn run(def: Value, input: Value, answer: impl FnMut(&Value) -> TaskAnswer) -> Finished {
    let mut answer = answer;
    let machine = crate::parse(&def, &ValidateOptions::default()).expect("valid definition");
    let info = simulate::local_info("m", "e", input, 1_000);
    simulate::run(&machine, info, 3, 10_000, |t| answer(&t.input))
}

fn types(events: impl Iterator<Item = (u64, u64, &'static str)>) -> Vec<(u64, u64, &'static str)> {
    events.collect()
}

#[test]
fn the_parent_history_shows_the_map_run_and_each_item_has_a_history_of_its_own() {
    let def = distributed(
        json!({"Label": "Batch"}),
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "wasm:f", "End": true}}}),
    );
    let f = run(def, json!([1, 2]), |v| TaskAnswer::Success(json!(v.as_i64().unwrap_or(0) * 10)));
    assert_eq!(f.status, Status::Succeeded(json!([10, 20])));
    assert_eq!(
        types(f.events.iter().map(|e| (e.id, e.previous_event_id, e.event_type))),
        [
            (1, 0, "ExecutionStarted"),
            (2, 0, "MapStateEntered"),
            (3, 2, "MapStateStarted"),
            (4, 3, "MapRunStarted"),
            (5, 4, "MapRunSucceeded"),
            (6, 5, "MapStateSucceeded"),
            (7, 4, "MapStateExited"),
            (8, 7, "ExecutionSucceeded"),
        ]
    );
    let run_arn = f.events[3].to_json()["mapRunStartedEventDetails"]["mapRunArn"].as_str().unwrap_or("").to_string();
    assert!(run_arn.starts_with("arn:aws:states:local:000000000000:mapRun:m/Batch:"), "{run_arn}");
    // Two children, each numbered from 1, in the shape of a whole execution.
    let arns: std::collections::BTreeSet<&str> = f.children.iter().map(|c| &*c.execution_arn).collect();
    assert_eq!(arns.len(), 2);
    for arn in &arns {
        assert!(arn.starts_with("arn:aws:states:local:000000000000:execution:m/Batch:"), "{arn}");
        let h: Vec<_> = f.children.iter().filter(|c| &*c.execution_arn == *arn).map(|c| &c.event).collect();
        assert_eq!(
            types(h.iter().map(|e| (e.id, e.previous_event_id, e.event_type))),
            [
                (1, 0, "ExecutionStarted"),
                (2, 0, "TaskStateEntered"),
                (3, 2, "TaskScheduled"),
                (4, 3, "TaskStarted"),
                (5, 4, "TaskSucceeded"),
                (6, 5, "TaskStateExited"),
                (7, 6, "ExecutionSucceeded"),
            ]
        );
    }
    let first = f.children.iter().find(|c| c.event.event_type == "ExecutionStarted").map(|c| c.event.to_json());
    assert_eq!(first.as_ref().map(|e| e["executionStartedEventDetails"]["input"].clone()), Some(json!("1")));
    match &f.map_runs[..] {
        [MapRunEvent::Started(s), MapRunEvent::ChildStarted(a), MapRunEvent::ChildStarted(b), MapRunEvent::ChildEnded { end: End::Succeeded(o1), .. }, MapRunEvent::ChildEnded { end: End::Succeeded(o2), .. }, MapRunEvent::Ended { end: End::Succeeded(_), arn }]
        | [MapRunEvent::Started(s), MapRunEvent::ChildStarted(a), MapRunEvent::ChildEnded { end: End::Succeeded(o1), .. }, MapRunEvent::ChildStarted(b), MapRunEvent::ChildEnded { end: End::Succeeded(o2), .. }, MapRunEvent::Ended { end: End::Succeeded(_), arn }] => {
            assert_eq!((&*s.arn, &*s.state_name, s.item_count, s.execution_count), (run_arn.as_str(), "M", 2, 2));
            assert_eq!(s.state_machine_arn, "arn:aws:states:local:000000000000:stateMachine:m/Batch");
            assert_eq!((&*a.input, &*b.input, &**o1, &**o2), ("1", "2", "10", "20"));
            assert_eq!(&**arn, run_arn.as_str());
        }
        other => panic!("unexpected map run events: {other:?}"),
    }
}

#[test]
fn a_failed_item_fails_its_child_and_the_run_over_the_threshold() {
    let def = distributed(
        json!({"MaxConcurrency": 1, "ItemBatcher": {"MaxItemsPerBatch": 2}}),
        json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Bad", "Cause": "no"}}}),
    );
    let f = run(def, json!([1, 2, 3]), |_| TaskAnswer::Success(json!(null)));
    // A Distributed Map tolerates no failure by default, and fails with the threshold error.
    let threshold = crate::error::Failure::new("States.ExceedToleratedFailureThreshold", "The specified tolerated failure threshold was exceeded");
    assert_eq!(f.status, Status::Failed(threshold));
    let parent: Vec<&str> = f.events.iter().map(|e| e.event_type).collect();
    assert_eq!(
        parent,
        ["ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunFailed", "MapStateFailed", "ExecutionFailed"]
    );
    assert_eq!(
        f.events[4].to_json()["mapRunFailedEventDetails"],
        json!({"error": "States.ExceedToleratedFailureThreshold", "cause": "The specified tolerated failure threshold was exceeded"})
    );
    let child: Vec<&str> = f.children.iter().map(|c| c.event.event_type).collect();
    assert_eq!(child, ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]);
    match &f.map_runs[..] {
        [MapRunEvent::Started(s), MapRunEvent::ChildStarted(c), MapRunEvent::ChildEnded { end: End::Failed(e), .. }, MapRunEvent::Ended { end: End::Failed(_), .. }] => {
            assert_eq!((s.item_count, s.execution_count, c.items), (3, 2, 2));
            assert_eq!(e.error.as_deref(), Some("Bad"));
        }
        other => panic!("unexpected map run events: {other:?}"),
    }
}

#[test]
fn stopping_the_execution_aborts_the_running_children_and_the_run() {
    let def = distributed(json!({}), json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}));
    let machine = crate::parse(&def, &ValidateOptions::default()).expect("valid definition");
    let mut x = crate::exec::Execution::new(simulate::local_info("m", "e", json!([1]), 1_000));
    let started = x.step(&machine, crate::exec::Input::Start, 1_000, 1);
    assert_eq!(started.children.iter().map(|c| c.event.event_type).collect::<Vec<_>>(), ["ExecutionStarted", "WaitStateEntered"]);
    let stopped = x.step(&machine, crate::exec::Input::Stop { error: None, cause: None }, 2_000, 2);
    let child: Vec<(u64, u64, &str)> = stopped.children.iter().map(|c| (c.event.id, c.event.previous_event_id, c.event.event_type)).collect();
    assert_eq!(child, [(3, 2, "WaitStateAborted"), (4, 3, "ExecutionAborted")]);
    let parent: Vec<&str> = stopped.events.iter().map(|e| e.event_type).collect();
    assert_eq!(parent, ["MapRunAborted", "MapStateAborted", "ExecutionAborted"]);
    assert!(matches!(&stopped.map_runs[..], [MapRunEvent::ChildEnded { end: End::Aborted(_), .. }, MapRunEvent::Ended { end: End::Aborted(_), .. }]));
}

#[test]
fn a_child_that_loops_forever_fails_at_the_history_limit() {
    let def = distributed(
        json!({}),
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}),
    );
    let f = run(def, json!([1]), |_| TaskAnswer::Success(json!(null)));
    assert!(matches!(&f.status, Status::Failed(x) if x.error.as_deref() == Some("States.ExceedToleratedFailureThreshold")), "{:?}", f.status);
    let last = f.children.last().map(|c| (c.event.id, c.event.event_type));
    // The state entered last still exits: the failure is the event after it.
    assert_eq!(last, Some((super::MAX_HISTORY_EVENTS + 2, "ExecutionFailed")));
    let details = f.children.last().map(|c| c.event.to_json()["executionFailedEventDetails"]["error"].clone());
    assert_eq!(details, Some(json!("States.Runtime")));
    // The parent's own history stays short.
    assert_eq!(f.events.len(), 7);
}

fn child_starts(step: &crate::exec::Step) -> Vec<String> {
    step.map_runs
        .iter()
        .filter_map(|m| match m {
            MapRunEvent::ChildStarted(c) => Some(c.execution_arn.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn update_map_run_widens_the_concurrency_of_a_running_run() {
    let def = distributed(
        json!({"MaxConcurrency": 1}),
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}),
    );
    let machine = crate::parse(&def, &ValidateOptions::default()).expect("valid definition");
    let mut x = crate::exec::Execution::new(simulate::local_info("m", "e", json!([1, 2, 3]), 1_000));
    let started = x.step(&machine, crate::exec::Input::Start, 1_000, 1);
    assert_eq!(child_starts(&started).len(), 1);
    let arn = match &started.map_runs[0] {
        MapRunEvent::Started(s) => s.arn.to_string(),
        other => panic!("{other:?}"),
    };
    let update = |arn: &str| crate::exec::Input::UpdateMapRun {
        map_run_arn: arn.to_string(),
        max_concurrency: Some(3),
        tolerated_failure_count: None,
        tolerated_failure_percentage: None,
    };
    let unknown = x.step(&machine, update("arn:aws:states:local:000000000000:mapRun:m/x:y"), 2_000, 2);
    assert!(unknown.map_runs.is_empty() && unknown.children.is_empty());
    let widened = x.step(&machine, update(&arn), 2_000, 3);
    assert!(matches!(&widened.map_runs[0], MapRunEvent::Updated { max_concurrency: Some(3), .. }));
    assert_eq!(child_starts(&widened).len(), 2);
    assert!(widened.events.is_empty(), "the parent's history is unchanged: {:?}", widened.events);
}

#[test]
fn a_lowered_tolerance_fails_the_run_at_once() {
    let def = distributed(
        json!({"MaxConcurrency": 1, "ToleratedFailureCount": 1}),
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "wasm:f", "End": true}}}),
    );
    let machine = crate::parse(&def, &ValidateOptions::default()).expect("valid definition");
    let mut x = crate::exec::Execution::new(simulate::local_info("m", "e", json!([1, 2, 3]), 1_000));
    let task_of = |step: &crate::exec::Step| {
        step.work.iter().find_map(|w| match w {
            crate::exec::Work::RunTask(t) => Some(t.id),
            _ => None,
        })
    };
    let started = x.step(&machine, crate::exec::Input::Start, 1_000, 1);
    let run_arn = match &started.map_runs[0] {
        MapRunEvent::Started(s) => s.arn.to_string(),
        other => panic!("{other:?}"),
    };
    let first = task_of(&started).expect("the first item's task");
    let failed = x.step(&machine, crate::exec::Input::TaskFailed { id: first, error: Some("X".into()), cause: None }, 1_100, 2);
    assert_eq!(x.status(), &Status::Running, "one failure is tolerated");
    assert!(task_of(&failed).is_some(), "the second item runs");
    let update = crate::exec::Input::UpdateMapRun {
        map_run_arn: run_arn,
        max_concurrency: None,
        tolerated_failure_count: Some(0),
        tolerated_failure_percentage: None,
    };
    let lowered = x.step(&machine, update, 1_200, 3);
    assert!(
        matches!(x.status(), Status::Failed(f) if f.error.as_deref() == Some("States.ExceedToleratedFailureThreshold")),
        "{:?}",
        x.status()
    );
    let parent: Vec<&str> = lowered.events.iter().map(|e| e.event_type).collect();
    assert_eq!(parent, ["MapRunFailed", "MapStateFailed", "ExecutionFailed"]);
    let child: Vec<&str> = lowered.children.iter().map(|c| c.event.event_type).collect();
    assert_eq!(child, ["TaskStateAborted", "ExecutionAborted"], "the running second item is aborted");
}

#[test]
fn stopping_a_child_aborts_it_and_its_run_counts_the_failure() {
    let def = distributed(
        json!({"ToleratedFailureCount": 1}),
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}),
    );
    let machine = crate::parse(&def, &ValidateOptions::default()).expect("valid definition");
    let mut x = crate::exec::Execution::new(simulate::local_info("m", "e", json!([1, 2]), 1_000));
    let started = x.step(&machine, crate::exec::Input::Start, 1_000, 1);
    let children = child_starts(&started);
    assert_eq!(children.len(), 2);
    let stop = |arn: &str| crate::exec::Input::StopChild { execution_arn: arn.to_string(), error: Some("Halt".into()), cause: Some("by hand".into()) };
    let stopped = x.step(&machine, stop(&children[0]), 2_000, 2);
    let child: Vec<(&str, &str)> = stopped.children.iter().map(|c| (&*c.execution_arn, c.event.event_type)).collect();
    assert_eq!(child, [(children[0].as_str(), "WaitStateAborted"), (children[0].as_str(), "ExecutionAborted")]);
    assert_eq!(stopped.children[1].event.to_json()["executionAbortedEventDetails"], json!({"error": "Halt", "cause": "by hand"}));
    assert!(stopped.events.is_empty());
    assert_eq!(x.status(), &Status::Running, "one failure is tolerated");
    // Stopping it again, or the other child twice, changes no more than once.
    assert!(x.step(&machine, stop(&children[0]), 2_100, 3).children.is_empty());
    let second = x.step(&machine, stop(&children[1]), 2_200, 4);
    assert!(matches!(x.status(), Status::Failed(f) if f.error.as_deref() == Some("States.ExceedToleratedFailureThreshold")));
    assert_eq!(second.events.iter().map(|e| e.event_type).collect::<Vec<_>>(), ["MapRunFailed", "MapStateFailed", "ExecutionFailed"]);
}

#[test]
fn a_child_sees_itself_in_the_context_object() {
    let def = distributed(
        json!({"Label": "L", "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"}}),
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true, "Parameters": {
            "id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name", "input.$": "$$.Execution.Input",
            "machine.$": "$$.StateMachine.Id", "machineName.$": "$$.StateMachine.Name"}}}}),
    );
    let f = run(def, json!(["a"]), |_| TaskAnswer::Success(json!(null)));
    let Status::Succeeded(Value::Array(out)) = &f.status else { panic!("{:?}", f.status) };
    let started = f.map_runs.iter().find_map(|m| match m {
        MapRunEvent::ChildStarted(c) => Some(c.clone()),
        _ => None,
    });
    let c = started.expect("a child started");
    assert_eq!(
        out[0],
        json!({
            "id": &*c.execution_arn,
            "name": c.name,
            "input": {"index": 0, "value": "a"},
            "machine": "arn:aws:states:local:000000000000:stateMachine:m/L",
            "machineName": "m/L",
        })
    );
}

#[test]
fn item_selector_shapes_each_item_before_the_items_are_batched() {
    let def = distributed(
        json!({"ItemBatcher": {"MaxItemsPerBatch": 2}, "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"}}),
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    );
    let f = run(def, json!(["a", "b", "c"]), |_| TaskAnswer::Success(json!(null)));
    let inputs: Vec<Value> = f
        .map_runs
        .iter()
        .filter_map(|m| match m {
            MapRunEvent::ChildStarted(c) => serde_json::from_str(&c.input).ok(),
            _ => None,
        })
        .collect();
    assert_eq!(
        inputs,
        [json!({"Items": [{"i": 0, "v": "a"}, {"i": 1, "v": "b"}]}), json!({"Items": [{"i": 2, "v": "c"}]})]
    );
    assert!(matches!(&f.map_runs[0], MapRunEvent::Started(s) if (s.item_count, s.execution_count) == (3, 2)));
}

#[test]
fn without_max_concurrency_a_run_starts_at_most_ten_thousand_children_at_once() {
    let def = distributed(json!({}), json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}));
    let machine = crate::parse(&def, &ValidateOptions::default()).expect("valid definition");
    let items: Vec<u32> = (0..10_001).collect();
    let mut x = crate::exec::Execution::new(simulate::local_info("m", "e", json!(items), 1_000));
    let started = x.step(&machine, crate::exec::Input::Start, 1_000, 1);
    assert_eq!(child_starts(&started).len(), 10_000);
    assert!(matches!(&started.map_runs[0], MapRunEvent::Started(s) if s.max_concurrency == 0 && s.execution_count == 10_001));
}
