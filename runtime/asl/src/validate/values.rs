//! Checks on single values: types, ranges, paths, timestamps, payload templates, JSONata
//! strings and variable names.

use serde_json::Value;

use super::fields::{Lang, Msg};
use super::Validator;
use crate::diagnostic::codes;
use crate::jsonata;
use crate::jsonpath::{JsonPath, Root};
use crate::template::Template;

/// Largest value AWS takes for a seconds field.
pub(super) const MAX_SECONDS: i128 = 99_999_999;

/// How deep payload templates, `Output` values and similar free JSON are walked. Values parsed
/// from text are never deeper (serde_json stops at 128), so this only bounds hand-built values.
const MAX_VALUE_DEPTH: usize = 128;

/// The most steps a `ResultPath` may have. It creates an object for each step it does not find,
/// so a longer one would nest a state's output deeper than any state may hand on
/// (256 levels, checked as each state ends), and too deep to copy or drop on a small stack.
const MAX_RESULT_PATH_STEPS: usize = 256;

/// Longest variable name AWS takes.
const MAX_VARIABLE_NAME: usize = 80;

/// AWS: the message for a Wait `Timestamp` that is not an RFC 3339 date-time (judged by
/// [`crate::timestamp::is_timestamp`], the profile Step Functions accepts everywhere).
pub(super) const RFC3339_MESSAGE: &str = "String does not match RFC3339 timestamp";

/// A JSON integer as i128 (`1.0` is a float, not an integer).
pub(super) fn as_int(value: &Value) -> Option<i128> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from)),
        _ => None,
    }
}

/// `{% ... %}`: a JSONata expression string.
pub(super) fn is_expression(s: &str) -> bool {
    s.len() >= 4 && s.starts_with("{%") && s.ends_with("%}")
}

/// Checks that a value is a string.
pub(super) fn check_string(v: &mut Validator<'_>, value: &Value, loc: &str) -> Option<()> {
    if value.is_string() {
        Some(())
    } else {
        v.schema(loc, Msg::expected_type(&["STRING"]));
        None
    }
}

/// Checks that a value is a boolean.
pub(super) fn check_bool(v: &mut Validator<'_>, value: &Value, loc: &str) -> Option<bool> {
    let b = value.as_bool();
    if b.is_none() {
        v.schema(loc, Msg::expected_type(&["BOOLEAN"]));
    }
    b
}

/// Checks that a value is an integer in `min..=max`; returns it when it is.
pub(super) fn check_int_range(
    v: &mut Validator<'_>,
    value: &Value,
    loc: &str,
    min: i128,
    max: i128,
) -> Option<i128> {
    let Some(n) = as_int(value) else {
        v.schema(loc, Msg::expected_type(&["INTEGER"]));
        return None;
    };
    if n < min {
        v.schema(loc, Msg::minimum(min));
        None
    } else if n > max {
        v.schema(loc, Msg::maximum(max));
        None
    } else {
        Some(n)
    }
}

/// Checks that a value is a number in `min..=max`.
pub(super) fn check_number_range(
    v: &mut Validator<'_>,
    value: &Value,
    loc: &str,
    min: f64,
    max: Option<f64>,
) {
    let Some(n) = value.as_f64() else {
        v.schema(loc, Msg::expected_type(&["NUMBER"]));
        return;
    };
    if n < min {
        v.schema(loc, Msg::minimum(min));
    } else if let Some(max) = max.filter(|max| n > *max) {
        v.schema(loc, Msg::maximum(max));
    }
}

/// Checks that a string is a `{% %}` JSONata expression that compiles.
pub(super) fn check_expression(v: &mut Validator<'_>, s: &str, loc: &str, field: &str) {
    if !is_expression(s) {
        v.schema(loc, format!("The value for the field '{field}' must be a JSONata expression of the form {{% expression %}}"));
    } else {
        check_compiles(v, s, loc);
    }
}

/// A `{% %}` string whose expression the compiler refuses gets the compiler's diagnostic.
fn check_compiles(v: &mut Validator<'_>, s: &str, loc: &str) {
    if let Some(src) = jsonata::expression_of(s) {
        if let Err(e) = jsonata::compile(src) {
            v.schema(loc, format!("The JSONata expression '{src}' is invalid: {e}"));
        }
    }
}

/// A numeric field: an integer in range, or in a JSONata state also a `{% %}` expression.
/// Returns the literal integer when there is one.
pub(super) fn check_int_or_expr(
    v: &mut Validator<'_>,
    value: &Value,
    loc: &str,
    field: &str,
    lang: Lang,
    min: i128,
    max: i128,
) -> Option<i128> {
    match (lang, value) {
        (Lang::Jsonata, Value::String(s)) => {
            check_expression(v, s, loc, field);
            None
        }
        (Lang::Jsonata, v2) if as_int(v2).is_none() => {
            v.schema(loc, Msg::expected_type(&["INTEGER", "STRING"]));
            None
        }
        _ => check_int_range(v, value, loc, min, max),
    }
}

/// A percentage field: a number in `0..=100`, or in a JSONata state also an expression.
pub(super) fn check_percentage_or_expr(
    v: &mut Validator<'_>,
    value: &Value,
    loc: &str,
    field: &str,
    lang: Lang,
) {
    match (lang, value) {
        (Lang::Jsonata, Value::String(s)) => check_expression(v, s, loc, field),
        (Lang::Jsonata, Value::Number(_)) | (Lang::JsonPath, _) => {
            check_number_range(v, value, loc, 0.0, Some(100.0))
        }
        (Lang::Jsonata, _) => v.schema(loc, Msg::expected_type(&["NUMBER", "STRING"])),
    }
}

/// Checks an enum-valued string field.
pub(super) fn check_enum(
    v: &mut Validator<'_>,
    value: &Value,
    loc: &str,
    allowed: &[&str],
) -> Option<()> {
    match value.as_str() {
        Some(s) if allowed.contains(&s) => Some(()),
        Some(_) => {
            v.schema(loc, Msg::one_of(allowed));
            None
        }
        None => {
            v.schema(loc, Msg::expected_type(&["STRING"]));
            None
        }
    }
}

/// A JSONPath path field (`InputPath`, `ItemsPath`, `SecondsPath`, Choice `Variable` ...): a
/// string starting with `$` (`$.x`, `$$.x` for the context object, `$var` for a variable) that
/// parses as a path, as the compiler parses it. `nullable` fields also take `null`.
pub(super) fn check_path(
    v: &mut Validator<'_>,
    value: &Value,
    loc: &str,
    field: &str,
    nullable: bool,
) {
    match value {
        Value::Null if nullable => {}
        Value::String(s) if s.starts_with('$') => match JsonPath::parse(s) {
            Err(e) => v.schema(loc, format!("The value for the field '{field}' must be a valid JSONPath: {e}")),
            Ok(p) if field == "ResultPath" && p.steps().len() > MAX_RESULT_PATH_STEPS => v.schema(
                loc,
                format!("The value for the field '{field}' must be a valid JSONPath: a ResultPath may have at most {MAX_RESULT_PATH_STEPS} steps"),
            ),
            // Admission only: a stored machine with such a path fails that state at run time
            // (States.ResultPathMatchFailure), as it did before this check.
            Ok(p) if field == "ResultPath" && !v.opts.stored && !(*p.root() == Root::Input && p.is_reference()) => v.schema(
                loc,
                format!("The value for the field '{field}' must be a valid ReferencePath: '$' followed by names and single indexes only (no wildcard, slice, filter, deep scan, context object or variable), got '{s}'"),
            ),
            Ok(_) => {}
        },
        Value::String(_) => v.schema(
            loc,
            format!("The value for the field '{field}' must be a valid JSONPath"),
        ),
        _ if nullable => v.schema(loc, Msg::expected_type(&["STRING", "NULL"])),
        _ => v.schema(loc, Msg::expected_type(&["STRING"])),
    }
}

/// A string that is a path or an intrinsic function call.
pub(super) fn is_path_or_intrinsic(s: &str) -> bool {
    s.starts_with('$') || s.starts_with("States.")
}

/// `ErrorPath`/`CausePath` and template `.$` values: a path or an intrinsic function call, that
/// parses as the compiler parses it.
pub(super) fn check_path_or_intrinsic(
    v: &mut Validator<'_>,
    value: &Value,
    loc: &str,
    field: &str,
) {
    match value.as_str() {
        Some(s) if is_path_or_intrinsic(s) => {
            if let Err(d) = Template::path_or_intrinsic(s, field, loc) {
                v.push(d);
            }
        }
        Some(_) => v.schema(
            loc,
            format!(
                "The value for the field '{field}' must be a valid JSONPath or intrinsic function"
            ),
        ),
        None => v.schema(loc, Msg::expected_type(&["STRING"])),
    }
}

/// A JSONPath payload template (`Parameters`, `ResultSelector`, `ItemSelector`, ...): every
/// key ending in `.$` must hold a path or an intrinsic; a plain key holding something that
/// looks like a path draws a `NO_DOLLAR` warning.
pub(super) fn check_template(v: &mut Validator<'_>, value: &Value, loc: &str, depth: usize) {
    if depth > MAX_VALUE_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, val) in map {
                let at = format!("{loc}/{key}");
                if key.ends_with(".$") {
                    check_path_or_intrinsic(v, val, &at, key);
                } else {
                    if let Some(s) = val.as_str().filter(|s| looks_like_path(s)) {
                        v.warn(
                            codes::NO_DOLLAR,
                            at.clone(),
                            format!("The value '{s}' looks like a JSONPath or intrinsic function, but the field name '{key}' does not end with '.$'"),
                        );
                    }
                    check_template(v, val, &at, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_template(v, item, &format!("{loc}[{i}]"), depth + 1);
            }
        }
        _ => {}
    }
}

/// Strings that are almost certainly meant as a path or intrinsic rather than a literal.
pub(super) fn looks_like_path(s: &str) -> bool {
    s.starts_with("$.")
        || s.starts_with("$$.")
        || s.starts_with("$[")
        || (s.starts_with("States.") && s.contains('(') && s.ends_with(')'))
}

/// Whether a JSON value holds a key ending in `.$` anywhere (a `Result` that tries to use paths).
pub(super) fn has_dollar_key(value: &Value, depth: usize) -> bool {
    if depth > MAX_VALUE_DEPTH {
        return false;
    }
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.ends_with(".$") || has_dollar_key(v, depth + 1)),
        Value::Array(items) => items.iter().any(|v| has_dollar_key(v, depth + 1)),
        _ => false,
    }
}

/// Any JSON value of a JSONata state: a string that opens `{%` must close with `%}`.
pub(super) fn check_jsonata_strings(v: &mut Validator<'_>, value: &Value, loc: &str, depth: usize) {
    if depth > MAX_VALUE_DEPTH {
        return;
    }
    match value {
        Value::String(s) if s.starts_with("{%") && !is_expression(s) => {
            v.schema(loc, "JSONata string must start with {% and end with %}");
        }
        Value::String(s) => check_compiles(v, s, loc),
        Value::Object(map) => {
            for (key, val) in map {
                check_jsonata_strings(v, val, &format!("{loc}/{key}"), depth + 1);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_jsonata_strings(v, item, &format!("{loc}[{i}]"), depth + 1);
            }
        }
        _ => {}
    }
}

/// A field that is free JSON in JSONata states (`Output`, `Arguments`, `Assign` values ...)
/// or a payload template in JSONPath states.
pub(super) fn check_payload(v: &mut Validator<'_>, value: &Value, loc: &str, lang: Lang) {
    match lang {
        Lang::JsonPath => check_template(v, value, loc, 0),
        Lang::Jsonata => check_jsonata_strings(v, value, loc, 0),
    }
}

/// A payload that must be an object in JSONPath, and an object or an expression in JSONata.
pub(super) fn check_object_payload(
    v: &mut Validator<'_>,
    value: &Value,
    loc: &str,
    field: &str,
    lang: Lang,
) {
    match (lang, value) {
        (_, Value::Object(_)) => check_payload(v, value, loc, lang),
        (Lang::Jsonata, Value::String(s)) => check_expression(v, s, loc, field),
        (Lang::Jsonata, _) => v.schema(loc, Msg::expected_type(&["OBJECT", "STRING"])),
        (Lang::JsonPath, _) => v.schema(loc, Msg::expected_type(&["OBJECT"])),
    }
}

/// A workflow variable name: a letter or `_`, then letters, digits or `_`, at most 80 long.
pub(super) fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    first_ok
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && name.chars().count() <= MAX_VARIABLE_NAME
}

/// `Assign`: an object of variable names. In JSONPath, `name.$` keys take a path or an
/// intrinsic and the other values are payload templates; in JSONata, values may hold
/// expressions anywhere.
pub(super) fn check_assign(v: &mut Validator<'_>, value: &Value, loc: &str, lang: Lang) {
    let Some(map) = value.as_object() else {
        v.schema(loc, Msg::expected_type(&["OBJECT"]));
        return;
    };
    for (key, val) in map {
        let at = format!("{loc}/{key}");
        let (name, dynamic) = match (lang, key.strip_suffix(".$")) {
            (Lang::JsonPath, Some(name)) => (name, true),
            _ => (key.as_str(), false),
        };
        if !is_variable_name(name) {
            v.schema(
                at.clone(),
                format!("Invalid variable name '{name}': it must start with a letter or '_', hold only letters, digits and '_', and be at most {MAX_VARIABLE_NAME} characters"),
            );
        }
        if dynamic {
            check_path_or_intrinsic(v, val, &at, key);
        } else {
            check_payload(v, val, &at, lang);
        }
    }
}
