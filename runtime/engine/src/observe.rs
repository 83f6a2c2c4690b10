//! What the engine reports as it runs, for metrics. The engine calls an [`Observer`] and
//! never depends on a metrics library; the binary implements it (Prometheus counters).

use std::time::Duration;

/// How one Wasm function call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallResult {
    /// The function returned a result.
    Ok,
    /// The guest raised its own error (`task-error`, or a command's non-zero exit).
    GuestError,
    /// A trap, a limit or a timeout.
    Failed,
}

impl CallResult {
    pub fn as_str(self) -> &'static str {
        match self {
            CallResult::Ok => "ok",
            CallResult::GuestError => "guest_error",
            CallResult::Failed => "failed",
        }
    }
}

/// Receives the engine's events. Every method has an empty default and must be cheap: they
/// run on the execution's own task, in the hot path.
pub trait Observer: Send + Sync {
    /// An execution started (`express`: an Express execution, sync or async).
    fn execution_started(&self, _state_machine_arn: &str, _express: bool) {}
    /// An execution ended with `status` (`SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`); for a
    /// Standard execution, once its end is committed.
    fn execution_finished(&self, _state_machine_arn: &str, _execution_arn: &str, _express: bool, _status: &str) {}
    /// `count` states were entered (state transitions).
    fn states_entered(&self, _count: u64) {}
    /// A Wasm function was called and took `elapsed`.
    fn function_called(&self, _function: &str, _elapsed: Duration, _result: CallResult) {}
}

/// The observer used when none is configured.
pub(crate) struct Nobody;

impl Observer for Nobody {}
