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
pub(crate) fn to_engine(value: &Value) -> Result<JValue, JsonataError> {
    to_engine_at(value, 0)
}

fn to_engine_at(value: &Value, depth: usize) -> Result<JValue, JsonataError> {
    if depth > MAX_NESTING {
        return Err(too_deep());
    }
    Ok(match value {
        Value::Null => JValue::Null,
        Value::Bool(b) => JValue::Bool(*b),
        Value::Number(n) => JValue::Number(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => JValue::string(s.as_str()),
        Value::Array(items) => {
            let items = items
                .iter()
                .map(|item| to_engine_at(item, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            let flat = !items.iter().any(|item| matches!(item, JValue::Array(_)));
            JValue::Array(JArray::new_flat(items, flat))
        }
        Value::Object(map) => {
            let entries = map
                .iter()
                .map(|(k, v)| Ok((k.clone(), to_engine_at(v, depth + 1)?)))
                .collect::<Result<JMap, JsonataError>>()?;
            JValue::Object(Rc::new(entries))
        }
    })
}

/// Converts an engine result to JSON. `Ok(None)` is undefined.
///
/// Numbers that are whole become JSON integers (`1.0` is written `1`, `-0` is `0`). A
/// non-finite number becomes the string `"Infinity"`, `"-Infinity"` or `"NaN"`, as AWS writes
/// it. A function anywhere in the value is an [`JsonataError::UnsupportedResult`]. Inside
/// arrays an undefined item becomes `null` and inside objects an undefined member is left out
/// (the JSON serialisation of a JavaScript value). The result may hold at most
/// `max_bytes` (see [`super::Limits::max_value_bytes`]).
pub(crate) fn from_engine(value: &JValue, max_bytes: usize) -> Result<Option<Value>, JsonataError> {
    if value.is_undefined() {
        return Ok(None);
    }
    let mut budget = Budget {
        used: 0,
        max: max_bytes,
    };
    from_engine_at(value, 0, &mut budget).map(Some)
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

fn from_engine_at(value: &JValue, depth: usize, budget: &mut Budget) -> Result<Value, JsonataError> {
    if depth > MAX_NESTING {
        return Err(too_deep());
    }
    Ok(match value {
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
        JValue::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| from_engine_at(item, depth + 1, budget))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        JValue::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, member) in map.iter() {
                if member.is_undefined() {
                    continue;
                }
                budget.spend(key.len())?;
                out.insert(key.clone(), from_engine_at(member, depth + 1, budget)?);
            }
            Value::Object(out)
        }
        JValue::Lambda(_) | JValue::Builtin { .. } | JValue::Regex { .. } => {
            return Err(JsonataError::UnsupportedResult)
        }
    })
}

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
        Ok(JValue::Object(Rc::new(entries.into_iter().collect::<JMap>())))
    }
}
