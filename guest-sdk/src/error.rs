//! The error a task returns to fail its Task state.

/// A failure that the workflow can match by name in `Retry`/`Catch` `ErrorEquals`.
///
/// `error` becomes the `Error` of the failure and `cause` its `Cause`.
/// Names starting with `States.` are reserved for the runtime; a task that
/// returns one is reported as [`TaskError::INVALID_ERROR_NAME`] instead (see
/// [`TaskError::into_reportable`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct TaskError {
    error: String,
    cause: String,
}

impl TaskError {
    /// Raised by the SDK when the task's input JSON is malformed or does not
    /// match the handler's input type.
    pub const INVALID_INPUT: &'static str = "InvalidInput";
    /// Raised by the SDK when the context JSON given by the host cannot be read.
    pub const INVALID_CONTEXT: &'static str = "InvalidContext";
    /// Raised by the SDK when the handler's output cannot be serialized to JSON.
    pub const INVALID_OUTPUT: &'static str = "InvalidOutput";
    /// Raised by the SDK when the handler returned an empty or reserved error name.
    pub const INVALID_ERROR_NAME: &'static str = "InvalidErrorName";

    /// Creates an error named `error` (matched by `ErrorEquals`) with a human-readable `cause`.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            cause: cause.into(),
        }
    }

    /// The error name.
    pub fn error(&self) -> &str {
        &self.error
    }

    /// The human-readable explanation.
    pub fn cause(&self) -> &str {
        &self.cause
    }

    /// Splits the error into `(error, cause)`.
    pub fn into_parts(self) -> (String, String) {
        (self.error, self.cause)
    }

    /// Returns `true` when the name is empty or starts with `States.`, which a task may not raise.
    pub fn has_reserved_name(&self) -> bool {
        self.error.is_empty() || self.error.starts_with("States.")
    }

    /// The error as it is reported to the host: unchanged, unless its name is
    /// empty or reserved, in which case it becomes [`TaskError::INVALID_ERROR_NAME`]
    /// with a cause that quotes the original name and cause.
    pub fn into_reportable(self) -> Self {
        if !self.has_reserved_name() {
            return self;
        }
        let cause = format!(
            "the task raised the error name {:?}, but names must be non-empty and must not \
             start with \"States.\" (reserved for the runtime); original cause: {}",
            self.error, self.cause
        );
        Self::new(Self::INVALID_ERROR_NAME, cause)
    }
}
