//! The Choice state's structure: `Choices`, `Default`, and each rule's fields, operator and
//! operand types. How rules evaluate is the Choice evaluator's business, not this module's.

use serde_json::{Map, Value};

use super::fields::{self, Lang, Msg, Obj};
use super::graph::ScopeGraph;
use super::values;
use super::{Validator, TOO_DEEPLY_NESTED};
use crate::diagnostic::Diagnostic;

/// How deep `And`/`Or`/`Not` may nest before the rule is reported instead of walked.
const MAX_RULE_DEPTH: usize = 64;

/// What a comparison operator compares against.
#[derive(Clone, Copy)]
enum Operand {
    String,
    Number,
    Boolean,
    /// A timestamp literal (a string; its format is judged at run time).
    Timestamp,
    /// A path to the value to compare with (`...Path` operators).
    Path,
    /// `true`/`false` of a type test (`IsNull`, `IsPresent`, ...).
    Flag,
}

/// Every comparison operator with its operand.
fn operator(name: &str) -> Option<Operand> {
    const COMPARISONS: [&str; 5] = [
        "Equals",
        "LessThan",
        "GreaterThan",
        "LessThanEquals",
        "GreaterThanEquals",
    ];
    if matches!(
        name,
        "IsNull" | "IsPresent" | "IsNumeric" | "IsString" | "IsBoolean" | "IsTimestamp"
    ) {
        return Some(Operand::Flag);
    }
    if name == "StringMatches" {
        return Some(Operand::String);
    }
    if name == "BooleanEquals" {
        return Some(Operand::Boolean);
    }
    if name == "BooleanEqualsPath" {
        return Some(Operand::Path);
    }
    for (family, operand) in [
        ("String", Operand::String),
        ("Numeric", Operand::Number),
        ("Timestamp", Operand::Timestamp),
    ] {
        let Some(rest) = name.strip_prefix(family) else {
            continue;
        };
        if let Some(base) = rest.strip_suffix("Path") {
            if COMPARISONS.contains(&base) {
                return Some(Operand::Path);
            }
        } else if COMPARISONS.contains(&rest) {
            return Some(operand);
        }
    }
    None
}

fn is_combinator(name: &str) -> bool {
    matches!(name, "And" | "Or" | "Not")
}

pub(super) fn check_choice(v: &mut Validator<'_>, graph: &mut ScopeGraph, obj: &Obj<'_>) {
    obj.require(v, &["Choices"]);
    if let Some(choices) = obj.get("Choices") {
        let loc = obj.at("Choices");
        match choices.as_array() {
            None => v.schema(loc, Msg::expected_type(&["ARRAY"])),
            Some(rules) => {
                if rules.is_empty() {
                    v.schema(loc.clone(), Msg::min_items(1));
                }
                for (i, rule) in rules.iter().enumerate() {
                    let at = format!("{loc}[{i}]");
                    let Some(map) = rule.as_object() else {
                        v.schema(at, Msg::expected_type(&["OBJECT"]));
                        continue;
                    };
                    match obj.lang {
                        Lang::JsonPath => jsonpath_rule(v, Some(&mut *graph), map, &at, 0),
                        Lang::Jsonata => jsonata_rule(v, graph, map, &at),
                    }
                }
            }
        }
    }
    if let Some(default) = obj.get("Default") {
        graph.target_field(v, default, obj.at("Default"));
    }
}

/// The `Next` of a top-level rule.
fn rule_next(v: &mut Validator<'_>, graph: &mut ScopeGraph, map: &Map<String, Value>, loc: &str) {
    if let Some(next) = map.get("Next") {
        graph.target_field(v, next, format!("{loc}/Next"));
    }
}

/// A JSONPath rule: `Variable` and one comparison, or one of `And`/`Or`/`Not`. Only a
/// top-level rule (`graph` given) takes `Next` and `Assign`.
fn jsonpath_rule(
    v: &mut Validator<'_>,
    graph: Option<&mut ScopeGraph>,
    map: &Map<String, Value>,
    loc: &str,
    depth: usize,
) {
    if depth > MAX_RULE_DEPTH {
        v.push(Diagnostic::error(
            TOO_DEEPLY_NESTED,
            loc,
            format!("Choice rules are nested more than {MAX_RULE_DEPTH} levels deep"),
        ));
        return;
    }
    let top = graph.is_some();
    let mut operators = Vec::new();
    for key in map.keys() {
        let k = key.as_str();
        if operator(k).is_some() || is_combinator(k) {
            operators.push(k);
        } else if matches!(k, "Condition" | "Output") {
            v.schema(loc, Msg::wrong_lang(Lang::JsonPath, k));
        } else if !(matches!(k, "Variable" | "Comment") || (top && matches!(k, "Next" | "Assign")))
        {
            v.schema(loc, Msg::not_supported(k));
        }
    }
    match operators.len() {
        0 => v.schema(
            loc,
            "A Choice Rule must contain exactly one comparison operator",
        ),
        1 => {}
        _ => v.schema(
            loc,
            "Each Choice Rule can only have one comparison operator",
        ),
    }
    if let Some(graph) = graph {
        fields::require(v, map, loc, &["Next"]);
        rule_next(v, graph, map, loc);
        if let Some(assign) = map.get("Assign") {
            values::check_assign(v, assign, &format!("{loc}/Assign"), Lang::JsonPath);
        }
    }
    if let Some(comment) = map.get("Comment") {
        values::check_string(v, comment, &format!("{loc}/Comment"));
    }
    let has_comparison = operators.iter().any(|op| operator(op).is_some());
    match map.get("Variable") {
        Some(var) => values::check_path(v, var, &format!("{loc}/Variable"), "Variable", false),
        None if has_comparison => v.schema(loc, Msg::required(&["Variable"])),
        None => {}
    }
    for op in operators {
        let at = format!("{loc}/{op}");
        let Some(value) = map.get(op) else { continue };
        match op {
            "And" | "Or" => match value.as_array() {
                None => v.schema(at, Msg::expected_type(&["ARRAY"])),
                Some(items) => {
                    if items.is_empty() {
                        v.schema(at.clone(), Msg::min_items(1));
                    }
                    for (i, item) in items.iter().enumerate() {
                        nested_rule(v, item, &format!("{at}[{i}]"), depth);
                    }
                }
            },
            "Not" => nested_rule(v, value, &at, depth),
            _ => check_operand(v, op, value, &at),
        }
    }
}

fn nested_rule(v: &mut Validator<'_>, value: &Value, loc: &str, depth: usize) {
    match value.as_object() {
        Some(map) => jsonpath_rule(v, None, map, loc, depth + 1),
        None => v.schema(loc, Msg::expected_type(&["OBJECT"])),
    }
}

fn check_operand(v: &mut Validator<'_>, op: &str, value: &Value, loc: &str) {
    let Some(operand) = operator(op) else { return };
    let expected = match operand {
        Operand::String | Operand::Timestamp => (!value.is_string()).then_some("STRING"),
        Operand::Number => (!value.is_number()).then_some("NUMBER"),
        Operand::Boolean | Operand::Flag => (!value.is_boolean()).then_some("BOOLEAN"),
        Operand::Path => {
            values::check_path(v, value, loc, op, false);
            None
        }
    };
    if let Some(expected) = expected {
        v.schema(loc, Msg::expected_type(&[expected]));
    }
}

/// A JSONata rule: `Condition` and `Next`, with optional `Output`, `Assign` and `Comment`.
fn jsonata_rule(
    v: &mut Validator<'_>,
    graph: &mut ScopeGraph,
    map: &Map<String, Value>,
    loc: &str,
) {
    for key in map.keys() {
        let k = key.as_str();
        if k == "Variable" || operator(k).is_some() || is_combinator(k) {
            v.schema(loc, Msg::wrong_lang(Lang::Jsonata, k));
        } else if !matches!(k, "Condition" | "Next" | "Comment" | "Output" | "Assign") {
            v.schema(loc, Msg::not_supported(k));
        }
    }
    fields::require(v, map, loc, &["Condition", "Next"]);
    if let Some(condition) = map.get("Condition") {
        let at = format!("{loc}/Condition");
        match condition {
            Value::Bool(_) => {}
            Value::String(s) => values::check_expression(v, s, &at, "Condition"),
            _ => v.schema(at, Msg::expected_type(&["BOOLEAN", "STRING"])),
        }
    }
    rule_next(v, graph, map, loc);
    if let Some(comment) = map.get("Comment") {
        values::check_string(v, comment, &format!("{loc}/Comment"));
    }
    if let Some(output) = map.get("Output") {
        values::check_jsonata_strings(v, output, &format!("{loc}/Output"), 0);
    }
    if let Some(assign) = map.get("Assign") {
        values::check_assign(v, assign, &format!("{loc}/Assign"), Lang::Jsonata);
    }
}
