//! The scalar values cXML carries as text: decimals (quantities, rates, amounts), timestamps and
//! amounts in a currency. Kept exact — a decimal is an integer and a scale, never a float — and
//! read leniently: the timestamp forms procurement systems really send (no offset, `-0500`
//! without a colon, date only, Coupa's `Mon May 19 18:29:48 +0000 2008`) all parse, with flags
//! saying what was assumed. Written strictly: RFC 3339 with an explicit offset, always.

use crate::currency::iso4217;
use aftercart_domain::money::Money;
use aftercart_domain::quantity::Qty;
use std::cmp::Ordering;
use std::fmt;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// At most this many significant digits: more than any quantity or amount needs, and the
/// mantissa stays inside an `i64`.
const MAX_DIGITS: usize = 18;

/// An exact decimal number such as `2.00`, `0.5` or `-12.125`: `mantissa × 10^-scale`. Kept
/// normalised (no trailing zeros after the point), so equality is numeric equality: `2.00 == 2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    mantissa: i64,
    scale: u8,
}

impl Decimal {
    pub const ZERO: Decimal = Decimal { mantissa: 0, scale: 0 };

    /// `mantissa × 10^-scale`; `None` for a scale above 18.
    pub fn new(mantissa: i64, scale: u8) -> Option<Decimal> {
        (usize::from(scale) <= MAX_DIGITS).then(|| Decimal { mantissa, scale }.normalised())
    }

    fn normalised(mut self) -> Decimal {
        while self.scale > 0 && self.mantissa % 10 == 0 {
            self.mantissa /= 10;
            self.scale -= 1;
        }
        self
    }

    /// Parses `12`, `-1.50`, `+3`, `.5`; `None` for anything else (exponents, separators,
    /// more than 18 significant digits).
    pub fn parse(s: &str) -> Option<Decimal> {
        let t = s.trim();
        let (neg, body) = match t.as_bytes().first()? {
            b'-' => (true, &t[1..]),
            b'+' => (false, &t[1..]),
            _ => (false, t),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let frac = frac.trim_end_matches('0');
        let int = int.trim_start_matches('0');
        if int.len() + frac.len() > MAX_DIGITS {
            return None;
        }
        let digits = format!("{int}{frac}");
        let magnitude: i64 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
        let scale = u8::try_from(frac.len()).ok()?;
        Decimal::new(if neg { -magnitude } else { magnitude }, scale)
    }

    pub fn mantissa(&self) -> i64 {
        self.mantissa
    }

    pub fn scale(&self) -> u8 {
        self.scale
    }

    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    pub fn is_positive(&self) -> bool {
        self.mantissa > 0
    }

    pub fn is_negative(&self) -> bool {
        self.mantissa < 0
    }

    /// The value when it is a whole number.
    pub fn to_integer(&self) -> Option<i64> {
        (self.scale == 0).then_some(self.mantissa)
    }

    /// The value as a whole non-negative count of units (what the domain's `Qty` holds).
    pub fn to_u32(&self) -> Option<u32> {
        self.to_integer().and_then(|n| u32::try_from(n).ok())
    }

    fn scaled(&self, scale: u8) -> Option<i128> {
        let up = scale.checked_sub(self.scale)?;
        i128::from(self.mantissa).checked_mul(10i128.checked_pow(u32::from(up))?)
    }

    /// The exact sum; `None` when it no longer fits.
    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let sum = self.scaled(scale)?.checked_add(other.scaled(scale)?)?;
        Decimal::new(i64::try_from(sum).ok()?, scale)
    }
}

impl From<u32> for Decimal {
    fn from(n: u32) -> Decimal {
        Decimal {
            mantissa: i64::from(n),
            scale: 0,
        }
    }
}

impl From<Qty> for Decimal {
    fn from(q: Qty) -> Decimal {
        Decimal::from(q.get())
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        let scale = self.scale.max(other.scale);
        // Both fit: at most 18 digits scaled by at most 10^18 stays inside i128.
        let a = self.scaled(scale).unwrap_or(0);
        let b = other.scaled(scale).unwrap_or(0);
        a.cmp(&b)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let abs = self.mantissa.unsigned_abs();
        if self.scale == 0 {
            return write!(f, "{sign}{abs}");
        }
        let scale = 10u64.pow(u32::from(self.scale));
        write!(
            f,
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = usize::from(self.scale)
        )
    }
}

/// An amount as a document states it: the currency code as written and the number, if any
/// (`<Money currency="USD"/>` occurs in real invoices). [`Amount::money`] gives the exact
/// [`Money`] when the code is a real ISO 4217 currency and the number fits its minor unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    pub currency: String,
    pub value: Option<Decimal>,
}

impl Amount {
    /// The amount as exact money; `None` for an unknown currency, an empty amount, or more
    /// decimals than the currency has (a unit price of `0.125` USD is kept here, not rounded).
    pub fn money(&self) -> Option<Money> {
        let currency = iso4217(&self.currency)?;
        Money::parse(&self.value?.to_string(), currency, "amount").ok()
    }
}

impl From<Money> for Amount {
    fn from(m: Money) -> Amount {
        Amount {
            currency: m.currency().code().to_owned(),
            value: Decimal::parse(&m.amount_string()),
        }
    }
}

/// A point in time read from or written to a document. Readers set the flags when the text said
/// less than a full timestamp; writers ignore them and always write the offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    pub at: OffsetDateTime,
    /// The text had no offset and was read as UTC.
    pub offset_assumed: bool,
    /// The text was a date only, read as midnight (UTC unless an offset followed).
    pub date_only: bool,
}

impl Timestamp {
    pub fn new(at: OffsetDateTime) -> Timestamp {
        Timestamp {
            at,
            offset_assumed: false,
            date_only: false,
        }
    }

    /// Reads RFC 3339 / ISO 8601 (`T` or a space between date and time, fractions of a second,
    /// `Z`, `±HH:MM`, `±HHMM` or `±HH`, or no offset), a date alone, or the Ruby/Coupa form
    /// `Mon May 19 18:29:48 +0000 2008`. `None` when it is none of these.
    pub fn parse(s: &str) -> Option<Timestamp> {
        let t = s.trim();
        if t.split_whitespace().count() == 6 {
            return parse_ctime(t);
        }
        parse_iso(t)
    }

    /// The RFC 3339 text with an explicit offset (`+00:00`, never `Z`), whole seconds; `None`
    /// for a year outside 0001–9999.
    pub fn rfc3339(&self) -> Option<String> {
        let at = self.at;
        let mut offset = at.offset();
        let at = if offset.seconds_past_minute() != 0 {
            offset = UtcOffset::UTC;
            at.to_offset(UtcOffset::UTC)
        } else {
            at
        };
        if !(1..=9999).contains(&at.year()) {
            return None;
        }
        let total = offset.whole_minutes();
        let sign = if total < 0 { '-' } else { '+' };
        let total = total.unsigned_abs();
        Some(format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            total / 60,
            total % 60
        ))
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(at: OffsetDateTime) -> Timestamp {
        Timestamp::new(at)
    }
}

fn digits<T: std::str::FromStr>(s: &str, len: usize) -> Option<T> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

fn date(s: &str) -> Option<Date> {
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let month = Month::try_from(digits::<u8>(m, 2)?).ok()?;
    Date::from_calendar_date(digits(y, 4)?, month, digits(d, 2)?).ok()
}

/// `HH:MM[:SS[.fff]]`.
fn clock(s: &str) -> Option<Time> {
    let (hms, frac) = s.split_once(['.', ',']).unwrap_or((s, ""));
    let mut parts = hms.split(':');
    let h = digits(parts.next()?, 2)?;
    let m = digits(parts.next()?, 2)?;
    let sec = parts.next().map_or(Some(0), |x| digits(x, 2))?;
    if parts.next().is_some() || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut nanos = 0u32;
    for (i, b) in frac.bytes().take(9).enumerate() {
        nanos += u32::from(b - b'0') * 10u32.pow(8 - i as u32);
    }
    // A leap second (":60") is read as the last nanosecond of the minute.
    let (sec, nanos) = if sec == 60 { (59, 999_999_999) } else { (sec, nanos) };
    Time::from_hms_nano(h, m, sec, nanos).ok()
}

/// `Z`, `UTC`, `GMT`, `±HH:MM`, `±HHMM`, `±HH`.
fn offset(s: &str) -> Option<UtcOffset> {
    if ["Z", "UTC", "GMT", "UT"].iter().any(|z| s.eq_ignore_ascii_case(z)) {
        return Some(UtcOffset::UTC);
    }
    let sign: i8 = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = s[1..].replace(':', "");
    let (h, m) = match rest.len() {
        2 => (digits::<i8>(&rest, 2)?, 0),
        4 => (digits::<i8>(&rest[..2], 2)?, digits::<i8>(&rest[2..], 2)?),
        _ => return None,
    };
    UtcOffset::from_hms(sign * h, sign * m, 0).ok()
}

fn parse_iso(t: &str) -> Option<Timestamp> {
    if t.len() < 10 || !t.is_char_boundary(10) {
        return None;
    }
    let (day, rest) = t.split_at(10);
    let day = date(day)?;
    if rest.is_empty() {
        let at = PrimitiveDateTime::new(day, Time::MIDNIGHT).assume_utc();
        return Some(Timestamp {
            at,
            offset_assumed: true,
            date_only: true,
        });
    }
    let first = rest.as_bytes()[0];
    if first == b'T' || first == b't' || first == b' ' {
        let rest = &rest[1..];
        let split = rest.find(['Z', 'z', '+', '-', ' ']).unwrap_or(rest.len());
        let (time, zone) = rest.split_at(split);
        let time = clock(time)?;
        let local = PrimitiveDateTime::new(day, time);
        let zone = zone.trim();
        if zone.is_empty() {
            return Some(Timestamp {
                at: local.assume_utc(),
                offset_assumed: true,
                date_only: false,
            });
        }
        return Some(Timestamp::new(local.assume_offset(offset(zone)?)));
    }
    // An XML Schema date with a zone: `2020-02-28-08:00`, `2020-02-28Z`.
    let zone = offset(rest)?;
    let at = PrimitiveDateTime::new(day, Time::MIDNIGHT).assume_offset(zone);
    Some(Timestamp {
        at,
        offset_assumed: false,
        date_only: true,
    })
}

/// `Mon May 19 18:29:48 +0000 2008` (Ruby's `Time#to_s` of old, as Coupa sent it).
fn parse_ctime(t: &str) -> Option<Timestamp> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let parts: Vec<&str> = t.split_whitespace().collect();
    let [_weekday, month, day, time, zone, year] = parts.as_slice() else {
        return None;
    };
    let month = MONTHS
        .iter()
        .position(|m| month.len() >= 3 && month[..3].eq_ignore_ascii_case(m))?;
    let month = Month::try_from(u8::try_from(month + 1).ok()?).ok()?;
    let day: u8 = (day.len() <= 2 && day.bytes().all(|b| b.is_ascii_digit()))
        .then(|| day.parse().ok())
        .flatten()?;
    let day = Date::from_calendar_date(digits(year, 4)?, month, day).ok()?;
    let at = PrimitiveDateTime::new(day, clock(time)?).assume_offset(offset(zone)?);
    Some(Timestamp::new(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact_and_normalised() {
        assert_eq!(Decimal::parse("2.00"), Some(Decimal::from(2)));
        assert_eq!(
            Decimal::parse(" -1.50 ").map(|d| d.to_string()).as_deref(),
            Some("-1.5")
        );
        assert_eq!(Decimal::parse(".5").map(|d| d.to_string()).as_deref(), Some("0.5"));
        assert_eq!(Decimal::parse("0.0").map(|d| d.to_string()).as_deref(), Some("0"));
        for bad in ["", "-", ".", "1e3", "1,5", "1.2.3", "abc", "1234567890123456789"] {
            assert_eq!(Decimal::parse(bad), None, "{bad}");
        }
        let sum = Decimal::parse("0.25").unwrap().checked_add(Decimal::from(3)).unwrap();
        assert_eq!(sum.to_string(), "3.25");
        assert!(Decimal::parse("0.5").unwrap() < Decimal::from(1));
    }

    #[test]
    fn timestamps_in_the_forms_seen() {
        let t = Timestamp::parse("2000-10-12T18:39:09-08:00").unwrap();
        assert_eq!(t.rfc3339().unwrap(), "2000-10-12T18:39:09-08:00");
        assert!(!t.offset_assumed);
        let t = Timestamp::parse("2018-01-01T00:00:00-0500").unwrap();
        assert_eq!(t.rfc3339().unwrap(), "2018-01-01T00:00:00-05:00");
        let t = Timestamp::parse("2010-12-22T19:03:37Z").unwrap();
        assert_eq!(t.rfc3339().unwrap(), "2010-12-22T19:03:37+00:00");
        let t = Timestamp::parse("2020-02-28T10:00:00").unwrap();
        assert!(t.offset_assumed && !t.date_only);
        let t = Timestamp::parse("2020-02-28").unwrap();
        assert!(t.offset_assumed && t.date_only);
        let t = Timestamp::parse("Mon May 19 18:29:48 +0000 2008").unwrap();
        assert_eq!(t.rfc3339().unwrap(), "2008-05-19T18:29:48+00:00");
        let t = Timestamp::parse("2021-01-08T23:00:06.5+01:00").unwrap();
        assert_eq!(t.at.nanosecond(), 500_000_000);
        for bad in [
            "invoice_date",
            "",
            "2020-13-01",
            "2020-02-30T00:00:00Z",
            "Mon Foo 19 18:29:48 +0000 2008",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }
}
