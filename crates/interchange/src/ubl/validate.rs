//! The rules a document must meet before it is written: EN 16931's business rules (BR-*) and
//! Peppol BIS Billing 3.0's (PEPPOL-EN16931-R*) that the model can break, each refused with the
//! field at fault, so a receiver never gets a document its validator rejects.

use super::UblError;
use super::model::{Address, DocKind, EInvoice, Party, TaxCategory, VatCategory};
use super::totals::{compute, div_round};
use crate::currency::iso4217;
use aftercart_domain::money::Money;

/// Checks the whole document; `Ok` means [`super::write`] will write it.
pub fn validate(doc: &EInvoice) -> Result<(), UblError> {
    text("number", &doc.number)?;
    currency(doc)?;
    optional("buyer_reference", &doc.buyer_reference)?;
    optional("order_reference", &doc.order_reference)?;
    optional("note", &doc.note)?;
    optional("payment_terms", &doc.payment_terms)?;
    if let Some((number, _)) = &doc.billing_reference {
        text("billing_reference", number)?;
    }
    if doc.buyer_reference.is_none() && doc.order_reference.is_none() {
        return Err(UblError::new(
            "buyer_reference",
            "Peppol needs a buyer reference or an order reference (PEPPOL-EN16931-R003)",
        ));
    }
    party("seller", &doc.seller)?;
    party("buyer", &doc.buyer)?;
    if doc.seller.vat_id.is_none() && doc.seller.legal_id.is_none() {
        return Err(UblError::new(
            "seller.legal_id",
            "the seller needs a VAT id or a legal registration id (BR-CO-26)",
        ));
    }
    if let Some(address) = &doc.deliver_to {
        self::address("deliver_to", address)?;
    }
    payment(doc)?;
    if doc.lines.is_empty() {
        return Err(UblError::new("lines", "a document needs at least one line (BR-16)"));
    }
    let mut ids = std::collections::HashSet::with_capacity(doc.lines.len());
    for (i, line) in doc.lines.iter().enumerate() {
        let f = |s: &str| format!("lines[{i}].{s}");
        text(&f("id"), &line.id)?;
        if !ids.insert(line.id.as_str()) {
            return Err(UblError::new(f("id"), format!("'{}' is used by another line", line.id)));
        }
        text(&f("item_name"), &line.item_name)?;
        optional(&f("seller_item_id"), &line.seller_item_id)?;
        optional(&f("order_line_reference"), &line.order_line_reference)?;
        optional(&f("note"), &line.note)?;
        let unit = line.unit_code.as_bytes();
        if !(1..=3).contains(&unit.len()) || !unit.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return Err(UblError::new(
                f("unit_code"),
                format!("'{}' is not a UN/ECE Recommendation 20 unit code", line.unit_code),
            ));
        }
        if line.unit_price.is_negative() {
            return Err(UblError::new(
                f("unit_price"),
                "an item's net price cannot be negative (BR-27)",
            ));
        }
        category(&f("tax"), &line.tax)?;
        rounding(&f("quantity_milli"), line.quantity_milli, line.unit_price)?;
    }
    for (i, charge) in doc.charges.iter().enumerate() {
        text(&format!("charges[{i}].reason"), &charge.reason)?;
        if charge.amount.is_negative() {
            return Err(UblError::new(
                format!("charges[{i}].amount"),
                "a charge cannot be negative",
            ));
        }
        category(&format!("charges[{i}].tax"), &charge.tax)?;
    }
    if doc.prepaid.is_negative() {
        return Err(UblError::new("prepaid", "a paid amount cannot be negative"));
    }
    categories(doc)?;
    let (totals, _) = compute(doc)?;
    for sub in &totals.breakdown {
        if sub.category.category == VatCategory::E && sub.category.exemption_reason.is_none() {
            let mut uses = doc
                .lines
                .iter()
                .map(|l| &l.tax)
                .chain(doc.charges.iter().map(|c| &c.tax));
            let at = uses.position(|t| t.category == VatCategory::E && t.percent_bp == sub.category.percent_bp);
            let field = match at {
                Some(i) if i < doc.lines.len() => format!("lines[{i}].tax"),
                Some(i) => format!("charges[{}].tax", i - doc.lines.len()),
                None => "lines".to_owned(),
            };
            return Err(UblError::new(field, "category E needs an exemption reason (BR-E-10)"));
        }
    }
    if totals.payable.is_positive() && doc.due_date.is_none() && doc.payment_terms.is_none() {
        return Err(UblError::new(
            "due_date",
            "an amount is due, so the document needs a due date or payment terms (BR-CO-25)",
        ));
    }
    Ok(())
}

/// Peppol accepts a line net within 0.02 of quantity × price (PEPPOL-EN16931-R120). Rounding to
/// cents always is; rounding to whole yen may not be, so such a line is refused, not written.
fn rounding(field: &str, quantity_milli: i64, price: Money) -> Result<(), UblError> {
    let exact = i128::from(quantity_milli) * i128::from(price.minor());
    let net = div_round(exact, 1000);
    let slack = 20 * 10i128.pow(price.currency().exponent());
    if (net * 1000 - exact).abs() > slack {
        return Err(UblError::new(
            field,
            format!(
                "quantity × price does not come to whole {} minor units within Peppol's 0.02 \
                 (PEPPOL-EN16931-R120); use a quantity or price that multiplies out",
                price.currency()
            ),
        ));
    }
    Ok(())
}

fn currency(doc: &EInvoice) -> Result<(), UblError> {
    let code = doc.currency.code();
    if iso4217(code).is_none() {
        return Err(UblError::new(
            "currency",
            format!("'{code}' is not an ISO 4217 currency"),
        ));
    }
    if doc.currency.exponent() > 2 {
        return Err(UblError::new(
            "currency",
            format!(
                "{code} has {} decimals but EN 16931 amounts have at most 2 (BR-DEC-*)",
                doc.currency.exponent()
            ),
        ));
    }
    Ok(())
}

/// Text a receiver can read: not blank (an empty element is refused by Peppol,
/// PEPPOL-EN16931-R008) and no control characters (XML 1.0 cannot carry them).
fn text(field: &str, value: &str) -> Result<(), UblError> {
    if value.trim().is_empty() {
        return Err(UblError::new(field, "is blank: give a value or leave it out"));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(UblError::new(field, "contains a control character"));
    }
    Ok(())
}

fn optional(field: &str, value: &Option<String>) -> Result<(), UblError> {
    value.as_deref().map_or(Ok(()), |v| text(field, v))
}

fn party(role: &str, p: &Party) -> Result<(), UblError> {
    let f = |s: &str| format!("{role}.{s}");
    text(&f("name"), &p.name)?;
    let scheme = p.endpoint_scheme.as_bytes();
    let scheme_ok = (scheme.len() == 4 && scheme.iter().all(u8::is_ascii_digit))
        || (scheme.len() == 2 && scheme.iter().all(u8::is_ascii_uppercase));
    if !scheme_ok {
        return Err(UblError::new(
            f("endpoint_scheme"),
            format!(
                "'{}' is not an electronic address scheme (EAS) code such as 0088",
                p.endpoint_scheme
            ),
        ));
    }
    text(&f("endpoint_id"), &p.endpoint_id)?;
    if p.endpoint_id.chars().any(char::is_whitespace) {
        return Err(UblError::new(f("endpoint_id"), "an electronic address has no spaces"));
    }
    if p.endpoint_scheme == "0088" && !gln_ok(&p.endpoint_id) {
        return Err(UblError::new(
            f("endpoint_id"),
            format!(
                "'{}' is not a GLN (13 digits with a valid check digit, PEPPOL-COMMON-R040)",
                p.endpoint_id
            ),
        ));
    }
    if let Some(vat) = &p.vat_id {
        text(&f("vat_id"), vat)?;
        let b = vat.as_bytes();
        if b.len() < 3 || !b[..2].iter().all(u8::is_ascii_uppercase) || vat.chars().any(char::is_whitespace) {
            return Err(UblError::new(
                f("vat_id"),
                format!("'{vat}' does not start with its country prefix, e.g. DE123456789 (BR-CO-09)"),
            ));
        }
    }
    optional(&f("legal_id"), &p.legal_id)?;
    if let Some(email) = &p.contact_email {
        text(&f("contact_email"), email)?;
        if !email.contains('@') || email.chars().any(char::is_whitespace) {
            return Err(UblError::new(
                f("contact_email"),
                format!("'{email}' is not an email address"),
            ));
        }
    }
    address(&f("address"), &p.address)
}

/// GS1 check digit: weights 3 and 1 from the right, excluding the check digit.
fn gln_ok(id: &str) -> bool {
    let d: Vec<u32> = id.chars().filter_map(|c| c.to_digit(10)).collect();
    if id.len() != 13 || d.len() != 13 {
        return false;
    }
    let sum: u32 = d[..12]
        .iter()
        .rev()
        .enumerate()
        .map(|(i, v)| if i % 2 == 0 { v * 3 } else { *v })
        .sum();
    (10 - sum % 10) % 10 == d[12]
}

fn address(field: &str, a: &Address) -> Result<(), UblError> {
    if a.lines.len() > 3 {
        return Err(UblError::new(
            format!("{field}.lines"),
            "an address has at most three street lines",
        ));
    }
    for (i, line) in a.lines.iter().enumerate() {
        text(&format!("{field}.lines[{i}]"), line)?;
    }
    text(&format!("{field}.city"), &a.city)?;
    optional(&format!("{field}.postal_code"), &a.postal_code)?;
    optional(&format!("{field}.subdivision"), &a.subdivision)?;
    let c = a.country.as_bytes();
    if c.len() != 2 || !c.iter().all(u8::is_ascii_uppercase) {
        return Err(UblError::new(
            format!("{field}.country"),
            format!("'{}' is not an ISO 3166-1 alpha-2 country code", a.country),
        ));
    }
    Ok(())
}

fn payment(doc: &EInvoice) -> Result<(), UblError> {
    if doc.kind == DocKind::CreditNote && doc.due_date.is_some() && doc.payment_means.is_none() {
        return Err(UblError::new(
            "due_date",
            "a credit note carries its due date in its payment means, so it needs payment_means",
        ));
    }
    let Some(pm) = &doc.payment_means else {
        return Ok(());
    };
    let code = pm.code.as_bytes();
    if !(1..=3).contains(&code.len()) || !code.iter().all(u8::is_ascii_alphanumeric) {
        return Err(UblError::new(
            "payment_means.code",
            format!("'{}' is not a UNCL4461 payment means code", pm.code),
        ));
    }
    optional("payment_means.remittance_reference", &pm.remittance_reference)?;
    optional("payment_means.iban", &pm.iban)?;
    optional("payment_means.bic", &pm.bic)?;
    optional("payment_means.account_name", &pm.account_name)?;
    optional("payment_means.mandate_reference", &pm.mandate_reference)?;
    if matches!(pm.code.as_str(), "30" | "58") && pm.iban.is_none() {
        return Err(UblError::new(
            "payment_means.iban",
            "a credit transfer needs the account to pay to (BR-50, BR-61)",
        ));
    }
    if matches!(pm.code.as_str(), "49" | "59") && pm.mandate_reference.is_none() {
        return Err(UblError::new(
            "payment_means.mandate_reference",
            "a direct debit needs its mandate reference (PEPPOL-EN16931-R061)",
        ));
    }
    if (pm.account_name.is_some() || pm.bic.is_some()) && pm.iban.is_none() {
        return Err(UblError::new(
            "payment_means.iban",
            "an account name or BIC needs the account it belongs to",
        ));
    }
    Ok(())
}

/// The rate and exemption reason one category allows, wherever it is used. (That an exempt
/// breakdown has its reason is checked over the breakdown, since any of its uses may give it.)
fn category(field: &str, t: &TaxCategory) -> Result<(), UblError> {
    use VatCategory::*;
    let code = t.category.code();
    let rule = |n: &str| match t.category {
        K => format!("BR-IC-{n}"),
        L => format!("BR-AF-{n}"),
        M => format!("BR-AG-{n}"),
        _ => format!("BR-{code}-{n}"),
    };
    if t.percent_bp > 10_000 {
        return Err(UblError::new(field, "a VAT rate above 100 % is not a rate"));
    }
    match t.category {
        S if t.percent_bp == 0 => {
            return Err(UblError::new(
                field,
                format!("category S needs a rate above zero ({})", rule("05")),
            ));
        }
        Z | E | AE | K | G | O if t.percent_bp != 0 => {
            return Err(UblError::new(
                field,
                format!("category {code} has a rate of zero ({})", rule("05")),
            ));
        }
        _ => {}
    }
    match (&t.exemption_reason, t.category) {
        (Some(_), S | Z | L | M) => Err(UblError::new(
            field,
            format!("category {code} cannot have an exemption reason ({})", rule("10")),
        )),
        (Some(reason), _) => text(&format!("{field}.exemption_reason"), reason),
        (None, _) => Ok(()),
    }
}

/// Rules over the categories a document uses together with its parties.
fn categories(doc: &EInvoice) -> Result<(), UblError> {
    use VatCategory::*;
    let uses = doc
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| (format!("lines[{i}].tax"), l.tax.category))
        .chain(
            doc.charges
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("charges[{i}].tax"), c.tax.category)),
        );
    let mut first_o: Option<String> = None;
    let mut first_other: Option<(String, VatCategory)> = None;
    for (field, cat) in uses {
        let code = cat.code();
        if cat == O {
            first_o.get_or_insert(field.clone());
            if doc.seller.vat_id.is_some() || doc.buyer.vat_id.is_some() {
                let who = if doc.seller.vat_id.is_some() { "seller" } else { "buyer" };
                return Err(UblError::new(
                    format!("{who}.vat_id"),
                    format!("{field} is not subject to VAT (O), so no VAT id may be given (BR-O-02)"),
                ));
            }
            continue;
        }
        first_other.get_or_insert((field.clone(), cat));
        if doc.seller.vat_id.is_none() {
            return Err(UblError::new(
                "seller.vat_id",
                format!("{field} is in category {code}, which needs the seller's VAT id"),
            ));
        }
        match cat {
            AE if doc.buyer.vat_id.is_none() && doc.buyer.legal_id.is_none() => {
                return Err(UblError::new(
                    "buyer.vat_id",
                    format!("{field} is reverse charged (AE), which needs the buyer's VAT id or legal id (BR-AE-02)"),
                ));
            }
            K if doc.buyer.vat_id.is_none() => {
                return Err(UblError::new(
                    "buyer.vat_id",
                    format!("{field} is an intra-community supply (K), which needs the buyer's VAT id (BR-IC-02)"),
                ));
            }
            K if doc.delivery_date.is_none() => {
                return Err(UblError::new(
                    "delivery_date",
                    format!("{field} is an intra-community supply (K), which needs the delivery date (BR-IC-11)"),
                ));
            }
            K if doc.deliver_to.is_none() => {
                return Err(UblError::new(
                    "deliver_to",
                    format!("{field} is an intra-community supply (K), which needs the deliver-to country (BR-IC-12)"),
                ));
            }
            _ => {}
        }
    }
    if let (Some(o), Some((other, cat))) = (first_o, first_other) {
        return Err(UblError::new(
            other,
            format!(
                "is in category {} but {o} is not subject to VAT (O), which allows no other category (BR-O-11)",
                cat.code()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gln_check_digit() {
        assert!(gln_ok("4000001000005"));
        assert!(!gln_ok("4000001000006"));
        assert!(!gln_ok("400000100000"));
        assert!(!gln_ok("400000100000a"));
    }
}
