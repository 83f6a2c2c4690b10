//! `transform`: renders a JSON template against data.
//!
//! Input: `{"template": <any JSON>, "data": <any JSON>}`. Output: the rendered
//! template. The template is walked recursively; object keys and string values
//! may hold placeholders `{{ expression }}`:
//!
//! - a string that is exactly one placeholder becomes the expression's value
//!   with its JSON type kept (`"{{ order.items }}"` → the array), which is how
//!   JSON is reshaped;
//! - a placeholder inside longer text is replaced by the value's text (strings
//!   as is, anything else as compact JSON);
//! - everything else is copied unchanged.
//!
//! An expression is an operand followed by filters: `path | filter | filter(arg)`.
//! The operand is a path into `data` (`customer.name`, `items[0].sku`,
//! `items.0.sku`, `["odd key"]`, `$` for the whole data, optional leading `$.`)
//! or a JSON literal (`"text"`, `12`, `true`, `null`). Filters:
//! `default(lit)` (when missing or null), `upper`, `lower`, `trim`, `json`
//! (value as JSON text), `length` (of a string, array or object) and
//! `join(sep)` (array of scalars to text).
//!
//! Errors: `InvalidTemplate` (syntax, unknown filter), `MissingValue` (a path
//! that is not in the data, with no `default`), `TransformFailed` (a filter
//! given the wrong kind of value, or output over [`MAX_OUTPUT_BYTES`]). Causes
//! name the template location (a JSON Pointer) and the placeholder.

mod expr;
mod render;

use serde::Deserialize;
use serde_json::Value;
use stepwasm_guest::{task, TaskError};

pub use expr::{parse_expression, Expression, Filter, Operand, Segment};
pub use render::render;

/// The template's syntax is wrong.
pub const INVALID_TEMPLATE: &str = "InvalidTemplate";
/// A placeholder names data that is not there.
pub const MISSING_VALUE: &str = "MissingValue";
/// A filter cannot be applied, or the output is too large.
pub const TRANSFORM_FAILED: &str = "TransformFailed";
/// Largest output, measured as the bytes of inserted values and text.
pub const MAX_OUTPUT_BYTES: usize = 4 * 1024 * 1024;
/// Deepest template nesting walked.
pub const MAX_DEPTH: usize = 64;

/// The task's input.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The template to render.
    pub template: Value,
    /// The data placeholders read from; `null` when absent.
    #[serde(default)]
    pub data: Value,
}

fn run(request: Request) -> Result<Value, TaskError> {
    render(&request.template, &request.data)
}

task!(run);

#[cfg(test)]
mod tests;
