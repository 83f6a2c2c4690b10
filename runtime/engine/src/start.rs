//! Starting executions: StartExecution (Standard: durable; Express: in memory),
//! StartSyncExecution and in-process inline runs.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use asl::exec::{Execution, ExecutionInfo, Input, Status};
use asl::model::Machine;
use serde_json::Value;
use store::{ExecutionRecord, ExecutionStatus, MachineKind, StoreError};

use crate::actor::{status_parts, Actor, Batch, Ending};
use crate::{express, lock, now_ms, Engine, EngineError, Inner, StartRequest, Started, SyncOutcome};

/// AWS's limit on an execution's input, in bytes.
const MAX_INPUT_BYTES: usize = 256 * 1024;

impl Engine {
    /// StartExecution. Standard executions are durable once this returns; Express
    /// executions run in memory. Starting a Standard execution again with the same name and
    /// input while it runs returns the running one (AWS's idempotency); any other reuse of a
    /// name is [`EngineError::ExecutionAlreadyExists`].
    pub async fn start_execution(&self, req: StartRequest) -> Result<Started, EngineError> {
        let inner = &self.inner;
        let (r, mock) = inner.resolve_with_mocks(&req.state_machine_arn)?;
        let name = execution_name(inner, req.name.as_deref())?;
        let (input_text, input) = parse_input(req.input.as_deref())?;
        let express = r.kind == MachineKind::Express;
        let machine = inner.machine(&r.definition, express)?;
        let start_ms = now_ms();
        let execution_arn = if express {
            inner.arns.express_execution(&r.state_machine_name, &name, &inner.uuid())
        } else {
            inner.arns.execution(&r.state_machine_name, &name)
        };
        let info = ExecutionInfo {
            execution_arn: execution_arn.clone(),
            name: name.clone(),
            state_machine_arn: r.state_machine_arn.clone(),
            state_machine_name: r.state_machine_name.clone(),
            state_machine_version_arn: r.version_arn.clone(),
            state_machine_alias_arn: r.alias_arn.clone(),
            role_arn: r.role_arn.clone(),
            start_time_ms: start_ms,
            input,
            redrive_count: 0,
            express,
        };
        let record = ExecutionRecord {
            arn: execution_arn.clone(),
            name,
            state_machine_arn: r.state_machine_arn,
            state_machine_version_arn: r.version_arn,
            state_machine_alias_arn: r.alias_arn,
            definition: r.definition,
            kind: r.kind,
            status: ExecutionStatus::Running,
            input: input_text,
            output: None,
            error: None,
            cause: None,
            start_ms,
            stop_ms: None,
            redrive_count: 0,
            redrive_ms: None,
            trace_header: req.trace_header,
            map_run_arn: None,
            map_items: None,
        };
        let mut actor = Actor::new(inner.clone(), machine, Execution::new(info), r.role_arn, !express);
        actor.mock = mock;
        let mut batch = Batch::default();
        actor.step_batch(Input::Start, &mut batch);
        if express {
            inner.observer.execution_started(&record.state_machine_arn, true);
            launch_express(inner, actor, batch, record);
            return Ok(Started { execution_arn, start_ms });
        }
        let mut first = std::mem::take(&mut batch.commit);
        first.execution_arn = execution_arn.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        inner.store.create_execution_queued(record.clone(), first, Box::new(move |r| {
            let _ = tx.send(r);
        }));
        let created = rx.await.map_err(|_| EngineError::Unavailable("the store dropped a commit without answering".into()))?;
        match created {
            Ok(()) => {}
            Err(StoreError::AlreadyExists(_)) => {
                let existing = inner.store.execution(&execution_arn)?;
                return match existing {
                    Some(e) if e.status == ExecutionStatus::Running && e.input == record.input => {
                        Ok(Started { execution_arn, start_ms: e.start_ms })
                    }
                    _ => Err(EngineError::ExecutionAlreadyExists(execution_arn)),
                };
            }
            Err(e) => return Err(e.into()),
        }
        inner.observer.execution_started(&record.state_machine_arn, false);
        launch(inner, actor, batch);
        Ok(Started { execution_arn, start_ms })
    }

    /// StartSyncExecution: runs an Express execution and waits for its end.
    pub async fn start_sync_execution(&self, req: StartRequest) -> Result<SyncOutcome, EngineError> {
        self.run_sync(req, None).await
    }

    /// StartSyncExecution for a caller that holds the input as a value already (an HTTP
    /// route builds it from the request): the same run, without the input being written out
    /// as text and parsed back first. `req.input` is not read.
    pub async fn start_sync_execution_value(&self, req: StartRequest, input: Value) -> Result<SyncOutcome, EngineError> {
        self.run_sync(req, Some(input)).await
    }

    /// Runs `req` on `value` when given, else on `req.input`.
    async fn run_sync(&self, req: StartRequest, value: Option<Value>) -> Result<SyncOutcome, EngineError> {
        let inner = &self.inner;
        let (r, mock) = inner.resolve_with_mocks(&req.state_machine_arn)?;
        if r.kind != MachineKind::Express {
            return Err(EngineError::StateMachineTypeNotSupported(
                "This operation is only supported by EXPRESS state machines".into(),
            ));
        }
        let name = execution_name(inner, req.name.as_deref())?;
        let (input_text, input) = match value {
            Some(v) => (checked_size(asl::json_text::text(&v))?, v),
            None => parse_input(req.input.as_deref())?,
        };
        let machine = inner.machine(&r.definition, true)?;
        let execution_arn = inner.arns.express_execution(&r.state_machine_name, &name, &inner.uuid());
        let start_ms = now_ms();
        let info = ExecutionInfo {
            execution_arn: execution_arn.clone(),
            name: name.clone(),
            state_machine_arn: r.state_machine_arn.clone(),
            state_machine_name: r.state_machine_name,
            state_machine_version_arn: r.version_arn.clone(),
            state_machine_alias_arn: r.alias_arn.clone(),
            role_arn: r.role_arn.clone(),
            start_time_ms: start_ms,
            input,
            redrive_count: 0,
            express: true,
        };
        inner.observer.execution_started(&r.state_machine_arn, true);
        let actor = run_in_memory(inner, machine, info, r.role_arn, mock).await?;
        actor.report_end();
        let (status, output, error, cause) = status_parts(actor.exec.status());
        let stop_ms = now_ms();
        let outcome = SyncOutcome {
            execution_arn: execution_arn.clone(),
            state_machine_arn: r.state_machine_arn.clone(),
            name: name.clone(),
            start_ms,
            stop_ms,
            status: status.to_string(),
            input: input_text.clone(),
            output: output.clone(),
            error: error.clone(),
            cause: cause.clone(),
        };
        if inner.express.wants() {
            let record = ExecutionRecord {
                arn: execution_arn,
                name,
                state_machine_arn: r.state_machine_arn,
                state_machine_version_arn: r.version_arn,
                state_machine_alias_arn: r.alias_arn,
                definition: r.definition,
                kind: MachineKind::Express,
                status: ExecutionStatus::parse(status).unwrap_or(ExecutionStatus::Failed),
                input: input_text,
                output,
                error,
                cause,
                start_ms,
                stop_ms: Some(stop_ms),
                redrive_count: 0,
                redrive_ms: None,
                trace_header: req.trace_header,
                map_run_arn: None,
                map_items: None,
            };
            inner.express.push(express::Finished { record, events: actor.events });
        }
        Ok(outcome)
    }

    /// Runs `definition` on `input` in this process, in memory, with the uploaded functions
    /// and real time (`stepwasm run --functions`). Nothing is stored; the history is returned
    /// with the outcome.
    pub async fn run_inline(&self, definition: &str, input: &str) -> Result<(SyncOutcome, Vec<Value>), EngineError> {
        let inner = &self.inner;
        let machine = Arc::new(
            asl::parse_text(definition, &asl::ValidateOptions::default()).map_err(EngineError::InvalidDefinition)?,
        );
        let (input_text, input) = parse_input(Some(input))?;
        let name = inner.uuid();
        let sm_arn = inner.arns.state_machine("inline");
        let execution_arn = inner.arns.execution("inline", &name);
        let role_arn = format!("arn:aws:iam::{}:role/stepwasm", inner.arns.account);
        let start_ms = now_ms();
        let info = ExecutionInfo {
            execution_arn: execution_arn.clone(),
            name: name.clone(),
            state_machine_arn: sm_arn.clone(),
            state_machine_name: "inline".into(),
            state_machine_version_arn: None,
            state_machine_alias_arn: None,
            role_arn: role_arn.clone(),
            start_time_ms: start_ms,
            input,
            redrive_count: 0,
            express: false,
        };
        let actor = run_in_memory(inner, machine, info, role_arn, None).await?;
        let (status, output, error, cause) = status_parts(actor.exec.status());
        let events = actor.events.iter().map(|e| e.to_json()).collect();
        let outcome = SyncOutcome {
            execution_arn,
            state_machine_arn: sm_arn,
            name,
            start_ms,
            stop_ms: now_ms(),
            status: status.to_string(),
            input: input_text,
            output,
            error,
            cause,
        };
        Ok((outcome, events))
    }
}

/// Runs an execution in memory until it ends (its tasks answered by `mock` where it says).
async fn run_in_memory(
    inner: &Arc<Inner>,
    machine: Arc<Machine>,
    info: ExecutionInfo,
    role_arn: String,
    mock: Option<crate::mocks::TestCase>,
) -> Result<Actor, EngineError> {
    let mut actor = Actor::new(inner.clone(), machine, Execution::new(info), role_arn, false);
    actor.mock = mock;
    let mut batch = Batch::default();
    actor.step_batch(Input::Start, &mut batch);
    Ok(run_express(inner, actor, batch).await?.0)
}

/// Acts on an Express execution's first batch and runs the execution to its end: on a call
/// thread while it waits for one call at a time ([`Actor::drive_inline`]), then on this task.
///
/// At most one execution per CPU is driven on a call thread at once; the others make their
/// calls on call threads one by one, as Standard executions do. A driven run keeps its thread
/// busy from call to call, so more of them than CPUs only take turns with each other and
/// with the threads that serve HTTP. Measured over HTTP (the order example, one sequence):
/// with one connection, 1,885 runs/s at p50 0.51 ms against 1,309 at 0.75 ms without driving;
/// with 32, p99 was 15.7–17.4 ms when every run was driven, 12.5–15.3 ms when none was, and
/// 11.3–12.7 ms with one per CPU.
async fn run_express(inner: &Arc<Inner>, mut actor: Actor, batch: Batch) -> Result<(Actor, Ending), EngineError> {
    if let Some(slot) = actor.sole_call(&batch).and_then(|_| InlineSlot::take(inner)) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        inner.calls.run(move || {
            actor.drive_inline(batch);
            drop(slot);
            let _ = tx.send(actor);
        });
        actor = rx.await.map_err(|_| EngineError::Unavailable("an Express execution's call thread failed".into()))?;
    } else {
        actor.act(batch);
    }
    if *actor.exec.status() != Status::Running {
        return Ok((actor, Ending::Finished));
    }
    Ok(actor.run().await)
}

/// One of the `Inner::inline_limit` places for an Express execution driven on a call thread;
/// given back when dropped (a panicking drive included).
struct InlineSlot(Arc<Inner>);

impl InlineSlot {
    fn take(inner: &Arc<Inner>) -> Option<InlineSlot> {
        let limit = inner.inline_limit;
        inner.inline_runs.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < limit).then_some(n + 1)).ok()?;
        Some(InlineSlot(inner.clone()))
    }
}

impl Drop for InlineSlot {
    fn drop(&mut self) {
        self.0.inline_runs.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Registers a Standard execution whose first batch is committed, acts on that batch and
/// runs the actor on its own task.
pub(crate) fn launch(inner: &Arc<Inner>, mut actor: Actor, batch: Batch) {
    let arn = actor.arn.clone();
    lock(&inner.running).insert(arn.clone(), actor.reach());
    actor.act(batch);
    let inner = inner.clone();
    inner.runtime.clone().spawn(async move {
        let (mut actor, ending) = actor.run().await;
        finish(&inner, &arn, &mut actor);
        match ending {
            Ending::Finished => actor.report_end(),
            Ending::StoreFailed => {
                inner.warn(format!("execution {arn} stopped: a commit failed; it resumes when the engine is opened again"))
            }
        }
    });
}

fn launch_express(inner: &Arc<Inner>, actor: Actor, batch: Batch, record: ExecutionRecord) {
    let inner = inner.clone();
    inner.runtime.clone().spawn(async move {
        let Ok((mut actor, _)) = run_express(&inner, actor, batch).await else {
            inner.warn(format!("Express execution {} was lost: its call thread failed", record.arn));
            return;
        };
        let stop_ms = now_ms();
        actor.take_tokens();
        actor.report_end();
        if inner.express.wants() {
            let (status, output, error, cause) = status_parts(actor.exec.status());
            let record = ExecutionRecord {
                status: ExecutionStatus::parse(status).unwrap_or(ExecutionStatus::Failed),
                output,
                error,
                cause,
                stop_ms: Some(stop_ms),
                ..record
            };
            inner.express.push(express::Finished { record, events: std::mem::take(&mut actor.events) });
        }
    });
}

/// Forgets a finished (or stopped) actor's registrations.
pub(crate) fn finish(inner: &Inner, arn: &str, actor: &mut Actor) {
    lock(&inner.running).remove(arn);
    for token in actor.take_tokens() {
        inner.drop_token(&token);
    }
    inner.ended(arn);
}

fn execution_name(inner: &Inner, name: Option<&str>) -> Result<String, EngineError> {
    match name {
        Some(n) => {
            store::arn::validate_name(n).map_err(|e| EngineError::InvalidName(format!("execution name '{n}': {e}")))?;
            Ok(n.to_string())
        }
        None => Ok(inner.uuid()),
    }
}

/// The input text (`{}` when absent) and its value; not JSON or too large is
/// [`EngineError::InvalidExecutionInput`].
pub(crate) fn parse_input(input: Option<&str>) -> Result<(String, Value), EngineError> {
    let text = checked_size(input.unwrap_or("{}"))?;
    let v: Value = serde_json::from_str(text)
        .map_err(|e| EngineError::InvalidExecutionInput(format!("the input is not valid JSON: {e}")))?;
    Ok((text.to_string(), v))
}

/// `text`, if it is within AWS's limit on an execution's input.
fn checked_size<T: AsRef<str>>(text: T) -> Result<T, EngineError> {
    let len = text.as_ref().len();
    if len > MAX_INPUT_BYTES {
        return Err(EngineError::InvalidExecutionInput(format!("the input is {len} bytes; at most {MAX_INPUT_BYTES} are allowed")));
    }
    Ok(text)
}
