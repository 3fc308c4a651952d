//! The public tracking page: an order number and its ship-to postcode (or the email of whoever
//! placed it) give the parcels and what has not shipped yet, without an account. Every wrong
//! pair gets one neutral answer, and lookups are rate-limited per client address.

use super::Tag;
use super::auth::{Peer, same_origin};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use aftercart_app::PublicTracking;
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

pub struct ParcelRow {
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: String,
    pub status: Tag,
    pub shipped: String,
    pub eta: String,
    pub latest: String,
    pub items: Vec<String>,
    /// (when, what, where), newest first.
    pub checkpoints: Vec<(String, String, String)>,
}

pub struct WaitingRow {
    pub description: String,
    pub quantity: String,
    pub state: String,
}

pub struct Found {
    pub number: String,
    pub placed: String,
    pub destination: String,
    pub parcels: Vec<ParcelRow>,
    pub waiting: Vec<WaitingRow>,
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    l: Layout,
    e: Errors,
    number: String,
    proof: String,
    found: Option<Found>,
}

fn page(status: StatusCode, e: Errors, number: String, proof: String, found: Option<Found>) -> Response {
    render(
        status,
        &TrackPage {
            l: Layout::public("Track your order"),
            e,
            number,
            proof,
            found,
        },
    )
}

pub async fn form() -> Response {
    page(StatusCode::OK, Errors::default(), String::new(), String::new(), None)
}

#[derive(Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    proof: String,
}

/// The one answer for every wrong pair: it does not say which half was wrong.
pub const NOT_FOUND: &str =
    "We could not find an order with that number and postcode or email. Check both and try again";

pub async fn lookup(
    State(st): State<WebState>,
    headers: HeaderMap,
    Peer(peer): Peer,
    Form(f): Form<TrackForm>,
) -> PageResult {
    if !same_origin(&headers) {
        return Err(PageError::Forbidden("the form must be sent from this site".into()));
    }
    let mut e = Errors::default();
    let number = e.text(
        "number",
        "The order number",
        &f.number,
        TextKind::Ident,
        Some("Enter the order number"),
    );
    let proof = e.text(
        "proof",
        "The postcode or email",
        &f.proof,
        TextKind::Email,
        Some("Enter the delivery postcode or the email address the order was placed with"),
    );
    if !e.is_empty() {
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, e, number, proof, None));
    }
    if st.app.hit_limit(&aftercart_app::PUBLIC_TRACKING, peer).await? {
        e.add(
            "number",
            "Too many lookups from your network; wait a minute and try again",
        );
        return Ok(page(StatusCode::TOO_MANY_REQUESTS, e, number, proof, None));
    }
    match st.app.public_tracking(&number, &proof).await? {
        Some(t) => Ok(page(StatusCode::OK, Errors::default(), number, proof, Some(found(&t)))),
        None => {
            e.add("number", NOT_FOUND);
            Ok(page(StatusCode::NOT_FOUND, e, number, proof, None))
        }
    }
}

fn found(t: &PublicTracking) -> Found {
    Found {
        number: t.number.clone(),
        placed: format::date(t.placed_at.date()),
        destination: t.destination.clone(),
        parcels: t
            .parcels
            .iter()
            .map(|p| {
                let latest = p.checkpoints.first();
                ParcelRow {
                    carrier: match &p.service {
                        Some(s) => format!("{} {s}", p.carrier),
                        None => p.carrier.clone(),
                    },
                    tracking_number: p.tracking_number.clone().unwrap_or_default(),
                    tracking_url: p.tracking_url.clone().unwrap_or_default(),
                    status: Tag::progress(p.status.as_str()),
                    shipped: format::time(p.shipped_at),
                    eta: match (p.delivered_at, p.estimated_delivery.or(p.promised_delivery)) {
                        (Some(d), _) => format!("Delivered {}", format::time(d)),
                        (None, Some(d)) => format!("Expected {}", format::date(d)),
                        (None, None) => "No delivery date from the carrier yet".into(),
                    },
                    latest: latest.map_or_else(
                        || "No carrier scan yet".to_owned(),
                        |c| {
                            let at = c.location.as_deref().map(|l| format!(" at {l}")).unwrap_or_default();
                            format!("{}{at}, {}", format::words(c.status.as_str()), format::time(c.at))
                        },
                    ),
                    items: p
                        .items
                        .iter()
                        .map(|(d, q)| format!("{} × {d}", format::qty(*q)))
                        .collect(),
                    checkpoints: p
                        .checkpoints
                        .iter()
                        .map(|c| {
                            (
                                format::time(c.at),
                                c.description
                                    .clone()
                                    .unwrap_or_else(|| format::words(c.status.as_str())),
                                c.location.clone().unwrap_or_default(),
                            )
                        })
                        .collect(),
                }
            })
            .collect(),
        waiting: t
            .not_shipped
            .iter()
            .map(|w| WaitingRow {
                description: w.description.clone(),
                quantity: format::qty(w.quantity),
                state: match (w.backordered, w.expected) {
                    (true, Some(d)) => format!("Backordered, expected {}", format::date(d)),
                    (true, None) => "Backordered, no date yet".into(),
                    (false, _) => "Being prepared".into(),
                },
            })
            .collect(),
    }
}
