use super::*;

fn request(items: &[(&str, u32)]) -> InventoryRequest {
    InventoryRequest {
        order_id: "ORD-7".to_string(),
        items: items
            .iter()
            .map(|(sku, quantity)| RequestedItem {
                sku: sku.to_string(),
                quantity: *quantity,
            })
            .collect(),
    }
}

#[test]
fn reserves_every_line_and_reports_remaining_stock() {
    let r = reserve(
        &request(&[("BOOK-RUST-101", 2), ("TSHIRT-CRAB-M", 12)]),
        &CATALOGUE,
    )
    .expect("in stock");
    assert_eq!(
        r.lines,
        vec![
            ReservedLine {
                sku: "BOOK-RUST-101".into(),
                quantity: 2,
                warehouse: "AMS-1".into(),
                remaining_stock: 23
            },
            ReservedLine {
                sku: "TSHIRT-CRAB-M".into(),
                quantity: 12,
                warehouse: "BER-2".into(),
                remaining_stock: 0
            },
        ]
    );
    assert_eq!(r.warehouses, vec!["AMS-1", "BER-2"]);
    assert_eq!(
        r.reservation_id,
        order_model::stable_id("RSV", &["ORD-7", "BOOK-RUST-101x2", "TSHIRT-CRAB-Mx12"])
    );
}

#[test]
fn reservation_ids_depend_on_the_lines() {
    let a = reserve(&request(&[("MUG-FERRIS", 1)]), &CATALOGUE).expect("in stock");
    let b = reserve(&request(&[("MUG-FERRIS", 2)]), &CATALOGUE).expect("in stock");
    let again = reserve(&request(&[("MUG-FERRIS", 1)]), &CATALOGUE).expect("in stock");
    assert_ne!(a.reservation_id, b.reservation_id);
    assert_eq!(a.reservation_id, again.reservation_id);
}

#[test]
fn out_of_stock_lists_every_short_line() {
    let e = reserve(
        &request(&[
            ("LAPTOP-STAND", 1),
            ("MUG-FERRIS", 1),
            ("TSHIRT-CRAB-M", 13),
        ]),
        &CATALOGUE,
    )
    .expect_err("short");
    assert_eq!(e.error(), "OutOfStock");
    assert_eq!(
        e.cause(),
        "order \"ORD-7\" cannot be filled: not enough stock for LAPTOP-STAND (ordered 1, available 0), \
         TSHIRT-CRAB-M (ordered 13, available 12)"
    );
}

#[test]
fn repeated_skus_share_the_stock() {
    let e = reserve(
        &request(&[("TSHIRT-CRAB-M", 10), ("TSHIRT-CRAB-M", 5)]),
        &CATALOGUE,
    )
    .expect_err("short");
    assert_eq!(
        e.cause(),
        "order \"ORD-7\" cannot be filled: not enough stock for TSHIRT-CRAB-M (ordered 5, available 2)"
    );
}

#[test]
fn unknown_skus_win_over_short_ones() {
    let e = reserve(
        &request(&[("LAPTOP-STAND", 1), ("FLUX-CAPACITOR", 1)]),
        &CATALOGUE,
    )
    .expect_err("unknown");
    assert_eq!(e.error(), "UnknownSku");
    assert_eq!(
        e.cause(),
        "order \"ORD-7\" names products that are not sold here: \"FLUX-CAPACITOR\""
    );
}

#[test]
fn input_reads_the_validated_order_shape() {
    let text = r#"{"orderId":"ORD-9","customer":{"id":"c"},"items":[{"sku":"MUG-FERRIS","quantity":3,
        "unitPriceCents":1250,"lineTotalCents":3750}],"totalCents":3750}"#;
    let out = stepwasm_guest::run_handler(text, "", run).expect("reserved");
    let value: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
    assert_eq!(value["lines"][0]["remainingStock"], 137);
    assert_eq!(value["warehouses"], serde_json::json!(["AMS-1"]));
}
