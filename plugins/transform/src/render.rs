//! Walking a template and evaluating its placeholders against the data.

use serde_json::{Map, Value};
use stepwasm_guest::TaskError;

use crate::expr::{parse_expression, split, Expression, Filter, Operand, Piece, Segment};
use crate::{INVALID_TEMPLATE, MAX_DEPTH, MAX_OUTPUT_BYTES, MISSING_VALUE, TRANSFORM_FAILED};

/// Renders `template` against `data` (see the crate documentation for the rules).
pub fn render(template: &Value, data: &Value) -> Result<Value, TaskError> {
    let mut r = Renderer { data, spent: 0 };
    r.value(template, &mut String::new(), 0)
}

struct Renderer<'d> {
    data: &'d Value,
    /// Output bytes produced so far (approximate: text and serialized values).
    spent: usize,
}

/// Why evaluating one placeholder failed; turned into a [`TaskError`] with the location.
enum Failure {
    Syntax(String),
    Missing(String),
    Type(String),
}

impl Renderer<'_> {
    fn value(
        &mut self,
        template: &Value,
        at: &mut String,
        depth: usize,
    ) -> Result<Value, TaskError> {
        if depth > MAX_DEPTH {
            return Err(TaskError::new(
                INVALID_TEMPLATE,
                format!(
                    "the template is nested deeper than {MAX_DEPTH} levels at {}",
                    pointer(at)
                ),
            ));
        }
        match template {
            Value::String(s) => self.string(s, at),
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    out.push(self.value(item, at, depth + 1)?);
                    at.truncate(len);
                }
                Ok(Value::Array(out))
            }
            Value::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (key, item) in fields {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&key.replace('~', "~0").replace('/', "~1"));
                    let key = self.text(key, at)?;
                    out.insert(key, self.value(item, at, depth + 1)?);
                    at.truncate(len);
                }
                Ok(Value::Object(out))
            }
            scalar => {
                self.charge(scalar.to_string().len(), at)?;
                Ok(scalar.clone())
            }
        }
    }

    /// A string value: a lone placeholder keeps its value's type.
    fn string(&mut self, s: &str, at: &str) -> Result<Value, TaskError> {
        let pieces = split(s).map_err(|why| located(INVALID_TEMPLATE, at, s, &why))?;
        if let [Piece::Placeholder(source)] = pieces.as_slice() {
            let value = self.placeholder(source, at)?;
            self.charge(value.to_string().len(), at)?;
            return Ok(value);
        }
        self.text(s, at).map(Value::String)
    }

    /// A string with every placeholder replaced by its value's text.
    fn text(&mut self, s: &str, at: &str) -> Result<String, TaskError> {
        let pieces = split(s).map_err(|why| located(INVALID_TEMPLATE, at, s, &why))?;
        let mut out = String::new();
        for piece in pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Placeholder(source) => match self.placeholder(source, at)? {
                    Value::String(v) => out.push_str(&v),
                    other => out.push_str(&other.to_string()),
                },
            }
        }
        self.charge(out.len(), at)?;
        Ok(out)
    }

    fn placeholder(&self, source: &str, at: &str) -> Result<Value, TaskError> {
        let shown = format!("{{{{{source}}}}}");
        let fail = |f: Failure| match f {
            Failure::Syntax(why) => located(INVALID_TEMPLATE, at, &shown, &why),
            Failure::Missing(why) => located(MISSING_VALUE, at, &shown, &why),
            Failure::Type(why) => located(TRANSFORM_FAILED, at, &shown, &why),
        };
        let expr = parse_expression(source).map_err(|why| fail(Failure::Syntax(why)))?;
        self.evaluate(&expr).map_err(fail)
    }

    fn evaluate(&self, expr: &Expression) -> Result<Value, Failure> {
        let mut value = match &expr.operand {
            Operand::Literal(v) => Some(v.clone()),
            Operand::Path(segments) => lookup(self.data, segments).cloned(),
        };
        for filter in &expr.filters {
            if let Filter::Default(fallback) = filter {
                if matches!(value, None | Some(Value::Null)) {
                    value = Some(fallback.clone());
                }
                continue;
            }
            let Some(v) = value else {
                return Err(missing(&expr.operand));
            };
            value = Some(apply(filter, v)?);
        }
        value.ok_or_else(|| missing(&expr.operand))
    }

    fn charge(&mut self, bytes: usize, at: &str) -> Result<(), TaskError> {
        self.spent = self.spent.saturating_add(bytes);
        if self.spent > MAX_OUTPUT_BYTES {
            return Err(TaskError::new(
                TRANSFORM_FAILED,
                format!(
                    "the output grew past {MAX_OUTPUT_BYTES} bytes at {}",
                    pointer(at)
                ),
            ));
        }
        Ok(())
    }
}

fn missing(operand: &Operand) -> Failure {
    match operand {
        Operand::Path(segments) => {
            Failure::Missing(format!("the data has no value at {}", path_text(segments)))
        }
        Operand::Literal(_) => Failure::Missing("no value".to_string()),
    }
}

/// Follows `segments` from `data`; `None` when a step does not exist.
fn lookup<'d>(data: &'d Value, segments: &[Segment]) -> Option<&'d Value> {
    segments
        .iter()
        .try_fold(data, |current, segment| match (current, segment) {
            (Value::Object(map), Segment::Key(key)) => map.get(key),
            (Value::Array(items), Segment::Key(key)) => {
                key.parse::<usize>().ok().and_then(|i| items.get(i))
            }
            (Value::Array(items), Segment::Index(i)) => items.get(*i),
            _ => None,
        })
}

fn apply(filter: &Filter, value: Value) -> Result<Value, Failure> {
    let kind = kind(&value);
    let need = |what: &str| {
        Failure::Type(format!(
            "filter {} needs {what}, got {kind}",
            filter_name(filter)
        ))
    };
    Ok(match (filter, value) {
        (Filter::Upper, Value::String(s)) => Value::String(s.to_uppercase()),
        (Filter::Lower, Value::String(s)) => Value::String(s.to_lowercase()),
        (Filter::Trim, Value::String(s)) => Value::String(s.trim().to_string()),
        (Filter::Upper | Filter::Lower | Filter::Trim, _) => return Err(need("a string")),
        (Filter::Json, v) => Value::String(v.to_string()),
        (Filter::Length, Value::String(s)) => Value::from(s.chars().count()),
        (Filter::Length, Value::Array(a)) => Value::from(a.len()),
        (Filter::Length, Value::Object(o)) => Value::from(o.len()),
        (Filter::Length, _) => return Err(need("a string, array or object")),
        (Filter::Join(sep), Value::Array(items)) => {
            let mut parts = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => parts.push(s),
                    Value::Array(_) | Value::Object(_) => {
                        return Err(need("an array of strings, numbers or booleans"))
                    }
                    other => parts.push(other.to_string()),
                }
            }
            Value::String(parts.join(sep))
        }
        (Filter::Join(_), _) => return Err(need("an array")),
        (Filter::Default(_), v) => v,
    })
}

fn filter_name(filter: &Filter) -> &'static str {
    match filter {
        Filter::Default(_) => "default",
        Filter::Upper => "upper",
        Filter::Lower => "lower",
        Filter::Trim => "trim",
        Filter::Json => "json",
        Filter::Length => "length",
        Filter::Join(_) => "join",
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A path written back in the template's notation, for messages.
fn path_text(segments: &[Segment]) -> String {
    if segments.is_empty() {
        return "$".to_string();
    }
    let mut out = String::new();
    for segment in segments {
        match segment {
            Segment::Key(k)
                if !k.is_empty()
                    && !k
                        .chars()
                        .any(|c| c.is_whitespace() || ".[]|()\"".contains(c)) =>
            {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Segment::Key(k) => out.push_str(&format!("[{}]", Value::String(k.clone()))),
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn pointer(at: &str) -> String {
    if at.is_empty() {
        "the template root".to_string()
    } else {
        format!("template{at}")
    }
}

fn located(name: &str, at: &str, source: &str, why: &str) -> TaskError {
    let shown: String = source.chars().take(120).collect();
    TaskError::new(name, format!("{} in {shown:?}: {why}", pointer(at)))
}
