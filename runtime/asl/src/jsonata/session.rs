//! One engine evaluator set up for a scope, reused for every expression of one field.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use jsonata_core::evaluator::{Context, Evaluator, EvaluatorError, EvaluatorOptions};
use jsonata_core::value::JValue;
use serde_json::Value;

use super::functions::{self, Entropy, Installation};
use super::{
    convert, Expr, JsonataError, Scope, MEMORY_LIMIT_TEXT, STACK_OVERFLOW_TEXT, TIMEOUT_TEXT,
};

/// The name `$states` is bound under.
const STATES: &str = "states";

pub(crate) struct Session {
    evaluator: Evaluator,
    max_bytes: usize,
}

impl Session {
    /// Prepares an evaluator that can run any of `exprs` in `scope`: binds the variables they
    /// reference (and `$states`, which wins over a variable of the same name) and registers
    /// the Step Functions functions.
    pub(crate) fn new(scope: &Scope, exprs: &[Expr]) -> Result<Self, JsonataError> {
        let referenced: BTreeSet<&str> = exprs
            .iter()
            .flat_map(|e| e.references().iter().map(String::as_str))
            .collect();
        let mut context = Context::new();
        for name in &referenced {
            if *name == STATES {
                continue;
            }
            if let Some(value) = scope.variables.get(*name) {
                context.bind(name.to_string(), convert::to_engine(value)?);
            }
        }
        if referenced.contains(STATES) {
            context.bind(STATES.to_string(), convert::to_engine(scope.states)?);
        }
        let limits = scope.limits;
        let options = EvaluatorOptions {
            timeout_ms: Some(limits.timeout_ms),
            cancel: None,
            max_stack_depth: Some(limits.max_depth),
            max_sequence_length: Some(limits.max_sequence_length),
        };
        let mut evaluator = Evaluator::with_options(context, options.clone());
        functions::install(
            &mut evaluator,
            Installation {
                now_millis: scope.now_millis,
                entropy: Rc::new(Entropy::new(scope.entropy)),
                max_sequence: limits.max_sequence_length,
                max_bytes: limits.max_value_bytes,
                options,
            },
        )
        .map_err(|e| engine_error(&e))?;
        Ok(Session {
            evaluator,
            max_bytes: limits.max_value_bytes,
        })
    }

    /// Evaluates one expression. `Ok(None)` is undefined.
    pub(crate) fn evaluate(&mut self, expr: &Expr) -> Result<Option<Value>, JsonataError> {
        let evaluator = &mut self.evaluator;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            evaluator.evaluate(expr.ast(), &JValue::Undefined)
        }));
        match outcome {
            Ok(Ok(value)) => convert::from_engine(&value, self.max_bytes),
            Ok(Err(e)) => Err(engine_error(&e)),
            Err(_) => Err(JsonataError::Evaluation {
                code: None,
                message: "the JSONata engine failed unexpectedly".to_string(),
            }),
        }
    }
}

/// Maps an engine error to the text AWS reports. The engine's limit errors become AWS's
/// uncoded limit texts; every other error keeps its JSONata code and message.
fn engine_error(e: &EvaluatorError) -> JsonataError {
    let (code, message) = JsonataError::split(e.message());
    let limit = match code.as_deref() {
        Some("D1011") | Some("U1001") => Some(STACK_OVERFLOW_TEXT),
        Some("D1012") => Some(TIMEOUT_TEXT),
        Some("D2015") => Some(MEMORY_LIMIT_TEXT),
        _ => None,
    };
    match limit {
        Some(text) => JsonataError::Evaluation {
            code: None,
            message: text.to_string(),
        },
        None => JsonataError::Evaluation { code, message },
    }
}
