use super::*;

fn request() -> ConfirmRequest {
    ConfirmRequest {
        order_id: "ORD-3".into(),
        customer: Customer {
            id: "C-3".into(),
            name: Some("Grace Hopper".into()),
            email: "grace@example.com".into(),
        },
        items: vec![OrderedItem { quantity: 2 }, OrderedItem { quantity: 5 }],
        total_cents: 12_345,
        currency: "USD".into(),
        reservation: ReservationRef {
            reservation_id: "RSV-1".into(),
            warehouses: vec!["AMS-1".into(), "BER-2".into()],
        },
        charge: ChargeRef {
            transaction_id: "TXN-1".into(),
            status: "CAPTURED".into(),
            amount_cents: 12_345,
            currency: "USD".into(),
        },
    }
}

#[test]
fn confirms_a_paid_order() {
    let c = confirm(&request()).expect("confirmed");
    assert_eq!(c.status, "CONFIRMED");
    assert_eq!(c.item_count, 7);
    assert_eq!(c.total, "123.45 USD");
    assert_eq!(
        c.confirmation_number,
        order_model::stable_id("CNF", &["ORD-3", "RSV-1", "TXN-1"])
    );
    assert_eq!(c.notification.to, "grace@example.com");
    assert_eq!(c.notification.subject, "Order ORD-3 confirmed");
    assert_eq!(
        c.notification.body,
        format!(
            "Hello Grace Hopper,\n\nthank you for your order ORD-3. We received 123.45 USD for 7 item(s), \
             which ship from AMS-1, BER-2.\nYour confirmation number is {}.",
            c.confirmation_number
        )
    );
}

#[test]
fn greets_without_a_name() {
    let mut r = request();
    r.customer.name = None;
    let c = confirm(&r).expect("confirmed");
    assert!(
        c.notification.body.starts_with("Hello,\n\nthank you"),
        "{}",
        c.notification.body
    );
}

#[test]
fn refuses_a_charge_for_another_amount_or_currency() {
    let mut r = request();
    r.charge.amount_cents = 100;
    let e = confirm(&r).expect_err("mismatch");
    assert_eq!(
        e,
        TaskError::new(
            "PaymentMismatch",
            "order \"ORD-3\": charge TXN-1 is for 1.00 USD but the order totals 123.45 USD"
        )
    );
    let mut r = request();
    r.charge.currency = "EUR".into();
    assert_eq!(
        confirm(&r).expect_err("currency").error(),
        "PaymentMismatch"
    );
}

#[test]
fn refuses_an_uncaptured_charge() {
    let mut r = request();
    r.charge.status = "PENDING".into();
    assert_eq!(
        confirm(&r).expect_err("pending").cause(),
        "order \"ORD-3\": charge TXN-1 is \"PENDING\", not \"CAPTURED\""
    );
}
