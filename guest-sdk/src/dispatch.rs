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

/// A task's handler: `fn(I) -> Result<O, TaskError>`, or `fn(I, Context) -> Result<O, TaskError>`
/// when it reads the context object. A handler that takes no [`Context`] never pays for
/// parsing it (the context quotes the execution's whole input, so that is most of a call's
/// JSON work for a small task).
///
/// `Marker` only tells the two shapes apart ([`InputOnly`], [`WithContext`]); it is inferred.
pub trait Handler<I, O, Marker> {
    /// Calls the handler with `input` and, if it takes one, the context parsed from `context`.
    fn call(self, input: I, context: &str) -> Result<O, TaskError>;
}

/// The [`Handler`] shape `fn(I) -> Result<O, TaskError>`.
pub enum InputOnly {}

/// The [`Handler`] shape `fn(I, Context) -> Result<O, TaskError>`.
pub enum WithContext {}

impl<I, O, F> Handler<I, O, InputOnly> for F
where
    F: FnOnce(I) -> Result<O, TaskError>,
{
    fn call(self, input: I, _context: &str) -> Result<O, TaskError> {
        self(input)
    }
}

impl<I, O, F> Handler<I, O, WithContext> for F
where
    F: FnOnce(I, Context) -> Result<O, TaskError>,
{
    fn call(self, input: I, context: &str) -> Result<O, TaskError> {
        self(input, Context::from_json(context)?)
    }
}

/// Runs `handler` on the JSON texts the host passed, returning the JSON text of
/// its output or the error to report.
///
/// The steps are: parse `input` as `I` ([`parse_input`]), parse `context`
/// ([`Context::from_json`]) if the handler takes it, call the handler, serialize
/// its output (a failure there is [`TaskError::INVALID_OUTPUT`]). Every error
/// leaves through [`TaskError::into_reportable`], so reserved names never reach
/// the host.
pub fn run_handler<I, O, M, F>(input: &str, context: &str, handler: F) -> Result<String, TaskError>
where
    I: DeserializeOwned,
    O: Serialize,
    F: Handler<I, O, M>,
{
    let result = parse_input::<I>(input).and_then(|input| {
        let output = handler.call(input, context)?;
        serde_json::to_string(&output).map_err(|e| {
            TaskError::new(
                TaskError::INVALID_OUTPUT,
                format!("the task output cannot be written as JSON: {e}"),
            )
        })
    });
    result.map_err(TaskError::into_reportable)
}
