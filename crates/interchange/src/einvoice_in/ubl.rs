//! UBL 2.1 `Invoice` and `CreditNote` as EN 16931 (and Peppol BIS Billing 3.0) uses them. The
//! two differ only in a few names (`InvoiceLine`/`CreditNoteLine`, `InvoicedQuantity`/
//! `CreditedQuantity`, the type code's element, and where the due date sits), so one reader
//! takes both, told which names to look for.

use super::EInvoiceError;
use super::model::{
    InboundAllowanceCharge, InboundInvoice, InboundKind, InboundLine, InboundParty, InboundPrice, InboundTax,
    InboundTaxSubtotal, InboundTotals, Quantity, Syntax,
};
use super::values::{amount, amount_at, currency, decimal_at, indicator, required_amount, ubl_date};
use super::xml::Node;
use aftercart_domain::money::{Currency, Money};

struct Names {
    kind: InboundKind,
    type_code: &'static str,
    line: &'static str,
    quantity: &'static str,
}

const INVOICE: Names = Names {
    kind: InboundKind::Invoice,
    type_code: "cbc:InvoiceTypeCode",
    line: "cac:InvoiceLine",
    quantity: "cbc:InvoicedQuantity",
};

const CREDIT_NOTE: Names = Names {
    kind: InboundKind::CreditNote,
    type_code: "cbc:CreditNoteTypeCode",
    line: "cac:CreditNoteLine",
    quantity: "cbc:CreditedQuantity",
};

fn required<'a>(parent: &'a Node, path: &str) -> Result<&'a Node, EInvoiceError> {
    parent.at(path).ok_or_else(|| parent.missing(path))
}

fn required_text(parent: &Node, path: &str) -> Result<String, EInvoiceError> {
    parent.text_at(path).ok_or_else(|| parent.missing(path))
}

pub(super) fn read(root: &Node) -> Result<InboundInvoice, EInvoiceError> {
    let names = if root.name == "doc:CreditNote" {
        CREDIT_NOTE
    } else {
        INVOICE
    };
    let ccy = currency(required(root, "cbc:DocumentCurrencyCode")?)?;
    let tax_currency = root.child("cbc:TaxCurrencyCode").map(currency).transpose()?;
    let due_date = match root.child("cbc:DueDate").or_else(|| {
        root.children("cac:PaymentMeans")
            .find_map(|p| p.child("cbc:PaymentDueDate"))
    }) {
        Some(n) => Some(ubl_date(n)?),
        None => None,
    };
    let TaxTotals {
        tax,
        in_tax_currency: tax_in_tax_currency,
        subtotals: tax_subtotals,
    } = tax_totals(root, ccy, tax_currency)?;
    let mut lines = Vec::new();
    for l in root.children(names.line) {
        lines.push(line(l, &names, ccy)?);
    }
    if lines.is_empty() {
        return Err(root.missing(names.line));
    }
    let mut allowances_charges = Vec::new();
    for ac in root.children("cac:AllowanceCharge") {
        allowances_charges.push(allowance_charge(ac, ccy)?);
    }
    let t = required(root, "cac:LegalMonetaryTotal")?;
    let totals = InboundTotals {
        line_extension: required_amount(t, "cbc:LineExtensionAmount", ccy)?,
        allowances: amount_at(t, "cbc:AllowanceTotalAmount", ccy)?,
        charges: amount_at(t, "cbc:ChargeTotalAmount", ccy)?,
        tax_exclusive: required_amount(t, "cbc:TaxExclusiveAmount", ccy)?,
        tax,
        tax_in_tax_currency,
        tax_inclusive: required_amount(t, "cbc:TaxInclusiveAmount", ccy)?,
        prepaid: amount_at(t, "cbc:PrepaidAmount", ccy)?,
        rounding: amount_at(t, "cbc:PayableRoundingAmount", ccy)?,
        payable: required_amount(t, "cbc:PayableAmount", ccy)?,
    };
    Ok(InboundInvoice {
        syntax: Syntax::Ubl,
        kind: names.kind,
        number: required_text(root, "cbc:ID")?,
        issue_date: ubl_date(required(root, "cbc:IssueDate")?)?,
        due_date,
        type_code: required_text(root, names.type_code)?,
        currency: ccy,
        tax_currency,
        buyer_reference: root.text_at("cbc:BuyerReference"),
        order_reference: root.text_at("cac:OrderReference/cbc:ID"),
        preceding_invoice: root.text_at("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        payment_reference: root
            .children("cac:PaymentMeans")
            .find_map(|p| p.text_at("cbc:PaymentID")),
        seller: party(root.at("cac:AccountingSupplierParty/cac:Party")),
        buyer: party(root.at("cac:AccountingCustomerParty/cac:Party")),
        lines,
        allowances_charges,
        tax_subtotals,
        totals,
    })
}

fn party(p: Option<&Node>) -> InboundParty {
    let Some(p) = p else {
        return InboundParty::default();
    };
    let vat_id = p
        .children("cac:PartyTaxScheme")
        .find(|s| s.text_at("cac:TaxScheme/cbc:ID").as_deref() == Some("VAT"))
        .and_then(|s| s.text_at("cbc:CompanyID"));
    InboundParty {
        name: p
            .text_at("cac:PartyLegalEntity/cbc:RegistrationName")
            .or_else(|| p.text_at("cac:PartyName/cbc:Name")),
        vat_id,
        legal_id: p.text_at("cac:PartyLegalEntity/cbc:CompanyID"),
        id: p.children("cac:PartyIdentification").find_map(|i| i.text_at("cbc:ID")),
        endpoint_id: p.text_at("cbc:EndpointID"),
        country: p.text_at("cac:PostalAddress/cac:Country/cbc:IdentificationCode"),
    }
}

fn tax_category(c: &Node) -> Result<InboundTax, EInvoiceError> {
    Ok(InboundTax {
        category: required_text(c, "cbc:ID")?,
        percent: decimal_at(c, "cbc:Percent")?,
        exemption_reason: c.text_at("cbc:TaxExemptionReason"),
    })
}

struct TaxTotals {
    tax: Option<Money>,
    in_tax_currency: Option<Money>,
    subtotals: Vec<InboundTaxSubtotal>,
}

/// The `TaxTotal` in the document currency (with its breakdown) and the one in the tax
/// currency (BT-111, a total only). A third currency is refused.
fn tax_totals(root: &Node, ccy: Currency, tax_ccy: Option<Currency>) -> Result<TaxTotals, EInvoiceError> {
    let mut tax = None;
    let mut in_tax_currency = None;
    let mut subtotals = Vec::new();
    for total in root.children("cac:TaxTotal") {
        let amount_node = required(total, "cbc:TaxAmount")?;
        let code = amount_node.attr("currencyID");
        let is_doc = code.is_none_or(|c| c == ccy.code());
        if !is_doc {
            match tax_ccy {
                Some(t) if code == Some(t.code()) && in_tax_currency.is_none() => {
                    in_tax_currency = Some(amount(amount_node, t)?);
                    continue;
                }
                _ => {
                    return Err(amount_node.error(format!(
                        "currencyID '{}' is neither the document currency {} nor the tax currency",
                        code.unwrap_or_default(),
                        ccy.code()
                    )));
                }
            }
        }
        if tax.is_some() {
            return Err(total.error("a second TaxTotal in the document currency"));
        }
        tax = Some(amount(amount_node, ccy)?);
        for s in total.children("cac:TaxSubtotal") {
            subtotals.push(InboundTaxSubtotal {
                tax: tax_category(required(s, "cac:TaxCategory")?)?,
                taxable: required_amount(s, "cbc:TaxableAmount", ccy)?,
                amount: required_amount(s, "cbc:TaxAmount", ccy)?,
            });
        }
    }
    Ok(TaxTotals {
        tax,
        in_tax_currency,
        subtotals,
    })
}

fn allowance_charge(ac: &Node, ccy: Currency) -> Result<InboundAllowanceCharge, EInvoiceError> {
    Ok(InboundAllowanceCharge {
        charge: indicator(required(ac, "cbc:ChargeIndicator")?)?,
        amount: required_amount(ac, "cbc:Amount", ccy)?,
        base_amount: amount_at(ac, "cbc:BaseAmount", ccy)?,
        percent: decimal_at(ac, "cbc:MultiplierFactorNumeric")?,
        reason: ac.text_at("cbc:AllowanceChargeReason"),
        reason_code: ac.text_at("cbc:AllowanceChargeReasonCode"),
        tax: ac.child("cac:TaxCategory").map(tax_category).transpose()?,
    })
}

/// A price element: a decimal (prices may have more decimals than the currency) whose
/// `currencyID`, when given, is the document's.
fn price_amount(n: &Node, ccy: Currency) -> Result<super::model::Decimal, EInvoiceError> {
    if let Some(code) = n.attr("currencyID")
        && code != ccy.code()
    {
        return Err(n.error(format!(
            "currencyID '{code}' is not the document currency {}",
            ccy.code()
        )));
    }
    super::values::decimal(n)
}

fn line(l: &Node, names: &Names, ccy: Currency) -> Result<InboundLine, EInvoiceError> {
    let q = required(l, names.quantity)?;
    let price = match l.child("cac:Price") {
        Some(p) => Some(InboundPrice {
            net: price_amount(required(p, "cbc:PriceAmount")?, ccy)?,
            base_quantity: decimal_at(p, "cbc:BaseQuantity")?,
            gross: p
                .at("cac:AllowanceCharge/cbc:BaseAmount")
                .map(|n| price_amount(n, ccy))
                .transpose()?,
        }),
        None => None,
    };
    let mut allowances_charges = Vec::new();
    for ac in l.children("cac:AllowanceCharge") {
        allowances_charges.push(allowance_charge(ac, ccy)?);
    }
    let item = l.child("cac:Item");
    Ok(InboundLine {
        source_line: l.line,
        id: required_text(l, "cbc:ID")?,
        quantity: Quantity {
            value: super::values::decimal(q)?,
            unit_code: q.attr("unitCode").map(str::to_owned),
        },
        net_amount: required_amount(l, "cbc:LineExtensionAmount", ccy)?,
        item_name: item.and_then(|i| i.text_at("cbc:Name")),
        seller_item_id: item.and_then(|i| i.text_at("cac:SellersItemIdentification/cbc:ID")),
        order_line_reference: l.text_at("cac:OrderLineReference/cbc:LineID"),
        price,
        tax: item
            .and_then(|i| i.child("cac:ClassifiedTaxCategory"))
            .map(tax_category)
            .transpose()?,
        allowances_charges,
    })
}
