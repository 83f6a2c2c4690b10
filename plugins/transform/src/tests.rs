use serde_json::json;

use super::*;

fn data() -> Value {
    json!({
        "order": {
            "id": "ORD-1",
            "items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}],
            "tags": ["gift", "express"],
            "total": 92.48,
            "note": null,
            "odd key": "yes"
        },
        "customer": {"name": "  Ada  "}
    })
}

fn ok(template: Value) -> Value {
    render(&template, &data()).expect("renders")
}

fn err(template: Value) -> TaskError {
    render(&template, &data()).expect_err("should fail")
}

#[test]
fn interpolates_text() {
    assert_eq!(
        ok(json!(
            "Order {{ order.id }} has {{order.items | length}} lines totalling {{ order.total }}"
        )),
        json!("Order ORD-1 has 2 lines totalling 92.48")
    );
}

#[test]
fn a_lone_placeholder_keeps_the_type() {
    assert_eq!(
        ok(json!("{{ order.items }}")),
        json!([{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}])
    );
    assert_eq!(ok(json!("{{order.total}}")), json!(92.48));
    assert_eq!(ok(json!(" {{order.total}}")), json!(" 92.48"));
    assert_eq!(ok(json!("{{ $ }}")), data());
}

#[test]
fn reshapes_json_including_keys() {
    let template = json!({
        "id": "{{ $.order.id }}",
        "firstSku": "{{ order.items[0].sku }}",
        "secondQty": "{{ order.items.1.qty }}",
        "key-{{ order.items[1].sku }}": true,
        "odd": "{{ order[\"odd key\"] }}",
        "list": ["{{ order.tags | join(\", \") }}", 7, null]
    });
    assert_eq!(
        ok(template),
        json!({"id": "ORD-1", "firstSku": "A", "secondQty": 1, "key-B": true, "odd": "yes",
               "list": ["gift, express", 7, null]})
    );
}

#[test]
fn filters_chain_left_to_right() {
    assert_eq!(
        ok(json!("{{ customer.name | trim | upper }}")),
        json!("ADA")
    );
    assert_eq!(
        ok(json!("{{ order.note | default(\"none\") }}")),
        json!("none")
    );
    assert_eq!(ok(json!("{{ order.missing | default(0) }}")), json!(0));
    assert_eq!(
        ok(json!("{{ order.items[0] | json }}")),
        json!(r#"{"sku":"A","qty":2}"#)
    );
    assert_eq!(ok(json!("{{ \"Mixed\" | lower }}")), json!("mixed"));
    assert_eq!(ok(json!("{{ \"}}\" }}")), json!("}}"));
    assert_eq!(ok(json!("{{ true }}/{{ null }}")), json!("true/null"));
}

#[test]
fn missing_values_name_the_path_and_the_location() {
    let e = err(json!({"a": [1, "x {{ order.items[5].sku }}"]}));
    assert_eq!(e.error(), "MissingValue");
    assert_eq!(
        e.cause(),
        "template/a/1 in \"{{ order.items[5].sku }}\": the data has no value at order.items[5].sku"
    );
    assert_eq!(err(json!("{{ order.id.deeper }}")).error(), "MissingValue");
    assert_eq!(
        err(json!("{{ order.missing | upper }}")).error(),
        "MissingValue"
    );
}

#[test]
fn syntax_errors_are_invalid_template() {
    let cases = [
        (json!("{{ order.id "), "is not closed"),
        (json!("{{ }}"), "the placeholder is empty"),
        (json!("{{ order.id | shout }}"), "unknown filter \"shout\""),
        (json!("{{ order.id | upper(1) }}"), "takes no argument"),
        (json!("{{ order.tags | join }}"), "needs a string argument"),
        (json!("{{ order..id }}"), "expected a key"),
        (
            json!("{{ order.items[x] }}"),
            "expected an index or a quoted key",
        ),
        (json!("{{ order.id extra }}"), "unexpected 'e'"),
        (json!("{{ \"open }}"), "is not closed"),
    ];
    for (template, expected) in cases {
        let e = err(template.clone());
        assert_eq!(e.error(), "InvalidTemplate", "{template}");
        assert!(e.cause().contains(expected), "{template}: {}", e.cause());
    }
}

#[test]
fn filters_reject_the_wrong_kind_of_value() {
    let e = err(json!("{{ order.total | upper }}"));
    assert_eq!(e.error(), "TransformFailed");
    assert!(
        e.cause()
            .ends_with("filter upper needs a string, got a number"),
        "{}",
        e.cause()
    );
    let e = err(json!("{{ order.items | join(\",\") }}"));
    assert!(
        e.cause()
            .contains("needs an array of strings, numbers or booleans"),
        "{}",
        e.cause()
    );
}

#[test]
fn deep_templates_are_refused() {
    let mut template = json!("leaf");
    for _ in 0..=MAX_DEPTH {
        template = json!([template]);
    }
    let e = err(template);
    assert_eq!(e.error(), "InvalidTemplate");
    assert!(e.cause().contains("nested deeper than 64"), "{}", e.cause());
}

#[test]
fn output_size_is_bounded() {
    let big = Value::String("x".repeat(1024 * 1024));
    let template = Value::Array((0..5).map(|_| json!("{{ $ }}")).collect());
    let e = render(&template, &big).expect_err("too large");
    assert_eq!(e.error(), "TransformFailed");
    assert!(e.cause().contains("output grew past"), "{}", e.cause());
}

#[test]
fn the_task_renders_its_input() {
    let input = json!({"template": {"greeting": "Hello {{ name }}!"}, "data": {"name": "Lin"}});
    let out = stepwasm_guest::run_handler(&input.to_string(), "", run).expect("renders");
    assert_eq!(out, r#"{"greeting":"Hello Lin!"}"#);
}

#[test]
fn expressions_parse_into_paths_and_filters() {
    let e = parse_expression(r#" $.a["b c"][2].d | default("x") | upper "#).expect("parses");
    assert_eq!(
        e.operand,
        Operand::Path(vec![
            Segment::Key("a".into()),
            Segment::Key("b c".into()),
            Segment::Index(2),
            Segment::Key("d".into())
        ])
    );
    assert_eq!(e.filters, vec![Filter::Default(json!("x")), Filter::Upper]);
}
