//! One running execution: a task that owns its [`Execution`], receives inputs over a channel
//! and, for each batch of inputs, steps → persists → acts.
//!
//! Durability rule: nothing a step asks for that others can see (a reply, a token handed out,
//! an activity task queued, a call of a function that can reach outside) happens before the
//! commit carrying that step's journal entry and events is done. Inputs that need no outside
//! help — a task starting, a task whose resource cannot be resolved failing — are stepped at
//! once and share the commit of the step that caused them.
//!
//! Commits are pipelined: each batch is handed to the store once it is stepped, while earlier
//! ones are still in flight (up to a few per execution), and the actor goes on stepping. The
//! store applies an execution's commits in the order they were queued and refuses one whose
//! journal entries do not continue the stored journal, so a commit queued behind one that
//! failed never lands; the actor stops at the first failure. Under load (other executions'
//! commits in flight), a batch with nothing that must follow its commit waits a little for
//! the result of a call the execution is running, so that a chain of short Tasks shares one
//! commit ([`Actor::holds`]).
//!
//! A call of a *confined* function (no network, no writable directory:
//! [`sandbox::Grants::is_confined`]) starts as soon as it is stepped, even before its
//! TaskScheduled is durable — it changes nothing but its result, and after a crash the
//! recovered execution runs it again, as for any task whose result was not committed. Timers
//! are armed as soon as they are stepped too: arming one is not seen outside. A result or a
//! firing is stepped after the step that asked for it, into the same batch or a later one,
//! and batches are committed in order, so the history is written in order and a task's result
//! is never committed before its scheduling. Express executions skip the store and keep their
//! events in memory.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use asl::events::HistoryEvent;
use asl::exec::{Execution, Input, Status, TaskRequest, Work, WorkId};
use asl::model::Machine;
use serde_json::Value;
use store::{Commit, ExecutionStatus, JournalEntry, StatusUpdate, StoredEvent, TimerRecord, TokenRecord};
use tokio::sync::{mpsc, oneshot};

use crate::error::EngineError;
use crate::journal::Entry;
use crate::nested::Nested;
use crate::resource::{self, Pattern, Target, Via};
use crate::tasks::{self, Call};
use crate::{now_ms, Inner};

/// A message to a running execution.
pub(crate) enum Msg {
    /// Step this input; answer with the time it was stepped at once it is committed.
    Input { input: Input, reply: Option<oneshot::Sender<Result<i64, EngineError>>> },
    /// An activity worker took the task: step `TaskStarted` if it is still wanted, and answer
    /// once that is committed. A task no longer wanted drops `reply` unanswered.
    ActivityTaken { id: WorkId, worker: Option<String>, reply: oneshot::Sender<Result<i64, EngineError>> },
}

/// What the actor must do after a commit.
enum Act {
    Task { id: WorkId, call: Call },
    /// A `states:startExecution` task.
    Nested { id: WorkId, task: Nested },
    /// An HTTP Task.
    Http { id: WorkId, call: crate::http_task::HttpCall },
    /// A call whose result nobody waits for (`lambda:invoke` with `InvocationType: Event`).
    Detached { call: Call },
    /// A call of Step Functions' own API (`aws-sdk:sfn:…`).
    Sfn { id: WorkId, call: crate::sdk_sfn::SfnCall },
    Activity { id: WorkId, arn: String, token: String, input: String },
    Callback { id: WorkId, token: String },
    Timer { id: WorkId, at: i64 },
    Cancel { id: WorkId },
}

/// The outcome of stepping a batch, before it is written.
#[derive(Default)]
pub(crate) struct Batch {
    pub(crate) commit: Commit,
    acts: Vec<Act>,
    replies: Vec<oneshot::Sender<Result<i64, EngineError>>>,
    last_now: i64,
}

impl Batch {
    /// Records that timer `id` is done: a timer set in this same batch is never written at all
    /// (a Task's timeout that the Task beat within one commit, or a heartbeat timer that the
    /// next heartbeat of the batch replaces); the row of one stored by an earlier batch
    /// (`stored`) is deleted.
    fn clear_timer(&mut self, id: WorkId, stored: bool) {
        match self.commit.timers_set.iter().position(|t| t.work_id == id) {
            Some(i) => {
                self.commit.timers_set.remove(i);
            }
            None if stored => self.commit.timers_cleared.push(id),
            None => {}
        }
    }

    /// Whether there is anything to write or to do.
    fn is_empty(&self) -> bool {
        self.commit.journal.is_empty() && self.commit.status.is_none() && self.acts.is_empty() && self.replies.is_empty()
    }
}

/// A batch whose commit has been handed to the store (`done`; `None`: nothing to write): its
/// acts wait for the answer and for every batch ahead of it.
struct InFlight {
    done: Option<oneshot::Receiver<Result<(), store::StoreError>>>,
    batch: Batch,
}

/// Most commits of one execution in flight at once. The store applies an execution's commits
/// in order and refuses one whose journal does not continue the stored journal, so a commit
/// queued behind one that failed never lands.
const MAX_IN_FLIGHT: usize = 8;

/// Longest a stepped batch waits for the result of a call this execution is running, so that
/// the result shares its commit (see [`Actor::holds`]).
const HOLD: Duration = Duration::from_millis(10);

/// Most journal entries a batch gathers while it waits; past them it is committed anyway.
const HOLD_MAX_ENTRIES: usize = 256;

/// What woke the run loop.
enum Wake {
    Committed(Result<(), EngineError>),
    Msg(Option<Msg>),
    Timer,
}

/// A running execution.
pub(crate) struct Actor {
    pub(crate) inner: Arc<Inner>,
    pub(crate) machine: Arc<Machine>,
    pub(crate) exec: Execution,
    pub(crate) arn: String,
    pub(crate) role_arn: String,
    /// Standard: every batch is committed. Express: nothing is written.
    pub(crate) durable: bool,
    pub(crate) next_seq: u64,
    pub(crate) redrive_count: u32,
    pub(crate) redrive_ms: Option<i64>,
    /// Express only: the history so far.
    pub(crate) events: Vec<HistoryEvent>,
    tx: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
    timers: BTreeSet<(i64, WorkId)>,
    timer_at: HashMap<WorkId, i64>,
    /// Tokens handed out, by the work they complete.
    tokens: HashMap<WorkId, String>,
    /// Activity tasks queued and not yet taken.
    queued: HashSet<WorkId>,
    /// Function calls running whose result has not been stepped yet, with what stops each.
    calls: HashMap<WorkId, Arc<CallStop>>,
    /// Service tasks under way (`states:startExecution`, `http:invoke`), with what tells each
    /// it is no longer wanted.
    services: HashMap<WorkId, Arc<crate::nested::Cancel>>,
    /// Counts this execution in `Inner::calling` while `calls` is not empty.
    calling: CallingMark,
    /// Set by StopExecution, and when the actor is dropped (the execution has ended or
    /// stopped here): the execution's running calls stop at their next epoch tick.
    interrupt: StopOnDrop,
    /// The mock test case the execution was started with (`ARN#TestCase`).
    pub(crate) mock: Option<crate::mocks::TestCase>,
}

/// What stops one call (see [`sandbox::CallOptions::interrupt`]): its execution's flag, or
/// its own, set when the step that cancels its task (a failed Parallel branch, say) is taken.
struct CallStop {
    execution: Arc<AtomicBool>,
    call: AtomicBool,
}

impl CallStop {
    fn cancel(&self) {
        self.call.store(true, Ordering::Release);
    }
}

impl sandbox::Interrupt for CallStop {
    fn requested(&self) -> bool {
        self.call.load(Ordering::Acquire) || self.execution.load(Ordering::Acquire)
    }
}

/// The execution's interrupt flag, set when the actor is dropped: whatever its calls would
/// still answer, nobody steps it.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// This execution's share of `Inner::calling`, given back when the actor is dropped.
struct CallingMark {
    inner: Arc<Inner>,
    counted: bool,
}

impl CallingMark {
    fn set(&mut self, calling: bool) {
        if calling != self.counted {
            if calling {
                self.inner.calling.fetch_add(1, Ordering::Relaxed);
            } else {
                self.inner.calling.fetch_sub(1, Ordering::Relaxed);
            }
            self.counted = calling;
        }
    }
}

impl Drop for CallingMark {
    fn drop(&mut self) {
        self.set(false);
    }
}

/// How the run loop ended.
pub(crate) enum Ending {
    Finished,
    /// A commit failed: the execution stays RUNNING in the store and resumes on the next open.
    StoreFailed,
}

impl Actor {
    pub(crate) fn new(
        inner: Arc<Inner>,
        machine: Arc<Machine>,
        exec: Execution,
        role_arn: String,
        durable: bool,
    ) -> Actor {
        let (tx, rx) = mpsc::unbounded_channel();
        Actor {
            calling: CallingMark { inner: inner.clone(), counted: false },
            arn: exec.info().execution_arn.clone(),
            redrive_count: exec.info().redrive_count as u32,
            inner,
            machine,
            exec,
            role_arn,
            durable,
            next_seq: 1,
            redrive_ms: None,
            events: Vec::new(),
            tx,
            rx,
            timers: BTreeSet::new(),
            timer_at: HashMap::new(),
            tokens: HashMap::new(),
            queued: HashSet::new(),
            calls: HashMap::new(),
            services: HashMap::new(),
            interrupt: StopOnDrop(Arc::new(AtomicBool::new(false))),
            mock: None,
        }
    }

    /// Tells the observer how the execution ended (nothing while it runs).
    pub(crate) fn report_end(&self) {
        let status = self.exec.status();
        if *status != Status::Running {
            let info = self.exec.info();
            self.inner.observer.execution_finished(&info.state_machine_arn, &info.execution_arn, info.express, status.as_str());
        }
    }

    /// The sender other parts of the engine use to reach this execution, and the flag that
    /// interrupts its running calls once it is stopped.
    pub(crate) fn reach(&self) -> (mpsc::UnboundedSender<Msg>, Arc<AtomicBool>) {
        (self.tx.clone(), self.interrupt.0.clone())
    }

    /// Steps `input` and everything it makes ready at once into a batch.
    pub(crate) fn step_batch(&mut self, first: Input, batch: &mut Batch) {
        let mut queue = VecDeque::from([first]);
        while let Some(input) = queue.pop_front() {
            self.step_one(input, batch, &mut queue);
        }
    }

    /// Steps a redrive (see [`asl::exec::Execution::redrive`]) into a batch.
    pub(crate) fn redrive_batch(&mut self, batch: &mut Batch) -> Result<(), String> {
        let now = now_ms();
        let entropy = self.inner.entropy();
        let step = self.exec.redrive(&self.machine, now, entropy)?;
        self.journal(Entry::Redrive.to_text(), now, entropy, batch);
        self.redrive_count += 1;
        self.redrive_ms = Some(now);
        batch.commit.status = Some(StatusUpdate {
            status: ExecutionStatus::Running,
            stop_ms: None,
            output: None,
            error: None,
            cause: None,
            redrive_count: self.redrive_count,
            redrive_ms: Some(now),
        });
        let mut queue = VecDeque::new();
        self.absorb(step, now, batch, &mut queue);
        while let Some(input) = queue.pop_front() {
            self.step_one(input, batch, &mut queue);
        }
        Ok(())
    }

    /// Journals an entry's stored `text`.
    fn journal(&mut self, text: String, now: i64, entropy: u64, batch: &mut Batch) {
        batch.last_now = now;
        if self.durable {
            batch.commit.journal.push(JournalEntry { seq: self.next_seq, input: text, now_ms: now, entropy });
            self.next_seq += 1;
        }
    }

    fn step_one(&mut self, input: Input, batch: &mut Batch, queue: &mut VecDeque<Input>) {
        let now = now_ms().max(batch.last_now);
        let entropy = self.inner.entropy();
        if self.durable {
            self.journal(Entry::text_of(&input, &self.role_arn, self.mock.as_ref().map(|m| m.name.as_str())), now, entropy, batch);
        } else {
            batch.last_now = now;
        }
        let ended = match &input {
            Input::TaskSucceeded { id, .. } | Input::TaskFailed { id, .. } => Some(*id),
            _ => None,
        };
        let step = self.exec.step(&self.machine, input, now, entropy);
        self.absorb(step, now, batch, queue);
        if let Some(id) = ended {
            self.calls.remove(&id);
            self.services.remove(&id);
            // The task's token (a callback or an activity task) is spent.
            if let Some(token) = self.tokens.get(&id) {
                if self.durable && !batch.commit.tokens_removed.contains(token) {
                    batch.commit.tokens_removed.push(token.clone());
                }
                batch.acts.push(Act::Cancel { id });
            }
        }
    }

    fn absorb(&mut self, step: asl::exec::Step, now: i64, batch: &mut Batch, queue: &mut VecDeque<Input>) {
        let entered = step.events.iter().filter(|e| e.event_type.ends_with("StateEntered")).count();
        if entered > 0 {
            self.inner.observer.states_entered(entered as u64);
        }
        if self.durable {
            for e in &step.events {
                batch.commit.events.push(StoredEvent {
                    id: e.id,
                    timestamp_ms: e.timestamp_ms,
                    event_type: e.event_type.to_string(),
                    json: e.to_json_text(),
                });
            }
            if !step.map_runs.is_empty() || !step.children.is_empty() {
                crate::map_runs::absorb(&mut batch.commit, &self.arn, step.children, step.map_runs, now);
            }
        } else {
            // An Express execution keeps only its own history.
            self.events.extend(step.events);
        }
        for w in step.work {
            match w {
                Work::RunTask(t) => self.plan_task(t, now, batch, queue),
                Work::StartTimer { id, fire_at_ms, delay } => {
                    let fire_at_ms = crate::timer_due(self.inner.wait_time_scale, now, fire_at_ms, delay);
                    if self.durable {
                        batch.commit.timers_set.push(TimerRecord { work_id: id, due_ms: fire_at_ms, kind: "timer".into() });
                    }
                    batch.acts.push(Act::Timer { id, at: fire_at_ms });
                }
                Work::Cancel { id } => {
                    if let Some(call) = self.calls.remove(&id) {
                        call.cancel();
                    }
                    if let Some(task) = self.services.remove(&id) {
                        task.cancel();
                    }
                    // An armed timer was stored by the batch that set it.
                    if self.durable {
                        batch.clear_timer(id, self.timer_at.contains_key(&id));
                    }
                    if let Some(token) = self.tokens.get(&id) {
                        if self.durable {
                            batch.commit.tokens_removed.push(token.clone());
                        }
                    }
                    batch.acts.push(Act::Cancel { id });
                }
            }
        }
        if *self.exec.status() != Status::Running {
            batch.commit.status = Some(self.final_status(now));
            for token in self.tokens.values() {
                if self.durable && !batch.commit.tokens_removed.contains(token) {
                    batch.commit.tokens_removed.push(token.clone());
                }
            }
        }
    }

    /// Decides how a task runs; tasks that start at once (functions, callbacks) or fail at
    /// once (unknown resource or function) are stepped in the same batch. `now` is the time
    /// the task was stepped at.
    fn plan_task(&mut self, t: TaskRequest, now: i64, batch: &mut Batch, queue: &mut VecDeque<Input>) {
        let id = t.id;
        if let Some(answer) = self.mock.as_mut().and_then(|m| m.answer(&t.state_name, id)) {
            queue.extend(answer);
            return;
        }
        let target = match resource::resolve(&t.resource, &t.input, t.input_text) {
            Ok(target) => target,
            Err(e) => {
                queue.push_back(Input::TaskFailed { id, error: Some("States.TaskFailed".into()), cause: Some(e.0) });
                return;
            }
        };
        match target {
            Target::Function { name, payload, via, callback } => {
                let Some(function) = self.inner.function(&name) else {
                    let (error, cause) = self.inner.missing_function(&name, &t.resource, via);
                    if via.is_lambda() {
                        // Lambda answers the invocation with ResourceNotFoundException: the
                        // task had started.
                        queue.push_back(Input::TaskStarted { id, worker: None });
                    }
                    queue.push_back(Input::TaskFailed { id, error: Some(error), cause: Some(cause) });
                    return;
                };
                queue.push_back(Input::TaskStarted { id, worker: None });
                if callback && !self.hand_out_token(id, t.task_token.clone(), &t.resource, t.heartbeat_seconds, batch, queue) {
                    return;
                }
                let call = Call {
                    function,
                    payload,
                    context: t.context,
                    timeout: t.timeout_seconds.map(Duration::from_secs),
                    // As the stepper sets the task's timeout timer.
                    timeout_at: t.timeout_seconds.map(|s| now.saturating_add(s as i64 * 1000)),
                    via,
                    state_name: t.state_name,
                    callback,
                };
                batch.acts.push(Act::Task { id, call });
            }
            Target::Activity { arn, input } => {
                let token = activity_token(&self.arn, id);
                self.add_token(id, &token, Some(arn.clone()), Some(input.clone()), t.heartbeat_seconds, batch);
                batch.acts.push(Act::Activity { id, arn, token, input });
            }
            Target::Execution { start, pattern } => {
                queue.push_back(Input::TaskStarted { id, worker: None });
                if pattern == Pattern::Callback && !self.hand_out_token(id, t.task_token.clone(), &t.resource, t.heartbeat_seconds, batch, queue) {
                    return;
                }
                let task = Nested { start, pattern, context: t.context };
                batch.acts.push(Act::Nested { id, task });
            }
            Target::Http { call } => {
                queue.push_back(Input::TaskStarted { id, worker: None });
                batch.acts.push(Act::Http { id, call });
            }
            Target::Sfn { call } => {
                queue.push_back(Input::TaskStarted { id, worker: None });
                batch.acts.push(Act::Sfn { id, call });
            }
            Target::LambdaAsync { name, payload, dry_run } => {
                let Some(function) = self.inner.function(&name) else {
                    let (error, cause) = self.inner.missing_function(&name, &t.resource, Via::LambdaInvoke);
                    queue.push_back(Input::TaskStarted { id, worker: None });
                    queue.push_back(Input::TaskFailed { id, error: Some(error), cause: Some(cause) });
                    return;
                };
                // Lambda has queued the event (or checked the call): the task ends at once; the
                // call is made after the commit, and its result is not waited for.
                queue.push_back(Input::TaskStarted { id, worker: None });
                let output = resource::lambda_async_response(dry_run, &self.inner.uuid());
                queue.push_back(Input::TaskSucceeded { id, output, logs: None });
                if !dry_run {
                    batch.acts.push(Act::Detached { call: Call::event(function, payload, t.context, t.state_name) });
                }
            }
        }
    }

    /// Hands out the token of a `.waitForTaskToken` task; a task without one fails at once
    /// (`false`).
    fn hand_out_token(
        &mut self,
        id: WorkId,
        token: Option<String>,
        resource: &str,
        heartbeat_seconds: Option<u64>,
        batch: &mut Batch,
        queue: &mut VecDeque<Input>,
    ) -> bool {
        let Some(token) = token else {
            let cause = format!("resource '{resource}' waits for a task token but none was issued");
            queue.push_back(Input::TaskFailed { id, error: Some("States.TaskFailed".into()), cause: Some(cause) });
            return false;
        };
        self.add_token(id, &token, None, None, heartbeat_seconds, batch);
        batch.acts.push(Act::Callback { id, token });
        true
    }

    fn add_token(
        &mut self,
        id: WorkId,
        token: &str,
        activity_arn: Option<String>,
        input: Option<String>,
        heartbeat_seconds: Option<u64>,
        batch: &mut Batch,
    ) {
        if self.durable {
            batch.commit.tokens_added.push(TokenRecord {
                token: token.to_string(),
                execution_arn: self.arn.clone(),
                work_id: id,
                activity_arn,
                input,
                heartbeat_seconds,
            });
        }
    }

    pub(crate) fn final_status(&self, now: i64) -> StatusUpdate {
        let (status, output, error, cause) = match self.exec.status() {
            Status::Running => (ExecutionStatus::Running, None, None, None),
            Status::Succeeded(v) => (ExecutionStatus::Succeeded, Some(asl::error::compact(v)), None, None),
            Status::Failed(f) => (ExecutionStatus::Failed, None, f.error.clone(), f.cause.clone()),
            Status::TimedOut => (ExecutionStatus::TimedOut, None, None, None),
            Status::Aborted(f) => (ExecutionStatus::Aborted, None, f.error.clone(), f.cause.clone()),
        };
        StatusUpdate {
            status,
            stop_ms: Some(now),
            output,
            error,
            cause,
            redrive_count: self.redrive_count,
            redrive_ms: self.redrive_ms,
        }
    }

    /// Writes a batch (Standard) and waits until it is durable.
    pub(crate) async fn persist(&self, batch: &mut Batch) -> Result<(), EngineError> {
        match self.submit(batch) {
            None => Ok(()),
            Some(rx) => committed(rx.await),
        }
    }

    /// Hands the batch's commit to the store; `None` when there is nothing to write.
    fn submit(&self, batch: &mut Batch) -> Option<oneshot::Receiver<Result<(), store::StoreError>>> {
        if !self.durable || (batch.commit.journal.is_empty() && batch.commit.status.is_none()) {
            return None;
        }
        let mut commit = std::mem::take(&mut batch.commit);
        commit.execution_arn = self.arn.clone();
        let (tx, rx) = oneshot::channel();
        self.inner.commits_in_flight.fetch_add(1, Ordering::Relaxed);
        let inner = self.inner.clone();
        self.inner.store.commit(commit, Box::new(move |r| {
            inner.commits_in_flight.fetch_sub(1, Ordering::Relaxed);
            let _ = tx.send(r);
        }));
        Some(rx)
    }

    /// Starts what may start ahead of its batch's commit (see the module's documentation):
    /// calls of confined functions, and timers (armed in memory; a timer's firing is stepped
    /// into a later batch). Everything else waits for [`Actor::act`].
    pub(crate) fn start_early(&mut self, batch: &mut Batch) {
        if !self.durable || !batch.acts.iter().any(Act::starts_early) {
            return;
        }
        let acts = std::mem::take(&mut batch.acts);
        for act in acts {
            match act {
                Act::Task { id, call } if call.is_confined() => self.spawn(id, call),
                Act::Timer { id, at } => self.arm(id, at),
                other => batch.acts.push(other),
            }
        }
    }

    fn arm(&mut self, id: WorkId, at: i64) {
        self.timers.insert((at, id));
        self.timer_at.insert(id, at);
    }

    /// Starts a call on a call thread; its result comes back as a message. A task cancelled
    /// in the step that asked for it (its Parallel branch failed at once, say) is not called.
    fn spawn(&mut self, id: WorkId, call: Call) {
        if !self.exec.is_pending(id) {
            return;
        }
        let stop = self.call_stop(id, &call);
        tasks::spawn(id, call, self.tx.clone(), stop, &self.inner);
    }

    /// Registers service task `id` as under way, unless it was cancelled in the step that
    /// asked for it; answers what tells it it is no longer wanted.
    fn service(&mut self, id: WorkId) -> Option<Arc<crate::nested::Cancel>> {
        if !self.exec.is_pending(id) {
            return None;
        }
        let cancel = Arc::new(crate::nested::Cancel::default());
        self.services.insert(id, cancel.clone());
        Some(cancel)
    }

    /// What stops the call of task `id`, kept with the calls whose result is awaited (a
    /// callback task's call answers nothing when it succeeds: the token does).
    fn call_stop(&mut self, id: WorkId, call: &Call) -> Arc<CallStop> {
        let stop = Arc::new(CallStop { execution: self.interrupt.0.clone(), call: AtomicBool::new(false) });
        if !call.callback {
            self.calls.insert(id, stop.clone());
        }
        stop
    }

    /// Whether `batch` should wait before it is committed (`own`: this execution's commits in
    /// flight; `since`: when the batch began to wait).
    ///
    /// Group commit within one execution: under load, a batch waits while the execution runs
    /// a call whose result will come back soon, so that the result is stepped into the same
    /// batch and the two share one commit — a chain of short Tasks then costs a few commits
    /// instead of one per Task. Load means other executions have commits in flight or calls
    /// running (whose results they will commit soon); a lone execution never waits, and has
    /// its commits written while its calls run. A batch waits only if nothing in it must
    /// follow its commit soon (no reply, no act but cancellations, not the end), at most
    /// [`HOLD`] and up to [`HOLD_MAX_ENTRIES`]. Waiting is always safe: nothing has acted on
    /// the batch, and a crash meanwhile only runs the calls again, as for any result not yet
    /// committed. A cancellation that waits with it leaves nothing stale: a timer it cancels
    /// that fires meanwhile is no longer pending and is skipped, and a callback for a task it
    /// cancels is refused, the task having ended.
    fn holds(&self, batch: &Batch, own: usize, since: &mut Option<tokio::time::Instant>) -> bool {
        let wanted = self.durable
            && !self.calls.is_empty()
            && batch.acts.iter().all(|a| matches!(a, Act::Cancel { .. }))
            && batch.replies.is_empty()
            && batch.commit.status.is_none()
            && batch.commit.journal.len() < HOLD_MAX_ENTRIES
            && (self.inner.commits_in_flight.load(Ordering::Relaxed) > own
                || self.inner.calling.load(Ordering::Relaxed) > usize::from(self.calling.counted));
        if !wanted {
            return false;
        }
        let now = tokio::time::Instant::now();
        now < *since.get_or_insert(now) + HOLD
    }

    /// Carries out what a committed batch asked for.
    pub(crate) fn act(&mut self, batch: Batch) {
        let now = batch.last_now;
        for reply in batch.replies {
            let _ = reply.send(Ok(now));
        }
        for act in batch.acts {
            match act {
                Act::Timer { id, at } => self.arm(id, at),
                Act::Cancel { id } => {
                    if let Some(at) = self.timer_at.remove(&id) {
                        self.timers.remove(&(at, id));
                    }
                    if let Some(token) = self.tokens.remove(&id) {
                        self.inner.drop_token(&token);
                    }
                    self.queued.remove(&id);
                }
                Act::Task { id, call } => self.spawn(id, call),
                Act::Nested { id, task } => {
                    if let Some(cancel) = self.service(id) {
                        crate::nested::spawn(id, task, self.tx.clone(), cancel, &self.inner);
                    }
                }
                Act::Detached { call } => tasks::spawn_detached(call, &self.inner),
                Act::Sfn { id, call } => {
                    if self.exec.is_pending(id) {
                        crate::sdk_sfn::spawn(id, call, self.tx.clone(), &self.inner);
                    }
                }
                Act::Http { id, call } => {
                    if let Some(cancel) = self.service(id) {
                        crate::http_task::spawn(id, call, self.tx.clone(), cancel, &self.inner);
                    }
                }
                Act::Callback { id, token } => {
                    self.inner.add_token(&token, id, self.tx.clone());
                    self.tokens.insert(id, token);
                }
                Act::Activity { id, arn, token, input } => {
                    self.inner.add_token(&token, id, self.tx.clone());
                    self.tokens.insert(id, token.clone());
                    self.queued.insert(id);
                    self.inner.activities.push(&arn, token, input);
                }
            }
        }
    }

    /// Express only, on a call thread: acts on `batch`, then goes on stepping on this thread
    /// for as long as the execution waits for one call and nothing else
    /// ([`Actor::sole_call`]), making that call itself. Returns at the first batch that asks
    /// for more (acted on, so its work has started) or once the execution has ended; the
    /// caller then hands what is left to [`Actor::run`].
    ///
    /// A chain of Tasks then costs no thread hand-off per call; made on a call thread, each
    /// call costs two (the call to the thread, its result back). What happens stays what the
    /// run loop would do: a call is made here only when no timer can come due before the
    /// call ends but the task's own timeout, and after the call, whatever arrived meanwhile
    /// (heartbeats) and every timer now due are stepped before its result, as the run loop
    /// steps a message and then the due timers before a result that comes later.
    pub(crate) fn drive_inline(&mut self, mut batch: Batch) {
        debug_assert!(!self.durable, "a durable execution commits before it acts");
        loop {
            let sole = self.sole_call(&batch).map(|i| batch.acts.remove(i));
            self.act(batch);
            let Some(Act::Task { id, call }) = sole else { return };
            let stop = self.call_stop(id, &call);
            let request_id = self.inner.uuid();
            let result = tasks::run(id, &call, &self.tx, Some(stop), &request_id, &*self.inner.observer);
            batch = Batch::default();
            self.gather(&mut batch);
            if let Some(input) = result {
                self.take(Msg::Input { input, reply: None }, &mut batch);
            }
        }
    }

    /// Where in `batch` the one call is that an Express execution then waits for alone, if
    /// it is so: no other call, token or activity task outstanding or asked for, and no
    /// timer due before the call ends at the latest, but the task's own timeout (the call's
    /// limit is never longer, so the call ends with it).
    pub(crate) fn sole_call(&self, batch: &Batch) -> Option<usize> {
        if self.durable
            || *self.exec.status() != Status::Running
            || !self.calls.is_empty()
            || !self.services.is_empty()
            || !self.tokens.is_empty()
        {
            return None;
        }
        let mut task = None;
        for (i, act) in batch.acts.iter().enumerate() {
            match act {
                Act::Task { call, .. } if !call.callback && task.is_none() => task = Some(i),
                Act::Timer { .. } | Act::Cancel { .. } => {}
                _ => return None,
            }
        }
        let i = task?;
        let Act::Task { call, .. } = &batch.acts[i] else { return None };
        // A timed-out call ends within an epoch tick of its limit: well within a second.
        let limit_ms = i64::try_from(call.function.time_limit(call.timeout).as_millis()).unwrap_or(i64::MAX);
        let ends_by = now_ms().saturating_add(limit_ms).saturating_add(1000);
        let armed = self.timers.iter().map(|&(at, _)| at);
        let asked = batch.acts.iter().filter_map(|a| match a {
            Act::Timer { at, .. } => Some(*at),
            _ => None,
        });
        let mut due = armed.chain(asked);
        if due.any(|at| at < ends_by && Some(at) != call.timeout_at) {
            return None;
        }
        Some(i)
    }

    /// Re-arms work found outstanding after a replay: timers at their original time, tasks
    /// run again (at least once), tokens handed out again, activity tasks that no worker had
    /// taken queued again (a taken one stays with its worker, whose token is live again).
    pub(crate) fn resume(&mut self, outstanding: Vec<TaskRequest>, timers: Vec<(WorkId, i64)>, started: &HashSet<WorkId>) -> Batch {
        let mut batch = Batch::default();
        let mut queue = VecDeque::new();
        for (id, at) in timers {
            batch.acts.push(Act::Timer { id, at });
        }
        for t in outstanding {
            let id = t.id;
            let before = queue.len();
            self.plan_task(t, now_ms(), &mut batch, &mut queue);
            // A task that had already started must not write a second TaskStarted event.
            if started.contains(&id) {
                // An activity task a worker had taken stays that worker's: its token is live
                // again, but the task is not queued for another poller.
                for act in &mut batch.acts {
                    if let Act::Activity { id: a, token, .. } = act {
                        if *a == id {
                            *act = Act::Callback { id, token: std::mem::take(token) };
                        }
                    }
                }
                let mut kept = VecDeque::new();
                for (i, input) in queue.drain(..).enumerate() {
                    if i >= before && matches!(input, Input::TaskStarted { id: s, .. } if s == id) {
                        continue;
                    }
                    kept.push_back(input);
                }
                queue = kept;
            }
        }
        // Recovered tokens were committed with the original step.
        batch.commit.tokens_added.clear();
        while let Some(input) = queue.pop_front() {
            self.step_one(input, &mut batch, &mut queue);
        }
        batch
    }

    /// Runs until the execution ends (or a commit fails): steps what arrives into the next
    /// batch and hands each batch to the store as soon as it is stepped, while earlier ones
    /// may still be in flight (at most [`MAX_IN_FLIGHT`]); a batch's acts are carried out
    /// once its commit, and so every earlier one, is done.
    pub(crate) async fn run(mut self) -> (Actor, Ending) {
        let mut next = Batch::default();
        let mut in_flight: VecDeque<InFlight> = VecDeque::new();
        // When `next` began to wait for a call's result (see `holds`).
        let mut held_since = None;
        loop {
            self.calling.set(self.durable && !self.calls.is_empty());
            // Batches with nothing to write wait only for the commits ahead of them.
            while in_flight.front().is_some_and(|f| f.done.is_none()) {
                let batch = in_flight.pop_front().map(|f| f.batch).unwrap_or_default();
                self.act(batch);
            }
            if in_flight.len() < MAX_IN_FLIGHT && !next.is_empty() && !self.holds(&next, in_flight.len(), &mut held_since) {
                held_since = None;
                let mut batch = std::mem::take(&mut next);
                match self.submit(&mut batch) {
                    None if in_flight.is_empty() => self.act(batch),
                    done => in_flight.push_back(InFlight { done, batch }),
                }
                continue;
            }
            let running = *self.exec.status() == Status::Running;
            if !running && in_flight.is_empty() {
                return (self, Ending::Finished);
            }
            let next_timer = self.timers.first().copied();
            let hold_ends = held_since.map(|t| t + HOLD);
            let wake = tokio::select! {
                biased;
                r = wait_commit(in_flight.front_mut()) => Wake::Committed(r),
                m = self.rx.recv(), if running => Wake::Msg(m),
                _ = sleep_until_ms(next_timer.map(|(at, _)| at)), if running => Wake::Timer,
                _ = sleep_until(hold_ends), if hold_ends.is_some() => Wake::Timer,
            };
            match wake {
                Wake::Committed(Ok(())) => {
                    let batch = in_flight.pop_front().map(|f| f.batch).unwrap_or_default();
                    self.act(batch);
                    continue;
                }
                Wake::Committed(Err(e)) => {
                    let text = e.to_string();
                    let flown = in_flight.into_iter().flat_map(|f| f.batch.replies);
                    for reply in flown.chain(next.replies) {
                        let _ = reply.send(Err(EngineError::Unavailable(text.clone())));
                    }
                    return (self, Ending::StoreFailed);
                }
                Wake::Msg(None) if in_flight.is_empty() => return (self, Ending::Finished),
                Wake::Msg(None) => {}
                Wake::Msg(Some(m)) => self.take(m, &mut next),
                Wake::Timer => {}
            }
            self.gather(&mut next);
            self.start_early(&mut next);
        }
    }

    fn take(&mut self, msg: Msg, batch: &mut Batch) {
        match msg {
            Msg::Input { input, reply } => {
                // A callback (reply wanted) for a task that has already ended is refused.
                let task = match &input {
                    Input::TaskSucceeded { id, .. }
                    | Input::TaskFailed { id, .. }
                    | Input::TaskHeartbeat { id }
                    | Input::TaskSubmitted { id, .. } => Some(*id),
                    _ => None,
                };
                if task.is_some_and(|id| !self.exec.is_pending(id)) {
                    if let Some(r) = reply {
                        let _ = r.send(Err(EngineError::TaskTimedOut));
                        return;
                    }
                }
                if *self.exec.status() == Status::Running {
                    self.step_batch(input, batch);
                }
                if let Some(r) = reply {
                    batch.replies.push(r);
                }
            }
            Msg::ActivityTaken { id, worker, reply } => {
                if self.queued.remove(&id) && *self.exec.status() == Status::Running {
                    self.step_batch(Input::TaskStarted { id, worker }, batch);
                    batch.replies.push(reply);
                }
            }
        }
    }

    /// Steps into `batch` the messages already waiting (up to 256), then every timer due.
    fn gather(&mut self, batch: &mut Batch) {
        for _ in 0..256 {
            if *self.exec.status() != Status::Running {
                break;
            }
            match self.rx.try_recv() {
                Ok(m) => self.take(m, batch),
                Err(_) => break,
            }
        }
        self.fire_due(batch);
    }

    fn fire_due(&mut self, batch: &mut Batch) {
        let now = now_ms();
        while let Some(&(at, id)) = self.timers.first() {
            if at > now || *self.exec.status() != Status::Running {
                break;
            }
            self.timers.pop_first();
            self.timer_at.remove(&id);
            // Cancelled by a step whose batch has not been acted on yet: nothing to fire.
            if !self.exec.is_pending(id) {
                continue;
            }
            if self.durable {
                batch.clear_timer(id, true);
            }
            self.step_batch(Input::TimerFired { id }, batch);
        }
    }

    /// Tokens still registered (to drop when the actor ends).
    pub(crate) fn take_tokens(&mut self) -> Vec<String> {
        self.queued.clear();
        self.tokens.drain().map(|(_, t)| t).collect()
    }
}

/// Waits for the oldest commit in flight, or forever when there is none.
async fn wait_commit(in_flight: Option<&mut InFlight>) -> Result<(), EngineError> {
    match in_flight.and_then(|f| f.done.as_mut()) {
        Some(done) => committed(done.await),
        None => std::future::pending().await,
    }
}

fn committed(answer: Result<Result<(), store::StoreError>, oneshot::error::RecvError>) -> Result<(), EngineError> {
    match answer {
        Ok(r) => r.map_err(EngineError::from),
        Err(_) => Err(EngineError::Unavailable("the store dropped a commit without answering".into())),
    }
}

impl Act {
    /// Whether [`Actor::start_early`] carries it out.
    fn starts_early(&self) -> bool {
        match self {
            Act::Task { call, .. } => call.is_confined(),
            Act::Timer { .. } => true,
            _ => false,
        }
    }
}

/// Sleeps until `at`, or forever when it is `None`.
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending::<()>().await,
    }
}

/// Sleeps until the epoch-millisecond `at`, or forever when there is no timer.
async fn sleep_until_ms(at: Option<i64>) {
    match at {
        Some(at) => {
            let wait = (at - now_ms()).max(0) as u64;
            tokio::time::sleep(Duration::from_millis(wait)).await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// The token of an activity task: derived from the execution and the work id, so that a
/// recovered execution hands out the same token again.
fn activity_token(execution_arn: &str, id: WorkId) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(execution_arn.as_bytes());
    h.update(b"\0activity\0");
    h.update(id.to_be_bytes());
    hex::encode(h.finalize())
}

/// Replays a journal through a fresh execution and returns what is still outstanding:
/// tasks not yet answered, timers not yet fired, and which tasks had started.
pub(crate) struct Replayed {
    pub(crate) tasks: Vec<TaskRequest>,
    /// How many tasks each state scheduled (a mocked state's invocations so far).
    pub(crate) scheduled: HashMap<String, usize>,
    pub(crate) timers: Vec<(WorkId, i64)>,
    pub(crate) started: HashSet<WorkId>,
    pub(crate) next_seq: u64,
    pub(crate) redrives: u32,
    pub(crate) last_redrive_ms: Option<i64>,
}

/// After a replay, continues `exec`'s history after the last event `store` holds for it, when
/// the replay regenerated a different number of events (a journal written by a build that
/// records some events differently); says so in `warn`.
pub(crate) fn align_history(store: &dyn store::Store, arn: &str, exec: &mut Execution, warn: impl FnOnce(String)) -> Result<(), store::StoreError> {
    let query = store::HistoryQuery { reverse: true, max: 1, next_token: None };
    let last = store.history(arn, &query)?.items.first().map_or(0, |e| e.id);
    if last != exec.event_count() {
        warn(format!(
            "execution {arn}: its journal replays to {} history events but {last} are stored; the history continues after event {last}",
            exec.event_count()
        ));
        exec.continue_after(last);
    }
    Ok(())
}

/// Feeds `journal` to `exec` (a fresh execution), discarding the regenerated events. Timers
/// are due as when they were set (`wait_time_scale` shortens delays, as it did then).
pub(crate) fn replay(machine: &Machine, exec: &mut Execution, journal: &[JournalEntry], wait_time_scale: f64) -> Result<Replayed, String> {
    let mut tasks: HashMap<WorkId, TaskRequest> = HashMap::new();
    let mut scheduled: HashMap<String, usize> = HashMap::new();
    let mut timers: HashMap<WorkId, i64> = HashMap::new();
    let mut started = HashSet::new();
    let mut next_seq = 1;
    let mut redrives = 0;
    let mut last_redrive_ms = None;
    for j in journal {
        let entry = Entry::parse(&j.input, j.seq)?;
        next_seq = next_seq.max(j.seq + 1);
        let step = match entry.to_input() {
            Some(input) => {
                match &input {
                    Input::TaskStarted { id, .. } => {
                        started.insert(*id);
                    }
                    Input::TimerFired { id } => {
                        timers.remove(id);
                    }
                    _ => {}
                }
                exec.step(machine, input, j.now_ms, j.entropy)
            }
            None => {
                redrives += 1;
                last_redrive_ms = Some(j.now_ms);
                exec.redrive(machine, j.now_ms, j.entropy)
                    .map_err(|e| format!("journal entry {}: the redrive does not replay: {e}", j.seq))?
            }
        };
        for w in step.work {
            match w {
                Work::RunTask(t) => {
                    *scheduled.entry(t.state_name.clone()).or_insert(0) += 1;
                    tasks.insert(t.id, t);
                }
                Work::StartTimer { id, fire_at_ms, delay } => {
                    timers.insert(id, crate::timer_due(wait_time_scale, j.now_ms, fire_at_ms, delay));
                }
                Work::Cancel { id } => {
                    tasks.remove(&id);
                    timers.remove(&id);
                }
            }
        }
    }
    let pending: HashSet<WorkId> = exec.pending_work().collect();
    let mut tasks: Vec<TaskRequest> = tasks.into_values().filter(|t| pending.contains(&t.id)).collect();
    tasks.sort_by_key(|t| t.id);
    let mut timers: Vec<(WorkId, i64)> = timers.into_iter().filter(|(id, _)| pending.contains(id)).collect();
    timers.sort_unstable();
    started.retain(|id| pending.contains(id));
    Ok(Replayed { tasks, scheduled, timers, started, next_seq, redrives, last_redrive_ms })
}

/// The JSON value of a stepper status's output, for answers.
pub(crate) fn status_parts(status: &Status) -> (&'static str, Option<String>, Option<String>, Option<String>) {
    match status {
        Status::Running => ("RUNNING", None, None, None),
        Status::Succeeded(v) => ("SUCCEEDED", Some(asl::error::compact(v)), None, None),
        Status::Failed(f) => ("FAILED", None, f.error.clone(), f.cause.clone()),
        Status::TimedOut => ("TIMED_OUT", None, None, None),
        Status::Aborted(f) => ("ABORTED", None, f.error.clone(), f.cause.clone()),
    }
}

/// The value a finished task answers with, parsed; a result that is not JSON is a task failure.
pub(crate) fn parse_output(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("the function returned invalid JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timer(work_id: WorkId) -> TimerRecord {
        TimerRecord { work_id, due_ms: 1_000, kind: "timer".into() }
    }

    #[test]
    fn a_timer_set_and_done_in_one_batch_is_never_written() {
        let mut batch = Batch::default();
        batch.commit.timers_set.extend([timer(1), timer(2)]);
        batch.clear_timer(1, false);
        // Set in an earlier batch: its row is deleted.
        batch.clear_timer(7, true);
        // Not a timer of this execution's store (a task's id): nothing to delete.
        batch.clear_timer(9, false);
        assert_eq!(batch.commit.timers_set.iter().map(|t| t.work_id).collect::<Vec<_>>(), [2]);
        assert_eq!(batch.commit.timers_cleared, [7]);
    }
}
