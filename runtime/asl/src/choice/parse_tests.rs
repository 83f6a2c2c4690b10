use super::*;
use crate::diagnostic::{codes, Severity};
use serde_json::json;

const AT: &str = "/States/Check/Choices/0";

/// Parse `v` as a top-level rule and return its diagnostics as (location, message) pairs.
fn problems(v: Value) -> Vec<(String, String)> {
    match parse_choice_rule(&v, AT) {
        Ok(rule) => panic!("{v} parsed but should not have: {rule:?}"),
        Err(diagnostics) => {
            assert!(!diagnostics.is_empty(), "{v}: an error without diagnostics");
            for d in &diagnostics {
                assert_eq!(d.code, codes::SCHEMA_VALIDATION_FAILED, "{d}");
                assert_eq!(d.severity, Severity::Error, "{d}");
            }
            diagnostics.into_iter().map(|d| (d.location, d.message)).collect()
        }
    }
}

#[track_caller]
fn rejects(v: Value, want: &[(&str, &str)]) {
    let got = problems(v.clone());
    let want: Vec<(String, String)> = want.iter().map(|(l, m)| (format!("{AT}{l}"), (*m).to_owned())).collect();
    assert_eq!(got, want, "{v}");
}

#[test]
fn accepts_every_operator_with_a_well_typed_operand() {
    let operands = [("String", json!("x")), ("Numeric", json!(1.5)), ("Timestamp", json!("2016-03-14T01:59:00Z"))];
    let mut count = 0;
    for (family, literal) in &operands {
        for relation in ["Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"] {
            for (op, operand) in
                [(format!("{family}{relation}"), literal.clone()), (format!("{family}{relation}Path"), json!("$.w"))]
            {
                let parsed =
                    parse_choice_rule(&json!({"Variable": "$.v", op.as_str(): operand, "Next": "N"}), AT).unwrap();
                let Node::Test(test) = parsed.rule.node() else { panic!("{op}: not a data test") };
                assert_eq!(test.operator().name(), op);
                assert_eq!(test.variable(), "$.v");
                count += 1;
            }
        }
    }
    let others = [
        ("BooleanEquals", json!(false)),
        ("BooleanEqualsPath", json!("$$.Execution.Input.flag")),
        ("StringMatches", json!("a*")),
        ("IsNull", json!(true)),
        ("IsPresent", json!(false)),
        ("IsNumeric", json!(true)),
        ("IsString", json!(true)),
        ("IsBoolean", json!(true)),
        ("IsTimestamp", json!(true)),
    ];
    for (op, operand) in others {
        let parsed = parse_choice_rule(&json!({"Variable": "$", op: operand, "Next": "N"}), AT).unwrap();
        let Node::Test(test) = parsed.rule.node() else { panic!("{op}: not a data test") };
        assert_eq!(test.operator().name(), op);
        count += 1;
    }
    assert_eq!(count, 39, "the States Language has 39 data-test operators");
}

#[test]
fn keeps_next_assign_and_comment() {
    let v = json!({
        "Comment": "why",
        "Variable": "$guess",
        "StringEqualsPath": "$answer",
        "Next": "Correct",
        "Assign": {"status": "CORRECT", "copy.$": "$.x"}
    });
    let rule = parse_choice_rule(&v, AT).unwrap();
    assert_eq!(rule.next, "Correct");
    assert_eq!(rule.comment.as_deref(), Some("why"));
    assert_eq!(rule.assign, Some(json!({"status": "CORRECT", "copy.$": "$.x"})));
    let paths: Vec<(String, &str)> = rule.rule.paths().into_iter().map(|p| (p.pointer, p.path)).collect();
    assert_eq!(paths, vec![(format!("{AT}/Variable"), "$guess"), (format!("{AT}/StringEqualsPath"), "$answer")]);
}

#[test]
fn nested_rules_and_their_paths() {
    let v = json!({
        "And": [
            {"Variable": "$.a", "IsPresent": true},
            {"Or": [
                {"Not": {"Variable": "$.b", "NumericEqualsPath": "$.c"}},
                {"Variable": "$.d", "StringMatches": "x*", "Comment": "nested comments are fine"}
            ]}
        ],
        "Next": "N"
    });
    let rule = parse_choice_rule(&v, AT).unwrap();
    let Node::And(children) = rule.rule.node() else { panic!("not an And") };
    assert_eq!(children.len(), 2);
    let Node::Or(alternatives) = children[1].node() else { panic!("not an Or") };
    assert!(matches!(alternatives[0].node(), Node::Not(_)));
    let pointers: Vec<String> = rule.rule.paths().into_iter().map(|p| format!("{} {}", p.pointer, p.path)).collect();
    assert_eq!(
        pointers,
        vec![
            format!("{AT}/And/0/Variable $.a"),
            format!("{AT}/And/1/Or/0/Not/Variable $.b"),
            format!("{AT}/And/1/Or/0/Not/NumericEqualsPath $.c"),
            format!("{AT}/And/1/Or/1/Variable $.d"),
        ]
    );
}

#[test]
fn structural_errors() {
    rejects(json!("StringEquals"), &[("", "A Choice Rule must be a JSON object")]);
    rejects(json!({"Variable": "$.x", "StringEquals": "a"}), &[("", "These fields are required: [Next]")]);
    rejects(
        json!({"Variable": "$.x", "StringEquals": "a", "Next": 3}),
        &[("/Next", "The value of 'Next' must be a string")],
    );
    rejects(json!({"StringEquals": "a", "Next": "N"}), &[("", "These fields are required: [Variable]")]);
    rejects(
        json!({"Variable": "$.x", "Next": "N"}),
        &[("", "A Choice Rule must have a comparison operator, or one of 'And', 'Or', 'Not'")],
    );
    rejects(
        json!({"Variable": "$.x", "StringEquals": "a", "NumericEquals": 1, "Next": "N"}),
        &[("", "Each Choice Rule can only have one comparison operator, but this one has StringEquals, NumericEquals")],
    );
    rejects(
        json!({"And": [{"Variable": "$.x", "IsNull": true}], "Variable": "$.x", "IsNull": true, "Next": "N"}),
        &[("", "Each Choice Rule can only have one comparison operator, but this one has And, IsNull")],
    );
    rejects(
        json!({"Variable": "$.x", "StringEquals": "a", "Next": "N", "End": true}),
        &[("", "Field 'End' is not supported")],
    );
    rejects(
        json!({"Variable": "$.x", "StringMatchesPath": "$.y", "Next": "N"}),
        &[
            ("", "Field 'StringMatchesPath' is not supported"),
            ("", "A Choice Rule must have a comparison operator, or one of 'And', 'Or', 'Not'"),
        ],
    );
    rejects(
        json!({"Condition": "{% true %}", "Next": "N"}),
        &[
            ("", "Field 'Condition' is not supported"),
            ("", "A Choice Rule must have a comparison operator, or one of 'And', 'Or', 'Not'"),
        ],
    );
    rejects(
        json!({"Variable": "$.x", "stringequals": "a", "Next": "N"}),
        &[
            ("", "Field 'stringequals' is not supported"),
            ("", "A Choice Rule must have a comparison operator, or one of 'And', 'Or', 'Not'"),
        ],
    );
    rejects(
        json!({"Variable": "$.x", "IsNull": true, "Next": "N", "Assign": "x"}),
        &[("/Assign", "The value of 'Assign' must be a JSON object")],
    );
    rejects(
        json!({"Variable": "$.x", "IsNull": true, "Next": "N", "Comment": 1}),
        &[("/Comment", "The value of 'Comment' must be a string")],
    );
}

#[test]
fn nested_rule_errors() {
    rejects(
        json!({"And": [{"Variable": "$.x", "IsNull": true, "Next": "M"}], "Next": "N"}),
        &[("/And/0", "Field 'Next' is not supported in a nested Choice Rule (only a top-level rule may have it)")],
    );
    rejects(
        json!({"Not": {"Variable": "$.x", "IsNull": true, "Assign": {}}, "Next": "N"}),
        &[("/Not", "Field 'Assign' is not supported in a nested Choice Rule (only a top-level rule may have it)")],
    );
    rejects(
        json!({"And": [], "Next": "N"}),
        &[("/And", "The value of 'And' must be a non-empty array of Choice Rules")],
    );
    rejects(json!({"Or": {}, "Next": "N"}), &[("/Or", "The value of 'Or' must be a non-empty array of Choice Rules")]);
    rejects(json!({"Not": [], "Next": "N"}), &[("/Not", "A Choice Rule must be a JSON object")]);
    rejects(
        json!({"Or": [{"Variable": "$.x", "IsNull": true}, 7, {"Variable": "$.y", "IsNull": "yes"}], "Next": "N"}),
        &[
            ("/Or/1", "A Choice Rule must be a JSON object"),
            ("/Or/2/IsNull", "The value of 'IsNull' must be a boolean"),
        ],
    );
    rejects(
        json!({"Variable": "$.x", "Not": {"Variable": "$.x", "IsNull": true}, "Next": "N"}),
        &[("", "Field 'Variable' is not supported together with 'Not'")],
    );
    // Several independent problems are all reported, with the missing Next last.
    rejects(
        json!({"And": [{"Variable": "x", "StringEquals": 1}, {"Variable": "$.y", "TimestampEquals": "yesterday"}]}),
        &[
            ("/And/0/Variable", "The value for the field 'Variable' must be a valid JSONPath"),
            ("/And/0/StringEquals", "The value of 'StringEquals' must be a string"),
            ("/And/1/TimestampEquals", "String does not match RFC3339 timestamp"),
            ("", "These fields are required: [Next]"),
        ],
    );
}

#[test]
fn operand_type_errors() {
    let rows: &[(&str, Value, &str)] = &[
        ("StringEquals", json!(1), "The value of 'StringEquals' must be a string"),
        ("StringLessThan", json!(null), "The value of 'StringLessThan' must be a string"),
        ("StringMatches", json!(["*"]), "The value of 'StringMatches' must be a string"),
        ("NumericEquals", json!("1"), "The value of 'NumericEquals' must be a number"),
        ("NumericGreaterThanEquals", json!(true), "The value of 'NumericGreaterThanEquals' must be a number"),
        ("BooleanEquals", json!("true"), "The value of 'BooleanEquals' must be a boolean"),
        ("BooleanEquals", json!(1), "The value of 'BooleanEquals' must be a boolean"),
        ("IsPresent", json!("true"), "The value of 'IsPresent' must be a boolean"),
        ("IsTimestamp", json!(null), "The value of 'IsTimestamp' must be a boolean"),
        ("TimestampEquals", json!(1_457_920_740), "The value of 'TimestampEquals' must be a string"),
        ("TimestampLessThan", json!("2016-03-14T01:59:00"), "String does not match RFC3339 timestamp"),
        ("TimestampGreaterThan", json!("2016-03-14t01:59:00z"), "String does not match RFC3339 timestamp"),
        ("StringEqualsPath", json!("x"), "The value for the field 'StringEqualsPath' must be a valid JSONPath"),
        ("NumericLessThanPath", json!(3), "The value for the field 'NumericLessThanPath' must be a valid JSONPath"),
        ("BooleanEqualsPath", json!(true), "The value for the field 'BooleanEqualsPath' must be a valid JSONPath"),
        (
            "TimestampEqualsPath",
            json!("2016-03-14T01:59:00Z"),
            "The value for the field 'TimestampEqualsPath' must be a valid JSONPath",
        ),
    ];
    for (op, operand, message) in rows {
        let location = format!("/{op}");
        rejects(json!({"Variable": "$.v", (*op): operand, "Next": "N"}), &[(location.as_str(), message)]);
    }
    for variable in [json!(""), json!("v"), json!(1), json!(null), json!(["$.v"])] {
        rejects(
            json!({"Variable": variable, "IsNull": true, "Next": "N"}),
            &[("/Variable", "The value for the field 'Variable' must be a valid JSONPath")],
        );
    }
}

#[test]
fn nesting_depth_is_bounded() {
    fn wrap(depth: usize) -> Value {
        let mut rule = json!({"Variable": "$.x", "IsNull": true});
        for i in 0..depth {
            rule = if i % 2 == 0 { json!({"Not": rule}) } else { json!({"And": [rule]}) };
        }
        rule
    }
    let mut ok = wrap(MAX_RULE_DEPTH);
    ok["Next"] = json!("N");
    let rule = parse_choice_rule(&ok, AT).unwrap();
    let mut env = super::tests::TestEnv::new(json!({"x": null}));
    let expected = (MAX_RULE_DEPTH / 2).is_multiple_of(2); // one negation per Not level
    assert_eq!(evaluate(&rule.rule, &mut env).unwrap(), expected);

    for depth in [MAX_RULE_DEPTH + 1, 300] {
        let mut too_deep = wrap(depth);
        too_deep["Next"] = json!("N");
        let problems = problems(too_deep);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].1.contains("nested at most 64 levels"), "{problems:?}");
        // The report points at the first rule past the limit: the wrappers above it add
        // "/Not" (wrapper index even) or "/And/0" (odd).
        let steps: usize = (depth - MAX_RULE_DEPTH - 1..depth).map(|i| if i % 2 == 0 { 1 } else { 2 }).sum();
        assert_eq!(problems[0].0.matches('/').count() - AT.matches('/').count(), steps);
    }
}

/// A tiny deterministic generator, so the no-panic sweep is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

fn random_rule(g: &mut Lcg, depth: usize) -> Value {
    const OPERATORS: [&str; 12] = [
        "StringEquals",
        "StringLessThanPath",
        "NumericLessThan",
        "NumericEqualsPath",
        "BooleanEquals",
        "TimestampEquals",
        "TimestampGreaterThanPath",
        "IsPresent",
        "IsNull",
        "IsTimestamp",
        "StringMatches",
        "NumericEquals",
    ];
    const OTHER_KEYS: [&str; 7] = ["Variable", "And", "Not", "Next", "Comment", "Assign", "Bogus"];
    let values = [
        json!("$.a"),
        json!("$.b"),
        json!("$missing"),
        json!("2016-03-14T01:59:00Z"),
        json!("a*\\*"),
        json!(1),
        json!(2.5),
        json!(true),
        json!(null),
        json!([]),
        json!({}),
        json!("x"),
    ];
    let mut object = serde_json::Map::new();
    match g.next(3) {
        0 if depth < 4 => {
            let children =
                |g: &mut Lcg| (0..g.next(3) + usize::from(g.next(4) != 0)).map(|_| random_rule(g, depth + 1)).collect();
            match g.next(3) {
                0 => object.insert("And".into(), Value::Array(children(g))),
                1 => object.insert("Or".into(), Value::Array(children(g))),
                _ => object.insert("Not".into(), random_rule(g, depth + 1)),
            };
        }
        1 | 0 => {
            let variable = ["$.a", "$.b", "$.c", "$"][g.next(4)];
            object.insert("Variable".into(), json!(variable));
            let op = OPERATORS[g.next(OPERATORS.len())];
            object.insert(op.into(), values[g.next(values.len())].clone());
        }
        _ => {
            for _ in 0..1 + g.next(3) {
                let key = OTHER_KEYS[g.next(OTHER_KEYS.len())];
                object.insert(key.into(), values[g.next(values.len())].clone());
            }
        }
    }
    if g.next(10) == 0 {
        let key = [OPERATORS[g.next(OPERATORS.len())], OTHER_KEYS[g.next(OTHER_KEYS.len())]][g.next(2)];
        object.insert(key.into(), values[g.next(values.len())].clone());
    }
    Value::Object(object)
}

#[test]
fn random_rules_never_panic_and_not_negates() {
    let mut g = Lcg(7);
    let inputs = [json!({"a": "x", "b": 1}), json!({"a": 2.5, "b": "2016-03-14T01:59:00Z"}), json!({}), json!(null)];
    let mut parsed = 0;
    for _ in 0..20_000 {
        let mut v = random_rule(&mut g, 0);
        if g.next(2) == 0 {
            v["Next"] = json!("N");
        }
        let Ok(rule) = parse_choice_rule(&v, AT) else { continue };
        parsed += 1;
        let negated = parse_choice_rule(&json!({"Not": v.clone(), "Next": "N"}), AT);
        // `v` has Next (and maybe Assign), which a nested rule may not carry.
        assert!(negated.is_err(), "{v}");
        let mut inner = v.clone();
        if let Some(fields) = inner.as_object_mut() {
            fields.remove("Next");
            fields.remove("Assign");
        }
        let negated = parse_choice_rule(&json!({"Not": inner, "Next": "N"}), AT).unwrap();
        for input in &inputs {
            let direct = evaluate(&rule.rule, &mut super::tests::TestEnv::new(input.clone()));
            let flipped = evaluate(&negated.rule, &mut super::tests::TestEnv::new(input.clone()));
            match (direct, flipped) {
                (Ok(a), Ok(b)) => assert_eq!(a, !b, "{v} on {input}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                (a, b) => panic!("{v} on {input}: {a:?} vs {b:?}"),
            }
        }
    }
    assert!(parsed > 500, "the generator produced too few valid rules ({parsed})");
}
