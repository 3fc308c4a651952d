//! The supplier portal: a dropship supplier's lines (to confirm, confirmed and waiting to ship,
//! shipped), confirming lines, shipping confirmed lines with carrier and tracking number, and
//! posting a tracking update on one of its shipments.
//!
//! Every read goes through the application layer, which shows a supplier only the lines routed
//! to its location; an order or shipment that is not the supplier's is the 404 page.

use super::{Opt, Tag, parse_date};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::{
    AppError, ConfirmInput, Place, ShipInput, ShipmentDoc, ShipmentRef, SupplierLine, SupplierWork, TrackingInput,
};
use aftercart_domain::ids::{LocationId, OrderId, ShipmentId};
use aftercart_domain::order::{ConfirmLine, Order};
use aftercart_domain::quantity::Qty;
use aftercart_domain::text::TextKind;
use aftercart_domain::tracking::TrackingStatus;
use askama::Template;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

/// `City postcode`, what a supplier needs to see of a ship-to.
pub fn place_words(p: Option<&Place>) -> String {
    match p {
        Some(p) if p.postcode.is_empty() => p.city.clone(),
        Some(p) => format!("{} {}", p.city, p.postcode),
        None => String::new(),
    }
}

/// The latest scan in words: `20 Nov 2026, 15:04 UTC: In transit in Memphis, TN`.
pub fn latest_scan(s: &aftercart_domain::order::Shipment) -> String {
    match &s.tracking.latest {
        Some(ev) => {
            let mut t = format!(
                "{}: {}",
                format::time(ev.occurred_at),
                format::words(ev.status.as_str())
            );
            if let Some(loc) = &ev.location {
                t.push_str(&format!(" in {loc}"));
            }
            if let Some(d) = &ev.description {
                t.push_str(&format!(" — {d}"));
            }
            t
        }
        None => "No scan yet".into(),
    }
}

/// A carrier's tracking page, when it is a web link.
pub fn tracking_link(s: &aftercart_domain::order::Shipment) -> String {
    s.tracking_url
        .clone()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .unwrap_or_default()
}

/// An id safe for HTML and CSS selectors, unique per order.
fn fid(order: OrderId) -> String {
    format!("o{}", order.0.simple())
}

pub struct ConfirmRow {
    pub line: u32,
    pub checkbox_id: String,
    pub checked: bool,
    pub sku: String,
    pub description: String,
    pub quantity: String,
    pub ship_to: String,
    pub requested: String,
}

/// One order's lines waiting for confirmation, with its form.
pub struct ConfirmCard {
    pub order_id: String,
    pub number: String,
    pub placed: String,
    /// The error anchor of the line choice (the first checkbox's id).
    pub lines_id: String,
    pub ship_by_id: String,
    pub ship_by: String,
    pub err_lines: String,
    pub err_ship_by: String,
    pub rows: Vec<ConfirmRow>,
}

pub struct ToShipRow {
    pub line: u32,
    pub sku: String,
    pub description: String,
    pub open: String,
    pub ship_by: String,
    pub confirmed: String,
}

/// Confirmed lines of one order to one ship-to, with the link to ship them.
pub struct ToShipCard {
    pub order_id: String,
    pub number: String,
    pub ship_to: String,
    pub ship_href: String,
    pub rows: Vec<ToShipRow>,
}

pub struct ShippedRow {
    pub order_id: String,
    pub number: String,
    pub ship_to: String,
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: String,
    pub status: Tag,
    pub shipped: String,
    pub latest: String,
    pub contents: String,
    pub tracking_href: String,
}

#[derive(Template)]
#[template(path = "supplier.html")]
struct WorkPage {
    l: Layout,
    e: Errors,
    notice: String,
    confirm: Vec<ConfirmCard>,
    to_ship: Vec<ToShipCard>,
    shipped: Vec<ShippedRow>,
    truncated: bool,
}

/// What a failed confirmation keeps for the form it came from.
struct Kept {
    order: OrderId,
    lines: Vec<u32>,
    ship_by: String,
}

fn confirm_cards(work: &SupplierWork, kept: Option<&Kept>) -> Vec<ConfirmCard> {
    let mut cards: Vec<ConfirmCard> = Vec::new();
    for l in work.lines.iter().filter(|l| !l.confirmed && !l.open.is_zero()) {
        let id = fid(l.order_id);
        let keep = kept.filter(|k| k.order == l.order_id);
        let idx = match cards.iter().position(|c| c.order_id == l.order_id.0.to_string()) {
            Some(i) => i,
            None => {
                cards.push(ConfirmCard {
                    order_id: l.order_id.0.to_string(),
                    number: l.order_number.clone(),
                    placed: format::date(l.placed_at.date()),
                    lines_id: format!("{id}-lines"),
                    ship_by_id: format!("{id}-ship_by"),
                    ship_by: keep.map(|k| k.ship_by.clone()).unwrap_or_default(),
                    err_lines: String::new(),
                    err_ship_by: String::new(),
                    rows: Vec::new(),
                });
                cards.len() - 1
            }
        };
        let card = &mut cards[idx];
        let checkbox_id = if card.rows.is_empty() {
            card.lines_id.clone()
        } else {
            format!("{id}-line-{}", l.line)
        };
        card.rows.push(ConfirmRow {
            line: l.line,
            checkbox_id,
            // Every line is offered ticked; a failed form keeps what was chosen.
            checked: keep.is_none_or(|k| k.lines.contains(&l.line)),
            sku: l.sku.clone(),
            description: l.description.clone(),
            quantity: format::qty(l.open),
            ship_to: place_words(l.place.as_ref()),
            requested: l.requested_date.map(format::date).unwrap_or_default(),
        });
    }
    cards
}

fn to_ship_cards(work: &SupplierWork) -> Vec<ToShipCard> {
    let mut cards: Vec<ToShipCard> = Vec::new();
    for l in work.lines.iter().filter(|l| l.confirmed && !l.open.is_zero()) {
        let href = format!("/supplier/orders/{}/ship?to={}", l.order_id.0, l.ship_to.0);
        let idx = match cards.iter().position(|c| c.ship_href == href) {
            Some(i) => i,
            None => {
                cards.push(ToShipCard {
                    order_id: l.order_id.0.to_string(),
                    number: l.order_number.clone(),
                    ship_to: place_words(l.place.as_ref()),
                    ship_href: href,
                    rows: Vec::new(),
                });
                cards.len() - 1
            }
        };
        let c = l.confirmation.as_ref();
        cards[idx].rows.push(ToShipRow {
            line: l.line,
            sku: l.sku.clone(),
            description: l.description.clone(),
            open: format::qty(l.open),
            ship_by: c.and_then(|c| c.ship_by).map(format::date).unwrap_or_default(),
            confirmed: c
                .map(|c| format!("{} by {}", format::date(c.at.date()), c.by))
                .unwrap_or_default(),
        });
    }
    cards
}

fn shipped_rows(work: &SupplierWork) -> Vec<ShippedRow> {
    work.shipments
        .iter()
        .map(|d: &ShipmentDoc| {
            let s = &d.shipment;
            ShippedRow {
                order_id: d.order_id.0.to_string(),
                number: d.order_number.clone(),
                ship_to: place_words(work.places.get(&s.to)),
                carrier: match &s.service {
                    Some(sv) => format!("{} {sv}", s.carrier),
                    None => s.carrier.clone(),
                },
                tracking_number: s.tracking_number.clone().unwrap_or_default(),
                tracking_url: tracking_link(s),
                status: Tag::progress(s.status().as_str()),
                shipped: format::date(s.shipped_at.date()),
                latest: latest_scan(s),
                contents: s
                    .lines
                    .iter()
                    .map(|l| format!("line {}: {}", l.line, format::qty(l.quantity)))
                    .collect::<Vec<_>>()
                    .join(", "),
                tracking_href: format!("/supplier/shipments/{}/tracking", s.id.0),
            }
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct Notice {
    #[serde(default)]
    done: String,
}

async fn work_page(st: &WebState, v: &Viewer, e: Errors, kept: Option<Kept>, notice: &str) -> PageResult {
    let work = st.app.supplier_work(&v.ctx).await?;
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut confirm = confirm_cards(&work, kept.as_ref());
    for c in &mut confirm {
        c.err_lines = e.msg(&c.lines_id).to_owned();
        c.err_ship_by = e.msg(&c.ship_by_id).to_owned();
    }
    Ok(render(
        status,
        &WorkPage {
            l: Layout::for_viewer("Lines to ship", v, "/supplier"),
            e,
            notice: notice.to_owned(),
            confirm,
            to_ship: to_ship_cards(&work),
            shipped: shipped_rows(&work),
            truncated: work.truncated,
        },
    ))
}

/// `GET /supplier`: the lines routed to the supplier, by what they need next.
pub async fn work(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: Notice = super::query(raw.as_deref());
    let notice = match q.done.as_str() {
        "confirmed" => "Thank you: the lines are confirmed. Ship them from ‘Confirmed, to ship’.",
        "shipped" => "The shipment is recorded with its tracking number; the customer can see it now.",
        "tracked" => "The tracking update is recorded.",
        "repeat" => "That tracking update was already recorded; nothing changed.",
        "rejected" => "The line is handed back: it goes to another supplier and will not come back to you.",
        _ => "",
    };
    work_page(&st, &v, Errors::default(), None, notice).await
}

fn order_id(raw: &str) -> Result<OrderId, PageError> {
    Uuid::parse_str(raw).map(OrderId).map_err(|_| PageError::NotFound)
}

/// `POST /supplier/orders/{id}/confirm`: confirm the chosen lines, with an optional ship-by date.
pub async fn confirm(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let id = order_id(&id)?;
    // Not the supplier's order: the 404 page, before anything about its lines is said.
    st.app.order(&v.ctx, id).await?;
    let field = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let prefix = fid(id);
    let (lines_id, ship_by_id) = (format!("{prefix}-lines"), format!("{prefix}-ship_by"));
    let mut e = Errors::default();
    let mut lines = Vec::new();
    for (_, raw) in fields.iter().filter(|(k, _)| k == "line") {
        match raw.trim().parse::<u32>() {
            Ok(n) if !lines.contains(&n) => lines.push(n),
            Ok(_) => {}
            Err(_) => e.add(&lines_id, "Choose lines from the list"),
        }
    }
    if lines.is_empty() {
        e.add(&lines_id, "Choose at least one line to confirm");
    }
    let raw_date = field("ship_by").trim().to_owned();
    let ship_by = parse_date(&mut e, &ship_by_id, "The ship-by date", &raw_date);
    if ship_by.is_some_and(|d| d < st.app.clock.now().date()) {
        e.add(&ship_by_id, "The ship-by date must be today or later");
    }
    let kept = |e: &Errors| {
        (!e.is_empty()).then(|| Kept {
            order: id,
            lines: lines.clone(),
            ship_by: raw_date.clone(),
        })
    };
    if !e.is_empty() {
        let k = kept(&e);
        return work_page(&st, &v, e, k, "").await;
    }
    let input = ConfirmInput {
        location: None,
        lines: lines.iter().map(|&line| ConfirmLine { line, ship_by }).collect(),
    };
    let ctx = &v.ctx;
    match st
        .app
        .run(ctx, || st.app.plan_confirm_allocations(ctx, id, &input))
        .await
    {
        Ok(_) => Ok(redirect("/supplier?done=confirmed")),
        Err(AppError::Rejected(r)) => {
            let at = if r.field.ends_with("ship_by") {
                &ship_by_id
            } else {
                &lines_id
            };
            e.add(at, super::auth::capitalise(&r.message));
            let k = kept(&e);
            work_page(&st, &v, e, k, "").await
        }
        Err(err) => Err(err.into()),
    }
}

pub struct ShipLineRow {
    pub line: u32,
    pub sku: String,
    pub description: String,
    pub open: String,
    pub field: String,
    pub value: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "supplier_ship.html")]
struct ShipPage {
    l: Layout,
    e: Errors,
    order_id: String,
    number: String,
    to: String,
    ship_to: String,
    rows: Vec<ShipLineRow>,
    carrier: String,
    service: String,
    tracking_number: String,
    estimated_delivery: String,
}

#[derive(Deserialize, Default)]
struct ShipQuery {
    #[serde(default)]
    to: String,
}

/// The supplier's confirmed, unshipped lines of one order going to `to` (the first ship-to with
/// any when `to` is empty); `None` when `to` names no such ship-to.
fn shippable(work: &SupplierWork, order: OrderId, to: &str) -> Option<(LocationId, Vec<SupplierLine>)> {
    let lines: Vec<&SupplierLine> = work
        .lines
        .iter()
        .filter(|l| l.order_id == order && l.confirmed && !l.open.is_zero())
        .collect();
    let to = match to.trim() {
        "" => lines.first()?.ship_to,
        raw => LocationId(Uuid::parse_str(raw).ok()?),
    };
    let here: Vec<SupplierLine> = lines.into_iter().filter(|l| l.ship_to == to).cloned().collect();
    (!here.is_empty()).then_some((to, here))
}

#[allow(clippy::too_many_arguments)]
fn ship_page(
    v: &Viewer,
    e: Errors,
    order: &Order,
    to: Option<LocationId>,
    lines: &[SupplierLine],
    values: &dyn Fn(&str) -> String,
    fresh: bool,
) -> axum::response::Response {
    let number = order.number.clone();
    let ship_to = place_words(lines.first().and_then(|l| l.place.as_ref()));
    let rows = lines
        .iter()
        .map(|l| {
            let field = format!("qty-{}", l.line);
            ShipLineRow {
                line: l.line,
                sku: l.sku.clone(),
                description: l.description.clone(),
                open: format::qty(l.open),
                value: if fresh {
                    l.open.get().to_string()
                } else {
                    values(&field)
                },
                error: e.msg(&field).to_owned(),
                field,
            }
        })
        .collect();
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &ShipPage {
            l: Layout::for_viewer(format!("Ship order {number}"), v, "/supplier"),
            number,
            order_id: order.id.0.to_string(),
            to: to.map(|t| t.0.to_string()).unwrap_or_default(),
            ship_to,
            rows,
            carrier: values("carrier"),
            service: values("service"),
            tracking_number: values("tracking_number"),
            estimated_delivery: values("estimated_delivery"),
            e,
        },
    )
}

/// `GET /supplier/orders/{id}/ship?to=`: the shipment form for the order's confirmed lines to one
/// ship-to.
pub async fn ship_form(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let id = order_id(&id)?;
    let order = st.app.order(&v.ctx, id).await?.value;
    let q: ShipQuery = super::query(raw.as_deref());
    let work = st.app.supplier_work(&v.ctx).await?;
    // Nothing confirmed to ship (yet): the page says so, without a form.
    let (to, lines) = match shippable(&work, id, &q.to) {
        Some((to, lines)) => (Some(to), lines),
        None => (None, Vec::new()),
    };
    Ok(ship_page(
        &v,
        Errors::default(),
        &order,
        to,
        &lines,
        &|_| String::new(),
        true,
    ))
}

/// `POST /supplier/orders/{id}/ship`: ships the quantities entered, with carrier and tracking.
pub async fn ship(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let id = order_id(&id)?;
    let order = st.app.order(&v.ctx, id).await?.value;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let work = st.app.supplier_work(&v.ctx).await?;
    let Some((to, lines)) = shippable(&work, id, &get("to")) else {
        let mut r = ship_page(&v, Errors::default(), &order, None, &[], &|_| String::new(), true);
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    };
    let Some(from) = v.ctx.principal.supplier_location() else {
        return Err(PageError::Forbidden("only suppliers ship here".into()));
    };
    let mut e = Errors::default();
    let mut picked: Vec<(u32, Qty)> = Vec::new();
    for l in &lines {
        let field = format!("qty-{}", l.line);
        let raw = get(&field);
        if raw.is_empty() {
            continue;
        }
        match raw.parse::<u32>() {
            Ok(0) => {}
            Ok(n) if n > l.open.get() => e.add(
                &field,
                format!("Line {} has {} left to ship; enter {} or less", l.line, l.open, l.open),
            ),
            Ok(n) => picked.push((l.line, Qty::new(n))),
            Err(_) => e.add(
                &field,
                format!("The quantity of line {} must be a whole number, like 3", l.line),
            ),
        }
    }
    let first = format!("qty-{}", lines[0].line);
    if picked.is_empty() && e.is_empty() {
        e.add(&first, "Enter how many you are shipping of at least one line");
    }
    let carrier = e.text(
        "carrier",
        "The carrier",
        &get("carrier"),
        TextKind::Name,
        Some("Enter the carrier"),
    );
    let service = e.text("service", "The service", &get("service"), TextKind::Name, None);
    let tracking_number = e.text(
        "tracking_number",
        "The tracking number",
        &get("tracking_number"),
        TextKind::Ident,
        Some("Enter the tracking number the carrier gave you"),
    );
    let eta = parse_date(
        &mut e,
        "estimated_delivery",
        "The expected delivery date",
        &get("estimated_delivery"),
    );
    if eta.is_some_and(|d| d < st.app.clock.now().date()) {
        e.add(
            "estimated_delivery",
            "The expected delivery date must be today or later",
        );
    }
    let values = |k: &str| get(k);
    if !e.is_empty() {
        return Ok(ship_page(&v, e, &order, Some(to), &lines, &values, false));
    }
    let input = ShipInput {
        order_id: id,
        from,
        to,
        lines: picked.clone(),
        carrier,
        service: (!service.is_empty()).then_some(service),
        tracking_number: Some(tracking_number),
        tracking_url: None,
        packing_slip: None,
        shipped_at: None,
        promised_delivery: None,
        estimated_delivery: eta,
    };
    let ctx = &v.ctx;
    match st.app.run(ctx, || st.app.plan_ship(ctx, &input)).await {
        Ok(_) => Ok(redirect("/supplier?done=shipped")),
        Err(AppError::Rejected(r)) => {
            // `lines[i].…` is the i-th line shipped.
            let at = match r.field.as_str() {
                "carrier" => "carrier".to_owned(),
                f if f.starts_with("lines[") => f
                    .trim_start_matches("lines[")
                    .split(']')
                    .next()
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| picked.get(i))
                    .map(|(n, _)| format!("qty-{n}"))
                    .unwrap_or(first.clone()),
                _ => first.clone(),
            };
            e.add(&at, super::auth::capitalise(&r.message));
            Ok(ship_page(&v, e, &order, Some(to), &lines, &values, false))
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Template)]
#[template(path = "supplier_tracking.html")]
struct TrackingPage {
    l: Layout,
    e: Errors,
    shipment_id: String,
    order_id: String,
    number: String,
    carrier: String,
    tracking_number: String,
    status_now: Tag,
    latest: String,
    statuses: Vec<Opt>,
    location: String,
    occurred_at: String,
    description: String,
}

#[derive(Deserialize, Default)]
pub struct TrackingForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    occurred_at: String,
    #[serde(default)]
    description: String,
}

fn tracking_page(v: &Viewer, e: Errors, d: &ShipmentDoc, f: &TrackingForm) -> axum::response::Response {
    let s = &d.shipment;
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render(
        status,
        &TrackingPage {
            l: Layout::for_viewer(format!("Tracking update for order {}", d.order_number), v, "/supplier"),
            e,
            shipment_id: s.id.0.to_string(),
            order_id: d.order_id.0.to_string(),
            number: d.order_number.clone(),
            carrier: s.carrier.clone(),
            tracking_number: s.tracking_number.clone().unwrap_or_default(),
            status_now: Tag::progress(s.status().as_str()),
            latest: latest_scan(s),
            statuses: TrackingStatus::ALL
                .iter()
                .map(|t| Opt {
                    value: t.as_str().to_owned(),
                    label: format::words(t.as_str()),
                    selected: f.status == t.as_str(),
                })
                .collect(),
            location: f.location.clone(),
            occurred_at: f.occurred_at.clone(),
            description: f.description.clone(),
        },
    )
}

fn shipment_id(raw: &str) -> Result<ShipmentId, PageError> {
    Uuid::parse_str(raw).map(ShipmentId).map_err(|_| PageError::NotFound)
}

/// `YYYY-MM-DDTHH:MM` (what `<input type=datetime-local>` sends), read as UTC.
fn local_minute(t: time::OffsetDateTime) -> String {
    format!("{}T{:02}:{:02}", t.date(), t.hour(), t.minute())
}

/// `GET /supplier/shipments/{id}/tracking`: the form for a tracking update.
pub async fn tracking_form(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let d = st.app.shipment(&v.ctx, shipment_id(&id)?).await?;
    let f = TrackingForm {
        status: "in_transit".into(),
        occurred_at: local_minute(st.app.clock.now()),
        ..Default::default()
    };
    Ok(tracking_page(&v, Errors::default(), &d, &f))
}

/// `POST /supplier/shipments/{id}/tracking`: records the update (a repeat changes nothing).
pub async fn tracking(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<TrackingForm>,
) -> PageResult {
    let d = st.app.shipment(&v.ctx, shipment_id(&id)?).await?;
    let mut e = Errors::default();
    let status = TrackingStatus::ALL
        .iter()
        .copied()
        .find(|t| t.as_str() == f.status.trim());
    if status.is_none() {
        e.add("status", "Choose a status from the list");
    }
    let location = e.text("location", "The place", &f.location, TextKind::Name, None);
    let description = e.text("description", "The note", &f.description, TextKind::Text, None);
    let now = st.app.clock.now();
    let raw = f.occurred_at.trim();
    let occurred = if raw.is_empty() {
        e.add("occurred_at", "Enter when it happened");
        None
    } else {
        let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
        let short = raw.get(..16).unwrap_or(raw);
        match time::PrimitiveDateTime::parse(short, fmt) {
            Ok(t) => Some(t.assume_utc()),
            Err(_) => {
                e.add("occurred_at", "Enter the time like 2026-11-20T14:30");
                None
            }
        }
    };
    if let Some(t) = occurred {
        if t > now + time::Duration::minutes(5) {
            e.add("occurred_at", "The time cannot be in the future");
        } else if t < d.shipment.shipped_at - time::Duration::days(1) {
            e.add("occurred_at", "The time cannot be before the shipment left");
        }
    }
    let (Some(status), Some(occurred_at), true) = (status, occurred, e.is_empty()) else {
        return Ok(tracking_page(&v, e, &d, &f));
    };
    let input = TrackingInput {
        shipment: ShipmentRef::Id(d.shipment.id),
        status,
        occurred_at,
        location: (!location.is_empty()).then_some(location),
        description: (!description.is_empty()).then_some(description),
        event_id: None,
        source: format!("{} ({})", v.who.name, v.who.org),
        estimated_delivery: None,
        carrier_status: None,
    };
    match st.app.track(&v.ctx, &input).await {
        Ok(o) if o.applied => Ok(redirect("/supplier?done=tracked")),
        Ok(_) => Ok(redirect("/supplier?done=repeat")),
        Err(AppError::Rejected(r)) => {
            e.add("status", super::auth::capitalise(&r.message));
            Ok(tracking_page(&v, e, &d, &f))
        }
        Err(err) => Err(err.into()),
    }
}
