//! Stepper tests: each runs a small definition on the virtual clock with scripted task answers
//! and checks the outcome and the history.

use std::collections::VecDeque;

use serde_json::{json, Value};

use super::{Execution, Input, Status, Work};
use crate::simulate::{self, TaskAnswer};
use crate::ValidateOptions;

const T0: i64 = 1_000_000;

struct Trace {
    status: Status,
    /// (event type, timestamp relative to the start)
    events: Vec<(String, i64)>,
    tasks: Vec<Value>,
}

fn run(def: Value, input: Value, answers: Vec<TaskAnswer>) -> Trace {
    run_seeded(def, input, answers, 7)
}

fn run_seeded(def: Value, input: Value, answers: Vec<TaskAnswer>, seed: u64) -> Trace {
    let machine = crate::parse(&def, &ValidateOptions::default()).unwrap_or_else(|d| panic!("invalid test definition: {d:?}"));
    let mut answers: VecDeque<TaskAnswer> = answers.into();
    let mut tasks = Vec::new();
    let info = simulate::local_info("m", "e", input, T0);
    let f = simulate::run(&machine, info, seed, 100_000, |t| {
        tasks.push((*t.input).clone());
        answers.pop_front().unwrap_or(TaskAnswer::Failure { error: "NoAnswer".into(), cause: "script ran out".into() })
    });
    Trace { status: f.status, events: f.events.iter().map(|e| (e.event_type.to_string(), e.timestamp_ms - T0)).collect(), tasks }
}

fn ok(v: Value) -> TaskAnswer {
    TaskAnswer::Success(v)
}

fn err(e: &str) -> TaskAnswer {
    TaskAnswer::Failure { error: e.into(), cause: format!("{e} happened") }
}

fn times_of(t: &Trace, ty: &str) -> Vec<i64> {
    t.events.iter().filter(|(e, _)| e == ty).map(|(_, at)| *at).collect()
}

fn task(extra: Value) -> Value {
    let mut t = json!({"Type": "Task", "Resource": "wasm:f", "End": true});
    if let (Value::Object(m), Value::Object(x)) = (&mut t, extra) {
        m.extend(x);
    }
    t
}

#[test]
fn task_result_flows_through_selector_and_result_path() {
    let def = json!({"StartAt": "T", "States": {"T": task(json!({
        "Parameters": {"n.$": "$.n"},
        "ResultSelector": {"doubled.$": "$.v"},
        "ResultPath": "$.out"
    }))}});
    let t = run(def, json!({"n": 2}), vec![ok(json!({"v": 4}))]);
    assert_eq!(t.tasks, vec![json!({"n": 2})]);
    assert_eq!(t.status, Status::Succeeded(json!({"n": 2, "out": {"doubled": 4}})));
    let types: Vec<&str> = t.events.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        types,
        ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]
    );
}

#[test]
fn retry_waits_interval_times_backoff_and_gives_up_after_max_attempts() {
    let def = json!({"StartAt": "T", "States": {"T": task(json!({
        "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "BackoffRate": 3.0, "MaxAttempts": 2}]
    }))}});
    let t = run(def, json!({}), vec![err("Flaky"), err("Flaky"), err("Flaky")]);
    assert_eq!(times_of(&t, "TaskScheduled"), vec![0, 2_000, 8_000]);
    assert_eq!(t.status, Status::Failed(crate::error::Failure::new("Flaky", "Flaky happened")));
}

#[test]
fn retry_delay_is_capped_by_max_delay_seconds() {
    let def = json!({"StartAt": "T", "States": {"T": task(json!({
        "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "BackoffRate": 10.0, "MaxAttempts": 3, "MaxDelaySeconds": 15}]
    }))}});
    let t = run(def, json!({}), vec![err("A"), err("A"), err("A"), ok(json!(1))]);
    assert_eq!(times_of(&t, "TaskScheduled"), vec![0, 10_000, 25_000, 40_000]);
    assert_eq!(t.status, Status::Succeeded(json!(1)));
}

#[test]
fn full_jitter_is_random_within_the_backoff_and_reproducible_by_seed() {
    let def = || {
        json!({"StartAt": "T", "States": {"T": task(json!({
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 100, "MaxAttempts": 1, "JitterStrategy": "FULL"}]
        }))}})
    };
    let delay = |seed| {
        let t = run_seeded(def(), json!({}), vec![err("A"), ok(json!(1))], seed);
        times_of(&t, "TaskScheduled")[1]
    };
    let (a, b, c) = (delay(1), delay(1), delay(2));
    assert_eq!(a, b, "the same seed gives the same jitter");
    assert_ne!(a, c, "another seed gives another jitter");
    for d in [a, c] {
        assert!((0..=100_000).contains(&d), "jittered delay {d} is outside [0, 100 s]");
    }
}

#[test]
fn each_retrier_counts_its_own_attempts() {
    let def = json!({"StartAt": "T", "States": {"T": task(json!({
        "Retry": [
            {"ErrorEquals": ["A"], "IntervalSeconds": 1, "MaxAttempts": 1},
            {"ErrorEquals": ["B"], "IntervalSeconds": 1, "MaxAttempts": 1}
        ]
    }))}});
    let t = run(def, json!({}), vec![err("A"), err("B"), err("A")]);
    assert_eq!(times_of(&t, "TaskScheduled").len(), 3);
    assert_eq!(t.status, Status::Failed(crate::error::Failure::new("A", "A happened")));
}

#[test]
fn catch_applies_result_path_to_the_state_input_and_moves_on() {
    let def = json!({"StartAt": "T", "States": {
        "T": task(json!({"End": null, "Next": "Done", "Catch": [{"ErrorEquals": ["Bad"], "ResultPath": "$.error", "Next": "Handler"}]})),
        "Handler": {"Type": "Pass", "End": true},
        "Done": {"Type": "Succeed"}
    }});
    let mut def = def;
    def["States"]["T"].as_object_mut().map(|m| m.remove("End"));
    let t = run(def, json!({"x": 1}), vec![err("Bad")]);
    assert_eq!(t.status, Status::Succeeded(json!({"x": 1, "error": {"Error": "Bad", "Cause": "Bad happened"}})));
    assert!(t.events.iter().any(|(e, _)| e == "TaskStateExited"));
}

#[test]
fn states_all_does_not_catch_runtime_errors() {
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "wasm:f", "InputPath": "$.missing", "Next": "Done",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}]},
        "Done": {"Type": "Succeed"}
    }});
    let t = run(def, json!({}), vec![]);
    match t.status {
        Status::Failed(f) => assert_eq!(f.error.as_deref(), Some("States.Runtime")),
        other => panic!("expected a States.Runtime failure, got {other:?}"),
    }
}

#[test]
fn task_failed_matches_task_errors_but_not_timeouts() {
    let f = crate::error::Failure::new("Custom", "");
    assert!(f.matches(&["States.TaskFailed".into()]));
    let timeout = crate::error::Failure::new("States.Timeout", "");
    assert!(!timeout.matches(&["States.TaskFailed".into()]));
    assert!(timeout.matches(&["States.ALL".into()]));
}

#[test]
fn task_timeout_fires_states_timeout_and_ignores_the_late_result() {
    let m = crate::parse(
        &json!({"StartAt": "T", "States": {"T": task(json!({"TimeoutSeconds": 5}))}}),
        &ValidateOptions::default(),
    )
    .expect("valid");
    let mut ex = Execution::new(simulate::local_info("m", "e", json!({}), T0));
    let step = ex.step(&m, Input::Start, T0, 1);
    let task_id = step.work.iter().find_map(|w| if let Work::RunTask(t) = w { Some(t.id) } else { None }).expect("a task");
    let timer = step.work.iter().find_map(|w| if let Work::StartTimer { id, fire_at_ms, .. } = w { Some((*id, *fire_at_ms)) } else { None });
    let (timer_id, at) = timer.expect("a timeout timer");
    assert_eq!(at, T0 + 5_000);
    let step = ex.step(&m, Input::TimerFired { id: timer_id }, at, 2);
    assert!(step.work.contains(&Work::Cancel { id: task_id }), "the task is cancelled");
    assert!(matches!(ex.status(), Status::Failed(f) if f.error.as_deref() == Some("States.Timeout")));
    let late = ex.step(&m, Input::TaskSucceeded { id: task_id, output: json!(1), logs: None }, at + 1, 3);
    assert!(late.events.is_empty() && late.work.is_empty());
}

#[test]
fn heartbeats_keep_a_task_alive_and_silence_times_it_out() {
    let m = crate::parse(
        &json!({"StartAt": "T", "States": {"T": task(json!({"TimeoutSeconds": 100, "HeartbeatSeconds": 10}))}}),
        &ValidateOptions::default(),
    )
    .expect("valid");
    let mut ex = Execution::new(simulate::local_info("m", "e", json!({}), T0));
    let step = ex.step(&m, Input::Start, T0, 1);
    let task_id = step.work.iter().find_map(|w| if let Work::RunTask(t) = w { Some(t.id) } else { None }).expect("a task");
    let step = ex.step(&m, Input::TaskHeartbeat { id: task_id }, T0 + 8_000, 2);
    let (hb, at) = step
        .work
        .iter()
        .find_map(|w| if let Work::StartTimer { id, fire_at_ms, .. } = w { Some((*id, *fire_at_ms)) } else { None })
        .expect("a new heartbeat timer");
    assert_eq!(at, T0 + 18_000);
    ex.step(&m, Input::TimerFired { id: hb }, at, 3);
    assert!(matches!(ex.status(), Status::Failed(f) if f.error.as_deref() == Some("States.HeartbeatTimeout")));
}

#[test]
fn waits_and_retries_are_delays_and_timeouts_are_not() {
    let delays = |def: Value, answers: Vec<Input>| -> Vec<bool> {
        let m = crate::parse(&def, &ValidateOptions::default()).expect("valid");
        let mut ex = Execution::new(simulate::local_info("m", "e", json!({}), T0));
        let mut out = Vec::new();
        let mut step = ex.step(&m, Input::Start, T0, 1);
        let mut answers = answers.into_iter();
        loop {
            out.extend(step.work.iter().filter_map(|w| if let Work::StartTimer { delay, .. } = w { Some(*delay) } else { None }));
            let Some(task) = step.work.iter().find_map(|w| if let Work::RunTask(t) = w { Some(t.id) } else { None }) else { break };
            let Some(answer) = answers.next() else { break };
            let answer = match answer {
                Input::TaskFailed { error, cause, .. } => Input::TaskFailed { id: task, error, cause },
                other => other,
            };
            step = ex.step(&m, answer, T0 + 1, 2);
        }
        out
    };
    let wait = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "End": true}}});
    assert_eq!(delays(wait, vec![]), [true]);
    let retried = json!({"StartAt": "T", "States": {"T": task(json!({"TimeoutSeconds": 9, "HeartbeatSeconds": 3,
        "Retry": [{"ErrorEquals": ["X"], "MaxAttempts": 1}]}))}});
    let failed = Input::TaskFailed { id: 0, error: Some("X".into()), cause: None };
    // The task's timeout and heartbeat timers, then the retry's back-off.
    assert_eq!(delays(retried, vec![failed]), [false, false, true]);
}

#[test]
fn an_integration_answer_is_recorded_once_when_the_task_is_issued_again() {
    let m = crate::parse(&json!({"StartAt": "T", "States": {"T": task(json!({}))}}), &ValidateOptions::default()).expect("valid");
    let mut ex = Execution::new(simulate::local_info("m", "e", json!({}), T0));
    let step = ex.step(&m, Input::Start, T0, 1);
    let id = step.work.iter().find_map(|w| if let Work::RunTask(t) = w { Some(t.id) } else { None }).expect("a task");
    ex.step(&m, Input::TaskStarted { id, worker: None }, T0, 2);
    let first = ex.step(&m, Input::TaskSubmitted { id, output: json!({"ExecutionArn": "a"}) }, T0 + 1, 3);
    assert_eq!(first.events.iter().map(|e| e.event_type).collect::<Vec<_>>(), ["TaskSubmitted"]);
    // After a restart the integration answers again (it finds the job it started): no second event.
    let again = ex.step(&m, Input::TaskSubmitted { id, output: json!({"ExecutionArn": "a"}) }, T0 + 2, 4);
    assert!(again.events.is_empty(), "{:?}", again.events);
    ex.step(&m, Input::TaskSucceeded { id, output: json!(1), logs: None }, T0 + 3, 5);
    assert_eq!(*ex.status(), Status::Succeeded(json!(1)));
}

#[test]
fn wait_for_task_token_exposes_the_token_to_parameters() {
    let def = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "wasm:f.waitForTaskToken",
        "Parameters": {"token.$": "$$.Task.Token"}, "End": true}}});
    let t = run(def, json!({}), vec![ok(json!("done"))]);
    let token = t.tasks[0]["token"].as_str().expect("a token string");
    assert_eq!(token.len(), 36);
    assert_eq!(t.status, Status::Succeeded(json!("done")));
}

#[test]
fn map_runs_items_within_max_concurrency_and_keeps_order() {
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 2, "End": true,
        "ItemProcessor": {"StartAt": "T", "States": {"T": task(json!({}))}}}}});
    let answers = (1..=5).map(|i| ok(json!(i * 10))).collect();
    let t = run(def, json!([1, 2, 3, 4, 5]), answers);
    assert_eq!(t.status, Status::Succeeded(json!([10, 20, 30, 40, 50])));
    assert_eq!(times_of(&t, "MapIterationStarted").len(), 5);
}

#[test]
fn map_tolerates_failures_up_to_the_count() {
    let def = |count: u64| {
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "ToleratedFailureCount": count, "End": true,
            "ItemProcessor": {"StartAt": "T", "States": {"T": task(json!({}))}}}}})
    };
    let tolerated = run(def(1), json!([1, 2, 3]), vec![ok(json!(1)), err("X"), ok(json!(3))]);
    assert_eq!(tolerated.status, Status::Succeeded(json!([1, {"Error": "X", "Cause": "X happened"}, 3])));
    let exceeded = run(def(0), json!([1, 2, 3]), vec![ok(json!(1)), err("X"), ok(json!(3))]);
    assert!(matches!(exceeded.status, Status::Failed(f) if f.error.as_deref() == Some("States.ExceedToleratedFailureThreshold")));
}

#[test]
fn a_failing_parallel_branch_aborts_the_others_and_propagates_its_error() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}},
        {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "branch 2"}}}
    ]}}});
    let t = run(def, json!({}), vec![]);
    assert_eq!(t.status, Status::Failed(crate::error::Failure::new("Boom", "branch 2")));
    assert!(t.events.iter().any(|(e, _)| e == "WaitStateAborted"));
    assert!(t.events.iter().any(|(e, _)| e == "ParallelStateFailed"));
}

#[test]
fn execution_timeout_ends_the_run_as_timed_out() {
    let def = json!({"TimeoutSeconds": 5, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}});
    let t = run(def, json!({}), vec![]);
    assert_eq!(t.status, Status::TimedOut);
    assert_eq!(times_of(&t, "ExecutionTimedOut"), vec![5_000]);
}

#[test]
fn stop_aborts_a_waiting_execution() {
    let m = crate::parse(
        &json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}),
        &ValidateOptions::default(),
    )
    .expect("valid");
    let mut ex = Execution::new(simulate::local_info("m", "e", json!({}), T0));
    ex.step(&m, Input::Start, T0, 1);
    let step = ex.step(&m, Input::Stop { error: Some("Manual".into()), cause: None }, T0 + 1, 2);
    assert!(step.work.iter().any(|w| matches!(w, Work::Cancel { .. })));
    assert!(matches!(ex.status(), Status::Aborted(f) if f.error.as_deref() == Some("Manual")));
}

#[test]
fn variables_are_read_by_inner_scopes_and_catch_assign_replaces_state_assign() {
    let def = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Assign": {"x": 41}, "Next": "M"},
        "M": {"Type": "Map", "Items": [1], "QueryLanguage": "JSONPath", "ItemsPath": "$.items", "Next": "T",
              "ItemProcessor": {"StartAt": "In", "States": {"In": {"Type": "Pass", "Parameters": {"seen.$": "$x"}, "End": true}}}},
        "T": task(json!({"End": null, "Assign": {"y": "state"}, "Next": "Out",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Out", "Assign": {"y": "catcher"}}]})),
        "Out": {"Type": "Pass", "Parameters": {"x.$": "$x", "y.$": "$y"}, "End": true}
    }});
    let mut def = def;
    def["States"]["M"].as_object_mut().map(|m| m.remove("Items"));
    def["States"]["T"].as_object_mut().map(|m| m.remove("End"));
    let t = run(def, json!({"items": [1]}), vec![err("E")]);
    assert_eq!(t.status, Status::Succeeded(json!({"x": 41, "y": "catcher"})));
}

#[test]
fn a_pass_result_over_the_payload_limit_fails_with_data_limit_exceeded() {
    let big = "a".repeat(300_000);
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"s": big}, "End": true}}});
    let t = run(def, json!({}), vec![]);
    assert!(matches!(t.status, Status::Failed(f) if f.error.as_deref() == Some("States.DataLimitExceeded")));
}

#[test]
fn a_task_result_over_the_payload_limit_fails_the_task_state_by_its_written_size() {
    // 256 KiB of text as the history writes it: a quote is written as two bytes there, so a
    // string of 140,000 quotes is over the limit although it holds fewer bytes than that.
    let limit = 256 * 1024;
    let def = json!({"StartAt": "T", "States": {"T": task(json!({}))}});
    let quotes = json!({"s": "\"".repeat(140_000)});
    let t = run(def.clone(), json!({}), vec![ok(quotes)]);
    match &t.status {
        Status::Failed(f) => {
            assert_eq!(f.error.as_deref(), Some("States.DataLimitExceeded"));
            assert!(f.cause.as_deref().is_some_and(|c| c.contains("'T'")), "{f:?}");
        }
        other => panic!("{other:?}"),
    }
    // Exactly at the limit is allowed: {"s":"aaa…"} is 8 bytes around the string.
    let at_limit = json!({"s": "a".repeat(limit - 8)});
    assert_eq!(crate::error::compact(&at_limit).len(), limit);
    let t = run(def.clone(), json!({}), vec![ok(at_limit.clone())]);
    assert_eq!(t.status, Status::Succeeded(at_limit));
    let over = json!({"s": "a".repeat(limit - 7)});
    let t = run(def, json!({}), vec![ok(over)]);
    assert!(matches!(&t.status, Status::Failed(f) if f.error.as_deref() == Some("States.DataLimitExceeded")), "{:?}", t.status);
}

#[test]
fn distributed_map_iterations_cannot_read_outer_variables() {
    let def = |mode: &str| {
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"},
            "M": {"Type": "Map", "End": true, "ItemProcessor": {"ProcessorConfig": {"Mode": mode, "ExecutionType": "STANDARD"},
                "StartAt": "In", "States": {"In": {"Type": "Pass", "Parameters": {"x.$": "$x"}, "End": true}}}}
        }})
    };
    let inline = run(def("INLINE"), json!([0]), vec![]);
    assert_eq!(inline.status, Status::Succeeded(json!([{"x": 1}])));
    // The child fails (States.Runtime in its own history); its map run tolerates no failure.
    let distributed = run(def("DISTRIBUTED"), json!([0]), vec![]);
    assert!(matches!(distributed.status, Status::Failed(f) if f.error.as_deref() == Some("States.ExceedToleratedFailureThreshold")));
}

#[test]
fn sibling_branches_do_not_see_each_others_variables_and_nothing_leaks_outward() {
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Next": "After", "Branches": [
            {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Assign": {"inner": "b1"}, "Next": "B1b"},
                                          "B1b": {"Type": "Pass", "Parameters": {"mine.$": "$inner"}, "End": true}}},
            {"StartAt": "B2", "States": {"B2": {"Type": "Wait", "Seconds": 1, "Next": "B2b"},
                                          "B2b": {"Type": "Pass", "Parameters": {"sibling.$": "$inner"}, "End": true}}}
        ]},
        "After": {"Type": "Pass", "End": true}
    }});
    let t = run(def, json!({}), vec![]);
    assert!(
        matches!(&t.status, Status::Failed(f) if f.error.as_deref() == Some("States.Runtime")),
        "branch 2 must not read branch 1's variable: {:?}",
        t.status
    );
    let outward = json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Next": "After", "Branches": [
            {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Assign": {"inner": "b1"}, "End": true}}}
        ]},
        "After": {"Type": "Pass", "Parameters": {"leaked.$": "$inner"}, "End": true}
    }});
    let t = run(outward, json!({}), vec![]);
    assert!(matches!(&t.status, Status::Failed(f) if f.error.as_deref() == Some("States.Runtime")), "{:?}", t.status);
}

#[test]
fn variable_size_limits_fail_with_data_limit_exceeded() {
    let big = "v".repeat(200_000);
    let one_too_big = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"x": "v".repeat(300_000)}, "End": true}}});
    let t = run(one_too_big, json!({}), vec![]);
    assert!(matches!(&t.status, Status::Failed(f) if f.error.as_deref() == Some("States.DataLimitExceeded")), "{:?}", t.status);
    let block_too_big = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"x": big, "y": big}, "End": true}}});
    let t = run(block_too_big, json!({}), vec![]);
    assert!(matches!(&t.status, Status::Failed(f) if f.error.as_deref() == Some("States.DataLimitExceeded")), "{:?}", t.status);
    // 60 distinct variables of 200 KB each exceed the 10 MiB total; re-assigning one name does not.
    let mut states = serde_json::Map::new();
    for i in 0..60 {
        let next = if i == 59 { json!({"End": true}) } else { json!({"Next": format!("S{}", i + 1)}) };
        let mut st = json!({"Type": "Pass", "Assign": {format!("v{i}"): big}});
        st.as_object_mut().expect("object").extend(next.as_object().expect("object").clone());
        states.insert(format!("S{i}"), st);
    }
    let t = run(json!({"StartAt": "S0", "States": states}), json!({}), vec![]);
    assert!(matches!(&t.status, Status::Failed(f) if f.error.as_deref() == Some("States.DataLimitExceeded")), "{:?}", t.status);
    let mut same = serde_json::Map::new();
    for i in 0..60 {
        let next = if i == 59 { json!({"End": true}) } else { json!({"Next": format!("S{}", i + 1)}) };
        let mut st = json!({"Type": "Pass", "Result": 1, "Assign": {"v": big}});
        st.as_object_mut().expect("object").extend(next.as_object().expect("object").clone());
        same.insert(format!("S{i}"), st);
    }
    let t = run(json!({"StartAt": "S0", "States": same}), json!({}), vec![]);
    assert_eq!(t.status, Status::Succeeded(json!(1)));
}

/// ResultPath writes into the run's data in place; when the state fails after that write
/// (here its OutputPath finds nothing), Catch and Retry must still see the state's input as it was.
#[test]
fn a_failure_after_result_path_leaves_the_state_input_as_it_was() {
    let catching = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "wasm:f", "ResultPath": "$.out", "OutputPath": "$.nowhere", "Next": "Done",
              "Catch": [{"ErrorEquals": ["States.Runtime"], "ResultPath": "$.err", "Next": "Done"}]},
        "Done": {"Type": "Pass", "End": true}
    }});
    for input in [json!({"n": 2}), json!({"out": "old", "n": 2}), json!({"a": {"b": 1}, "out": {"x": [1]}, "z": null})] {
        let t = run(catching.clone(), input.clone(), vec![ok(json!({"v": 4}))]);
        let Status::Succeeded(out) = &t.status else { panic!("expected success, got {:?}", t.status) };
        let mut expected = input.clone();
        expected.as_object_mut().expect("object input").insert("err".into(), out["err"].clone());
        assert_eq!(crate::error::compact(out), crate::error::compact(&expected), "input {input}");
        assert_eq!(out["err"]["Error"], json!("States.Runtime"));
    }

    let retrying = json!({"StartAt": "T", "States": {"T": task(json!({
        "ResultPath": "$.out.deep",
        "OutputPath": "$.nowhere",
        "Retry": [{"ErrorEquals": ["States.Runtime"], "IntervalSeconds": 1, "MaxAttempts": 1}]
    }))}});
    let t = run(retrying, json!({"k": 1}), vec![ok(json!(1)), ok(json!(2))]);
    assert_eq!(t.tasks, vec![json!({"k": 1}), json!({"k": 1})]);
    assert!(matches!(t.status, Status::Failed(ref f) if f.error.as_deref() == Some("States.Runtime")), "{:?}", t.status);
}

/// A stored definition may hold a ResultPath into a variable or the context object (refused at
/// admission now): such a state fails with States.ResultPathMatchFailure instead of replacing
/// its data (`$var`) or writing the context's name into it (`$$.x`).
#[test]
fn a_result_path_outside_the_state_data_fails_the_state() {
    let stored = ValidateOptions { stored: true, ..Default::default() };
    for path in ["$var", "$$.Execution.x"] {
        let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 9, "ResultPath": path, "End": true}}});
        let machine = crate::parse(&def, &stored).unwrap_or_else(|d| panic!("{path}: {d:?}"));
        let info = simulate::local_info("m", "e", json!({"a": 1}), T0);
        let f = simulate::run(&machine, info, 7, 1_000, |_| unreachable!("no task"));
        match f.status {
            Status::Failed(ref failure) => {
                assert_eq!(failure.error.as_deref(), Some("States.ResultPathMatchFailure"), "{path}");
                assert_eq!(failure.cause.as_deref(), Some(format!("An error occurred while executing the state 'P' (entered at the event id #2). Unable to apply ResultPath '{path}' to input '{{\"a\":1}}'").as_str()), "{path}");
            }
            ref other => panic!("{path}: {other:?}"),
        }
    }
}

/// A state whose output replaces its data and then turns out too large fails as if it had never
/// written anything: the Catch sees the state's input as it was.
#[test]
fn a_catch_after_an_output_over_the_limit_sees_the_input_unchanged() {
    let s = "x".repeat(200_000);
    let input = json!({"s": s, "keep": 1});
    let catch = json!([{"ErrorEquals": ["States.DataLimitExceeded"], "ResultPath": "$.error", "Next": "Done"}]);
    let big = task(json!({"ResultSelector": {"a.$": "$$.Execution.Input.s", "b.$": "$$.Execution.Input.s"}, "Catch": catch}));
    let def = json!({"StartAt": "Big", "States": {
        "Big": big,
        "Done": {"Type": "Pass", "Parameters": {"keep.$": "$.keep", "s.$": "$.s", "error.$": "$.error.Error"}, "End": true}
    }});
    let t = run(def, input.clone(), vec![ok(json!({}))]);
    assert_eq!(t.status, Status::Succeeded(json!({"keep": 1, "s": s, "error": "States.DataLimitExceeded"})));

    let catch = json!([{"ErrorEquals": ["States.DataLimitExceeded"], "Output": "{% $states.input.keep %}", "Next": "Done"}]);
    let big = task(json!({"Output": {"a": "{% $states.input.s %}", "b": "{% $states.input.s %}"}, "Catch": catch}));
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "Big", "States": {"Big": big, "Done": {"Type": "Pass", "End": true}}});
    let t = run(def, input, vec![ok(json!({}))]);
    assert_eq!(t.status, Status::Succeeded(json!(1)));
}

/// A Lambda function ARN writes `LambdaFunction*` events and an activity ARN `Activity*`
/// events (with the worker's name), as AWS does; other resources write `Task*` events.
#[test]
fn lambda_and_activity_resources_write_their_own_events() {
    let run = |resource: &str, answer: Input| {
        let def = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "TimeoutSeconds": 30, "End": true}}});
        let m = crate::parse(&def, &ValidateOptions::default()).expect("valid");
        let mut ex = Execution::new(simulate::local_info("m", "e", json!({"a": 1}), T0));
        let first = ex.step(&m, Input::Start, T0, 1);
        let id = match &first.work[0] {
            Work::RunTask(t) => t.id,
            other => panic!("{other:?}"),
        };
        let mut events: Vec<Value> = first.events.iter().map(|e| e.to_json()).collect();
        let started = ex.step(&m, Input::TaskStarted { id, worker: Some("worker-7".into()) }, T0 + 1, 2);
        events.extend(started.events.iter().map(|e| e.to_json()));
        let answer = match answer {
            Input::TaskSucceeded { output, logs, .. } => Input::TaskSucceeded { id, output, logs },
            Input::TaskFailed { error, cause, .. } => Input::TaskFailed { id, error, cause },
            other => other,
        };
        events.extend(ex.step(&m, answer, T0 + 2, 3).events.iter().map(|e| e.to_json()));
        events
    };
    let ok = || Input::TaskSucceeded { id: 0, output: json!({"r": 1}), logs: None };
    let lambda = run("arn:aws:lambda:us-east-1:123456789012:function:f", ok());
    let types: Vec<&str> = lambda.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"]);
    assert_eq!(
        lambda[2]["lambdaFunctionScheduledEventDetails"],
        json!({"resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "input": "{\"a\":1}", "inputDetails": {"truncated": false}, "timeoutInSeconds": 30})
    );
    assert!(lambda[3].get("lambdaFunctionStartedEventDetails").is_none());
    assert_eq!(lambda[4]["lambdaFunctionSucceededEventDetails"], json!({"output": "{\"r\":1}", "outputDetails": {"truncated": false}}));

    let activity = "arn:aws:states:us-east-1:123456789012:activity:approve";
    let a = run(activity, Input::TaskFailed { id: 0, error: Some("No".into()), cause: Some("denied".into()) });
    let types: Vec<&str> = a.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivityFailed", "ExecutionFailed"]);
    assert_eq!(a[2]["activityScheduledEventDetails"]["resource"], json!(activity));
    assert_eq!(a[3]["activityStartedEventDetails"], json!({"workerName": "worker-7"}));
    assert_eq!(a[4]["activityFailedEventDetails"], json!({"error": "No", "cause": "denied"}));

    let wasm = run("wasm:f", ok());
    let types: Vec<&str> = wasm.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types[2..5], ["TaskScheduled", "TaskStarted", "TaskSucceeded"]);
}

/// A loop of states that never wait: Pass and Choice only (state names end with `suffix`).
fn endless_loop(suffix: &str) -> Value {
    let (a, c, d) = (format!("A{suffix}"), format!("C{suffix}"), format!("D{suffix}"));
    json!({"StartAt": a, "States": {
        a.clone(): {"Type": "Pass", "Next": c},
        c.clone(): {"Type": "Choice", "Choices": [{"Variable": "$", "IsPresent": true, "Next": a}], "Default": d},
        d: {"Type": "Succeed"}
    }})
}

/// AWS's limit on the events of one execution's history.
const AWS_HISTORY_LIMIT: u64 = 25_000;

fn history_limit_failure() -> Status {
    Status::Failed(crate::error::Failure::new(
        "States.Runtime",
        "The execution reached the maximum number of history events (25000).",
    ))
}

/// `f()`, or a failure when it has not returned within 30 seconds (a step that never returns).
fn within_30s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(30)).expect("the step did not return within 30 seconds")
}

#[test]
fn a_loop_that_never_waits_fails_at_the_history_limit_within_one_step() {
    let machine = crate::parse(&endless_loop(""), &ValidateOptions::default()).expect("valid");
    let (x, step) = within_30s(move || {
        let mut x = Execution::new(simulate::local_info("m", "e", json!({}), T0));
        let step = x.step(&machine, Input::Start, T0, 1);
        (x, step)
    });
    assert_eq!(*x.status(), history_limit_failure());
    let last = step.events.last().expect("events");
    assert_eq!(last.event_type, "ExecutionFailed");
    // The state entered last may still write its exit past the limit.
    assert!((AWS_HISTORY_LIMIT + 1..=AWS_HISTORY_LIMIT + 2).contains(&last.id), "{}", last.id);
    assert!(step.work.is_empty(), "{:?}", step.work);
}

#[test]
fn loops_in_map_iterations_and_branches_stop_at_the_history_limit_too() {
    for def in [
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, "ItemsPath": "$.items",
            "ItemProcessor": endless_loop("")}}}),
        json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
            "Branches": [endless_loop("1"), endless_loop("2")]}}}),
    ] {
        let t = within_30s(move || run(def, json!({"items": [1, 2, 3]}), vec![]));
        assert_eq!(t.status, history_limit_failure());
        assert_eq!(t.events.last().map(|(e, _)| e.as_str()), Some("ExecutionFailed"));
        let failed = t.events.iter().filter(|(e, _)| e == "ExecutionFailed").count();
        assert_eq!(failed, 1);
        assert!(t.events.len() < 25_100, "{}", t.events.len());
    }
}

/// A loop whose Pass state hands on (or assigns) its data one level deeper each time.
fn deepening_loop(pass: Value) -> Value {
    json!({"StartAt": "P", "States": {
        "Init": {"Type": "Pass", "Next": "P"},
        "P": pass,
        "C": {"Type": "Choice", "Choices": [{"Variable": "$", "IsPresent": true, "Next": "P"}], "Default": "D"},
        "D": {"Type": "Succeed"}
    }})
}

#[test]
fn data_nested_a_level_deeper_on_each_pass_fails_at_the_nesting_bound_without_overflowing_the_stack() {
    let too_deep = |cause: &str| Status::Failed(crate::error::Failure::new("States.DataLimitExceeded", cause));
    let output = "The state/task 'P' returned a result that is nested deeper than the maximum of 256 levels.";
    for (pass, cause) in [
        (json!({"Type": "Pass", "Parameters": {"a.$": "$"}, "Next": "C"}), output),
        (json!({"Type": "Pass", "ResultPath": "$.a", "Next": "C"}), output),
        (json!({"Type": "Pass", "Parameters": {"x": [{"y.$": "$"}]}, "ResultPath": "$.r", "OutputPath": "$.r", "Next": "C"}), output),
        (json!({"Type": "Pass", "Assign": {"v": {"a.$": "$v"}}, "Next": "C"}),
            "The variable 'v' assigned in state 'P' is nested deeper than the maximum of 256 levels."),
    ] {
        let mut def = deepening_loop(pass);
        def["StartAt"] = json!("Init");
        def["States"]["Init"]["Assign"] = json!({"v": {}});
        let t = within_30s(move || run(def, json!({}), vec![]));
        assert_eq!(t.status, too_deep(cause));
    }
}

/// TaskScheduled's region: the resource ARN's, else (an ARN without one, such as
/// `arn:aws:states:::lambda:invoke`) the region of the state machine's ARN.
#[test]
fn task_scheduled_region_is_the_execution_region_for_regionless_arns() {
    let scheduled = |resource: &str| {
        let def = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": true}}});
        let m = crate::parse(&def, &ValidateOptions::default()).expect("valid");
        let mut info = simulate::local_info("m", "e", json!({}), T0);
        info.state_machine_arn = "arn:aws:states:eu-west-3:123456789012:stateMachine:m".into();
        let mut ex = Execution::new(info);
        let first = ex.step(&m, Input::Start, T0, 1);
        let events: Vec<Value> = first.events.iter().map(|e| e.to_json()).collect();
        events[2]["taskScheduledEventDetails"]["region"].clone()
    };
    assert_eq!(scheduled("arn:aws:states:::lambda:invoke"), json!("eu-west-3"));
    assert_eq!(scheduled("wasm:f"), json!("local"));
}

/// ExecutionStarted names the version and the alias the execution was started through.
#[test]
fn execution_started_names_the_version_and_alias() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let m = crate::parse(&def, &ValidateOptions::default()).expect("valid");
    let started = |version: Option<&str>, alias: Option<&str>| {
        let mut info = simulate::local_info("m", "e", json!({}), T0);
        info.state_machine_version_arn = version.map(String::from);
        info.state_machine_alias_arn = alias.map(String::from);
        let mut ex = Execution::new(info);
        ex.step(&m, Input::Start, T0, 1).events[0].to_json()["executionStartedEventDetails"].clone()
    };
    let v = "arn:aws:states:local:000000000000:stateMachine:m:1";
    let a = "arn:aws:states:local:000000000000:stateMachine:m:live";
    let d = started(Some(v), Some(a));
    assert_eq!((&d["stateMachineVersionArn"], &d["stateMachineAliasArn"]), (&json!(v), &json!(a)));
    let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["input", "inputDetails", "roleArn", "stateMachineAliasArn", "stateMachineVersionArn"]);
    let d = started(None, None);
    assert!(d.get("stateMachineVersionArn").is_none() && d.get("stateMachineAliasArn").is_none(), "{d}");
}

/// A Map with an ItemReader or a ResultWriter (S3, which this runtime does not carry out) fails
/// with AWS's error for them instead of iterating its input.
#[test]
fn a_map_that_reads_or_writes_s3_fails_instead_of_iterating_its_input() {
    let processor = json!({"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let reader = json!({"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "b", "Key": "k"}});
    let writer = json!({"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b", "Prefix": "p"}});
    for (field, value, error) in [("ItemReader", reader, "States.ItemReaderFailed"), ("ResultWriter", writer, "States.ResultWriterFailed")] {
        let mut map = json!({"Type": "Map", "ItemProcessor": processor, "End": true});
        map[field] = value;
        let t = run(json!({"StartAt": "M", "States": {"M": map}}), json!([7, 8]), vec![]);
        match &t.status {
            Status::Failed(f) => {
                assert_eq!(f.error.as_deref(), Some(error), "{field}");
                assert!(f.cause.as_deref().unwrap_or_default().contains("stepwasm has no S3"), "{field}: {f:?}");
            }
            other => panic!("{field}: {other:?}"),
        }
    }
}
