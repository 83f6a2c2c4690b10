//! Writing a value at a reference path (`ResultPath`).

use serde_json::{Map, Value};

use super::{write_steps, JsonPath, Step};

/// Why a value could not be written at a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// Only names and single indexes can be written to.
    #[error("'{path}' is not a reference path: only names and single indexes can be written to")]
    NotReference { path: String },
    /// A name step met something other than an object.
    #[error("cannot write at '{path}': {at} is {found}, not an object")]
    NotAnObject { path: String, at: String, found: &'static str },
    /// An index step met something other than an array.
    #[error("cannot write at '{path}': {at} is {found}, not an array")]
    NotAnArray { path: String, at: String, found: &'static str },
    /// An index step named no existing element (arrays are never grown).
    #[error("cannot write at '{path}': index {index} is out of range for {at} (length {len})")]
    IndexOutOfRange { path: String, at: String, index: i32, len: usize },
}

pub(crate) fn write(path: &JsonPath, mut doc: Value, value: Value) -> Result<Value, WriteError> {
    if !path.is_reference() {
        return Err(WriteError::NotReference { path: path.as_str().to_owned() });
    }
    let steps = path.steps();
    let Some((last, init)) = steps.split_last() else {
        return Ok(value);
    };
    let mut node = &mut doc;
    for (i, step) in init.iter().enumerate() {
        node = match step {
            Step::Name(name) => match node {
                Value::Object(map) => {
                    map.entry(name.clone()).or_insert_with(|| Value::Object(Map::new()))
                }
                other => return Err(not_an_object(path, i, other)),
            },
            Step::Index(index) => element(path, i, node, *index)?,
            _ => return Err(WriteError::NotReference { path: path.as_str().to_owned() }),
        };
    }
    let at = init.len();
    match last {
        Step::Name(name) => match node {
            Value::Object(map) => {
                map.insert(name.clone(), value);
            }
            other => return Err(not_an_object(path, at, other)),
        },
        Step::Index(index) => *element(path, at, node, *index)? = value,
        _ => return Err(WriteError::NotReference { path: path.as_str().to_owned() }),
    }
    Ok(doc)
}

/// The existing element `index` of the array `node`, reached after `depth` steps.
fn element<'a>(
    path: &JsonPath,
    depth: usize,
    node: &'a mut Value,
    index: i32,
) -> Result<&'a mut Value, WriteError> {
    let Value::Array(array) = node else {
        return Err(WriteError::NotAnArray {
            path: path.as_str().to_owned(),
            at: prefix(path, depth),
            found: kind(node),
        });
    };
    let len = array.len();
    let effective = if index < 0 {
        i64::try_from(len).ok().map(|n| n + i64::from(index))
    } else {
        Some(i64::from(index))
    };
    match effective.and_then(|i| usize::try_from(i).ok()).and_then(|i| array.get_mut(i)) {
        Some(element) => Ok(element),
        None => Err(WriteError::IndexOutOfRange {
            path: path.as_str().to_owned(),
            at: prefix(path, depth),
            index,
            len,
        }),
    }
}

fn not_an_object(path: &JsonPath, depth: usize, found: &Value) -> WriteError {
    WriteError::NotAnObject {
        path: path.as_str().to_owned(),
        at: prefix(path, depth),
        found: kind(found),
    }
}

/// The normalized path of the node reached after the first `depth` steps.
fn prefix(path: &JsonPath, depth: usize) -> String {
    let mut out = path.normalized_root();
    write_steps(&mut out, &path.steps()[..depth.min(path.steps().len())]);
    out
}

/// A JSON type name for error messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
