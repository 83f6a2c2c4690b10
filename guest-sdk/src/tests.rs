use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{parse_input, run_handler, Context, TaskError};

#[derive(Debug, Deserialize, PartialEq)]
struct Order {
    id: String,
    items: Vec<Item>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    sku: String,
    qty: u32,
}

#[derive(Debug, Serialize)]
struct Out {
    id: String,
    total: u32,
}

fn total(order: Order, _ctx: Context) -> Result<Out, TaskError> {
    if order.items.is_empty() {
        return Err(TaskError::new("InvalidOrder", "order has no items"));
    }
    Ok(Out {
        total: order.items.iter().map(|i| i.qty).sum(),
        id: order.id,
    })
}

fn expect_err<T: std::fmt::Debug>(r: Result<T, TaskError>) -> TaskError {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

#[test]
fn parses_typed_input() {
    let order: Order =
        parse_input(r#"{"id":"o1","items":[{"sku":"A","qty":2}],"extra":1}"#).expect("valid input");
    assert_eq!(
        order,
        Order {
            id: "o1".into(),
            items: vec![Item {
                sku: "A".into(),
                qty: 2
            }]
        }
    );
}

#[test]
fn malformed_json_is_invalid_input_with_position() {
    let e = expect_err(parse_input::<Order>(r#"{"id": "o1", "#));
    assert_eq!(e.error(), "InvalidInput");
    assert!(e.cause().contains("not valid JSON"), "{}", e.cause());
    assert!(e.cause().contains("line 1 column"), "{}", e.cause());
}

#[test]
fn trailing_characters_are_invalid_input() {
    let e = expect_err(parse_input::<Order>(r#"{"id":"o1","items":[]} x"#));
    assert_eq!(e.error(), "InvalidInput");
    assert!(e.cause().contains("trailing characters"), "{}", e.cause());
}

#[test]
fn missing_field_names_the_field() {
    let e = expect_err(parse_input::<Order>(r#"{"items":[]}"#));
    assert_eq!(e.error(), "InvalidInput");
    assert!(e.cause().contains("missing field `id`"), "{}", e.cause());
}

#[test]
fn wrong_type_names_the_nested_path() {
    let e = expect_err(parse_input::<Order>(
        r#"{"id":"o1","items":[{"sku":"A","qty":1},{"sku":"B","qty":-3}]}"#,
    ));
    assert_eq!(e.error(), "InvalidInput");
    assert!(e.cause().contains("at `items[1].qty`"), "{}", e.cause());
    assert!(e.cause().contains("-3"), "{}", e.cause());
}

#[test]
fn absurdly_deep_input_is_an_error_not_a_crash() {
    let deep = "[".repeat(100_000);
    let e = expect_err(parse_input::<serde_json::Value>(&deep));
    assert_eq!(e.error(), "InvalidInput");
    assert!(e.cause().contains("recursion limit"), "{}", e.cause());
}

#[test]
fn context_reads_known_fields_and_ignores_unknown_ones() {
    let text = json!({
        "Execution": {
            "Id": "arn:aws:states:local:0:execution:orders:run-1",
            "Input": {"orderId": "o1"},
            "Name": "run-1",
            "StartTime": "2024-05-01T10:00:00.000Z",
            "RedriveCount": 1,
            "SomethingNew": true
        },
        "State": {"EnteredTime": "2024-05-01T10:00:01.000Z", "Name": "Charge", "RetryCount": 2},
        "StateMachine": {"Id": "arn:aws:states:local:0:stateMachine:orders", "Name": "orders"},
        "Task": {"Token": "tok-1"},
        "Future": [1, 2, 3]
    })
    .to_string();
    let ctx = Context::from_json(&text).expect("valid context");
    assert_eq!(ctx.execution.name, "run-1");
    assert_eq!(ctx.execution.input, json!({"orderId": "o1"}));
    assert_eq!(ctx.execution.redrive_count, 1);
    assert_eq!(ctx.execution.role_arn, None);
    assert_eq!(ctx.state.name, "Charge");
    assert_eq!(ctx.state.retry_count, 2);
    assert_eq!(ctx.state_machine.name, "orders");
    assert_eq!(ctx.task.and_then(|t| t.token).as_deref(), Some("tok-1"));
    assert_eq!(ctx.map, None);
}

#[test]
fn context_reads_map_item() {
    let ctx = Context::from_json(r#"{"Map":{"Item":{"Index":3,"Value":{"a":1}}}}"#)
        .expect("valid context");
    let item = ctx.map.expect("map context").item;
    assert_eq!(item.index, 3);
    assert_eq!(item.value, json!({"a": 1}));
    assert_eq!(item.key, None);
}

#[test]
fn empty_context_is_the_default() {
    assert_eq!(Context::from_json("  ").expect("empty"), Context::default());
    assert_eq!(Context::from_json("{}").expect("{}"), Context::default());
}

#[test]
fn bad_context_is_invalid_context_with_path() {
    let e = expect_err(Context::from_json(r#"{"State":{"RetryCount":"two"}}"#));
    assert_eq!(e.error(), "InvalidContext");
    assert!(e.cause().contains("State.RetryCount"), "{}", e.cause());

    let e = expect_err(Context::from_json("[1]"));
    assert_eq!(e.error(), "InvalidContext");
}

#[test]
fn run_handler_returns_output_json() {
    let out = run_handler(
        r#"{"id":"o7","items":[{"sku":"A","qty":2},{"sku":"B","qty":5}]}"#,
        "{}",
        total,
    )
    .expect("handler succeeds");
    assert_eq!(out, r#"{"id":"o7","total":7}"#);
}

#[test]
fn run_handler_passes_task_errors_through() {
    let e = expect_err(run_handler(r#"{"id":"o7","items":[]}"#, "{}", total));
    assert_eq!(e, TaskError::new("InvalidOrder", "order has no items"));
}

#[test]
fn run_handler_does_not_call_the_handler_on_bad_input() {
    let mut called = false;
    let e = expect_err(run_handler(r#"{"id":1}"#, "{}", |_: Order, _| {
        called = true;
        Ok(0)
    }));
    assert!(!called);
    assert_eq!(e.error(), "InvalidInput");
    assert!(e.cause().contains("at `id`"), "{}", e.cause());
}

#[test]
fn run_handler_reports_bad_context() {
    let e = expect_err(run_handler(
        r#"{"id":"o","items":[]}"#,
        r#"{"Execution":"nope"}"#,
        total,
    ));
    assert_eq!(e.error(), "InvalidContext");
    assert!(e.cause().contains("Execution"), "{}", e.cause());
}

#[test]
fn run_handler_gives_the_handler_the_context() {
    let out = run_handler(
        "null",
        r#"{"State":{"Name":"Greet","RetryCount":1}}"#,
        |_: (), ctx: Context| Ok(format!("{}#{}", ctx.state.name, ctx.state.retry_count)),
    )
    .expect("handler succeeds");
    assert_eq!(out, r#""Greet#1""#);
}

#[test]
fn reserved_error_names_are_replaced() {
    let e = expect_err(run_handler(
        "null",
        "",
        |_: (), _| -> Result<(), TaskError> { Err(TaskError::new("States.Timeout", "pretending")) },
    ));
    assert_eq!(e.error(), "InvalidErrorName");
    assert!(e.cause().contains("\"States.Timeout\""), "{}", e.cause());
    assert!(e.cause().contains("pretending"), "{}", e.cause());

    let e = expect_err(run_handler(
        "null",
        "",
        |_: (), _| -> Result<(), TaskError> { Err(TaskError::new("", "no name")) },
    ));
    assert_eq!(e.error(), "InvalidErrorName");
}

#[test]
fn names_merely_containing_states_are_kept() {
    let e = TaskError::new("MyStates.Error", "c").into_reportable();
    assert_eq!(e.error(), "MyStates.Error");
}

#[test]
fn unserializable_output_is_invalid_output() {
    let e = expect_err(run_handler("null", "", |_: (), _| {
        let mut m = BTreeMap::new();
        m.insert(vec![1u8], 1);
        Ok(m)
    }));
    assert_eq!(e.error(), "InvalidOutput");
    assert!(e.cause().contains("key must be a string"), "{}", e.cause());
}

#[test]
fn task_error_display_and_parts() {
    let e = TaskError::new("HttpError", "connection refused");
    assert_eq!(e.to_string(), "HttpError: connection refused");
    assert_eq!(
        e.into_parts(),
        ("HttpError".to_string(), "connection refused".to_string())
    );
}

#[test]
fn a_handler_without_context_never_parses_it() {
    fn count(order: Order) -> Result<usize, TaskError> {
        Ok(order.items.len())
    }
    let input = r#"{"id":"o","items":[{"sku":"A","qty":1}]}"#;
    // The context is malformed: only a handler that takes it may fail on it.
    let bad_context = r#"{"Execution":"nope"}"#;
    assert_eq!(run_handler(input, bad_context, count).expect("no context read"), "1");
    let e = expect_err(run_handler(input, bad_context, |o: Order, _: Context| count(o)));
    assert_eq!(e.error(), "InvalidContext");
    // Its input is still checked, and its errors still pass through.
    let e = expect_err(run_handler(r#"{"id":1}"#, "{}", count));
    assert_eq!(e.error(), "InvalidInput");
    let e = expect_err(run_handler("null", "{}", |_: ()| -> Result<(), TaskError> {
        Err(TaskError::new("States.Nope", "reserved"))
    }));
    assert_eq!(e.error(), "InvalidErrorName");
}
