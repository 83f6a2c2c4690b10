//! Tasks that start an execution of another state machine
//! (`arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken]`).
//!
//! The child is started through [`Engine::start_execution`], as a client would start it, and
//! its answer comes back to the parent's actor as task inputs:
//!
//! - request-response: `TaskSucceeded` with StartExecution's answer (`ExecutionArn`,
//!   `StartDate` in epoch milliseconds, and the SDK's HTTP metadata, as AWS quotes it);
//! - `.waitForTaskToken`: `TaskSubmitted` with that answer; the token ends the task;
//! - `.sync` and `.sync:2`: `TaskSubmitted`, then, when the child ends, `TaskSucceeded` with
//!   the child as DescribeExecution shows it (its `Input` and `Output` as JSON text, or as
//!   JSON for `.sync:2`), or `States.TaskFailed` whose cause is that description when the
//!   child failed, timed out or was stopped. A child that is an Express state machine runs
//!   synchronously.
//!
//! A task that is cancelled (its own timeout, a failed Parallel branch) or whose parent is
//! stopped stops a child it waits for. Started without a `Name`, the child is named by a UUID
//! derived from the parent's task, so the task issued again after a restart finds the child it
//! had started (running or ended) instead of starting a second one; with a `Name`, an
//! execution of that name and input started since the state was entered counts as found.
//! An Express child keeps no record to find: issued again, the task starts it again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use asl::exec::{Input, WorkId};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use store::{ExecutionRecord, ExecutionStatus, MachineKind};
use tokio::sync::{mpsc, Notify};

use crate::actor::Msg;
use crate::resource::{NestedStart, Pattern};
use crate::{Engine, EngineError, Inner, StartRequest, Started};

/// How often a task waiting for its child reads the child's record even when nothing woke it
/// (its end and the task's cancellation do wake it).
const RECHECK: Duration = Duration::from_secs(10);

/// One `states:startExecution` task.
pub(crate) struct Nested {
    pub(crate) start: NestedStart,
    pub(crate) pattern: Pattern,
    /// The task's context object (`$$`) as JSON text.
    pub(crate) context: String,
}

/// Set when a service task is cancelled (its timeout, a failed Parallel branch, its execution
/// stopped or ended): a child it waits for is stopped, an HTTP request it makes is dropped.
#[derive(Default)]
pub(crate) struct Cancel {
    set: AtomicBool,
    wake: Notify,
}

impl Cancel {
    pub(crate) fn cancel(&self) {
        self.set.store(true, Ordering::Release);
        self.wake.notify_one();
    }

    fn is_set(&self) -> bool {
        self.set.load(Ordering::Acquire)
    }

    /// Completes once the task is cancelled.
    pub(crate) async fn cancelled(&self) {
        while !self.is_set() {
            self.wake.notified().await;
        }
    }
}

/// Runs the task on the engine's runtime; what it answers goes to `tx` as task inputs.
pub(crate) fn spawn(id: WorkId, task: Nested, tx: mpsc::UnboundedSender<Msg>, cancel: Arc<Cancel>, inner: &Arc<Inner>) {
    let engine = Engine { inner: inner.clone() };
    inner.runtime.spawn(async move {
        let send = |input: Input| {
            let _ = tx.send(Msg::Input { input, reply: None });
        };
        match run(&engine, id, &task, &send, &cancel).await {
            Ok(Some(input)) => send(input),
            Ok(None) => {}
            Err(e) => send(failure(id, &engine.inner.uuid(), &e)),
        }
    });
}

/// Starts (or finds) the child and, for `.sync`, waits for its end. `None` when there is
/// nothing more to step: a callback task waits for its token, or the task was given up.
async fn run(engine: &Engine, id: WorkId, task: &Nested, send: &(dyn Fn(Input) + Sync), cancel: &Cancel) -> Result<Option<Input>, EngineError> {
    let context: Value = serde_json::from_str(&task.context).unwrap_or(Value::Null);
    let request = StartRequest {
        state_machine_arn: task.start.state_machine_arn.clone(),
        name: Some(task.start.name.clone().unwrap_or_else(|| derived_name(&context, id))),
        input: Some(task.start.input.clone()),
        trace_header: task.start.trace_header.clone(),
    };
    // Only a task that waits needs the child's kind (StartExecution resolves the machine again).
    let waits = matches!(task.pattern, Pattern::Sync | Pattern::SyncJson);
    if waits && engine.inner.resolve_machine(&request.state_machine_arn)?.kind == MachineKind::Express {
        // An Express child runs to its end within the call; it has no record to wait on.
        let end = engine.start_sync_execution(request).await?;
        let started = Started { execution_arn: end.execution_arn.clone(), start_ms: end.start_ms };
        send(Input::TaskSubmitted { id, output: start_answer(&started, &engine.inner.uuid()) });
        let record = ExecutionRecord {
            arn: end.execution_arn,
            name: end.name,
            state_machine_arn: end.state_machine_arn,
            state_machine_version_arn: None,
            state_machine_alias_arn: None,
            definition: String::new(),
            kind: MachineKind::Express,
            status: ExecutionStatus::parse(&end.status).unwrap_or(ExecutionStatus::Failed),
            input: end.input,
            output: end.output,
            error: end.error,
            cause: end.cause,
            start_ms: end.start_ms,
            stop_ms: Some(end.stop_ms),
            redrive_count: 0,
            redrive_ms: None,
            trace_header: None,
            map_run_arn: None,
            map_items: None,
        };
        return Ok(Some(ended(id, &record, task.pattern)));
    }
    let started = start_or_find(engine, request, entered_ms(&context)).await?;
    let answer = start_answer(&started, &engine.inner.uuid());
    match task.pattern {
        Pattern::RequestResponse => return Ok(Some(Input::TaskSucceeded { id, output: answer, logs: None })),
        Pattern::Callback => {
            send(Input::TaskSubmitted { id, output: answer });
            return Ok(None);
        }
        Pattern::Sync | Pattern::SyncJson => send(Input::TaskSubmitted { id, output: answer }),
    }
    match wait_for_end(engine, &started.execution_arn, cancel).await? {
        Some(record) => Ok(Some(ended(id, &record, task.pattern))),
        None => Ok(None),
    }
}

/// TestState's request-response `startExecution`: starts the child and answers StartExecution's
/// response, or the integration's failure (error, cause).
pub(crate) async fn start_once(engine: &Engine, start: &NestedStart, context: &str, id: WorkId) -> Result<Value, (String, String)> {
    let task = Nested { start: start.clone(), pattern: Pattern::RequestResponse, context: context.to_string() };
    match run(engine, id, &task, &|_| {}, &Cancel::default()).await {
        Ok(Some(Input::TaskSucceeded { output, .. })) => Ok(output),
        Ok(_) => Err(("States.Runtime".into(), "the child execution's start gave no answer".into())),
        Err(e) => match failure(id, &engine.inner.uuid(), &e) {
            Input::TaskFailed { error, cause, .. } => Err((error.unwrap_or_default(), cause.unwrap_or_default())),
            _ => Err(("States.Runtime".into(), e.to_string())),
        },
    }
}

/// StartExecution, or the execution this task started before (see the module's
/// documentation): one of the same name and input, started since the state was entered.
async fn start_or_find(engine: &Engine, request: StartRequest, entered_ms: Option<i64>) -> Result<Started, EngineError> {
    let input = request.input.clone().unwrap_or_default();
    match engine.start_execution(request).await {
        Err(EngineError::ExecutionAlreadyExists(arn)) => {
            let existing = engine.inner.store.execution(&arn)?;
            match existing {
                Some(rec) if rec.input == input && entered_ms.is_some_and(|t| rec.start_ms >= t) => {
                    Ok(Started { execution_arn: rec.arn, start_ms: rec.start_ms })
                }
                _ => Err(EngineError::ExecutionAlreadyExists(arn)),
            }
        }
        other => other,
    }
}

/// Waits until execution `arn` has ended and answers its record; `None` when the task was
/// cancelled first (the child is stopped then). A parent whose actor went away without
/// cancelling its tasks (this process shutting down) resumes later and finds its child again.
async fn wait_for_end(engine: &Engine, arn: &str, cancel: &Cancel) -> Result<Option<ExecutionRecord>, EngineError> {
    loop {
        let ended = engine.inner.watch_end(arn);
        let rec = engine.inner.store.execution(arn)?.ok_or_else(|| EngineError::ExecutionDoesNotExist(arn.into()))?;
        if rec.status != ExecutionStatus::Running {
            drop(ended);
            engine.inner.unwatch(arn);
            return Ok(Some(rec));
        }
        if cancel.is_set() {
            drop(ended);
            engine.inner.unwatch(arn);
            engine.stop_execution(arn, None, None).await?;
            return Ok(None);
        }
        tokio::select! {
            _ = ended => {}
            _ = cancel.cancelled() => {}
            _ = tokio::time::sleep(RECHECK) => {}
        }
    }
}

/// The task's answer once its child has ended.
fn ended(id: WorkId, rec: &ExecutionRecord, pattern: Pattern) -> Input {
    let description = describe(rec, pattern == Pattern::SyncJson);
    if rec.status == ExecutionStatus::Succeeded {
        Input::TaskSucceeded { id, output: description, logs: None }
    } else {
        Input::TaskFailed { id, error: Some("States.TaskFailed".into()), cause: Some(asl::error::compact(&description)) }
    }
}

/// The child as DescribeExecution shows it, with the SDK's capitalised member names; `json`
/// gives its input and output as JSON rather than text (`.sync:2`).
fn describe(rec: &ExecutionRecord, json: bool) -> Value {
    let data = |text: &str| if json { serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into())) } else { Value::String(text.into()) };
    let mut m = Map::new();
    if let Some(c) = &rec.cause {
        m.insert("Cause".into(), Value::String(c.clone()));
    }
    if let Some(e) = &rec.error {
        m.insert("Error".into(), Value::String(e.clone()));
    }
    m.insert("ExecutionArn".into(), Value::String(rec.arn.clone()));
    m.insert("Input".into(), data(&rec.input));
    m.insert("InputDetails".into(), json!({"Included": true}));
    m.insert("Name".into(), Value::String(rec.name.clone()));
    if let Some(o) = &rec.output {
        m.insert("Output".into(), data(o));
        m.insert("OutputDetails".into(), json!({"Included": true}));
    }
    m.insert("StartDate".into(), json!(rec.start_ms));
    m.insert("StateMachineArn".into(), Value::String(rec.state_machine_arn.clone()));
    m.insert("Status".into(), Value::String(rec.status.as_str().into()));
    if let Some(s) = rec.stop_ms {
        m.insert("StopDate".into(), json!(s));
    }
    Value::Object(m)
}

/// StartExecution's answer as the integration quotes it: the execution's ARN and start time
/// (epoch milliseconds) with the SDK's HTTP metadata.
fn start_answer(started: &Started, request_id: &str) -> Value {
    let body = json!({"executionArn": started.execution_arn, "startDate": started.start_ms as f64 / 1000.0}).to_string();
    let headers = json!({
        "Content-Length": body.len().to_string(),
        "Content-Type": "application/x-amz-json-1.0",
        "Date": http_date(started.start_ms),
        "connection": "keep-alive",
        "x-amzn-RequestId": request_id,
    });
    let all: Map<String, Value> =
        headers.as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), Value::Array(vec![v.clone()]))).collect()).unwrap_or_default();
    json!({
        "ExecutionArn": started.execution_arn,
        "SdkHttpMetadata": {"AllHttpHeaders": all, "HttpHeaders": headers, "HttpStatusCode": 200},
        "SdkResponseMetadata": {"RequestId": request_id},
        "StartDate": started.start_ms,
    })
}

/// A failed start as the integration reports it: `StepFunctions.<Code>Exception`, with the
/// service's message and the SDK's request details as the cause.
fn failure(id: WorkId, request_id: &str, e: &EngineError) -> Input {
    let code = e.code();
    let status = match e {
        EngineError::Store(_) => 500,
        EngineError::Unavailable(_) => 503,
        _ => 400,
    };
    let cause = format!("{e} (Service: AWSStepFunctions; Status Code: {status}; Error Code: {code}; Request ID: {request_id}; Proxy: null)");
    let name = code.strip_suffix("Exception").unwrap_or(code);
    Input::TaskFailed { id, error: Some(format!("StepFunctions.{name}Exception")), cause: Some(cause) }
}

/// The name of a child started without one: a UUID derived from the parent execution, its
/// start, the state's entry and the task, the same each time the task is issued.
fn derived_name(context: &Value, id: WorkId) -> String {
    let mut h = Sha256::new();
    for part in [&context["Execution"]["Id"], &context["Execution"]["StartTime"], &context["State"]["EnteredTime"], &context["State"]["Name"]] {
        h.update(part.as_str().unwrap_or_default().as_bytes());
        h.update([0]);
    }
    h.update(id.to_be_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

/// When the task's state was entered (`$$.State.EnteredTime`), in epoch milliseconds.
fn entered_ms(context: &Value) -> Option<i64> {
    let text = context["State"]["EnteredTime"].as_str()?;
    Some(asl::timestamp::parse_timestamp(text)?.as_millisecond())
}

/// An HTTP date (RFC 9110's IMF-fixdate) of epoch milliseconds.
fn http_date(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_derived_name_is_a_uuid_fixed_by_the_task() {
        let ctx = json!({"Execution": {"Id": "arn:x", "StartTime": "2026-01-01T00:00:00.000Z"},
            "State": {"Name": "Child", "EnteredTime": "2026-01-01T00:00:01.000Z"}});
        let a = derived_name(&ctx, 7);
        assert_eq!(a, derived_name(&ctx, 7));
        assert_ne!(a, derived_name(&ctx, 8));
        let mut later = ctx.clone();
        later["State"]["EnteredTime"] = json!("2026-01-01T00:00:02.000Z");
        assert_ne!(a, derived_name(&later, 7));
        assert!(uuid::Uuid::parse_str(&a).is_ok(), "{a}");
        assert_eq!(entered_ms(&ctx), Some(1_767_225_601_000));
    }

    #[test]
    fn start_answer_and_failure_have_the_integrations_shapes() {
        let a = start_answer(&Started { execution_arn: "arn:e".into(), start_ms: 1_767_225_601_234 }, "req");
        assert_eq!(a["ExecutionArn"], "arn:e");
        assert_eq!(a["StartDate"], 1_767_225_601_234_i64);
        assert_eq!(a["SdkHttpMetadata"]["HttpHeaders"]["Date"], "Thu, 01 Jan 2026 00:00:01 GMT");
        assert_eq!(a["SdkHttpMetadata"]["AllHttpHeaders"]["x-amzn-RequestId"], json!(["req"]));
        assert_eq!(a["SdkResponseMetadata"]["RequestId"], "req");
        let Input::TaskFailed { error, cause, .. } = failure(1, "req", &EngineError::StateMachineDoesNotExist("arn:sm".into())) else {
            panic!("a failure")
        };
        assert_eq!(error.as_deref(), Some("StepFunctions.StateMachineDoesNotExistException"));
        assert_eq!(
            cause.as_deref(),
            Some("State Machine Does Not Exist: 'arn:sm' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist; Request ID: req; Proxy: null)")
        );
        let Input::TaskFailed { error, .. } = failure(1, "r", &EngineError::InvalidRequest("x".into())) else { panic!("a failure") };
        assert_eq!(error.as_deref(), Some("StepFunctions.ValidationException"));
    }
}
