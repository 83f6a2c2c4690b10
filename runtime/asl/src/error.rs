//! ASL errors as data: what Retry and Catch match, and what an execution fails with.

use serde_json::{Map, Value};

/// Built-in error names.
pub mod names {
    pub const ALL: &str = "States.ALL";
    pub const RUNTIME: &str = "States.Runtime";
    pub const TIMEOUT: &str = "States.Timeout";
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    pub const TASK_FAILED: &str = "States.TaskFailed";
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
    pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
    pub const PARAMETER_PATH_FAILURE: &str = "States.ParameterPathFailure";
    pub const BRANCH_FAILED: &str = "States.BranchFailed";
    pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
    pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
    pub const ITEM_READER_FAILED: &str = "States.ItemReaderFailed";
    pub const RESULT_WRITER_FAILED: &str = "States.ResultWriterFailed";
    pub const PERMISSIONS: &str = "States.Permissions";
}

/// A failure of a state, a branch or the execution: an error name and an optional cause.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Failure {
    pub error: Option<String>,
    pub cause: Option<String>,
}

impl Failure {
    /// A failure with both fields.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Failure {
        Failure { error: Some(error.into()), cause: Some(cause.into()) }
    }

    /// The error name used for matching (`Fail` states may have none).
    pub fn name(&self) -> &str {
        self.error.as_deref().unwrap_or("")
    }

    /// The error output a Catch hands on: `{"Error": .., "Cause": ..}`.
    pub fn to_output(&self) -> Value {
        let mut m = Map::new();
        if let Some(e) = &self.error {
            m.insert("Error".into(), Value::String(e.clone()));
        }
        if let Some(c) = &self.cause {
            m.insert("Cause".into(), Value::String(c.clone()));
        }
        Value::Object(m)
    }

    /// Whether `States.ALL` may match this error. AWS never lets it catch or retry
    /// `States.Runtime` and `States.DataLimitExceeded`.
    pub fn is_terminal(&self) -> bool {
        matches!(self.name(), names::RUNTIME | names::DATA_LIMIT_EXCEEDED)
    }

    /// Whether a Retry/Catch `ErrorEquals` list matches this failure.
    pub fn matches(&self, error_equals: &[String]) -> bool {
        let name = self.name();
        error_equals.iter().any(|e| match e.as_str() {
            names::ALL => !self.is_terminal(),
            names::TASK_FAILED => {
                // States.TaskFailed matches any error a task raised except a timeout.
                e == name || (!name.starts_with("States.") && !name.is_empty())
            }
            other => other == name,
        })
    }
}

/// An error found while evaluating a field of a state. The state driver turns it into a
/// [`Failure`] whose cause names the state and the event it was entered at, as AWS does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    pub error: &'static str,
    pub detail: String,
}

impl EvalError {
    /// `States.Runtime` with a detail text.
    pub fn runtime(detail: impl Into<String>) -> EvalError {
        EvalError { error: names::RUNTIME, detail: detail.into() }
    }

    /// `States.QueryEvaluationError` with a detail text.
    pub fn query(detail: impl Into<String>) -> EvalError {
        EvalError { error: names::QUERY_EVALUATION_ERROR, detail: detail.into() }
    }

    /// Any error name with a detail text.
    pub fn new(error: &'static str, detail: impl Into<String>) -> EvalError {
        EvalError { error, detail: detail.into() }
    }

    /// The failure as AWS reports it for the state `state` entered at event `entered_event`.
    pub fn located(&self, state: &str, entered_event: u64) -> Failure {
        Failure::new(
            self.error,
            format!(
                "An error occurred while executing the state '{state}' (entered at the event id #{entered_event}). {}",
                self.detail
            ),
        )
    }
}

/// The compact JSON text of a value, as AWS quotes inputs and outputs.
pub fn compact(v: &Value) -> String {
    crate::json_text::text(v)
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.detail)
    }
}
