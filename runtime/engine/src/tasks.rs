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
use crate::resource::{lambda_invoke_response, Via};
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
    /// How the Task named the function: a Lambda-style resource reports a crash of the
    /// function (a trap, running out of memory) as `Lambda.Unknown`, as Lambda reports
    /// unhandled errors, and `lambda:invoke` wraps the result in Lambda's invoke response.
    pub(crate) via: Via,
    /// The Task state's name (for AWS's text of a result over the payload quota).
    pub(crate) state_name: String,
    /// The result is ignored (`.waitForTaskToken`): only a failure ends the task.
    pub(crate) callback: bool,
}

impl Call {
    /// A `lambda:invoke` call with `InvocationType: Event`: no timeout of a task's, nobody
    /// waiting (see [`spawn_detached`]).
    pub(crate) fn event(function: FunctionHandle, payload: String, context: String, state_name: String) -> Call {
        Call { function, payload, context, timeout: None, timeout_at: None, via: Via::LambdaInvoke, state_name, callback: false }
    }

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

/// Runs `call` on a call thread for nobody: its result is dropped (`lambda:invoke` with
/// `InvocationType: Event`, whose task has ended). It still counts in the metrics.
pub(crate) fn spawn_detached(call: Call, inner: &Arc<Inner>) {
    let request_id = inner.uuid();
    let observer = inner.observer.clone();
    inner.calls.run(move || {
        let (tx, _rx) = mpsc::unbounded_channel();
        let _ = run(0, &call, &tx, None, &request_id, &*observer);
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
    let throttle = HeartbeatThrottle::default();
    let options = CallOptions {
        timeout: call.timeout,
        heartbeat: Some(Arc::new(move || {
            if throttle.allow(std::time::Instant::now()) {
                let _ = heartbeat_tx.send(Msg::Input { input: Input::TaskHeartbeat { id }, reply: None });
            }
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
            let value = match parsed {
                Some(v) => Ok(v),
                None => parse_output(text),
            };
            if call.callback {
                // The function answered; the task waits for its token. AWS records what the
                // integration answered (Lambda's invoke response) in a TaskSubmitted event.
                let output = value.unwrap_or_else(|_| Value::String(text.clone()));
                let output = if call.via == Via::LambdaInvoke { lambda_invoke_response(output, request_id) } else { output };
                return Some(Input::TaskSubmitted { id, output });
            }
            match value {
                Ok(v) => {
                    let output = if call.via == Via::LambdaInvoke { lambda_invoke_response(v, request_id) } else { v };
                    Some(Input::TaskSucceeded { id, output, logs: logs_value(&outcome) })
                }
                Err(cause) => Some(Input::TaskFailed { id, error: Some(sandbox::STATES_TASK_FAILED.into()), cause: Some(cause) }),
            }
        }
        Err(e) => {
            // A result over the payload quota is what AWS reports as States.DataLimitExceeded
            // (the stepper's own failure for a result too large); a smaller limit of the
            // function's own is the function's failure.
            if let CallError::OutputLimit { limit, .. } = e {
                if *limit >= asl::exec::MAX_PAYLOAD_BYTES as u64 {
                    let f = asl::exec::payload_too_large(Some(&call.state_name));
                    return Some(Input::TaskFailed { id, error: f.error, cause: f.cause });
                }
            }
            let f = e.to_task_failure();
            let cause = match (e, logs_text(&outcome)) {
                // A guest's own error keeps its cause exactly; other failures carry the logs.
                (CallError::Guest { .. }, _) | (_, None) => f.cause,
                (_, Some(l)) => format!("{}\nlogs:\n{l}", f.cause),
            };
            // Lambda reports a function that crashed (not one that raised its own error, and
            // not the Task's timeout) as Lambda.Unknown.
            let crashed = !matches!(e, CallError::Guest { .. } | CallError::Timeout { .. });
            let error = if call.via.is_lambda() && crashed { LAMBDA_UNKNOWN.to_string() } else { f.error };
            Some(Input::TaskFailed { id, error: Some(error), cause: Some(cause) })
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

/// The error Lambda reports for a function that crashed.
const LAMBDA_UNKNOWN: &str = "Lambda.Unknown";

/// How often a call's heartbeats are stepped at most.
const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Lets through at most one heartbeat of a call every [`HEARTBEAT_EVERY`]. A guest may call
/// `heartbeat()` in a tight loop; each heartbeat stepped is a journal entry and re-arms a stored
/// timer, and the call's result would queue behind them all. A heartbeat dropped here comes less
/// than [`HEARTBEAT_EVERY`] after one stepped, so the heartbeat timeout fires at most that much
/// earlier than the dropped one would have made it (HeartbeatSeconds is at least 1 s).
#[derive(Default)]
struct HeartbeatThrottle(std::sync::Mutex<Option<std::time::Instant>>);

impl HeartbeatThrottle {
    fn allow(&self, now: std::time::Instant) -> bool {
        let mut last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|t| now.saturating_duration_since(t) < HEARTBEAT_EVERY) {
            return false;
        }
        *last = Some(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::{HeartbeatThrottle, HEARTBEAT_EVERY};

    #[test]
    fn heartbeats_in_a_tight_loop_are_stepped_at_most_every_interval() {
        let t = HeartbeatThrottle::default();
        let start = Instant::now();
        let allowed: Vec<u64> = (0..1_000u64).filter(|ms| t.allow(start + Duration::from_millis(*ms))).collect();
        let every = HEARTBEAT_EVERY.as_millis() as u64;
        assert_eq!(allowed, (0..1_000).step_by(every as usize).collect::<Vec<u64>>());
        // A heartbeat after a pause goes through at once.
        assert!(t.allow(start + Duration::from_secs(5)));
    }
}
