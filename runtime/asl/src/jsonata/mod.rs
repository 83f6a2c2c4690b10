//! JSONata, the second query language of Amazon States Language (`"QueryLanguage": "JSONata"`).
//!
//! A field value that is exactly `"{% expr %}"` is a JSONata expression; any other string is a
//! literal. This module compiles such expressions once ([`compile`], [`Template::compile`]) and
//! evaluates them many times against a [`Scope`]: the `$states` object, the workflow variables,
//! the execution clock and an entropy value. It is pure: `$now()`/`$millis()` read
//! [`Scope::now_millis`], and `$random()`, `$uuid()` and `$shuffle()` draw from
//! [`Scope::entropy`], so an evaluation can be replayed exactly.
//!
//! The engine is `jsonata-core`. On top of it this module adds what Step Functions adds:
//! `$partition`, `$range`, `$hash`, `$random([seed])`, `$uuid` and `$parse`, and it refuses
//! `$eval` the way AWS does (`T1006: Attempted to invoke a non-function`).
//!
//! Errors are reported as AWS reports them. [`evaluate_template`] and [`Template::evaluate`]
//! return a [`QueryError`] (`States.QueryEvaluationError`) whose cause names the expression and
//! the field, for example
//! `The JSONata expression '$x' specified for the field 'Output/result' returned nothing (undefined).`
//! The interpreter puts `An error occurred while executing the state '<name>' (entered at the
//! event id #<n>). ` in front of it.
//!
//! Evaluation is bounded ([`Limits`]): by nesting depth (AWS's own ceiling of 100), by sequence
//! length and value size (AWS's memory limit), and, as a last resort for loops that neither nest
//! nor allocate (a tail-recursive function that never ends), by a wall-clock timeout. That
//! timeout is the one place a clock is read: it is read inside the engine only to stop a runaway
//! evaluation, and never influences a value an expression computes.

mod analysis;
mod convert;
mod functions;
mod session;
mod template;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_functions;
#[cfg(test)]
mod tests_template;

use std::sync::Arc;

use jsonata_core::ast::AstNode;
use serde_json::{Map, Value};

pub use template::{evaluate_template, Template, TemplateSyntaxError};

/// The error name AWS reports for every failed JSONata evaluation.
pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";

/// The text after `threw an error during evaluation: ` when an evaluation nests too deeply.
pub(crate) const STACK_OVERFLOW_TEXT: &str =
    "Stack overflow error: Check for non-terminating recursive function. Consider rewriting as tail-recursive.";
/// The text after `threw an error during evaluation: ` when an evaluation holds too much data.
pub(crate) const MEMORY_LIMIT_TEXT: &str =
    "Expression evaluation memory limit exceeded: Check for excessive memory usage";
/// The text after `threw an error during evaluation: ` when an evaluation runs too long.
pub(crate) const TIMEOUT_TEXT: &str = "Expression evaluation timeout: Check for infinite loop";

/// Returns the expression inside `"{% expr %}"`, trimmed, or `None` when `s` is a literal.
///
/// The delimiters must be the very first and last characters: `" {% $x %}"` is a literal
/// string, as it is on AWS.
pub fn expression_of(s: &str) -> Option<&str> {
    if s.len() >= 4 && s.starts_with("{%") && s.ends_with("%}") {
        s.get(2..s.len() - 2).map(str::trim)
    } else {
        None
    }
}

/// Bounds on one evaluation. The defaults follow the limits AWS applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest evaluation nesting allowed. AWS accepts nesting 100 and refuses 101 (a chain
    /// `1+1+…+1` nests one level per term; a non-tail-recursive call about three levels). The
    /// engine counts a little more leniently than AWS (literals do not count), so everything AWS
    /// accepts is accepted here.
    pub max_depth: usize,
    /// Longest sequence an evaluation may build (`[1..n]`, `$map`, a path over an array,
    /// `$range`, `$partition`). AWS accepts `[1..873782]` and refuses one element more.
    pub max_sequence_length: usize,
    /// Largest value an expression may return, counting 8 bytes per number, boolean or null
    /// and the UTF-8 length of each string and key (AWS refuses more than about this much).
    /// `$pad` widths are held to the same number.
    pub max_value_bytes: usize,
    /// Wall-clock bound on one expression, in milliseconds. Only an evaluation that loops
    /// without nesting or allocating reaches it (a tail call that never returns).
    pub timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 100,
            max_sequence_length: 873_782,
            max_value_bytes: 873_782 * 8,
            timeout_ms: 2_000,
        }
    }
}

/// What an expression can see.
#[derive(Clone, Copy, Debug)]
pub struct Scope<'a> {
    /// The `$states` object: `{input, result?, errorOutput?, context}`.
    pub states: &'a Value,
    /// Workflow variables, each readable as `$name`.
    pub variables: &'a Map<String, Value>,
    /// Current time in milliseconds since the Unix epoch; `$now()` and `$millis()` return it.
    pub now_millis: i64,
    /// Seed for `$random()`, `$uuid()` and `$shuffle()`. Pass a different value for every
    /// evaluation that should draw different numbers; the same value draws the same numbers.
    pub entropy: u64,
    /// Evaluation bounds.
    pub limits: Limits,
}

impl<'a> Scope<'a> {
    /// A scope with the default [`Limits`].
    pub fn new(
        states: &'a Value,
        variables: &'a Map<String, Value>,
        now_millis: i64,
        entropy: u64,
    ) -> Self {
        Scope {
            states,
            variables,
            now_millis,
            entropy,
            limits: Limits::default(),
        }
    }
}

/// Why a JSONata expression could not be compiled or evaluated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JsonataError {
    /// The expression does not parse.
    #[error("invalid JSONata expression: {}", coded(.code, .message))]
    Syntax {
        /// The JSONata error code (`S0202`, ...), when the engine gave one.
        code: Option<String>,
        /// The message without the code.
        message: String,
    },
    /// The evaluation failed (a JSONata runtime error, or a limit was reached).
    #[error("JSONata evaluation failed: {}", coded(.code, .message))]
    Evaluation {
        /// The JSONata error code (`T1006`, `D3137`, ...); `None` for a limit.
        code: Option<String>,
        /// The message without the code.
        message: String,
    },
    /// The expression returned a function, which JSON cannot hold.
    #[error("JSONata expression returned a function, which is not a JSON value")]
    UnsupportedResult,
}

fn coded(code: &Option<String>, message: &str) -> String {
    match code {
        Some(code) => format!("{code}: {message}"),
        None => message.to_string(),
    }
}

impl JsonataError {
    /// The engine's text as AWS quotes it: `CODE: message`, or the bare message.
    pub fn detail(&self) -> String {
        match self {
            JsonataError::Syntax { code, message } | JsonataError::Evaluation { code, message } => {
                coded(code, message)
            }
            JsonataError::UnsupportedResult => "unsupported result type".to_string(),
        }
    }

    /// Splits an engine message `X0000: text` into its code and text.
    pub(crate) fn split(message: &str) -> (Option<String>, String) {
        match jsonata_core::evaluator::error_code_prefix(message) {
            Some(code) => {
                let rest = message.get(code.len() + 1..).unwrap_or("").trim_start();
                (Some(code.to_string()), rest.to_string())
            }
            None => (None, message.to_string()),
        }
    }
}

/// A failed evaluation, as AWS reports it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct QueryError {
    /// Always [`QUERY_EVALUATION_ERROR`].
    pub error: &'static str,
    /// The AWS cause text, without the `An error occurred while executing the state …` prefix.
    pub cause: String,
}

impl QueryError {
    fn new(cause: String) -> Self {
        QueryError {
            error: QUERY_EVALUATION_ERROR,
            cause,
        }
    }

    /// The error for `error` raised by `expression` in the field at `location` (`Output`,
    /// `Output/result`, `Items`, `Choices[0]/Condition`, …).
    pub fn from_evaluation(expression: &str, location: &str, error: &JsonataError) -> Self {
        let head =
            format!("The JSONata expression '{expression}' specified for the field '{location}'");
        let cause = match error {
            JsonataError::UnsupportedResult => {
                format!("{head} returned an unsupported result type.")
            }
            JsonataError::Syntax { .. } => {
                format!("{head} could not be parsed: {}", error.detail())
            }
            JsonataError::Evaluation { code: Some(_), .. } => {
                format!(
                    "{head} threw an error during evaluation. {}",
                    error.detail()
                )
            }
            JsonataError::Evaluation { code: None, .. } => {
                format!(
                    "{head} threw an error during evaluation: {}",
                    error.detail()
                )
            }
        };
        QueryError::new(cause)
    }

    /// The error for an expression that returned nothing.
    pub fn undefined(expression: &str, location: &str) -> Self {
        QueryError::new(format!(
            "The JSONata expression '{expression}' specified for the field '{location}' returned nothing (undefined)."
        ))
    }

    /// The error for an expression whose value has the wrong JSON type, as the Map state's
    /// `Items` reports it: `… returned an unexpected result type. Expected 'array', but was
    /// 'boolean' for value: true`.
    pub fn unexpected_type(
        expression: &str,
        location: &str,
        expected: &str,
        value: &Value,
    ) -> Self {
        QueryError::new(format!(
            "The JSONata expression '{expression}' specified for the field '{location}' returned an unexpected result type. Expected '{expected}', but was '{}' for value: {value}",
            json_type_name(value)
        ))
    }
}

/// The JSON type name AWS uses in error texts: `null`, `boolean`, `number`, `string`, `array`
/// or `object`.
pub fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A compiled JSONata expression. Cheap to clone (shared), `Send` and `Sync`: compile it once
/// per definition and evaluate it as often as needed.
#[derive(Clone, Debug)]
pub struct Expr {
    inner: Arc<ExprInner>,
}

#[derive(Debug)]
struct ExprInner {
    source: String,
    ast: AstNode,
    /// Names the expression reads as `$name` or calls as `$name(...)`; only these variables
    /// are handed to the engine.
    references: Vec<String>,
}

impl Expr {
    /// The expression text, as written between the delimiters (trimmed).
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// Whether two handles share one compiled program (a clone does; a second
    /// [`compile`] of the same text does not).
    pub fn same_program(a: &Expr, b: &Expr) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }

    pub(crate) fn ast(&self) -> &AstNode {
        &self.inner.ast
    }

    pub(crate) fn references(&self) -> &[String] {
        &self.inner.references
    }
}

/// Compiles a JSONata expression (the text between `{%` and `%}`).
pub fn compile(src: &str) -> Result<Expr, JsonataError> {
    let source = src.trim();
    let mut ast = jsonata_core::parser::parse(source).map_err(|e| {
        let (code, message) = JsonataError::split(&e.to_string());
        JsonataError::Syntax { code, message }
    })?;
    let references = analysis::prepare(&mut ast);
    Ok(Expr {
        inner: Arc::new(ExprInner {
            source: source.to_string(),
            ast,
            references,
        }),
    })
}

/// Evaluates `expr`. `Ok(None)` means the expression returned nothing (undefined).
pub fn evaluate(expr: &Expr, scope: &Scope) -> Result<Option<Value>, JsonataError> {
    session::Session::new(scope, std::slice::from_ref(expr))?.evaluate(expr)
}
