//! What a supplier's e-invoice says, read from UBL 2.1 or UN/CEFACT CII into one shape: the
//! EN 16931 core (business terms BT-n named where a field maps to one), with amounts as the
//! document wrote them. Nothing is recomputed here; [`check`](super::check) says whether the
//! amounts add up.
//!
//! Amounts are integer minor units of the document currency (negative where the document is:
//! a corrective invoice, a credit line). Quantities, unit prices and rates may have more
//! decimals than any currency, so they are exact [`Decimal`]s, never floats.

use aftercart_domain::money::{Currency, Money};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::Date;

/// A decimal number exactly as written: `units / 10^scale`. Trailing fractional zeros are
/// dropped on construction, so `2.50` and `2.5` are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Decimal {
    units: i64,
    scale: u32,
}

/// More fractional digits than any quantity, price or rate needs, and 10^18 still fits an i64.
pub const MAX_SCALE: u32 = 18;

impl Decimal {
    pub fn new(mut units: i64, mut scale: u32) -> Decimal {
        while scale > 0 && units % 10 == 0 {
            units /= 10;
            scale -= 1;
        }
        Decimal { units, scale }
    }

    pub fn units(self) -> i64 {
        self.units
    }

    pub fn scale(self) -> u32 {
        self.scale
    }

    pub fn is_zero(self) -> bool {
        self.units == 0
    }

    pub fn is_negative(self) -> bool {
        self.units < 0
    }

    /// An XML Schema decimal: optional sign, digits, optional point and digits (`.5` and `5.`
    /// included); no exponent, no grouping.
    pub fn parse(text: &str) -> Result<Decimal, String> {
        let t = text.trim();
        let bad = || format!("'{t}' is not a decimal number");
        let (neg, body) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
            return Err(bad());
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() > MAX_SCALE as usize {
            return Err(format!("'{t}' has more than {MAX_SCALE} decimals"));
        }
        let mut units: i64 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            units = units
                .checked_mul(10)
                .and_then(|u| u.checked_add(i64::from(b - b'0')))
                .ok_or_else(|| format!("'{t}' is too large"))?;
        }
        Ok(Decimal::new(if neg { -units } else { units }, frac.len() as u32))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.units < 0 { "-" } else { "" };
        let abs = self.units.unsigned_abs();
        if self.scale == 0 {
            return write!(f, "{sign}{abs}");
        }
        let p = 10u64.pow(self.scale);
        write!(f, "{sign}{}.{:0w$}", abs / p, abs % p, w = self.scale as usize)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Syntax {
    /// OASIS UBL 2.1 `Invoice` or `CreditNote`.
    Ubl,
    /// UN/CEFACT `CrossIndustryInvoice` (D16B), as in Factur-X / ZUGFeRD and XRechnung.
    Cii,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InboundKind {
    Invoice,
    /// A UBL `CreditNote`, or a CII document whose type code is a credit note's (381 and kin).
    CreditNote,
}

/// Seller (BG-4) or buyer (BG-7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundParty {
    /// The legal name (BT-27 / BT-44), else the trading name.
    pub name: Option<String>,
    /// The VAT identifier (BT-31 / BT-48), with its country prefix as written.
    pub vat_id: Option<String>,
    /// The legal registration id (BT-30 / BT-47).
    pub legal_id: Option<String>,
    /// The party's own identifier (BT-29 / BT-46), e.g. a GLN or the buyer's customer number.
    pub id: Option<String>,
    /// The electronic address (BT-34 / BT-49).
    pub endpoint_id: Option<String>,
    /// ISO 3166-1 alpha-2 of the postal address.
    pub country: Option<String>,
}

/// A VAT category with its rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundTax {
    /// UNCL5305: `S`, `Z`, `E`, `AE`, `K`, `G`, `O`, `L`, `M`.
    pub category: String,
    /// Percent, `25` or `12.5`; absent for `O`.
    pub percent: Option<Decimal>,
    pub exemption_reason: Option<String>,
}

/// A document or line level allowance (discount) or charge (BG-20 / BG-21, BG-27 / BG-28).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundAllowanceCharge {
    /// `true` for a charge, `false` for an allowance.
    pub charge: bool,
    pub amount: Money,
    pub base_amount: Option<Money>,
    pub percent: Option<Decimal>,
    pub reason: Option<String>,
    pub reason_code: Option<String>,
    /// Document level only: the VAT category the amount falls in.
    pub tax: Option<InboundTax>,
}

/// The item's net price (BT-146) per `base_quantity` (BT-149, one when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundPrice {
    pub net: Decimal,
    pub base_quantity: Option<Decimal>,
    /// The gross price before the price discount (BT-148).
    pub gross: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quantity {
    pub value: Decimal,
    /// UN/ECE Recommendation 20/21, e.g. `C62`, `EA`, `H87`, `KGM`.
    pub unit_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundLine {
    /// 1-based line of the source where the line starts.
    pub source_line: usize,
    /// BT-126.
    pub id: String,
    /// BT-129 / BT-130; negative on a line that takes goods back.
    pub quantity: Quantity,
    /// BT-131, after the line's allowances and charges.
    pub net_amount: Money,
    /// BT-153.
    pub item_name: Option<String>,
    /// BT-155.
    pub seller_item_id: Option<String>,
    /// The buyer's order line (BT-132).
    pub order_line_reference: Option<String>,
    pub price: Option<InboundPrice>,
    pub tax: Option<InboundTax>,
    pub allowances_charges: Vec<InboundAllowanceCharge>,
}

/// One VAT breakdown (BG-23).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundTaxSubtotal {
    pub tax: InboundTax,
    /// BT-116.
    pub taxable: Money,
    /// BT-117.
    pub amount: Money,
}

/// The document totals (BG-22), as stated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundTotals {
    /// BT-106.
    pub line_extension: Money,
    /// BT-107.
    pub allowances: Option<Money>,
    /// BT-108.
    pub charges: Option<Money>,
    /// BT-109.
    pub tax_exclusive: Money,
    /// BT-110, in the document currency.
    pub tax: Option<Money>,
    /// BT-111, the VAT total in the tax accounting currency when one is named.
    pub tax_in_tax_currency: Option<Money>,
    /// BT-112.
    pub tax_inclusive: Money,
    /// BT-113.
    pub prepaid: Option<Money>,
    /// BT-114.
    pub rounding: Option<Money>,
    /// BT-115.
    pub payable: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundInvoice {
    pub syntax: Syntax,
    pub kind: InboundKind,
    /// BT-1.
    pub number: String,
    /// BT-2.
    pub issue_date: Date,
    /// BT-9.
    pub due_date: Option<Date>,
    /// BT-3, UNTDID 1001: `380` invoice, `381` credit note, `384` corrected invoice, …
    pub type_code: String,
    /// BT-5.
    pub currency: Currency,
    /// BT-6.
    pub tax_currency: Option<Currency>,
    /// BT-10.
    pub buyer_reference: Option<String>,
    /// The buyer's purchase order (BT-13): what a dropship supplier's invoice is matched on.
    pub order_reference: Option<String>,
    /// The invoice this one corrects (BT-25).
    pub preceding_invoice: Option<String>,
    /// What the payer quotes with the payment (BT-83).
    pub payment_reference: Option<String>,
    pub seller: InboundParty,
    pub buyer: InboundParty,
    pub lines: Vec<InboundLine>,
    /// Document level (BG-20 / BG-21).
    pub allowances_charges: Vec<InboundAllowanceCharge>,
    pub tax_subtotals: Vec<InboundTaxSubtotal>,
    pub totals: InboundTotals,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        let d = |s: &str| Decimal::parse(s).map(|d| (d.units(), d.scale()));
        assert_eq!(d("2.50"), Ok((25, 1)));
        assert_eq!(d("-1"), Ok((-1, 0)));
        assert_eq!(d("+0.001"), Ok((1, 3)));
        assert_eq!(d(".5"), Ok((5, 1)));
        assert_eq!(d("5."), Ok((5, 0)));
        assert_eq!(d("100"), Ok((100, 0)), "integer zeros stay");
        assert_eq!(d("0.000"), Ok((0, 0)));
        for bad in ["", ".", "-", "1,5", "1e3", "1.2.3", " - 1", "0x10", "1 000"] {
            assert!(Decimal::parse(bad).is_err(), "{bad}");
        }
        assert!(Decimal::parse("99999999999999999999").is_err());
        assert!(Decimal::parse("0.0000000000000000001").is_err());
        assert_eq!(Decimal::parse("1.10").unwrap().to_string(), "1.1");
        assert_eq!(Decimal::parse("-0.05").unwrap().to_string(), "-0.05");
        assert_eq!(Decimal::parse("12").unwrap().to_string(), "12");
    }
}
