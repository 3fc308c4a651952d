//! Exact decimals as EDI sends them, and their conversion to money without floats.
//!
//! X12 `R` elements (and EDIFACT numeric data elements) are decimal text: `12.34`, `.5`, `0008`,
//! `-3`. A [`Decimal`] keeps the value exactly (an integer and a scale, trailing zeros dropped so
//! `12.500` and `12.5` are equal). Turning one into money for a currency succeeds only when no
//! digit is lost: `12.500` is 1250 cents, `12.505` is refused. X12 `N2` elements (TDS, SAC
//! amounts) carry two implied decimals and are read with [`Decimal::parse_implied`]. Shared by
//! the X12 and EDIFACT readers (EDIFACT may declare `,` as its decimal mark).

use aftercart_domain::money::{Currency, Money};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An exact decimal: `units / 10^scale`, with no trailing zero in the fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Decimal {
    units: i64,
    scale: u32,
}

/// The most fraction digits accepted: far beyond any price, small enough for `i64` units.
const MAX_SCALE: u32 = 9;

impl Decimal {
    pub fn new(units: i64, scale: u32) -> Decimal {
        let mut d = Decimal { units, scale };
        while d.scale > 0 && d.units % 10 == 0 {
            d.units /= 10;
            d.scale -= 1;
        }
        d
    }

    pub fn from_int(n: i64) -> Decimal {
        Decimal { units: n, scale: 0 }
    }

    /// Parses decimal text with `.` as the decimal mark.
    pub fn parse(text: &str) -> Result<Decimal, String> {
        Decimal::parse_with_mark(text, &['.'])
    }

    /// Parses decimal text whose decimal mark is any of `marks` (EDIFACT allows `,` or `.`).
    pub fn parse_with_mark(text: &str, marks: &[char]) -> Result<Decimal, String> {
        let bad = |why: &str| format!("'{text}' is not a decimal number: {why}");
        let (neg, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int, frac) = match body.find(|c| marks.contains(&c)) {
            Some(i) => (&body[..i], &body[i + 1..]),
            None => (body, ""),
        };
        let has_mark = int.len() < body.len();
        if int.is_empty() && frac.is_empty() {
            return Err(bad("no digits"));
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("only digits, one decimal mark and a leading '-' are allowed"));
        }
        if has_mark && frac.is_empty() {
            return Err(bad("no digit after the decimal mark"));
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() as u32 > MAX_SCALE {
            return Err(bad(&format!("more than {MAX_SCALE} decimal places")));
        }
        let digits: String = format!("{}{frac}", int.trim_start_matches('0'));
        if digits.len() > 18 {
            return Err(bad("too many digits"));
        }
        let units: i64 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| bad("too large"))?
        };
        Ok(Decimal::new(if neg { -units } else { units }, frac.len() as u32))
    }

    /// Parses an X12 `N2`-style number: digits with `implied` decimal places and no mark
    /// (`255438` with 2 implied is 2554.38).
    pub fn parse_implied(text: &str, implied: u32) -> Result<Decimal, String> {
        let body = text.strip_prefix('-').unwrap_or(text);
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "'{text}' is not a whole number with {implied} implied decimals"
            ));
        }
        let d = Decimal::parse(text)?;
        Ok(Decimal::new(d.units, d.scale + implied))
    }

    pub fn units(&self) -> i64 {
        self.units
    }

    pub fn scale(&self) -> u32 {
        self.scale
    }

    pub fn is_negative(&self) -> bool {
        self.units < 0
    }

    /// The value as a whole number, when it is one.
    pub fn to_integer(&self) -> Option<i64> {
        (self.scale == 0).then_some(self.units)
    }

    /// The value in minor units of `exponent` decimals, when no digit is lost.
    pub fn to_minor_units(&self, exponent: u32) -> Result<i64, String> {
        if self.scale > exponent {
            return Err(format!(
                "{self} has {} decimal places where {exponent} are allowed",
                self.scale
            ));
        }
        10i64
            .checked_pow(exponent - self.scale)
            .and_then(|f| self.units.checked_mul(f))
            .ok_or_else(|| format!("{self} is too large"))
    }

    /// The value as money in `currency`, when no digit is lost (`12.500` USD is fine, `12.505`
    /// is refused).
    pub fn to_money(&self, currency: Currency) -> Result<Money, String> {
        self.to_minor_units(currency.exponent())
            .map(|m| Money::from_minor(m, currency))
            .map_err(|e| format!("{e} ({} has {} decimals)", currency.code(), currency.exponent()))
    }

    /// Money as an exact decimal.
    pub fn from_money(m: Money) -> Decimal {
        Decimal::new(m.minor(), m.currency().exponent())
    }
}

impl fmt::Display for Decimal {
    /// Canonical text: no trailing zeros, `-` for negatives, a leading `0` before the mark.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_and_refuses_lost_digits() {
        let usd = Currency::parse("USD", "c").unwrap();
        assert_eq!(Decimal::parse("12.500").unwrap(), Decimal::parse("12.5").unwrap());
        assert_eq!(Decimal::parse("12.500").unwrap().to_money(usd).unwrap().minor(), 1250);
        assert!(Decimal::parse("12.505").unwrap().to_money(usd).is_err());
        assert_eq!(Decimal::parse(".5").unwrap().to_string(), "0.5");
        assert_eq!(Decimal::parse("0008").unwrap().to_integer(), Some(8));
        assert_eq!(Decimal::parse("-0.30").unwrap().to_string(), "-0.3");
        assert_eq!(
            Decimal::parse_implied("255438", 2)
                .unwrap()
                .to_money(usd)
                .unwrap()
                .minor(),
            255438
        );
        assert_eq!(
            Decimal::parse_with_mark("19,9", &[',', '.']).unwrap().to_string(),
            "19.9"
        );
        for bad in ["", "-", ".", "1.", "1e3", "+1", "1.2.3", "12 ", "99999999999999999999"] {
            assert!(Decimal::parse(bad).is_err(), "{bad}");
        }
        assert!(Decimal::parse_implied("12.34", 2).is_err());
    }
}
