use serde_json::json;

use super::*;

fn order_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["id", "items"],
        "properties": {
            "id": {"type": "string", "minLength": 1},
            "items": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["sku", "quantity"],
                    "properties": {
                        "sku": {"type": "string"},
                        "quantity": {"type": "integer", "minimum": 1}
                    }
                }
            }
        }
    })
}

fn run_json(input: Value) -> Result<String, TaskError> {
    stepwasm_guest::run_handler(&input.to_string(), "", run)
}

#[test]
fn a_valid_document_gives_valid_true() {
    let out = run_json(json!({"schema": order_schema(), "document": {"id": "o1", "items": [{"sku": "A", "quantity": 2}]}}))
        .expect("valid");
    assert_eq!(out, r#"{"valid":true}"#);
}

#[test]
fn violations_carry_pointers_and_messages() {
    let found = check(
        &order_schema(),
        &json!({"id": "", "items": [{"sku": "A", "quantity": 0}, {"quantity": 1}]}),
    )
    .expect("schema compiles");
    let mut pointers: Vec<&str> = found
        .violations
        .iter()
        .map(|v| v.pointer.as_str())
        .collect();
    pointers.sort();
    assert_eq!(pointers, vec!["/id", "/items/0/quantity", "/items/1"]);
    let quantity = found
        .violations
        .iter()
        .find(|v| v.pointer == "/items/0/quantity")
        .expect("quantity violation");
    assert!(
        quantity.message.contains("minimum of 1"),
        "{}",
        quantity.message
    );
    let missing = found
        .violations
        .iter()
        .find(|v| v.pointer == "/items/1")
        .expect("sku violation");
    assert!(
        missing.message.contains("\"sku\" is a required property"),
        "{}",
        missing.message
    );
}

#[test]
fn validation_failed_cause_is_json() {
    let e = run_json(json!({"schema": order_schema(), "document": {"items": []}}))
        .expect_err("invalid");
    assert_eq!(e.error(), "ValidationFailed");
    let cause: Value = serde_json::from_str(e.cause()).expect("cause is JSON");
    let violations = cause["violations"].as_array().expect("list");
    assert_eq!(violations.len(), 2, "{cause}");
    assert!(violations
        .iter()
        .all(|v| v["pointer"].is_string() && v["message"].is_string()));
    assert!(cause.get("omitted").is_none());
}

#[test]
fn long_violation_lists_are_cut_and_counted() {
    let schema = json!({"type": "array", "items": {"type": "string"}});
    let document = Value::Array((0..60).map(|i| json!(i)).collect());
    let found = check(&schema, &document).expect("schema compiles");
    assert_eq!(found.violations.len(), MAX_VIOLATIONS);
    assert_eq!(found.omitted, 10);
    assert_eq!(found.violations[0].pointer, "/0");
}

#[test]
fn long_messages_are_shortened() {
    let big = "x".repeat(1000);
    let found = check(&json!({"type": "number"}), &json!(big)).expect("schema compiles");
    let message = &found.violations[0].message;
    assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
    assert!(message.ends_with('…'));
    assert_eq!(found.violations[0].pointer, "");
}

#[test]
fn a_broken_schema_is_invalid_schema() {
    let e = check(&json!({"type": "no-such-type"}), &json!(1)).expect_err("bad schema");
    assert_eq!(e.error(), "InvalidSchema");
    assert!(
        e.cause().starts_with("the schema cannot be used: "),
        "{}",
        e.cause()
    );
}

#[test]
fn remote_references_are_not_fetched() {
    let schema = json!({"$ref": "https://example.com/schemas/order.json"});
    let e = check(&schema, &json!({})).expect_err("unresolvable");
    assert_eq!(e.error(), "InvalidSchema");
}

#[test]
fn local_references_and_older_drafts_work() {
    let schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"positive": {"type": "integer", "exclusiveMinimum": 0}},
        "properties": {"n": {"$ref": "#/definitions/positive"}}
    });
    assert!(check(&schema, &json!({"n": 3}))
        .expect("compiles")
        .violations
        .is_empty());
    let found = check(&schema, &json!({"n": 0})).expect("compiles");
    assert_eq!(found.violations[0].pointer, "/n");
}

#[test]
fn misspelt_input_fields_are_invalid_input() {
    let e = run_json(json!({"schema": {}, "doc": 1})).expect_err("typo");
    assert_eq!(e.error(), "InvalidInput");
}

#[test]
fn formats_are_checked_in_every_draft() {
    let schema = json!({"properties": {"email": {"type": "string", "format": "email"},
                                       "at": {"type": "string", "format": "date-time"}}});
    assert!(check(
        &schema,
        &json!({"email": "a@b.io", "at": "2024-05-01T10:00:00Z"})
    )
    .expect("compiles")
    .violations
    .is_empty());
    let found = check(
        &schema,
        &json!({"email": "not-an-email", "at": "yesterday"}),
    )
    .expect("compiles");
    let mut pointers: Vec<&str> = found
        .violations
        .iter()
        .map(|v| v.pointer.as_str())
        .collect();
    pointers.sort();
    assert_eq!(pointers, vec!["/at", "/email"]);
}
