//! Writing a value at a reference path (`ResultPath`).

use serde_json::{Map, Value};

use super::{write_steps, JsonPath, Root, Step};

/// Why a value could not be written at a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// Only names and single indexes can be written to.
    #[error("'{path}' is not a reference path: only names and single indexes can be written to")]
    NotReference { path: String },
    /// The path starts at the context object (`$$`) or a variable (`$name`), which are not the
    /// document being written.
    #[error("'{path}' does not start at the state's data: the context object and variables cannot be written to")]
    NotStateData { path: String },
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
    writable(path)?;
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

/// How to take back one [`JsonPath::write_in_place`](super::JsonPath::write_in_place), leaving
/// the document exactly as it was (values and key order).
#[derive(Debug)]
#[must_use = "dropping an undo record keeps the write"]
pub struct WriteUndo(Undo);

#[derive(Debug)]
enum Undo {
    /// The path was `$`: the whole previous document.
    Whole(Value),
    /// The name at step `depth` did not exist; the write added it (and everything under it).
    Added { depth: usize },
    /// The last step named an existing member or element; its previous value.
    Replaced(Value),
}

pub(crate) fn write_in_place(path: &JsonPath, doc: &mut Value, value: Value) -> Result<WriteUndo, WriteError> {
    writable(path)?;
    // The most common ResultPath, `$.name` into an object, cannot fail: no check needed first.
    if let ([Step::Name(name)], Value::Object(map)) = (path.steps(), &mut *doc) {
        return Ok(WriteUndo(match map.insert(name.clone(), value) {
            Some(old) => Undo::Replaced(old),
            None => Undo::Added { depth: 0 },
        }));
    }
    check(path, doc)?;
    let steps = path.steps();
    let Some((last, init)) = steps.split_last() else {
        return Ok(WriteUndo(Undo::Whole(std::mem::replace(doc, value))));
    };
    let mut added = None;
    let mut node = doc;
    for (i, step) in init.iter().enumerate() {
        node = match (step, node) {
            (Step::Name(name), Value::Object(map)) => {
                if added.is_none() && !map.contains_key(name) {
                    added = Some(i);
                }
                map.entry(name.clone()).or_insert_with(|| Value::Object(Map::new()))
            }
            (Step::Index(index), node) => element(path, i, node, *index)?,
            (_, other) => return Err(not_an_object(path, i, other)),
        };
    }
    let at = init.len();
    let old = match (last, node) {
        (Step::Name(name), Value::Object(map)) => map.insert(name.clone(), value),
        (Step::Index(index), node) => Some(std::mem::replace(element(path, at, node, *index)?, value)),
        (_, other) => return Err(not_an_object(path, at, other)),
    };
    Ok(WriteUndo(match (added, old) {
        (Some(depth), _) => Undo::Added { depth },
        (None, Some(old)) => Undo::Replaced(old),
        (None, None) => Undo::Added { depth: at },
    }))
}

/// Whether [`write`] would succeed on `doc`, without changing it: the same walk, reading only.
/// Whether `path` can be written to at all, whatever the document: a reference path from `$`.
fn writable(path: &JsonPath) -> Result<(), WriteError> {
    if *path.root() != Root::Input {
        return Err(WriteError::NotStateData { path: path.as_str().to_owned() });
    }
    if !path.is_reference() {
        return Err(WriteError::NotReference { path: path.as_str().to_owned() });
    }
    Ok(())
}

/// Whether `path` can be written into `doc` (after [`writable`]).
fn check(path: &JsonPath, doc: &Value) -> Result<(), WriteError> {
    // `None`: an object the write would create.
    let mut node = Some(doc);
    for (i, step) in path.steps().iter().enumerate() {
        node = match (step, node) {
            (Step::Name(_), None) => None,
            (Step::Name(name), Some(Value::Object(map))) => map.get(name),
            (Step::Name(_), Some(other)) => return Err(not_an_object(path, i, other)),
            (Step::Index(_), None) => {
                return Err(WriteError::NotAnArray { path: path.as_str().to_owned(), at: prefix(path, i), found: "an object" })
            }
            (Step::Index(index), Some(v)) => Some(element_ref(path, i, v, *index)?),
            _ => return Err(WriteError::NotReference { path: path.as_str().to_owned() }),
        };
    }
    Ok(())
}

impl WriteUndo {
    /// The name of the member the write appended to the top-level object, when it did: the
    /// first step of `path` named no member there, so the document is what it was with one
    /// member added at the end (holding everything the write created).
    pub fn appended_member<'p>(&self, path: &'p JsonPath) -> Option<&'p str> {
        match (&self.0, path.steps().first()) {
            (Undo::Added { depth: 0 }, Some(Step::Name(name))) => Some(name),
            _ => None,
        }
    }

    /// Restore `doc`, which must be the document the write changed, untouched since.
    pub fn undo(self, path: &JsonPath, doc: &mut Value) {
        let steps = path.steps();
        let (depth, old) = match self.0 {
            Undo::Whole(old) => {
                *doc = old;
                return;
            }
            Undo::Added { depth } => (depth, None),
            Undo::Replaced(old) => (steps.len().saturating_sub(1), Some(old)),
        };
        let mut node = doc;
        for step in &steps[..depth.min(steps.len())] {
            let next = match (step, node) {
                (Step::Name(name), Value::Object(map)) => map.get_mut(name),
                (Step::Index(index), Value::Array(array)) => {
                    let len = i64::try_from(array.len()).unwrap_or(i64::MAX);
                    let i = if *index < 0 { len + i64::from(*index) } else { i64::from(*index) };
                    usize::try_from(i).ok().and_then(|i| array.get_mut(i))
                }
                _ => None,
            };
            let Some(next) = next else { return };
            node = next;
        }
        match (steps.get(depth), node, old) {
            (Some(Step::Name(name)), Value::Object(map), None) => {
                map.shift_remove(name);
            }
            (Some(Step::Name(name)), Value::Object(map), Some(old)) => {
                if let Some(slot) = map.get_mut(name) {
                    *slot = old;
                }
            }
            (Some(Step::Index(index)), node @ Value::Array(_), Some(old)) => {
                if let Ok(slot) = element(path, depth, node, *index) {
                    *slot = old;
                }
            }
            _ => {}
        }
    }
}

/// Read-only [`element`].
fn element_ref<'a>(path: &JsonPath, depth: usize, node: &'a Value, index: i32) -> Result<&'a Value, WriteError> {
    let Value::Array(array) = node else {
        return Err(WriteError::NotAnArray { path: path.as_str().to_owned(), at: prefix(path, depth), found: kind(node) });
    };
    let len = array.len();
    let effective = if index < 0 { i64::try_from(len).ok().map(|n| n + i64::from(index)) } else { Some(i64::from(index)) };
    match effective.and_then(|i| usize::try_from(i).ok()).and_then(|i| array.get(i)) {
        Some(element) => Ok(element),
        None => Err(WriteError::IndexOutOfRange { path: path.as_str().to_owned(), at: prefix(path, depth), index, len }),
    }
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
