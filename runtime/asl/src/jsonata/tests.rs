//! Expressions, scope, results, purity and limits.

use serde_json::{json, Map, Value};

use super::*;

/// A fixed clock for the tests: 2023-11-14T22:13:20.123Z.
pub(super) const NOW: i64 = 1_700_000_000_123;

/// `$states` for `input`.
pub(super) fn states(input: Value) -> Value {
    json!({"input": input, "context": {"State": {"Name": "S"}}})
}

/// Variables from a JSON object literal.
pub(super) fn vars(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("test variables must be an object, got {other}"),
    }
}

/// Compiles and evaluates `src` with `input` as `$states.input` and `variables`.
pub(super) fn run_with(
    src: &str,
    input: Value,
    variables: Value,
) -> Result<Option<Value>, JsonataError> {
    let states = states(input);
    let variables = vars(variables);
    let expr = compile(src)?;
    evaluate(&expr, &Scope::new(&states, &variables, NOW, 7))
}

/// Evaluates `src` with no input and no variables and expects a value.
pub(super) fn value(src: &str) -> Value {
    match run_with(src, json!({}), json!({})) {
        Ok(Some(v)) => v,
        other => panic!("{src}: expected a value, got {other:?}"),
    }
}

/// Evaluates `src` with no input and no variables and expects an error; returns its detail.
pub(super) fn failure(src: &str) -> String {
    match run_with(src, json!({}), json!({})) {
        Err(e) => e.detail(),
        other => panic!("{src}: expected an error, got {other:?}"),
    }
}

/// Evaluates `src` under `limits` and expects an error; returns its detail.
pub(super) fn failure_within(src: &str, limits: Limits) -> String {
    let states = states(json!({}));
    let variables = Map::new();
    let mut scope = Scope::new(&states, &variables, NOW, 7);
    scope.limits = limits;
    let expr = compile(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    match evaluate(&expr, &scope) {
        Err(e) => e.detail(),
        other => panic!("{src}: expected an error, got {other:?}"),
    }
}

// ── expression_of ────────────────────────────────────────────────────────────

#[test]
fn expression_of_needs_delimiters_at_both_ends() {
    assert_eq!(expression_of("{% $states.input %}"), Some("$states.input"));
    assert_eq!(expression_of("{%$x%}"), Some("$x"));
    assert_eq!(expression_of("{% %}"), Some(""));
    // Whitespace outside the delimiters makes a literal (corpus: test_output BASE_LITERALS).
    assert_eq!(expression_of(" {% states.input %} "), None);
    assert_eq!(expression_of("{% $x %} "), None);
    assert_eq!(expression_of("$states.input"), None);
    assert_eq!(expression_of("{%}"), None);
    assert_eq!(expression_of("{%"), None);
    assert_eq!(expression_of(""), None);
}

// ── compile ──────────────────────────────────────────────────────────────────

#[test]
fn syntax_errors_carry_code_and_message() {
    let e = compile("1 +").unwrap_err();
    assert_eq!(
        e,
        JsonataError::Syntax {
            code: Some("S0207".into()),
            message: "Unexpected end of expression".into()
        }
    );
    assert_eq!(e.detail(), "S0207: Unexpected end of expression");
    assert!(
        matches!(compile("\"unterminated"), Err(JsonataError::Syntax { code: Some(c), .. }) if c == "S0101")
    );
    assert!(matches!(compile(""), Err(JsonataError::Syntax { .. })));
}

#[test]
fn compiled_source_is_trimmed() {
    let e = compile("  $x + 1 ").unwrap();
    assert_eq!(e.source(), "$x + 1");
}

// ── results ──────────────────────────────────────────────────────────────────

#[test]
fn undefined_is_none() {
    assert_eq!(run_with("$doesNotExist", json!({}), json!({})), Ok(None));
    assert_eq!(
        run_with("$states.input.missing", json!({}), json!({})),
        Ok(None)
    );
    // Top-level `$` has no input to refer to.
    assert_eq!(run_with("$", json!({"a": 1}), json!({})), Ok(None));
}

#[test]
fn null_is_a_value_not_undefined() {
    assert_eq!(
        run_with("null", json!({}), json!({})),
        Ok(Some(Value::Null))
    );
    assert_eq!(
        run_with("$states.input.n", json!({"n": null}), json!({})),
        Ok(Some(Value::Null))
    );
    assert_eq!(value("$exists($states.input.n)"), json!(false));
}

#[test]
fn functions_are_an_unsupported_result() {
    // Corpus: test_map_state_items_eval_jsonata_fail_function.
    assert_eq!(
        run_with("$fn := function($x){$x}", json!({}), json!({})),
        Err(JsonataError::UnsupportedResult)
    );
    assert_eq!(
        run_with("$sum", json!({}), json!({})),
        Err(JsonataError::UnsupportedResult)
    );
    assert_eq!(
        run_with("{'f': function($x){$x}}", json!({}), json!({})),
        Err(JsonataError::UnsupportedResult)
    );
}

#[test]
fn whole_numbers_are_integers() {
    // Corpus: test_output BASE_DIRECT_EXPR: $sum([1,2,3]) + 1 is 7, written as an integer.
    let v = run_with(
        "$sum($states.input.input_values) + $var_constant_1",
        json!({"input_values": [1, 2, 3]}),
        json!({"var_constant_1": 1}),
    )
    .unwrap()
    .unwrap();
    assert_eq!(v.to_string(), "7");
    assert_eq!(value("1.5 * 2").to_string(), "3");
    assert_eq!(value("0.1 + 0.2").to_string(), "0.30000000000000004");
    assert_eq!(value("-0").to_string(), "0");
    assert_eq!(value("2.5").to_string(), "2.5");
}

#[test]
fn non_finite_numbers_are_written_as_aws_writes_them() {
    assert_eq!(value("1/0"), json!("Infinity"));
    assert_eq!(value("-1/0"), json!("-Infinity"));
    assert_eq!(value("{'k': 1/0}"), json!({"k": "Infinity"}));
}

#[test]
fn object_key_order_is_kept() {
    let v = value("{'z': 1, 'a': 2, 'm': 3}");
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["z", "a", "m"]);
    let v = run_with("$states.input", json!({"b": 1, "a": 2}), json!({}))
        .unwrap()
        .unwrap();
    assert_eq!(v.to_string(), r#"{"b":1,"a":2}"#);
}

#[test]
fn singleton_sequences_collapse_and_constructed_arrays_stay() {
    assert_eq!(
        run_with(
            "$states.input.items.id",
            json!({"items": [{"id": 4}]}),
            json!({})
        ),
        Ok(Some(json!(4)))
    );
    assert_eq!(
        run_with(
            "[$states.input.items.id]",
            json!({"items": [{"id": 4}]}),
            json!({})
        ),
        Ok(Some(json!([4])))
    );
    assert_eq!(
        run_with("$states.input.items", json!({"items": [0]}), json!({})),
        Ok(Some(json!([0])))
    );
}

// ── scope ────────────────────────────────────────────────────────────────────

#[test]
fn variables_are_visible_by_name() {
    let r = run_with(
        "$a & '-' & $b.c",
        json!({}),
        json!({"a": "x", "b": {"c": "y"}}),
    );
    assert_eq!(r, Ok(Some(json!("x-y"))));
}

#[test]
fn states_wins_over_a_variable_named_states() {
    let r = run_with(
        "$states.input.v",
        json!({"v": 1}),
        json!({"states": {"input": {"v": 2}}}),
    );
    assert_eq!(r, Ok(Some(json!(1))));
}

#[test]
fn states_carries_result_error_output_and_context() {
    let states = json!({"input": 1, "result": {"r": 2}, "errorOutput": {"Error": "E"}, "context": {"State": {"Name": "S"}}});
    let variables = Map::new();
    let scope = Scope::new(&states, &variables, NOW, 1);
    let expr = compile(
        "[$states.input, $states.result.r, $states.errorOutput.Error, $states.context.State.Name]",
    )
    .unwrap();
    assert_eq!(evaluate(&expr, &scope), Ok(Some(json!([1, 2, "E", "S"]))));
}

#[test]
fn a_variable_shadows_a_function_of_the_same_name() {
    // Bound names come before functions, in JSONata and on AWS.
    assert_eq!(
        run_with("$hash", json!({}), json!({"hash": "h"})),
        Ok(Some(json!("h")))
    );
}

#[test]
fn expression_bindings_do_not_leak_between_evaluations() {
    let states = states(json!({}));
    let variables = Map::new();
    let scope = Scope::new(&states, &variables, NOW, 1);
    let set = compile("($leak := 5; $leak)").unwrap();
    let read = compile("$leak").unwrap();
    assert_eq!(evaluate(&set, &scope), Ok(Some(json!(5))));
    assert_eq!(evaluate(&read, &scope), Ok(None));
}

// ── purity ───────────────────────────────────────────────────────────────────

#[test]
fn now_and_millis_read_the_scope_clock() {
    assert_eq!(value("$millis()"), json!(NOW));
    assert_eq!(value("$now()"), json!("2023-11-14T22:13:20.123Z"));
    assert_eq!(value("$now('[Y0001]-[M01]-[D01]')"), json!("2023-11-14"));
    assert_eq!(value("$now('[H01]:[m01]', '+0100')"), json!("23:13"));
    // Every call in one evaluation sees the same instant.
    assert_eq!(value("$millis() = $millis()"), json!(true));
    assert_eq!(value("$toMillis($now())"), json!(NOW));
}

#[test]
fn randomness_comes_from_the_entropy_argument() {
    let states = states(json!({}));
    let variables = Map::new();
    let expr = compile("[$random(), $uuid(), $shuffle([1,2,3,4,5,6,7,8])]").unwrap();
    let run = |entropy| {
        evaluate(&expr, &Scope::new(&states, &variables, NOW, entropy))
            .unwrap()
            .unwrap()
    };
    assert_eq!(run(11), run(11), "same entropy, same draws");
    assert_ne!(run(11), run(12), "different entropy, different draws");
    // Two draws in one evaluation differ.
    assert_eq!(value("$random() = $random()"), json!(false));
    assert_eq!(value("$uuid() = $uuid()"), json!(false));
}

#[test]
fn shuffle_keeps_the_items() {
    assert_eq!(
        value("$sort($shuffle([3,1,2,5,4]))"),
        json!([1, 2, 3, 4, 5])
    );
    assert_eq!(value("$shuffle([9])"), json!([9]));
    assert_eq!(
        run_with("$shuffle($nothing)", json!({}), json!({})),
        Ok(None)
    );
}

// ── $eval is refused ─────────────────────────────────────────────────────────

#[test]
fn eval_is_refused_as_aws_refuses_it() {
    let refused = "T1006: Attempted to invoke a non-function";
    assert_eq!(failure("$eval('1+1')"), refused);
    assert_eq!(failure("$eval('[1,2]', {})"), refused);
    assert_eq!(failure("($e := $eval; $e('1+1'))"), refused);
    assert_eq!(failure("$map(['1'], $eval)"), refused);
    // Only when it is reached.
    assert_eq!(value("true ? 1 : $eval('2')"), json!(1));
}

// ── errors of the engine ─────────────────────────────────────────────────────

#[test]
fn engine_errors_keep_their_code() {
    // The code is the JSONata one; the wording is the engine's own, which does not always
    // match jsonata-js word for word.
    for (src, code) in [
        ("$sum('a')", "T0412: "),
        ("'a' + 1", "T2001: "),
        ("$undefinedFunction(1)", "T1006: "),
    ] {
        let detail = failure(src);
        assert!(
            detail.starts_with(code) && detail.len() > code.len(),
            "{src}: {detail}"
        );
    }
    assert_eq!(failure("$error('boom')"), "D3137: boom");
}

// ── limits ───────────────────────────────────────────────────────────────────

#[test]
fn default_limits_follow_aws() {
    let limits = Limits::default();
    assert_eq!(limits.max_depth, 100);
    assert_eq!(limits.max_sequence_length, 873_782);
    assert_eq!(limits.max_value_bytes, 6_990_256);
}

#[test]
fn runaway_tail_recursion_ends_at_the_default_timeout() {
    // A tail call never nests, so only the time bound can end it.
    assert_eq!(
        failure("($f := function($n){$f($n+1)}; $f(0))"),
        TIMEOUT_TEXT
    );
}

#[test]
fn runaway_tail_recursion_ends_at_a_configured_timeout() {
    let limits = Limits {
        timeout_ms: 50,
        ..Limits::default()
    };
    assert_eq!(
        failure_within("($loop := function(){ $loop() }; $loop())", limits),
        TIMEOUT_TEXT
    );
}

#[test]
fn deep_recursion_is_a_stack_overflow() {
    assert_eq!(
        failure("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000000))"),
        STACK_OVERFLOW_TEXT
    );
    // Shallow recursion is fine.
    assert_eq!(
        value("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(20))"),
        json!(20)
    );
}

#[test]
fn nesting_depth_is_bounded() {
    let chain = |n: usize| vec!["1"; n].join("+");
    // AWS refuses a 200-term chain and so does this.
    assert_eq!(failure(&chain(200)), STACK_OVERFLOW_TEXT);
    assert_eq!(value(&chain(90)), json!(90));
    let limits = Limits {
        max_depth: 10,
        ..Limits::default()
    };
    assert_eq!(failure_within(&chain(30), limits), STACK_OVERFLOW_TEXT);
}

#[test]
fn huge_ranges_are_refused() {
    // Over the engine's own range ceiling.
    assert_eq!(
        failure("[1..100000000]"),
        "D2014: Range operator results in too many elements (> 10,000,000)"
    );
    // Over AWS's memory limit.
    assert_eq!(failure("$count([1..900000])"), MEMORY_LIMIT_TEXT);
    assert_eq!(failure("$sum([1..900000])"), MEMORY_LIMIT_TEXT);
    assert_eq!(failure("$range(0, 1e9, 1)"), MEMORY_LIMIT_TEXT);
    assert_eq!(failure("$pad('x', 1e12)"), MEMORY_LIMIT_TEXT);
}

#[test]
fn sequence_limit_boundary() {
    let limits = Limits {
        max_sequence_length: 10,
        ..Limits::default()
    };
    assert_eq!(failure_within("$count([1..11])", limits), MEMORY_LIMIT_TEXT);
    assert_eq!(
        failure_within("$range(1, 11, 1)", limits),
        MEMORY_LIMIT_TEXT
    );
    assert_eq!(
        failure_within(
            "$partition([1..10], 1) ~> $count()",
            Limits {
                max_sequence_length: 9,
                ..limits
            }
        ),
        MEMORY_LIMIT_TEXT
    );
    let states = states(json!({}));
    let variables = Map::new();
    let mut scope = Scope::new(&states, &variables, NOW, 1);
    scope.limits = limits;
    assert_eq!(
        evaluate(&compile("$count([1..10])").unwrap(), &scope),
        Ok(Some(json!(10)))
    );
}

#[test]
fn result_size_is_bounded() {
    let limits = Limits {
        max_value_bytes: 64,
        ..Limits::default()
    };
    assert_eq!(
        failure_within("$pad('', 65, 'x')", limits),
        MEMORY_LIMIT_TEXT
    );
    assert_eq!(failure_within("[1..9]", limits), MEMORY_LIMIT_TEXT);
    let states = states(json!({}));
    let variables = Map::new();
    let mut scope = Scope::new(&states, &variables, NOW, 1);
    scope.limits = limits;
    assert_eq!(
        evaluate(&compile("[1..8]").unwrap(), &scope),
        Ok(Some(json!([1, 2, 3, 4, 5, 6, 7, 8])))
    );
}

#[test]
fn deeply_nested_input_is_refused_not_overflowed() {
    let mut deep = json!(1);
    for _ in 0..1100 {
        deep = json!([deep]);
    }
    let r = run_with("$states.input", deep, json!({}));
    assert!(
        matches!(&r, Err(JsonataError::Evaluation { code: None, message }) if message.contains("nested deeper")),
        "{r:?}"
    );
}

#[test]
fn deeply_nested_results_are_refused_not_overflowed() {
    let detail = failure("$reduce([1..1100], function($acc, $v){ {'a': $acc} }, 0)");
    assert_eq!(detail, "value nested deeper than 1000 levels");
    assert_eq!(
        value("$reduce([1..900], function($acc, $v){ {'a': $acc} }, 0)").pointer(&"/a".repeat(900)),
        Some(&json!(0))
    );
}

// ── compile once, evaluate many times ────────────────────────────────────────

#[test]
fn compile_once_evaluate_many_times() {
    fn assert_shareable<T: Send + Sync + Clone>() {}
    assert_shareable::<Expr>();
    assert_shareable::<Template>();

    let expr = compile("$sum($states.input.xs) * $k").unwrap();
    let copy = expr.clone();
    assert!(Expr::same_program(&expr, &copy));
    assert!(!Expr::same_program(
        &expr,
        &compile("$sum($states.input.xs) * $k").unwrap()
    ));
    let variables = vars(json!({"k": 3}));
    for n in 0..500i64 {
        let states = states(json!({"xs": [n, 1]}));
        let scope = Scope::new(&states, &variables, NOW, n as u64);
        assert_eq!(evaluate(&copy, &scope), Ok(Some(json!((n + 1) * 3))));
    }
}

#[test]
fn an_expression_can_be_shared_across_threads() {
    let expr = compile("$states.input * 2").unwrap();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let expr = expr.clone();
            std::thread::spawn(move || {
                let states = states(json!(i));
                let variables = Map::new();
                evaluate(&expr, &Scope::new(&states, &variables, NOW, 0))
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), Ok(Some(json!(i * 2))));
    }
}

// ── corpus-derived expressions ───────────────────────────────────────────────

#[test]
fn corpus_expressions() {
    // (case, expression, input, variables, expected)
    let cases: &[(&str, &str, Value, Value, Value)] = &[
        (
            "test_base_jsonata_regular_expressions_BASE",
            r#"$contains("hello$world", /^hello\$/)"#,
            json!({}),
            json!({}),
            json!(true),
        ),
        (
            "..._BASE_SINGLE_QUOTE",
            r"$contains('hello$world', /^hello\$/)",
            json!({}),
            json!({}),
            json!(true),
        ),
        (
            "test_base_map_ITEMS_DOUBLE_QUOTES",
            "$number('2')",
            json!({}),
            json!({}),
            json!(2),
        ),
        (
            "test_base_map_TOLERATED_FAILURE_COUNT",
            "$variable := 1",
            json!({}),
            json!({}),
            json!(1),
        ),
        (
            "test_merge_with_dynamic_args",
            "$merge([$states.input.part1, $states.input.part2])",
            json!({"part1": {"hello": "world"}, "part2": {"foo": "bar"}}),
            json!({}),
            json!({"hello": "world", "foo": "bar"}),
        ),
        (
            "CHOICE_STATE_AWS_SCENARIO_JSONATA 0",
            "$not($states.input.type = 'Private')",
            json!({"type": "Private", "value": 22}),
            json!({}),
            json!(false),
        ),
        (
            "CHOICE_STATE_AWS_SCENARIO_JSONATA 1",
            "$states.input.value = 0",
            json!({"type": "Private", "value": 22}),
            json!({}),
            json!(false),
        ),
        (
            "CHOICE_STATE_AWS_SCENARIO_JSONATA 2",
            "$states.input.value >= 20 and $states.input.value < 30",
            json!({"type": "Private", "value": 22}),
            json!({}),
            json!(true),
        ),
        (
            "UNSORTED_CHOICE_PARAMETERS_JSONATA",
            "$not($states.input.result.done)",
            json!({"result": {"done": false}}),
            json!({}),
            json!(true),
        ),
        (
            "ESCAPE_SEQUENCES_JSONATA_COMPARISON_OUTPUT",
            "$states.input = '\"'",
            json!("\""),
            json!({}),
            json!(true),
        ),
        (
            "ESCAPE_SEQUENCES_JSONATA_COMPARISON_ASSIGN",
            "$var = '\"'",
            json!({}),
            json!({"var": "\""}),
            json!(true),
        ),
        (
            "test_map_state_items_eval_jsonata_mixed",
            "[1, 'two', 3]",
            json!({}),
            json!({}),
            json!([1, "two", 3]),
        ),
        (
            "test_map_state_items_eval_jsonata_singleton",
            "[0]",
            json!({}),
            json!({}),
            json!([0]),
        ),
        (
            "test_map_state_items_input_array_mixed",
            "$states.input.items",
            json!({"items": [1, "two", true]}),
            json!({}),
            json!([1, "two", true]),
        ),
        (
            "test_output_to_state_JSONATA_OUTPUT_TO_JSONPATH",
            "$states.input",
            json!({"input_data": "test"}),
            json!({}),
            json!({"input_data": "test"}),
        ),
        (
            "test_variable_sampling_JSONPATH_ASSIGN_JSONATA_REF",
            "$theAnswer",
            json!({}),
            json!({"theAnswer": 42}),
            json!(42),
        ),
    ];
    for (case, src, input, variables, expected) in cases {
        assert_eq!(
            run_with(src, input.clone(), variables.clone()),
            Ok(Some(expected.clone())),
            "{case}: {src}"
        );
    }
}

#[test]
fn corpus_items_values_have_the_types_aws_names() {
    // Corpus: test_map_state_items_eval_jsonata_fail_{boolean,null,object,string}.
    for (src, type_name) in [
        ("true", "boolean"),
        ("null", "null"),
        ("{'foo': 'bar'}", "object"),
        ("'string'", "string"),
        ("1", "number"),
        ("[1]", "array"),
    ] {
        assert_eq!(json_type_name(&value(src)), type_name, "{src}");
    }
}
