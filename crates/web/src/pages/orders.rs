//! Orders: the list with filters and cursor paging, and the order page ("did this ship?").

use super::{Opt, Tag, parse_date, query};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect, urlencode};
use aftercart_app::{Action, AppError, ListFilter, ORDER_STATUSES, PrincipalKind, TimelineOf};
use aftercart_domain::ids::{AccountId, LocationId, OrderId};
use aftercart_domain::order::Order;
use aftercart_domain::status::{Names, order_progress, order_view};
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

pub struct OrderRow {
    pub id: String,
    pub number: String,
    pub po: String,
    pub account: String,
    pub placed: String,
    pub status: Tag,
    pub risk: Option<Tag>,
    pub lines: usize,
    pub total: String,
}

/// The status an order shows: its approval state while approval holds it, then its credit
/// review while that holds it, else its progress.
pub fn status_of(o: &Order) -> &'static str {
    use aftercart_domain::receivables::credit::HoldState;
    aftercart_app::approval_status(o)
        .or(match o.credit_hold.as_ref().map(|h| h.state()) {
            Some(HoldState::Held) => Some("credit_hold"),
            Some(HoldState::Rejected) => Some("credit_rejected"),
            Some(HoldState::Released) | None => None,
        })
        .unwrap_or(order_progress(o).as_str())
}

pub fn row(o: &Order, account: String, now: time::OffsetDateTime) -> OrderRow {
    let view = order_view(o, &Names::default(), now);
    let total = o.goods_total().checked_add(o.freight).unwrap_or(o.goods_total());
    OrderRow {
        id: o.id.0.to_string(),
        number: o.number.clone(),
        po: o.po_number.clone().unwrap_or_default(),
        account,
        placed: format::date(o.placed_at.date()),
        status: Tag::progress(status_of(o)),
        risk: Tag::risk(view.assessment.risk),
        lines: o.lines.len(),
        total: format::money(total),
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    cursor: String,
    /// An order number to go to (exact).
    #[serde(default)]
    number: String,
}

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage {
    l: Layout,
    e: Errors,
    statuses: Vec<Opt>,
    locations: Vec<Opt>,
    accounts: Vec<Opt>,
    from: String,
    to: String,
    staff: bool,
    rows: Vec<OrderRow>,
    next: String,
    filtered: bool,
    number: String,
}

/// The account names a page shows beside records (staff see every account).
pub async fn account_names(st: &WebState, v: &Viewer) -> Result<Vec<(AccountId, String)>, PageError> {
    if let Some(own) = v.ctx.principal.own_account() {
        let a = st.app.account(&v.ctx, own).await?;
        return Ok(vec![(own, a.value.name)]);
    }
    if !v.ctx.principal.may(Action::AccountRead) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut f = ListFilter {
        limit: 500,
        ..Default::default()
    };
    loop {
        let p = st.app.list_accounts(&v.ctx, &f).await?;
        out.extend(p.items.into_iter().map(|a| (a.value.id, a.value.name)));
        match p.next {
            Some(n) => f.before = Some(n),
            None => break,
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

pub async fn list(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: ListQuery = query(raw.as_deref());
    let mut e = Errors::default();
    let number = e.text("number", "The order number", &q.number, TextKind::Ident, None);
    if !number.is_empty() && e.is_empty() {
        match st.app.order_by_number(&v.ctx, &number).await {
            Ok(o) => return Ok(redirect(&format!("/orders/{}", o.value.id.0))),
            Err(AppError::NotFound { .. }) => e.add(
                "number",
                format!("There is no order {number} that you can see; check the number"),
            ),
            Err(err) => return Err(err.into()),
        }
    }
    let staff = v.ctx.principal.is_seller();
    let accounts = account_names(&st, &v).await?;
    let status = q.status.trim();
    if !status.is_empty() && !ORDER_STATUSES.contains(&status) {
        e.add("status", "Choose a status from the list");
    }
    let account = e.choice(
        "account",
        &q.account,
        &accounts,
        AccountId,
        "Choose a customer from the list",
    );
    // Ship-to locations the viewer works with (a customer's in-scope ones).
    let mut locations: Vec<(LocationId, String)> = Vec::new();
    if let Some(own) = v.ctx.principal.own_account().or(account) {
        let a = st.app.account(&v.ctx, own).await?.value;
        locations = a
            .locations
            .into_iter()
            .filter(|l| v.ctx.principal.sees_location(l.id))
            .map(|l| (l.id, l.name))
            .collect();
    }
    let location = e.choice(
        "location",
        &q.location,
        &locations,
        LocationId,
        "Choose a location from the list",
    );
    let from = parse_date(&mut e, "from", "The from date", &q.from);
    let to = parse_date(&mut e, "to", "The to date", &q.to);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        e.add("to", "The to date must be the same as or after the from date");
    }
    let before = e.cursor("status", &q.cursor);
    let mut rows = Vec::new();
    let mut next = String::new();
    if e.is_empty() {
        let f = ListFilter {
            account_id: account,
            status: (!status.is_empty()).then(|| status.to_owned()),
            location,
            from: from.map(|d| d.midnight().assume_utc()),
            // The to date is inclusive for people: up to the end of that day.
            to: to.and_then(|d| d.next_day()).map(|d| d.midnight().assume_utc()),
            before,
            limit: 25,
        };
        match st.app.list_orders(&v.ctx, &f).await {
            Ok(p) => {
                let now = st.app.clock.now();
                for o in &p.items {
                    let name = accounts
                        .iter()
                        .find(|(id, _)| *id == o.value.account_id)
                        .map(|(_, n)| n.clone())
                        .unwrap_or_default();
                    rows.push(row(&o.value, name, now));
                }
                if let Some(n) = p.next {
                    let mut qs = vec![];
                    for (k, val) in [
                        ("status", status),
                        ("location", q.location.trim()),
                        ("account", q.account.trim()),
                        ("from", q.from.trim()),
                        ("to", q.to.trim()),
                    ] {
                        if !val.is_empty() {
                            qs.push(format!("{k}={}", urlencode(val)));
                        }
                    }
                    qs.push(format!("cursor={n}"));
                    next = format!("/orders?{}", qs.join("&"));
                }
            }
            Err(AppError::Rejected(r)) => {
                let field = match r.field.as_str() {
                    "location_id" => "location",
                    "status" => "status",
                    _ => "status",
                };
                e.add(field, r.message);
            }
            Err(err) => return Err(err.into()),
        }
    }
    let opts = |items: Vec<(String, String)>, chosen: &str| -> Vec<Opt> {
        items
            .into_iter()
            .map(|(value, label)| Opt {
                selected: value == chosen,
                value,
                label,
            })
            .collect()
    };
    let statuses = opts(
        ORDER_STATUSES
            .iter()
            .map(|s| (s.to_string(), format::words(s)))
            .collect(),
        status,
    );
    let status_code = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let filtered = [status, q.location.trim(), q.account.trim(), q.from.trim(), q.to.trim()]
        .iter()
        .any(|s| !s.is_empty());
    Ok(render(
        status_code,
        &OrdersPage {
            l: Layout::for_viewer("Orders", &v, "/orders"),
            e,
            statuses,
            locations: opts(
                locations.into_iter().map(|(id, n)| (id.0.to_string(), n)).collect(),
                q.location.trim(),
            ),
            accounts: if staff {
                opts(
                    accounts.iter().map(|(id, n)| (id.0.to_string(), n.clone())).collect(),
                    q.account.trim(),
                )
            } else {
                Vec::new()
            },
            from: q.from.trim().to_owned(),
            to: q.to.trim().to_owned(),
            staff,
            rows,
            next,
            filtered,
            number,
        },
    ))
}

pub struct LineRow {
    pub no: u32,
    pub sku: String,
    pub description: String,
    pub status: Tag,
    pub risk: Option<Tag>,
    pub ordered: String,
    pub shipped: String,
    pub delivered: String,
    pub backordered: String,
    pub cancelled: String,
    pub remaining: String,
    pub expected: String,
    /// How the backorder date moved, oldest first.
    pub history: Vec<String>,
    pub sentence: String,
    /// The product's setup guide, once something of the line was delivered (empty otherwise).
    pub help: String,
}

pub struct LocationGroup {
    pub name: String,
    pub lines: Vec<LineRow>,
}

pub struct ShipmentRow {
    // -- cases --
    /// "Ask about this shipment" (empty when the viewer may not open cases).
    pub ask: String,
    // -- /cases --
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: String,
    pub status: Tag,
    pub shipped: String,
    pub from: String,
    pub to: String,
    pub latest: String,
    pub eta: String,
    pub contents: String,
}

pub struct StepRow {
    pub what: String,
    pub approver: String,
    pub decision: String,
    pub comment: String,
}

pub struct EventView {
    pub at: String,
    pub what: String,
    pub who: String,
    pub reason: String,
}

pub struct InvoiceLink {
    pub id: String,
    pub number: String,
    pub total: String,
    pub balance: String,
    pub status: Tag,
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    l: Layout,
    id: String,
    number: String,
    po: String,
    placed: String,
    account: String,
    status: Tag,
    risk: Option<Tag>,
    sentence: String,
    reasons: Vec<String>,
    groups: Vec<LocationGroup>,
    shipments: Vec<ShipmentRow>,
    approval: String,
    steps: Vec<StepRow>,
    timeline: Vec<EventView>,
    invoices: Vec<InvoiceLink>,
    show_invoices: bool,
    goods: String,
    freight: String,
    total: String,
    // -- returns --
    /// Delivered goods the viewer may ask to return: the "Return items" link.
    can_return: bool,
    // -- /returns --
    // -- cases --
    cases: super::cases::RecordCases,
    // -- /cases --
    // -- exceptions --
    exceptions: Vec<super::dashboard::Item>,
    /// Staff see the seller's explanation with a link to the exception; customers plain words.
    exceptions_staff: bool,
    // -- /exceptions --
    // -- change requests --
    /// Something is left to change and the viewer may ask: the "Change this order" link.
    can_change: bool,
    changes: Vec<super::changes::ChangeRow>,
    // -- /change requests --
}

pub(crate) fn event_words(kind: &str) -> String {
    format::words(&kind.replace('.', " "))
}

pub async fn detail(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = OrderId(Uuid::parse_str(&id).map_err(|_| PageError::NotFound)?);
    let ctx = &v.ctx;
    let answer = st.app.order_status(ctx, id).await?;
    let order = &answer.order.value;
    let view = &answer.view;
    let today = answer.at.date();
    let account = if ctx.principal.is_seller() {
        st.app
            .account(ctx, order.account_id)
            .await
            .map(|a| a.value.name)
            .unwrap_or_default()
    } else {
        String::new()
    };
    // Post-delivery help: delivered lines link their product's guide.
    let delivered: Vec<_> = view
        .lines
        .iter()
        .zip(order.lines.iter())
        .filter(|(lv, _)| !lv.ledger.delivered.is_zero())
        .map(|(_, line)| line.product_id)
        .collect();
    let helped = if delivered.is_empty() {
        Default::default()
    } else {
        st.app.products_with_help(&delivered).await?
    };
    let mut groups: Vec<LocationGroup> = Vec::new();
    for (lv, line) in view.lines.iter().zip(order.lines.iter()) {
        let l = &lv.ledger;
        let remaining = l.unallocated + l.backordered + l.allocated;
        let (expected, history) = match line.backorder.as_ref().filter(|b| !b.quantity.is_zero()) {
            Some(b) => (
                b.expected.map(format::date).unwrap_or_else(|| "Not known yet".into()),
                b.history
                    .iter()
                    .map(|h| {
                        let d = |x: Option<time::Date>| x.map(format::date).unwrap_or_else(|| "no date".into());
                        format!(
                            "{}: {} → {} by {} ({})",
                            format::date(h.at.date()),
                            d(h.from),
                            d(h.to),
                            h.by,
                            h.reason
                        )
                    })
                    .collect(),
            ),
            None => (String::new(), Vec::new()),
        };
        let r = LineRow {
            no: lv.line,
            sku: lv.sku.clone(),
            description: lv.description.clone(),
            status: Tag::progress(lv.status.as_str()),
            risk: Tag::risk(lv.assessment.risk),
            ordered: format::qty(l.ordered),
            shipped: format::qty(l.shipped),
            delivered: format::qty(l.delivered),
            backordered: format::qty(l.backordered),
            cancelled: format::qty(l.cancelled),
            remaining: format::qty(remaining),
            expected,
            history,
            sentence: lv.sentence.clone(),
            help: if !l.delivered.is_zero() && helped.contains(&line.product_id) {
                format!("/help/{}", line.product_id.0)
            } else {
                String::new()
            },
        };
        match groups.iter_mut().find(|g| g.name == lv.ship_to) {
            Some(g) => g.lines.push(r),
            None => groups.push(LocationGroup {
                name: lv.ship_to.clone(),
                lines: vec![r],
            }),
        }
    }
    let mut shipments = Vec::new();
    for s in &order.shipments {
        let part = view
            .lines
            .iter()
            .flat_map(|l| l.shipped.iter())
            .find(|p| p.shipment_id == s.id);
        let latest = match &s.tracking.latest {
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
        };
        let url = s
            .tracking_url
            .clone()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .unwrap_or_default();
        shipments.push(ShipmentRow {
            // -- cases --
            ask: if ctx.principal.may(Action::Cases) {
                super::cases::ask_href(aftercart_domain::case::AboutKind::Shipment, s.id.0)
            } else {
                String::new()
            },
            // -- /cases --
            carrier: match &s.service {
                Some(sv) => format!("{} {sv}", s.carrier),
                None => s.carrier.clone(),
            },
            tracking_number: s.tracking_number.clone().unwrap_or_default(),
            tracking_url: url,
            status: Tag::progress(s.status().as_str()),
            shipped: format::date(s.shipped_at.date()),
            from: part.map(|p| p.from.clone()).unwrap_or_default(),
            to: part.map(|p| p.to.clone()).unwrap_or_default(),
            latest,
            eta: match (s.tracking.delivered_at, s.estimated_delivery.or(s.promised_delivery)) {
                (Some(d), _) => format!("Delivered {}", format::date(d.date())),
                (None, Some(e)) => format!("Expected {}", format::date(e)),
                (None, None) => String::new(),
            },
            contents: s
                .lines
                .iter()
                .map(|l| format!("line {}: {}", l.line, format::qty(l.quantity)))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let (mut approval, mut steps) = (String::new(), Vec::new());
    if !matches!(ctx.principal.kind, PrincipalKind::Supplier { .. })
        && let Some(wf) = st.app.approvals(ctx, id).await?.workflow
    {
        approval = wf.explain();
        for s in &wf.steps {
            let r = &s.required;
            steps.push(StepRow {
                what: format!("Level {} of ‘{}’", r.level, r.rule_name),
                approver: r.approver_name.clone().unwrap_or_else(|| "Any approver".into()),
                decision: match &s.decision {
                    Some(d) => format!(
                        "{} by {}{} on {}",
                        if d.approved { "Approved" } else { "Rejected" },
                        d.by_name,
                        d.on_behalf_of_name
                            .as_ref()
                            .map(|n| format!(" for {n}"))
                            .unwrap_or_default(),
                        format::date(d.at.date())
                    ),
                    None => "Waiting".into(),
                },
                comment: s.decision.as_ref().and_then(|d| d.comment.clone()).unwrap_or_default(),
            });
        }
    }
    let timeline: Vec<EventView> = st
        .app
        .latest_timeline(ctx, TimelineOf::Order(id), 200)
        .await?
        .into_iter()
        .map(|ev| EventView {
            at: format::time(ev.at),
            what: event_words(&ev.kind),
            who: ev.actor_name,
            reason: ev.reason.unwrap_or_default(),
        })
        .collect();
    let show_invoices = ctx.principal.may(Action::BillingRead);
    let invoices = if show_invoices {
        st.app
            .invoices_of_order(ctx, id)
            .await?
            .into_iter()
            .map(|i| InvoiceLink {
                id: i.id.0.to_string(),
                number: i.number.clone(),
                total: format::money(i.total()),
                balance: format::money(i.balance()),
                status: Tag::progress(i.status(today).as_str()),
            })
            .collect()
    } else {
        Vec::new()
    };
    let total = order
        .goods_total()
        .checked_add(order.freight)
        .unwrap_or(order.goods_total());
    Ok(render(
        StatusCode::OK,
        &OrderPage {
            l: Layout::for_viewer(format!("Order {}", order.number), &v, "/orders"),
            id: order.id.0.to_string(),
            number: order.number.clone(),
            po: order.po_number.clone().unwrap_or_default(),
            placed: format::time(order.placed_at),
            account,
            status: Tag::progress(status_of(order)),
            risk: Tag::risk(view.assessment.risk),
            sentence: view.sentence.clone(),
            reasons: view.assessment.reasons.clone(),
            groups,
            shipments,
            approval,
            steps,
            timeline,
            invoices,
            show_invoices,
            goods: format::money(order.goods_total()),
            freight: format::money(order.freight),
            total: format::money(total),
            // -- returns --
            can_return: ctx.principal.may(Action::ReturnRequest)
                && view.lines.iter().any(|l| !l.ledger.delivered.is_zero()),
            // -- /returns --
            // -- cases --
            cases: super::cases::for_record(&st, ctx, aftercart_domain::case::AboutKind::Order, order.id.0).await?,
            // -- /cases --
            // -- exceptions --
            exceptions: super::exceptions::of_order(&st, ctx, order.id).await?,
            exceptions_staff: ctx.principal.is_seller(),
            // -- /exceptions --
            // -- change requests --
            can_change: ctx.principal.may(Action::OrderChange) && view.lines.iter().any(|l| !l.ledger.open().is_zero()),
            changes: if matches!(ctx.principal.kind, PrincipalKind::Supplier { .. }) {
                Vec::new()
            } else {
                st.app
                    .change_requests_of_order(ctx, order.id)
                    .await?
                    .iter()
                    .map(|r| super::changes::change_row(&r.value, ctx.principal.may(Action::ChangeDecide)))
                    .collect()
            },
            // -- /change requests --
        },
    ))
}
