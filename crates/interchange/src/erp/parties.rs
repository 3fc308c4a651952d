//! The party kinds: `accounts` (one row per customer account, known by its number) and
//! `locations` (one row per ship-to or bill-to location, known by account number and location
//! name — the name is what order rows refer to, and it is unique on an account).

use super::catalog::amount;
use super::orders::{check, identifier, text};
use super::{RawRow, RowError};
use aftercart_domain::account::LocationKind;
use aftercart_domain::money::{Currency, Money};

/// The columns of an `accounts` row.
pub const ACCOUNT_COLUMNS: [&str; 5] = ["number", "name", "currency", "payment_terms_days", "credit_limit"];
/// The columns of a `locations` row.
pub const LOCATION_COLUMNS: [&str; 7] = ["account", "name", "kind", "address", "city", "postcode", "country"];

/// Net days an ERP may give: a year is already generous.
const MAX_TERMS_DAYS: u16 = 365;

/// One customer account as an ERP sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub number: String,
    pub name: String,
    pub currency: Currency,
    pub payment_terms_days: u16,
    /// In the account's currency; zero when the column is empty.
    pub credit_limit: Money,
}

/// One location of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationRow {
    pub account: String,
    pub name: String,
    pub kind: LocationKind,
    pub address: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
}

fn optional_text(raw: &RawRow, column: &str, max: usize) -> Result<String, RowError> {
    match raw.get(column) {
        None => Ok(String::new()),
        Some(v) => {
            check(raw, column, v, max)?;
            Ok(v.to_owned())
        }
    }
}

impl AccountRow {
    pub fn from_raw(raw: &RawRow) -> Result<AccountRow, RowError> {
        if let Some(c) = raw.unknown_column(&ACCOUNT_COLUMNS) {
            return Err(RowError::new(raw, &c, "unknown column"));
        }
        let number = identifier(raw, "number")?;
        let name = text(raw, "name", 200)?;
        let currency = Currency::parse(raw.get("currency").unwrap_or_default(), "currency")
            .map_err(|_| RowError::new(raw, "currency", "must be an ISO 4217 code such as USD"))?;
        let payment_terms_days = match raw.get("payment_terms_days") {
            None => 30,
            Some(d) => match d.parse::<u16>() {
                Ok(n) if n <= MAX_TERMS_DAYS => n,
                _ => {
                    return Err(RowError::new(
                        raw,
                        "payment_terms_days",
                        format!("must be a whole number of days from 0 to {MAX_TERMS_DAYS}"),
                    ));
                }
            },
        };
        let credit_limit = match raw.get("credit_limit") {
            None => Money::zero(currency),
            Some(_) => amount(raw, "credit_limit", currency)?,
        };
        Ok(AccountRow {
            number,
            name,
            currency,
            payment_terms_days,
            credit_limit,
        })
    }
}

impl LocationRow {
    pub fn from_raw(raw: &RawRow) -> Result<LocationRow, RowError> {
        if let Some(c) = raw.unknown_column(&LOCATION_COLUMNS) {
            return Err(RowError::new(raw, &c, "unknown column"));
        }
        let kind = match raw.get("kind").map(str::to_ascii_lowercase).as_deref() {
            None | Some("ship_to") | Some("ship-to") => LocationKind::ShipTo,
            Some("bill_to") | Some("bill-to") => LocationKind::BillTo,
            Some("both") => LocationKind::Both,
            Some(_) => return Err(RowError::new(raw, "kind", "must be ship_to, bill_to or both")),
        };
        Ok(LocationRow {
            account: identifier(raw, "account")?,
            name: text(raw, "name", 200)?,
            kind,
            address: optional_text(raw, "address", 200)?,
            city: optional_text(raw, "city", 100)?,
            postcode: optional_text(raw, "postcode", 20)?,
            country: optional_text(raw, "country", 100)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, RowReader};
    use super::*;

    fn rows(text: &str) -> Vec<RawRow> {
        let mut r = RowReader::new(Format::Csv, text.as_bytes()).unwrap();
        let mut out = Vec::new();
        while let Some(x) = r.next_row() {
            out.push(x.unwrap().unwrap());
        }
        out
    }

    #[test]
    fn account_rows_default_terms_and_limit_and_name_the_bad_column() {
        let rs = rows(
            "number,name,currency,payment_terms_days,credit_limit\n\
             C-9,Acme,EUR,,\n\
             C-9,Acme,eur,30,0\n\
             C-9,Acme,EUR,400,0\n\
             C-9,Acme,EUR,30,-5\n\
             ,Acme,EUR,30,5\n",
        );
        let a = AccountRow::from_raw(&rs[0]).unwrap();
        assert_eq!(a.payment_terms_days, 30);
        assert_eq!(a.credit_limit.to_string(), "EUR 0.00");
        let col = |i: usize| AccountRow::from_raw(&rs[i]).unwrap_err().column;
        assert_eq!(col(1), "currency");
        assert_eq!(col(2), "payment_terms_days");
        assert_eq!(col(3), "credit_limit");
        assert_eq!(col(4), "number");
    }

    #[test]
    fn location_rows_read_their_kind() {
        let rs = rows(
            "account,name,kind,address,city,postcode,country\n\
             C-9,Dock 4,,1 Quay St,Leeds,LS1,GB\n\
             C-9,Head office,Both,,,,\n\
             C-9,Yard,warehouse,,,,\n\
             C-9,,ship_to,,,,\n",
        );
        let l = LocationRow::from_raw(&rs[0]).unwrap();
        assert_eq!((l.kind, l.city.as_str()), (LocationKind::ShipTo, "Leeds"));
        assert_eq!(LocationRow::from_raw(&rs[1]).unwrap().kind, LocationKind::Both);
        assert_eq!(LocationRow::from_raw(&rs[2]).unwrap_err().column, "kind");
        assert_eq!(LocationRow::from_raw(&rs[3]).unwrap_err().column, "name");
    }
}
