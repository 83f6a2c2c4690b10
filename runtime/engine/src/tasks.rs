//! Running one Wasm task on a call thread (see [`crate::pool`]) and feeding its result back.
//!
//! Tasks run **at least once**: a task whose result was not committed before a crash runs
//! again when the execution resumes. Functions with side effects should be idempotent (the
//! context object's `$$.Execution.Id`, `$$.State.Name` and `$$.State.EnteredTime` identify
//! one attempt).

use std::sync::Arc;
use std::time::Duration;

use asl::exec::{Input, WorkId};
use sandbox::{CallError, CallOptions, CallOutcome, FunctionHandle, Interrupt};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::actor::{parse_output, Msg};
use crate::resource::lambda_invoke_response;
use crate::{CallResult, Inner, Observer};

/// One function call a task asked for.
pub(crate) struct Call {
    pub(crate) function: FunctionHandle,
    /// The JSON text the function receives, and the context object's.
    pub(crate) payload: String,
    pub(crate) context: String,
    pub(crate) timeout: Option<Duration>,
    /// When the task's own timeout timer is due (epoch ms), if it has one.
    pub(crate) timeout_at: Option<i64>,
    pub(crate) lambda_invoke: bool,
    /// The result is ignored (`.waitForTaskToken`): only a failure ends the task.
    pub(crate) callback: bool,
}

impl Call {
    /// Whether the call changes nothing but its result (see [`sandbox::Grants::is_confined`]);
    /// a callback task's token could be passed on, so it never counts.
    pub(crate) fn is_confined(&self) -> bool {
        !self.callback && self.function.grants().is_confined()
    }
}

/// Runs `call` on a call thread; its result goes to `tx` as a task input. Setting
/// `interrupt` stops the call (the execution no longer wants its result).
pub(crate) fn spawn(id: WorkId, call: Call, tx: mpsc::UnboundedSender<Msg>, interrupt: Arc<dyn Interrupt>, inner: &Arc<Inner>) {
    let request_id = inner.uuid();
    let observer = inner.observer.clone();
    inner.calls.run(move || {
        if let Some(input) = run(id, &call, &tx, Some(interrupt), &request_id, &*observer) {
            let _ = tx.send(Msg::Input { input, reply: None });
        }
    });
}

/// Calls the function synchronously and turns its outcome into the input to feed back.
pub(crate) fn run(
    id: WorkId,
    call: &Call,
    tx: &mpsc::UnboundedSender<Msg>,
    interrupt: Option<Arc<dyn Interrupt>>,
    request_id: &str,
    observer: &dyn Observer,
) -> Option<Input> {
    let heartbeat_tx = tx.clone();
    let options = CallOptions {
        timeout: call.timeout,
        heartbeat: Some(Arc::new(move || {
            let _ = heartbeat_tx.send(Msg::Input { input: Input::TaskHeartbeat { id }, reply: None });
        })),
        // A callback task's result is ignored: only whether it is JSON matters.
        parse: !call.callback,
        interrupt,
    };
    let started = std::time::Instant::now();
    let mut outcome = call.function.call(&call.payload, &call.context, &options);
    let parsed = outcome.value.take();
    let result = match &outcome.result {
        Ok(_) => CallResult::Ok,
        Err(CallError::Guest { .. }) => CallResult::GuestError,
        Err(_) => CallResult::Failed,
    };
    observer.function_called(call.function.name(), started.elapsed(), result);
    match &outcome.result {
        Ok(text) => {
            if call.callback {
                return None;
            }
            let value = match parsed {
                Some(v) => Ok(v),
                None => parse_output(text),
            };
            match value {
                Ok(v) => {
                    let output = if call.lambda_invoke { lambda_invoke_response(v, request_id) } else { v };
                    Some(Input::TaskSucceeded { id, output, logs: logs_value(&outcome) })
                }
                Err(cause) => Some(Input::TaskFailed { id, error: Some(sandbox::STATES_TASK_FAILED.into()), cause: Some(cause) }),
            }
        }
        Err(e) => {
            let f = e.to_task_failure();
            let cause = match (e, logs_text(&outcome)) {
                // A guest's own error keeps its cause exactly; other failures carry the logs.
                (CallError::Guest { .. }, _) | (_, None) => f.cause,
                (_, Some(l)) => format!("{}\nlogs:\n{l}", f.cause),
            };
            Some(Input::TaskFailed { id, error: Some(f.error), cause: Some(cause) })
        }
    }
}

/// The guest's log lines, then its stdout and stderr line by line (levels `stdout` and
/// `stderr`), as the history shows them.
fn log_entries(outcome: &CallOutcome) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = outcome
        .logs
        .iter()
        .map(|l| (l.level.as_str().to_string(), l.message.clone()))
        .collect();
    if outcome.logs_dropped > 0 {
        out.insert(0, ("warn".into(), format!("({} older log lines dropped)", outcome.logs_dropped)));
    }
    for (stream, text) in [("stdout", &outcome.stdout), ("stderr", &outcome.stderr)] {
        out.extend(text.lines().filter(|l| !l.is_empty()).map(|l| (stream.to_string(), l.to_string())));
    }
    out
}

fn logs_value(outcome: &CallOutcome) -> Option<Value> {
    let entries = log_entries(outcome);
    if entries.is_empty() {
        return None;
    }
    Some(Value::Array(entries.into_iter().map(|(level, message)| serde_json::json!({"level": level, "message": message})).collect()))
}

/// The log lines for a failure's cause (stderr is left out: the sandbox quotes it in the
/// cause of a trap or a failed command already).
fn logs_text(outcome: &CallOutcome) -> Option<String> {
    let entries: Vec<_> = log_entries(outcome).into_iter().filter(|(level, _)| level != "stderr").collect();
    if entries.is_empty() {
        return None;
    }
    Some(entries.iter().map(|(level, m)| format!("[{}] {m}", level.to_ascii_uppercase())).collect::<Vec<_>>().join("\n"))
}
