//! `confirm-order`: confirms a reserved and paid order and composes the
//! notification to send to the customer.
//!
//! Input: [`ConfirmRequest`] (the order's id, customer, items, total and
//! currency, plus the `reservation` from `check-inventory` and the `charge`
//! from `process-payment`). Output: [`Confirmation`]. The task checks that the
//! charge was captured for exactly the order's total (`PaymentMismatch`
//! otherwise), so a wiring mistake in the workflow cannot confirm an unpaid order.

use order_model::{format_amount, Customer};
use serde::{Deserialize, Serialize};
use stepwasm_guest::{task, TaskError};

/// The charge does not pay for this order.
pub const PAYMENT_MISMATCH: &str = "PaymentMismatch";

/// What the task reads from its input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmRequest {
    /// The order to confirm.
    pub order_id: String,
    /// Who placed it.
    pub customer: Customer,
    /// The ordered lines (only `quantity` is read).
    pub items: Vec<OrderedItem>,
    /// Amount due in minor units.
    pub total_cents: u64,
    /// ISO 4217 code.
    pub currency: String,
    /// The stock held by `check-inventory`.
    pub reservation: ReservationRef,
    /// The charge made by `process-payment`.
    pub charge: ChargeRef,
}

/// An ordered line.
#[derive(Debug, Clone, Deserialize)]
pub struct OrderedItem {
    /// Units ordered.
    pub quantity: u32,
}

/// The parts of a reservation the confirmation needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservationRef {
    /// The reservation's identifier.
    pub reservation_id: String,
    /// Where the order ships from.
    pub warehouses: Vec<String>,
}

/// The parts of a charge the confirmation needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargeRef {
    /// The transaction's identifier.
    pub transaction_id: String,
    /// Must be `"CAPTURED"`.
    pub status: String,
    /// Amount charged in minor units.
    pub amount_cents: u64,
    /// ISO 4217 code of the charge.
    pub currency: String,
}

/// The confirmed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Confirmation {
    /// The order's identifier.
    pub order_id: String,
    /// Always `"CONFIRMED"`.
    pub status: &'static str,
    /// Stable number quoted to the customer.
    pub confirmation_number: String,
    /// The stock reservation backing the order.
    pub reservation_id: String,
    /// The payment backing the order.
    pub transaction_id: String,
    /// Total units ordered.
    pub item_count: u64,
    /// The amount paid, formatted (`"92.48 EUR"`).
    pub total: String,
    /// Where the order ships from.
    pub ships_from: Vec<String>,
    /// The message to send.
    pub notification: Notification,
}

/// A message to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// Always `"email"`.
    pub channel: &'static str,
    /// The recipient.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

fn run(request: ConfirmRequest) -> Result<Confirmation, TaskError> {
    let confirmation = confirm(&request)?;
    stepwasm_guest::info!(
        "order {} confirmed as {}",
        confirmation.order_id,
        confirmation.confirmation_number
    );
    Ok(confirmation)
}

task!(run);

/// Confirms the order, or fails with `PaymentMismatch` if the charge does not pay for it.
pub fn confirm(request: &ConfirmRequest) -> Result<Confirmation, TaskError> {
    let order = &request.order_id;
    let charge = &request.charge;
    if charge.status != "CAPTURED" {
        return Err(TaskError::new(
            PAYMENT_MISMATCH,
            format!(
                "order {order:?}: charge {} is {:?}, not \"CAPTURED\"",
                charge.transaction_id, charge.status
            ),
        ));
    }
    if charge.amount_cents != request.total_cents || charge.currency != request.currency {
        return Err(TaskError::new(
            PAYMENT_MISMATCH,
            format!(
                "order {order:?}: charge {} is for {} but the order totals {}",
                charge.transaction_id,
                format_amount(charge.amount_cents, &charge.currency),
                format_amount(request.total_cents, &request.currency)
            ),
        ));
    }
    let confirmation_number = order_model::stable_id(
        "CNF",
        &[
            order,
            &request.reservation.reservation_id,
            &charge.transaction_id,
        ],
    );
    let item_count: u64 = request.items.iter().map(|i| u64::from(i.quantity)).sum();
    let total = format_amount(request.total_cents, &request.currency);
    let greeting = match &request.customer.name {
        Some(name) => format!("Hello {name},"),
        None => "Hello,".to_string(),
    };
    let body = format!(
        "{greeting}\n\nthank you for your order {order}. We received {total} for {item_count} item(s), \
         which ship from {}.\nYour confirmation number is {confirmation_number}.",
        request.reservation.warehouses.join(", ")
    );
    Ok(Confirmation {
        order_id: order.clone(),
        status: "CONFIRMED",
        confirmation_number,
        reservation_id: request.reservation.reservation_id.clone(),
        transaction_id: charge.transaction_id.clone(),
        item_count,
        total,
        ships_from: request.reservation.warehouses.clone(),
        notification: Notification {
            channel: "email",
            to: request.customer.email.clone(),
            subject: format!("Order {order} confirmed"),
            body,
        },
    })
}

#[cfg(test)]
mod tests;
