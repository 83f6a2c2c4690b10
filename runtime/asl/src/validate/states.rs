//! One state: its name, type, query language and fields, then the checks particular to Pass,
//! Task, Wait, Succeed, Fail and Parallel, and the Retry/Catch arrays they share with Map.

use serde_json::Value;

use super::fields::{self, Kind, Lang, Msg, Obj, TYPE_NAMES};
use super::graph::ScopeGraph;
use super::values::{self, MAX_SECONDS};
use super::{map, resource, rules, Validator};
use crate::diagnostic::{codes, Diagnostic};
use crate::timestamp;

/// Longest state name AWS takes, in UTF-16 code units.
const MAX_STATE_NAME: usize = 80;

/// Largest `MaxDelaySeconds` of a retrier (one year and a day, AWS's limit).
const MAX_DELAY_SECONDS: i128 = 31_622_400;

const RETRIER_FIELDS: &[&str] = &[
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "Comment",
];
const CATCHER_FIELDS: &[&str] = &[
    "ErrorEquals",
    "Next",
    "ResultPath",
    "Output",
    "Assign",
    "Comment",
];
const BRANCH_FIELDS: &[&str] = &["StartAt", "States", "Comment"];

/// Checks one state of a scope and records it and its transitions in `graph`.
pub(super) fn check_state(
    v: &mut Validator<'_>,
    graph: &mut ScopeGraph,
    name: &str,
    value: &Value,
    loc: &str,
    depth: usize,
) {
    graph.state(name, loc);
    if name.encode_utf16().count() > MAX_STATE_NAME {
        v.push(Diagnostic::error(
            codes::INVALID_STATE_NAME,
            loc,
            format!("Invalid State name: State '{name}' exceeds the {MAX_STATE_NAME}-character limit allowed by the service"),
        ));
    }
    v.record_state_name(name, loc);
    let Some(map) = value.as_object() else {
        v.schema(loc, Msg::expected_type(&["OBJECT"]));
        return;
    };
    let kind = match map.get("Type") {
        None => {
            v.schema(loc, Msg::required(&["Type"]));
            None
        }
        Some(Value::String(t)) => {
            let kind = Kind::parse(t);
            if kind.is_none() {
                v.schema(format!("{loc}/Type"), Msg::one_of(&TYPE_NAMES));
            }
            kind
        }
        Some(_) => {
            v.schema(format!("{loc}/Type"), Msg::expected_type(&["STRING"]));
            None
        }
    };
    let ql = map.get("QueryLanguage");
    let downgrade = v.machine_jsonata && ql.and_then(Value::as_str) == Some("JSONPath");
    let lang = ql.map_or(v.machine_lang, Lang::resolve);
    if downgrade {
        v.schema(loc, Msg::DOWNGRADE);
    }
    let Some(kind) = kind else {
        // Without a type the fields cannot be judged, but a `Next` still says which state
        // follows, so that state is not also reported as unreachable.
        if let Some(next) = map.get("Next").and_then(Value::as_str) {
            graph.target(next, format!("{loc}/Next"));
        }
        if let Some(ql) = ql {
            fields::check_query_language_value(v, ql, &format!("{loc}/QueryLanguage"));
        }
        return;
    };
    let allowed = kind.allowed();
    let obj = Obj::new(map, loc.to_owned(), lang, &allowed);
    if !downgrade {
        fields::check_lang_fields(v, map, lang, loc, &allowed);
    }
    obj.report_unsupported(v);
    if let Some(ql) = ql {
        fields::check_query_language_value(v, ql, &obj.at("QueryLanguage"));
    }
    if let Some(comment) = obj.get("Comment") {
        values::check_string(v, comment, &obj.at("Comment"));
    }
    if kind.transitions() {
        check_transition(v, graph, &obj);
    }
    if matches!(kind, Kind::Succeed | Kind::Fail) {
        graph.terminal();
    }
    check_data_fields(v, &obj);
    match kind {
        Kind::Pass => check_pass(v, &obj),
        Kind::Task => check_task(v, &obj),
        Kind::Choice => rules::check_choice(v, graph, &obj),
        Kind::Wait => check_wait(v, &obj),
        Kind::Succeed => {}
        Kind::Fail => check_fail(v, &obj),
        Kind::Parallel => check_parallel(v, &obj, depth),
        Kind::Map => map::check_map(v, &obj, depth),
    }
    if let Some(retry) = obj.get("Retry") {
        check_retriers(v, retry, &obj.at("Retry"), lang);
    }
    if let Some(catch) = obj.get("Catch") {
        check_catchers(v, graph, catch, &obj.at("Catch"), lang);
    }
}

/// `Next` and `End`: exactly one, `Next` a string naming a state, `End` true.
fn check_transition(v: &mut Validator<'_>, graph: &mut ScopeGraph, obj: &Obj<'_>) {
    let next = obj.get("Next");
    let end = obj.get("End");
    if let Some(next) = next {
        graph.target_field(v, next, obj.at("Next"));
    }
    let end_value = end.and_then(|e| values::check_bool(v, e, &obj.at("End")));
    if end_value == Some(true) {
        graph.terminal();
    }
    match (next, end) {
        (Some(_), Some(_)) => {
            obj.exclusive(v, &["Next", "End"]);
        }
        (None, None) => v.schema(obj.loc.clone(), Msg::exactly_one(&["Next", "End"])),
        (None, Some(_)) if end_value == Some(false) => {
            v.schema(
                obj.at("End"),
                "Field 'End' must be true when 'Next' is not given",
            );
        }
        _ => {}
    }
}

/// The data-flow fields several state types share.
fn check_data_fields(v: &mut Validator<'_>, obj: &Obj<'_>) {
    for field in ["InputPath", "OutputPath", "ResultPath"] {
        if let Some(path) = obj.get(field) {
            values::check_path(v, path, &obj.at(field), field, true);
        }
    }
    for field in ["Parameters", "ResultSelector", "Arguments"] {
        if let Some(payload) = obj.get(field) {
            values::check_object_payload(v, payload, &obj.at(field), field, obj.lang);
        }
    }
    if let Some(output) = obj.get("Output") {
        values::check_jsonata_strings(v, output, &obj.at("Output"), 0);
    }
    if let Some(assign) = obj.get("Assign") {
        values::check_assign(v, assign, &obj.at("Assign"), obj.lang);
    }
}

fn check_pass(v: &mut Validator<'_>, obj: &Obj<'_>) {
    if let Some(result) = obj.get("Result") {
        if values::has_dollar_key(result, 0) {
            v.warn(
                codes::PASS_RESULT_IS_STATIC,
                obj.at("Result"),
                "The Result of a Pass state is static: keys ending in '.$' are not evaluated; use Parameters to select values",
            );
        }
    }
}

fn check_task(v: &mut Validator<'_>, obj: &Obj<'_>) {
    obj.require(v, &["Resource"]);
    if let Some(resource) = obj.get("Resource") {
        match resource.as_str() {
            None => v.schema(obj.at("Resource"), Msg::expected_type(&["STRING"])),
            Some(r) => {
                if obj.lang == Lang::Jsonata && r.starts_with("{%") {
                    v.schema(
                        obj.at("Resource"),
                        "The field 'Resource' must be a constant string, not a JSONata expression",
                    );
                } else if !v.opts.stored && !resource::recognized(r) {
                    v.schema(obj.at("Resource"), resource::not_recognized(r));
                } else if v.opts.express {
                    check_express_resource(v, r, &obj.at("Resource"));
                }
            }
        }
    }
    obj.exclusive(v, &["TimeoutSeconds", "TimeoutSecondsPath"]);
    obj.exclusive(v, &["HeartbeatSeconds", "HeartbeatSecondsPath"]);
    let seconds = |v: &mut Validator<'_>, field: &str| {
        obj.get(field).and_then(|s| {
            values::check_int_or_expr(v, s, &obj.at(field), field, obj.lang, 1, MAX_SECONDS)
        })
    };
    let timeout = seconds(v, "TimeoutSeconds");
    let heartbeat = seconds(v, "HeartbeatSeconds");
    if let (Some(timeout), Some(heartbeat)) = (timeout, heartbeat) {
        if heartbeat >= timeout {
            v.schema(
                obj.at("HeartbeatSeconds"),
                "HeartbeatSeconds must be smaller than TimeoutSeconds",
            );
        }
    }
    for field in ["TimeoutSecondsPath", "HeartbeatSecondsPath"] {
        if let Some(path) = obj.get(field) {
            values::check_path(v, path, &obj.at(field), field, false);
        }
    }
    if let Some(credentials) = obj.get("Credentials") {
        check_credentials(v, credentials, &obj.at("Credentials"), obj.lang);
    }
}

/// EXPRESS machines run Request/Response integrations only.
fn check_express_resource(v: &mut Validator<'_>, resource: &str, loc: &str) {
    let message = if resource.ends_with(".sync") || resource.contains(".sync:") {
        "Express state machine does not support '.sync' service integration"
    } else if resource.ends_with(".waitForTaskToken") {
        // AWS's message really ends with a space.
        "Express state machine does not support '.waitForTaskToken' service integration "
    } else if resource::is_activity_arn(resource) {
        "Express state machine does not support Activity ARN"
    } else {
        return;
    };
    v.schema(loc, message);
}

/// `Credentials`: `RoleArn` (or, in JSONPath, `RoleArn.$`).
fn check_credentials(v: &mut Validator<'_>, value: &Value, loc: &str, lang: Lang) {
    let Some(map) = value.as_object() else {
        v.schema(loc, Msg::expected_type(&["OBJECT"]));
        return;
    };
    let allowed: &[&str] = match lang {
        Lang::JsonPath => &["RoleArn", "RoleArn.$"],
        Lang::Jsonata => &["RoleArn"],
    };
    let obj = Obj::new(map, loc.to_owned(), lang, allowed);
    if !allowed.iter().any(|k| map.contains_key(*k)) {
        // AWS reports only this for a Credentials object without a role, whatever else it holds.
        v.schema(loc, "The field 'RoleArn' is required but was missing");
        return;
    }
    obj.report_unsupported(v);
    obj.exclusive(v, allowed);
    if let Some(role) = obj.get("RoleArn") {
        match role.as_str() {
            Some(s) if lang == Lang::Jsonata && s.starts_with("{%") => {
                values::check_expression(v, s, &obj.at("RoleArn"), "RoleArn")
            }
            Some(_) => {}
            None => v.schema(obj.at("RoleArn"), Msg::expected_type(&["STRING"])),
        }
    }
    if let Some(role) = obj.get("RoleArn.$") {
        values::check_path_or_intrinsic(v, role, &obj.at("RoleArn.$"), "RoleArn.$");
    }
}

fn check_wait(v: &mut Validator<'_>, obj: &Obj<'_>) {
    let choices: &[&str] = match obj.lang {
        Lang::JsonPath => &["Seconds", "SecondsPath", "Timestamp", "TimestampPath"],
        Lang::Jsonata => &["Seconds", "Timestamp"],
    };
    if obj.exclusive(v, choices) == 0 {
        v.schema(obj.loc.clone(), Msg::exactly_one(choices));
    }
    if let Some(seconds) = obj.get("Seconds") {
        values::check_int_or_expr(
            v,
            seconds,
            &obj.at("Seconds"),
            "Seconds",
            obj.lang,
            0,
            MAX_SECONDS,
        );
    }
    if let Some(timestamp) = obj.get("Timestamp") {
        match timestamp.as_str() {
            Some(s) if obj.lang == Lang::Jsonata && s.starts_with("{%") => {
                values::check_expression(v, s, &obj.at("Timestamp"), "Timestamp")
            }
            Some(s) if timestamp::is_timestamp(s) => {}
            Some(_) => v.schema(obj.at("Timestamp"), values::RFC3339_MESSAGE),
            None => v.schema(obj.at("Timestamp"), Msg::expected_type(&["STRING"])),
        }
    }
    for field in ["SecondsPath", "TimestampPath"] {
        if let Some(path) = obj.get(field) {
            values::check_path(v, path, &obj.at(field), field, false);
        }
    }
}

fn check_fail(v: &mut Validator<'_>, obj: &Obj<'_>) {
    for (field, path_field) in [("Error", "ErrorPath"), ("Cause", "CausePath")] {
        obj.exclusive(v, &[field, path_field]);
        if let Some(value) = obj.get(field) {
            match value.as_str() {
                Some(s) if obj.lang == Lang::Jsonata && s.starts_with("{%") => values::check_expression(v, s, &obj.at(field), field),
                Some(s) if obj.lang == Lang::JsonPath && values::looks_like_path(s) => v.warn(
                    codes::NO_PATH,
                    obj.at(field),
                    format!("The value of '{field}' looks like a path, but the field name does not end with 'Path'; use '{path_field}' to read it from the input"),
                ),
                Some(_) => {}
                None => v.schema(obj.at(field), Msg::expected_type(&["STRING"])),
            }
        }
        if let Some(path) = obj.get(path_field) {
            values::check_path_or_intrinsic(v, path, &obj.at(path_field), path_field);
        }
    }
}

fn check_parallel(v: &mut Validator<'_>, obj: &Obj<'_>, depth: usize) {
    obj.require(v, &["Branches"]);
    let Some(branches) = obj.get("Branches") else {
        return;
    };
    let Some(branches) = branches.as_array() else {
        v.schema(obj.at("Branches"), Msg::expected_type(&["ARRAY"]));
        return;
    };
    if branches.is_empty() {
        v.schema(obj.at("Branches"), Msg::min_items(1));
    }
    for (i, branch) in branches.iter().enumerate() {
        v.nested_scope(
            branch,
            &format!("{}/Branches[{i}]", obj.loc),
            depth,
            BRANCH_FIELDS,
        );
    }
}

/// `ErrorEquals`: a non-empty array of strings, with `States.ALL` alone. Returns whether it
/// holds `States.ALL`.
fn check_error_equals(v: &mut Validator<'_>, value: &Value, loc: &str) -> bool {
    let Some(names) = value.as_array() else {
        v.schema(loc, Msg::expected_type(&["ARRAY"]));
        return false;
    };
    if names.is_empty() {
        v.schema(loc, Msg::min_items(1));
    }
    for (i, name) in names.iter().enumerate() {
        values::check_string(v, name, &format!("{loc}[{i}]"));
    }
    let has_all = names.iter().any(|n| n.as_str() == Some("States.ALL"));
    if has_all && names.len() > 1 {
        v.schema(loc, "'States.ALL' must appear alone in 'ErrorEquals'");
    }
    has_all
}

/// Checks the array of a `Retry` or `Catch` field and each element's object-ness, calling
/// `each` for every element object with its location. `States.ALL` must be in the last one.
fn for_each_handler(
    v: &mut Validator<'_>,
    value: &Value,
    loc: &str,
    lang: Lang,
    allowed: &[&str],
    mut each: impl FnMut(&mut Validator<'_>, &Obj<'_>),
) {
    let Some(items) = value.as_array() else {
        v.schema(loc, Msg::expected_type(&["ARRAY"]));
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let at = format!("{loc}[{i}]");
        let Some(map) = item.as_object() else {
            v.schema(at, Msg::expected_type(&["OBJECT"]));
            continue;
        };
        let obj = Obj::new(map, at, lang, allowed);
        fields::check_lang_fields(v, map, lang, &obj.loc, allowed);
        obj.report_unsupported(v);
        if let Some(errors) = obj.get("ErrorEquals") {
            let has_all = check_error_equals(v, errors, &obj.at("ErrorEquals"));
            if has_all && i + 1 != items.len() {
                v.schema(
                    obj.loc.clone(),
                    "The element with 'States.ALL' in 'ErrorEquals' must be the last one",
                );
            }
        }
        if let Some(comment) = obj.get("Comment") {
            values::check_string(v, comment, &obj.at("Comment"));
        }
        each(v, &obj);
    }
}

fn check_retriers(v: &mut Validator<'_>, value: &Value, loc: &str, lang: Lang) {
    for_each_handler(v, value, loc, lang, RETRIER_FIELDS, |v, obj| {
        obj.require(v, &["ErrorEquals"]);
        let ranges = [
            ("IntervalSeconds", 1, MAX_SECONDS),
            ("MaxAttempts", 0, MAX_SECONDS),
            ("MaxDelaySeconds", 1, MAX_DELAY_SECONDS),
        ];
        for (field, min, max) in ranges {
            if let Some(n) = obj.get(field) {
                values::check_int_range(v, n, &obj.at(field), min, max);
            }
        }
        if let Some(rate) = obj.get("BackoffRate") {
            values::check_number_range(v, rate, &obj.at("BackoffRate"), 1.0, None);
        }
        if let Some(jitter) = obj.get("JitterStrategy") {
            values::check_enum(v, jitter, &obj.at("JitterStrategy"), &["FULL", "NONE"]);
        }
    });
}

fn check_catchers(
    v: &mut Validator<'_>,
    graph: &mut ScopeGraph,
    value: &Value,
    loc: &str,
    lang: Lang,
) {
    for_each_handler(v, value, loc, lang, CATCHER_FIELDS, |v, obj| {
        obj.require(v, &["ErrorEquals", "Next"]);
        if let Some(next) = obj.get("Next") {
            graph.target_field(v, next, obj.at("Next"));
        }
        if let Some(path) = obj.get("ResultPath") {
            values::check_path(v, path, &obj.at("ResultPath"), "ResultPath", true);
        }
        if let Some(output) = obj.get("Output") {
            values::check_jsonata_strings(v, output, &obj.at("Output"), 0);
        }
        if let Some(assign) = obj.get("Assign") {
            values::check_assign(v, assign, &obj.at("Assign"), lang);
        }
    });
}
