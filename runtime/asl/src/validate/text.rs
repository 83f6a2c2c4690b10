//! Definition text: parsing, and the one problem a parsed value can no longer show, a state
//! name written twice in the same `States` object.

use std::collections::HashSet;

use serde_json::Value;

use crate::diagnostic::{codes, Diagnostic};

/// Parses definition text. Returns the value and any `DUPLICATE_STATE_NAME` diagnostics for
/// same-scope duplicates, or the parser's error message.
pub(super) fn parse(text: &str) -> Result<(Value, Vec<Diagnostic>), String> {
    let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok((value, duplicate_states(text)))
}

/// What a JSON container is, as far as state names are concerned.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The definition or a branch/processor: holds `States`.
    Scope,
    /// A `States` object: its keys are state names.
    States,
    /// One state: may hold `Branches`, `ItemProcessor` or `Iterator`.
    State,
    /// A Parallel's `Branches` array: its elements are scopes.
    Branches,
    /// Anything else.
    Other,
}

struct Frame {
    role: Role,
    loc: String,
    is_object: bool,
    /// Object: the key whose value comes next. Array: unused.
    key: Option<String>,
    /// Array: index of the current element.
    index: usize,
    /// `States` objects: the names seen so far.
    names: HashSet<String>,
}

/// Role and location of a value that starts inside `parent`.
fn child(parent: Option<&Frame>) -> (Role, String) {
    let Some(parent) = parent else {
        return (Role::Scope, String::new());
    };
    if !parent.is_object {
        let role = if parent.role == Role::Branches {
            Role::Scope
        } else {
            Role::Other
        };
        return (role, format!("{}[{}]", parent.loc, parent.index));
    }
    let key = parent.key.as_deref().unwrap_or_default();
    let role = match (parent.role, key) {
        (Role::Scope, "States") => Role::States,
        (Role::States, _) => Role::State,
        (Role::State, "Branches") => Role::Branches,
        (Role::State, "ItemProcessor" | "Iterator") => Role::Scope,
        _ => Role::Other,
    };
    (role, format!("{}/{key}", parent.loc))
}

/// Index just past the string starting at `start` (which holds `"`).
fn string_end(b: &[u8], start: usize) -> usize {
    let mut j = start + 1;
    while let Some(&c) = b.get(j) {
        match c {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    b.len()
}

/// Scans valid JSON text for keys repeated in one `States` object. Iterative, so any depth is
/// safe.
fn duplicate_states(text: &str) -> Vec<Diagnostic> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut expect_key = false;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'{' | b'[' => {
                let (role, loc) = child(stack.last());
                stack.push(Frame {
                    role,
                    loc,
                    is_object: c == b'{',
                    key: None,
                    index: 0,
                    names: HashSet::new(),
                });
                expect_key = c == b'{';
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
                i += 1;
            }
            b',' => {
                if let Some(top) = stack.last_mut() {
                    if top.is_object {
                        expect_key = true;
                    } else {
                        top.index += 1;
                    }
                }
                i += 1;
            }
            b'"' => {
                let end = string_end(b, i);
                if expect_key {
                    let key: String = text
                        .get(i..end)
                        .and_then(|raw| serde_json::from_str(raw).ok())
                        .unwrap_or_default();
                    if let Some(top) = stack.last_mut() {
                        if top.role == Role::States && !top.names.insert(key.clone()) {
                            out.push(Diagnostic::error(
                                codes::DUPLICATE_STATE_NAME,
                                format!("{}/{key}", top.loc),
                                format!("Duplicate State name: {key}"),
                            ));
                        }
                        top.key = Some(key);
                    }
                    expect_key = false;
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}
