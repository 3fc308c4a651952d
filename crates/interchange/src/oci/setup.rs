//! The inbound OCI call: the fields a buyer's system sends when it opens the catalogue, by form
//! post or in the URL's query. Names are matched case-insensitively (systems differ), the
//! OCI 5.0 functions (`VALIDATE` a product's price and availability, show its `DETAIL`,
//! `BACKGROUND_SEARCH`) are typed, and every field not known here is kept in order, since
//! customers add their own and expect them back or acted on.

use super::OciError;
use crate::cxml::{Decimal, constant_time_eq, parse_urlencoded};

/// What the buyer's system asks the catalogue to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OciFunction {
    /// No `FUNCTION`: the user browses and builds a cart.
    Browse,
    /// `VALIDATE`: return this product, priced for this buyer, as a one-item cart.
    Validate {
        product_id: String,
        quantity: Option<Decimal>,
    },
    /// `DETAIL`: show this product's page.
    Detail { product_id: String },
    /// `BACKGROUND_SEARCH`: return matches for the text without showing a page.
    BackgroundSearch { search_string: String },
    /// Any other function name, as sent.
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciSetup {
    /// Where the cart is posted back (http or https).
    pub hook_url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `~TARGET`: the browser frame the return form targets (`_top`, `_parent`).
    pub target: Option<String>,
    /// `~OkCode`: returned with the cart (`ADDI` when absent).
    pub ok_code: Option<String>,
    /// `~CALLER`: returned with the cart when sent (usually `CTLG`).
    pub caller: Option<String>,
    pub function: OciFunction,
    /// `BYPASS_INB_HANDLER`: the buyer's system skips its inbound handler (`X`, `true`, `1`).
    pub bypass_inbound_handler: bool,
    /// Every other field, in order, as sent.
    pub other: Vec<(String, String)>,
}

impl OciSetup {
    /// Whether the call's `PASSWORD` is `expected`, in constant time (no password never matches).
    pub fn password_matches(&self, expected: &str) -> bool {
        match &self.password {
            Some(p) if !expected.is_empty() => constant_time_eq(p.as_bytes(), expected.as_bytes()),
            _ => false,
        }
    }

    /// Another field by name, case-insensitively.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.other
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

const KNOWN: &[&str] = &[
    "HOOK_URL",
    "USERNAME",
    "PASSWORD",
    "~TARGET",
    "~OKCODE",
    "~CALLER",
    "FUNCTION",
    "PRODUCTID",
    "QUANTITY",
    "SEARCHSTRING",
    "BYPASS_INB_HANDLER",
];

/// Reads the call from its fields (a parsed form body or query; see [`parse_setup_query`]).
/// The first of repeated fields counts.
pub fn parse_setup(fields: &[(String, String)]) -> Result<OciSetup, OciError> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let hook_url = get("HOOK_URL").ok_or_else(|| OciError::new(None, "HOOK_URL", "is missing"))?;
    if !crate::cxml::is_http_url(&hook_url) {
        return Err(OciError::new(None, "HOOK_URL", "must be an http or https URL"));
    }
    let product = |function: &str| {
        get("PRODUCTID")
            .ok_or_else(|| OciError::new(None, "PRODUCTID", format!("is required with FUNCTION={function}")))
    };
    let function = match get("FUNCTION") {
        None => OciFunction::Browse,
        Some(f) => match f.to_ascii_uppercase().as_str() {
            "VALIDATE" => {
                let quantity = match get("QUANTITY") {
                    None => None,
                    Some(q) => Some(
                        Decimal::parse(&q)
                            .filter(|q| q.is_positive())
                            .ok_or_else(|| OciError::new(None, "QUANTITY", format!("'{q}' is not a quantity")))?,
                    ),
                };
                OciFunction::Validate {
                    product_id: product("VALIDATE")?,
                    quantity,
                }
            }
            "DETAIL" => OciFunction::Detail {
                product_id: product("DETAIL")?,
            },
            "BACKGROUND_SEARCH" => OciFunction::BackgroundSearch {
                search_string: get("SEARCHSTRING").unwrap_or_default(),
            },
            _ => OciFunction::Other(f),
        },
    };
    let bypass = get("BYPASS_INB_HANDLER")
        .is_some_and(|v| matches!(v.to_ascii_uppercase().as_str(), "X" | "TRUE" | "1" | "YES"));
    let mut other: Vec<(String, String)> = Vec::new();
    for (k, v) in fields {
        let known = KNOWN.iter().any(|n| k.trim().eq_ignore_ascii_case(n));
        if !known && !other.iter().any(|(o, _)| o.eq_ignore_ascii_case(k.trim())) {
            other.push((k.trim().to_owned(), v.clone()));
        }
    }
    Ok(OciSetup {
        hook_url,
        username: get("USERNAME"),
        password: fields
            .iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("PASSWORD"))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty()),
        target: get("~TARGET"),
        ok_code: get("~OKCODE"),
        caller: get("~CALLER"),
        function,
        bypass_inbound_handler: bypass,
        other,
    })
}

/// Reads the call from a URL query string (with or without the leading `?`) or a form body.
pub fn parse_setup_query(query: &str) -> Result<OciSetup, OciError> {
    parse_setup(&parse_urlencoded(query))
}
