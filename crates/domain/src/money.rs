//! Exact money: integer minor units with an ISO 4217 currency. Never floats.

use crate::error::{ErrorCode, Rejection};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 alphabetic code: three ASCII upper-case letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(s: &str, field: &str) -> Result<Currency, Rejection> {
        let b = s.as_bytes();
        if b.len() == 3 && b.iter().all(u8::is_ascii_uppercase) {
            Ok(Currency([b[0], b[1], b[2]]))
        } else {
            Err(Rejection::new(
                ErrorCode::InvalidCurrency,
                field,
                format!("'{s}' is not an ISO 4217 currency code (three upper-case letters)"),
            ))
        }
    }

    pub fn code(&self) -> &str {
        // Constructed only from ASCII upper-case letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point (ISO 4217 minor unit).
    pub fn exponent(&self) -> u32 {
        match self.code() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "UYI" | "VND"
            | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            "CLF" | "UYW" => 4,
            _ => 2,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = Rejection;
    fn try_from(s: String) -> Result<Self, Rejection> {
        Currency::parse(&s, "currency")
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount in a currency, as integer minor units (cents for USD, yen for JPY, fils for KWD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    /// Parses a decimal string such as `"12.50"` for `currency`, refusing more fractional digits
    /// than the currency has (no silent rounding).
    pub fn parse(s: &str, currency: Currency, field: &str) -> Result<Money, Rejection> {
        let bad = |why: &str| {
            Rejection::new(
                ErrorCode::InvalidValue,
                field,
                format!("'{s}' is not a valid amount: {why}"),
            )
        };
        let t = s.trim();
        let (neg, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((i, f)) => (i, f),
            None => (digits, ""),
        };
        if int_part.is_empty() || !int_part.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad("expected digits like 12.50"));
        }
        if !frac_part.bytes().all(|c| c.is_ascii_digit()) || (digits.contains('.') && frac_part.is_empty()) {
            return Err(bad("expected digits after the decimal point"));
        }
        let exp = currency.exponent();
        if frac_part.len() as u32 > exp {
            return Err(bad(&format!("{} allows at most {exp} decimal places", currency.code())));
        }
        let scale = 10i64.pow(exp);
        let int: i64 = int_part.parse().map_err(|_| bad("too large"))?;
        let mut frac: i64 = if frac_part.is_empty() {
            0
        } else {
            frac_part.parse().map_err(|_| bad("too large"))?
        };
        frac *= 10i64.pow(exp - frac_part.len() as u32);
        let minor = int
            .checked_mul(scale)
            .and_then(|v| v.checked_add(frac))
            .ok_or_else(|| bad("too large"))?;
        Ok(Money {
            minor: if neg { -minor } else { minor },
            currency,
        })
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    pub fn is_negative(&self) -> bool {
        self.minor < 0
    }

    pub fn is_positive(&self) -> bool {
        self.minor > 0
    }

    /// Adds two amounts of the same currency; refuses to mix currencies.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| {
                self.minor
                    .checked_add(other.minor)
                    .map(|m| Money::from_minor(m, self.currency))
            })
            .flatten()
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| {
                self.minor
                    .checked_sub(other.minor)
                    .map(|m| Money::from_minor(m, self.currency))
            })
            .flatten()
    }

    /// Unit price times a quantity.
    pub fn times(self, qty: u32) -> Money {
        Money::from_minor(self.minor.saturating_mul(i64::from(qty)), self.currency)
    }

    pub fn negate(self) -> Money {
        Money::from_minor(-self.minor, self.currency)
    }

    /// The decimal amount without currency, e.g. `"1234.50"`.
    pub fn amount_string(&self) -> String {
        let exp = self.currency.exponent();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if exp == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(exp);
        format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = exp as usize)
    }

    /// A sum of amounts that must all be in `currency`; `None` on a mismatch.
    pub fn sum<'a>(currency: Currency, items: impl IntoIterator<Item = &'a Money>) -> Option<Money> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(*m))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency.code(), self.amount_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usd() -> Currency {
        Currency::parse("USD", "c").unwrap()
    }

    #[test]
    fn parses_and_formats_by_currency_exponent() {
        assert_eq!(Money::parse("12.5", usd(), "p").unwrap().minor(), 1250);
        assert_eq!(Money::parse("12", usd(), "p").unwrap().amount_string(), "12.00");
        let jpy = Currency::parse("JPY", "c").unwrap();
        assert_eq!(Money::parse("1200", jpy, "p").unwrap().amount_string(), "1200");
        assert_eq!(Money::parse("1.5", jpy, "p").unwrap_err().code, ErrorCode::InvalidValue);
        let kwd = Currency::parse("KWD", "c").unwrap();
        assert_eq!(Money::parse("1.005", kwd, "p").unwrap().minor(), 1005);
        assert_eq!(Money::from_minor(-5, usd()).amount_string(), "-0.05");
    }

    #[test]
    fn rejects_malformed_amounts_and_codes() {
        for bad in ["", "abc", "1.", "1.234", "--1", "1e3", ".5"] {
            let e = Money::parse(bad, usd(), "unit_price").unwrap_err();
            assert_eq!(e.field, "unit_price", "{bad}");
        }
        for bad in ["usd", "US", "USDX", "U1D"] {
            assert_eq!(
                Currency::parse(bad, "currency").unwrap_err().code,
                ErrorCode::InvalidCurrency
            );
        }
    }

    #[test]
    fn refuses_to_mix_currencies() {
        let eur = Currency::parse("EUR", "c").unwrap();
        assert!(
            Money::from_minor(1, usd())
                .checked_add(Money::from_minor(1, eur))
                .is_none()
        );
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(minor in -10_000_000_000i64..10_000_000_000i64) {
            let m = Money::from_minor(minor, usd());
            prop_assert_eq!(Money::parse(&m.amount_string(), usd(), "x").unwrap(), m);
        }
    }
}
