//! The engine's errors. Each variant is one AWS error code the API answers with.

use asl::diagnostic::Diagnostic;

/// Why an engine operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No execution with this ARN.
    #[error("Execution Does Not Exist: '{0}'")]
    ExecutionDoesNotExist(String),
    /// No state machine (or version, or alias) with this ARN.
    #[error("State Machine Does Not Exist: '{0}'")]
    StateMachineDoesNotExist(String),
    /// An execution with this name exists and was started with a different input, or has ended.
    #[error("Execution Already Exists: '{0}'")]
    ExecutionAlreadyExists(String),
    /// RedriveExecution on an execution that cannot be redriven; the text says why.
    #[error("{0}")]
    ExecutionNotRedrivable(String),
    /// A task token that is not well formed.
    #[error("Invalid Token: '{0}'")]
    InvalidToken(String),
    /// A task token that names no outstanding task.
    #[error("Task Does Not Exist")]
    TaskDoesNotExist,
    /// The task of this token has timed out.
    #[error("Task Timed Out")]
    TaskTimedOut,
    /// No map run with this ARN.
    #[error("Map Run Does Not Exist: '{0}'")]
    MapRunDoesNotExist(String),
    /// No activity with this ARN.
    #[error("Activity Does Not Exist: '{0}'")]
    ActivityDoesNotExist(String),
    /// A malformed ARN; the text names it and what is wrong.
    #[error("Invalid Arn: {0}")]
    InvalidArn(String),
    /// A malformed execution (or function) name.
    #[error("Invalid Name: {0}")]
    InvalidName(String),
    /// The definition does not validate.
    #[error("Invalid State Machine Definition: {}", format_diagnostics(.0))]
    InvalidDefinition(Vec<Diagnostic>),
    /// The execution input is not JSON (or too large).
    #[error("Invalid execution input: {0}")]
    InvalidExecutionInput(String),
    /// A task output sent with SendTaskSuccess is not JSON (or too large).
    #[error("Invalid output: {0}")]
    InvalidOutput(String),
    /// The operation does not apply to this kind of state machine (e.g. StartSyncExecution
    /// on a Standard state machine).
    #[error("{0}")]
    StateMachineTypeNotSupported(String),
    /// An uploaded function that the sandbox refused.
    #[error("Invalid function: {0}")]
    InvalidFunction(String),
    /// No function with this name.
    #[error("Function Does Not Exist: '{0}'")]
    FunctionDoesNotExist(String),
    /// A request whose members do not fit together (AWS's ValidationException); the text says
    /// which and why.
    #[error("{0}")]
    InvalidRequest(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// The engine is shutting down or a background thread died.
    #[error("engine unavailable: {0}")]
    Unavailable(String),
}

impl EngineError {
    /// The AWS error code of the refusal (the API's `__type`, where it has one of its own).
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::ExecutionDoesNotExist(_) => "ExecutionDoesNotExist",
            EngineError::StateMachineDoesNotExist(_) => "StateMachineDoesNotExist",
            EngineError::ExecutionAlreadyExists(_) => "ExecutionAlreadyExists",
            EngineError::ExecutionNotRedrivable(_) => "ExecutionNotRedrivable",
            EngineError::InvalidToken(_) => "InvalidToken",
            EngineError::TaskDoesNotExist => "TaskDoesNotExist",
            EngineError::TaskTimedOut => "TaskTimedOut",
            EngineError::MapRunDoesNotExist(_) | EngineError::FunctionDoesNotExist(_) => "ResourceNotFound",
            EngineError::ActivityDoesNotExist(_) => "ActivityDoesNotExist",
            EngineError::InvalidArn(_) => "InvalidArn",
            EngineError::InvalidName(_) => "InvalidName",
            EngineError::InvalidDefinition(_) => "InvalidDefinition",
            EngineError::InvalidExecutionInput(_) => "InvalidExecutionInput",
            EngineError::InvalidOutput(_) => "InvalidOutput",
            EngineError::StateMachineTypeNotSupported(_) => "StateMachineTypeNotSupported",
            EngineError::InvalidFunction(_) | EngineError::InvalidRequest(_) => "ValidationException",
            EngineError::Store(_) => "InternalServerError",
            EngineError::Unavailable(_) => "ServiceUnavailable",
        }
    }
}

fn format_diagnostics(d: &[Diagnostic]) -> String {
    d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; ")
}
