//! The value rules both statement formats share: decimal amounts in a currency's minor units,
//! calendar dates, ISO 11649 creditor references.

use aftercart_domain::money::Currency;
use time::{Date, Month};

pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Minor units of an unsigned decimal `digits[.fraction]` (no sign, no grouping), refusing more
/// fractional digits than the currency has: rounding a bank's amount would lose money silently.
pub(crate) fn unsigned_minor(text: &str, shown: &str, currency: Currency) -> Result<i64, String> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (text.contains('.') && frac.is_empty()) {
        return Err(format!("'{shown}' is not a decimal amount"));
    }
    let exp = currency.exponent();
    if frac.len() > exp as usize {
        return Err(format!(
            "'{shown}' has more decimals than {} allows ({exp})",
            currency.code()
        ));
    }
    let too_large = || format!("'{shown}' is too large");
    let mut minor: i64 = 0;
    let pad = exp as usize - frac.len();
    for b in int.bytes().chain(frac.bytes()).chain(std::iter::repeat_n(b'0', pad)) {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(b - b'0')))
            .ok_or_else(too_large)?;
    }
    Ok(minor)
}

/// A date `YYYY-MM-DD` at the start of `text`, with `sep` between the parts; `None` when the
/// text does not have that shape, `Err` when it has the shape but names no day.
pub(crate) fn ymd(text: &str, sep: u8) -> Option<Result<Date, String>> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != sep || b[7] != sep {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = &b[r];
        s.iter()
            .all(u8::is_ascii_digit)
            .then(|| s.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return None;
    };
    let day = Month::try_from(m as u8)
        .ok()
        .and_then(|m| Date::from_calendar_date(y as i32, m, d as u8).ok());
    Some(day.ok_or_else(|| format!("'{text}' is not a calendar date")))
}

/// The ISO 11649 creditor reference in `text` (`RF` + two check digits + up to 21 letters or
/// digits, spaces allowed in print), normalised to upper case without spaces, when its check
/// digits hold.
pub fn rf_reference(text: &str) -> Option<String> {
    let compact: String = text
        .chars()
        .filter(|c| *c != ' ')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let b = compact.as_bytes();
    if !(5..=25).contains(&b.len())
        || !compact.starts_with("RF")
        || !b[2].is_ascii_digit()
        || !b[3].is_ascii_digit()
        || !b[4..].iter().all(u8::is_ascii_alphanumeric)
    {
        return None;
    }
    // ISO 7064 mod 97-10: the reference with "RFcc" moved to its end, letters as 10..35.
    let mut rem: u32 = 0;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    (rem == 1).then_some(compact)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::parse("EUR", "c").unwrap()
    }

    #[test]
    fn amounts_keep_every_minor_unit_or_refuse() {
        assert_eq!(unsigned_minor("1234.5", "x", eur()), Ok(123_450));
        assert_eq!(unsigned_minor("1234.50", "x", eur()), Ok(123_450));
        assert_eq!(unsigned_minor("0", "x", eur()), Ok(0));
        let jpy = Currency::parse("JPY", "c").unwrap();
        assert_eq!(unsigned_minor("1200", "x", jpy), Ok(1200));
        assert!(
            unsigned_minor("1.5", "1.5", jpy)
                .unwrap_err()
                .contains("JPY allows (0)")
        );
        for bad in ["12,50", "", ".5", "5.", "1e3", "-1", "+1", " 1", "1.2.3"] {
            assert_eq!(
                unsigned_minor(bad, bad, eur()),
                Err(format!("'{bad}' is not a decimal amount")),
                "{bad}"
            );
        }
        assert!(
            unsigned_minor("12.345", "12.345", eur())
                .unwrap_err()
                .contains("more decimals")
        );
        assert!(
            unsigned_minor("99999999999999999999", "x", eur())
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn dates_need_the_whole_shape() {
        assert_eq!(ymd("2026-11-30", b'-'), Some(Ok(time::macros::date!(2026 - 11 - 30))));
        assert_eq!(ymd("2026/11/30", b'/'), Some(Ok(time::macros::date!(2026 - 11 - 30))));
        assert_eq!(
            ymd("2026-11-30T10:00:00+01:00", b'-'),
            Some(Ok(time::macros::date!(2026 - 11 - 30)))
        );
        assert!(ymd("2026-02-30", b'-').unwrap().is_err());
        assert!(ymd("2026-13-01", b'-').unwrap().is_err());
        assert_eq!(ymd("30/11/2026", b'/'), None);
        assert_eq!(ymd("2026-11-3", b'-'), None);
    }

    #[test]
    fn rf_references_are_checked() {
        assert_eq!(rf_reference("RF18 5390 0754 7034").as_deref(), Some("RF18539007547034"));
        assert_eq!(rf_reference("rf18539007547034").as_deref(), Some("RF18539007547034"));
        assert!(rf_reference("RF19539007547034").is_none());
        assert!(rf_reference("RF18").is_none());
        assert!(rf_reference("INV-1").is_none());
    }
}
