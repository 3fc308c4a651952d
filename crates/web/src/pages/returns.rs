//! Returns (RMA) in the portal: the customer's "Return items" form from an order, their list
//! of returns and each return's status page (with its credit memo once issued); the console's
//! queue (requested first) and a return's page where staff approve or reject, record the
//! parcel coming back and the warehouse receipt (which issues the credit).
//!
//! Every read and command goes through the application layer (a return that is not the
//! viewer's is the 404 page); refusals from it are shown beside the field they name.

use super::{Opt, Tag};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::{
    Action, AppError, DecideReturn, ReceiveReturn, RequestReturn, ReturnFilter, ShipReturn, Versioned,
};
use aftercart_domain::Rejection;
use aftercart_domain::ids::{OrderId, ReturnId};
use aftercart_domain::quantity::Qty;
use aftercart_domain::returns::{Return, ReturnCondition, ReturnReason, ReturnState};
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;

type Fields = Vec<(String, String)>;

fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

pub fn state_tag(s: ReturnState) -> Tag {
    let class = match s {
        ReturnState::Requested => "tag-yellow",
        ReturnState::Approved | ReturnState::ShippedBack | ReturnState::Received => "tag-blue",
        ReturnState::Credited => "tag-green",
        ReturnState::Rejected => "tag-red",
    };
    Tag {
        word: s.label().into(),
        class,
    }
}

fn return_id(raw: &str) -> Result<ReturnId, PageError> {
    Uuid::parse_str(raw).map(ReturnId).map_err(|_| PageError::NotFound)
}

/// One row of a list of returns (the customer's list, the console queue, the customer 360).
pub struct ReturnRow {
    pub href: String,
    pub number: String,
    pub order_number: String,
    pub state: Tag,
    pub reason: String,
    pub quantity: String,
    pub value: String,
    pub requested: String,
}

pub fn row(r: &Return, href_base: &str) -> ReturnRow {
    ReturnRow {
        href: format!("{href_base}/{}", r.id.0),
        number: r.number.clone(),
        order_number: r.order_number.clone(),
        state: state_tag(r.state()),
        reason: r.reason.label().into(),
        quantity: format::qty(r.quantity()),
        value: format::money(r.value()),
        requested: format::date(r.requested_at.date()),
    }
}

pub struct FormLine {
    pub no: u32,
    pub field: String,
    pub sku: String,
    pub description: String,
    pub delivered: String,
    pub value: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "return_new.html")]
struct NewPage {
    l: Layout,
    e: Errors,
    order_id: String,
    number: String,
    lines: Vec<FormLine>,
    reasons: Vec<Opt>,
    note: String,
    description: String,
}

async fn new_page(st: &WebState, v: &Viewer, id: OrderId, e: Errors, f: &Fields) -> PageResult {
    let (order, returnable) = st.app.returnable_lines(&v.ctx, id).await?;
    let o = &order.value;
    let lines = o
        .lines
        .iter()
        .filter_map(|l| {
            let n = returnable.iter().find(|(no, _)| *no == l.no).map(|(_, q)| *q)?;
            if n.is_zero() {
                return None;
            }
            let name = format!("qty_{}", l.no);
            Some(FormLine {
                no: l.no,
                sku: l.sku.clone(),
                description: l.description.clone(),
                delivered: format::qty(n),
                value: field(f, &name).to_owned(),
                error: e.msg(&name).to_owned(),
                field: name,
            })
        })
        .collect();
    let reason = field(f, "reason");
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &NewPage {
            l: Layout::for_viewer(format!("Return items from order {}", o.number), v, "/orders"),
            e,
            order_id: o.id.0.to_string(),
            number: o.number.clone(),
            lines,
            reasons: ReturnReason::ALL
                .iter()
                .map(|r| Opt {
                    value: r.as_str().into(),
                    label: r.label().into(),
                    selected: reason == r.as_str(),
                })
                .collect(),
            note: field(f, "note").to_owned(),
            description: field(f, "description").to_owned(),
        },
    ))
}

fn order_id(raw: &str) -> Result<OrderId, PageError> {
    Uuid::parse_str(raw).map(OrderId).map_err(|_| PageError::NotFound)
}

/// `GET /orders/{id}/return`: the lines with delivered quantity, a quantity for each, a reason.
pub async fn new_form(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    new_page(&st, &v, order_id(&id)?, Errors::default(), &Vec::new()).await
}

/// `POST /orders/{id}/return`: asks for the return; refusals beside the field.
pub async fn create(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let id = order_id(&id)?;
    let mut e = Errors::default();
    let mut lines: Vec<(u32, Qty)> = Vec::new();
    let mut first_qty: Option<String> = None;
    for (k, raw) in &f {
        let Some(no) = k.strip_prefix("qty_").and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        first_qty.get_or_insert_with(|| k.clone());
        let raw = raw.trim();
        if raw.is_empty() || raw == "0" {
            continue;
        }
        match raw.parse::<u32>() {
            Ok(n) if n <= Qty::MAX_INPUT => lines.push((no, Qty::new(n))),
            _ => e.add(k, "Enter a whole number of units, like 2"),
        }
    }
    let reason = match field(&f, "reason").trim() {
        "" => {
            e.add("reason", "Choose why you are returning the goods");
            None
        }
        r => match ReturnReason::parse(r, "reason") {
            Ok(r) => Some(r),
            Err(_) => {
                e.add("reason", "Choose a reason from the list");
                None
            }
        },
    };
    let note = e.text("note", "The note", field(&f, "note"), TextKind::Text, None);
    let description = e.text(
        "description",
        "The description",
        field(&f, "description"),
        TextKind::Text,
        None,
    );
    if lines.is_empty() && e.is_empty() {
        e.add(
            first_qty.as_deref().unwrap_or("reason"),
            "Enter how many units of at least one line you are returning",
        );
    }
    let (Some(reason), true) = (reason, e.is_empty()) else {
        return new_page(&st, &v, id, e, &f).await;
    };
    let input = RequestReturn {
        order_id: id,
        reason,
        note: (!note.is_empty()).then_some(note),
        description: (!description.is_empty()).then_some(description),
        lines: lines.clone(),
    };
    let ctx = &v.ctx;
    match st.app.run(ctx, || st.app.plan_request_return(ctx, &input)).await {
        Ok(r) => Ok(redirect(&format!("/returns/{}", r.value.id.0))),
        Err(AppError::Rejected(r)) => {
            e.add(&form_field(&r, &lines), super::auth::capitalise(&r.message));
            new_page(&st, &v, id, e, &f).await
        }
        Err(err) => Err(err.into()),
    }
}

/// The form field a refusal names: `lines[i].…` is the quantity box of the i-th line sent.
fn form_field(r: &Rejection, lines: &[(u32, Qty)]) -> String {
    if let Some(rest) = r.field.strip_prefix("lines[")
        && let Some(i) = rest.split(']').next().and_then(|i| i.parse::<usize>().ok())
        && let Some((no, _)) = lines.get(i)
    {
        return format!("qty_{no}");
    }
    match r.field.as_str() {
        "reason" | "note" | "description" => r.field.clone(),
        _ => lines.first().map_or("reason".into(), |(no, _)| format!("qty_{no}")),
    }
}

#[derive(Template)]
#[template(path = "returns.html")]
struct ListPage {
    l: Layout,
    rows: Vec<ReturnRow>,
    console: bool,
}

/// `GET /returns`: the customer's returns, newest first.
pub async fn list(State(st): State<WebState>, v: Viewer) -> PageResult {
    let p = st
        .app
        .list_returns(
            &v.ctx,
            &ReturnFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await?;
    let rows = p.items.iter().map(|r| row(&r.value, "/returns")).collect();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            l: Layout::for_viewer("Returns", &v, "/returns"),
            rows,
            console: false,
        },
    ))
}

/// `GET /console/returns`: the queue, requested returns first (oldest waiting first).
pub async fn queue(State(st): State<WebState>, v: Viewer) -> PageResult {
    let items = st.app.return_queue(&v.ctx, 100).await?;
    let rows = items.iter().map(|r| row(&r.value, "/console/returns")).collect();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            l: Layout::for_viewer("Returns to work", &v, "/console/returns"),
            rows,
            console: true,
        },
    ))
}

pub struct LineView {
    pub no: u32,
    pub sku: String,
    pub description: String,
    pub quantity: String,
    pub value: String,
    pub condition: String,
    pub field: String,
    pub conditions: Vec<Opt>,
}

pub struct CreditView {
    pub number: String,
    pub amount: String,
    pub invoice_number: String,
    pub invoice_href: String,
}

#[derive(Template)]
#[template(path = "return.html")]
struct DetailPage {
    l: Layout,
    e: Errors,
    number: String,
    order_href: String,
    order_number: String,
    state: Tag,
    reason: String,
    note: String,
    description: String,
    requested: String,
    requested_by: String,
    decision: String,
    shipment: String,
    receipt: String,
    lines: Vec<LineView>,
    value: String,
    credits: Vec<CreditView>,
    nothing_to_credit: bool,
    console: bool,
    /// Forms offered now (each only where its state and the viewer's role allow it).
    can_decide: bool,
    can_ship: bool,
    can_receive: bool,
    action_base: String,
    /// The version the forms were rendered at (sent back, checked like If-Match).
    version: i64,
    carrier: String,
    tracking: String,
    decision_reason: String,
}

fn detail_page(v: &Viewer, r: &Versioned<Return>, console: bool, e: Errors, f: &Fields) -> axum::response::Response {
    let r_ = &r.value;
    let p = &v.ctx.principal;
    let state = r_.state();
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let base = if console { "/console/returns" } else { "/returns" };
    let when = |t: time::OffsetDateTime| format::time(t);
    render(
        status,
        &DetailPage {
            l: Layout::for_viewer(format!("Return {}", r_.number), v, base),
            number: r_.number.clone(),
            order_href: format!("/orders/{}", r_.order_id.0),
            order_number: r_.order_number.clone(),
            state: state_tag(state),
            reason: r_.reason.label().into(),
            note: r_.note.clone().unwrap_or_default(),
            description: r_.description.clone().unwrap_or_default(),
            requested: when(r_.requested_at),
            requested_by: if r_.on_behalf {
                format!("{} (for the customer)", r_.requested_by)
            } else {
                r_.requested_by.clone()
            },
            decision: r_
                .decision
                .as_ref()
                .map(|d| {
                    let what = if d.approved { "Approved" } else { "Rejected" };
                    let who = if d.automatic {
                        "automatically".to_owned()
                    } else {
                        format!("by {}", d.by)
                    };
                    match &d.reason {
                        Some(why) => format!("{what} {who} on {}: {why}", when(d.at)),
                        None => format!("{what} {who} on {}", when(d.at)),
                    }
                })
                .unwrap_or_default(),
            shipment: r_
                .shipment
                .as_ref()
                .map(|s| match &s.tracking_number {
                    Some(t) => format!("{} {t}, recorded {}", s.carrier, when(s.at)),
                    None => format!("{}, recorded {}", s.carrier, when(s.at)),
                })
                .unwrap_or_default(),
            receipt: r_
                .receipt
                .as_ref()
                .map(|s| format!("Received at the warehouse on {} by {}", when(s.at), s.by))
                .unwrap_or_default(),
            lines: r_
                .lines
                .iter()
                .map(|l| {
                    let name = format!("condition_{}", l.order_line);
                    let chosen = field(f, &name);
                    LineView {
                        no: l.order_line,
                        sku: l.sku.clone(),
                        description: l.description.clone(),
                        quantity: format::qty(l.quantity),
                        value: format::money(l.unit_price.times(l.quantity.get())),
                        condition: l.condition.map(|c| format::words(c.as_str())).unwrap_or_default(),
                        conditions: ReturnCondition::ALL
                            .iter()
                            .map(|c| Opt {
                                value: c.as_str().into(),
                                label: format::words(c.as_str()),
                                selected: chosen == c.as_str(),
                            })
                            .collect(),
                        field: name,
                    }
                })
                .collect(),
            value: format::money(r_.value()),
            credits: r_
                .credits
                .iter()
                .map(|c| CreditView {
                    number: c.number.clone(),
                    amount: format::money(c.amount),
                    invoice_number: c.invoice_number.clone(),
                    invoice_href: format!("/invoices/{}", c.invoice_id.0),
                })
                .collect(),
            nothing_to_credit: r_.nothing_to_credit,
            console,
            can_decide: console && state == ReturnState::Requested && p.may(Action::ReturnDecide),
            can_ship: state == ReturnState::Approved && p.may(Action::ReturnRequest),
            can_receive: console
                && matches!(state, ReturnState::Approved | ReturnState::ShippedBack)
                && p.may(Action::ReturnDecide),
            action_base: format!("{base}/{}", r_.id.0),
            version: r.version,
            carrier: field(f, "carrier").to_owned(),
            tracking: field(f, "tracking_number").to_owned(),
            decision_reason: field(f, "reason").to_owned(),
            e,
        },
    )
}

/// `GET /returns/{id}`: the customer's status page.
pub async fn detail(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let r = st.app.return_of(&v.ctx, return_id(&id)?).await?;
    Ok(detail_page(&v, &r, false, Errors::default(), &Vec::new()))
}

/// `GET /console/returns/{id}`: the staff page.
pub async fn console_detail(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let r = st.app.return_of(&v.ctx, return_id(&id)?).await?;
    Ok(detail_page(&v, &r, true, Errors::default(), &Vec::new()))
}

/// The version the form was rendered at: a change made meanwhile is refused, not overwritten.
fn pinned(v: &Viewer, f: &Fields) -> aftercart_app::Ctx {
    let mut ctx = v.ctx.clone();
    ctx.if_match = field(f, "version").parse::<i64>().ok();
    ctx
}

// The page's whole context (state, viewer, which page, the form and its errors) plus the
// outcome and where to show a refusal: splitting it would only rename the arguments.
#[allow(clippy::too_many_arguments)]
async fn after(
    st: &WebState,
    v: &Viewer,
    id: ReturnId,
    console: bool,
    f: &Fields,
    mut e: Errors,
    result: aftercart_app::Result<Versioned<Return>>,
    field_of: impl Fn(&str) -> String,
) -> PageResult {
    let base = if console { "/console/returns" } else { "/returns" };
    match result {
        Ok(r) => Ok(redirect(&format!("{base}/{}", r.value.id.0))),
        Err(AppError::Rejected(r)) => {
            e.add(&field_of(&r.field), super::auth::capitalise(&r.message));
            let r = st.app.return_of(&v.ctx, id).await?;
            Ok(detail_page(v, &r, console, e, f))
        }
        Err(AppError::PreconditionFailed(_)) => {
            e.add(
                &field_of(""),
                "Someone changed this return meanwhile; check it and try again",
            );
            let r = st.app.return_of(&v.ctx, id).await?;
            Ok(detail_page(v, &r, console, e, f))
        }
        Err(err) => Err(err.into()),
    }
}

/// `POST /console/returns/{id}/decision`: approve, or reject with a reason.
pub async fn decide(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let id = return_id(&id)?;
    let mut e = Errors::default();
    let approve = match field(&f, "decision") {
        "approve" => Some(true),
        "reject" => Some(false),
        _ => {
            e.add("decision", "Choose approve or reject");
            None
        }
    };
    let reason = e.text("reason", "The reason", field(&f, "reason"), TextKind::Text, None);
    if approve == Some(false) && reason.is_empty() {
        e.add("reason", "Say why the return is rejected; the customer reads it");
    }
    let Some(approve) = approve.filter(|_| e.is_empty()) else {
        let r = st.app.return_of(&v.ctx, id).await?;
        return Ok(detail_page(&v, &r, true, e, &f));
    };
    let input = DecideReturn {
        approve,
        reason: (!reason.is_empty()).then_some(reason),
    };
    let ctx = pinned(&v, &f);
    let res = st.app.run(&ctx, || st.app.plan_decide_return(&ctx, id, &input)).await;
    after(&st, &v, id, true, &f, e, res, |_| "reason".into()).await
}

async fn ship(st: WebState, v: Viewer, id: String, f: Fields, console: bool) -> PageResult {
    let id = return_id(&id)?;
    let mut e = Errors::default();
    let carrier = e.text(
        "carrier",
        "The carrier",
        field(&f, "carrier"),
        TextKind::Name,
        Some("Enter the carrier, like UPS"),
    );
    let tracking = e.text(
        "tracking_number",
        "The tracking number",
        field(&f, "tracking_number"),
        TextKind::Ident,
        None,
    );
    if !e.is_empty() {
        let r = st.app.return_of(&v.ctx, id).await?;
        return Ok(detail_page(&v, &r, console, e, &f));
    }
    let input = ShipReturn {
        carrier,
        tracking_number: (!tracking.is_empty()).then_some(tracking),
    };
    let ctx = pinned(&v, &f);
    let res = st.app.run(&ctx, || st.app.plan_ship_return(&ctx, id, &input)).await;
    after(&st, &v, id, console, &f, e, res, |fl| {
        if fl == "tracking_number" {
            fl.into()
        } else {
            "carrier".into()
        }
    })
    .await
}

/// `POST /returns/{id}/shipment`: the customer records the parcel they sent back.
pub async fn ship_customer(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    ship(st, v, id, f, false).await
}

/// `POST /console/returns/{id}/shipment`: staff record the parcel coming back.
pub async fn ship_console(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    ship(st, v, id, f, true).await
}

/// `POST /console/returns/{id}/receipt`: the warehouse's receipt, a condition per line; the
/// credit memo is issued by it.
pub async fn receive(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let rid = return_id(&id)?;
    let current = st.app.return_of(&v.ctx, rid).await?;
    let mut e = Errors::default();
    let mut lines = Vec::new();
    for l in &current.value.lines {
        let name = format!("condition_{}", l.order_line);
        match ReturnCondition::parse(field(&f, &name), &name) {
            Ok(c) => lines.push((l.order_line, c)),
            Err(_) => e.add(&name, format!("Choose the condition line {} arrived in", l.order_line)),
        }
    }
    if !e.is_empty() {
        return Ok(detail_page(&v, &current, true, e, &f));
    }
    let first = current
        .value
        .lines
        .first()
        .map_or("condition".to_owned(), |l| format!("condition_{}", l.order_line));
    let input = ReceiveReturn { lines };
    let ctx = pinned(&v, &f);
    let res = st.app.run(&ctx, || st.app.plan_receive_return(&ctx, rid, &input)).await;
    after(&st, &v, rid, true, &f, e, res, move |_| first.clone()).await
}
