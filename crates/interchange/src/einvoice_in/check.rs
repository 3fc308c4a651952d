//! Whether an inbound invoice adds up, as EN 16931's calculation rules state it. Sums must be
//! exact (BR-CO-10 to BR-CO-16, the taxable amount per VAT category and rate); a product
//! (quantity × price, taxable × rate) is allowed one minor unit either way, since the rules
//! leave the rounding of each step to the seller. Findings are data for a person to act on,
//! never a refusal: see the module doc of [`einvoice_in`](super).

use super::model::{Decimal, InboundAllowanceCharge, InboundInvoice, InboundTax};
use aftercart_domain::money::{Currency, Money};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One amount that does not agree with the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The EN 16931 rule (`BR-CO-10`, `BR-S-08`) or business term (`BT-131`) it breaks.
    pub rule: String,
    /// What is wrong: `line 2 net amount`, `VAT breakdown S 25`, `payable amount`.
    pub field: String,
    /// What the document states (zero when it states nothing).
    pub stated: Money,
    /// What the other amounts make it.
    pub expected: Money,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: stated {}, expected {}",
            self.rule,
            self.field,
            self.stated.amount_string(),
            self.expected.amount_string()
        )
    }
}

struct Findings {
    ccy: Currency,
    out: Vec<Finding>,
}

impl Findings {
    fn exact(&mut self, rule: &str, field: impl Into<String>, stated: i64, expected: i64) {
        self.near(rule, field, stated, expected, 0);
    }

    fn near(&mut self, rule: &str, field: impl Into<String>, stated: i64, expected: i64, tolerance: i64) {
        if stated.abs_diff(expected) > tolerance.unsigned_abs() {
            self.out.push(Finding {
                rule: rule.to_owned(),
                field: field.into(),
                stated: Money::from_minor(stated, self.ccy),
                expected: Money::from_minor(expected, self.ccy),
            });
        }
    }
}

/// Σ of minor units; `None` on overflow (an absurd document: nothing is reported for it).
fn total(items: impl IntoIterator<Item = i64>) -> Option<i64> {
    items.into_iter().try_fold(0i64, |acc, m| acc.checked_add(m))
}

fn signed(ac: &InboundAllowanceCharge) -> i64 {
    if ac.charge {
        ac.amount.minor()
    } else {
        -ac.amount.minor()
    }
}

/// `n / d` rounded half away from zero.
fn div_round(n: i128, d: i128) -> Option<i128> {
    if d == 0 {
        return None;
    }
    let (q, r) = (n / d, n % d);
    let away = r.checked_abs()?.checked_mul(2)? >= d.checked_abs()?;
    Some(if away { q + n.signum() * d.signum() } else { q })
}

fn pow10(e: u32) -> Option<i128> {
    10i128.checked_pow(e)
}

/// `a × b / c` in minor units of a currency with `exp` decimals, for decimals a, b, c.
fn product_minor(a: Decimal, b: Decimal, c: Decimal, exp: u32) -> Option<i64> {
    let n = i128::from(a.units())
        .checked_mul(i128::from(b.units()))?
        .checked_mul(pow10(exp)?)?
        .checked_mul(pow10(c.scale())?)?;
    let d = pow10(a.scale().checked_add(b.scale())?)?.checked_mul(i128::from(c.units()))?;
    div_round(n, d).and_then(|v| i64::try_from(v).ok())
}

/// EN 16931's rule prefix for a VAT category (`K` is "IC", `L` "AF", `M` "AG").
fn category_rule(category: &str, n: u8) -> String {
    let c = match category {
        "K" => "IC",
        "L" => "AF",
        "M" => "AG",
        c => c,
    };
    format!("BR-{c}-{n:02}")
}

fn same_rate(a: &InboundTax, b: &InboundTax) -> bool {
    a.category == b.category && a.percent.unwrap_or(Decimal::new(0, 0)) == b.percent.unwrap_or(Decimal::new(0, 0))
}

fn label(t: &InboundTax) -> String {
    match t.percent {
        Some(p) => format!("VAT breakdown {} {p}", t.category),
        None => format!("VAT breakdown {}", t.category),
    }
}

/// The findings for `inv`, in document order: lines, document totals, then the VAT breakdown.
pub fn check(inv: &InboundInvoice) -> Vec<Finding> {
    let ccy = inv.currency;
    let exp = ccy.exponent();
    let mut f = Findings { ccy, out: Vec::new() };
    let t = &inv.totals;
    let one = Decimal::new(1, 0);

    for l in &inv.lines {
        let Some(price) = l.price else { continue };
        let base = price.base_quantity.filter(|b| !b.is_zero()).unwrap_or(one);
        let Some(gross) = product_minor(l.quantity.value, price.net, base, exp) else {
            continue;
        };
        if let Some(expected) = total(l.allowances_charges.iter().map(signed)).and_then(|ac| gross.checked_add(ac)) {
            f.near(
                "BT-131",
                format!("line {} net amount", l.id),
                l.net_amount.minor(),
                expected,
                1,
            );
        }
    }

    let zero = Money::zero(ccy);
    let (allowances, charges) = (t.allowances.unwrap_or(zero).minor(), t.charges.unwrap_or(zero).minor());
    if let Some(s) = total(inv.lines.iter().map(|l| l.net_amount.minor())) {
        f.exact("BR-CO-10", "line extension amount", t.line_extension.minor(), s);
    }
    let doc_ac = |charge: bool| {
        total(
            inv.allowances_charges
                .iter()
                .filter(|a| a.charge == charge)
                .map(|a| a.amount.minor()),
        )
    };
    if let Some(s) = doc_ac(false) {
        f.exact("BR-CO-11", "allowance total", allowances, s);
    }
    if let Some(s) = doc_ac(true) {
        f.exact("BR-CO-12", "charge total", charges, s);
    }
    if let Some(s) = t
        .line_extension
        .minor()
        .checked_sub(allowances)
        .and_then(|v| v.checked_add(charges))
    {
        f.exact("BR-CO-13", "tax exclusive amount", t.tax_exclusive.minor(), s);
    }
    let tax = t.tax.unwrap_or(zero).minor();
    if !inv.tax_subtotals.is_empty()
        && let Some(s) = total(inv.tax_subtotals.iter().map(|s| s.amount.minor()))
    {
        f.exact("BR-CO-14", "tax amount", tax, s);
    }
    if let Some(s) = t.tax_exclusive.minor().checked_add(tax) {
        f.exact("BR-CO-15", "tax inclusive amount", t.tax_inclusive.minor(), s);
    }
    let (prepaid, rounding) = (t.prepaid.unwrap_or(zero).minor(), t.rounding.unwrap_or(zero).minor());
    if let Some(s) = t
        .tax_inclusive
        .minor()
        .checked_sub(prepaid)
        .and_then(|v| v.checked_add(rounding))
    {
        f.exact("BR-CO-16", "payable amount", t.payable.minor(), s);
    }

    // The VAT breakdown: each rate's taxable amount from the lines and document allowances and
    // charges in it, and its tax from the rate.
    let mut groups: Vec<&InboundTax> = Vec::new();
    let taxed = inv
        .lines
        .iter()
        .filter_map(|l| l.tax.as_ref())
        .chain(inv.allowances_charges.iter().filter_map(|a| a.tax.as_ref()));
    for tax in taxed {
        if !groups.iter().any(|g| same_rate(g, tax)) {
            groups.push(tax);
        }
    }
    let taxable_of = |g: &InboundTax| {
        let lines = inv
            .lines
            .iter()
            .filter(|l| l.tax.as_ref().is_some_and(|t| same_rate(t, g)))
            .map(|l| l.net_amount.minor());
        let acs = inv
            .allowances_charges
            .iter()
            .filter(|a| a.tax.as_ref().is_some_and(|t| same_rate(t, g)))
            .map(signed);
        total(lines.chain(acs))
    };
    for s in &inv.tax_subtotals {
        if let Some(expected) = taxable_of(&s.tax) {
            f.exact(
                &category_rule(&s.tax.category, 8),
                label(&s.tax),
                s.taxable.minor(),
                expected,
            );
        }
        let rate = s.tax.percent.unwrap_or(Decimal::new(0, 0));
        if let Some(expected) = product_minor(Decimal::new(s.taxable.minor(), exp), rate, Decimal::new(100, 0), exp) {
            f.near(
                &category_rule(&s.tax.category, 9),
                format!("{} tax", label(&s.tax)),
                s.amount.minor(),
                expected,
                1,
            );
        }
    }
    for g in groups {
        if !inv.tax_subtotals.iter().any(|s| same_rate(&s.tax, g))
            && let Some(expected) = taxable_of(g)
        {
            f.exact("BR-CO-18", format!("{} (missing)", label(g)), 0, expected);
        }
    }
    f.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(div_round(5, 2), Some(3));
        assert_eq!(div_round(-5, 2), Some(-3));
        assert_eq!(div_round(4, 3), Some(1));
        assert_eq!(div_round(-4, 3), Some(-1));
        assert_eq!(div_round(1, 0), None);
        let d = |s: &str| Decimal::parse(s).unwrap();
        // 2 × 9.95 = 19.90; 1.5 kg × 3.333 = 5.00 (4.9995 rounds up).
        assert_eq!(product_minor(d("2"), d("9.95"), d("1"), 2), Some(1990));
        assert_eq!(product_minor(d("1.5"), d("3.333"), d("1"), 2), Some(500));
        // 1000 × 1 per 1 = 1000.00; 10 × 45 per 1.1 base = 409.09.
        assert_eq!(product_minor(d("1000"), d("1"), d("1"), 2), Some(100_000));
        assert_eq!(product_minor(d("10"), d("45"), d("1.1"), 2), Some(40909));
        assert_eq!(product_minor(d("-3"), d("500"), d("1"), 0), Some(-1500));
        assert_eq!(
            product_minor(d("999999999999999999"), d("999999999999999999"), d("1"), 3),
            None,
            "overflow is not a finding"
        );
        assert_eq!(category_rule("K", 8), "BR-IC-08");
        assert_eq!(category_rule("S", 9), "BR-S-09");
    }
}
