//! What an expression can see while a state runs: the current value (`$`), the context object
//! (`$$`), workflow variables (`$name`), and for JSONata the `$states` object. Entropy and time
//! come from the caller through [`Rng`] and `now_ms`.

use serde_json::{Map, Value};

use crate::error::EvalError;
use crate::intrinsics::{self, Call, IntrinsicEnv, IntrinsicError};
use crate::jsonata::{self, Expr};
use crate::jsonpath::{JsonPath, Root};

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

/// What the context object (`$$`) is made of at one moment.
#[derive(Debug, Clone, Copy)]
pub struct ContextView<'a> {
    pub execution: &'a Value,
    pub state_machine: &'a Value,
    pub state_name: &'a str,
    pub entered_time: &'a str,
    /// `$$.State.RetryCount`, present only in Task states.
    pub retry_count: Option<u64>,
    pub task_token: Option<&'a str>,
    pub map_item: Option<(usize, &'a Value)>,
}

impl ContextView<'_> {
    /// The context object as JSON.
    pub fn build(&self) -> Value {
        let mut m = Map::new();
        m.insert("Execution".into(), self.execution.clone());
        let mut state = Map::new();
        state.insert("EnteredTime".into(), Value::String(self.entered_time.to_string()));
        state.insert("Name".into(), Value::String(self.state_name.to_string()));
        if let Some(n) = self.retry_count {
            state.insert("RetryCount".into(), Value::from(n));
        }
        m.insert("State".into(), Value::Object(state));
        m.insert("StateMachine".into(), self.state_machine.clone());
        if let Some(token) = self.task_token {
            let mut t = Map::new();
            t.insert("Token".into(), Value::String(token.to_string()));
            m.insert("Task".into(), Value::Object(t));
        }
        if let Some((index, value)) = self.map_item {
            let mut item = Map::new();
            item.insert("Index".into(), Value::from(index));
            item.insert("Value".into(), value.clone());
            let mut map = Map::new();
            map.insert("Item".into(), Value::Object(item));
            m.insert("Map".into(), Value::Object(map));
        }
        Value::Object(m)
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
            Root::Context => {
                let ctx = self.context_value().clone();
                path.select(&ctx)
            }
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
        let states = self.states_object();
        let variables = self.vars.collect();
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
