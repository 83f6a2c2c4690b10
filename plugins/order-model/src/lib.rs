//! The order that flows through the order-processing example, and small
//! deterministic helpers its tasks share.
//!
//! Amounts are integer minor units (cents) so no task ever rounds a float.

use serde::{Deserialize, Serialize};

/// Currencies the example shop accepts.
pub const CURRENCIES: [&str; 3] = ["EUR", "GBP", "USD"];

/// An order that `validate-order` accepted, with its amounts computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidatedOrder {
    /// The shop's order identifier.
    pub order_id: String,
    /// Who placed the order.
    pub customer: Customer,
    /// The ordered lines, in the order they were given.
    pub items: Vec<LineItem>,
    /// ISO 4217 code, one of [`CURRENCIES`].
    pub currency: String,
    /// How the order will be paid.
    pub payment: PaymentMethod,
    /// Where the order ships to.
    pub shipping_address: Address,
    /// Sum of the line totals.
    pub subtotal_cents: u64,
    /// Shipping fee (see [`shipping_fee_cents`]).
    pub shipping_cents: u64,
    /// Subtotal plus shipping: the amount to charge.
    pub total_cents: u64,
}

/// The customer who placed an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    /// The shop's customer identifier.
    pub id: String,
    /// Display name, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where confirmations are sent.
    pub email: String,
}

/// One ordered line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    /// Stock-keeping unit.
    pub sku: String,
    /// How many units (at least 1).
    pub quantity: u32,
    /// Price of one unit.
    pub unit_price_cents: u64,
    /// `quantity * unit_price_cents`.
    pub line_total_cents: u64,
}

/// A payment method: a card represented by a gateway token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethod {
    /// Always `"card"` in this example.
    pub method: String,
    /// The card token issued by the payment gateway.
    pub token: String,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Street and number.
    pub line1: String,
    /// Optional second line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// City.
    pub city: String,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

/// Orders whose subtotal reaches this amount ship for free.
pub const FREE_SHIPPING_FROM_CENTS: u64 = 50_00;
/// Shipping fee below [`FREE_SHIPPING_FROM_CENTS`].
pub const SHIPPING_FEE_CENTS: u64 = 4_99;

/// The shipping fee for an order with this subtotal.
pub fn shipping_fee_cents(subtotal_cents: u64) -> u64 {
    if subtotal_cents >= FREE_SHIPPING_FROM_CENTS {
        0
    } else {
        SHIPPING_FEE_CENTS
    }
}

/// Formats an amount of minor units as `"12.34 EUR"`.
pub fn format_amount(cents: u64, currency: &str) -> String {
    format!("{}.{:02} {currency}", cents / 100, cents % 100)
}

/// A stable identifier `PREFIX-XXXXXXXXXXXX` derived from `parts` (FNV-1a, 64 bits,
/// the first 12 hex digits). The same parts always give the same identifier,
/// so a retried task produces the same reservation or transaction id.
pub fn stable_id(prefix: &str, parts: &[&str]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        // A separator byte that cannot occur in UTF-8 keeps ["ab","c"] and ["a","bc"] apart.
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{prefix}-{:012X}", hash >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipping_is_free_from_the_threshold() {
        assert_eq!(shipping_fee_cents(0), 499);
        assert_eq!(shipping_fee_cents(4_999), 499);
        assert_eq!(shipping_fee_cents(5_000), 0);
    }

    #[test]
    fn amounts_are_formatted_with_two_decimals() {
        assert_eq!(format_amount(9_248, "EUR"), "92.48 EUR");
        assert_eq!(format_amount(5, "USD"), "0.05 USD");
        assert_eq!(format_amount(100, "GBP"), "1.00 GBP");
    }

    #[test]
    fn stable_ids_are_deterministic_and_separate_parts() {
        // FNV-1a of "a" followed by the 0xff separator, top 48 bits.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in [b'a', 0xff] {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        assert_eq!(stable_id("X", &["a"]), format!("X-{:012X}", h >> 16));
        assert_eq!(stable_id("RSV", &["o1"]), stable_id("RSV", &["o1"]));
        assert_ne!(
            stable_id("RSV", &["ab", "c"]),
            stable_id("RSV", &["a", "bc"])
        );
        assert_eq!(stable_id("TXN", &["o1"]).len(), "TXN-".len() + 12);
    }

    #[test]
    fn order_reads_camel_case_json() {
        let text = r#"{"orderId":"o","customer":{"id":"c","email":"e@x.io"},
            "items":[{"sku":"S","quantity":1,"unitPriceCents":5,"lineTotalCents":5}],
            "currency":"EUR","payment":{"method":"card","token":"t"},
            "shippingAddress":{"line1":"l","city":"c","postalCode":"p","country":"NL"},
            "subtotalCents":5,"shippingCents":499,"totalCents":504}"#;
        let order: ValidatedOrder = serde_json::from_str(text).expect("valid order JSON");
        assert_eq!(order.items[0].line_total_cents, 5);
        assert_eq!(order.customer.name, None);
        assert_eq!(order.shipping_address.postal_code, "p");
    }
}
