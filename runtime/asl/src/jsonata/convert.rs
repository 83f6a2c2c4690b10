//! Conversions between `serde_json::Value` and the engine's values.

use std::collections::HashSet;
use std::fmt;
use std::rc::Rc;

use jsonata_core::value::{JArray, JMap, JValue};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::{JsonataError, MEMORY_LIMIT_TEXT};

/// Deepest JSON nesting converted in either direction.
pub(crate) const MAX_NESTING: usize = 1000;

fn too_deep() -> JsonataError {
    JsonataError::Evaluation {
        code: None,
        message: format!("value nested deeper than {MAX_NESTING} levels"),
    }
}

/// Converts a JSON value for the engine.
///
/// Both conversions walk the value with an explicit stack, so the nesting they accept
/// ([`MAX_NESTING`]) does not depend on the native stack of the calling thread.
pub(crate) fn to_engine(root: &Value) -> Result<JValue, JsonataError> {
    enum Open<'a> {
        Array {
            rest: std::slice::Iter<'a, Value>,
            out: Vec<JValue>,
            flat: bool,
        },
        Object {
            rest: serde_json::map::Iter<'a>,
            key: String,
            out: Vec<(String, JValue)>,
        },
    }
    enum Step<'a> {
        Child(&'a Value),
        Done(JValue),
    }
    /// The next child of the innermost open container, or that container, closed.
    fn advance<'a>(stack: &mut Vec<Open<'a>>) -> Option<Step<'a>> {
        let next = match stack.last_mut()? {
            Open::Array { rest, .. } => rest.next(),
            Open::Object { rest, key, .. } => rest.next().map(|(k, v)| {
                key.clone_from(k);
                v
            }),
        };
        if let Some(child) = next {
            return Some(Step::Child(child));
        }
        Some(Step::Done(match stack.pop()? {
            Open::Array { out, flat, .. } => JValue::Array(JArray::new_flat(out, flat)),
            Open::Object { out, .. } => JValue::Object(Rc::new(out.into_iter().collect::<JMap>())),
        }))
    }

    let mut stack: Vec<Open> = Vec::new();
    let mut node = root;
    'descend: loop {
        let mut done = match node {
            Value::Null => JValue::Null,
            Value::Bool(b) => JValue::Bool(*b),
            Value::Number(n) => JValue::Number(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => JValue::string(s.as_str()),
            Value::Array(_) | Value::Object(_) if stack.len() >= MAX_NESTING => {
                return Err(too_deep())
            }
            Value::Array(items) => {
                stack.push(Open::Array {
                    rest: items.iter(),
                    out: Vec::with_capacity(items.len()),
                    flat: true,
                });
                match advance(&mut stack) {
                    Some(Step::Child(child)) => {
                        node = child;
                        continue 'descend;
                    }
                    Some(Step::Done(value)) => value,
                    None => return Err(too_deep()),
                }
            }
            Value::Object(map) => {
                stack.push(Open::Object {
                    rest: map.iter(),
                    key: String::new(),
                    out: Vec::with_capacity(map.len()),
                });
                match advance(&mut stack) {
                    Some(Step::Child(child)) => {
                        node = child;
                        continue 'descend;
                    }
                    Some(Step::Done(value)) => value,
                    None => return Err(too_deep()),
                }
            }
        };
        loop {
            match stack.last_mut() {
                None => return Ok(done),
                Some(Open::Array { out, flat, .. }) => {
                    *flat &= !matches!(done, JValue::Array(_));
                    out.push(done);
                }
                Some(Open::Object { out, key, .. }) => out.push((std::mem::take(key), done)),
            }
            match advance(&mut stack) {
                Some(Step::Child(child)) => {
                    node = child;
                    continue 'descend;
                }
                Some(Step::Done(value)) => done = value,
                None => return Err(too_deep()),
            }
        }
    }
}

/// Converts an engine result to JSON. `Ok(None)` is undefined.
///
/// Numbers that are whole become JSON integers (`1.0` is written `1`, `-0` is `0`). A
/// non-finite number becomes the string `"Infinity"`, `"-Infinity"` or `"NaN"`, as AWS writes
/// it. A function anywhere in the value is an [`JsonataError::UnsupportedResult`]. Inside
/// arrays an undefined item becomes `null` and inside objects an undefined member is left out
/// (the JSON serialisation of a JavaScript value). The result may hold at most
/// `max_bytes` (see [`super::Limits::max_value_bytes`]).
pub(crate) fn from_engine(root: &JValue, max_bytes: usize) -> Result<Option<Value>, JsonataError> {
    enum Open<'a> {
        Array {
            rest: std::slice::Iter<'a, JValue>,
            out: Vec<Value>,
        },
        Object {
            rest: std::vec::IntoIter<(&'a String, &'a JValue)>,
            key: String,
            out: Map<String, Value>,
        },
    }
    enum Step<'a> {
        Child(&'a JValue),
        Done(Value),
    }
    fn advance<'a>(
        stack: &mut Vec<Open<'a>>,
        budget: &mut Budget,
    ) -> Result<Option<Step<'a>>, JsonataError> {
        let next = match stack.last_mut() {
            None => return Ok(None),
            Some(Open::Array { rest, .. }) => rest.next(),
            Some(Open::Object { rest, key, .. }) => match rest.find(|(_, v)| !v.is_undefined()) {
                Some((k, v)) => {
                    budget.spend(k.len())?;
                    key.clone_from(k);
                    Some(v)
                }
                None => None,
            },
        };
        if let Some(child) = next {
            return Ok(Some(Step::Child(child)));
        }
        Ok(stack.pop().map(|open| {
            Step::Done(match open {
                Open::Array { out, .. } => Value::Array(out),
                Open::Object { out, .. } => Value::Object(out),
            })
        }))
    }

    if root.is_undefined() {
        return Ok(None);
    }
    let mut budget = Budget {
        used: 0,
        max: max_bytes,
    };
    let mut stack: Vec<Open> = Vec::new();
    let mut node = root;
    'descend: loop {
        let mut done = match node {
            JValue::Null | JValue::Undefined => {
                budget.spend(SCALAR_BYTES)?;
                Value::Null
            }
            JValue::Bool(b) => {
                budget.spend(SCALAR_BYTES)?;
                Value::Bool(*b)
            }
            JValue::Number(n) => {
                budget.spend(SCALAR_BYTES)?;
                number(*n)
            }
            JValue::String(s) => {
                budget.spend(s.len())?;
                Value::String(s.to_string())
            }
            JValue::Lambda(_) | JValue::Builtin { .. } | JValue::Regex { .. } => {
                return Err(JsonataError::UnsupportedResult)
            }
            JValue::Array(_) | JValue::Object(_) if stack.len() >= MAX_NESTING => {
                return Err(too_deep())
            }
            JValue::Array(items) => {
                stack.push(Open::Array {
                    rest: items.iter(),
                    out: Vec::with_capacity(items.len()),
                });
                match advance(&mut stack, &mut budget)? {
                    Some(Step::Child(child)) => {
                        node = child;
                        continue 'descend;
                    }
                    Some(Step::Done(value)) => value,
                    None => return Err(too_deep()),
                }
            }
            JValue::Object(map) => {
                let entries: Vec<(&String, &JValue)> = map.iter().collect();
                stack.push(Open::Object {
                    rest: entries.into_iter(),
                    key: String::new(),
                    out: Map::with_capacity(map.len()),
                });
                match advance(&mut stack, &mut budget)? {
                    Some(Step::Child(child)) => {
                        node = child;
                        continue 'descend;
                    }
                    Some(Step::Done(value)) => value,
                    None => return Err(too_deep()),
                }
            }
        };
        loop {
            match stack.last_mut() {
                None => return Ok(Some(done)),
                Some(Open::Array { out, .. }) => out.push(done),
                Some(Open::Object { out, key, .. }) => {
                    out.insert(std::mem::take(key), done);
                }
            }
            match advance(&mut stack, &mut budget)? {
                Some(Step::Child(child)) => {
                    node = child;
                    continue 'descend;
                }
                Some(Step::Done(value)) => done = value,
                None => return Err(too_deep()),
            }
        }
    }
}

struct Budget {
    used: usize,
    max: usize,
}

impl Budget {
    fn spend(&mut self, bytes: usize) -> Result<(), JsonataError> {
        self.used = self.used.saturating_add(bytes);
        if self.used > self.max {
            Err(JsonataError::Evaluation {
                code: None,
                message: MEMORY_LIMIT_TEXT.to_string(),
            })
        } else {
            Ok(())
        }
    }
}

const SCALAR_BYTES: usize = 8;

/// A JSON number for `n`: an integer when `n` is whole and fits, a float otherwise.
pub(crate) fn number(n: f64) -> Value {
    if !n.is_finite() {
        let name = if n.is_nan() {
            "NaN"
        } else if n > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        };
        return Value::String(name.to_string());
    }
    // 2^63: every whole double below it in magnitude converts to i64 exactly.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if n.fract() == 0.0 && n.abs() < LIMIT {
        Value::Number(Number::from(n as i64))
    } else {
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// Parses JSON text strictly, as AWS's `$parse` does: one document, no repeated key in an
/// object. Nesting is limited by `serde_json` (128 levels).
pub(crate) fn parse_strict(text: &str) -> Result<JValue, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = StrictSeed.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

struct StrictSeed;

impl<'de> DeserializeSeed<'de> for StrictSeed {
    type Value = JValue;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<JValue, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = JValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<JValue, E> {
        Ok(JValue::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<JValue, E> {
        Ok(JValue::Number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<JValue, E> {
        Ok(JValue::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<JValue, E> {
        Ok(JValue::Number(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<JValue, E> {
        Ok(JValue::string(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<JValue, E> {
        Ok(JValue::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(StrictSeed)? {
            items.push(item);
        }
        let flat = !items.iter().any(|item| matches!(item, JValue::Array(_)));
        Ok(JValue::Array(JArray::new_flat(items, flat)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JValue, A::Error> {
        let mut seen = HashSet::new();
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("duplicate key {key:?}")));
            }
            let value = map.next_value_seed(StrictSeed)?;
            entries.push((key, value));
        }
        Ok(JValue::Object(Rc::new(
            entries.into_iter().collect::<JMap>(),
        )))
    }
}
