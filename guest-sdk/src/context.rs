//! The context object (`$$` in JSONPath) that the host passes to every call.

use serde::Deserialize;
use serde_json::Value;

use crate::TaskError;

/// The context object of the running Task state.
///
/// Fields the host leaves out take their default (empty string, zero or
/// `None`); fields this type does not know are ignored, since new ones may be
/// added at any time.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct Context {
    /// The execution this call belongs to.
    pub execution: ExecutionContext,
    /// The Task state being run.
    pub state: StateContext,
    /// The state machine being run.
    pub state_machine: StateMachineContext,
    /// Task-specific values; present only when the host supplies them.
    pub task: Option<TaskContext>,
    /// The current item when the Task runs inside a Map iteration.
    pub map: Option<MapContext>,
}

/// `$$.Execution`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ExecutionContext {
    /// The execution's identifier (an ARN-like string).
    pub id: String,
    /// The execution's original input.
    pub input: Value,
    /// The execution's name.
    pub name: String,
    /// The role the execution runs as, if any.
    pub role_arn: Option<String>,
    /// When the execution started (RFC 3339).
    pub start_time: String,
    /// How many times the execution has been redriven.
    pub redrive_count: u32,
    /// When the execution was last redriven (RFC 3339), if it was.
    pub redrive_time: Option<String>,
}

/// `$$.State`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct StateContext {
    /// When the state was entered (RFC 3339).
    pub entered_time: String,
    /// The state's name.
    pub name: String,
    /// How many retries of this state have happened before this attempt (0 on the first).
    pub retry_count: u32,
}

/// `$$.StateMachine`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct StateMachineContext {
    /// The state machine's identifier.
    pub id: String,
    /// The state machine's name.
    pub name: String,
}

/// `$$.Task`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct TaskContext {
    /// The task token, when the host issues one.
    pub token: Option<String>,
}

/// `$$.Map`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct MapContext {
    /// The item being processed.
    pub item: MapItemContext,
}

/// `$$.Map.Item`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct MapItemContext {
    /// The item's position in the iterated array.
    pub index: u64,
    /// The item's value.
    pub value: Value,
    /// The item's key, when iterating over an object.
    pub key: Option<String>,
}

impl Context {
    /// Parses the context JSON sent by the host.
    ///
    /// An empty (or all-whitespace) string gives the default context. Anything
    /// that is not a JSON object of the expected shape is a
    /// [`TaskError::INVALID_CONTEXT`] naming the offending path.
    pub fn from_json(text: &str) -> Result<Self, TaskError> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        crate::json::from_str(text).map_err(|e| {
            TaskError::new(
                TaskError::INVALID_CONTEXT,
                format!("the context object from the host is not usable: {e}"),
            )
        })
    }
}
