//! EN 16931 arithmetic in integer minor units: line nets, the VAT breakdown and the document
//! totals, computed once and written as computed, so the document always adds up.

use super::UblError;
use super::model::{EInvoice, TaxCategory, TaxSubtotal, Totals};
use aftercart_domain::money::{Currency, Money};

/// The document's totals and VAT breakdown:
/// - a line's net is quantity × unit price, rounded to the currency's minor unit half away from
///   zero (the quantity is in thousandths);
/// - per (category, rate), the taxable amount is Σ line nets + Σ charges in it, and its VAT is
///   taxable × rate / 100, rounded half away from zero;
/// - tax exclusive = Σ line nets + Σ charges, tax inclusive = that + Σ VAT, payable = tax
///   inclusive − prepaid.
///
/// A breakdown's exemption reason is the one its lines and charges give (they may leave it to
/// one of them, but may not disagree). Checks only what the sums need (one currency throughout,
/// amounts within range, one exemption reason per breakdown); [`super::validate`] checks the
/// rest.
pub fn totals(doc: &EInvoice) -> Result<Totals, UblError> {
    compute(doc).map(|(t, _)| t)
}

/// The totals and every line's net amount, in line order.
pub(crate) fn compute(doc: &EInvoice) -> Result<(Totals, Vec<Money>), UblError> {
    let currency = doc.currency;
    let same = |m: Money, field: String| -> Result<i128, UblError> {
        if m.currency() == currency {
            Ok(i128::from(m.minor()))
        } else {
            Err(UblError::new(
                field,
                format!("is in {} but the document is in {currency}", m.currency()),
            ))
        }
    };
    let mut groups: Vec<(TaxCategory, String, i128)> = Vec::new();
    let mut add = |tax: &TaxCategory, field: String, amount: i128| -> Result<(), UblError> {
        match groups
            .iter_mut()
            .find(|(t, _, _)| t.category == tax.category && t.percent_bp == tax.percent_bp)
        {
            Some((t, first, sum)) => {
                // One breakdown per category and rate: its reason is the one its uses give.
                match (&t.exemption_reason, &tax.exemption_reason) {
                    (Some(a), Some(b)) if a != b => {
                        return Err(UblError::new(
                            field,
                            format!(
                                "has another exemption reason than {first}, but both fall in one {} {} VAT breakdown",
                                tax.category.code(),
                                percent_text(tax.percent_bp)
                            ),
                        ));
                    }
                    (None, Some(b)) => t.exemption_reason = Some(b.clone()),
                    _ => {}
                }
                *sum += amount;
            }
            None => groups.push((tax.clone(), field, amount)),
        }
        Ok(())
    };
    let mut nets = Vec::with_capacity(doc.lines.len());
    let mut line_sum: i128 = 0;
    for (i, line) in doc.lines.iter().enumerate() {
        let price = same(line.unit_price, format!("lines[{i}].unit_price"))?;
        let net = div_round(i128::from(line.quantity_milli) * price, 1000);
        nets.push(money(net, currency, &format!("lines[{i}]"))?);
        line_sum += net;
        add(&line.tax, format!("lines[{i}].tax"), net)?;
    }
    let mut charge_sum: i128 = 0;
    for (i, charge) in doc.charges.iter().enumerate() {
        let amount = same(charge.amount, format!("charges[{i}].amount"))?;
        charge_sum += amount;
        add(&charge.tax, format!("charges[{i}].tax"), amount)?;
    }
    let prepaid = same(doc.prepaid, "prepaid".to_owned())?;
    let mut breakdown = Vec::with_capacity(groups.len());
    let mut tax_sum: i128 = 0;
    for (category, field, taxable) in groups {
        let tax = div_round(taxable * i128::from(category.percent_bp), 10_000);
        tax_sum += tax;
        breakdown.push(TaxSubtotal {
            taxable: money(taxable, currency, &field)?,
            tax: money(tax, currency, &field)?,
            category,
        });
    }
    let exclusive = line_sum + charge_sum;
    let inclusive = exclusive + tax_sum;
    let m = |v: i128| money(v, currency, "totals");
    let totals = Totals {
        line_extension: m(line_sum)?,
        charges: m(charge_sum)?,
        tax_exclusive: m(exclusive)?,
        tax: m(tax_sum)?,
        tax_inclusive: m(inclusive)?,
        prepaid: m(prepaid)?,
        payable: m(inclusive - prepaid)?,
        breakdown,
    };
    Ok((totals, nets))
}

/// `n / d` rounded half away from zero (`d` > 0).
pub(crate) fn div_round(n: i128, d: i128) -> i128 {
    let (q, r) = (n / d, n % d);
    if 2 * r.abs() >= d { q + n.signum() } else { q }
}

fn money(v: i128, currency: Currency, field: &str) -> Result<Money, UblError> {
    i64::try_from(v)
        .map(|minor| Money::from_minor(minor, currency))
        .map_err(|_| UblError::new(field, "the amount is too large"))
}

/// A rate in basis points as EN 16931 writes it: `2000` is `20.00`.
pub(crate) fn percent_text(bp: u32) -> String {
    format!("{}.{:02}", bp / 100, bp % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(div_round(15, 10), 2);
        assert_eq!(div_round(14, 10), 1);
        assert_eq!(div_round(-15, 10), -2);
        assert_eq!(div_round(-14, 10), -1);
        assert_eq!(div_round(0, 10), 0);
        assert_eq!(percent_text(2000), "20.00");
        assert_eq!(percent_text(550), "5.50");
        assert_eq!(percent_text(0), "0.00");
    }
}
