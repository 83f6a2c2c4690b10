//! Templates and the causes AWS reports for them.

use serde_json::{json, Map, Value};

use super::tests::{states, vars, NOW};
use super::*;

fn eval_in(
    template: Value,
    field: &str,
    input: Value,
    variables: Value,
) -> Result<Value, QueryError> {
    let states = states(input);
    let variables = vars(variables);
    evaluate_template(&template, field, &Scope::new(&states, &variables, NOW, 3))
}

fn cause(template: Value, field: &str) -> String {
    match eval_in(template, field, json!({}), json!({})) {
        Err(e) => {
            assert_eq!(e.error, "States.QueryEvaluationError");
            e.cause
        }
        Ok(v) => panic!("expected an error, got {v}"),
    }
}

#[test]
fn expressions_are_replaced_at_any_depth() {
    let template = json!({
        "static": "Hello",
        "title": "{% $states.input.title %}",
        "name": "{% $customerName %}",
        "not-evaluated": "$customerName",
        "list": [1, "{% 1 + 1 %}", {"deep": ["{% $uppercase($customerName) %}"]}],
        "padded": " {% $customerName %}"
    });
    let out = eval_in(
        template,
        "Arguments",
        json!({"title": "Doctor"}),
        json!({"customerName": "María"}),
    )
    .unwrap();
    assert_eq!(
        out,
        json!({
            "static": "Hello",
            "title": "Doctor",
            "name": "María",
            "not-evaluated": "$customerName",
            "list": [1, 2, {"deep": ["MARÍA"]}],
            "padded": " {% $customerName %}"
        })
    );
}

#[test]
fn a_whole_field_can_be_one_expression_of_any_type() {
    assert_eq!(
        eval_in(
            json!("{% $states.input %}"),
            "Output",
            json!({"a": 1}),
            json!({})
        ),
        Ok(json!({"a": 1}))
    );
    assert_eq!(
        eval_in(json!("{% [1, 'two', 3] %}"), "Items", json!({}), json!({})),
        Ok(json!([1, "two", 3]))
    );
    assert_eq!(
        eval_in(json!("{% null %}"), "Output", json!({}), json!({})),
        Ok(Value::Null)
    );
}

#[test]
fn literals_are_returned_unchanged() {
    // Corpus: test_output BASE_LITERALS (the constants an Output may hold).
    let template = json!({
        "constant_null": null, "constant_int": 0, "constant_float": 0.1, "constant_bool": true,
        "constant_str": "constant string", "constant_not_jsonata": " {% states.input %} ",
        "constant_varpath_states": "$states.input", "constant_jp_input": "$", "constant_jp_input.$": "$",
        "constant_jp_context": "$$", "constant_if": "States.Format('Format:{}', 101)",
        "constant_lst_empty": [], "constant_lst": [null, 0, 0.1, true, [], {"constant": 0}, " {% states.input %} "]
    });
    let compiled = Template::compile(&template).unwrap();
    assert!(compiled.is_constant());
    let states = states(json!({}));
    let variables = Map::new();
    assert_eq!(
        compiled.evaluate("Output", &Scope::new(&states, &variables, NOW, 0)),
        Ok(template.clone())
    );
}

#[test]
fn corpus_assign_with_nested_expressions() {
    // Corpus: test_assign_base BASE_CONSTANT_LITERALS (the JSONata members of its Assign).
    let template = json!({
        "constant_str_jsonata_expr": "{% $varname.varfield %}",
        "constant_lst": [null, "$varname", "{% $varname %}"],
        "constant_obj": {"in_obj_constant_str_jsonata_expr": "{% $varname.varfield %}"}
    });
    let out = eval_in(
        template,
        "Assign",
        json!({}),
        json!({"varname": {"varfield": "v"}}),
    )
    .unwrap();
    assert_eq!(
        out,
        json!({
            "constant_str_jsonata_expr": "v",
            "constant_lst": [null, "$varname", {"varfield": "v"}],
            "constant_obj": {"in_obj_constant_str_jsonata_expr": "v"}
        })
    );
}

#[test]
fn corpus_item_selector() {
    // Corpus: test_map_state_item_selector MAP_STATE_ITEM_SELECTOR_JSONATA, first iteration.
    let states = json!({"input": {}, "context": {"Map": {"Item": {"Index": 0, "Value": "Item1"}}}});
    let variables = vars(json!({"ItemsVar": ["Item1", "Item2"]}));
    let template = json!({
        "map_item_value": "{% $states.context.Map.Item.Value %}",
        "var_sample": "{% $ItemsVar %}",
        "string_literal": "string literal"
    });
    let out = evaluate_template(
        &template,
        "ItemSelector",
        &Scope::new(&states, &variables, NOW, 0),
    );
    assert_eq!(
        out,
        Ok(
            json!({"map_item_value": "Item1", "var_sample": ["Item1", "Item2"], "string_literal": "string literal"})
        )
    );
}

// ── causes ───────────────────────────────────────────────────────────────────

#[test]
fn undefined_causes_name_the_field() {
    // Corpus: test_undefined_reference_BASE_UNDEFINED_OUTPUT and _OUTPUT_FIELD.
    assert_eq!(
        cause(json!("{% $doesNotExist %}"), "Output"),
        "The JSONata expression '$doesNotExist' specified for the field 'Output' returned nothing (undefined)."
    );
    assert_eq!(
        cause(json!({"result": "{% $doesNotExist %}"}), "Output"),
        "The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined)."
    );
    assert_eq!(
        cause(json!({"result": "{% $doesNotExist %}"}), "Assign"),
        "The JSONata expression '$doesNotExist' specified for the field 'Assign/result' returned nothing (undefined)."
    );
}

#[test]
fn nested_locations_use_slashes_and_indexes() {
    assert_eq!(
        cause(json!({"a": {"b": [1, {"c": "{% $nope %}"}]}}), "Arguments"),
        "The JSONata expression '$nope' specified for the field 'Arguments/a/b[1]/c' returned nothing (undefined)."
    );
    assert_eq!(
        cause(json!({"values": ["{% $nope %}"]}), "Output"),
        "The JSONata expression '$nope' specified for the field 'Output/values[0]' returned nothing (undefined)."
    );
    assert_eq!(
        cause(json!("{% $nope %}"), "Choices[0]/Condition"),
        "The JSONata expression '$nope' specified for the field 'Choices[0]/Condition' returned nothing (undefined)."
    );
}

#[test]
fn the_first_failing_member_is_reported() {
    assert_eq!(
        cause(json!({"ok": "{% 1 %}", "first": "{% $one %}", "second": "{% $two %}"}), "Output"),
        "The JSONata expression '$one' specified for the field 'Output/first' returned nothing (undefined)."
    );
}

#[test]
fn function_results_are_unsupported() {
    // Corpus: test_map_state_items_eval_jsonata_fail_function.
    assert_eq!(
        cause(json!("{% $fn := function($x){$x} %}"), "Items"),
        "The JSONata expression '$fn := function($x){$x}' specified for the field 'Items' returned an unsupported result type."
    );
}

#[test]
fn runtime_errors_quote_the_engine() {
    assert_eq!(
        cause(json!({"r": "{% $eval(\"1+1\") %}"}), "Output"),
        "The JSONata expression '$eval(\"1+1\")' specified for the field 'Output/r' threw an error during evaluation. T1006: Attempted to invoke a non-function"
    );
    assert_eq!(
        cause(json!({"r": "{% $partition([1], -1) %}"}), "Output"),
        "The JSONata expression '$partition([1], -1)' specified for the field 'Output/r' threw an error during evaluation. D3137: Second argument must be zero or greater"
    );
}

#[test]
fn limit_errors_are_uncoded() {
    assert_eq!(
        cause(json!({"r": "{% [1..900000] ~> $count() %}"}), "Output"),
        "The JSONata expression '[1..900000] ~> $count()' specified for the field 'Output/r' threw an error during evaluation: Expression evaluation memory limit exceeded: Check for excessive memory usage"
    );
    let chain = vec!["1"; 200].join("+");
    assert_eq!(
        cause(json!({"r": format!("{{% {chain} %}}")}), "Output"),
        format!("The JSONata expression '{chain}' specified for the field 'Output/r' threw an error during evaluation: Stack overflow error: Check for non-terminating recursive function. Consider rewriting as tail-recursive.")
    );
}

#[test]
fn syntax_errors_at_run_time_name_the_expression() {
    assert_eq!(
        cause(json!({"x": ["{% 1 + %}"]}), "Output"),
        "The JSONata expression '1 +' specified for the field 'Output/x[0]' could not be parsed: S0207: Unexpected end of expression"
    );
}

#[test]
fn compile_reports_where_the_bad_expression_is() {
    let e = Template::compile(&json!({"a": [0, "{% $x := %}"]})).unwrap_err();
    assert_eq!(e.location, "/a[1]");
    assert_eq!(e.expression, "$x :=");
    assert!(matches!(e.error, JsonataError::Syntax { .. }));
}

#[test]
fn unexpected_type_cause() {
    // Corpus: test_map_state_items_eval_jsonata_fail_{boolean,object,string}.
    assert_eq!(
        QueryError::unexpected_type("true", "Items", "array", &json!(true)).cause,
        "The JSONata expression 'true' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'boolean' for value: true"
    );
    assert_eq!(
        QueryError::unexpected_type("{'foo': 'bar'}", "Items", "array", &json!({"foo": "bar"})).cause,
        "The JSONata expression '{'foo': 'bar'}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'object' for value: {\"foo\":\"bar\"}"
    );
    assert_eq!(
        QueryError::unexpected_type("'string'", "Items", "array", &json!("string")).cause,
        "The JSONata expression ''string'' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'string' for value: \"string\""
    );
}

#[test]
fn a_template_compiles_once_and_evaluates_many_times() {
    let compiled = Template::compile(
        &json!({"n": "{% $states.input.n * 2 %}", "id": "{% $uuid() %}", "k": 1}),
    )
    .unwrap();
    assert_eq!(compiled.expressions().len(), 2);
    let variables = Map::new();
    let mut ids = std::collections::BTreeSet::new();
    for n in 0..200u64 {
        let states = states(json!({"n": n}));
        let out = compiled
            .evaluate("Output", &Scope::new(&states, &variables, NOW, n))
            .unwrap();
        assert_eq!(out["n"], json!(n * 2));
        assert_eq!(out["k"], json!(1));
        ids.insert(out["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids.len(), 200, "each entropy value draws its own UUID");
}

#[test]
fn expressions_of_one_template_draw_different_numbers() {
    let out = eval_in(
        json!(["{% $uuid() %}", "{% $uuid() %}"]),
        "Output",
        json!({}),
        json!({}),
    )
    .unwrap();
    assert_ne!(out[0], out[1]);
}

#[test]
fn query_error_display() {
    let e = QueryError::undefined("$x", "Output");
    assert_eq!(
        e.to_string(),
        "States.QueryEvaluationError: The JSONata expression '$x' specified for the field 'Output' returned nothing (undefined)."
    );
}

#[test]
fn overly_deep_templates_are_refused() {
    let mut deep = json!("{% 1 %}");
    for _ in 0..300 {
        deep = json!({"a": deep});
    }
    let e = Template::compile(&deep).unwrap_err();
    assert!(
        e.to_string()
            .contains("template nested deeper than 256 levels"),
        "{e}"
    );
    let mut fine = json!("{% 1 %}");
    for _ in 0..100 {
        fine = json!([fine]);
    }
    assert!(Template::compile(&fine).is_ok());
}
