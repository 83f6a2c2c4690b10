//! Evaluation: steps applied breadth-first, deep scans and filters without recursion on the data.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use super::{CmpOp, Expr, Operand, RelStep, Step};

/// Every node `steps` reach from `root`, in document order (Jayway's order).
///
/// For a path ending in a list of names (`['a','b']`), the nodes are the objects to merge the
/// names from; [`merge_names`] builds the result.
pub(crate) fn collect<'a>(steps: &[Step], root: &'a Value) -> Vec<&'a Value> {
    let mut current = vec![root];
    let mut next = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let leaf = i + 1 == steps.len();
        for node in current.drain(..) {
            apply(step, node, leaf, &mut next);
        }
        std::mem::swap(&mut current, &mut next);
        if current.is_empty() {
            break;
        }
    }
    current
}

/// The object Jayway builds for a trailing `['a','b']`: the listed names that exist, in the order
/// the path lists them.
pub(crate) fn merge_names(node: &Value, names: &[String]) -> Value {
    let mut merged = Map::new();
    if let Value::Object(map) = node {
        for name in names {
            if let Some(value) = map.get(name) {
                merged.insert(name.clone(), value.clone());
            }
        }
    }
    Value::Object(merged)
}

/// Element `index` of `array`; a negative index counts from the end.
pub(crate) fn index(array: &[Value], index: i64) -> Option<&Value> {
    let len = i64::try_from(array.len()).ok()?;
    let effective = if index < 0 { len + index } else { index };
    usize::try_from(effective).ok().and_then(|i| array.get(i))
}

fn apply<'a>(step: &Step, node: &'a Value, leaf: bool, out: &mut Vec<&'a Value>) {
    match step {
        Step::Name(name) => {
            if let Some(value) = node.as_object().and_then(|map| super::member(map, name)) {
                out.push(value);
            }
        }
        Step::Names(names) => {
            if let Value::Object(map) = node {
                if leaf {
                    out.push(node);
                } else {
                    out.extend(names.iter().filter_map(|name| map.get(name)));
                }
            }
        }
        Step::Index(i) => {
            if let Some(value) = node.as_array().and_then(|a| index(a, i64::from(*i))) {
                out.push(value);
            }
        }
        Step::Indexes(indexes) => {
            if let Value::Array(array) = node {
                out.extend(indexes.iter().filter_map(|i| index(array, i64::from(*i))));
            }
        }
        Step::Slice { from, to } => {
            if let Value::Array(array) = node {
                slice(array, *from, *to, out);
            }
        }
        Step::Wildcard => match node {
            Value::Object(map) => out.extend(map.values()),
            Value::Array(array) => out.extend(array.iter()),
            _ => {}
        },
        Step::Filter(expr) => match node {
            Value::Object(_) if matches(expr, node) => out.push(node),
            Value::Array(array) => {
                out.extend(array.iter().filter(|item| item.is_object() && matches(expr, item)));
            }
            _ => {}
        },
        Step::Scan(target) => scan(target, node, leaf, out),
    }
}

/// Jayway's slice rules, quirks included: `from` is not normalized in `[from:to]`, so a negative
/// `from` walks through negative indexes that each count from the end, and a negative `to` there
/// selects nothing.
fn slice<'a>(array: &'a [Value], from: Option<i32>, to: Option<i32>, out: &mut Vec<&'a Value>) {
    let Ok(len) = i64::try_from(array.len()) else { return };
    let (start, end) = match (from.map(i64::from), to.map(i64::from)) {
        (Some(from), None) => (if from < 0 { (len + from).max(0) } else { from }, len),
        (None, Some(to)) => (0, if to < 0 { len + to } else { to.min(len) }),
        (Some(from), Some(to)) => (from.max(-len), to.min(len)),
        (None, None) => return,
    };
    for i in start..end {
        if let Some(value) = index(array, i) {
            out.push(value);
        }
    }
}

/// `..target`: visits `start` and everything below it in pre-order, document order, and applies
/// `target` wherever it can apply. An explicit stack keeps deep documents off the call stack.
fn scan<'a>(target: &Step, start: &'a Value, leaf: bool, out: &mut Vec<&'a Value>) {
    let mut stack = vec![start];
    while let Some(node) = stack.pop() {
        match node {
            Value::Object(map) => {
                if scan_matches(target, node, leaf) {
                    match target {
                        // The filter already accepted this object.
                        Step::Filter(_) => out.push(node),
                        _ => apply(target, node, leaf, out),
                    }
                }
                stack.extend(map.values().rev().filter(|v| v.is_object() || v.is_array()));
            }
            Value::Array(array) => {
                if scan_matches(target, node, leaf) {
                    if leaf {
                        apply(target, node, leaf, out);
                    } else {
                        // Jayway hands every element to the step after `target` here,
                        // whatever `target` selects.
                        out.extend(array.iter());
                    }
                }
                stack.extend(array.iter().rev().filter(|v| v.is_object() || v.is_array()));
            }
            _ => {}
        }
    }
}

/// Whether a deep scan applies `target` at `node`.
fn scan_matches(target: &Step, node: &Value, leaf: bool) -> bool {
    match target {
        Step::Name(name) => node.as_object().is_some_and(|map| map.contains_key(name)),
        Step::Names(names) => node
            .as_object()
            .is_some_and(|map| !leaf || names.iter().all(|name| map.contains_key(name))),
        Step::Index(_) | Step::Indexes(_) | Step::Slice { .. } => node.is_array(),
        Step::Wildcard => true,
        Step::Filter(expr) => node.is_object() && matches(expr, node),
        Step::Scan(_) => false,
    }
}

// ---- filters ----

/// Whether the object `current` (`@`) satisfies `expr`.
pub(crate) fn matches(expr: &Expr, current: &Value) -> bool {
    match expr {
        Expr::Or(items) => items.iter().any(|e| matches(e, current)),
        Expr::And(items) => items.iter().all(|e| matches(e, current)),
        Expr::Not(inner) => !matches(inner, current),
        Expr::Exists(path) => resolve(path, current).is_some(),
        Expr::Missing(path) => resolve(path, current).is_none(),
        Expr::Compare(left, op, right) => {
            compare(operand(left, current), *op, operand(right, current))
        }
    }
}

fn operand<'a>(operand: &'a Operand, current: &'a Value) -> Option<&'a Value> {
    match operand {
        Operand::Current(path) => resolve(path, current),
        Operand::Literal(value) => Some(value),
    }
}

fn resolve<'a>(path: &[RelStep], current: &'a Value) -> Option<&'a Value> {
    let mut node = current;
    for step in path {
        node = match step {
            RelStep::Name(name) => node.as_object()?.get(name)?,
            RelStep::Index(i) => index(node.as_array()?, i64::from(*i))?,
        };
    }
    Some(node)
}

/// A comparison; a missing side makes every operator false except `!=`.
fn compare(left: Option<&Value>, op: CmpOp, right: Option<&Value>) -> bool {
    let (Some(left), Some(right)) = (left, right) else {
        return op == CmpOp::Ne;
    };
    match op {
        CmpOp::Eq => loose_equal(left, right),
        CmpOp::Ne => !loose_equal(left, right),
        CmpOp::Lt => ordering(left, right) == Some(Ordering::Less),
        CmpOp::Le => matches!(ordering(left, right), Some(Ordering::Less | Ordering::Equal)),
        CmpOp::Gt => ordering(left, right) == Some(Ordering::Greater),
        CmpOp::Ge => matches!(ordering(left, right), Some(Ordering::Greater | Ordering::Equal)),
    }
}

/// Jayway's `==`: numbers by value (`1 == 1.0`), a string equals a number when it reads as that
/// number, objects and arrays by structure, and values of different kinds never.
fn loose_equal(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => number_cmp(a, b) == Some(Ordering::Equal),
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            string_as_number(s).is_some_and(|m| number_cmp(&m, n) == Some(Ordering::Equal))
        }
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Null, Value::Null) => true,
        (Value::Object(_) | Value::Array(_), Value::Object(_) | Value::Array(_)) => {
            structurally_equal(left, right)
        }
        _ => false,
    }
}

/// Order for `<`, `<=`, `>`, `>=`: numbers by value, strings by UTF-16 code units (as Java
/// compares them); anything else is unordered.
fn ordering(left: &Value, right: &Value) -> Option<Ordering> {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => number_cmp(a, b),
        (Value::String(a), Value::String(b)) => Some(a.encode_utf16().cmp(b.encode_utf16())),
        _ => None,
    }
}

fn number_cmp(a: &Number, b: &Number) -> Option<Ordering> {
    let exact = |n: &Number| n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from));
    match (exact(a), exact(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// A string that reads as a decimal number (`"42"`, `"-1.5e3"`), as that number.
fn string_as_number(s: &str) -> Option<Number> {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let plausible = unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && unsigned.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if !plausible {
        return None;
    }
    if let Ok(n) = s.parse::<i64>() {
        return Some(Number::from(n));
    }
    s.parse::<f64>().ok().and_then(Number::from_f64)
}

/// Deep equality of two documents, as Java's `equals` on parsed JSON sees it: object member order
/// does not matter, and nested numbers must match in kind and value. Iterative, so document depth
/// cannot exhaust the stack.
fn structurally_equal(left: &Value, right: &Value) -> bool {
    let mut pending = vec![(left, right)];
    while let Some((a, b)) = pending.pop() {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                if x.len() != y.len() {
                    return false;
                }
                for (key, value) in x {
                    let Some(other) = y.get(key) else { return false };
                    pending.push((value, other));
                }
            }
            (Value::Array(x), Value::Array(y)) => {
                if x.len() != y.len() {
                    return false;
                }
                pending.extend(x.iter().zip(y.iter()));
            }
            (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_)) => {
                return false
            }
            _ => {
                if a != b {
                    return false;
                }
            }
        }
    }
    true
}
