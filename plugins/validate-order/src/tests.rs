use serde_json::{json, Value};

use super::*;

const EXAMPLE_INPUT: &str = include_str!("../../../examples/order-processing/input.json");
const EXAMPLE_BAD_INPUT: &str = include_str!("../../../examples/order-processing/bad-input.json");

fn good_order() -> Value {
    json!({
        "orderId": "ORD-1",
        "customer": {"id": "C-1", "email": "a@b.io"},
        "items": [
            {"sku": "A", "quantity": 3, "unitPriceCents": 250},
            {"sku": "B", "quantity": 1, "unitPriceCents": 1999}
        ],
        "currency": "USD",
        "payment": {"method": "card", "token": "tok_visa"},
        "shippingAddress": {"line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"}
    })
}

fn problems_of(v: Value) -> Vec<String> {
    match validate(&v) {
        Ok(order) => panic!("expected problems, got {order:?}"),
        Err(p) => p,
    }
}

fn with(mut base: Value, pointer: &str, value: Value) -> Value {
    *base.pointer_mut(pointer).expect("pointer exists") = value;
    base
}

#[test]
fn computes_amounts_for_a_small_order() {
    let order = validate(&good_order()).expect("valid");
    assert_eq!(order.items[0].line_total_cents, 750);
    assert_eq!(order.items[1].line_total_cents, 1999);
    assert_eq!(order.subtotal_cents, 2749);
    assert_eq!(order.shipping_cents, 499);
    assert_eq!(order.total_cents, 3248);
    assert_eq!(order.customer.name, None);
}

#[test]
fn example_input_is_valid_and_ships_free() {
    let input: Value = serde_json::from_str(EXAMPLE_INPUT).expect("example JSON");
    let order = validate(&input).expect("example order is valid");
    assert_eq!(order.order_id, "ORD-2024-0042");
    assert_eq!(order.subtotal_cents, 2 * 3999 + 1250);
    assert_eq!(order.shipping_cents, 0);
    assert_eq!(order.total_cents, 9248);
}

#[test]
fn example_bad_input_lists_every_problem() {
    let input: Value = serde_json::from_str(EXAMPLE_BAD_INPUT).expect("example JSON");
    let e = run(input).expect_err("bad order");
    assert_eq!(e.error(), "InvalidOrder");
    assert_eq!(
        e.cause(),
        "the order is invalid: orderId is missing; \
         customer.email is not an email address (got \"bob-at-example.com\"); \
         items[0].quantity must be greater than 0 (got 0)"
    );
}

#[test]
fn missing_id_is_reported() {
    let mut v = good_order();
    v.as_object_mut().expect("object").remove("orderId");
    assert_eq!(problems_of(v), vec!["orderId is missing"]);
}

#[test]
fn empty_items_are_reported() {
    assert_eq!(
        problems_of(with(good_order(), "/items", json!([]))),
        vec!["items must contain at least one item"]
    );
}

#[test]
fn non_positive_and_fractional_quantities_are_reported() {
    assert_eq!(
        problems_of(with(good_order(), "/items/1/quantity", json!(-2))),
        vec!["items[1].quantity must be greater than 0 (got -2)"]
    );
    assert_eq!(
        problems_of(with(good_order(), "/items/0/quantity", json!(1.5))),
        vec!["items[0].quantity must be a whole number (got 1.5)"]
    );
    assert_eq!(
        problems_of(with(good_order(), "/items/0/quantity", json!("2"))),
        vec!["items[0].quantity must be a number, not a string"]
    );
    assert_eq!(
        problems_of(with(good_order(), "/items/0/quantity", json!(u64::MAX))),
        vec![format!(
            "items[0].quantity must be at most 1000 (got {})",
            u64::MAX
        )]
    );
}

#[test]
fn duplicate_skus_and_bad_ids_are_reported() {
    let v = with(good_order(), "/items/1/sku", json!("A"));
    assert_eq!(
        problems_of(v),
        vec!["items[1].sku repeats \"A\"; list each product once"]
    );
    let v = with(good_order(), "/orderId", json!("ORD 1"));
    assert_eq!(
        problems_of(v),
        vec!["orderId may contain only letters, digits, '-' and '_' (got \"ORD 1\")"]
    );
}

#[test]
fn wrong_shapes_are_reported_with_their_kind() {
    assert_eq!(
        problems_of(json!([1])),
        vec!["the order must be a JSON object, not an array"]
    );
    let v = with(good_order(), "/customer", json!("C-1"));
    assert_eq!(
        problems_of(v),
        vec!["customer must be an object, not a string"]
    );
    let v = with(good_order(), "/currency", json!("CHF"));
    assert_eq!(
        problems_of(v),
        vec!["currency must be one of EUR, GBP, USD (got \"CHF\")"]
    );
    let v = with(good_order(), "/payment/method", json!("cash"));
    assert_eq!(
        problems_of(v),
        vec!["payment.method must be \"card\" (got \"cash\")"]
    );
    let v = with(good_order(), "/shippingAddress/country", json!("us"));
    assert_eq!(
        problems_of(v),
        vec![
            "shippingAddress.country must be a two-letter country code such as \"NL\" (got \"us\")"
        ]
    );
}

#[test]
fn too_many_items_is_one_problem() {
    let items: Vec<Value> = (0..=MAX_ITEMS)
        .map(|i| json!({"sku": format!("S{i}"), "quantity": 1, "unitPriceCents": 1}))
        .collect();
    assert_eq!(
        problems_of(with(good_order(), "/items", Value::Array(items))),
        vec!["items must contain at most 100 items (got 101)"]
    );
}

#[test]
fn long_problem_lists_are_cut_and_counted() {
    let problems: Vec<String> = (0..25).map(|i| format!("p{i}")).collect();
    let cause = describe("order \"X\"".to_string(), &problems);
    assert!(
        cause.starts_with("order \"X\" is invalid: p0; p1;"),
        "{cause}"
    );
    assert!(cause.ends_with("p19; and 5 more problem(s)"), "{cause}");
}

#[test]
fn run_names_the_order_in_the_cause() {
    let v = with(good_order(), "/items", json!([]));
    let e = run(v).expect_err("invalid");
    assert_eq!(
        e.cause(),
        "order \"ORD-1\" is invalid: items must contain at least one item"
    );
}
