//! `process-payment`: charges an order through a simulated card gateway.
//!
//! Input: [`ChargeRequest`] `{orderId, amountCents, currency, payment{method, token}}`.
//! Output: [`Charge`]. The gateway is a fixed table of test tokens, so the task is
//! deterministic and needs no network:
//!
//! | token | outcome |
//! |---|---|
//! | `tok_visa`, `tok_mastercard`, `tok_amex` | captured |
//! | `tok_chargeDeclined`, `tok_insufficientFunds` | `PaymentDeclined` |
//! | `tok_gatewayTimeout` | `PaymentGatewayTimeout` on the first attempt (`$$.State.RetryCount` = 0), captured on a retry |
//! | anything else | `PaymentDeclined` (unknown token) |
//!
//! Amounts above [`MAX_CHARGE_CENTS`] are declined; a zero amount, another
//! currency or another method is `InvalidPaymentRequest`.

use order_model::{format_amount, CURRENCIES};
use serde::{Deserialize, Serialize};
use stepwasm_guest::{heartbeat, task, Context, TaskError};

/// The gateway refused the charge; retrying will not help.
pub const PAYMENT_DECLINED: &str = "PaymentDeclined";
/// The gateway did not answer in time; a retry may succeed.
pub const PAYMENT_GATEWAY_TIMEOUT: &str = "PaymentGatewayTimeout";
/// The request itself is wrong (amount, currency or method).
pub const INVALID_PAYMENT_REQUEST: &str = "InvalidPaymentRequest";
/// Largest single charge the gateway accepts (5,000.00).
pub const MAX_CHARGE_CENTS: u64 = 500_000;

/// What to charge.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargeRequest {
    /// The order being paid (also the idempotency key of the charge).
    pub order_id: String,
    /// Amount in minor units.
    pub amount_cents: u64,
    /// ISO 4217 code.
    pub currency: String,
    /// How to pay.
    pub payment: order_model::PaymentMethod,
}

/// A captured charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Charge {
    /// Stable identifier: charging the same order, amount and card again gives the same id.
    pub transaction_id: String,
    /// Always `"CAPTURED"`.
    pub status: &'static str,
    /// Amount charged in minor units.
    pub amount_cents: u64,
    /// ISO 4217 code.
    pub currency: String,
    /// The card that was charged.
    pub card: Card,
}

/// The charged card, as the gateway describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    /// Card network.
    pub brand: &'static str,
    /// Last four digits.
    pub last4: &'static str,
}

/// How the simulated gateway answers for a token.
enum Outcome {
    Capture(Card),
    Decline(&'static str),
    /// Times out on the first attempt, then captures with this card.
    TimeoutOnce(Card),
}

fn gateway(token: &str) -> Outcome {
    match token {
        "tok_visa" => Outcome::Capture(Card {
            brand: "visa",
            last4: "4242",
        }),
        "tok_mastercard" => Outcome::Capture(Card {
            brand: "mastercard",
            last4: "4444",
        }),
        "tok_amex" => Outcome::Capture(Card {
            brand: "amex",
            last4: "8431",
        }),
        "tok_chargeDeclined" => Outcome::Decline("the card was declined"),
        "tok_insufficientFunds" => Outcome::Decline("the card has insufficient funds"),
        "tok_gatewayTimeout" => Outcome::TimeoutOnce(Card {
            brand: "visa",
            last4: "0341",
        }),
        _ => Outcome::Decline("the card token is not known to the gateway"),
    }
}

fn run(request: ChargeRequest, ctx: Context) -> Result<Charge, TaskError> {
    heartbeat();
    let charge = charge(&request, ctx.state.retry_count)?;
    stepwasm_guest::info!(
        "charged {} for order {} ({})",
        format_amount(charge.amount_cents, &charge.currency),
        request.order_id,
        charge.transaction_id
    );
    Ok(charge)
}

task!(run);

/// Charges `request`; `attempt_retries` is how many times this charge was retried before.
pub fn charge(request: &ChargeRequest, attempt_retries: u32) -> Result<Charge, TaskError> {
    let order = &request.order_id;
    if request.payment.method != "card" {
        return Err(TaskError::new(
            INVALID_PAYMENT_REQUEST,
            format!(
                "order {order:?}: payment method {:?} is not supported, only \"card\"",
                request.payment.method
            ),
        ));
    }
    if !CURRENCIES.contains(&request.currency.as_str()) {
        return Err(TaskError::new(
            INVALID_PAYMENT_REQUEST,
            format!(
                "order {order:?}: currency {:?} is not one of {}",
                request.currency,
                CURRENCIES.join(", ")
            ),
        ));
    }
    if request.amount_cents == 0 {
        return Err(TaskError::new(
            INVALID_PAYMENT_REQUEST,
            format!("order {order:?}: nothing to charge (amount is 0)"),
        ));
    }
    if request.amount_cents > MAX_CHARGE_CENTS {
        return Err(TaskError::new(
            PAYMENT_DECLINED,
            format!(
                "order {order:?}: {} exceeds the single-charge limit of {}",
                format_amount(request.amount_cents, &request.currency),
                format_amount(MAX_CHARGE_CENTS, &request.currency)
            ),
        ));
    }
    let card = match gateway(&request.payment.token) {
        Outcome::Capture(card) => card,
        Outcome::Decline(reason) => {
            return Err(TaskError::new(
                PAYMENT_DECLINED,
                format!("order {order:?}: {reason}"),
            ));
        }
        Outcome::TimeoutOnce(_) if attempt_retries == 0 => {
            return Err(TaskError::new(
                PAYMENT_GATEWAY_TIMEOUT,
                format!("order {order:?}: the payment gateway did not answer in time"),
            ));
        }
        Outcome::TimeoutOnce(card) => card,
    };
    let amount = request.amount_cents.to_string();
    let transaction_id = order_model::stable_id(
        "TXN",
        &[order, &amount, &request.currency, &request.payment.token],
    );
    Ok(Charge {
        transaction_id,
        status: "CAPTURED",
        amount_cents: request.amount_cents,
        currency: request.currency.clone(),
        card,
    })
}

#[cfg(test)]
mod tests;
