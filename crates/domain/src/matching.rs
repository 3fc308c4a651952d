//! "Why doesn't this match?" — each invoice line against ordered, shipped and received quantity
//! and the contract price, with every difference typed, priced and explained.

use crate::ids::{OrderId, ShipmentId};
use crate::invoice::{CreditMemo, Invoice, InvoiceLine};
use crate::money::Money;
use crate::order::Order;
use crate::quantity::Qty;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscrepancyKind {
    BilledBeforeShipped,
    BilledMoreThanShipped,
    BilledMoreThanReceived,
    PriceVariance,
    FreightNotOnOrder,
    BilledTwice,
}

impl DiscrepancyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DiscrepancyKind::BilledBeforeShipped => "billed_before_shipped",
            DiscrepancyKind::BilledMoreThanShipped => "billed_more_than_shipped",
            DiscrepancyKind::BilledMoreThanReceived => "billed_more_than_received",
            DiscrepancyKind::PriceVariance => "price_variance",
            DiscrepancyKind::FreightNotOnOrder => "freight_not_on_order",
            DiscrepancyKind::BilledTwice => "billed_twice",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Discrepancy {
    pub kind: DiscrepancyKind,
    pub quantity: Option<Qty>,
    /// How much more was billed than the evidence supports (negative when billed less).
    pub amount: Money,
    pub explanation: String,
}

#[derive(Debug, Clone)]
pub struct LineMatch {
    pub invoice_line: u32,
    pub order_id: OrderId,
    pub order_number: String,
    pub order_line: u32,
    pub shipment_id: Option<ShipmentId>,
    pub sku: String,
    pub billed_quantity: Qty,
    pub billed_unit_price: Money,
    pub ordered: Qty,
    pub shipped: Qty,
    pub received: Option<Qty>,
    /// Billed for the same line (and shipment, when named) on invoices issued before this one.
    pub billed_before: Qty,
    /// Credited on credit memos for returned goods; the rest (billed − credited) is what is
    /// matched against shipped and received.
    pub credited: Qty,
    pub contract_unit_price: Money,
    pub discrepancies: Vec<Discrepancy>,
}

#[derive(Debug, Clone)]
pub struct MatchReport {
    pub matches: bool,
    pub lines: Vec<LineMatch>,
    /// Invoice-level differences (freight).
    pub header: Vec<Discrepancy>,
    pub discrepancy_total: Money,
    pub summary: String,
}

/// Whether `other` was issued before `inv` (by date, then by record order), so only the later of
/// two invoices billing the same goods is flagged.
fn issued_before(other: &Invoice, inv: &Invoice) -> bool {
    (other.issued_on, other.recorded_at, other.id) < (inv.issued_on, inv.recorded_at, inv.id)
}

/// Matches `invoice` against its orders and the account's other invoices touching those orders.
/// Lines whose order is missing from `orders` cannot happen for a stored invoice (issue checks it).
pub fn match_invoice(invoice: &Invoice, orders: &[&Order], other_invoices: &[&Invoice]) -> MatchReport {
    match_invoice_credited(invoice, orders, other_invoices, &[])
}

/// [`match_invoice`], counting the credit memos for returned goods that name this invoice's
/// lines: a line billed for 10 with 2 credited is matched as 8 billed (so 2 units reported
/// damaged on receipt, returned and credited are no longer a difference).
pub fn match_invoice_credited(
    invoice: &Invoice,
    orders: &[&Order],
    other_invoices: &[&Invoice],
    credits: &[&CreditMemo],
) -> MatchReport {
    let cur = invoice.currency;
    let credit_lines: Vec<&crate::invoice::CreditLine> = credits
        .iter()
        .filter_map(|m| m.for_return.as_ref())
        .filter(|c| c.invoice_id == invoice.id)
        .flat_map(|c| c.lines.iter())
        .collect();
    let mut credit_numbers: Vec<&str> = credits
        .iter()
        .filter(|m| m.for_return.as_ref().is_some_and(|c| c.invoice_id == invoice.id))
        .map(|m| m.number.as_str())
        .collect();
    credit_numbers.sort_unstable();
    credit_numbers.dedup();
    let earlier: Vec<&Invoice> = other_invoices
        .iter()
        .copied()
        .filter(|o| o.id != invoice.id && issued_before(o, invoice))
        .collect();
    let mut lines = Vec::new();
    let mut total = Money::zero(cur);
    for il in &invoice.lines {
        let Some(order) = orders.iter().find(|o| o.id == il.order_id) else {
            continue;
        };
        let Some(line) = order.line(il.order_line) else {
            continue;
        };
        let ledger = order.ledger(line);
        let same_goods = |ol: &InvoiceLine| {
            ol.order_id == il.order_id && ol.order_line == il.order_line && ol.shipment_id == il.shipment_id
        };
        let (shipped, received) = match il.shipment_id.and_then(|s| order.shipment(s)) {
            Some(s) => (s.quantity_of(il.order_line), s.received_of(il.order_line)),
            None => (ledger.shipped, ledger.received),
        };
        // Billed before on earlier invoices: for the whole line (with or without a shipment named),
        // and for this very shipment. A line billed once without a shipment and again against its
        // shipment is still billed twice.
        let earlier_lines = || {
            earlier
                .iter()
                .flat_map(|i| i.lines.iter())
                .filter(|ol| ol.order_id == il.order_id && ol.order_line == il.order_line)
        };
        let billed_before: Qty = earlier_lines().map(|ol| ol.quantity).sum();
        let same_billed_before: Qty = earlier_lines().filter(|ol| same_goods(ol)).map(|ol| ol.quantity).sum();
        let available = match il.shipment_id {
            Some(_) => shipped
                .saturating_sub(same_billed_before)
                .min(ledger.shipped.saturating_sub(billed_before)),
            None => shipped.saturating_sub(billed_before),
        };
        let price = il.unit_price;
        let mut ds = Vec::new();
        let credited: Qty = credit_lines
            .iter()
            .filter(|c| c.invoice_line == il.no)
            .map(|c| c.quantity)
            .sum();
        let q = il.quantity.saturating_sub(credited);
        let what = match &il.shipment_id {
            Some(_) => "this shipment",
            None => "this line",
        };
        if shipped.is_zero() {
            ds.push(Discrepancy {
                kind: DiscrepancyKind::BilledBeforeShipped,
                quantity: Some(q),
                amount: price.times(q.get()),
                explanation: format!("Billed {q} of {} but nothing has shipped yet.", line.sku),
            });
        } else {
            let excess = q.saturating_sub(available);
            if !excess.is_zero() {
                if !billed_before.is_zero() && q <= shipped {
                    ds.push(Discrepancy {
                        kind: DiscrepancyKind::BilledTwice,
                        quantity: Some(excess),
                        amount: price.times(excess.get()),
                        explanation: format!(
                            "{excess} of {} on {what} were already billed on an earlier invoice ({same_billed_before} billed before, {shipped} shipped).",
                            line.sku
                        ),
                    });
                } else {
                    ds.push(Discrepancy {
                        kind: DiscrepancyKind::BilledMoreThanShipped,
                        quantity: Some(excess),
                        amount: price.times(excess.get()),
                        explanation: if billed_before.is_zero() {
                            format!("Billed {q} of {} but only {shipped} shipped.", line.sku)
                        } else {
                            format!(
                                "Billed {q} of {} here and {billed_before} before, but only {shipped} shipped.",
                                line.sku
                            )
                        },
                    });
                }
            }
            if let Some(r) = received {
                // Units beyond what arrived in good order, not already counted as beyond shipped.
                let beyond_received = q.saturating_sub(r.saturating_sub(billed_before)).saturating_sub(excess);
                if !beyond_received.is_zero() {
                    ds.push(Discrepancy {
                        kind: DiscrepancyKind::BilledMoreThanReceived,
                        quantity: Some(beyond_received),
                        amount: price.times(beyond_received.get()),
                        explanation: format!(
                            "Billed {q} of {} but you confirmed only {r} received in good order.",
                            line.sku
                        ),
                    });
                }
            }
        }
        if price != line.unit_price {
            let diff = price.checked_sub(line.unit_price).unwrap_or(Money::zero(cur));
            let amount = diff.times(q.get());
            let dir = if diff.is_positive() { "over" } else { "under" };
            ds.push(Discrepancy {
                kind: DiscrepancyKind::PriceVariance,
                quantity: Some(q),
                amount,
                explanation: format!(
                    "Billed {} each; the contract price on the order is {}: {} {dir} on {q} units.",
                    price,
                    line.unit_price,
                    Money::from_minor(amount.minor().abs(), cur)
                ),
            });
        }
        for d in &ds {
            total = total.checked_add(d.amount).unwrap_or(total);
        }
        lines.push(LineMatch {
            invoice_line: il.no,
            order_id: order.id,
            order_number: order.number.clone(),
            order_line: line.no,
            shipment_id: il.shipment_id,
            sku: line.sku.clone(),
            billed_quantity: il.quantity,
            billed_unit_price: price,
            ordered: line.quantity,
            shipped,
            received,
            billed_before,
            credited,
            contract_unit_price: line.unit_price,
            discrepancies: ds,
        });
    }
    let mut header = Vec::new();
    let quoted = invoice
        .order_ids()
        .iter()
        .filter_map(|id| orders.iter().find(|o| o.id == *id))
        .fold(Money::zero(cur), |a, o| a.checked_add(o.freight).unwrap_or(a));
    let freight_billed_before = earlier
        .iter()
        .filter(|i| i.order_ids().iter().any(|id| invoice.order_ids().contains(id)))
        .fold(Money::zero(cur), |a, i| a.checked_add(i.freight).unwrap_or(a));
    let allowed = Money::from_minor((quoted.minor() - freight_billed_before.minor()).max(0), cur);
    if invoice.freight.minor() > allowed.minor() {
        let excess = Money::from_minor(invoice.freight.minor() - allowed.minor(), cur);
        total = total.checked_add(excess).unwrap_or(total);
        header.push(Discrepancy {
            kind: DiscrepancyKind::FreightNotOnOrder,
            quantity: None,
            amount: excess,
            explanation: if quoted.is_zero() {
                format!(
                    "Freight of {} is billed, but the order had no freight charge.",
                    invoice.freight
                )
            } else {
                format!(
                    "Freight of {} is billed; the order quoted {} ({} billed before).",
                    invoice.freight, quoted, freight_billed_before
                )
            },
        });
    }
    let count: usize = lines.iter().map(|l| l.discrepancies.len()).sum::<usize>() + header.len();
    let matches = count == 0;
    let summary = if matches && !credit_numbers.is_empty() {
        format!(
            "Invoice {} matches once credit {} for returned goods {} counted: every line agrees with what was ordered, shipped and received, at contract prices.",
            invoice.number,
            credit_numbers.join(", "),
            if credit_numbers.len() == 1 { "is" } else { "are" }
        )
    } else if matches {
        format!(
            "Invoice {} matches: every line agrees with what was ordered, shipped and received, at contract prices.",
            invoice.number
        )
    } else {
        let mut kinds: Vec<&str> = lines
            .iter()
            .flat_map(|l| l.discrepancies.iter())
            .chain(header.iter())
            .map(|d| d.kind.as_str())
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        format!(
            "Invoice {} has {count} {} ({}) worth {} in total.",
            invoice.number,
            if count == 1 { "difference" } else { "differences" },
            kinds.join(", ").replace('_', " "),
            total
        )
    };
    MatchReport {
        matches,
        lines,
        header,
        discrepancy_total: total,
        summary,
    }
}
