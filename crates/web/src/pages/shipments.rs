//! Shipments by location: per ship-to location, what is on its way (carrier, tracking link,
//! latest scan, expected date) and what arrived in the last days (when, and whether the receipt
//! reported it short or damaged), each linking to its order.
//!
//! Customers see their account's locations within their scope, suppliers what they shipped,
//! staff every account or the one they choose.

use super::supplier::{latest_scan, tracking_link};
use super::{Opt, Tag, query};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageResult, render};
use crate::session::Viewer;
use aftercart_app::{ARRIVED_DAYS, LocationShipments, ShipmentDoc};
use aftercart_domain::ids::AccountId;
use aftercart_domain::order::Shipment;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;

pub struct WayRow {
    pub order_id: String,
    pub number: String,
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: String,
    pub status: Tag,
    pub shipped: String,
    pub latest: String,
    pub eta: String,
    pub contents: String,
}

pub struct ArrivedRow {
    pub order_id: String,
    pub number: String,
    pub carrier: String,
    pub tracking_number: String,
    pub delivered: String,
    /// What the receipt said: received in full, short, damaged, wrong item, or not yet.
    pub receipt: String,
    pub problem: bool,
    pub contents: String,
}

pub struct LocationCard {
    pub id: String,
    pub name: String,
    pub place: String,
    pub account: String,
    pub on_the_way: Vec<WayRow>,
    pub arrived: Vec<ArrivedRow>,
}

#[derive(Template)]
#[template(path = "shipments.html")]
struct ShipmentsPage {
    l: Layout,
    e: Errors,
    staff: bool,
    accounts: Vec<Opt>,
    cards: Vec<LocationCard>,
    days: i64,
}

#[derive(Deserialize, Default)]
struct Q {
    #[serde(default)]
    account: String,
}

fn contents(s: &Shipment) -> String {
    s.lines
        .iter()
        .map(|l| format!("line {}: {}", l.line, format::qty(l.quantity)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn carrier(s: &Shipment) -> String {
    match &s.service {
        Some(sv) => format!("{} {sv}", s.carrier),
        None => s.carrier.clone(),
    }
}

/// The receipt in words: "Received in full", "2 short, 1 damaged", or "Not confirmed yet".
fn receipt_words(s: &Shipment) -> (String, bool) {
    let Some(r) = &s.receipt else {
        return ("Not confirmed yet".into(), false);
    };
    let (mut short, mut damaged, mut wrong) = (0u32, 0u32, 0u32);
    for l in &r.lines {
        let shipped = s.quantity_of(l.line);
        short += shipped.saturating_sub(l.received + l.damaged + l.wrong_item).get();
        damaged += l.damaged.get();
        wrong += l.wrong_item.get();
    }
    let mut parts = Vec::new();
    if short > 0 {
        parts.push(format!("{} short", format::thousands(short.into())));
    }
    if damaged > 0 {
        parts.push(format!("{} damaged", format::thousands(damaged.into())));
    }
    if wrong > 0 {
        parts.push(format!("{} wrong item", format::thousands(wrong.into())));
    }
    if parts.is_empty() {
        (format!("Received in full ({})", format::date(r.at.date())), false)
    } else {
        (format!("Reported {}", parts.join(", ")), true)
    }
}

fn way_row(d: &ShipmentDoc) -> WayRow {
    let s = &d.shipment;
    WayRow {
        order_id: d.order_id.0.to_string(),
        number: d.order_number.clone(),
        carrier: carrier(s),
        tracking_number: s.tracking_number.clone().unwrap_or_default(),
        tracking_url: tracking_link(s),
        status: Tag::progress(s.status().as_str()),
        shipped: format::date(s.shipped_at.date()),
        latest: latest_scan(s),
        eta: s
            .estimated_delivery
            .or(s.promised_delivery)
            .map(format::date)
            .unwrap_or_else(|| "Not known yet".into()),
        contents: contents(s),
    }
}

fn arrived_row(d: &ShipmentDoc) -> ArrivedRow {
    let s = &d.shipment;
    let (receipt, problem) = receipt_words(s);
    ArrivedRow {
        order_id: d.order_id.0.to_string(),
        number: d.order_number.clone(),
        carrier: carrier(s),
        tracking_number: s.tracking_number.clone().unwrap_or_default(),
        delivered: s.tracking.delivered_at.map(format::time).unwrap_or_default(),
        receipt,
        problem,
        contents: contents(s),
    }
}

/// `GET /shipments[?account=]`.
pub async fn by_location(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: Q = query(raw.as_deref());
    let mut e = Errors::default();
    let staff = v.ctx.principal.is_seller();
    let accounts = if staff {
        super::orders::account_names(&st, &v).await?
    } else {
        Vec::new()
    };
    let account = if staff {
        e.choice(
            "account",
            &q.account,
            &accounts,
            AccountId,
            "Choose a customer from the list",
        )
    } else {
        None
    };
    let mut cards = Vec::new();
    if e.is_empty() {
        let groups: Vec<LocationShipments> = st.app.shipments_by_location(&v.ctx, account).await?;
        for g in groups {
            let place = g.place.as_ref();
            cards.push(LocationCard {
                id: format!("loc-{}", g.location.0.simple()),
                name: place
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| "Ship-to location".into()),
                place: super::supplier::place_words(place),
                account: accounts
                    .iter()
                    .find(|(id, _)| *id == g.account_id)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default(),
                on_the_way: g.on_the_way.iter().map(way_row).collect(),
                arrived: g.arrived.iter().map(arrived_row).collect(),
            });
        }
    }
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &ShipmentsPage {
            l: Layout::for_viewer("Shipments", &v, "/shipments"),
            e,
            staff,
            accounts: accounts
                .iter()
                .map(|(id, n)| Opt {
                    value: id.0.to_string(),
                    label: n.clone(),
                    selected: id.0.to_string() == q.account.trim(),
                })
                .collect(),
            cards,
            days: ARRIVED_DAYS,
        },
    ))
}
