//! `json-schema`: validates a JSON document against a JSON Schema.
//!
//! Input: `{"schema": <JSON Schema>, "document": <any JSON>}`. The draft is taken
//! from the schema's `$schema` (2020-12 when absent; 2019-09, 7, 6 and 4 are also
//! supported). Only references inside the schema resolve: nothing is fetched
//! from files or the network. `format` keywords are always checked (`email`,
//! `date-time`, `uuid`, ...), whatever the draft's default.
//!
//! Output: `{"valid": true}`.
//!
//! Errors:
//! - `ValidationFailed`: the document breaks the schema. The cause is JSON text,
//!   `{"violations": [{"pointer": "/items/0/quantity", "message": "..."}, ...]}`
//!   (a JSON Pointer into the document, `""` for the root), with at most
//!   [`MAX_VIOLATIONS`] entries and `"omitted": n` when there were more, so a
//!   workflow can read it with `States.StringToJson`.
//! - `InvalidSchema`: the schema itself cannot be used.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stepwasm_guest::{task, TaskError};

/// The document does not match the schema.
pub const VALIDATION_FAILED: &str = "ValidationFailed";
/// The schema cannot be compiled.
pub const INVALID_SCHEMA: &str = "InvalidSchema";
/// Most violations listed in a cause.
pub const MAX_VIOLATIONS: usize = 50;
/// Longest message kept per violation, in characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// The task's input.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The JSON Schema.
    pub schema: Value,
    /// The document to check.
    pub document: Value,
}

/// The task's output when the document is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Valid {
    /// Always `true`.
    pub valid: bool,
}

/// One way the document breaks the schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// JSON Pointer to the offending value in the document.
    pub pointer: String,
    /// What is wrong with it.
    pub message: String,
}

/// The `ValidationFailed` cause, as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violations {
    /// The violations, in the order the validator reports them.
    pub violations: Vec<Violation>,
    /// How many more were found but not listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub omitted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn run(request: Request) -> Result<Valid, TaskError> {
    let found = check(&request.schema, &request.document)?;
    if found.violations.is_empty() {
        return Ok(Valid { valid: true });
    }
    stepwasm_guest::info!(
        "document has {} violation(s)",
        found.violations.len() + found.omitted
    );
    let cause = serde_json::to_string(&found).map_err(|e| {
        TaskError::new(
            VALIDATION_FAILED,
            format!("the document is invalid, and listing why failed: {e}"),
        )
    })?;
    Err(TaskError::new(VALIDATION_FAILED, cause))
}

task!(run);

/// Validates `document` against `schema`, listing the violations (empty when valid).
pub fn check(schema: &Value, document: &Value) -> Result<Violations, TaskError> {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| {
            let at = e.schema_path().as_str().to_string();
            let where_ = if at.is_empty() {
                String::new()
            } else {
                format!(" (at {at})")
            };
            TaskError::new(
                INVALID_SCHEMA,
                format!(
                    "the schema cannot be used: {}{where_}",
                    shorten(&e.to_string())
                ),
            )
        })?;
    let mut violations = Vec::new();
    let mut omitted = 0;
    for error in validator.iter_errors(document) {
        if violations.len() == MAX_VIOLATIONS {
            omitted += 1;
            continue;
        }
        violations.push(Violation {
            pointer: error.instance_path().as_str().to_string(),
            message: shorten(&error.to_string()),
        });
    }
    Ok(Violations {
        violations,
        omitted,
    })
}

/// `text` cut to [`MAX_MESSAGE_CHARS`] characters, with `…` when cut.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests;
