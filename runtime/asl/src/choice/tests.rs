use super::*;
use serde_json::json;
use std::collections::HashMap;

/// A small environment for tests: `$` / `$.a.b` read the input, `$$.a` the context and
/// `$name.a` the variables. Bracket notation is refused with an error.
pub(super) struct TestEnv {
    pub input: Value,
    pub context: Value,
    pub vars: HashMap<String, Value>,
}

impl TestEnv {
    pub fn new(input: Value) -> TestEnv {
        TestEnv { input, context: json!({}), vars: HashMap::new() }
    }
}

impl ChoiceEnv for TestEnv {
    type Error = String;

    fn resolve(&mut self, path: &str) -> Result<Option<Value>, String> {
        if path.contains('[') {
            return Err(format!("unsupported path {path}"));
        }
        let body = path.strip_prefix('$').ok_or_else(|| format!("not a path: {path}"))?;
        let (root, rest) = if let Some(rest) = body.strip_prefix('$') {
            (Some(&self.context), rest)
        } else if body.is_empty() || body.starts_with('.') {
            (Some(&self.input), body)
        } else {
            let (name, rest) = body.find('.').map_or((body, ""), |i| body.split_at(i));
            (self.vars.get(name), rest)
        };
        let Some(mut current) = root else { return Ok(None) };
        for key in rest.split('.').filter(|k| !k.is_empty()) {
            match current.get(key) {
                Some(next) => current = next,
                None => return Ok(None),
            }
        }
        Ok(Some(current.clone()))
    }
}

fn nested(v: Value) -> Rule {
    let wrapped = json!({ "Not": { "Not": v }, "Next": "N" });
    match parse_choice_rule(&wrapped, "/r") {
        Ok(choice) => choice.rule,
        Err(d) => panic!("rule did not parse: {d:?}"),
    }
}

/// Evaluate a data-test rule (given without `Next`) against `input`.
fn eval(rule: Value, input: Value) -> Result<bool, String> {
    let rule = nested(rule);
    evaluate(&rule, &mut TestEnv::new(input)).map_err(|e| match e {
        ChoiceError::InvalidPath { path } => format!("invalid:{path}"),
        ChoiceError::Env(e) => format!("env:{e}"),
    })
}

/// One expectation: rule, input, and `Some(bool)` or `None` for "Invalid path" on `$.missing`
/// / on the operand path `$.gone`.
#[track_caller]
fn check(rule: Value, input: Value, want: Result<bool, &str>) {
    let got = eval(rule.clone(), input.clone());
    let want = want.map_err(|p| format!("invalid:{p}"));
    assert_eq!(got, want, "rule {rule} on input {input}");
}

#[test]
fn string_operators() {
    let rows: &[(&str, Value, Value, Result<bool, &str>)] = &[
        ("StringEquals", json!("abc"), json!("abc"), Ok(true)),
        ("StringEquals", json!("abc"), json!("abd"), Ok(false)),
        ("StringEquals", json!("1"), json!(1), Ok(false)),
        ("StringEquals", json!("true"), json!(true), Ok(false)),
        ("StringEquals", json!(""), json!(null), Ok(false)),
        ("StringEquals", json!("a"), json!(["a"]), Ok(false)),
        ("StringLessThan", json!("AB"), json!("A"), Ok(true)),
        ("StringLessThan", json!("A"), json!("A"), Ok(false)),
        ("StringLessThan", json!("a"), json!("B"), Ok(true)), // code-unit order, not locale order
        ("StringLessThan", json!("b"), json!(1), Ok(false)),
        ("StringGreaterThan", json!("A"), json!("AB"), Ok(true)),
        ("StringGreaterThan", json!("A"), json!("A"), Ok(false)),
        ("StringGreaterThan", json!("A"), json!(2), Ok(false)),
        ("StringLessThanEquals", json!("A"), json!("A"), Ok(true)),
        ("StringLessThanEquals", json!("A"), json!("B"), Ok(false)),
        ("StringLessThanEquals", json!("A"), json!(null), Ok(false)),
        ("StringGreaterThanEquals", json!("A"), json!("A"), Ok(true)),
        ("StringGreaterThanEquals", json!("B"), json!("A"), Ok(false)),
        ("StringGreaterThanEquals", json!(""), json!({}), Ok(false)),
        // Java orders by UTF-16 code units: U+10000 (D800 DC00) sorts before U+FFFF.
        ("StringLessThan", json!("\u{FFFF}"), json!("\u{10000}"), Ok(true)),
        ("StringGreaterThan", json!("\u{FFFF}"), json!("\u{10000}"), Ok(false)),
        ("StringLessThan", json!("\u{E000}"), json!("\u{1F600}"), Ok(true)),
    ];
    for (op, literal, value, want) in rows {
        check(json!({"Variable": "$.v", (*op): literal}), json!({"v": value}), *want);
        check(json!({"Variable": "$.missing", (*op): literal}), json!({"v": value}), Err("$.missing"));
        // The Path form reads the same literal from the input.
        let path_op = format!("{op}Path");
        check(json!({"Variable": "$.v", path_op.as_str(): "$.w"}), json!({"v": value, "w": literal}), *want);
    }
}

#[test]
fn numeric_operators() {
    let rows: &[(&str, Value, Value, Result<bool, &str>)] = &[
        ("NumericEquals", json!(1), json!(1), Ok(true)),
        ("NumericEquals", json!(1), json!(1.0), Ok(true)),
        ("NumericEquals", json!(1.0), json!(1), Ok(true)),
        ("NumericEquals", json!(0), json!(-0.0), Ok(true)),
        ("NumericEquals", json!(2.22), json!(2.22), Ok(true)),
        ("NumericEquals", json!(1), json!(1.1), Ok(false)),
        ("NumericEquals", json!(1), json!("1"), Ok(false)),
        ("NumericEquals", json!(0), json!(false), Ok(false)),
        ("NumericEquals", json!(0), json!(null), Ok(false)),
        ("NumericEquals", json!(0), json!([0]), Ok(false)),
        // Exact comparison: these two integers are one apart but round to the same f64.
        ("NumericEquals", json!(9_007_199_254_740_993u64), json!(9_007_199_254_740_992u64), Ok(false)),
        ("NumericEquals", json!(9_007_199_254_740_992u64), json!(9_007_199_254_740_992.0), Ok(true)),
        ("NumericLessThan", json!(u64::MAX), json!(i64::MIN), Ok(true)),
        ("NumericGreaterThan", json!(u64::MAX), json!(1.8446744073709552e19), Ok(true)),
        ("NumericLessThan", json!(1), json!(0.5), Ok(true)),
        ("NumericLessThan", json!(-1), json!(-1.5), Ok(true)),
        ("NumericLessThan", json!(-1), json!(-0.5), Ok(false)),
        ("NumericLessThan", json!(1), json!(1), Ok(false)),
        ("NumericLessThan", json!(1), json!("0"), Ok(false)),
        ("NumericGreaterThan", json!(1), json!(1.5), Ok(true)),
        ("NumericGreaterThan", json!(1.5), json!(1), Ok(false)),
        ("NumericGreaterThan", json!(0), json!(1e300), Ok(true)),
        ("NumericGreaterThan", json!(0), json!(true), Ok(false)),
        ("NumericLessThanEquals", json!(1), json!(1.0), Ok(true)),
        ("NumericLessThanEquals", json!(1), json!(2), Ok(false)),
        ("NumericLessThanEquals", json!(1), json!({}), Ok(false)),
        ("NumericGreaterThanEquals", json!(1), json!(1), Ok(true)),
        ("NumericGreaterThanEquals", json!(1), json!(0.999), Ok(false)),
        ("NumericGreaterThanEquals", json!(-1e-300), json!(0), Ok(true)),
        ("NumericGreaterThanEquals", json!(1), json!(""), Ok(false)),
    ];
    for (op, literal, value, want) in rows {
        check(json!({"Variable": "$.v", (*op): literal}), json!({"v": value}), *want);
        check(json!({"Variable": "$.missing", (*op): literal}), json!({"v": value}), Err("$.missing"));
        let path_op = format!("{op}Path");
        check(json!({"Variable": "$.v", path_op.as_str(): "$.w"}), json!({"v": value, "w": literal}), *want);
    }
}

#[test]
fn boolean_operators() {
    let rows: &[(Value, Value, Result<bool, &str>)] = &[
        (json!(true), json!(true), Ok(true)),
        (json!(false), json!(false), Ok(true)),
        (json!(true), json!(false), Ok(false)),
        (json!(false), json!(true), Ok(false)),
        (json!(true), json!("true"), Ok(false)),
        (json!(false), json!(0), Ok(false)),
        (json!(false), json!(null), Ok(false)),
        (json!(false), json!([]), Ok(false)),
    ];
    for (literal, value, want) in rows {
        check(json!({"Variable": "$.v", "BooleanEquals": literal}), json!({"v": value}), *want);
        check(json!({"Variable": "$.missing", "BooleanEquals": literal}), json!({"v": value}), Err("$.missing"));
        check(json!({"Variable": "$.v", "BooleanEqualsPath": "$.w"}), json!({"v": value, "w": literal}), *want);
    }
}

#[test]
fn timestamp_operators() {
    let t = "2012-10-09T19:00:55Z";
    let rows: &[(&str, &str, Value, Result<bool, &str>)] = &[
        ("TimestampEquals", t, json!(t), Ok(true)),
        ("TimestampEquals", t, json!("2012-10-09T20:00:55+01:00"), Ok(true)),
        ("TimestampEquals", t, json!("2012-10-09T19:00:55.000Z"), Ok(true)),
        ("TimestampEquals", t, json!("2012-10-09T19:00:55.001Z"), Ok(false)),
        ("TimestampEquals", t, json!("2012-10-09T19:00:55"), Ok(false)),
        ("TimestampEquals", t, json!("2012-10-09t19:00:55z"), Ok(false)),
        ("TimestampEquals", t, json!(1_349_809_255), Ok(false)),
        ("TimestampEquals", t, json!(null), Ok(false)),
        ("TimestampLessThan", t, json!("2012-10-09T19:00:54Z"), Ok(true)),
        // Later as text, earlier as an instant.
        ("TimestampLessThan", t, json!("2012-10-09T19:30:00+01:00"), Ok(true)),
        ("TimestampLessThan", t, json!(t), Ok(false)),
        ("TimestampLessThan", t, json!("garbage"), Ok(false)),
        ("TimestampGreaterThan", t, json!("2012-10-09T19:00:56Z"), Ok(true)),
        ("TimestampGreaterThan", t, json!("2012-10-09T19:00:55.5-00:00"), Ok(true)),
        ("TimestampGreaterThan", t, json!(t), Ok(false)),
        ("TimestampGreaterThan", t, json!(true), Ok(false)),
        ("TimestampLessThanEquals", t, json!(t), Ok(true)),
        ("TimestampLessThanEquals", t, json!("2012-10-09T19:00:56Z"), Ok(false)),
        ("TimestampLessThanEquals", t, json!(["2012-10-09T19:00:55Z"]), Ok(false)),
        ("TimestampGreaterThanEquals", t, json!("2012-10-09T20:00:55+01:00"), Ok(true)),
        ("TimestampGreaterThanEquals", t, json!("2012-10-09T19:00:54Z"), Ok(false)),
        ("TimestampGreaterThanEquals", t, json!("2012-10-09"), Ok(false)),
    ];
    for (op, literal, value, want) in rows {
        check(json!({"Variable": "$.v", (*op): literal}), json!({"v": value}), *want);
        check(json!({"Variable": "$.missing", (*op): literal}), json!({"v": value}), Err("$.missing"));
        let path_op = format!("{op}Path");
        check(json!({"Variable": "$.v", path_op.as_str(): "$.w"}), json!({"v": value, "w": literal}), *want);
    }
    // A path operand that is not a timestamp makes the comparison false, in either position.
    for bad in [json!("2012-10-09 19:00:55Z"), json!(5), json!(null)] {
        check(json!({"Variable": "$.v", "TimestampEqualsPath": "$.w"}), json!({"v": t, "w": bad}), Ok(false));
        check(json!({"Variable": "$.v", "TimestampLessThanEqualsPath": "$.w"}), json!({"v": bad, "w": t}), Ok(false));
    }
}

#[test]
fn path_operand_that_selects_nothing_is_a_runtime_error() {
    let ops = [
        "StringEqualsPath",
        "StringLessThanEqualsPath",
        "NumericEqualsPath",
        "NumericGreaterThanPath",
        "BooleanEqualsPath",
        "TimestampEqualsPath",
        "TimestampLessThanPath",
    ];
    for op in ops {
        check(json!({"Variable": "$.v", op: "$.gone"}), json!({"v": 1}), Err("$.gone"));
        // Even when the variable has the wrong type for the operator.
        check(json!({"Variable": "$.v", op: "$.gone"}), json!({"v": {}}), Err("$.gone"));
        // A missing Variable is reported first.
        check(json!({"Variable": "$.missing", op: "$.gone"}), json!({}), Err("$.missing"));
    }
}

#[test]
fn type_tests() {
    let values = [
        json!(null),
        json!(true),
        json!(false),
        json!(0),
        json!(1.5),
        json!(""),
        json!("text"),
        json!("2016-03-14T01:59:00Z"),
        json!("2016-03-14T01:59:00.5-07:00"),
        json!("2016-03-14T01:59:00"),
        json!("2016-03-14t01:59:00z"),
        json!("2023-02-24"),
        json!([]),
        json!({"a": 0}),
    ];
    for value in &values {
        let expected = [
            ("IsNull", value.is_null()),
            ("IsPresent", true),
            ("IsNumeric", value.is_number()),
            ("IsString", value.is_string()),
            ("IsBoolean", value.is_boolean()),
            ("IsTimestamp", matches!(value.as_str(), Some(s) if s.starts_with("2016-03-14T") && s.len() > 19)),
        ];
        for (op, holds) in expected {
            check(json!({"Variable": "$.v", op: true}), json!({"v": value}), Ok(holds));
            check(json!({"Variable": "$.v", op: false}), json!({"v": value}), Ok(!holds));
        }
    }
    check(json!({"Variable": "$.missing", "IsPresent": true}), json!({}), Ok(false));
    check(json!({"Variable": "$.missing", "IsPresent": false}), json!({}), Ok(true));
    check(json!({"Variable": "$.a.b", "IsPresent": false}), json!({"a": 1}), Ok(true));
    for op in ["IsNull", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"] {
        check(json!({"Variable": "$.missing", op: true}), json!({}), Err("$.missing"));
        check(json!({"Variable": "$.missing", op: false}), json!({}), Err("$.missing"));
    }
}

#[test]
fn string_matches() {
    let rows: &[(&str, &str, bool)] = &[
        ("*", "", true),
        ("*", "anything at all", true),
        ("**", "x", true),
        ("", "", true),
        ("", "a", false),
        ("log-*.txt", "log-2023.txt", true),
        ("log-*.txt", "log-.txt", true),
        ("log-*.txt", "log-2023.txt.bak", false),
        ("log-*.txt", "LOG-2023.txt", false),
        ("*.txt", "notes.txt", true),
        ("*.txt", "notes.txt2", false),
        ("foo*", "foobar", true),
        ("foo*", "barfoo", false),
        ("*mid*", "xxmidyy", true),
        ("*mid*", "xxmdyy", false),
        ("a*a", "a", false),
        ("a*a", "aa", true),
        ("a*b*c", "abc", true),
        ("a*b*c", "acb", false),
        ("a*b*c", "aXbYbZc", true),
        ("*a*b*a*", "xaybza", true),
        ("*a*b*a*", "xabza", true),
        ("*a*b*a*", "xbaza", false),
        ("é*", "été", true),
        ("*😀", "smile 😀", true),
        (r"a\*b", "a*b", true),
        (r"a\*b", "axb", false),
        (r"a\\b", r"a\b", true),
        (r"a\\b", r"a\\b", false),
        (r"a\\*", r"a\anything", true),
        (r"a\\*", "a", false),
        (r"\\\*", r"\*", true),
        (r"a\b", r"a\b", true),
        (r"trailing\", r"trailing\", true),
        ("a?c", "a?c", true),
        ("a?c", "abc", false),
        ("[abc]", "[abc]", true),
        ("[abc]", "a", false),
        ("a.c", "abc", false),
    ];
    for &(pattern, text, want) in rows {
        assert_eq!(Pattern::new(pattern).matches(text), want, "{pattern:?} vs {text:?}");
        check(json!({"Variable": "$.v", "StringMatches": pattern}), json!({"v": text}), Ok(want));
    }
    check(json!({"Variable": "$.v", "StringMatches": "*"}), json!({"v": 1}), Ok(false));
    check(json!({"Variable": "$.v", "StringMatches": "*"}), json!({"v": null}), Ok(false));
    check(json!({"Variable": "$.missing", "StringMatches": "*"}), json!({}), Err("$.missing"));
    assert_eq!(Pattern::new(r"a\*").as_str(), r"a\*");
}

#[test]
fn string_matches_takes_linear_work_on_adversarial_input() {
    // A backtracking matcher needs exponential time here; this one scans a few times.
    let text = "a".repeat(200_000);
    let pattern = format!("{}b", "*a".repeat(40));
    assert!(!Pattern::new(&pattern).matches(&text));
    let pattern = format!("{}*", "*a".repeat(40));
    assert!(Pattern::new(&pattern).matches(&text));
}

#[test]
fn boolean_combinations_short_circuit() {
    let guarded = json!({"And": [
        {"Variable": "$.x", "IsPresent": true},
        {"Variable": "$.x", "StringEquals": "yes"}
    ]});
    check(guarded.clone(), json!({}), Ok(false));
    check(guarded.clone(), json!({"x": "yes"}), Ok(true));
    check(guarded, json!({"x": "no"}), Ok(false));

    let either = json!({"Or": [
        {"Variable": "$.x", "IsPresent": false},
        {"Variable": "$.x", "NumericGreaterThan": 3}
    ]});
    check(either.clone(), json!({}), Ok(true));
    check(either.clone(), json!({"x": 4}), Ok(true));
    check(either, json!({"x": 2}), Ok(false));

    // Without the guard, the missing path fails the evaluation.
    let unguarded = json!({"Or": [
        {"Variable": "$.y", "IsPresent": true},
        {"Variable": "$.x", "NumericGreaterThan": 3}
    ]});
    check(unguarded, json!({}), Err("$.x"));

    check(json!({"Not": {"Variable": "$.x", "StringEquals": "a"}}), json!({"x": "a"}), Ok(false));
    check(json!({"Not": {"Variable": "$.x", "StringEquals": "a"}}), json!({"x": "b"}), Ok(true));
    check(json!({"Not": {"Variable": "$.x", "StringEquals": "a"}}), json!({}), Err("$.x"));
    let docs_example = json!({"And": [
        {"Variable": "$.value", "NumericGreaterThanEquals": 20},
        {"Variable": "$.value", "NumericLessThan": 30}
    ]});
    check(docs_example.clone(), json!({"value": 22}), Ok(true));
    check(docs_example.clone(), json!({"value": 30}), Ok(false));
    check(docs_example, json!({"value": 19.5}), Ok(false));
}

#[test]
fn variables_and_context_paths() {
    let mut env = TestEnv::new(json!({"n": 5}));
    env.vars.insert("limit".into(), json!({"max": 5}));
    env.context = json!({"Execution": {"Name": "run-1"}});
    let rules = [
        (json!({"Variable": "$limit.max", "NumericEqualsPath": "$.n"}), Ok(true)),
        (json!({"Variable": "$.n", "NumericLessThanPath": "$limit.max"}), Ok(false)),
        (json!({"Variable": "$$.Execution.Name", "StringMatches": "run-*"}), Ok(true)),
        (json!({"Variable": "$unset", "IsPresent": false}), Ok(true)),
        (json!({"Variable": "$unset", "IsNull": true}), Err("invalid:$unset".to_owned())),
        (json!({"Variable": "$.n", "NumericEqualsPath": "$unset"}), Err("invalid:$unset".to_owned())),
        (json!({"Variable": "$.list[0]", "IsPresent": true}), Err("env:unsupported path $.list[0]".to_owned())),
    ];
    for (rule, want) in rules {
        let got = evaluate(&nested(rule.clone()), &mut env).map_err(|e| match e {
            ChoiceError::InvalidPath { path } => format!("invalid:{path}"),
            ChoiceError::Env(e) => format!("env:{e}"),
        });
        assert_eq!(got, want, "{rule}");
    }
}

#[test]
fn runtime_error_text_and_name() {
    let rule = nested(json!({"Variable": "$.x", "StringEquals": "a"}));
    let err = evaluate(&rule, &mut TestEnv::new(json!({}))).unwrap_err();
    assert_eq!(err.to_string(), "Invalid path '$.x': The choice state's condition path references an invalid value.");
    assert_eq!(err.error_name(), Some("States.Runtime"));
    let env_err: ChoiceError<String> = ChoiceError::Env("boom".into());
    assert_eq!(env_err.to_string(), "boom");
    assert_eq!(env_err.error_name(), None);
}

#[test]
fn choose_takes_the_first_matching_rule() {
    let rules: Vec<ChoiceRule> = [
        json!({"Variable": "$.n", "NumericLessThan": 0, "Next": "Negative"}),
        json!({"Variable": "$.n", "NumericLessThan": 10, "Next": "Small", "Assign": {"size": "small"}}),
        json!({"Variable": "$.n", "NumericLessThan": 100, "Next": "Medium"}),
    ]
    .iter()
    .enumerate()
    .map(|(i, v)| parse_choice_rule(v, &format!("/States/C/Choices/{i}")).unwrap())
    .collect();
    let pick = |n: Value| choose(&rules, &mut TestEnv::new(json!({"n": n}))).unwrap().map(|r| r.next.clone());
    assert_eq!(pick(json!(-3)), Some("Negative".into()));
    assert_eq!(pick(json!(5)), Some("Small".into()));
    assert_eq!(pick(json!(50)), Some("Medium".into()));
    assert_eq!(pick(json!(500)), None);
    assert_eq!(pick(json!("5")), None);
    let small = choose(&rules, &mut TestEnv::new(json!({"n": 1}))).unwrap().unwrap();
    assert_eq!(small.assign, Some(json!({"size": "small"})));
    assert!(choose(&rules, &mut TestEnv::new(json!({}))).is_err());
}
