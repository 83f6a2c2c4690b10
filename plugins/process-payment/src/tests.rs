use super::*;

fn request(amount_cents: u64, token: &str) -> ChargeRequest {
    ChargeRequest {
        order_id: "ORD-5".into(),
        amount_cents,
        currency: "EUR".into(),
        payment: order_model::PaymentMethod {
            method: "card".into(),
            token: token.into(),
        },
    }
}

#[test]
fn captures_with_a_good_card() {
    let c = charge(&request(9248, "tok_mastercard"), 0).expect("captured");
    assert_eq!(c.status, "CAPTURED");
    assert_eq!(c.amount_cents, 9248);
    assert_eq!(
        c.card,
        Card {
            brand: "mastercard",
            last4: "4444"
        }
    );
    assert_eq!(
        c.transaction_id,
        order_model::stable_id("TXN", &["ORD-5", "9248", "EUR", "tok_mastercard"])
    );
}

#[test]
fn declines_are_not_transient() {
    let e = charge(&request(100, "tok_chargeDeclined"), 0).expect_err("declined");
    assert_eq!(
        e,
        TaskError::new("PaymentDeclined", "order \"ORD-5\": the card was declined")
    );
    let e = charge(&request(100, "tok_who_knows"), 3).expect_err("declined");
    assert_eq!(e.error(), "PaymentDeclined");
    assert!(e.cause().contains("not known"), "{}", e.cause());
}

#[test]
fn gateway_timeout_happens_only_on_the_first_attempt() {
    let e = charge(&request(100, "tok_gatewayTimeout"), 0).expect_err("timeout");
    assert_eq!(e.error(), "PaymentGatewayTimeout");
    let c = charge(&request(100, "tok_gatewayTimeout"), 1).expect("captured on retry");
    assert_eq!(c.card.last4, "0341");
}

#[test]
fn the_limit_is_inclusive() {
    assert!(charge(&request(MAX_CHARGE_CENTS, "tok_visa"), 0).is_ok());
    let e = charge(&request(MAX_CHARGE_CENTS + 1, "tok_visa"), 0).expect_err("over the limit");
    assert_eq!(
        e.cause(),
        "order \"ORD-5\": 5000.01 EUR exceeds the single-charge limit of 5000.00 EUR"
    );
}

#[test]
fn bad_requests_are_rejected_before_the_gateway() {
    assert_eq!(
        charge(&request(0, "tok_visa"), 0)
            .expect_err("zero")
            .error(),
        "InvalidPaymentRequest"
    );
    let mut r = request(100, "tok_visa");
    r.currency = "JPY".into();
    assert_eq!(
        charge(&r, 0).expect_err("currency").cause(),
        "order \"ORD-5\": currency \"JPY\" is not one of EUR, GBP, USD"
    );
    let mut r = request(100, "tok_visa");
    r.payment.method = "invoice".into();
    assert_eq!(
        charge(&r, 0).expect_err("method").error(),
        "InvalidPaymentRequest"
    );
}

#[test]
fn the_handler_reads_the_retry_count_from_the_context() {
    let input = r#"{"orderId":"ORD-5","amountCents":100,"currency":"EUR",
        "payment":{"method":"card","token":"tok_gatewayTimeout"}}"#;
    let first = stepwasm_guest::run_handler(input, r#"{"State":{"RetryCount":0}}"#, run);
    assert_eq!(
        first.expect_err("first attempt").error(),
        "PaymentGatewayTimeout"
    );
    let retry =
        stepwasm_guest::run_handler(input, r#"{"State":{"RetryCount":1}}"#, run).expect("retry");
    let value: serde_json::Value = serde_json::from_str(&retry).expect("JSON output");
    assert_eq!(value["status"], "CAPTURED");
    assert_eq!(value["card"]["brand"], "visa");
}
