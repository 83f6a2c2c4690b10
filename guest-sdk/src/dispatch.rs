//! Turning one call of the `handle` export into a call of a typed handler.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{json, Context, TaskError};

/// Parses the task's input JSON as an `I`.
///
/// Malformed JSON or a value of the wrong shape is a
/// [`TaskError::INVALID_INPUT`] whose cause names the path and the problem.
pub fn parse_input<I: DeserializeOwned>(input: &str) -> Result<I, TaskError> {
    json::from_str(input).map_err(|e| {
        TaskError::new(
            TaskError::INVALID_INPUT,
            format!("the task input is not usable: {e}"),
        )
    })
}

/// Runs `handler` on the JSON texts the host passed, returning the JSON text of
/// its output or the error to report.
///
/// The steps are: parse `input` as `I` ([`parse_input`]), parse `context`
/// ([`Context::from_json`]), call the handler, serialize its output (a failure
/// there is [`TaskError::INVALID_OUTPUT`]). Every error leaves through
/// [`TaskError::into_reportable`], so reserved names never reach the host.
pub fn run_handler<I, O, F>(input: &str, context: &str, handler: F) -> Result<String, TaskError>
where
    I: DeserializeOwned,
    O: Serialize,
    F: FnOnce(I, Context) -> Result<O, TaskError>,
{
    let result = parse_input::<I>(input).and_then(|input| {
        let context = Context::from_json(context)?;
        let output = handler(input, context)?;
        serde_json::to_string(&output).map_err(|e| {
            TaskError::new(
                TaskError::INVALID_OUTPUT,
                format!("the task output cannot be written as JSON: {e}"),
            )
        })
    });
    result.map_err(TaskError::into_reportable)
}
