//! UN/CEFACT CII D16B `CrossIndustryInvoice` as EN 16931 uses it: the document header in
//! `ExchangedDocument`, the parties and order in `ApplicableHeaderTradeAgreement`, currency,
//! VAT breakdown, allowances and totals in `ApplicableHeaderTradeSettlement`, and each line's
//! agreement (price), delivery (quantity) and settlement (tax, amount) in its own parts.
//! Amounts carry no `currencyID` except the VAT total, which may be given twice (document and
//! tax currency).

use super::EInvoiceError;
use super::model::{
    Decimal, InboundAllowanceCharge, InboundInvoice, InboundKind, InboundLine, InboundParty, InboundPrice, InboundTax,
    InboundTaxSubtotal, InboundTotals, Quantity, Syntax,
};
use super::values::{amount, amount_at, cii_date, currency, decimal, decimal_at, indicator, required_amount};
use super::xml::Node;
use aftercart_domain::money::{Currency, Money};

/// UNTDID 1001 codes EN 16931 counts as credit notes.
const CREDIT_CODES: &[&str] = &[
    "81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532",
];

fn required<'a>(parent: &'a Node, path: &str) -> Result<&'a Node, EInvoiceError> {
    parent.at(path).ok_or_else(|| parent.missing(path))
}

fn required_text(parent: &Node, path: &str) -> Result<String, EInvoiceError> {
    parent.text_at(path).ok_or_else(|| parent.missing(path))
}

pub(super) fn read(root: &Node) -> Result<InboundInvoice, EInvoiceError> {
    let doc = required(root, "rsm:ExchangedDocument")?;
    let tx = required(root, "rsm:SupplyChainTradeTransaction")?;
    let agreement = required(tx, "ram:ApplicableHeaderTradeAgreement")?;
    let settlement = required(tx, "ram:ApplicableHeaderTradeSettlement")?;
    let ccy = currency(required(settlement, "ram:InvoiceCurrencyCode")?)?;
    let tax_currency = settlement.child("ram:TaxCurrencyCode").map(currency).transpose()?;
    let type_code = required_text(doc, "ram:TypeCode")?;
    let kind = if CREDIT_CODES.contains(&type_code.as_str()) {
        InboundKind::CreditNote
    } else {
        InboundKind::Invoice
    };
    let mut lines = Vec::new();
    for l in tx.children("ram:IncludedSupplyChainTradeLineItem") {
        lines.push(line(l, ccy)?);
    }
    if lines.is_empty() {
        return Err(tx.missing("ram:IncludedSupplyChainTradeLineItem"));
    }
    let mut allowances_charges = Vec::new();
    for ac in settlement.children("ram:SpecifiedTradeAllowanceCharge") {
        allowances_charges.push(allowance_charge(ac, ccy, "ram:CategoryTradeTax")?);
    }
    let mut tax_subtotals = Vec::new();
    for t in settlement.children("ram:ApplicableTradeTax") {
        tax_subtotals.push(InboundTaxSubtotal {
            tax: tax(t)?,
            taxable: required_amount(t, "ram:BasisAmount", ccy)?,
            amount: required_amount(t, "ram:CalculatedAmount", ccy)?,
        });
    }
    let due_date = match settlement
        .children("ram:SpecifiedTradePaymentTerms")
        .find_map(|p| p.child("ram:DueDateDateTime"))
    {
        Some(n) => Some(cii_date(n)?),
        None => None,
    };
    let sums = required(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")?;
    let (tax_total, tax_in_tax_currency) = tax_totals(sums, ccy, tax_currency)?;
    let totals = InboundTotals {
        line_extension: required_amount(sums, "ram:LineTotalAmount", ccy)?,
        allowances: amount_at(sums, "ram:AllowanceTotalAmount", ccy)?,
        charges: amount_at(sums, "ram:ChargeTotalAmount", ccy)?,
        tax_exclusive: required_amount(sums, "ram:TaxBasisTotalAmount", ccy)?,
        tax: tax_total,
        tax_in_tax_currency,
        tax_inclusive: required_amount(sums, "ram:GrandTotalAmount", ccy)?,
        prepaid: amount_at(sums, "ram:TotalPrepaidAmount", ccy)?,
        rounding: amount_at(sums, "ram:RoundingAmount", ccy)?,
        payable: required_amount(sums, "ram:DuePayableAmount", ccy)?,
    };
    Ok(InboundInvoice {
        syntax: Syntax::Cii,
        kind,
        number: required_text(doc, "ram:ID")?,
        issue_date: cii_date(required(doc, "ram:IssueDateTime")?)?,
        due_date,
        type_code,
        currency: ccy,
        tax_currency,
        buyer_reference: agreement.text_at("ram:BuyerReference"),
        order_reference: agreement.text_at("ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
        preceding_invoice: settlement.text_at("ram:InvoiceReferencedDocument/ram:IssuerAssignedID"),
        payment_reference: settlement.text_at("ram:PaymentReference"),
        seller: party(agreement.child("ram:SellerTradeParty")),
        buyer: party(agreement.child("ram:BuyerTradeParty")),
        lines,
        allowances_charges,
        tax_subtotals,
        totals,
    })
}

/// `TaxTotalAmount` may appear once per currency: the document's (or without `currencyID`) is
/// BT-110, the tax currency's BT-111.
fn tax_totals(
    sums: &Node,
    ccy: Currency,
    tax_ccy: Option<Currency>,
) -> Result<(Option<Money>, Option<Money>), EInvoiceError> {
    let (mut doc, mut other) = (None, None);
    for n in sums.children("ram:TaxTotalAmount") {
        let code = n.attr("currencyID");
        let slot = if code.is_none_or(|c| c == ccy.code()) {
            (&mut doc, ccy)
        } else {
            match tax_ccy {
                Some(t) if code == Some(t.code()) => (&mut other, t),
                _ => {
                    return Err(n.error(format!(
                        "currencyID '{}' is neither the document currency {} nor the tax currency",
                        code.unwrap_or_default(),
                        ccy.code()
                    )));
                }
            }
        };
        if slot.0.is_some() {
            return Err(n.error("given twice in one currency"));
        }
        *slot.0 = Some(amount(n, slot.1)?);
    }
    Ok((doc, other))
}

fn party(p: Option<&Node>) -> InboundParty {
    let Some(p) = p else {
        return InboundParty::default();
    };
    InboundParty {
        name: p.text_at("ram:Name"),
        // schemeID VA is the VAT number; FC, the fiscal number, is not.
        vat_id: p
            .children("ram:SpecifiedTaxRegistration")
            .filter_map(|r| r.child("ram:ID"))
            .find(|id| id.attr("schemeID") == Some("VA"))
            .and_then(|id| id.value().map(str::to_owned)),
        legal_id: p.text_at("ram:SpecifiedLegalOrganization/ram:ID"),
        id: p.text_at("ram:ID").or_else(|| p.text_at("ram:GlobalID")),
        endpoint_id: p.text_at("ram:URIUniversalCommunication/ram:URIID"),
        country: p.text_at("ram:PostalTradeAddress/ram:CountryID"),
    }
}

fn tax(t: &Node) -> Result<InboundTax, EInvoiceError> {
    Ok(InboundTax {
        category: required_text(t, "ram:CategoryCode")?,
        percent: decimal_at(t, "ram:RateApplicablePercent")?,
        exemption_reason: t.text_at("ram:ExemptionReason"),
    })
}

fn allowance_charge(ac: &Node, ccy: Currency, tax_path: &str) -> Result<InboundAllowanceCharge, EInvoiceError> {
    Ok(InboundAllowanceCharge {
        charge: indicator(required(ac, "ram:ChargeIndicator/udt:Indicator")?)?,
        amount: required_amount(ac, "ram:ActualAmount", ccy)?,
        base_amount: amount_at(ac, "ram:BasisAmount", ccy)?,
        percent: decimal_at(ac, "ram:CalculationPercent")?,
        reason: ac.text_at("ram:Reason"),
        reason_code: ac.text_at("ram:ReasonCode"),
        tax: ac.child(tax_path).map(tax).transpose()?,
    })
}

fn price(agreement: &Node) -> Result<Option<InboundPrice>, EInvoiceError> {
    let Some(net) = agreement.child("ram:NetPriceProductTradePrice") else {
        return Ok(None);
    };
    let gross: Option<Decimal> = decimal_at(agreement, "ram:GrossPriceProductTradePrice/ram:ChargeAmount")?;
    Ok(Some(InboundPrice {
        net: decimal(required(net, "ram:ChargeAmount")?)?,
        base_quantity: decimal_at(net, "ram:BasisQuantity")?,
        gross,
    }))
}

fn line(l: &Node, ccy: Currency) -> Result<InboundLine, EInvoiceError> {
    let agreement = l.child("ram:SpecifiedLineTradeAgreement");
    let q = required(l, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")?;
    let settlement = required(l, "ram:SpecifiedLineTradeSettlement")?;
    let mut allowances_charges = Vec::new();
    for ac in settlement.children("ram:SpecifiedTradeAllowanceCharge") {
        allowances_charges.push(allowance_charge(ac, ccy, "ram:CategoryTradeTax")?);
    }
    let product = l.child("ram:SpecifiedTradeProduct");
    Ok(InboundLine {
        source_line: l.line,
        id: required_text(l, "ram:AssociatedDocumentLineDocument/ram:LineID")?,
        quantity: Quantity {
            value: decimal(q)?,
            unit_code: q.attr("unitCode").map(str::to_owned),
        },
        net_amount: required_amount(
            settlement,
            "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
            ccy,
        )?,
        item_name: product.and_then(|p| p.text_at("ram:Name")),
        seller_item_id: product.and_then(|p| p.text_at("ram:SellerAssignedID")),
        order_line_reference: agreement.and_then(|a| a.text_at("ram:BuyerOrderReferencedDocument/ram:LineID")),
        price: agreement.map(price).transpose()?.flatten(),
        tax: settlement.child("ram:ApplicableTradeTax").map(tax).transpose()?,
        allowances_charges,
    })
}
