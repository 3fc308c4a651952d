//! One module per page family, and the pieces they share.

pub mod auth;
pub mod console;
pub mod dashboard;
pub mod invoices;
pub mod orders;
// -- page modules added per area below --
// -- supplier portal and shipments --
pub mod shipments;
pub mod supplier;
// -- dropship --
pub mod supplier_reject;
// -- /dropship --
// -- company administration --
pub mod admin;
// -- approvals and spend --
pub mod approvals;
pub mod customer;
pub mod downloads;
pub mod password;
pub mod punchout;
pub mod search;
pub mod spend;
pub mod track;
// -- reorder and saved lists --
pub mod lists;
pub mod reorder;
// -- cases --
pub mod cases;
// -- /cases --
// -- returns --
pub mod returns;
// -- /returns --
// -- exceptions --
pub mod exceptions;
// -- /exceptions --
// -- change requests --
pub mod changes;
// -- /change requests --
// -- notifications --
pub mod help;
pub mod notifications;
pub mod webhooks;
// -- /notifications --
// -- receivables --
pub mod receivables;
// -- /receivables --

use aftercart_domain::status::Risk;

/// A status shown as a word, with a colour class that only repeats what the word says.
#[derive(Debug, Clone)]
pub struct Tag {
    pub word: String,
    pub class: &'static str,
}

impl Tag {
    pub fn progress(status: &str) -> Tag {
        // -- receivables --
        match status {
            "credit_hold" => {
                return Tag {
                    word: "Held for credit review".into(),
                    class: "tag-yellow",
                };
            }
            "credit_rejected" => {
                return Tag {
                    word: "Rejected in credit review".into(),
                    class: "tag-red",
                };
            }
            _ => {}
        }
        // -- /receivables --
        let class = match status {
            "delivered" | "paid" | "approved" => "tag-green",
            "shipped"
            | "partially_shipped"
            | "partially_delivered"
            | "partially_delivered_partially_shipped"
            | "allocated"
            | "in_transit"
            | "out_for_delivery"
            | "open"
            | "partially_paid" => "tag-blue",
            "backordered" | "awaiting_approval" | "pending_approval" => "tag-yellow",
            "rejected" | "overdue" | "exception" | "returned_to_sender" | "failed_attempt" => "tag-red",
            _ => "tag-grey",
        };
        Tag {
            word: crate::format::words(status),
            class,
        }
    }

    pub fn risk(r: Risk) -> Option<Tag> {
        match r {
            Risk::OnTrack => None,
            Risk::AtRisk => Some(Tag {
                word: "At risk".into(),
                class: "tag-yellow",
            }),
            Risk::Late => Some(Tag {
                word: "Late".into(),
                class: "tag-red",
            }),
        }
    }
}

/// A choice in a `<select>`.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Parses a `YYYY-MM-DD` date field.
pub fn parse_date(e: &mut crate::form::Errors, field: &str, label: &str, v: &str) -> Option<time::Date> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match time::Date::parse(v, time::macros::format_description!("[year]-[month]-[day]")) {
        Ok(d) => Some(d),
        Err(_) => {
            e.add(field, format!("{label} must be a real date, like 2026-11-24"));
            None
        }
    }
}

/// A query string's fields (unknown or malformed ones are ignored).
pub fn query<T: serde::de::DeserializeOwned + Default>(raw: Option<&str>) -> T {
    serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default()
}
