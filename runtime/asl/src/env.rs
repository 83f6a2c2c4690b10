//! What an expression can see while a state runs: the current value (`$`), the context object
//! (`$$`), workflow variables (`$name`), and for JSONata the `$states` object. Entropy and time
//! come from the caller through [`Rng`] and `now_ms`.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::EvalError;
use crate::intrinsics::{self, Call, IntrinsicEnv, IntrinsicError};
use crate::jsonata::{self, Expr};
use crate::exec::{iso_millis, ExecutionInfo};
use crate::json_text::{self, push_compact, push_string};
use crate::jsonpath::{get_steps, JsonPath, Root, Step};

/// A small deterministic random generator (SplitMix64), seeded by the caller of `step`.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A version-4 UUID.
    pub fn uuid(&mut self) -> String {
        let hi = self.next_u64().to_be_bytes();
        let lo = self.next_u64().to_be_bytes();
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&hi);
        bytes[8..].copy_from_slice(&lo);
        uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
    }
}

/// Read access to workflow variables through the scope chain.
pub trait Vars {
    /// The value of variable `name`, looking outward through enclosing scopes.
    fn get(&self, name: &str) -> Option<&Value>;
    /// Every visible variable (inner scopes win), for JSONata.
    fn collect(&self) -> Map<String, Value>;
}

/// No variables at all.
pub struct NoVars;

impl Vars for NoVars {
    fn get(&self, _: &str) -> Option<&Value> {
        None
    }
    fn collect(&self) -> Map<String, Value> {
        Map::new()
    }
}

/// What the context object (`$$`) is made of at one moment. Nothing is built until an
/// expression reads it, and a reference path such as `$$.Map.Item.Value` builds only the part
/// it reads.
#[derive(Debug, Clone, Copy)]
pub struct ContextView<'a> {
    /// `$$.Execution` and `$$.StateMachine`.
    pub execution: &'a ExecutionInfo,
    pub state_name: &'a str,
    /// When the current state was entered (`$$.State.EnteredTime`), in epoch milliseconds.
    pub entered_time_ms: i64,
    /// `$$.State.RetryCount`, present only in Task states.
    pub retry_count: Option<u64>,
    pub task_token: Option<&'a str>,
    pub map_item: Option<(usize, &'a Value)>,
    /// `execution`'s input and start time already written, when they are: [`text`](Self::text)
    /// copies them instead of writing them again for every task.
    pub texts: Option<&'a ExecutionTexts>,
}

/// What the context object's text quotes of an execution on every task, written once: the
/// compact text of its input and its start time.
#[derive(Debug, Clone)]
pub struct ExecutionTexts {
    input: Arc<str>,
    start_time: String,
}

impl ExecutionTexts {
    /// `input` must be the compact text of `info.input` (as [`json_text::shared_text`] writes it).
    pub fn new(info: &ExecutionInfo, input: Arc<str>) -> ExecutionTexts {
        ExecutionTexts { input, start_time: iso_millis(info.start_time_ms) }
    }
}

impl ContextView<'_> {
    /// The context object as JSON.
    pub fn build(&self) -> Value {
        let mut m = Map::new();
        for name in ["Execution", "State", "StateMachine", "Task", "Map"] {
            if let Some(v) = self.member(name) {
                m.insert(name.into(), v);
            }
        }
        Value::Object(m)
    }

    /// The compact JSON text of [`build`](Self::build), byte for byte, written straight from
    /// the view: what a task receives as its context, without copying the execution input
    /// into a new object first.
    pub fn text(&self) -> String {
        json_text::written(|out| self.push_text(out))
    }

    fn push_text(&self, out: &mut String) {
        let info = self.execution;
        out.push_str("{\"Execution\":{\"Id\":");
        push_string(out, &info.execution_arn);
        out.push_str(",\"Input\":");
        match self.texts {
            Some(t) => out.push_str(&t.input),
            None => push_compact(out, &info.input),
        }
        out.push_str(",\"Name\":");
        push_string(out, &info.name);
        out.push_str(",\"RoleArn\":");
        push_string(out, &info.role_arn);
        out.push_str(",\"StartTime\":");
        match self.texts {
            Some(t) => push_string(out, &t.start_time),
            None => push_string(out, &iso_millis(info.start_time_ms)),
        }
        if !info.express {
            out.push_str(",\"RedriveCount\":");
            out.push_str(itoa::Buffer::new().format(info.redrive_count));
        }
        out.push_str("},\"State\":{\"EnteredTime\":");
        push_string(out, &iso_millis(self.entered_time_ms));
        out.push_str(",\"Name\":");
        push_string(out, self.state_name);
        if let Some(n) = self.retry_count {
            out.push_str(",\"RetryCount\":");
            out.push_str(itoa::Buffer::new().format(n));
        }
        out.push_str("},\"StateMachine\":{\"Id\":");
        push_string(out, &info.state_machine_arn);
        out.push_str(",\"Name\":");
        push_string(out, &info.state_machine_name);
        out.push('}');
        if let Some(token) = self.task_token {
            out.push_str(",\"Task\":{\"Token\":");
            push_string(out, token);
            out.push('}');
        }
        if let Some((index, value)) = self.map_item {
            out.push_str(",\"Map\":{\"Item\":{\"Index\":");
            out.push_str(itoa::Buffer::new().format(index));
            out.push_str(",\"Value\":");
            push_compact(out, value);
            out.push_str("}}");
        }
        out.push('}');
    }

    /// One top-level member of the context object (`Execution`, `State`, `StateMachine`,
    /// `Task`, `Map`), or `None` when the context has no such member.
    pub fn member(&self, name: &str) -> Option<Value> {
        let info = self.execution;
        let v = match name {
            "Execution" => {
                let mut ex = Map::new();
                ex.insert("Id".into(), Value::String(info.execution_arn.clone()));
                ex.insert("Input".into(), info.input.clone());
                ex.insert("Name".into(), Value::String(info.name.clone()));
                ex.insert("RoleArn".into(), Value::String(info.role_arn.clone()));
                ex.insert("StartTime".into(), Value::String(iso_millis(info.start_time_ms)));
                if !info.express {
                    ex.insert("RedriveCount".into(), Value::from(info.redrive_count));
                }
                Value::Object(ex)
            }
            "State" => {
                let mut state = Map::new();
                state.insert("EnteredTime".into(), Value::String(iso_millis(self.entered_time_ms)));
                state.insert("Name".into(), Value::String(self.state_name.to_string()));
                if let Some(n) = self.retry_count {
                    state.insert("RetryCount".into(), Value::from(n));
                }
                Value::Object(state)
            }
            "StateMachine" => {
                let mut sm = Map::new();
                sm.insert("Id".into(), Value::String(info.state_machine_arn.clone()));
                sm.insert("Name".into(), Value::String(info.state_machine_name.clone()));
                Value::Object(sm)
            }
            "Task" => {
                let mut t = Map::new();
                t.insert("Token".into(), Value::String(self.task_token?.to_string()));
                Value::Object(t)
            }
            "Map" => {
                let (index, value) = self.map_item?;
                let mut item = Map::new();
                item.insert("Index".into(), Value::from(index));
                item.insert("Value".into(), value.clone());
                let mut map = Map::new();
                map.insert("Item".into(), Value::Object(item));
                Value::Object(map)
            }
            _ => return None,
        };
        Some(v)
    }

    /// Evaluate a `$$` path. Reference paths build only the member they read (and read
    /// `Execution.Input` and `Map.Item.Value` without copying them first); other paths see
    /// the whole object.
    pub fn select(&self, path: &JsonPath) -> Option<Value> {
        if !path.is_reference() {
            return path.select(&self.build());
        }
        let Some((first, rest)) = path.steps().split_first() else {
            return Some(self.build());
        };
        let Step::Name(member) = first else {
            return None;
        };
        match (member.as_str(), rest) {
            ("Execution", [Step::Name(input), tail @ ..]) if input == "Input" => {
                return get_steps(tail, &self.execution.input).cloned();
            }
            ("Map", [Step::Name(item), Step::Name(value), tail @ ..]) if item == "Item" && value == "Value" => {
                return get_steps(tail, self.map_item?.1).cloned();
            }
            // The other leaves are strings and numbers: nothing follows them.
            ("Map", [Step::Name(item), Step::Name(index)]) if item == "Item" && index == "Index" => {
                return Some(Value::from(self.map_item?.0));
            }
            ("State", [Step::Name(leaf)]) => return self.state_leaf(leaf),
            _ => {}
        }
        let v = self.member(member)?;
        get_steps(rest, &v).cloned()
    }

    /// `$$.State.<leaf>`, built alone.
    fn state_leaf(&self, leaf: &str) -> Option<Value> {
        match leaf {
            "EnteredTime" => Some(Value::String(iso_millis(self.entered_time_ms))),
            "Name" => Some(Value::String(self.state_name.to_string())),
            "RetryCount" => self.retry_count.map(Value::from),
            _ => None,
        }
    }
}

/// The evaluation environment of one field of one state.
pub struct Env<'a> {
    /// `$` for JSONPath, `$states.input` for JSONata.
    pub input: &'a Value,
    /// `$states.result` (JSONata, after a task/map/parallel result).
    pub result: Option<&'a Value>,
    /// `$states.errorOutput` (JSONata, in a Catch).
    pub error_output: Option<&'a Value>,
    pub context: ContextView<'a>,
    pub vars: &'a dyn Vars,
    pub rng: &'a mut Rng,
    pub now_ms: i64,
    context_cache: Option<Value>,
}

impl<'a> Env<'a> {
    /// An environment over `input`.
    pub fn new(input: &'a Value, context: ContextView<'a>, vars: &'a dyn Vars, rng: &'a mut Rng, now_ms: i64) -> Env<'a> {
        Env { input, result: None, error_output: None, context, vars, rng, now_ms, context_cache: None }
    }

    /// The same environment with `$` bound to another value.
    pub fn with_input<'b>(&'b mut self, input: &'b Value) -> Env<'b>
    where
        'a: 'b,
    {
        Env {
            input,
            result: self.result,
            error_output: self.error_output,
            context: self.context,
            vars: self.vars,
            rng: self.rng,
            now_ms: self.now_ms,
            context_cache: None,
        }
    }

    /// The context object, built once per environment.
    pub fn context_value(&mut self) -> &Value {
        if self.context_cache.is_none() {
            self.context_cache = Some(self.context.build());
        }
        self.context_cache.get_or_insert(Value::Null)
    }

    /// Evaluate a path against whatever its root designates. `None` when a definite path
    /// finds nothing (indefinite paths always give an array).
    pub fn select(&mut self, path: &JsonPath) -> Option<Value> {
        match path.root() {
            Root::Input => path.select(self.input),
            Root::Context => match &self.context_cache {
                Some(ctx) => path.select(ctx),
                None => self.context.select(path),
            },
            Root::Variable(name) => {
                let v = self.vars.get(name)?;
                path.select(v)
            }
        }
    }

    /// Evaluate an intrinsic function; `field` names the template key for error texts.
    pub fn intrinsic(&mut self, call: &Call, field: &str) -> Result<Value, EvalError> {
        let mut adapter = IntrinsicAdapter { env: self, field };
        intrinsics::evaluate(call, &mut adapter).map_err(|e| match e {
            IntrinsicError::Path(e) => e,
            // AWS reports a failed intrinsic as States.Runtime, not States.IntrinsicFailure.
            IntrinsicError::Failure(cause) => EvalError::new(intrinsics::FAILURE_ERROR, cause),
        })
    }

    /// The `$states` object JSONata sees.
    fn states_object(&mut self) -> Value {
        let mut m = Map::new();
        m.insert("input".into(), self.input.clone());
        if let Some(r) = self.result {
            m.insert("result".into(), r.clone());
        }
        if let Some(e) = self.error_output {
            m.insert("errorOutput".into(), e.clone());
        }
        m.insert("context".into(), self.context_value().clone());
        Value::Object(m)
    }

    /// Evaluate a JSONata expression; undefined is an error, as AWS reports it.
    pub fn jsonata(&mut self, expr: &Expr, src: &str, location: &str) -> Result<Value, EvalError> {
        // Only what the expression reads: `$states` and the variables it names.
        let refs = expr.references();
        let states = if refs.iter().any(|r| r == "states") { self.states_object() } else { Value::Null };
        let variables: Map<String, Value> =
            refs.iter().filter_map(|name| self.vars.get(name).map(|v| (name.clone(), v.clone()))).collect();
        let entropy = self.rng.next_u64();
        let scope = jsonata::Scope::new(&states, &variables, self.now_ms, entropy);
        match jsonata::evaluate(expr, &scope) {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(EvalError::query(jsonata::QueryError::undefined(src, location).cause)),
            Err(e) => Err(EvalError::query(jsonata::QueryError::from_evaluation(src, location, &e).cause)),
        }
    }
}

struct IntrinsicAdapter<'e, 'a> {
    env: &'e mut Env<'a>,
    field: &'e str,
}

impl IntrinsicEnv for IntrinsicAdapter<'_, '_> {
    type Error = EvalError;

    fn resolve_path(&mut self, src: &str) -> Result<Value, EvalError> {
        let path = JsonPath::parse(src)
            .map_err(|e| EvalError::runtime(format!("The JSONPath '{src}' specified for the field '{}' is invalid: {e}", self.field)))?;
        self.env.select(&path).ok_or_else(|| {
            EvalError::runtime(format!(
                "The JSONPath '{src}' specified for the field '{}' could not be found in the input '{}'",
                self.field,
                crate::error::compact(self.env.input)
            ))
        })
    }

    fn entropy(&mut self) -> u64 {
        self.env.rng.next_u64()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Reading a member without building the whole object must give what selecting from the
    /// whole object gives, for every kind of path.
    #[test]
    fn partial_context_reads_agree_with_the_whole_object() {
        let mut info = crate::simulate::local_info("sm", "ex", json!({"a": [1, {"b": "c"}], "n": null}), 1_700_000_000_123);
        info.redrive_count = 2;
        let item = json!({"k": [true, 2.5]});
        let views = [
            ContextView {
                execution: &info,
                state_name: "S",
                entered_time_ms: 1_700_000_000_456,
                retry_count: Some(1),
                task_token: Some("tok"),
                map_item: Some((3, &item)),
                texts: None,
            },
            ContextView {
                execution: &info,
                state_name: "T",
                entered_time_ms: 0,
                retry_count: None,
                task_token: None,
                map_item: None,
                texts: None,
            },
        ];
        let paths = [
            "$$", "$$.Execution", "$$.Execution.Input", "$$.Execution.Input.a[1].b", "$$.Execution.Input.a[-1]",
            "$$.Execution.Input.n", "$$.Execution.Input.missing", "$$.Execution.Id", "$$.Execution.StartTime",
            "$$.Execution.RedriveCount", "$$.State", "$$.State.EnteredTime", "$$.State.RetryCount", "$$.State.Name",
            "$$.StateMachine.Name", "$$.Task.Token", "$$.Task", "$$.Map", "$$.Map.Item", "$$.Map.Item.Index", "$$.Map.Item.Index.x", "$$.State.Name[0]", "$$.State.Other", "$$.Map.Item.Other",
            "$$.Map.Item.Value", "$$.Map.Item.Value.k[0]", "$$.Map.Item.Value.missing", "$$.Nothing", "$$[0]",
            "$$.Execution.*", "$$..Name", "$$.Map.Item.Value.k[*]", "$$['State','Task']", "$$.Execution.Input.a[0:1]",
        ];
        for view in &views {
            let whole = view.build();
            for src in paths {
                let path = JsonPath::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
                assert_eq!(view.select(&path), path.select(&whole), "{src} in {whole}");
            }
        }
        let mut express = info.clone();
        express.express = true;
        express.input = json!("quote \" and \u{1} and é");
        let express_view = ContextView { execution: &express, ..views[1] };
        for view in views.iter().chain([&express_view]) {
            assert_eq!(view.text(), json_text::text(&view.build()));
            // With the input and start time written once beforehand, the text is the same.
            let texts = ExecutionTexts::new(view.execution, json_text::shared_text(&view.execution.input));
            assert_eq!(ContextView { texts: Some(&texts), ..*view }.text(), view.text());
        }
        assert!(!express_view.text().contains("RedriveCount"), "{}", express_view.text());
        assert_eq!(views[0].build()["Execution"]["StartTime"], json!("2023-11-14T22:13:20.123Z"));
        assert_eq!(views[0].build()["State"]["EnteredTime"], json!("2023-11-14T22:13:20.456Z"));
    }
}
