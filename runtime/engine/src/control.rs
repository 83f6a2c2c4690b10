//! Operations on existing executions: describe, list, history, stop, redrive, task callbacks
//! and activity workers.

use std::time::Duration;

use asl::exec::{Execution, ExecutionInfo, Input};
use serde_json::Value;
use store::arn::{Arn, Resource};
use store::{ExecutionQuery, ExecutionRecord, ExecutionScope, ExecutionStatus, HistoryQuery, MachineKind, Page};
use tokio::sync::oneshot;

use crate::actor::{align_history, replay, Actor, Batch, Msg};
use crate::{lock, now_ms, start, Engine, EngineError};

/// How long after its end a Standard execution can be redriven (AWS: 14 days).
const REDRIVE_WINDOW_MS: i64 = 14 * 24 * 3600 * 1000;
/// The longest token AWS accepts.
const MAX_TOKEN_LEN: usize = 1024;
/// RedriveExecution answers idempotently for the last this many client tokens of an
/// execution (AWS)...
const REDRIVE_TOKENS_KEPT: usize = 10;
/// ...for this long after each was first used (AWS: 15 minutes).
const REDRIVE_TOKEN_MS: i64 = 15 * 60 * 1000;

/// The client tokens of successful redrives, per execution, oldest first. Kept in memory only:
/// after a restart a repeated token redrives again if the execution can be redriven.
#[derive(Default)]
pub(crate) struct RedriveTokens(std::collections::HashMap<String, std::collections::VecDeque<RedriveToken>>);

struct RedriveToken {
    token: String,
    first_used_ms: i64,
    redrive_ms: i64,
}

impl RedriveTokens {
    /// The redrive time answered when `token` was first used on `arn`, if it is still valid.
    fn get(&mut self, arn: &str, token: &str, now: i64) -> Option<i64> {
        self.forget_expired(now);
        self.0.get(arn)?.iter().find(|t| t.token == token).map(|t| t.redrive_ms)
    }

    fn remember(&mut self, arn: &str, token: &str, now: i64, redrive_ms: i64) {
        self.forget_expired(now);
        let kept = self.0.entry(arn.to_string()).or_default();
        if kept.len() == REDRIVE_TOKENS_KEPT {
            kept.pop_front();
        }
        kept.push_back(RedriveToken { token: token.to_string(), first_used_ms: now, redrive_ms });
    }

    fn forget_expired(&mut self, now: i64) {
        self.0.retain(|_, kept| {
            kept.retain(|t| now - t.first_used_ms <= REDRIVE_TOKEN_MS);
            !kept.is_empty()
        });
    }
}

impl Engine {
    /// DescribeExecution: Standard executions from the store, Express ones while they are in
    /// the ring of finished runs.
    pub fn describe_execution(&self, arn: &str) -> Result<ExecutionRecord, EngineError> {
        if is_express_arn(arn)? {
            return self.inner.express.record(arn).ok_or_else(|| EngineError::ExecutionDoesNotExist(arn.into()));
        }
        self.inner.store.execution(arn)?.ok_or_else(|| EngineError::ExecutionDoesNotExist(arn.into()))
    }

    /// ListExecutions, newest first. For an Express state machine, the finished runs still
    /// in the ring (the page token is an offset into that list).
    pub fn list_executions(&self, query: &ExecutionQuery) -> Result<Page<ExecutionRecord>, EngineError> {
        if let ExecutionScope::StateMachine(sm) = &query.scope {
            if let Some(rec) = self.inner.store.state_machine(sm)? {
                if rec.kind == MachineKind::Express {
                    let all: Vec<ExecutionRecord> = self
                        .inner
                        .express
                        .list(Some(sm))
                        .into_iter()
                        .filter(|r| query.status.is_none_or(|s| r.status == s))
                        .collect();
                    return offset_page(all, query.max, query.next_token.as_deref());
                }
            } else {
                return Err(EngineError::StateMachineDoesNotExist(sm.clone()));
            }
        }
        Ok(self.inner.store.list_executions(query)?)
    }

    /// GetExecutionHistory: AWS-shaped event objects.
    pub fn history(&self, arn: &str, query: &HistoryQuery) -> Result<Page<Value>, EngineError> {
        if is_express_arn(arn)? {
            let events = self.inner.express.events(arn).ok_or_else(|| EngineError::ExecutionDoesNotExist(arn.into()))?;
            let mut all: Vec<Value> = events.iter().map(|e| e.to_json()).collect();
            if query.reverse {
                all.reverse();
            }
            return offset_page(all, query.max, query.next_token.as_deref());
        }
        let page = match self.inner.store.history(arn, query) {
            Ok(p) => p,
            Err(store::StoreError::NotFound(_)) => return Err(EngineError::ExecutionDoesNotExist(arn.into())),
            Err(e) => return Err(e.into()),
        };
        let items = page
            .items
            .into_iter()
            .map(|e| serde_json::from_str(&e.json).unwrap_or_else(|_| Value::String(e.json)))
            .collect();
        Ok(Page { items, next_token: page.next_token })
    }

    /// StopExecution: aborts a running Standard execution; answers its stop time. Stopping an
    /// execution that has already ended answers the time it ended.
    pub async fn stop_execution(&self, arn: &str, error: Option<String>, cause: Option<String>) -> Result<i64, EngineError> {
        if is_express_arn(arn)? {
            return Err(EngineError::StateMachineTypeNotSupported(
                "This operation is not supported by EXPRESS state machines".into(),
            ));
        }
        if is_child_arn(arn) {
            let rec = self.inner.store.execution(arn)?.ok_or_else(|| EngineError::ExecutionDoesNotExist(arn.into()))?;
            return self.stop_child(rec, error, cause).await;
        }
        if let Some(r) = self.send_to_running(Some(arn), Input::Stop { error, cause }, true).await {
            return r;
        }
        let rec = self.inner.store.execution(arn)?.ok_or_else(|| EngineError::ExecutionDoesNotExist(arn.into()))?;
        Ok(rec.stop_ms.unwrap_or_else(now_ms))
    }

    /// StopExecution of a child execution of a map run: its parent's actor aborts it (its map
    /// run counts the failure). A child that has ended answers its stop time, as any execution.
    async fn stop_child(&self, rec: ExecutionRecord, error: Option<String>, cause: Option<String>) -> Result<i64, EngineError> {
        if rec.kind == MachineKind::Express {
            return Err(EngineError::StateMachineTypeNotSupported(
                "This operation is not supported by EXPRESS state machines".into(),
            ));
        }
        if rec.status == ExecutionStatus::Running {
            let run = rec.map_run_arn.as_deref().unwrap_or_default();
            let parent = self.inner.store.map_run(run)?.map(|v| v.record.execution_arn);
            let input = Input::StopChild { execution_arn: rec.arn.clone(), error, cause };
            if let Some(r) = self.send_to_running(parent.as_deref(), input, false).await {
                return r;
            }
        }
        let rec = self.inner.store.execution(&rec.arn)?.unwrap_or(rec);
        Ok(rec.stop_ms.unwrap_or_else(now_ms))
    }

    /// UpdateMapRun: new settings for a running map run, applied by its execution's actor (and
    /// journalled, so a restart keeps them).
    pub async fn update_map_run(
        &self,
        arn: &str,
        max_concurrency: Option<u64>,
        tolerated_failure_count: Option<u64>,
        tolerated_failure_percentage: Option<f64>,
    ) -> Result<(), EngineError> {
        let view = self.inner.store.map_run(arn)?.ok_or_else(|| EngineError::MapRunDoesNotExist(arn.into()))?;
        if view.record.status != store::MapRunStatus::Running {
            return Err(EngineError::InvalidRequest(format!(
                "Map Run {arn} is {}: only a RUNNING map run can be updated",
                view.record.status.as_str()
            )));
        }
        let input = Input::UpdateMapRun {
            map_run_arn: arn.to_string(),
            max_concurrency,
            tolerated_failure_count,
            tolerated_failure_percentage,
        };
        match self.send_to_running(Some(&view.record.execution_arn), input, false).await {
            Some(r) => r.map(drop),
            None => Err(EngineError::InvalidRequest(format!("Map Run {arn} has ended: only a RUNNING map run can be updated"))),
        }
    }

    /// Steps `input` in the running execution `arn` and waits for its commit (answering the
    /// time it was stepped at); `None` when that execution is not running here. `interrupt`:
    /// also stop the calls it is running.
    async fn send_to_running(&self, arn: Option<&str>, input: Input, interrupt: bool) -> Option<Result<i64, EngineError>> {
        let (tx, calls) = lock(&self.inner.running).get(arn?).cloned()?;
        let (reply, rx) = oneshot::channel();
        tx.send(Msg::Input { input, reply: Some(reply) }).ok()?;
        if interrupt {
            // The input is queued first: a call it interrupts ends after it, and the
            // execution steps the input before the call's (ignored) failure.
            calls.store(true, std::sync::atomic::Ordering::Release);
        }
        rx.await.ok()
    }

    /// RedriveExecution: resumes a FAILED, TIMED_OUT or ABORTED Standard execution (ended less
    /// than 14 days ago, its state machine not deleted) from the states that did not succeed;
    /// answers the redrive time. Calling it again with a `client_token` among the last 10 of
    /// successful redrives of this execution, within 15 minutes of the token's first use,
    /// answers that redrive's time and redrives nothing (AWS); the tokens are kept in memory.
    pub async fn redrive_execution(&self, arn: &str, client_token: Option<&str>) -> Result<i64, EngineError> {
        let inner = &self.inner;
        if is_express_arn(arn)? {
            return Err(EngineError::ExecutionNotRedrivable(format!("Execution {arn} is an Express execution")));
        }
        let rec = inner.store.execution(arn)?.ok_or_else(|| EngineError::ExecutionDoesNotExist(arn.into()))?;
        if let Some(token) = client_token {
            if let Some(ms) = lock(&inner.redrive_tokens).get(arn, token, now_ms()) {
                return Ok(ms);
            }
        }
        if let Some(run) = &rec.map_run_arn {
            return Err(EngineError::ExecutionNotRedrivable(format!(
                "Execution {arn} is a child workflow execution of map run {run}: it is redriven with its map run, by redriving the execution that started it"
            )));
        }
        if inner.store.state_machine(&rec.state_machine_arn)?.is_none() {
            return Err(EngineError::ExecutionNotRedrivable(format!(
                "Execution {arn} cannot be redriven: its state machine {} was deleted (State machine is in DELETING status)",
                rec.state_machine_arn
            )));
        }
        if rec.status == ExecutionStatus::Running {
            return Err(EngineError::ExecutionNotRedrivable(format!("Execution {arn} is RUNNING")));
        }
        if !matches!(rec.status, ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted) {
            return Err(EngineError::ExecutionNotRedrivable(format!(
                "Execution {arn} has status {}; only FAILED, TIMED_OUT and ABORTED executions can be redriven",
                rec.status.as_str()
            )));
        }
        let stopped = rec.stop_ms.unwrap_or(rec.start_ms);
        if now_ms() - stopped > REDRIVE_WINDOW_MS {
            return Err(EngineError::ExecutionNotRedrivable(format!(
                "Execution {arn} ended more than 14 days ago and can no longer be redriven"
            )));
        }
        let machine = inner.machine(&rec.definition, false)?;
        let journal = inner.store.journal(arn)?;
        let role_arn = first_role(&journal).map_err(EngineError::ExecutionNotRedrivable)?;
        let mut exec = Execution::new(info_of(&rec, role_arn.clone())?);
        let replayed = replay(&machine, &mut exec, &journal, inner.wait_time_scale).map_err(EngineError::ExecutionNotRedrivable)?;
        align_history(&*inner.store, arn, &mut exec, |w| inner.warn(w))?;
        let mut actor = Actor::new(inner.clone(), machine, exec, role_arn, true);
        actor.mock = inner.resumed_test_case(&rec, &journal, &replayed.scheduled);
        actor.next_seq = replayed.next_seq;
        actor.redrive_count = rec.redrive_count;
        actor.redrive_ms = rec.redrive_ms;
        let mut batch = Batch::default();
        actor.redrive_batch(&mut batch).map_err(EngineError::ExecutionNotRedrivable)?;
        let redrive_ms = actor.redrive_ms.unwrap_or_else(now_ms);
        let mut commit = std::mem::take(&mut batch.commit);
        commit.execution_arn = arn.to_string();
        let store = inner.store.clone();
        tokio::task::spawn_blocking(move || store.commit_blocking(commit))
            .await
            .map_err(|e| EngineError::Unavailable(format!("the store call panicked: {e}")))??;
        start::launch(inner, actor, batch);
        if let Some(token) = client_token {
            lock(&inner.redrive_tokens).remember(arn, token, now_ms(), redrive_ms);
        }
        Ok(redrive_ms)
    }

    /// The role ARN a Standard execution was started with (its journal records it), so the
    /// execution can be described after its state machine is deleted; `None` for an Express
    /// execution (nothing of it is stored).
    pub fn execution_role(&self, arn: &str) -> Result<Option<String>, EngineError> {
        if is_express_arn(arn)? {
            return Ok(None);
        }
        let journal = self.inner.store.journal(arn)?;
        first_role(&journal)
            .map(Some)
            .map_err(|e| EngineError::Unavailable(format!("the stored journal of {arn} does not record its role: {e}")))
    }

    /// SendTaskSuccess: completes the task of `token` with `output` (JSON text).
    pub async fn send_task_success(&self, token: &str, output: &str) -> Result<(), EngineError> {
        let output: Value =
            serde_json::from_str(output).map_err(|e| EngineError::InvalidOutput(format!("the output is not valid JSON: {e}")))?;
        self.callback(token, |id| Input::TaskSucceeded { id, output, logs: None }).await
    }

    /// SendTaskFailure: fails the task of `token`.
    pub async fn send_task_failure(&self, token: &str, error: Option<String>, cause: Option<String>) -> Result<(), EngineError> {
        self.callback(token, |id| Input::TaskFailed { id, error, cause }).await
    }

    /// SendTaskHeartbeat: restarts the HeartbeatSeconds clock of the task of `token`.
    pub async fn send_task_heartbeat(&self, token: &str) -> Result<(), EngineError> {
        self.callback(token, |id| Input::TaskHeartbeat { id }).await
    }

    async fn callback(&self, token: &str, input: impl FnOnce(u64) -> Input) -> Result<(), EngineError> {
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(EngineError::InvalidToken(format!("a task token has 1 to {MAX_TOKEN_LEN} characters")));
        }
        // A token that is not live, or whose execution ended while this call was on its way,
        // is TaskTimedOut if it was ever issued here.
        let gone = || if self.inner.token_closed(token) { EngineError::TaskTimedOut } else { EngineError::TaskDoesNotExist };
        let found = lock(&self.inner.tokens).get(token).map(|e| (e.work, e.tx.clone()));
        let Some((work, tx)) = found else {
            return Err(gone());
        };
        let (reply, rx) = oneshot::channel();
        tx.send(Msg::Input { input: input(work), reply: Some(reply) }).map_err(|_| gone())?;
        match rx.await {
            Ok(r) => r.map(|_| ()),
            Err(_) => Err(gone()),
        }
    }

    /// Shutting down: every GetActivityTask waiting now answers at once with no task, and so
    /// does every later one, so no worker's long poll holds the server open. Queued tasks
    /// stay queued (and in the store) for the next start.
    pub fn stop_activity_polls(&self) {
        self.inner.activities.close();
    }

    /// GetActivityTask: waits up to `wait` for a task of the activity; answers its token and
    /// input once the task's ActivityStarted is committed, or `None` when none came.
    pub async fn get_activity_task(
        &self,
        activity_arn: &str,
        worker_name: Option<&str>,
        wait: Duration,
    ) -> Result<Option<(String, String)>, EngineError> {
        match Arn::parse(activity_arn) {
            Ok(Arn { resource: Resource::Activity { .. }, .. }) => {}
            Ok(_) => return Err(EngineError::InvalidArn(format!("'{activity_arn}' is not an activity ARN"))),
            Err(e) => return Err(EngineError::InvalidArn(e.to_string())),
        }
        if self.inner.store.activity(activity_arn)?.is_none() {
            return Err(EngineError::ActivityDoesNotExist(activity_arn.into()));
        }
        let inner = self.inner.clone();
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let taken = inner.activities.take(activity_arn, left, |token| lock(&inner.tokens).contains_key(token)).await;
            let Some((token, input)) = taken else { return Ok(None) };
            let target = lock(&inner.tokens).get(&token).map(|e| (e.work, e.tx.clone()));
            let Some((work, tx)) = target else { continue };
            // The task is this worker's once its ActivityStarted is durable: a restart after
            // this answer leaves it with this worker instead of queueing it again.
            let (reply, started) = oneshot::channel();
            if tx.send(Msg::ActivityTaken { id: work, worker: worker_name.map(String::from), reply }).is_err() {
                continue;
            }
            match started.await {
                Ok(Ok(_)) => return Ok(Some((token, input))),
                Ok(Err(e)) => return Err(e),
                // The execution had moved on (stopped, or the task timed out): try the next.
                Err(_) => continue,
            }
        }
    }
}

/// Whether `arn` names an Express execution (`…:express:…`); a malformed ARN is an error.
/// Whether `arn` names a child execution of a map run (`execution:NAME/LABEL:ID`).
fn is_child_arn(arn: &str) -> bool {
    matches!(Arn::parse(arn), Ok(Arn { resource: Resource::Execution { machine, .. }, .. }) if machine.contains('/'))
}

fn is_express_arn(arn: &str) -> Result<bool, EngineError> {
    match Arn::parse(arn) {
        Ok(Arn { resource: Resource::ExpressExecution { .. }, .. }) => Ok(true),
        Ok(Arn { resource: Resource::Execution { .. }, .. }) => Ok(false),
        Ok(_) => Err(EngineError::InvalidArn(format!("'{arn}' is not an execution ARN"))),
        Err(e) => Err(EngineError::InvalidArn(e.to_string())),
    }
}

/// The role ARN recorded by the journal's first entry.
pub(crate) fn first_role(journal: &[store::JournalEntry]) -> Result<String, String> {
    let first = journal.first().ok_or_else(|| "the execution has no journal".to_string())?;
    match crate::journal::Entry::parse(&first.input, first.seq)? {
        crate::journal::Entry::Start { role_arn, .. } => Ok(role_arn),
        _ => Err(format!("journal entry {} is not the start of the execution", first.seq)),
    }
}

/// The mock test case the journal's first entry records, if any.
pub(crate) fn first_test_case(journal: &[store::JournalEntry]) -> Option<String> {
    let first = journal.first()?;
    match crate::journal::Entry::parse(&first.input, first.seq).ok()? {
        crate::journal::Entry::Start { test_case, .. } => test_case,
        _ => None,
    }
}

/// The stepper's view of a stored execution (as it was started: redrives are replayed).
pub(crate) fn info_of(rec: &ExecutionRecord, role_arn: String) -> Result<ExecutionInfo, EngineError> {
    let input: Value = serde_json::from_str(&rec.input)
        .map_err(|e| EngineError::InvalidExecutionInput(format!("stored input of {}: {e}", rec.arn)))?;
    let state_machine_name = rec.state_machine_arn.rsplit(':').next().unwrap_or_default().to_string();
    Ok(ExecutionInfo {
        execution_arn: rec.arn.clone(),
        name: rec.name.clone(),
        state_machine_arn: rec.state_machine_arn.clone(),
        state_machine_name,
        state_machine_version_arn: rec.state_machine_version_arn.clone(),
        state_machine_alias_arn: rec.state_machine_alias_arn.clone(),
        role_arn,
        start_time_ms: rec.start_ms,
        input,
        redrive_count: 0,
        express: rec.kind == MachineKind::Express,
    })
}

/// A page of an in-memory list, with the offset of the next page as its token.
fn offset_page<T>(all: Vec<T>, max: usize, token: Option<&str>) -> Result<Page<T>, EngineError> {
    let size = match max {
        0 => store::DEFAULT_PAGE_SIZE,
        n => n.min(store::MAX_PAGE_SIZE),
    };
    let start = match token {
        None => 0,
        Some(t) => t
            .strip_prefix("offset:")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| EngineError::Store(store::StoreError::InvalidToken(format!("{t:?} is not a token for this list"))))?,
    };
    let total = all.len();
    let items: Vec<T> = all.into_iter().skip(start).take(size).collect();
    let next = start + items.len();
    Ok(Page { items, next_token: (next < total).then(|| format!("offset:{next}")) })
}
