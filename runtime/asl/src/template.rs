//! Payload templates (`Parameters`, `ResultSelector`, `ItemSelector`, `Assign`, JSONata
//! `Arguments`/`Output`, ...): compiled once from the definition, evaluated against an [`Env`].

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::env::Env;
use crate::error::{compact, EvalError};
use crate::intrinsics::{self, Call};
use crate::jsonata::{self, Expr};
use crate::jsonpath::JsonPath;

/// A compiled template.
#[derive(Debug)]
pub enum Template {
    /// A subtree with nothing to evaluate.
    Literal(Value),
    /// An object; keys are output keys (the `.$` suffix already stripped).
    Object(Vec<(String, Template)>),
    Array(Vec<Template>),
    /// `"key.$": "$.path"`; `field` is the key as written, for error texts.
    Path { field: String, path: JsonPath },
    /// `"key.$": "States.Format(...)"`.
    Intrinsic { field: String, call: Call },
    /// `"{% expr %}"`; `location` is the field path AWS quotes ("Output/result").
    Jsonata { location: String, src: String, expr: Expr },
}

impl Template {
    /// Compile a JSONPath-mode payload template found at `pointer`.
    pub fn jsonpath(v: &Value, pointer: &str) -> Result<Template, Diagnostic> {
        let t = compile_jsonpath(v, pointer, 0)?;
        Ok(t)
    }

    /// Compile a JSONata-mode template (strings `{% .. %}` anywhere are expressions) for the
    /// field `field` (used in error texts), found at `pointer`.
    pub fn jsonata(v: &Value, field: &str, pointer: &str) -> Result<Template, Diagnostic> {
        compile_jsonata(v, field, pointer, 0)
    }

    /// A single path given as a whole field value (`ErrorPath`, `ItemsPath`, ...) or an
    /// intrinsic, reported as `field` in errors.
    pub fn path_or_intrinsic(src: &str, field: &str, pointer: &str) -> Result<Template, Diagnostic> {
        single_dynamic(src, field, pointer)
    }

    /// Whether evaluating this template can touch anything but literals.
    pub fn is_literal(&self) -> bool {
        matches!(self, Template::Literal(_))
    }

    /// Evaluate against `env`.
    pub fn eval(&self, env: &mut Env<'_>) -> Result<Value, EvalError> {
        match self {
            Template::Literal(v) => Ok(v.clone()),
            Template::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (k, t) in fields {
                    out.insert(k.clone(), t.eval(env)?);
                }
                Ok(Value::Object(out))
            }
            Template::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for t in items {
                    out.push(t.eval(env)?);
                }
                Ok(Value::Array(out))
            }
            Template::Path { field, path } => env.select(path).ok_or_else(|| {
                EvalError::runtime(format!(
                    "The JSONPath '{}' specified for the field '{}' could not be found in the input '{}'",
                    path.as_str(),
                    field,
                    compact(env.input)
                ))
            }),
            Template::Intrinsic { field, call } => env.intrinsic(call, field),
            Template::Jsonata { location, src, expr } => env.jsonata(expr, src, location),
        }
    }
}

const MAX_DEPTH: usize = 512;

fn too_deep(pointer: &str) -> Diagnostic {
    Diagnostic::schema(pointer, "The value is nested too deeply")
}

fn compile_jsonpath(v: &Value, pointer: &str, depth: usize) -> Result<Template, Diagnostic> {
    if depth > MAX_DEPTH {
        return Err(too_deep(pointer));
    }
    match v {
        Value::Object(m) => {
            let mut fields = Vec::with_capacity(m.len());
            let mut dynamic = false;
            for (k, val) in m {
                let at = format!("{pointer}/{}", crate::diagnostic::pointer_token(k));
                if let Some(out_key) = k.strip_suffix(".$") {
                    let Value::String(src) = val else {
                        return Err(Diagnostic::schema(
                            at,
                            format!("The value for the field '{k}' must be a valid JSONPath or a valid intrinsic function call"),
                        ));
                    };
                    fields.push((out_key.to_string(), single_dynamic(src, k, &at)?));
                    dynamic = true;
                } else {
                    let t = compile_jsonpath(val, &at, depth + 1)?;
                    dynamic |= !t.is_literal();
                    fields.push((k.clone(), t));
                }
            }
            Ok(if dynamic { Template::Object(fields) } else { Template::Literal(v.clone()) })
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut dynamic = false;
            for (i, item) in items.iter().enumerate() {
                let t = compile_jsonpath(item, &format!("{pointer}/{i}"), depth + 1)?;
                dynamic |= !t.is_literal();
                out.push(t);
            }
            Ok(if dynamic { Template::Array(out) } else { Template::Literal(v.clone()) })
        }
        _ => Ok(Template::Literal(v.clone())),
    }
}

fn single_dynamic(src: &str, field: &str, pointer: &str) -> Result<Template, Diagnostic> {
    if intrinsics::looks_like_intrinsic(src) {
        let call = intrinsics::parse(src).map_err(|e| {
            Diagnostic::schema(pointer, format!("The value for the field '{field}' must be a valid intrinsic function call: {e}"))
        })?;
        Ok(Template::Intrinsic { field: field.to_string(), call })
    } else if src.starts_with('$') {
        let path = JsonPath::parse(src).map_err(|e| {
            Diagnostic::schema(pointer, format!("The value for the field '{field}' must be a valid JSONPath: {e}"))
        })?;
        Ok(Template::Path { field: field.to_string(), path })
    } else {
        Err(Diagnostic::schema(
            pointer,
            format!("The value for the field '{field}' must be a valid JSONPath or a valid intrinsic function call"),
        ))
    }
}

fn compile_jsonata(v: &Value, location: &str, pointer: &str, depth: usize) -> Result<Template, Diagnostic> {
    if depth > MAX_DEPTH {
        return Err(too_deep(pointer));
    }
    match v {
        Value::String(s) => match jsonata::expression_of(s) {
            Some(src) => {
                let expr = jsonata::compile(src).map_err(|e| {
                    Diagnostic::schema(pointer, format!("The JSONata expression '{src}' is invalid: {e}"))
                })?;
                Ok(Template::Jsonata { location: location.to_string(), src: src.to_string(), expr })
            }
            None => Ok(Template::Literal(v.clone())),
        },
        Value::Object(m) => {
            let mut fields = Vec::with_capacity(m.len());
            let mut dynamic = false;
            for (k, val) in m {
                let at = format!("{pointer}/{}", crate::diagnostic::pointer_token(k));
                let t = compile_jsonata(val, &format!("{location}/{k}"), &at, depth + 1)?;
                dynamic |= !t.is_literal();
                fields.push((k.clone(), t));
            }
            Ok(if dynamic { Template::Object(fields) } else { Template::Literal(v.clone()) })
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut dynamic = false;
            for (i, item) in items.iter().enumerate() {
                let t = compile_jsonata(item, &format!("{location}[{i}]"), &format!("{pointer}/{i}"), depth + 1)?;
                dynamic |= !t.is_literal();
                out.push(t);
            }
            Ok(if dynamic { Template::Array(out) } else { Template::Literal(v.clone()) })
        }
        _ => Ok(Template::Literal(v.clone())),
    }
}
