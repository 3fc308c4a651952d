//! `InvoiceDetailRequest` out (InvoiceDetail.dtd), from plain structs. The summary is derived,
//! not given: its subtotal is the sum of the lines' subtotals, gross adds tax, special handling
//! and shipping, net takes the discount off, and due is net — so the invoice cannot disagree
//! with itself. Each line's subtotal must be its quantity times its unit price (to within one
//! minor unit, for fractional quantities), and every amount must be in the invoice's currency.

use super::CxmlError;
use super::model::{Envelope, OrderRef};
use super::read_fulfil::DocumentOperation;
use super::read_invoice::InvoicePurpose;
use super::values::{Decimal, Timestamp};
use super::write::{Body, DtdFile, Xml, begin, lang};
use aftercart_domain::money::{Currency, Money};

/// One `TaxDetail`: a tax category (`VAT`, `sales`, `GST`, …), its rate and amounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxDetailOut {
    pub category: String,
    /// `tax`, `shippingTax`, `specialHandlingTax`, …
    pub purpose: Option<String>,
    pub percentage_rate: Option<Decimal>,
    pub taxable: Option<Money>,
    pub amount: Money,
    pub location: Option<String>,
}

/// A `Tax`: its total, the description the DTD requires, and the details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxOut {
    pub amount: Money,
    pub description: String,
    pub details: Vec<TaxDetailOut>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLineOut {
    pub invoice_line_number: u32,
    pub quantity: Decimal,
    pub unit_of_measure: String,
    pub unit_price: Money,
    /// The order line invoiced (`InvoiceDetailItemReference lineNumber`).
    pub order_line_number: u32,
    pub supplier_part_id: Option<String>,
    pub description: Option<String>,
    pub subtotal: Money,
    /// The line's tax, when taxes are stated per line (`isTaxInLine` is then written).
    pub tax: Option<TaxOut>,
}

/// The lines invoiced against one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceOrderOut {
    /// The order: with its `OrderRequest`'s payload id an `OrderReference` is written, else
    /// an `OrderIDInfo` with the order id alone (one of the two is required).
    pub order: OrderRef,
    pub lines: Vec<InvoiceLineOut>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceOut {
    pub invoice_id: String,
    pub invoice_date: Timestamp,
    pub purpose: InvoicePurpose,
    /// `New` or `Delete` (cancels an earlier invoice with the same id).
    pub operation: DocumentOperation,
    pub payment_term_days: Option<u32>,
    pub comments: Option<String>,
    pub orders: Vec<InvoiceOrderOut>,
    /// The whole invoice's tax (the DTD requires it; zero when there is none).
    pub tax: TaxOut,
    pub special_handling: Option<Money>,
    pub shipping: Option<Money>,
    pub discount: Option<Money>,
}

fn tax(x: &mut Xml, t: &TaxOut, lang: &str, currency: Currency) {
    x.open("Tax", &[]);
    x.same_currency("Money", &t.amount, currency);
    x.leaf(
        "Money",
        &[("currency", t.amount.currency().code())],
        &t.amount.amount_string(),
    );
    x.require("Description", &t.description);
    x.description(lang, &t.description, None);
    for d in &t.details {
        let rate = d.percentage_rate.map(|r| r.to_string());
        let mut attrs = vec![("category", d.category.as_str())];
        if let Some(p) = d.purpose.as_deref() {
            attrs.push(("purpose", p));
        }
        if let Some(r) = rate.as_deref() {
            attrs.push(("percentageRate", r));
        }
        x.open("TaxDetail", &attrs);
        x.require("@category", &d.category);
        if let Some(taxable) = &d.taxable {
            x.same_currency("TaxableAmount", taxable, currency);
            x.money("TaxableAmount", taxable);
        }
        x.same_currency("TaxAmount", &d.amount, currency);
        x.money("TaxAmount", &d.amount);
        if let Some(l) = &d.location {
            x.leaf("TaxLocation", &[("xml:lang", lang)], l);
        }
        x.close();
    }
    x.close();
}

/// Whether `subtotal` is `quantity × price`, to within one minor unit when the product has a
/// fraction of one.
fn subtotal_fits(quantity: &Decimal, price: &Money, subtotal: &Money) -> bool {
    let scale = 10i128.pow(u32::from(quantity.scale()));
    let exact = i128::from(quantity.mantissa()) * i128::from(price.minor());
    let stated = i128::from(subtotal.minor()) * scale;
    (exact - stated).abs() < scale
}

fn line(x: &mut Xml, l: &InvoiceLineOut, lang: &str, currency: Currency) {
    let (n, q) = (l.invoice_line_number.to_string(), l.quantity.to_string());
    x.open(
        "InvoiceDetailItem",
        &[("invoiceLineNumber", n.as_str()), ("quantity", q.as_str())],
    );
    x.positive("", &l.quantity);
    x.require("UnitOfMeasure", &l.unit_of_measure);
    x.leaf("UnitOfMeasure", &[], &l.unit_of_measure);
    x.same_currency("UnitPrice", &l.unit_price, currency);
    x.money("UnitPrice", &l.unit_price);
    let order_line = l.order_line_number.to_string();
    x.open("InvoiceDetailItemReference", &[("lineNumber", order_line.as_str())]);
    if let Some(part) = &l.supplier_part_id {
        x.open("ItemID", &[]);
        x.require("SupplierPartID", part);
        x.leaf("SupplierPartID", &[], part);
        x.close();
    }
    if let Some(d) = &l.description {
        x.description(lang, d, None);
    }
    x.close();
    x.same_currency("SubtotalAmount", &l.subtotal, currency);
    if !subtotal_fits(&l.quantity, &l.unit_price, &l.subtotal) {
        x.fail_at(
            "SubtotalAmount",
            format!(
                "{} is not {} × {}",
                l.subtotal.amount_string(),
                l.quantity,
                l.unit_price.amount_string()
            ),
        );
    }
    x.money("SubtotalAmount", &l.subtotal);
    if let Some(t) = &l.tax {
        tax(x, t, lang, currency);
    }
    x.close();
}

fn add(x: &mut Xml, what: &str, a: Money, b: Option<&Money>) -> Money {
    match b {
        None => a,
        Some(b) => a.checked_add(*b).unwrap_or_else(|| {
            x.fail_at(what, "the amounts do not add up in one currency");
            a
        }),
    }
}

/// The `InvoiceDetailRequest` for `inv` (InvoiceDetail.dtd).
pub fn write_invoice(env: &Envelope, inv: &InvoiceOut) -> Result<String, CxmlError> {
    let lang = lang(env);
    let currency = inv.tax.amount.currency();
    let mut x = begin(env, DtdFile::InvoiceDetail, Body::Request);
    x.open("InvoiceDetailRequest", &[]);
    let date = x.when("InvoiceDetailRequestHeader@invoiceDate", &inv.invoice_date);
    x.open(
        "InvoiceDetailRequestHeader",
        &[
            ("invoiceID", inv.invoice_id.as_str()),
            ("purpose", inv.purpose.as_str()),
            ("operation", inv.operation.as_str()),
            ("invoiceDate", date.as_str()),
        ],
    );
    x.require("@invoiceID", &inv.invoice_id);
    if inv.operation == DocumentOperation::Update {
        x.fail("operation must be new or delete");
    }
    x.empty("InvoiceDetailHeaderIndicator", &[]);
    let tax_in_line = inv.orders.iter().flat_map(|o| &o.lines).any(|l| l.tax.is_some());
    if tax_in_line {
        x.empty("InvoiceDetailLineIndicator", &[("isTaxInLine", "yes")]);
    } else {
        x.empty("InvoiceDetailLineIndicator", &[]);
    }
    if let Some(days) = inv.payment_term_days {
        x.empty("PaymentTerm", &[("payInNumberOfDays", days.to_string().as_str())]);
    }
    x.comments(lang, inv.comments.as_deref());
    x.close();
    if inv.orders.is_empty() {
        x.fail("needs at least one InvoiceDetailOrder");
    }
    let mut subtotal = Money::zero(currency);
    for o in &inv.orders {
        x.open("InvoiceDetailOrder", &[]);
        x.open("InvoiceDetailOrderInfo", &[]);
        write_order_info(&mut x, &o.order);
        x.close();
        if o.lines.is_empty() {
            x.fail("needs at least one InvoiceDetailItem");
        }
        for l in &o.lines {
            line(&mut x, l, lang, currency);
            subtotal = add(&mut x, "InvoiceDetailItem", subtotal, Some(&l.subtotal));
        }
        x.close();
    }
    x.open("InvoiceDetailSummary", &[]);
    x.money("SubtotalAmount", &subtotal);
    tax(&mut x, &inv.tax, lang, currency);
    let mut gross = add(&mut x, "Tax", subtotal, Some(&inv.tax.amount));
    if let Some(s) = &inv.special_handling {
        x.money("SpecialHandlingAmount", s);
        gross = add(&mut x, "SpecialHandlingAmount", gross, Some(s));
    }
    if let Some(s) = &inv.shipping {
        x.money("ShippingAmount", s);
        gross = add(&mut x, "ShippingAmount", gross, Some(s));
    }
    x.money("GrossAmount", &gross);
    let mut net = gross;
    if let Some(d) = &inv.discount {
        x.money("InvoiceDetailDiscount", d);
        net = gross.checked_sub(*d).unwrap_or_else(|| {
            x.fail_at("InvoiceDetailDiscount", "is not in the invoice's currency");
            gross
        });
    }
    x.money("NetAmount", &net);
    x.money("DueAmount", &net);
    x.finish()
}

fn write_order_info(x: &mut Xml, order: &OrderRef) {
    let date = order.order_date.as_ref().map(|d| x.when("orderDate", d));
    let mut attrs = Vec::new();
    if let Some(id) = order.order_id.as_deref() {
        attrs.push(("orderID", id));
    }
    if let Some(d) = date.as_deref() {
        attrs.push(("orderDate", d));
    }
    match order.payload_id.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(payload) => {
            x.open("OrderReference", &attrs);
            x.empty("DocumentReference", &[("payloadID", payload)]);
            x.close();
        }
        None if order.order_id.as_deref().is_some_and(|id| !id.trim().is_empty()) => {
            x.empty("OrderIDInfo", &attrs);
        }
        None => x.fail("the order needs its OrderRequest's payload id or its order id"),
    }
}
