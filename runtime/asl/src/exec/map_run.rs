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
pub(super) fn machine_parts(state_machine_arn: &str) -> (&str, &str) {
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
        let hist = self.run(run).hist;
        if hist == 0 {
            return None;
        }
        let h = self.x.children.get(&hist)?;
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
