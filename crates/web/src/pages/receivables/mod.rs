//! Receivables in the portal: the invoice's documents and remittance details, paying online
//! (several invoices, part of some, with a saved method; bank transfer when no provider is
//! configured), saved methods and autopay, disputes and their threads, the statement of
//! account; and the console's finance work — the book's aging, bank statements and the
//! unapplied-cash queue, credit holds, disputes and the seller's profile.
//!
//! Every read and command goes through the application layer (`aftercart_app::payments`), the
//! same calls the JSON API makes; a refusal is shown beside the field it names, with nothing
//! written.

pub mod console;
pub mod disputes;
pub mod documents;
pub mod methods;
pub mod pay;
pub mod statement;

use super::Tag;
use crate::form::Errors;
use crate::format;
use crate::render::PageError;
use crate::session::Viewer;
use aftercart_app::{AppError, Ctx};
use aftercart_domain::ids::AccountId;
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::receivables::dispute::{Dispute, Outcome};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub type Fields = Vec<(String, String)>;

pub fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// 200, or 422 when the form has errors.
pub fn status(e: &Errors) -> StatusCode {
    if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// The customer's own account (the pages under `/pay`, `/statement`, … are the viewer's own).
pub fn own_account(v: &Viewer) -> Result<AccountId, PageError> {
    v.ctx
        .principal
        .own_account()
        .ok_or_else(|| PageError::Forbidden("these pages are a customer account's own".into()))
}

/// The version a form was rendered at: a change made meanwhile is refused, not overwritten.
pub fn pinned(v: &Viewer, f: &Fields) -> Ctx {
    let mut ctx = v.ctx.clone();
    ctx.if_match = field(f, "version").trim().parse::<i64>().ok();
    ctx
}

/// An amount typed by a person: `1,234.50` or `1234.5` (a currency sign in front is allowed).
/// `None` when empty; an error on `name` when it is not an amount of `currency` above zero.
pub fn money_field(e: &mut Errors, name: &str, raw: &str, currency: Currency, what: &str) -> Option<Money> {
    let cleaned: String = raw
        .trim()
        .trim_start_matches(['$', '€', '£'])
        .chars()
        .filter(|c| *c != ',' && !c.is_whitespace())
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    match Money::parse(&cleaned, currency, name) {
        Ok(m) if m.is_positive() => Some(m),
        Ok(_) => {
            e.add(name, format!("{what} must be more than zero"));
            None
        }
        Err(_) => {
            e.add(
                name,
                format!(
                    "Enter {} in {} as a number, like 125.00",
                    what.to_lowercase(),
                    currency.code()
                ),
            );
            None
        }
    }
}

/// An amount as a form field shows it: `1234.50` (no separators, so it parses back).
pub fn money_value(m: Money) -> String {
    m.amount_string()
}

/// A refusal's message as a sentence.
pub fn sentence(s: &str) -> String {
    super::auth::capitalise(s)
}

/// A file to download (`Content-Disposition: attachment`), never cached.
pub fn file(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A dispute's state as a word.
pub fn dispute_tag(d: &Dispute) -> Tag {
    match d.resolution.as_ref().map(|r| &r.outcome) {
        None => Tag {
            word: "Open".into(),
            class: "tag-yellow",
        },
        Some(Outcome::Credited { .. }) => Tag {
            word: "Credited".into(),
            class: "tag-green",
        },
        Some(Outcome::Corrected { .. }) => Tag {
            word: "Corrected".into(),
            class: "tag-green",
        },
        Some(Outcome::Rejected { .. }) => Tag {
            word: "Rejected".into(),
            class: "tag-red",
        },
    }
}

/// One dispute in a list (the customer's, the console's queue, an invoice's).
pub struct DisputeRow {
    pub href: String,
    pub number: String,
    pub invoice_href: String,
    pub invoice_number: String,
    pub account: String,
    pub reason: String,
    pub amount: String,
    pub status: Tag,
    pub opened: String,
    pub messages: usize,
}

pub fn dispute_row(d: &Dispute, console: bool, account: String) -> DisputeRow {
    DisputeRow {
        href: if console {
            format!("/console/disputes/{}", d.id.0)
        } else {
            format!("/disputes/{}", d.id.0)
        },
        number: d.number.clone(),
        invoice_href: format!("/invoices/{}", d.invoice_id.0),
        invoice_number: d.invoice_number.clone(),
        account,
        reason: d.reason.label().into(),
        amount: format::money(d.amount()),
        status: dispute_tag(d),
        opened: format::date(d.opened_at.date()),
        messages: d.messages.len(),
    }
}

/// A field an application refusal names, when the page has one of that name; else `fallback`.
pub fn known_field(field: &str, known: &[&str], fallback: &str) -> String {
    if known.contains(&field) {
        field.to_owned()
    } else {
        fallback.to_owned()
    }
}

/// The application's refusals that a form shows beside a field (`Some((field, message))`),
/// and the rest as the error page they are. `field_of` maps the application's field name.
pub fn refusal(err: AppError, field_of: impl Fn(&str) -> String) -> Result<(String, String), PageError> {
    match err {
        AppError::Rejected(r) => Ok((field_of(&r.field), sentence(&r.message))),
        AppError::NotFound { what, field: Some(f) } => {
            Ok((field_of(&f), format!("That {what} was not found; choose again")))
        }
        AppError::PreconditionFailed(_) => Ok((
            field_of(""),
            "Someone changed this meanwhile; check what it shows now and try again".into(),
        )),
        AppError::Conflict(m) | AppError::Unavailable(m) => Ok((field_of(""), sentence(&m))),
        e => Err(e.into()),
    }
}
