//! `InvoiceDetailRequest` in: enough to read what buyers' networks send back and what the
//! writer produces — the header (id, purpose, date, partners), one block per order invoiced
//! (an invoice may cover several purchase orders), the lines with their taxes, and the summary.
//! Amounts stay as written ([`Amount`]): real invoices carry empty amounts and placeholder
//! currency codes, which are noted as warnings rather than refused.

use super::model::{Address, Envelope, Extrinsic, OrderRef};
use super::read_common::{self as common, Ctx};
use super::read_fulfil::DocumentOperation;
use super::values::{Amount, Decimal, Timestamp};
use super::xml::Node;
use super::{CxmlError, Warning};

/// `InvoiceDetailRequestHeader purpose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoicePurpose {
    Standard,
    CreditMemo,
    DebitMemo,
    LineLevelCreditMemo,
    LineLevelDebitMemo,
}

impl InvoicePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoicePurpose::Standard => "standard",
            InvoicePurpose::CreditMemo => "creditMemo",
            InvoicePurpose::DebitMemo => "debitMemo",
            InvoicePurpose::LineLevelCreditMemo => "lineLevelCreditMemo",
            InvoicePurpose::LineLevelDebitMemo => "lineLevelDebitMemo",
        }
    }

    fn parse(s: &str) -> Option<InvoicePurpose> {
        use InvoicePurpose::*;
        [Standard, CreditMemo, DebitMemo, LineLevelCreditMemo, LineLevelDebitMemo]
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
    }
}

/// An `InvoicePartner`: its contact role (`invoiceFrom`, `remitTo`, `billTo`, …) and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoicePartner {
    pub role: Option<String>,
    pub address: Address,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDetailHeader {
    pub invoice_id: String,
    pub purpose: InvoicePurpose,
    pub operation: DocumentOperation,
    pub invoice_date: Option<Timestamp>,
    /// `InvoiceDetailLineIndicator isTaxInLine="yes"`: taxes are stated per line.
    pub tax_in_line: bool,
    pub accounting_in_line: bool,
    pub payment_term_days: Option<u32>,
    pub partners: Vec<InvoicePartner>,
    pub comments: Vec<String>,
    pub extrinsics: Vec<Extrinsic>,
}

/// One `TaxDetail`: a tax of one category and rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxDetail {
    pub purpose: Option<String>,
    pub category: Option<String>,
    pub percentage_rate: Option<Decimal>,
    pub taxable_amount: Option<Amount>,
    pub tax_amount: Option<Amount>,
    pub location: Option<String>,
    pub description: Option<String>,
}

/// A `Tax`: the total and its details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxInfo {
    pub amount: Option<Amount>,
    pub description: Option<String>,
    pub details: Vec<TaxDetail>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    pub invoice_line_number: u32,
    pub quantity: Decimal,
    pub unit_of_measure: Option<String>,
    pub unit_price: Option<Amount>,
    /// `InvoiceDetailItemReference lineNumber`: the order line invoiced.
    pub order_line_number: Option<u32>,
    pub description: Option<String>,
    pub supplier_part_id: Option<String>,
    pub subtotal: Option<Amount>,
    pub tax: Option<TaxInfo>,
    pub extrinsics: Vec<Extrinsic>,
}

/// One `InvoiceDetailOrder`: the order it invoices and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceOrder {
    pub order: OrderRef,
    pub master_agreement_payload_id: Option<String>,
    pub lines: Vec<InvoiceLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvoiceSummary {
    pub subtotal: Option<Amount>,
    pub tax: Option<TaxInfo>,
    pub special_handling: Option<Amount>,
    pub shipping: Option<Amount>,
    pub gross: Option<Amount>,
    pub discount: Option<Amount>,
    pub net: Option<Amount>,
    pub due: Option<Amount>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDetailRequest {
    pub envelope: Envelope,
    pub header: InvoiceDetailHeader,
    pub orders: Vec<InvoiceOrder>,
    pub summary: InvoiceSummary,
    pub warnings: Vec<Warning>,
}

fn yes(node: Option<&Node>, attr: &str) -> bool {
    node.and_then(|n| n.attr(attr))
        .is_some_and(|v| v.eq_ignore_ascii_case("yes"))
}

fn tax(node: Option<&Node>, ctx: &mut Ctx) -> Option<TaxInfo> {
    let t = node?;
    let details = t
        .children("TaxDetail")
        .map(|d| TaxDetail {
            purpose: d.attr("purpose"),
            category: d.attr("category"),
            percentage_rate: ctx.decimal(d, "percentageRate"),
            taxable_amount: ctx.money_in(d.child("TaxableAmount")),
            tax_amount: ctx.money_in(d.child("TaxAmount")),
            location: d.text_at("TaxLocation"),
            description: d.child("Description").and_then(Node::all_text),
        })
        .collect();
    Some(TaxInfo {
        amount: ctx.money_in(Some(t)),
        description: t.child("Description").and_then(Node::all_text),
        details,
    })
}

fn header(h: &Node, ctx: &mut Ctx) -> Result<InvoiceDetailHeader, CxmlError> {
    let purpose = match h.attr("purpose") {
        None => InvoicePurpose::Standard,
        Some(raw) => InvoicePurpose::parse(&raw).ok_or_else(|| h.error(format!("purpose '{raw}' is unknown")))?,
    };
    let operation = match h.attr("operation") {
        None => DocumentOperation::New,
        Some(raw) => DocumentOperation::parse(&raw).ok_or_else(|| h.error(format!("operation '{raw}' is unknown")))?,
    };
    let lines = h.child("InvoiceDetailLineIndicator");
    let payment_term_days = h
        .children("PaymentTerm")
        .chain(h.children("InvoiceDetailPaymentTerm"))
        .find_map(|p| ctx.uint(p, "payInNumberOfDays"));
    Ok(InvoiceDetailHeader {
        invoice_id: h.require_attr("invoiceID")?,
        purpose,
        operation,
        invoice_date: ctx.when(h, "invoiceDate"),
        tax_in_line: yes(lines, "isTaxInLine"),
        accounting_in_line: yes(lines, "isAccountingInLine"),
        payment_term_days,
        partners: h
            .children("InvoicePartner")
            .filter_map(|p| p.child("Contact"))
            .map(|c| InvoicePartner {
                role: c.attr("role"),
                address: common::address(c),
            })
            .collect(),
        comments: common::comments(h),
        extrinsics: common::extrinsics(h),
    })
}

fn line(i: &Node, ctx: &mut Ctx) -> Result<InvoiceLine, CxmlError> {
    let raw = i.require_attr("invoiceLineNumber")?;
    let invoice_line_number = raw
        .parse()
        .map_err(|_| i.error(format!("invoiceLineNumber '{raw}' is not a whole number")))?;
    let reference = i.child("InvoiceDetailItemReference");
    Ok(InvoiceLine {
        invoice_line_number,
        quantity: common::quantity(i)?,
        unit_of_measure: i.text_at("UnitOfMeasure"),
        unit_price: ctx.money_in(i.child("UnitPrice")),
        order_line_number: reference.and_then(|r| ctx.uint(r, "lineNumber")),
        description: reference.and_then(|r| r.child("Description")).and_then(Node::all_text),
        supplier_part_id: reference.and_then(|r| r.text_at("ItemID/SupplierPartID")),
        subtotal: ctx.money_in(i.child("SubtotalAmount")),
        tax: tax(i.child("Tax"), ctx),
        extrinsics: common::extrinsics(i),
    })
}

fn order(o: &Node, ctx: &mut Ctx) -> Result<InvoiceOrder, CxmlError> {
    let info = o.require("InvoiceDetailOrderInfo")?;
    let order = match (info.child("OrderReference"), info.child("OrderIDInfo")) {
        (Some(r), _) => common::order_ref(r, ctx),
        (None, Some(i)) => OrderRef {
            order_id: i.attr("orderID"),
            order_date: ctx.when(i, "orderDate"),
            payload_id: None,
        },
        (None, None) => OrderRef::default(),
    };
    let master_agreement_payload_id = info
        .child("MasterAgreementReference")
        .and_then(|m| m.child("DocumentReference"))
        .and_then(|d| d.attr("payloadID"));
    if o.child("InvoiceDetailServiceItem").is_some() {
        ctx.warn(o, "InvoiceDetailServiceItem lines are not read");
    }
    let lines = o
        .children("InvoiceDetailItem")
        .map(|i| line(i, ctx))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(InvoiceOrder {
        order,
        master_agreement_payload_id,
        lines,
    })
}

pub(super) fn invoice(envelope: Envelope, node: &Node) -> Result<InvoiceDetailRequest, CxmlError> {
    let mut ctx = Ctx::default();
    let header = header(node.require("InvoiceDetailRequestHeader")?, &mut ctx)?;
    let orders = node
        .children("InvoiceDetailOrder")
        .map(|o| order(o, &mut ctx))
        .collect::<Result<Vec<_>, _>>()?;
    if orders.is_empty() {
        if node.child("InvoiceDetailHeaderOrder").is_some() {
            ctx.warn(node, "InvoiceDetailHeaderOrder (header-level invoicing) is not read");
        } else {
            return Err(node.missing("InvoiceDetailOrder"));
        }
    }
    let s = node.require("InvoiceDetailSummary")?;
    let summary = InvoiceSummary {
        subtotal: ctx.money_in(s.child("SubtotalAmount")),
        tax: tax(s.child("Tax"), &mut ctx),
        special_handling: ctx.money_in(s.child("SpecialHandlingAmount")),
        shipping: ctx.money_in(s.child("ShippingAmount")),
        gross: ctx.money_in(s.child("GrossAmount")),
        discount: ctx.money_in(s.child("InvoiceDetailDiscount")),
        net: ctx.money_in(s.child("NetAmount")),
        due: ctx.money_in(s.child("DueAmount")),
    };
    Ok(InvoiceDetailRequest {
        envelope,
        header,
        orders,
        summary,
        warnings: ctx.warnings,
    })
}
