//! Stepping an execution: `(machine, execution, input, now, entropy) → (history events, work)`.
//!
//! An [`Execution`] is a tree of *runs*: the top level, each Parallel branch and each Map
//! iteration is a run with its own current state, data and variables. [`Execution::step`] feeds
//! one [`Input`] in, advances every run it can without outside help, and returns the history
//! events written and the [`Work`] the caller must do (run a task, start a timer, cancel one).
//! Nothing here reads a clock or draws randomness: `now_ms` and `entropy` are arguments, so
//! replaying the same inputs reproduces the same execution.

mod dataflow;
mod fanout;
mod map_run;

pub use map_run::{ChildEvent, ChildStart, End, MapRunEvent, MapRunStart};

pub use dataflow::{payload_too_large, MAX_PAYLOAD_BYTES};
mod redrive;
mod states;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_map_run;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::env::{Rng, Vars};
use crate::error::Failure;
use crate::events::{Details, HistoryEvent};
use crate::model::{GraphId, Machine, StateId};

use fanout::{Fanout, Kept};

/// Identifies a piece of pending work (a task or a timer) within one execution.
pub type WorkId = u64;
type RunId = usize;

/// AWS's limit on the events of one execution's history (redrives included). Once it is
/// reached no state is entered any more and the execution fails at the end of the step, so a
/// loop of states that never wait (Pass and Choice) cannot run forever within one step.
pub const MAX_HISTORY_EVENTS: u64 = 25_000;

/// Who is running and what it was started with. Becomes `$$.Execution` and `$$.StateMachine`.
#[derive(Debug, Clone)]
pub struct ExecutionInfo {
    pub execution_arn: String,
    pub name: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    /// The version the execution runs when it was started through a version or an alias ARN,
    /// and the alias in the second case (ExecutionStarted quotes them).
    pub state_machine_version_arn: Option<String>,
    pub state_machine_alias_arn: Option<String>,
    pub role_arn: String,
    pub start_time_ms: i64,
    pub input: Value,
    pub redrive_count: u64,
    /// Express executions have no `RedriveCount` in their context object.
    pub express: bool,
}

/// Something that happened to an execution.
#[derive(Debug, Clone)]
pub enum Input {
    /// Begin the execution (the first input of every execution).
    Start,
    /// A worker picked the task up (`worker`: the activity worker's name, if it gave one).
    TaskStarted { id: WorkId, worker: Option<String> },
    TaskSucceeded { id: WorkId, output: Value, logs: Option<Value> },
    /// A `.waitForTaskToken` task's integration answered (the function it called returned
    /// `output`); the task goes on waiting for its token.
    TaskSubmitted { id: WorkId, output: Value },
    TaskFailed { id: WorkId, error: Option<String>, cause: Option<String> },
    /// The task is alive; restarts its HeartbeatSeconds clock.
    TaskHeartbeat { id: WorkId },
    TimerFired { id: WorkId },
    /// StopExecution.
    Stop { error: Option<String>, cause: Option<String> },
    /// UpdateMapRun: new settings for a running map run (`None`: unchanged).
    UpdateMapRun {
        map_run_arn: String,
        max_concurrency: Option<u64>,
        tolerated_failure_count: Option<u64>,
        tolerated_failure_percentage: Option<f64>,
    },
    /// StopExecution of a running child execution of a map run: it is aborted, which its map
    /// run counts as a failure.
    StopChild { execution_arn: String, error: Option<String>, cause: Option<String> },
}

/// A task the caller must run.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRequest {
    pub id: WorkId,
    pub state_name: String,
    /// The Task state's `Resource`, as written.
    pub resource: String,
    /// The effective input (after InputPath and Parameters/Arguments); shared with the
    /// state's data when it is that data.
    pub input: Arc<Value>,
    /// The compact JSON text of `input`, as the scheduled event quotes it.
    pub input_text: String,
    /// The compact JSON text of the context object at scheduling time.
    pub context: String,
    pub timeout_seconds: Option<u64>,
    pub heartbeat_seconds: Option<u64>,
    /// Set for `.waitForTaskToken` resources: the caller completes the task when a
    /// SendTaskSuccess/Failure with this token arrives.
    pub task_token: Option<String>,
}

/// Work the caller must do after a step.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    RunTask(TaskRequest),
    /// Feed `Input::TimerFired { id }` at `fire_at_ms` (or later). `delay`: the timer ends a
    /// Wait state or a retry's back-off (not a timeout), which a test clock may shorten.
    StartTimer { id: WorkId, fire_at_ms: i64, delay: bool },
    /// A task or timer that is no longer wanted; its completion will be ignored.
    Cancel { id: WorkId },
}

/// Where an execution stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Running,
    Succeeded(Value),
    Failed(Failure),
    TimedOut,
    Aborted(Failure),
}

impl Status {
    /// AWS's status name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Succeeded(_) => "SUCCEEDED",
            Status::Failed(_) => "FAILED",
            Status::TimedOut => "TIMED_OUT",
            Status::Aborted(_) => "ABORTED",
        }
    }
}

/// What one step produced.
#[derive(Debug, Default)]
pub struct Step {
    pub events: Vec<HistoryEvent>,
    pub work: Vec<Work>,
    /// Events of the child workflow executions of Distributed Map runs (not in `events`).
    pub children: Vec<ChildEvent>,
    /// Map runs and child executions that started or ended.
    pub map_runs: Vec<MapRunEvent>,
}

/// The state of one execution.
#[derive(Debug)]
pub struct Execution {
    info: ExecutionInfo,
    runs: Vec<Option<Run>>,
    free_runs: Vec<RunId>,
    waits: HashMap<WorkId, Waiter>,
    next_work: WorkId,
    next_event: u64,
    status: Status,
    started: bool,
    /// Serialised size of every variable assigned so far (replaced values subtracted).
    variable_bytes: usize,
    /// `null`, for a run that has handed its data on to hold instead (shared, so that letting
    /// go of data allocates nothing).
    null: Arc<Value>,
    /// The execution's input and start time as the context object writes them, once it has
    /// started (the input's text is the one ExecutionStarted quotes).
    texts: Option<crate::env::ExecutionTexts>,
    /// The histories of running child executions of map runs, by the `hist` of their runs.
    children: HashMap<u32, map_run::ChildHistory>,
    next_child: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiter {
    Task(RunId),
    TaskTimeout(RunId),
    Heartbeat(RunId),
    Wait(RunId),
    Retry(RunId),
    ExecutionTimeout,
}

/// A thread of control within one graph.
#[derive(Debug)]
struct Run {
    graph: GraphId,
    state: StateId,
    /// The raw input of the current state (shared: states read it far more often than they
    /// change it, so reading never copies it).
    data: Arc<Value>,
    /// The compact JSON text of `data`, when the previous state already wrote it.
    data_text: Option<Arc<str>>,
    /// The text the current state's Entered event quotes (see `Stepper::entered_text`).
    entered_text: Option<Arc<str>>,
    parent: Option<(RunId, usize)>,
    /// Which history the run's events go to: 0 for the execution's own, else a child
    /// execution's (see `Execution::children`).
    hist: u32,
    vars: Map<String, Value>,
    /// Distributed Map iterations cannot see the variables of enclosing scopes.
    sees_parent: bool,
    last_event: u64,
    entered_event: u64,
    /// The event the current state's Entered event follows (its `previousEventId`).
    entered_prev: u64,
    /// When the current state was entered (`$$.State.EnteredTime`).
    entered_ms: i64,
    retry_counts: Vec<u64>,
    retries_total: u64,
    phase: Phase,
    map_item: Option<(usize, Value)>,
    task_token: Option<String>,
    /// What the last Parallel or Map state of this run to fail or be aborted had finished
    /// (see [`Kept`]); boxed, as it is rare.
    kept: Option<Box<Kept>>,
}

#[derive(Debug)]
enum Phase {
    Idle,
    Task(TaskPhase),
    Wait { timer: WorkId, result: Value },
    Retry { timer: WorkId },
    Fanout(Box<Fanout>),
}

#[derive(Debug)]
struct TaskPhase {
    work: WorkId,
    /// Which events the task writes: `Task*`, `LambdaFunction*` or `Activity*`.
    family: Family,
    resource_type: String,
    resource: String,
    timeout_timer: Option<WorkId>,
    heartbeat_timer: Option<WorkId>,
    heartbeat_seconds: Option<u64>,
    /// A TaskSubmitted event was written: the integration's answer is recorded once, even
    /// when the task is issued again after a restart.
    submitted: bool,
}

/// The history events of a task, by what its `Resource` names (as AWS writes them): a Lambda
/// function ARN gives `LambdaFunction*` events, an activity ARN `Activity*` events, anything
/// else (service integrations, `wasm:`) `Task*` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Task,
    Lambda,
    Activity,
}

impl Family {
    fn of(resource: &str) -> Family {
        let parts: Vec<&str> = resource.splitn(7, ':').collect();
        match parts.as_slice() {
            ["arn", _, "lambda", _, _, "function", ..] => Family::Lambda,
            ["arn", _, "states", _, _, "activity", ..] => Family::Activity,
            _ => Family::Task,
        }
    }

    fn scheduled(self) -> &'static str {
        match self {
            Family::Task => "TaskScheduled",
            Family::Lambda => "LambdaFunctionScheduled",
            Family::Activity => "ActivityScheduled",
        }
    }
    fn started(self) -> &'static str {
        match self {
            Family::Task => "TaskStarted",
            Family::Lambda => "LambdaFunctionStarted",
            Family::Activity => "ActivityStarted",
        }
    }
    fn succeeded(self) -> (&'static str, &'static str) {
        match self {
            Family::Task => ("TaskSucceeded", "taskSucceededEventDetails"),
            Family::Lambda => ("LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails"),
            Family::Activity => ("ActivitySucceeded", "activitySucceededEventDetails"),
        }
    }
    fn failed(self) -> (&'static str, &'static str) {
        match self {
            Family::Task => ("TaskFailed", "taskFailedEventDetails"),
            Family::Lambda => ("LambdaFunctionFailed", "lambdaFunctionFailedEventDetails"),
            Family::Activity => ("ActivityFailed", "activityFailedEventDetails"),
        }
    }
    fn timed_out(self) -> (&'static str, &'static str) {
        match self {
            Family::Task => ("TaskTimedOut", "taskTimedOutEventDetails"),
            Family::Lambda => ("LambdaFunctionTimedOut", "lambdaFunctionTimedOutEventDetails"),
            Family::Activity => ("ActivityTimedOut", "activityTimedOutEventDetails"),
        }
    }
}

/// How a state ended, as seen by the run that executes it.
enum Outcome {
    /// Waiting for outside work.
    Blocked,
    /// The next state and its input (shared with nothing when the state updated its data in place).
    Next(StateId, Arc<Value>),
    End(Value),
    Failed(Failure),
}

impl Execution {
    /// A new execution, not yet started: feed [`Input::Start`] first.
    pub fn new(info: ExecutionInfo) -> Execution {
        Execution {
            info,
            // Most executions never run more than their top level: room for one run only.
            runs: Vec::with_capacity(1),
            free_runs: Vec::new(),
            waits: HashMap::new(),
            next_work: 1,
            next_event: 1,
            status: Status::Running,
            started: false,
            variable_bytes: 0,
            null: Arc::new(Value::Null),
            texts: None,
            children: HashMap::new(),
            next_child: 1,
        }
    }

    /// Where the execution stands.
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// What it was started with.
    pub fn info(&self) -> &ExecutionInfo {
        &self.info
    }

    /// How many history events have been written.
    pub fn event_count(&self) -> u64 {
        self.next_event - 1
    }

    /// Continues the history after event `last`, the last one stored. A replay regenerates the
    /// events the journal's inputs gave; a build that writes some events differently (one
    /// event more or fewer for the same inputs) would otherwise number the next event after
    /// its own count, repeating a stored id or leaving a gap. No run's next event follows an
    /// event past `last`.
    pub fn continue_after(&mut self, last: u64) {
        self.next_event = last + 1;
        for run in self.runs.iter_mut().flatten() {
            run.last_event = run.last_event.min(last);
        }
    }

    /// Tasks and timers the execution is waiting for.
    pub fn pending_work(&self) -> impl Iterator<Item = WorkId> + '_ {
        self.waits.keys().copied()
    }

    /// Whether work `id` (a task or a timer) is still awaited.
    pub fn is_pending(&self, id: WorkId) -> bool {
        self.waits.contains_key(&id)
    }

    /// Feed one input in. Inputs that no longer apply (a result for a cancelled task, anything
    /// after the execution ended) write nothing and ask for nothing.
    pub fn step(&mut self, machine: &Machine, input: Input, now_ms: i64, entropy: u64) -> Step {
        let mut s = Stepper { m: machine, x: self, now: now_ms, rng: Rng::new(entropy), out: Step::default() };
        s.input(input);
        s.check_history_limit();
        s.out
    }
}

struct Stepper<'a> {
    m: &'a Machine,
    x: &'a mut Execution,
    now: i64,
    rng: Rng,
    out: Step,
}

impl Stepper<'_> {
    fn input(&mut self, input: Input) {
        if self.x.status != Status::Running {
            return;
        }
        match input {
            Input::Start => self.start(),
            Input::Stop { error, cause } => self.stop(error, cause),
            Input::TaskStarted { id, worker } => self.task_started(id, worker),
            Input::TaskSucceeded { id, output, logs } => self.task_succeeded(id, output, logs),
            Input::TaskFailed { id, error, cause } => {
                self.task_failed(id, Failure { error, cause })
            }
            Input::TaskHeartbeat { id } => self.task_heartbeat(id),
            Input::TaskSubmitted { id, output } => self.task_submitted(id, output),
            Input::TimerFired { id } => self.timer_fired(id),
            Input::UpdateMapRun { map_run_arn, max_concurrency, tolerated_failure_count, tolerated_failure_percentage } => {
                self.update_map_run(&map_run_arn, max_concurrency, tolerated_failure_count, tolerated_failure_percentage)
            }
            Input::StopChild { execution_arn, error, cause } => self.stop_child(&execution_arn, Failure { error, cause }),
        }
    }

    fn start(&mut self) {
        if self.x.started {
            return;
        }
        self.x.started = true;
        let input = crate::json_text::shared_text(&self.x.info.input);
        self.x.texts = Some(crate::env::ExecutionTexts::new(&self.x.info, input.clone()));
        let role_arn = self.x.info.role_arn.clone();
        let alias_arn = self.x.info.state_machine_alias_arn.clone();
        let version_arn = self.x.info.state_machine_version_arn.clone();
        // The first state's Entered event quotes the same text.
        let first_text = input.clone();
        self.emit(None, "ExecutionStarted", Details::ExecutionStarted { input, role_arn, alias_arn, version_arn });
        if let Some(t) = self.m.timeout_seconds {
            let id = self.timer(Waiter::ExecutionTimeout, self.now.saturating_add((t as i64).saturating_mul(1000)));
            let _ = id;
        }
        let data = self.x.info.input.clone();
        let top = self.new_run(0, data, None, true, None);
        self.run_mut(top).data_text = Some(first_text);
        self.enter_and_follow(top);
    }

    fn stop(&mut self, error: Option<String>, cause: Option<String>) {
        if let Some(top) = self.top_run() {
            self.abort_run(top);
        }
        self.cancel_all();
        let failure = Failure { error, cause };
        self.emit(
            None,
            "ExecutionAborted",
            Details::ErrorCause {
                member: "executionAbortedEventDetails",
                resource: None,
                error: failure.error.clone(),
                cause: failure.cause.clone(),
            },
        );
        self.x.status = Status::Aborted(failure);
    }

    /// Whether the history holds [`MAX_HISTORY_EVENTS`] events: no state may be entered.
    fn history_full(&self) -> bool {
        self.x.next_event > MAX_HISTORY_EVENTS
    }

    /// At the end of a step: an execution still running with a full history fails, as AWS
    /// fails it (runs stopped short of entering a state are aborted with everything else).
    fn check_history_limit(&mut self) {
        if self.x.status != Status::Running || !self.history_full() {
            return;
        }
        if let Some(top) = self.top_run() {
            self.abort_run(top);
        }
        self.cancel_all();
        let failure = Failure::new(
            crate::error::names::RUNTIME,
            format!("The execution reached the maximum number of history events ({MAX_HISTORY_EVENTS})."),
        );
        self.emit(
            None,
            "ExecutionFailed",
            Details::ErrorCause {
                member: "executionFailedEventDetails",
                resource: None,
                error: failure.error.clone(),
                cause: failure.cause.clone(),
            },
        );
        self.x.status = Status::Failed(failure);
    }

    fn top_run(&self) -> Option<RunId> {
        self.x.runs.iter().position(|r| r.as_ref().is_some_and(|r| r.parent.is_none()))
    }

    fn cancel_all(&mut self) {
        let mut ids: Vec<WorkId> = self.x.waits.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            self.x.waits.remove(&id);
            self.out.work.push(Work::Cancel { id });
        }
    }

    // ---- bookkeeping -------------------------------------------------------------------

    fn run(&self, id: RunId) -> &Run {
        self.x.runs[id].as_ref().expect("run ids always name live runs")
    }

    fn run_mut(&mut self, id: RunId) -> &mut Run {
        self.x.runs[id].as_mut().expect("run ids always name live runs")
    }

    fn new_run(
        &mut self,
        graph: GraphId,
        data: Value,
        parent: Option<(RunId, usize)>,
        sees_parent: bool,
        map_item: Option<(usize, Value)>,
    ) -> RunId {
        let (last_event, hist) = match parent {
            Some((p, _)) => (self.run(p).last_event, self.run(p).hist),
            None => (0, 0),
        };
        let run = Run {
            graph,
            state: self.m.graphs[graph].start_at,
            data: Arc::new(data),
            data_text: None,
            entered_text: None,
            parent,
            hist,
            vars: Map::new(),
            sees_parent,
            last_event,
            entered_event: 0,
            entered_prev: 0,
            entered_ms: 0,
            retry_counts: Vec::new(),
            retries_total: 0,
            phase: Phase::Idle,
            map_item,
            task_token: None,
            kept: None,
        };
        if let Some(id) = self.x.free_runs.pop() {
            self.x.runs[id] = Some(run);
            id
        } else {
            self.x.runs.push(Some(run));
            self.x.runs.len() - 1
        }
    }

    fn free_run(&mut self, id: RunId) {
        self.x.runs[id] = None;
        self.x.free_runs.push(id);
    }

    fn emit(&mut self, run: Option<RunId>, event_type: &'static str, details: Details) -> u64 {
        if self.out.events.capacity() == 0 {
            // Room for a short run of states at once (entered and exited each), rather than
            // growing the list from four events.
            self.out.events.reserve(16);
        }
        if let Some(r) = run {
            let hist = self.run(r).hist;
            if hist != 0 {
                let previous = self.run(r).last_event;
                let id = self.push_child_event(hist, previous, event_type, details);
                self.run_mut(r).last_event = id;
                return id;
            }
        }
        let id = self.x.next_event;
        self.x.next_event += 1;
        let previous_event_id = match run {
            Some(r) => {
                let r = self.run_mut(r);
                let prev = r.last_event;
                r.last_event = id;
                prev
            }
            None => self.out.events.last().map(|e| e.id).unwrap_or(id.saturating_sub(1)),
        };
        self.out.events.push(HistoryEvent {
            id,
            previous_event_id: if event_type == "ExecutionStarted" { 0 } else { previous_event_id },
            timestamp_ms: self.now,
            event_type,
            details,
        });
        id
    }

    fn work_id(&mut self) -> WorkId {
        let id = self.x.next_work;
        self.x.next_work += 1;
        id
    }

    fn timer(&mut self, waiter: Waiter, fire_at_ms: i64) -> WorkId {
        let id = self.work_id();
        let delay = matches!(waiter, Waiter::Wait(_) | Waiter::Retry(_));
        self.x.waits.insert(id, waiter);
        self.out.work.push(Work::StartTimer { id, fire_at_ms, delay });
        id
    }

    fn cancel(&mut self, id: WorkId) {
        if self.x.waits.remove(&id).is_some() {
            self.out.work.push(Work::Cancel { id });
        }
    }

    // ---- driving runs ------------------------------------------------------------------

    fn enter_and_follow(&mut self, run: RunId) {
        let outcome = self.enter(run);
        self.follow(run, outcome);
    }

    /// Keep a run going until it blocks or ends.
    fn follow(&mut self, run: RunId, mut outcome: Outcome) {
        loop {
            match outcome {
                Outcome::Blocked => return,
                Outcome::Next(state, data) => {
                    let r = self.run_mut(run);
                    r.state = state;
                    r.data = data;
                    outcome = self.enter(run);
                }
                Outcome::End(output) => return self.finish_run(run, Ok(output)),
                Outcome::Failed(f) => return self.finish_run(run, Err(f)),
            }
        }
    }

    /// A run reached its end: the execution ends, or the parent Parallel/Map hears of it.
    fn finish_run(&mut self, run: RunId, result: Result<Value, Failure>) {
        let parent = self.run(run).parent;
        match parent {
            None => {
                self.cancel_all();
                match result {
                    Ok(output) => {
                        // The last state's Exited event has just written this text.
                        let text = self.run_mut(run).data_text.take().unwrap_or_else(|| crate::json_text::shared_text(&output));
                        if text.len() > dataflow::MAX_PAYLOAD_BYTES {
                            return self.fail_execution(run, dataflow::payload_too_large(None));
                        }
                        self.emit(Some(run), "ExecutionSucceeded", Details::ExecutionSucceeded { output: text });
                        self.x.status = Status::Succeeded(output);
                    }
                    Err(f) => self.fail_execution(run, f),
                }
            }
            Some((p, slot)) => self.child_finished(p, slot, run, result),
        }
    }

    fn fail_execution(&mut self, run: RunId, f: Failure) {
        self.cancel_all();
        self.emit(
            Some(run),
            "ExecutionFailed",
            Details::ErrorCause { member: "executionFailedEventDetails", resource: None, error: f.error.clone(), cause: f.cause.clone() },
        );
        self.x.status = Status::Failed(f);
    }

    /// Abort a run and everything under it, cancelling its work.
    fn abort_run(&mut self, run: RunId) {
        let phase = std::mem::replace(&mut self.run_mut(run).phase, Phase::Idle);
        let state = {
            let r = self.run(run);
            self.m.state(r.graph, r.state)
        };
        match phase {
            Phase::Idle => {}
            Phase::Task(t) => {
                self.cancel(t.work);
                if let Some(t) = t.timeout_timer {
                    self.cancel(t);
                }
                if let Some(h) = t.heartbeat_timer {
                    self.cancel(h);
                }
                self.emit(Some(run), "TaskStateAborted", Details::None);
            }
            Phase::Wait { timer, .. } => {
                self.cancel(timer);
                self.emit(Some(run), "WaitStateAborted", Details::None);
            }
            Phase::Retry { timer } => {
                self.cancel(timer);
                self.emit(Some(run), state.aborted_event_type(), Details::None);
            }
            Phase::Fanout(f) => {
                self.keep_finished(run, &f);
                self.abort_children(run, &f);
                if let Some(info) = &f.map_run {
                    self.end_map_run(run, info, map_run::End::Aborted(Failure::default()));
                }
                self.emit(Some(run), state.aborted_event_type(), Details::None);
            }
        }
    }

    fn timer_fired(&mut self, id: WorkId) {
        let Some(waiter) = self.x.waits.remove(&id) else { return };
        match waiter {
            Waiter::ExecutionTimeout => {
                if let Some(top) = self.top_run() {
                    self.abort_run(top);
                }
                self.cancel_all();
                self.emit(
                    None,
                    "ExecutionTimedOut",
                    Details::ErrorCause { member: "executionTimedOutEventDetails", resource: None, error: None, cause: None },
                );
                self.x.status = Status::TimedOut;
            }
            Waiter::Wait(run) => {
                let phase = std::mem::replace(&mut self.run_mut(run).phase, Phase::Idle);
                if let Phase::Wait { timer, result } = phase {
                    debug_assert_eq!(timer, id);
                    let outcome = self.complete(run, states::Exit::plain(result));
                    self.follow(run, outcome);
                }
            }
            Waiter::Retry(run) => {
                self.run_mut(run).phase = Phase::Idle;
                let outcome = self.execute(run);
                self.follow(run, outcome);
            }
            Waiter::TaskTimeout(run) => self.task_timed_out(run, crate::error::names::TIMEOUT),
            Waiter::Heartbeat(run) => self.task_timed_out(run, crate::error::names::HEARTBEAT_TIMEOUT),
            Waiter::Task(_) => {}
        }
    }
}

/// Variables visible from one run.
struct ScopeView<'a> {
    runs: &'a [Option<Run>],
    run: RunId,
}

impl Vars for ScopeView<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        let mut cur = self.runs.get(self.run)?.as_ref();
        while let Some(r) = cur {
            if let Some(v) = r.vars.get(name) {
                return Some(v);
            }
            if !r.sees_parent {
                return None;
            }
            cur = r.parent.and_then(|(p, _)| self.runs.get(p)).and_then(Option::as_ref);
        }
        None
    }

    fn collect(&self) -> Map<String, Value> {
        let mut chain = Vec::new();
        let mut cur = self.runs.get(self.run).and_then(Option::as_ref);
        while let Some(r) = cur {
            chain.push(r);
            if !r.sees_parent {
                break;
            }
            cur = r.parent.and_then(|(p, _)| self.runs.get(p)).and_then(Option::as_ref);
        }
        let mut out = Map::new();
        for r in chain.iter().rev() {
            for (k, v) in &r.vars {
                out.insert(k.clone(), v.clone());
            }
        }
        out
    }
}

/// Milliseconds since the epoch as AWS writes times in the context object.
pub fn iso_millis(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => "1970-01-01T00:00:00.000Z".to_string(),
    }
}
