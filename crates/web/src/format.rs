//! Numbers, money and dates for people: thousands separators, currency symbols, "20 Nov 2026".

use aftercart_domain::money::Money;
use aftercart_domain::quantity::Qty;
use time::{Date, OffsetDateTime};

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn qty(q: Qty) -> String {
    thousands(u64::from(q.get()))
}

/// `USD 1234.5` → `$1,234.50`; `EUR` → `€`; `GBP` → `£`; others → `CHF 1,234.50`. Negative
/// amounts get a leading minus sign.
pub fn money(m: Money) -> String {
    let s = m.amount_string();
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.to_owned()),
        None => (false, s),
    };
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
        None => (s, None),
    };
    let int = int.parse::<u64>().map(thousands).unwrap_or(int);
    let number = match frac {
        Some(f) => format!("{int}.{f}"),
        None => int,
    };
    let code = m.currency().code().to_owned();
    let body = match code.as_str() {
        "USD" => format!("${number}"),
        "EUR" => format!("€{number}"),
        "GBP" => format!("£{number}"),
        _ => format!("{code} {number}"),
    };
    if neg { format!("−{body}") } else { body }
}

/// `20 Nov 2026`.
pub fn date(d: Date) -> String {
    format!("{} {} {}", d.day(), &d.month().to_string()[..3], d.year())
}

/// `20 Nov 2026, 15:04 UTC`.
pub fn time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{}, {:02}:{:02} UTC", date(t.date()), t.hour(), t.minute())
}

/// A machine-readable moment (RFC 3339, UTC) for downloads.
pub fn iso_datetime(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A machine-readable date for `<time datetime>`.
pub fn iso_date(d: Date) -> String {
    d.to_string()
}

/// `partially_delivered_partially_shipped` → `Partially delivered, partially shipped`.
pub fn words(s: &str) -> String {
    let s = s
        .replace("delivered_partially", "delivered, partially")
        .replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aftercart_domain::money::Currency;

    #[test]
    fn money_and_numbers_for_people() {
        let usd = Currency::parse("USD", "c").unwrap();
        assert_eq!(money(Money::from_minor(123_456_789, usd)), "$1,234,567.89");
        assert_eq!(money(Money::from_minor(-5, usd)), "−$0.05");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        let d = Date::from_calendar_date(2026, time::Month::November, 3).unwrap();
        assert_eq!(date(d), "3 Nov 2026");
        assert_eq!(
            words("partially_delivered_partially_shipped"),
            "Partially delivered, partially shipped"
        );
    }
}
