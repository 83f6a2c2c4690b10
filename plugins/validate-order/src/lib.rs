//! `validate-order`: checks an incoming order and computes its amounts.
//!
//! Input: the raw order (any JSON). Output: the [`ValidatedOrder`] with line
//! totals, subtotal, shipping and total. Every problem found is listed in the
//! cause of one `InvalidOrder` error, each with the path of the offending field.

use order_model::{
    shipping_fee_cents, Address, Customer, LineItem, PaymentMethod, ValidatedOrder, CURRENCIES,
};
use serde_json::{Map, Value};
use stepwasm_guest::{task, TaskError};

/// The error raised for an order that breaks a rule.
pub const INVALID_ORDER: &str = "InvalidOrder";
/// Most lines an order may have.
pub const MAX_ITEMS: usize = 100;
/// Most units of one line.
pub const MAX_QUANTITY: i64 = 1_000;
/// Highest accepted unit price (10,000.00).
pub const MAX_UNIT_PRICE_CENTS: i64 = 1_000_000;
/// At most this many problems are listed; the rest are counted.
const MAX_LISTED: usize = 20;

fn run(input: Value) -> Result<ValidatedOrder, TaskError> {
    let order = validate(&input).map_err(|problems| {
        TaskError::new(INVALID_ORDER, describe(order_label(&input), &problems))
    })?;
    stepwasm_guest::info!(
        "order {} is valid: {} line(s), total {}",
        order.order_id,
        order.items.len(),
        order_model::format_amount(order.total_cents, &order.currency)
    );
    Ok(order)
}

task!(run);

/// Checks `input` against the shop's rules, returning the validated order or
/// every problem found (`"<path> <problem>"`).
pub fn validate(input: &Value) -> Result<ValidatedOrder, Vec<String>> {
    let mut p = Problems::default();
    let Some(obj) = input.as_object() else {
        return Err(vec![format!(
            "the order must be a JSON object, not {}",
            kind(input)
        )]);
    };
    let order_id = p.identifier(obj, "orderId", "orderId", 64);
    let customer = p.object(obj, "customer", "customer").map(|c| Customer {
        id: p.identifier(c, "id", "customer.id", 64),
        name: p.optional_text(c, "name", "customer.name", 200),
        email: p.email(c, "email", "customer.email"),
    });
    let items = p.items(obj.get("items"));
    let currency = p.text(obj, "currency", "currency", 3);
    if !currency.is_empty() && !CURRENCIES.contains(&currency.as_str()) {
        p.add(
            "currency",
            format!(
                "must be one of {} (got {currency:?})",
                CURRENCIES.join(", ")
            ),
        );
    }
    let payment = p.object(obj, "payment", "payment").map(|pm| {
        let method = p.text(pm, "method", "payment.method", 16);
        if !method.is_empty() && method != "card" {
            p.add(
                "payment.method",
                format!("must be \"card\" (got {method:?})"),
            );
        }
        PaymentMethod {
            method,
            token: p.text(pm, "token", "payment.token", 128),
        }
    });
    let address = p
        .object(obj, "shippingAddress", "shippingAddress")
        .map(|a| Address {
            line1: p.text(a, "line1", "shippingAddress.line1", 200),
            line2: p.optional_text(a, "line2", "shippingAddress.line2", 200),
            city: p.text(a, "city", "shippingAddress.city", 100),
            postal_code: p.text(a, "postalCode", "shippingAddress.postalCode", 16),
            country: p.country(a, "country", "shippingAddress.country"),
        });
    match (customer, payment, address) {
        (Some(customer), Some(payment), Some(shipping_address)) if p.0.is_empty() => {
            // Bounded: at most MAX_ITEMS lines of at most MAX_QUANTITY * MAX_UNIT_PRICE_CENTS.
            let subtotal_cents = items.iter().map(|i| i.line_total_cents).sum();
            let shipping_cents = shipping_fee_cents(subtotal_cents);
            Ok(ValidatedOrder {
                order_id,
                customer,
                items,
                currency,
                payment,
                shipping_address,
                subtotal_cents,
                shipping_cents,
                total_cents: subtotal_cents + shipping_cents,
            })
        }
        _ => Err(p.0),
    }
}

/// The cause text for a rejected order.
pub fn describe(label: String, problems: &[String]) -> String {
    let listed = problems
        .iter()
        .take(MAX_LISTED)
        .cloned()
        .collect::<Vec<_>>();
    let mut cause = format!("{label} is invalid: {}", listed.join("; "));
    if problems.len() > MAX_LISTED {
        cause.push_str(&format!(
            "; and {} more problem(s)",
            problems.len() - MAX_LISTED
        ));
    }
    cause
}

/// `order "<id>"` when the input carries a usable id, else `the order`.
fn order_label(input: &Value) -> String {
    match input.get("orderId").and_then(Value::as_str) {
        Some(id) if !id.is_empty() && id.len() <= 64 => format!("order {id:?}"),
        _ => "the order".to_string(),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The problems found so far, each `"<path> <problem>"`.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, path: &str, problem: impl AsRef<str>) {
        self.0.push(format!("{path} {}", problem.as_ref()));
    }

    fn object<'a>(
        &mut self,
        obj: &'a Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Option<&'a Map<String, Value>> {
        match obj.get(key) {
            None | Some(Value::Null) => {
                self.add(path, "is missing");
                None
            }
            Some(Value::Object(o)) => Some(o),
            Some(other) => {
                self.add(path, format!("must be an object, not {}", kind(other)));
                None
            }
        }
    }

    /// A required, non-blank string of at most `max` characters.
    fn text(&mut self, obj: &Map<String, Value>, key: &str, path: &str, max: usize) -> String {
        match obj.get(key) {
            None | Some(Value::Null) => self.add(path, "is missing"),
            Some(Value::String(s)) if s.trim().is_empty() => self.add(path, "must not be empty"),
            Some(Value::String(s)) if s.chars().count() > max => {
                self.add(path, format!("must be at most {max} characters"))
            }
            Some(Value::String(s)) => return s.clone(),
            Some(other) => self.add(path, format!("must be a string, not {}", kind(other))),
        }
        String::new()
    }

    fn optional_text(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        path: &str,
        max: usize,
    ) -> Option<String> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(_) => Some(self.text(obj, key, path, max)),
        }
    }

    /// Letters, digits, `-` and `_` only.
    fn identifier(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        path: &str,
        max: usize,
    ) -> String {
        let id = self.text(obj, key, path, max);
        if !id.is_empty()
            && !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            self.add(
                path,
                format!("may contain only letters, digits, '-' and '_' (got {id:?})"),
            );
        }
        id
    }

    fn email(&mut self, obj: &Map<String, Value>, key: &str, path: &str) -> String {
        let email = self.text(obj, key, path, 254);
        if email.is_empty() {
            return email;
        }
        let ok = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !email.chars().any(char::is_whitespace)
            }
            None => false,
        };
        if !ok {
            self.add(path, format!("is not an email address (got {email:?})"));
        }
        email
    }

    fn country(&mut self, obj: &Map<String, Value>, key: &str, path: &str) -> String {
        let code = self.text(obj, key, path, 2);
        let well_formed = code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase());
        if !code.is_empty() && !well_formed {
            self.add(
                path,
                format!("must be a two-letter country code such as \"NL\" (got {code:?})"),
            );
        }
        code
    }

    fn items(&mut self, value: Option<&Value>) -> Vec<LineItem> {
        let list = match value {
            None | Some(Value::Null) => {
                self.add("items", "is missing");
                return Vec::new();
            }
            Some(Value::Array(list)) => list,
            Some(other) => {
                self.add("items", format!("must be an array, not {}", kind(other)));
                return Vec::new();
            }
        };
        if list.is_empty() {
            self.add("items", "must contain at least one item");
        }
        if list.len() > MAX_ITEMS {
            self.add(
                "items",
                format!(
                    "must contain at most {MAX_ITEMS} items (got {})",
                    list.len()
                ),
            );
            return Vec::new();
        }
        let mut lines = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let path = format!("items[{i}]");
            let Some(obj) = item.as_object() else {
                self.add(&path, format!("must be an object, not {}", kind(item)));
                continue;
            };
            let sku = self.text(obj, "sku", &format!("{path}.sku"), 32);
            if !sku.is_empty() && lines.iter().any(|l: &LineItem| l.sku == sku) {
                self.add(
                    &format!("{path}.sku"),
                    format!("repeats {sku:?}; list each product once"),
                );
            }
            let quantity = self.integer(
                obj,
                "quantity",
                &format!("{path}.quantity"),
                1,
                MAX_QUANTITY,
            );
            let price = self.integer(
                obj,
                "unitPriceCents",
                &format!("{path}.unitPriceCents"),
                0,
                MAX_UNIT_PRICE_CENTS,
            );
            if let (Some(quantity), Some(unit_price_cents)) = (quantity, price) {
                lines.push(LineItem {
                    sku,
                    // Both were range-checked above, so these conversions are exact.
                    quantity: quantity as u32,
                    unit_price_cents: unit_price_cents as u64,
                    line_total_cents: quantity as u64 * unit_price_cents as u64,
                });
            }
        }
        lines
    }

    /// A whole number in `min..=max`.
    fn integer(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        path: &str,
        min: i64,
        max: i64,
    ) -> Option<i64> {
        let n = match obj.get(key) {
            None | Some(Value::Null) => {
                self.add(path, "is missing");
                return None;
            }
            Some(Value::Number(n)) => n,
            Some(other) => {
                self.add(path, format!("must be a number, not {}", kind(other)));
                return None;
            }
        };
        let Some(v) = n.as_i64() else {
            let problem = if n.as_u64().is_some() {
                format!("must be at most {max} (got {n})")
            } else {
                format!("must be a whole number (got {n})")
            };
            self.add(path, problem);
            return None;
        };
        if v < min {
            let rule = if min == 1 {
                "must be greater than 0".to_string()
            } else {
                format!("must be at least {min}")
            };
            self.add(path, format!("{rule} (got {v})"));
            None
        } else if v > max {
            self.add(path, format!("must be at most {max} (got {v})"));
            None
        } else {
            Some(v)
        }
    }
}

#[cfg(test)]
mod tests;
