//! Errors of the sandbox, and their mapping to ASL error names and causes.

use std::path::PathBuf;

/// The ASL error name for a task that failed for any reason other than a timeout.
pub const STATES_TASK_FAILED: &str = "States.TaskFailed";
/// The ASL error name for a task that ran past its timeout.
pub const STATES_TIMEOUT: &str = "States.Timeout";

/// Why a sandbox could not be created.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The configuration itself is inconsistent.
    #[error("invalid sandbox configuration: {0}")]
    Config(String),
    /// wasmtime refused the engine configuration (for example the pooling allocator could not
    /// reserve its address space).
    #[error("cannot create the wasmtime engine: {0}")]
    Engine(String),
    /// The precompiled-module cache directory could not be created.
    #[error("cannot create the precompiled-module cache directory {path}: {source}")]
    CacheDir {
        /// The directory that was asked for.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
}

/// Why a function could not be loaded ("uploaded").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The bytes are not a WebAssembly binary at all.
    #[error("function `{name}`: not a WebAssembly binary: {reason}")]
    NotWasm {
        /// The function's name.
        name: String,
        /// What was found instead.
        reason: String,
    },
    /// The bytes are WebAssembly but do not validate or compile.
    #[error("function `{name}`: invalid WebAssembly: {message}")]
    Invalid {
        /// The function's name.
        name: String,
        /// wasmtime's explanation (includes the byte offset where it has one).
        message: String,
    },
    /// The function imports something the host does not provide.
    #[error("function `{name}`: unsatisfied import: {message}")]
    UnsatisfiedImport {
        /// The function's name.
        name: String,
        /// wasmtime's explanation, naming the import.
        message: String,
    },
    /// The function is valid WebAssembly but neither a task component nor a WASI command.
    #[error("function `{name}`: {message}")]
    Shape {
        /// The function's name.
        name: String,
        /// What is missing.
        message: String,
    },
    /// The grants or limits are invalid.
    #[error("function `{name}`: invalid grants: {message}")]
    Grants {
        /// The function's name.
        name: String,
        /// Which grant is wrong and why.
        message: String,
    },
    /// The precompiled-module cache could not be written or read.
    #[error("function `{name}`: precompiled-module cache {path}: {message}")]
    Cache {
        /// The function's name.
        name: String,
        /// The cache file involved.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Why one call of a function failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The guest returned a `task-error`.
    #[error("{error}: {cause}")]
    Guest {
        /// The error name chosen by the guest.
        error: String,
        /// The guest's explanation.
        cause: String,
    },
    /// The guest trapped (including a Rust panic, which aborts with `unreachable`).
    #[error("{message}")]
    Trap {
        /// The trap message, with the tail of the guest's stderr when it wrote any.
        message: String,
    },
    /// The call ran past its timeout.
    #[error("function did not finish within {limit_ms} ms")]
    Timeout {
        /// The timeout that applied, in milliseconds.
        limit_ms: u64,
    },
    /// The guest tried to grow its memory past its limit.
    #[error("exceeded memory limit of {limit} bytes")]
    MemoryLimit {
        /// The limit in bytes.
        limit: u64,
    },
    /// The guest ran out of fuel.
    #[error("exceeded fuel limit of {limit} units")]
    FuelExhausted {
        /// The fuel the call started with.
        limit: u64,
    },
    /// The guest produced more output than allowed.
    #[error("output exceeded limit of {limit} bytes")]
    OutputLimit {
        /// The limit in bytes.
        limit: u64,
    },
    /// A WASI command exited with a non-zero status.
    #[error("exited with status {code}: {stderr_tail}")]
    Exit {
        /// The exit status.
        code: i32,
        /// The last bytes the command wrote to stderr.
        stderr_tail: String,
    },
    /// The guest's result is not valid JSON (or not UTF-8).
    #[error("returned invalid JSON: {message}")]
    InvalidOutput {
        /// What is wrong with it.
        message: String,
    },
    /// The call was stopped because its caller no longer wanted the result
    /// ([`crate::CallOptions::interrupt`]).
    #[error("the call was interrupted: its result is no longer wanted")]
    Interrupted,
    /// The host could not run the call (for example the instance pool is exhausted or a
    /// granted directory has disappeared).
    #[error("host could not run the function: {message}")]
    Host {
        /// What went wrong.
        message: String,
    },
}

/// A failure expressed the way an ASL Task state reports it: an error name that Retry and
/// Catch match with `ErrorEquals`, and a cause.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaskFailure {
    /// The error name, e.g. `States.Timeout` or a name the guest chose.
    pub error: String,
    /// The human-readable cause.
    pub cause: String,
}

impl CallError {
    /// Maps the failure to its ASL error name and cause.
    ///
    /// A guest `task-error` keeps its name unless the name is reserved (`States.` prefix), in
    /// which case it becomes `States.TaskFailed` and the cause says so. A timeout is
    /// `States.Timeout`; every other failure is `States.TaskFailed` with this error's message
    /// as the cause.
    pub fn to_task_failure(&self) -> TaskFailure {
        match self {
            CallError::Guest { error, cause } if error.starts_with("States.") => TaskFailure {
                error: STATES_TASK_FAILED.to_string(),
                cause: format!(
                    "function raised the reserved error name `{error}` (names starting with \"States.\" are reserved): {cause}"
                ),
            },
            CallError::Guest { error, cause } => TaskFailure {
                error: error.clone(),
                cause: cause.clone(),
            },
            CallError::Timeout { .. } => TaskFailure {
                error: STATES_TIMEOUT.to_string(),
                cause: self.to_string(),
            },
            CallError::Exit { code, stderr_tail } => TaskFailure {
                error: STATES_TASK_FAILED.to_string(),
                cause: if stderr_tail.trim().is_empty() {
                    format!("exited with status {code}")
                } else {
                    stderr_tail.clone()
                },
            },
            _ => TaskFailure {
                error: STATES_TASK_FAILED.to_string(),
                cause: self.to_string(),
            },
        }
    }
}

/// Formats a wasmtime error with its whole chain of causes, outermost first.
pub(crate) fn chain_message(err: &wasmtime::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}
