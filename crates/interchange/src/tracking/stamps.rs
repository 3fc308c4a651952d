//! The carriers' timestamp forms, read by hand so each form is explicit and none panics:
//! ISO 8601 with `Z` or an offset (`2024-08-02T19:26:52.000Z`, `…+08:00`, `…+0800`), the same
//! without an offset (AfterShip checkpoints: the scan's local time), a bare date, and UPS's
//! compact `YYYYMMDD` + `HHMMSS` with an optional `-04.00` / `-05:00` offset.

use super::TimeBasis;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Years outside this range are refused: no carrier scan is older or that far ahead, and the
/// bound keeps offset arithmetic far from the calendar's limits.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// An instant in UTC and how exact it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    pub at: OffsetDateTime,
    pub basis: TimeBasis,
}

fn digits(b: &[u8]) -> Option<u32> {
    (!b.is_empty() && b.len() <= 9 && b.iter().all(u8::is_ascii_digit))
        .then(|| b.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
}

fn calendar(y: u32, m: u32, d: u32) -> Option<Date> {
    let year = i32::try_from(y).ok().filter(|y| YEARS.contains(y))?;
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(d).ok()?).ok()
}

/// `YYYY-MM-DD` exactly.
fn iso_date(b: &[u8]) -> Option<Date> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    calendar(digits(&b[..4])?, digits(&b[5..7])?, digits(&b[8..])?)
}

/// `HH:MM[:SS[.fff…]]`.
fn iso_time(b: &[u8]) -> Option<Time> {
    let hm = b.get(..5)?;
    if hm[2] != b':' {
        return None;
    }
    let (h, m) = (digits(&hm[..2])?, digits(&hm[3..])?);
    let (mut s, mut nanos) = (0, 0);
    if b.len() > 5 {
        if b[5] != b':' || b.len() < 8 {
            return None;
        }
        s = digits(&b[6..8])?;
        if b.len() > 8 {
            let frac = &b[9..];
            if b[8] != b'.' || frac.is_empty() || !frac.iter().all(u8::is_ascii_digit) {
                return None;
            }
            // Nanoseconds from the first nine digits; further digits are below any clock's reach.
            let kept = &frac[..frac.len().min(9)];
            nanos = digits(kept)? * 10u32.pow(9 - kept.len() as u32);
        }
    }
    Time::from_hms_nano(
        u8::try_from(h).ok()?,
        u8::try_from(m).ok()?,
        u8::try_from(s).ok()?,
        nanos,
    )
    .ok()
}

/// `Z`, `±HH:MM`, `±HHMM`, `±HH`, or UPS's `±HH.MM`.
fn offset(b: &[u8]) -> Option<UtcOffset> {
    if b == b"Z" || b == b"z" {
        return Some(UtcOffset::UTC);
    }
    let sign: i8 = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = &b[1..];
    let (h, m) = match rest.len() {
        2 => (digits(rest)?, 0),
        4 => (digits(&rest[..2])?, digits(&rest[2..])?),
        5 if rest[2] == b':' || rest[2] == b'.' => (digits(&rest[..2])?, digits(&rest[3..])?),
        _ => return None,
    };
    if h > 18 || m > 59 {
        return None;
    }
    UtcOffset::from_hms(sign * h as i8, sign * m as i8, 0).ok()
}

fn utc(date: Date, time: Time, off: UtcOffset) -> Option<OffsetDateTime> {
    PrimitiveDateTime::new(date, time)
        .assume_offset(off)
        .checked_to_offset(UtcOffset::UTC)
}

/// An ISO 8601 timestamp or date (`T` or a space between date and time).
pub(super) fn iso(text: &str) -> Result<Stamp, String> {
    let bad = || format!("'{text}' is not an ISO 8601 timestamp");
    let b = text.trim().as_bytes();
    let date = iso_date(b.get(..10).ok_or_else(bad)?).ok_or_else(bad)?;
    if b.len() == 10 {
        return Ok(Stamp {
            at: date.midnight().assume_utc(),
            basis: TimeBasis::DateOnly,
        });
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return Err(bad());
    }
    let rest = &b[11..];
    // The time runs up to an offset sign or zone letter.
    let split = rest
        .iter()
        .position(|c| matches!(c, b'Z' | b'z' | b'+' | b'-'))
        .unwrap_or(rest.len());
    let time = iso_time(&rest[..split]).ok_or_else(bad)?;
    let zone = &rest[split..];
    let (off, basis) = if zone.is_empty() {
        (UtcOffset::UTC, TimeBasis::LocalNoOffset)
    } else {
        (offset(zone).ok_or_else(bad)?, TimeBasis::Exact)
    };
    let at = utc(date, time, off).ok_or_else(bad)?;
    Ok(Stamp { at, basis })
}

/// The calendar date an ISO timestamp or date starts with, as written (an estimated delivery
/// `2024-08-05T00:00:00Z` is the 5th wherever it is read).
pub(super) fn iso_day(text: &str) -> Result<Date, String> {
    let t = text.trim().as_bytes();
    t.get(..10)
        .and_then(iso_date)
        .filter(|_| t.len() == 10 || matches!(t[10], b'T' | b't' | b' '))
        .ok_or_else(|| format!("'{text}' is not an ISO 8601 date"))
}

/// UPS's `YYYYMMDD`.
pub(super) fn compact_day(text: &str) -> Result<Date, String> {
    let b = text.trim().as_bytes();
    (b.len() == 8)
        .then(|| calendar(digits(&b[..4])?, digits(&b[4..6])?, digits(&b[6..])?))
        .flatten()
        .ok_or_else(|| format!("'{text}' is not a date (YYYYMMDD)"))
}

/// UPS's `HHMMSS`; five digits are read with the leading zero restored (the Track API's own
/// example gives `74700` for 07:47:00), four as `HHMM`.
fn compact_time(text: &str) -> Result<Time, String> {
    let t = text.trim();
    let padded = match t.len() {
        4 => format!("{t}00"),
        5 => format!("0{t}"),
        _ => t.to_owned(),
    };
    let b = padded.as_bytes();
    let parsed = (b.len() == 6)
        .then(|| {
            let (h, m, s) = (digits(&b[..2])?, digits(&b[2..4])?, digits(&b[4..])?);
            Time::from_hms(u8::try_from(h).ok()?, u8::try_from(m).ok()?, u8::try_from(s).ok()?).ok()
        })
        .flatten();
    parsed.ok_or_else(|| format!("'{text}' is not a time (HHMMSS)"))
}

/// A UPS date and time: with `offset` (`-04.00`, `-05:00`) or already in GMT (`gmt`) it is
/// exact; otherwise the local wall clock. A date without a time is a [`TimeBasis::DateOnly`].
pub(super) fn compact(date: &str, time: Option<&str>, off: Option<&str>, gmt: bool) -> Result<Stamp, String> {
    let day = compact_day(date)?;
    let Some(time) = time else {
        return Ok(Stamp {
            at: day.midnight().assume_utc(),
            basis: TimeBasis::DateOnly,
        });
    };
    let clock = compact_time(time)?;
    let (off, basis) = match (gmt, off) {
        (true, _) => (UtcOffset::UTC, TimeBasis::Exact),
        (false, Some(o)) => (
            offset(o.trim().as_bytes()).ok_or_else(|| format!("'{o}' is not a UTC offset"))?,
            TimeBasis::Exact,
        ),
        (false, None) => (UtcOffset::UTC, TimeBasis::LocalNoOffset),
    };
    let at = utc(day, clock, off).ok_or_else(|| format!("'{date} {time}' is out of range"))?;
    Ok(Stamp { at, basis })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn iso_forms() {
        let exact = |t: &str| iso(t).map(|s| (s.at, s.basis));
        assert_eq!(
            exact("2024-08-02T19:26:52.000Z"),
            Ok((datetime!(2024-08-02 19:26:52 UTC), TimeBasis::Exact))
        );
        assert_eq!(
            exact("2023-05-26T11:40:00+08:00"),
            Ok((datetime!(2023-05-26 03:40:00 UTC), TimeBasis::Exact))
        );
        assert_eq!(
            exact("2023-05-26 11:40:00-0500"),
            Ok((datetime!(2023-05-26 16:40:00 UTC), TimeBasis::Exact))
        );
        assert_eq!(
            exact("2014-05-02T16:24:38"),
            Ok((datetime!(2014-05-02 16:24:38 UTC), TimeBasis::LocalNoOffset))
        );
        assert_eq!(
            exact("2014-05-02T16:24"),
            Ok((datetime!(2014-05-02 16:24 UTC), TimeBasis::LocalNoOffset))
        );
        assert_eq!(
            exact("2024-08-05"),
            Ok((datetime!(2024-08-05 0:00 UTC), TimeBasis::DateOnly))
        );
        assert_eq!(
            exact("2024-08-02T19:26:52.1234567891Z").map(|s| s.0.nanosecond()),
            Ok(123_456_789)
        );
        for bad in [
            "",
            "2024-8-02",
            "2024-02-30",
            "2024-08-02T25:00:00Z",
            "2024-08-02T10:00:00+2500",
            "2024-08-02X10:00",
            "2024-08-02T10:00:00.Z",
            "1800-01-01",
            "2024-08-02T10",
            "2024-08-02T10:00:00+08:0",
            "２０２４-08-02",
        ] {
            assert!(iso(bad).is_err(), "{bad}");
        }
        assert_eq!(iso_day("2024-08-05T00:00:00Z"), Ok(date!(2024 - 08 - 05)));
        assert!(iso_day("2024-08-05junk").is_err());
    }

    #[test]
    fn ups_forms() {
        let at = |d, t, o, g| compact(d, t, o, g).map(|s| (s.at, s.basis));
        assert_eq!(
            at("20240423", Some("131519"), None, true),
            Ok((datetime!(2024-04-23 13:15:19 UTC), TimeBasis::Exact))
        );
        assert_eq!(
            at("20240423", Some("091519"), Some("-04.00"), false),
            Ok((datetime!(2024-04-23 13:15:19 UTC), TimeBasis::Exact))
        );
        assert_eq!(
            at("20240423", Some("091519"), None, false),
            Ok((datetime!(2024-04-23 09:15:19 UTC), TimeBasis::LocalNoOffset))
        );
        assert_eq!(
            at("20210210", Some("74700"), None, true),
            Ok((datetime!(2021-02-10 07:47:00 UTC), TimeBasis::Exact))
        );
        assert_eq!(at("20240423", None, None, false).map(|s| s.1), Ok(TimeBasis::DateOnly));
        assert!(compact("2024-04-23", Some("091519"), None, true).is_err());
        assert!(compact("20240423", Some("256000"), None, true).is_err());
        assert!(compact("20240423", Some("091519"), Some("EST"), false).is_err());
    }
}
