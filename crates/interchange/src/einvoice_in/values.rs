//! The value rules both syntaxes share: amounts in the document currency's minor units (an
//! amount with more significant decimals than the currency has is refused, never rounded),
//! exact decimals, UBL's `YYYY-MM-DD` and CII's format-102 `YYYYMMDD` dates, and indicators.

use super::EInvoiceError;
use super::model::Decimal;
use super::xml::Node;
use crate::currency::iso4217;
use aftercart_domain::money::{Currency, Money};
use time::{Date, Month};

pub(super) fn decimal(node: &Node) -> Result<Decimal, EInvoiceError> {
    Decimal::parse(&node.text).map_err(|r| node.error(r))
}

/// An amount element in `currency`. A `currencyID` attribute, when present, must name it.
pub(super) fn amount(node: &Node, currency: Currency) -> Result<Money, EInvoiceError> {
    if let Some(code) = node.attr("currencyID")
        && code != currency.code()
    {
        return Err(node.error(format!(
            "currencyID '{code}' is not the document currency {}",
            currency.code()
        )));
    }
    let d = decimal(node)?;
    let exp = currency.exponent();
    if d.scale() > exp {
        return Err(node.error(format!(
            "'{}' has more decimals than {} allows ({exp})",
            node.text.trim(),
            currency.code()
        )));
    }
    10i64
        .checked_pow(exp - d.scale())
        .and_then(|p| d.units().checked_mul(p))
        .map(|minor| Money::from_minor(minor, currency))
        .ok_or_else(|| node.error(format!("'{}' is too large", node.text.trim())))
}

/// The amount at `path` below `parent`, if the element is there.
pub(super) fn amount_at(parent: &Node, path: &str, currency: Currency) -> Result<Option<Money>, EInvoiceError> {
    parent.at(path).map(|n| amount(n, currency)).transpose()
}

pub(super) fn required_amount(parent: &Node, path: &str, currency: Currency) -> Result<Money, EInvoiceError> {
    amount_at(parent, path, currency)?.ok_or_else(|| parent.missing(path))
}

pub(super) fn decimal_at(parent: &Node, path: &str) -> Result<Option<Decimal>, EInvoiceError> {
    parent.at(path).map(decimal).transpose()
}

pub(super) fn currency(node: &Node) -> Result<Currency, EInvoiceError> {
    let code = node.text.trim();
    iso4217(code).ok_or_else(|| node.error(format!("'{code}' is not an ISO 4217 currency")))
}

fn calendar(y: &str, m: &str, d: &str) -> Option<Date> {
    let num = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u16>().ok())
            .flatten()
    };
    let year = i32::from(num(y)?);
    let month = Month::try_from(u8::try_from(num(m)?).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(num(d)?).ok()?).ok()
}

/// UBL's `xs:date`: `YYYY-MM-DD`, a time zone suffix (`Z`, `+01:00`) allowed and ignored.
pub(super) fn ubl_date(node: &Node) -> Result<Date, EInvoiceError> {
    let t = node.text.trim();
    let day = t
        .get(..10)
        .filter(|d| d.as_bytes().get(4) == Some(&b'-') && d.as_bytes().get(7) == Some(&b'-'))
        .filter(|_| {
            let zone = &t[10..];
            zone.is_empty() || zone == "Z" || (zone.len() == 6 && matches!(zone.as_bytes()[0], b'+' | b'-'))
        })
        .and_then(|d| calendar(&d[..4], &d[5..7], &d[8..]));
    day.ok_or_else(|| node.error(format!("'{t}' is not a date (YYYY-MM-DD)")))
}

/// CII's `udt:DateTimeString` (or `qdt:`/`udt:DateString`) below `node`: format 102, `YYYYMMDD`.
pub(super) fn cii_date(node: &Node) -> Result<Date, EInvoiceError> {
    let s = [
        "udt:DateTimeString",
        "qdt:DateTimeString",
        "udt:DateString",
        "qdt:DateString",
    ]
    .iter()
    .find_map(|n| node.child(n))
    .ok_or_else(|| node.missing("udt:DateTimeString"))?;
    if let Some(f) = s.attr("format")
        && f != "102"
    {
        return Err(s.error(format!("date format '{f}' is not 102 (YYYYMMDD)")));
    }
    let t = s.text.trim();
    let day = (t.len() == 8 && t.is_ascii())
        .then(|| calendar(&t[..4], &t[4..6], &t[6..]))
        .flatten();
    day.ok_or_else(|| s.error(format!("'{t}' is not a date (YYYYMMDD)")))
}

/// `true`/`false` (and the schema's `1`/`0`).
pub(super) fn indicator(node: &Node) -> Result<bool, EInvoiceError> {
    match node.text.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(node.error(format!("'{other}' is neither true nor false"))),
    }
}
