//! The catalogue kinds: `products` (one row per product, known by its SKU) and `prices` (one row
//! per contract price, known by account number and SKU). Amounts are decimal text in the
//! currency of the product (`currency`, default USD) or of the account (prices).

use super::orders::{check, identifier, required, text};
use super::{RawRow, RowError};
use aftercart_domain::money::{Currency, Money};

/// The columns of a `products` row.
pub const PRODUCT_COLUMNS: [&str; 5] = ["sku", "name", "category", "list_price", "currency"];
/// The columns of a `prices` row.
pub const PRICE_COLUMNS: [&str; 3] = ["account", "sku", "unit_price"];

/// One product as an ERP sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRow {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub list_price: Money,
}

/// One contract price: the account's price for a SKU. The amount is checked as a decimal here
/// and read in the account's currency by the importer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceRow {
    pub account: String,
    pub sku: String,
    pub unit_price: String,
}

pub(super) fn amount(raw: &RawRow, column: &str, currency: Currency) -> Result<Money, RowError> {
    let v = required(raw, column)?;
    let m = Money::parse(v, currency, column).map_err(|e| RowError::new(raw, column, e.message))?;
    if m.is_negative() {
        return Err(RowError::new(raw, column, "must not be negative"));
    }
    Ok(m)
}

impl ProductRow {
    pub fn from_raw(raw: &RawRow) -> Result<ProductRow, RowError> {
        if let Some(c) = raw.unknown_column(&PRODUCT_COLUMNS) {
            return Err(RowError::new(raw, &c, "unknown column"));
        }
        let currency = match raw.get("currency") {
            None => Currency::parse("USD", "currency").map_err(|e| RowError::new(raw, "currency", e.message))?,
            Some(c) => Currency::parse(c, "currency")
                .map_err(|_| RowError::new(raw, "currency", "must be an ISO 4217 code such as USD"))?,
        };
        let category = match raw.get("category") {
            None => String::new(),
            Some(c) => {
                check(raw, "category", c, 100)?;
                c.to_owned()
            }
        };
        Ok(ProductRow {
            sku: identifier(raw, "sku")?,
            name: text(raw, "name", 200)?,
            category,
            list_price: amount(raw, "list_price", currency)?,
        })
    }
}

impl PriceRow {
    pub fn from_raw(raw: &RawRow) -> Result<PriceRow, RowError> {
        if let Some(c) = raw.unknown_column(&PRICE_COLUMNS) {
            return Err(RowError::new(raw, &c, "unknown column"));
        }
        // Checked as an amount now (in any currency: the digits are what can be wrong), read
        // in the account's currency when applied.
        let usd = Currency::parse("USD", "currency").map_err(|e| RowError::new(raw, "currency", e.message))?;
        amount(raw, "unit_price", usd)?;
        Ok(PriceRow {
            account: identifier(raw, "account")?,
            sku: identifier(raw, "sku")?,
            unit_price: required(raw, "unit_price")?.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, RowReader};
    use super::*;

    fn rows(text: &str) -> Vec<Result<RawRow, RowError>> {
        let mut r = RowReader::new(Format::Csv, text.as_bytes()).unwrap();
        let mut out = Vec::new();
        while let Some(x) = r.next_row() {
            out.push(x.unwrap());
        }
        out
    }

    #[test]
    fn product_rows_are_checked_column_by_column() {
        let rs = rows(
            "sku,name,category,list_price,currency\n\
             GLV-1,Gloves,safety,14.00,\n\
             GLV-2,,safety,14.00,USD\n\
             GLV-3,Gloves,,-1.00,USD\n\
             GLV-4,Gloves,,1.234,USD\n\
             GLV-5,Gloves,,1.00,usd\n",
        );
        let p = ProductRow::from_raw(rs[0].as_ref().unwrap()).unwrap();
        assert_eq!(
            (p.sku.as_str(), p.list_price.to_string().as_str()),
            ("GLV-1", "USD 14.00")
        );
        let col = |i: usize| ProductRow::from_raw(rs[i].as_ref().unwrap()).unwrap_err().column;
        assert_eq!(col(1), "name");
        assert_eq!(col(2), "list_price");
        assert_eq!(col(3), "list_price");
        assert_eq!(col(4), "currency");
    }

    #[test]
    fn price_rows_need_an_account_a_sku_and_an_amount() {
        let rs = rows("account,sku,unit_price\nC-1,GLV-1,11.75\nC-1,,11.75\nC-1,GLV-1,abc\n");
        let p = PriceRow::from_raw(rs[0].as_ref().unwrap()).unwrap();
        assert_eq!(p.unit_price, "11.75");
        assert_eq!(PriceRow::from_raw(rs[1].as_ref().unwrap()).unwrap_err().column, "sku");
        assert_eq!(
            PriceRow::from_raw(rs[2].as_ref().unwrap()).unwrap_err().column,
            "unit_price"
        );
        let rs = rows("account,sku,unit_price,discount\nC-1,GLV-1,1,2\n");
        assert_eq!(
            PriceRow::from_raw(rs[0].as_ref().unwrap()).unwrap_err().column,
            "discount"
        );
    }
}
