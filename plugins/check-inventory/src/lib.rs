//! `check-inventory`: reserves stock for a validated order.
//!
//! Input: an object with `orderId` and `items[{sku, quantity}]` (the output of
//! `validate-order` fits; other fields are ignored). Output: an [`Reservation`].
//! Stock comes from a fixed in-memory catalogue, so the task is deterministic.
//! Errors: `UnknownSku` for a product not in the catalogue, `OutOfStock` when
//! a line asks for more than is on hand.

use serde::{Deserialize, Serialize};
use stepwasm_guest::{task, TaskError};

/// The error raised for a SKU that the catalogue does not list.
pub const UNKNOWN_SKU: &str = "UnknownSku";
/// The error raised when a line asks for more units than are on hand.
pub const OUT_OF_STOCK: &str = "OutOfStock";

/// A product the shop stocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockEntry {
    /// Stock-keeping unit.
    pub sku: &'static str,
    /// Units on hand.
    pub on_hand: u32,
    /// Where the units are.
    pub warehouse: &'static str,
}

/// The example shop's catalogue.
pub const CATALOGUE: [StockEntry; 5] = [
    StockEntry {
        sku: "BOOK-RUST-101",
        on_hand: 25,
        warehouse: "AMS-1",
    },
    StockEntry {
        sku: "MUG-FERRIS",
        on_hand: 140,
        warehouse: "AMS-1",
    },
    StockEntry {
        sku: "TSHIRT-CRAB-M",
        on_hand: 12,
        warehouse: "BER-2",
    },
    StockEntry {
        sku: "STICKER-PACK",
        on_hand: 1000,
        warehouse: "BER-2",
    },
    StockEntry {
        sku: "LAPTOP-STAND",
        on_hand: 0,
        warehouse: "AMS-1",
    },
];

/// What the task reads from its input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryRequest {
    /// The order being fulfilled.
    pub order_id: String,
    /// The requested lines.
    pub items: Vec<RequestedItem>,
}

/// One requested line.
#[derive(Debug, Clone, Deserialize)]
pub struct RequestedItem {
    /// Stock-keeping unit.
    pub sku: String,
    /// Units wanted.
    pub quantity: u32,
}

/// Stock held for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reservation {
    /// Stable identifier of the reservation (the same order gives the same id).
    pub reservation_id: String,
    /// One entry per requested line, in the same order.
    pub lines: Vec<ReservedLine>,
    /// The warehouses the order ships from, sorted, without repeats.
    pub warehouses: Vec<String>,
}

/// Stock held for one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservedLine {
    /// Stock-keeping unit.
    pub sku: String,
    /// Units held.
    pub quantity: u32,
    /// Where they are held.
    pub warehouse: String,
    /// Units left on hand after this reservation.
    pub remaining_stock: u32,
}

fn run(request: InventoryRequest) -> Result<Reservation, TaskError> {
    let reservation = reserve(&request, &CATALOGUE)?;
    stepwasm_guest::info!(
        "reserved {} line(s) for order {} as {}",
        reservation.lines.len(),
        request.order_id,
        reservation.reservation_id
    );
    Ok(reservation)
}

task!(run);

/// Holds stock for every line of `request` from `catalogue`, or explains why it cannot.
///
/// All lines are checked before anything is reported, so the cause lists every
/// unknown SKU (or every short line) at once. Unknown SKUs are reported first.
pub fn reserve(
    request: &InventoryRequest,
    catalogue: &[StockEntry],
) -> Result<Reservation, TaskError> {
    let mut unknown = Vec::new();
    let mut short = Vec::new();
    let mut lines = Vec::with_capacity(request.items.len());
    for item in &request.items {
        let Some(entry) = catalogue.iter().find(|e| e.sku == item.sku) else {
            unknown.push(format!("{:?}", item.sku));
            continue;
        };
        // Earlier lines of the same SKU have already taken their share.
        let taken: u32 = lines
            .iter()
            .filter(|l: &&ReservedLine| l.sku == item.sku)
            .map(|l| l.quantity)
            .sum();
        let available = entry.on_hand.saturating_sub(taken);
        if item.quantity > available {
            short.push(format!(
                "{} (ordered {}, available {available})",
                item.sku, item.quantity
            ));
            continue;
        }
        lines.push(ReservedLine {
            sku: item.sku.clone(),
            quantity: item.quantity,
            warehouse: entry.warehouse.to_string(),
            remaining_stock: available - item.quantity,
        });
    }
    if !unknown.is_empty() {
        return Err(TaskError::new(
            UNKNOWN_SKU,
            format!(
                "order {:?} names products that are not sold here: {}",
                request.order_id,
                unknown.join(", ")
            ),
        ));
    }
    if !short.is_empty() {
        return Err(TaskError::new(
            OUT_OF_STOCK,
            format!(
                "order {:?} cannot be filled: not enough stock for {}",
                request.order_id,
                short.join(", ")
            ),
        ));
    }
    let mut parts = vec![request.order_id.clone()];
    for line in &lines {
        parts.push(format!("{}x{}", line.sku, line.quantity));
    }
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let mut warehouses: Vec<String> = lines.iter().map(|l| l.warehouse.clone()).collect();
    warehouses.sort();
    warehouses.dedup();
    Ok(Reservation {
        reservation_id: order_model::stable_id("RSV", &parts),
        lines,
        warehouses,
    })
}

#[cfg(test)]
mod tests;
