//! The OCI cart: items as `NEW_ITEM-<FIELD>[n]` form fields (n from 1), the long text as
//! repeated `NEW_ITEM-LONGTEXT_n:132[]` fields of at most 132 characters each, and the reader of
//! such a list back into items. Lengths are OCI's (SAP's column widths), counted in characters.

use super::{OciError, OciSetup};
use crate::currency::iso4217;
use crate::cxml::{Decimal, auto_post_html_with_target};
use aftercart_domain::money::Money;
use std::collections::BTreeMap;

/// One cart item as OCI carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciItem {
    /// Cut to 40 characters when written.
    pub description: String,
    pub quantity: Decimal,
    /// ISO unit code (`EA`, `PCE`, `KGM`), at most 3 characters.
    pub unit: String,
    /// The price per `price_unit` units; its currency is written as `NEW_ITEM-CURRENCY`.
    pub price: Money,
    /// The price is for this many units (1 when `None`).
    pub price_unit: Option<u32>,
    /// The supplier's product number (40).
    pub vendor_mat: Option<String>,
    /// The buyer's material group (10).
    pub mat_group: Option<String>,
    pub lead_time_days: Option<u32>,
    /// The buyer's vendor number for the supplier (10).
    pub vendor: Option<String>,
    /// The manufacturer's part number (40).
    pub manufact_mat: Option<String>,
    /// The catalogue's key for the item (40): what `VALIDATE` and `DETAIL` send back.
    pub ext_product_id: Option<String>,
    /// The buyer's contract number (10).
    pub contract: Option<String>,
    /// Any length; split into 132-character fields.
    pub long_text: Option<String>,
    /// Other item fields (`CUST_FIELD1`, `MATNR`, …) by name without prefix or index.
    pub extra: Vec<(String, String)>,
}

impl OciItem {
    pub fn new(
        description: impl Into<String>,
        quantity: impl Into<Decimal>,
        unit: impl Into<String>,
        price: Money,
    ) -> OciItem {
        OciItem {
            description: description.into(),
            quantity: quantity.into(),
            unit: unit.into(),
            price,
            price_unit: None,
            vendor_mat: None,
            mat_group: None,
            lead_time_days: None,
            vendor: None,
            manufact_mat: None,
            ext_product_id: None,
            contract: None,
            long_text: None,
            extra: Vec::new(),
        }
    }
}

const LONGTEXT_CHUNK: usize = 132;
const DESCRIPTION: usize = 40;

/// The optional code fields, their OCI length, and where they live in an item.
type Getter = fn(&OciItem) -> &Option<String>;
type Setter = fn(&mut OciItem) -> &mut Option<String>;
const CODES: &[(&str, usize, Getter, Setter)] = &[
    ("VENDORMAT", 40, |i| &i.vendor_mat, |i| &mut i.vendor_mat),
    ("MATGROUP", 10, |i| &i.mat_group, |i| &mut i.mat_group),
    ("VENDOR", 10, |i| &i.vendor, |i| &mut i.vendor),
    ("MANUFACTMAT", 40, |i| &i.manufact_mat, |i| &mut i.manufact_mat),
    ("EXT_PRODUCT_ID", 40, |i| &i.ext_product_id, |i| &mut i.ext_product_id),
    ("CONTRACT", 10, |i| &i.contract, |i| &mut i.contract),
];

const NUMBERS: &[(&str, usize)] = &[
    ("QUANTITY", 15),
    ("PRICE", 15),
    ("CURRENCY", 5),
    ("PRICEUNIT", 5),
    ("LEADTIME", 5),
];

const TYPED: &[&str] = &[
    "DESCRIPTION",
    "QUANTITY",
    "UNIT",
    "PRICE",
    "CURRENCY",
    "PRICEUNIT",
    "LEADTIME",
];

fn field(name: &str, n: usize) -> String {
    format!("NEW_ITEM-{name}[{n}]")
}

/// At most `max` characters, cut at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

fn checked(n: usize, name: &str, value: &str, max: usize) -> Result<(), OciError> {
    let len = value.chars().count();
    if len > max {
        return Err(OciError::new(
            Some(n),
            field(name, n),
            format!("'{value}' has {len} characters, OCI allows {max}"),
        ));
    }
    Ok(())
}

/// The `NEW_ITEM-…` fields of `items`, in item order.
pub fn cart_fields(items: &[OciItem]) -> Result<Vec<(String, String)>, OciError> {
    let mut out = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let n = i + 1;
        let description = it.description.trim();
        if description.is_empty() {
            return Err(OciError::new(Some(n), field("DESCRIPTION", n), "is empty"));
        }
        if !it.quantity.is_positive() {
            return Err(OciError::new(
                Some(n),
                field("QUANTITY", n),
                format!("{} is not above zero", it.quantity),
            ));
        }
        if it.price.is_negative() {
            return Err(OciError::new(Some(n), field("PRICE", n), "is negative"));
        }
        let unit = it.unit.trim();
        if unit.is_empty() {
            return Err(OciError::new(Some(n), field("UNIT", n), "is empty"));
        }
        checked(n, "UNIT", unit, 3)?;
        out.push((field("DESCRIPTION", n), cut(description, DESCRIPTION).to_owned()));
        let numbers = [
            ("QUANTITY", Some(it.quantity.to_string())),
            ("PRICE", Some(it.price.amount_string())),
            ("CURRENCY", Some(it.price.currency().code().to_owned())),
            ("PRICEUNIT", it.price_unit.map(|p| p.to_string())),
            ("LEADTIME", it.lead_time_days.map(|d| d.to_string())),
        ];
        out.push((field("UNIT", n), unit.to_owned()));
        for (name, value) in numbers {
            if let Some(v) = value {
                let max = NUMBERS.iter().find(|(k, _)| *k == name).map_or(15, |(_, m)| *m);
                checked(n, name, &v, max)?;
                out.push((field(name, n), v));
            }
        }
        for (name, max, get, _) in CODES {
            if let Some(v) = get(it).as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                checked(n, name, v, *max)?;
                out.push((field(name, n), v.to_owned()));
            }
        }
        for (name, value) in &it.extra {
            let name = name.trim().to_ascii_uppercase();
            let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            let taken =
                TYPED.contains(&name.as_str()) || CODES.iter().any(|c| c.0 == name) || name.starts_with("LONGTEXT");
            if !valid || taken {
                return Err(OciError::new(
                    Some(n),
                    format!("NEW_ITEM-{name}"),
                    "is not a free field name",
                ));
            }
            out.push((field(&name, n), value.clone()));
        }
        if let Some(text) = it.long_text.as_deref().filter(|t| !t.is_empty()) {
            let name = format!("NEW_ITEM-LONGTEXT_{n}:132[]");
            let chars: Vec<char> = text.chars().collect();
            for chunk in chars.chunks(LONGTEXT_CHUNK) {
                out.push((name.clone(), chunk.iter().collect()));
            }
        }
    }
    Ok(out)
}

/// The whole return: the cart's fields plus `~OkCode` (as sent, `ADDI` otherwise), `~TARGET`
/// and `~CALLER` where the call had them.
pub fn cart_return_fields(setup: &OciSetup, items: &[OciItem]) -> Result<Vec<(String, String)>, OciError> {
    let mut out = cart_fields(items)?;
    out.push(("~OkCode".into(), setup.ok_code.clone().unwrap_or_else(|| "ADDI".into())));
    if let Some(t) = &setup.target {
        out.push(("~TARGET".into(), t.clone()));
    }
    if let Some(c) = &setup.caller {
        out.push(("~CALLER".into(), c.clone()));
    }
    Ok(out)
}

/// The page that posts the cart to the call's `HOOK_URL`, targeting its `~TARGET` frame.
pub fn cart_return_html(setup: &OciSetup, items: &[OciItem]) -> Result<String, OciError> {
    let fields = cart_return_fields(setup, items)?;
    auto_post_html_with_target(&setup.hook_url, setup.target.as_deref(), &fields)
        .map_err(|e| OciError::new(None, "HOOK_URL", e.reason))
}

/// `NEW_ITEM-PRICE[3]` → (`PRICE`, 3); `NEW_ITEM-LONGTEXT_3:132[]` → (`LONGTEXT`, 3).
fn item_field(name: &str) -> Option<(String, usize)> {
    let upper = name.trim().to_ascii_uppercase();
    let rest = upper.strip_prefix("NEW_ITEM-")?;
    if let Some(lt) = rest.strip_prefix("LONGTEXT_") {
        let n = lt.split(':').next()?.trim_end_matches("[]");
        return Some(("LONGTEXT".into(), n.parse().ok()?));
    }
    let (field, index) = rest.strip_suffix(']')?.split_once('[')?;
    Some((field.to_owned(), index.parse().ok()?))
}

/// A number as OCI systems write it: `1.5`, `1,5` (a decimal comma), `1.000` (SAP's three places).
fn number(s: &str) -> Option<Decimal> {
    let t = s.trim();
    if t.contains(',') && !t.contains('.') {
        Decimal::parse(&t.replace(',', "."))
    } else {
        Decimal::parse(t)
    }
}

/// Reads a cart back from its fields (control fields such as `~OkCode` are skipped). Items are
/// in index order; each needs a description, quantity, unit, price and currency.
pub fn read_cart(fields: &[(String, String)]) -> Result<Vec<OciItem>, OciError> {
    let mut raw: BTreeMap<usize, (Vec<(String, String)>, String)> = BTreeMap::new();
    for (k, v) in fields {
        let Some((name, n)) = item_field(k) else { continue };
        if n == 0 {
            return Err(OciError::new(None, k.trim(), "item indices start at 1"));
        }
        let entry = raw.entry(n).or_default();
        if name == "LONGTEXT" {
            entry.1.push_str(v);
        } else if !entry.0.iter().any(|(f, _)| *f == name) {
            entry.0.push((name, v.clone()));
        }
    }
    let mut items = Vec::new();
    for (n, (fs, long_text)) in raw {
        let get = |name: &str| {
            fs.iter()
                .find(|(f, _)| f == name)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };
        let need = |name: &str| get(name).ok_or_else(|| OciError::new(Some(n), field(name, n), "is missing"));
        let bad = |name: &str, v: &str, why: &str| OciError::new(Some(n), field(name, n), format!("'{v}' {why}"));
        let q = need("QUANTITY")?;
        let quantity = number(q)
            .filter(|d| !d.is_negative())
            .ok_or_else(|| bad("QUANTITY", q, "is not a quantity"))?;
        let c = need("CURRENCY")?;
        let currency =
            iso4217(&c.to_ascii_uppercase()).ok_or_else(|| bad("CURRENCY", c, "is not an ISO 4217 currency"))?;
        let p = need("PRICE")?;
        let price = number(p)
            .and_then(|d| Money::parse(&d.to_string(), currency, "price").ok())
            .ok_or_else(|| bad("PRICE", p, &format!("is not an amount in {}", currency.code())))?;
        let whole = |name: &str| -> Result<Option<u32>, OciError> {
            get(name)
                .map(|v| {
                    number(v)
                        .and_then(|d| d.to_u32())
                        .ok_or_else(|| bad(name, v, "is not a whole number"))
                })
                .transpose()
        };
        let mut item = OciItem::new(need("DESCRIPTION")?, quantity, need("UNIT")?, price);
        item.price_unit = whole("PRICEUNIT")?;
        item.lead_time_days = whole("LEADTIME")?;
        for (name, _, _, set) in CODES {
            *set(&mut item) = get(name).map(str::to_owned);
        }
        item.long_text = Some(long_text).filter(|t| !t.is_empty());
        item.extra = fs
            .iter()
            .filter(|(f, _)| !TYPED.contains(&f.as_str()) && !CODES.iter().any(|c| c.0 == f))
            .cloned()
            .collect();
        items.push(item);
    }
    Ok(items)
}
