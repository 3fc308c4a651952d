//! The UBL 2.1 text of a validated document. Elements are written in the order the UBL 2.1
//! schemas' `xsd:sequence`s demand (Invoice and CreditNote differ in a few places, noted where
//! they do); only what EN 16931 maps is written.

use super::UblError;
use super::model::{Address, DocKind, EInvoice, Party, TaxCategory, VatCategory};
use super::peppol::{CUSTOMIZATION_ID, PROFILE_ID};
use super::totals::{compute, percent_text};
use super::validate::validate;
use aftercart_domain::money::Money;
use quick_xml::escape::escape;
use time::Date;

const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// Validates the document ([`super::validate`]) and writes it as UBL 2.1 (Peppol BIS Billing
/// 3.0): an `Invoice` (type 380) or a `CreditNote` (type 381), UTF-8, indented.
pub fn write(doc: &EInvoice) -> Result<String, UblError> {
    validate(doc)?;
    let (totals, nets) = compute(doc)?;
    let (root, namespace, type_code) = match doc.kind {
        DocKind::Invoice => (
            "Invoice",
            "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
            "380",
        ),
        DocKind::CreditNote => (
            "CreditNote",
            "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
            "381",
        ),
    };
    let invoice = doc.kind == DocKind::Invoice;
    let mut x = Xml::with_capacity(4096 + doc.lines.len() * 1024);
    x.out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.open_with(root, &[("xmlns", namespace), ("xmlns:cac", CAC), ("xmlns:cbc", CBC)]);
    x.leaf("cbc:CustomizationID", CUSTOMIZATION_ID);
    x.leaf("cbc:ProfileID", PROFILE_ID);
    x.leaf("cbc:ID", &doc.number);
    x.leaf("cbc:IssueDate", &date(doc.issue_date));
    if invoice {
        if let Some(due) = doc.due_date {
            x.leaf("cbc:DueDate", &date(due));
        }
        x.leaf("cbc:InvoiceTypeCode", type_code);
    } else {
        x.leaf("cbc:CreditNoteTypeCode", type_code);
    }
    x.opt("cbc:Note", &doc.note);
    x.leaf("cbc:DocumentCurrencyCode", doc.currency.code());
    x.opt("cbc:BuyerReference", &doc.buyer_reference);
    if let Some(order) = &doc.order_reference {
        x.open("cac:OrderReference");
        x.leaf("cbc:ID", order);
        x.close("cac:OrderReference");
    }
    if let Some((number, issued)) = &doc.billing_reference {
        x.open("cac:BillingReference");
        x.open("cac:InvoiceDocumentReference");
        x.leaf("cbc:ID", number);
        if let Some(d) = issued {
            x.leaf("cbc:IssueDate", &date(*d));
        }
        x.close("cac:InvoiceDocumentReference");
        x.close("cac:BillingReference");
    }
    x.open("cac:AccountingSupplierParty");
    party(&mut x, &doc.seller);
    x.close("cac:AccountingSupplierParty");
    x.open("cac:AccountingCustomerParty");
    party(&mut x, &doc.buyer);
    x.close("cac:AccountingCustomerParty");
    if doc.delivery_date.is_some() || doc.deliver_to.is_some() {
        x.open("cac:Delivery");
        if let Some(d) = doc.delivery_date {
            x.leaf("cbc:ActualDeliveryDate", &date(d));
        }
        if let Some(a) = &doc.deliver_to {
            x.open("cac:DeliveryLocation");
            address(&mut x, "cac:Address", a);
            x.close("cac:DeliveryLocation");
        }
        x.close("cac:Delivery");
    }
    if let Some(pm) = &doc.payment_means {
        x.open("cac:PaymentMeans");
        x.leaf("cbc:PaymentMeansCode", &pm.code);
        // A credit note has no DueDate of its own: BT-9 lives here.
        if !invoice && let Some(due) = doc.due_date {
            x.leaf("cbc:PaymentDueDate", &date(due));
        }
        x.opt("cbc:PaymentID", &pm.remittance_reference);
        if let Some(iban) = &pm.iban {
            x.open("cac:PayeeFinancialAccount");
            x.leaf("cbc:ID", iban);
            x.opt("cbc:Name", &pm.account_name);
            if let Some(bic) = &pm.bic {
                x.open("cac:FinancialInstitutionBranch");
                x.leaf("cbc:ID", bic);
                x.close("cac:FinancialInstitutionBranch");
            }
            x.close("cac:PayeeFinancialAccount");
        }
        if let Some(mandate) = &pm.mandate_reference {
            x.open("cac:PaymentMandate");
            x.leaf("cbc:ID", mandate);
            x.close("cac:PaymentMandate");
        }
        x.close("cac:PaymentMeans");
    }
    if let Some(terms) = &doc.payment_terms {
        x.open("cac:PaymentTerms");
        x.leaf("cbc:Note", terms);
        x.close("cac:PaymentTerms");
    }
    for charge in &doc.charges {
        x.open("cac:AllowanceCharge");
        x.leaf("cbc:ChargeIndicator", "true");
        x.leaf("cbc:AllowanceChargeReason", &charge.reason);
        x.amount("cbc:Amount", charge.amount);
        tax_category(&mut x, "cac:TaxCategory", &charge.tax, false);
        x.close("cac:AllowanceCharge");
    }
    x.open("cac:TaxTotal");
    x.amount("cbc:TaxAmount", totals.tax);
    for sub in &totals.breakdown {
        x.open("cac:TaxSubtotal");
        x.amount("cbc:TaxableAmount", sub.taxable);
        x.amount("cbc:TaxAmount", sub.tax);
        tax_category(&mut x, "cac:TaxCategory", &sub.category, true);
        x.close("cac:TaxSubtotal");
    }
    x.close("cac:TaxTotal");
    x.open("cac:LegalMonetaryTotal");
    x.amount("cbc:LineExtensionAmount", totals.line_extension);
    x.amount("cbc:TaxExclusiveAmount", totals.tax_exclusive);
    x.amount("cbc:TaxInclusiveAmount", totals.tax_inclusive);
    if !doc.charges.is_empty() {
        x.amount("cbc:ChargeTotalAmount", totals.charges);
    }
    if !totals.prepaid.is_zero() {
        x.amount("cbc:PrepaidAmount", totals.prepaid);
    }
    x.amount("cbc:PayableAmount", totals.payable);
    x.close("cac:LegalMonetaryTotal");
    let (line_tag, quantity_tag) = if invoice {
        ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    } else {
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
    };
    for (line, net) in doc.lines.iter().zip(nets) {
        x.open(line_tag);
        x.leaf("cbc:ID", &line.id);
        x.opt("cbc:Note", &line.note);
        x.leaf_with(
            quantity_tag,
            &[("unitCode", &line.unit_code)],
            &quantity(line.quantity_milli),
        );
        x.amount("cbc:LineExtensionAmount", net);
        if let Some(order_line) = &line.order_line_reference {
            x.open("cac:OrderLineReference");
            x.leaf("cbc:LineID", order_line);
            x.close("cac:OrderLineReference");
        }
        x.open("cac:Item");
        x.leaf("cbc:Name", &line.item_name);
        if let Some(id) = &line.seller_item_id {
            x.open("cac:SellersItemIdentification");
            x.leaf("cbc:ID", id);
            x.close("cac:SellersItemIdentification");
        }
        tax_category(&mut x, "cac:ClassifiedTaxCategory", &line.tax, false);
        x.close("cac:Item");
        x.open("cac:Price");
        x.amount("cbc:PriceAmount", line.unit_price);
        x.close("cac:Price");
        x.close(line_tag);
    }
    x.close(root);
    Ok(x.out)
}

fn party(x: &mut Xml, p: &Party) {
    x.open("cac:Party");
    x.leaf_with("cbc:EndpointID", &[("schemeID", &p.endpoint_scheme)], &p.endpoint_id);
    address(x, "cac:PostalAddress", &p.address);
    if let Some(vat) = &p.vat_id {
        x.open("cac:PartyTaxScheme");
        x.leaf("cbc:CompanyID", vat);
        x.open("cac:TaxScheme");
        x.leaf("cbc:ID", "VAT");
        x.close("cac:TaxScheme");
        x.close("cac:PartyTaxScheme");
    }
    x.open("cac:PartyLegalEntity");
    x.leaf("cbc:RegistrationName", &p.name);
    x.opt("cbc:CompanyID", &p.legal_id);
    x.close("cac:PartyLegalEntity");
    if let Some(email) = &p.contact_email {
        x.open("cac:Contact");
        x.leaf("cbc:ElectronicMail", email);
        x.close("cac:Contact");
    }
    x.close("cac:Party");
}

fn address(x: &mut Xml, tag: &str, a: &Address) {
    x.open(tag);
    let mut lines = a.lines.iter();
    if let Some(l) = lines.next() {
        x.leaf("cbc:StreetName", l);
    }
    if let Some(l) = lines.next() {
        x.leaf("cbc:AdditionalStreetName", l);
    }
    x.leaf("cbc:CityName", &a.city);
    x.opt("cbc:PostalZone", &a.postal_code);
    x.opt("cbc:CountrySubentity", &a.subdivision);
    if let Some(l) = lines.next() {
        x.open("cac:AddressLine");
        x.leaf("cbc:Line", l);
        x.close("cac:AddressLine");
    }
    x.open("cac:Country");
    x.leaf("cbc:IdentificationCode", &a.country);
    x.close("cac:Country");
    x.close(tag);
}

/// A tax category; only the breakdown carries exemption reasons. Category O has no rate at all
/// (BR-O-05..07, BR-48).
fn tax_category(x: &mut Xml, tag: &str, t: &TaxCategory, with_reason: bool) {
    x.open(tag);
    x.leaf("cbc:ID", t.category.code());
    if t.category != VatCategory::O {
        x.leaf("cbc:Percent", &percent_text(t.percent_bp));
    }
    if with_reason {
        if let Some(code) = vatex(t.category) {
            x.leaf("cbc:TaxExemptionReasonCode", code);
        }
        x.opt("cbc:TaxExemptionReason", &t.exemption_reason);
    }
    x.open("cac:TaxScheme");
    x.leaf("cbc:ID", "VAT");
    x.close("cac:TaxScheme");
    x.close(tag);
}

/// The VATEX code for categories with a single meaning; E has many, so it takes the text.
fn vatex(category: VatCategory) -> Option<&'static str> {
    match category {
        VatCategory::AE => Some("VATEX-EU-AE"),
        VatCategory::K => Some("VATEX-EU-IC"),
        VatCategory::G => Some("VATEX-EU-G"),
        VatCategory::O => Some("VATEX-EU-O"),
        _ => None,
    }
}

fn date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Thousandths as a decimal without trailing zeros: 2000 → `2`, 2500 → `2.5`, -125 → `-0.125`.
fn quantity(milli: i64) -> String {
    let sign = if milli < 0 { "-" } else { "" };
    let abs = milli.unsigned_abs();
    let (whole, frac) = (abs / 1000, abs % 1000);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let frac = format!("{frac:03}");
    format!("{sign}{whole}.{}", frac.trim_end_matches('0'))
}

/// Indented XML written straight into a string; every text and attribute value is escaped.
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn with_capacity(n: usize) -> Xml {
        Xml {
            out: String::with_capacity(n),
            depth: 0,
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn start_tag(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            self.out.push_str(&escape(*v));
            self.out.push('"');
        }
        self.out.push('>');
    }

    fn open(&mut self, tag: &str) {
        self.open_with(tag, &[]);
    }

    fn open_with(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.start_tag(tag, attrs);
        self.out.push('\n');
        self.depth += 1;
    }

    fn close(&mut self, tag: &str) {
        self.depth -= 1;
        self.indent();
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }

    fn leaf(&mut self, tag: &str, text: &str) {
        self.leaf_with(tag, &[], text);
    }

    fn leaf_with(&mut self, tag: &str, attrs: &[(&str, &str)], text: &str) {
        self.start_tag(tag, attrs);
        self.out.push_str(&escape(text));
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }

    fn opt(&mut self, tag: &str, text: &Option<String>) {
        if let Some(t) = text {
            self.leaf(tag, t);
        }
    }

    /// An amount with exactly the currency's decimals.
    fn amount(&mut self, tag: &str, m: Money) {
        self.leaf_with(tag, &[("currencyID", m.currency().code())], &m.amount_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_in_thousandths() {
        assert_eq!(quantity(2000), "2");
        assert_eq!(quantity(2500), "2.5");
        assert_eq!(quantity(1), "0.001");
        assert_eq!(quantity(-125), "-0.125");
        assert_eq!(quantity(0), "0");
    }
}
