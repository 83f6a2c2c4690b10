//! The JSONPath input/output pipeline and expression evaluation for a run's current state.

use serde_json::{Map, Value};

use super::{RunId, ScopeView, Stepper};
use crate::env::{ContextView, Env};
use crate::error::{compact, names, EvalError, Failure};
use crate::jsonpath::JsonPath;
use crate::model::{Number, PathField, ResultPath};
use crate::template::Template;

/// AWS's payload limit for inputs, outputs and results: 256 KiB of UTF-8.
pub const MAX_PAYLOAD_BYTES: usize = 262_144;

/// The deepest nesting of arrays and objects a state may hand on or assign to a variable.
/// Without a bound a loop that wraps its data a level deeper each time builds values whose
/// copy, text or drop (all recursive) overflows the stack long before the payload limit is
/// reached. With it, what one state builds from its input (a template, at most 128 levels as
/// definitions are read, and a `ResultPath` of at most 256 steps) stays well within what a
/// 2 MiB thread copies even in a debug build (about 900 levels).
pub const MAX_NESTING: usize = 256;

/// Whether `v` nests arrays and objects more than `limit` levels deep (`[]` is one level, a
/// scalar none). Walks with a stack of its own, so it measures any depth.
pub fn nesting_exceeds(v: &Value, limit: usize) -> bool {
    fn container(v: &Value) -> bool {
        matches!(v, Value::Array(_) | Value::Object(_))
    }
    if !container(v) {
        return false;
    }
    let mut stack: Vec<(&Value, usize)> = vec![(v, 1)];
    while let Some((v, depth)) = stack.pop() {
        if depth > limit {
            return true;
        }
        match v {
            Value::Array(items) => stack.extend(items.iter().filter(|x| container(x)).map(|x| (x, depth + 1))),
            Value::Object(members) => stack.extend(members.values().filter(|x| container(x)).map(|x| (x, depth + 1))),
            _ => {}
        }
    }
    false
}

/// The failure for a state's output, or a variable it assigns, nested deeper than [`MAX_NESTING`].
pub(super) fn nested_too_deeply(state: &str, variable: Option<&str>) -> Failure {
    let what = match variable {
        Some(name) => format!("The variable '{name}' assigned in state '{state}'"),
        None => format!("The state/task '{state}' returned a result that"),
    };
    Failure::new(names::DATA_LIMIT_EXCEEDED, format!("{what} is nested deeper than the maximum of {MAX_NESTING} levels."))
}

/// What an expression sees besides `$`.
#[derive(Clone, Copy, Default)]
pub(super) struct Extra<'v> {
    pub result: Option<&'v Value>,
    pub error_output: Option<&'v Value>,
}

impl Stepper<'_> {
    /// Run `f` with an evaluation environment for the current state of `run`, `$` bound to `input`.
    pub(super) fn with_env<R>(&mut self, run: RunId, input: &Value, extra: Extra<'_>, f: impl FnOnce(&mut Env<'_>) -> R) -> R {
        let r = self.x.runs[run].as_ref().expect("run ids always name live runs");
        let state = self.m.state(r.graph, r.state);
        // A child execution of a map run has a context of its own.
        let child = if r.hist == 0 { None } else { self.x.children.get(&r.hist) };
        let (execution, texts) = match child {
            Some(child) => (&child.info, Some(&child.texts)),
            None => (&self.x.info, self.x.texts.as_ref()),
        };
        let context = ContextView {
            execution,
            state_name: &state.name,
            entered_time_ms: r.entered_ms,
            retry_count: matches!(state.kind, crate::model::Kind::Task(_)).then_some(r.retries_total),
            task_token: r.task_token.as_deref(),
            map_item: r.map_item.as_ref().map(|(i, v)| (*i, v)),
            texts,
        };
        let vars = ScopeView { runs: &self.x.runs, run };
        let mut env = Env::new(input, context, &vars, &mut self.rng, self.now);
        env.result = extra.result;
        env.error_output = extra.error_output;
        f(&mut env)
    }

    /// Evaluate a template with `$` bound to `input`.
    pub(super) fn eval(&mut self, run: RunId, t: &Template, input: &Value, extra: Extra<'_>) -> Result<Value, EvalError> {
        self.with_env(run, input, extra, |env| t.eval(env))
    }

    /// Select a definite-or-not path with the usual roots.
    pub(super) fn select(&mut self, run: RunId, p: &JsonPath, input: &Value) -> Option<Value> {
        self.with_env(run, input, Extra::default(), |env| env.select(p))
    }

    /// `InputPath` / `OutputPath`.
    pub(super) fn path_field(&mut self, run: RunId, value: &Value, field: &PathField) -> Result<Value, EvalError> {
        match field {
            PathField::Whole => Ok(value.clone()),
            PathField::Null => Ok(Value::Object(Map::new())),
            PathField::Path(p) => self.select(run, p, value).ok_or_else(|| {
                EvalError::runtime(format!("Invalid path '{}' : No results for path: {}", p.as_str(), p.normalized()))
            }),
        }
    }

    /// Evaluate a number field (`TimeoutSeconds(Path)`, `MaxConcurrency(Path)`, ...). Returns
    /// the raw JSON value so callers can word their own type errors as AWS does.
    pub(super) fn number_value(&mut self, run: RunId, n: &Number, input: &Value) -> Result<Value, EvalError> {
        match n {
            Number::Literal(f) => Ok(serde_json::Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null)),
            Number::Path(p) => self.select(run, p, input).ok_or_else(|| {
                EvalError::runtime(format!("Invalid path '{}' : No results for path: {}", p.as_str(), p.normalized()))
            }),
            Number::Expr(t) => self.eval(run, t, input, Extra::default()),
        }
    }
}

/// Write `result` into `doc` as `ResultPath` says.
pub(super) fn apply_result_path(doc: &Value, rp: &ResultPath, result: Value) -> Result<Value, EvalError> {
    match rp {
        ResultPath::Replace => Ok(result),
        ResultPath::Discard => Ok(doc.clone()),
        ResultPath::Path(p) => p.write(doc.clone(), result).map_err(|_| result_path_failure(p, doc)),
    }
}

/// States.ResultPathMatchFailure for writing at `path` into `doc`.
pub(super) fn result_path_failure(path: &JsonPath, doc: &Value) -> EvalError {
    EvalError::new(
        names::RESULT_PATH_MATCH_FAILURE,
        format!("Unable to apply ResultPath '{}' to input '{}'", path.as_str(), compact(doc)),
    )
}

/// The failure for a payload over [`MAX_PAYLOAD_BYTES`].
pub fn payload_too_large(state: Option<&str>) -> Failure {
    let cause = match state {
        Some(s) => format!("The state/task '{s}' returned a result with a size exceeding the maximum number of bytes service limit."),
        None => "The execution output has a size exceeding the maximum number of bytes service limit.".to_string(),
    };
    Failure::new(names::DATA_LIMIT_EXCEEDED, cause)
}

