//! Distributed Map runs: each item runs as a child workflow execution with a history of its own.
//!
//! As AWS records it, the parent's history shows the run as `MapRunStarted` (with the map run's
//! ARN) and `MapRunSucceeded`, `MapRunFailed` or `MapRunAborted`, and no iteration events; each
//! child execution's history starts with its own `ExecutionStarted` (id 1, the item's input)
//! and ends with `ExecutionSucceeded`, `ExecutionFailed` or `ExecutionAborted`. The stepper
//! reports both in [`super::Step`]: the children's events in `children`, what the caller must
//! record about runs and children in `map_runs`.

use std::sync::Arc;

use serde_json::Value;

use super::{RunId, Stepper};
use crate::error::Failure;
use crate::events::{Details, HistoryEvent};

/// An event of a child workflow execution of a map run.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildEvent {
    pub execution_arn: Arc<str>,
    pub event: HistoryEvent,
}

/// What the caller records about a map run or one of its child executions.
#[derive(Debug, Clone, PartialEq)]
pub enum MapRunEvent {
    Started(MapRunStart),
    /// UpdateMapRun changed the settings of a running map run (`None`: unchanged).
    Updated {
        arn: Arc<str>,
        max_concurrency: Option<u64>,
        tolerated_failure_count: Option<u64>,
        tolerated_failure_percentage: Option<f64>,
    },
    ChildStarted(ChildStart),
    ChildEnded { execution_arn: Arc<str>, end: End },
    Ended { arn: Arc<str>, end: End },
}

/// How a map run or a child execution ended.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// With the child's output text (empty for a map run).
    Succeeded(Arc<str>),
    Failed(Failure),
    /// With the error and cause StopExecution gave, if any.
    Aborted(Failure),
}

/// A map run as it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRunStart {
    pub arn: Arc<str>,
    /// The child execution whose Map state started the run (a Distributed Map within a child);
    /// `None`: the execution itself.
    pub execution_arn: Option<Arc<str>>,
    /// The name of the Map state.
    pub state_name: Arc<str>,
    /// The state machine ARN qualified by the run's label (`…:stateMachine:NAME/LABEL`), the
    /// `stateMachineArn` of its child executions.
    pub state_machine_arn: String,
    /// 0 = no limit.
    pub max_concurrency: u64,
    pub tolerated_failure_count: Option<u64>,
    pub tolerated_failure_percentage: Option<f64>,
    /// Items read (before batching).
    pub item_count: u64,
    /// Child executions the run starts (one per item, or per batch).
    pub execution_count: u64,
    /// The children are Express executions (`ProcessorConfig.ExecutionType: EXPRESS`).
    pub express_children: bool,
}

/// A child execution as it starts (its `ExecutionStarted` event is in the same step).
#[derive(Debug, Clone, PartialEq)]
pub struct ChildStart {
    pub execution_arn: Arc<str>,
    pub name: String,
    pub map_run_arn: Arc<str>,
    /// The run's label-qualified state machine ARN (see [`MapRunStart::state_machine_arn`]).
    pub state_machine_arn: Arc<str>,
    /// An Express child (see [`MapRunStart::express_children`]).
    pub express: bool,
    /// The child's input text (the item after ItemSelector).
    pub input: Arc<str>,
    /// How many of the run's items it processes (1, or its batch's size).
    pub items: u64,
}

/// A running map run, held by the fanout of its Map state.
#[derive(Debug)]
pub(super) struct MapRunInfo {
    pub(super) arn: Arc<str>,
    /// `arn:…:execution:NAME/LABEL:`, to which a child's name is appended.
    child_prefix: String,
    state_machine_arn: Arc<str>,
    express: bool,
    batched: bool,
    /// The id of the run's MapRunStarted event.
    pub(super) started_event: u64,
}

impl MapRunInfo {
    /// How many of the run's items `item` stands for (see [`items_in`]).
    pub(super) fn items_of(&self, item: &Value) -> u64 {
        items_in(item, self.batched)
    }
}

/// How many of a run's items one of its children processes: its batch's size (`batched`: the
/// Map has an ItemBatcher), or 1.
pub(super) fn items_in(item: &Value, batched: bool) -> u64 {
    match (batched, item) {
        (true, Value::Object(m)) => m.get("Items").and_then(Value::as_array).map_or(1, Vec::len) as u64,
        _ => 1,
    }
}

/// One running child execution: its history, and what its context object (`$$`) says of it.
#[derive(Debug)]
pub(super) struct ChildHistory {
    pub(super) arn: Arc<str>,
    pub(super) next_event: u64,
    /// `$$.Execution` (the child's ARN, name, input and start) and `$$.StateMachine` (the
    /// label-qualified machine).
    pub(super) info: super::ExecutionInfo,
    pub(super) texts: crate::env::ExecutionTexts,
}

/// `arn:PARTITION:states:REGION:ACCOUNT` and `NAME` of a state machine ARN
/// (`…:stateMachine:NAME`).
fn machine_parts(state_machine_arn: &str) -> (&str, &str) {
    const MARK: &str = ":stateMachine:";
    match state_machine_arn.find(MARK) {
        Some(i) => (&state_machine_arn[..i], &state_machine_arn[i + MARK.len()..]),
        None => ("arn:aws:states:us-east-1:123456789012", state_machine_arn),
    }
}

impl Stepper<'_> {
    /// Starts the map run of `run`'s Distributed Map state: writes MapRunStarted.
    pub(super) fn start_map_run(&mut self, run: RunId, mut start: MapRunStart, label: Option<&str>, batched: bool) -> MapRunInfo {
        let (prefix, machine) = machine_parts(&self.x.info.state_machine_arn);
        let (prefix, machine) = (prefix.to_string(), machine.to_string());
        let label = match label {
            Some(l) => l.to_string(),
            None => self.rng.uuid(),
        };
        let id = self.rng.uuid();
        let arn: Arc<str> = format!("{prefix}:mapRun:{machine}/{label}:{id}").into();
        start.arn = arn.clone();
        start.execution_arn = self.x.children.get(&self.run(run).hist).map(|h| h.arn.clone());
        start.state_machine_arn = format!("{prefix}:stateMachine:{machine}/{label}");
        let started_event = self.emit(Some(run), "MapRunStarted", Details::MapRunStarted { map_run_arn: arn.clone() });
        self.out.map_runs.push(MapRunEvent::Started(start.clone()));
        MapRunInfo {
            arn,
            child_prefix: format!("{prefix}:execution:{machine}/{label}:"),
            state_machine_arn: start.state_machine_arn.into(),
            express: start.express_children,
            batched,
            started_event,
        }
    }

    /// Ends a map run: writes MapRunSucceeded, MapRunFailed or MapRunAborted.
    pub(super) fn end_map_run(&mut self, run: RunId, info: &MapRunInfo, end: End) {
        match &end {
            End::Succeeded(_) => self.emit(Some(run), "MapRunSucceeded", Details::None),
            End::Failed(f) => self.emit(
                Some(run),
                "MapRunFailed",
                Details::ErrorCause { member: "mapRunFailedEventDetails", resource: None, error: f.error.clone(), cause: f.cause.clone() },
            ),
            End::Aborted(_) => self.emit(Some(run), "MapRunAborted", Details::None),
        };
        self.out.map_runs.push(MapRunEvent::Ended { arn: info.arn.clone(), end });
    }

    /// Makes `child` (a new run of the map run's processor) a child execution: its events go to
    /// a history of its own, which starts with ExecutionStarted.
    pub(super) fn start_child_execution(&mut self, child: RunId, info: &MapRunInfo, items: u64) {
        let name = self.rng.uuid();
        let arn: Arc<str> = format!("{}{name}", info.child_prefix).into();
        let hist = self.x.next_child;
        self.x.next_child += 1;
        let input = crate::json_text::shared_text(&self.run(child).data);
        let parent = &self.x.info;
        let child_info = super::ExecutionInfo {
            execution_arn: arn.to_string(),
            name: name.clone(),
            state_machine_arn: info.state_machine_arn.to_string(),
            state_machine_name: machine_parts(&info.state_machine_arn).1.to_string(),
            state_machine_version_arn: None,
            state_machine_alias_arn: None,
            role_arn: parent.role_arn.clone(),
            start_time_ms: self.now,
            input: (*self.run(child).data).clone(),
            redrive_count: 0,
            express: info.express,
        };
        let texts = crate::env::ExecutionTexts::new(&child_info, input.clone());
        self.x.children.insert(hist, ChildHistory { arn: arn.clone(), next_event: 1, info: child_info, texts });
        let r = self.run_mut(child);
        r.hist = hist;
        r.last_event = 0;
        r.data_text = Some(input.clone());
        let details = Details::ExecutionStarted {
            input: input.clone(),
            role_arn: self.x.info.role_arn.clone(),
            alias_arn: None,
            version_arn: None,
        };
        // As in every history, the first state's Entered event follows event 0.
        self.push_child_event(hist, 0, "ExecutionStarted", details);
        self.out.map_runs.push(MapRunEvent::ChildStarted(ChildStart {
            execution_arn: arn,
            name,
            map_run_arn: info.arn.clone(),
            state_machine_arn: info.state_machine_arn.clone(),
            express: info.express,
            input,
            items,
        }));
    }

    /// A child execution's run ended (or was aborted): writes its last event and forgets its
    /// history. `result` is `Err` with the stop's error and cause for an aborted child. Nothing
    /// happens for a child already ended (StopExecution ends one before its run reports).
    pub(super) fn end_child_execution(&mut self, child: RunId, result: Result<&Result<Value, Failure>, Failure>) {
        let hist = self.run(child).hist;
        if !self.x.children.contains_key(&hist) {
            return;
        }
        let (ty, details, end) = match result {
            Ok(Ok(v)) => {
                // The last state's Exited event has just written this text.
                let output = self.run_mut(child).data_text.take().unwrap_or_else(|| crate::json_text::shared_text(v));
                ("ExecutionSucceeded", Details::ExecutionSucceeded { output: output.clone() }, End::Succeeded(output))
            }
            Ok(Err(f)) => (
                "ExecutionFailed",
                Details::ErrorCause { member: "executionFailedEventDetails", resource: None, error: f.error.clone(), cause: f.cause.clone() },
                End::Failed(f.clone()),
            ),
            Err(f) => (
                "ExecutionAborted",
                Details::ErrorCause { member: "executionAbortedEventDetails", resource: None, error: f.error.clone(), cause: f.cause.clone() },
                End::Aborted(f),
            ),
        };
        self.emit(Some(child), ty, details);
        if let Some(h) = self.x.children.remove(&hist) {
            self.out.map_runs.push(MapRunEvent::ChildEnded { execution_arn: h.arn, end });
        }
    }

    /// UpdateMapRun: the map run's fanout takes the new settings, starts what they make room
    /// for, and fails if the failures so far exceed the new tolerance. A run that has ended
    /// (or is unknown) changes nothing.
    pub(super) fn update_map_run(&mut self, arn: &str, max_concurrency: Option<u64>, count: Option<u64>, percentage: Option<f64>) {
        let Some(run) = (0..self.x.runs.len()).find(|&r| {
            matches!(self.x.runs[r].as_ref().map(|r| &r.phase), Some(super::Phase::Fanout(f)) if f.map_run.as_ref().is_some_and(|m| &*m.arn == arn))
        }) else {
            return;
        };
        let Some(f) = self.fanout_mut(run) else { return };
        if let Some(m) = max_concurrency {
            f.max_concurrency = m as usize;
        }
        if count.is_some() {
            f.tolerated_count = count;
        }
        if percentage.is_some() {
            f.tolerated_percentage = percentage;
        }
        if f.failure.is_none() && f.failed > 0 && super::fanout::tolerance_exceeded(f) {
            f.failure = Some(Failure::new(
                crate::error::names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                "The specified tolerated failure threshold was exceeded",
            ));
        }
        self.out.map_runs.push(MapRunEvent::Updated {
            arn: arn.into(),
            max_concurrency,
            tolerated_failure_count: count,
            tolerated_failure_percentage: percentage,
        });
        self.pump_and_follow(run);
    }

    /// StopExecution of a running child execution: its run is aborted (ExecutionAborted in
    /// its history) and its map run counts it as failed. An unknown or ended child changes
    /// nothing.
    pub(super) fn stop_child(&mut self, arn: &str, failure: Failure) {
        let Some(hist) = self.x.children.iter().find(|(_, h)| &*h.arn == arn).map(|(k, _)| *k) else { return };
        // The child's own run: the one of its history whose parent runs in another.
        let root = (0..self.x.runs.len()).find(|&r| {
            self.x.runs[r].as_ref().is_some_and(|run| {
                run.hist == hist && run.parent.is_some_and(|(p, _)| self.x.runs[p].as_ref().is_some_and(|p| p.hist != hist))
            })
        });
        let Some(child) = root else { return };
        let Some((parent, slot)) = self.run(child).parent else { return };
        self.abort_run(child);
        self.end_child_execution(child, Err(failure.clone()));
        self.child_finished(parent, slot, child, Err(failure));
    }

    /// A child execution whose history holds `MAX_HISTORY_EVENTS` events enters no state: it
    /// fails, as the execution itself would (so a loop in a child cannot run forever).
    pub(super) fn child_history_full(&self, run: RunId) -> Option<Failure> {
        let h = self.x.children.get(&self.run(run).hist)?;
        (h.next_event > super::MAX_HISTORY_EVENTS).then(|| {
            Failure::new(
                crate::error::names::RUNTIME,
                format!("The execution reached the maximum number of history events ({}).", super::MAX_HISTORY_EVENTS),
            )
        })
    }

    /// Writes an event to child history `hist`, following event `previous`; returns its id.
    pub(super) fn push_child_event(&mut self, hist: u32, previous: u64, event_type: &'static str, details: Details) -> u64 {
        let Some(h) = self.x.children.get_mut(&hist) else { return 0 };
        let id = h.next_event;
        h.next_event += 1;
        let execution_arn = h.arn.clone();
        self.out.children.push(ChildEvent {
            execution_arn,
            event: HistoryEvent { id, previous_event_id: previous, timestamp_ms: self.now, event_type, details },
        });
        id
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::{machine_parts, End, MapRunEvent};
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
        assert_eq!(last, Some((super::super::MAX_HISTORY_EVENTS + 2, "ExecutionFailed")));
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
}
