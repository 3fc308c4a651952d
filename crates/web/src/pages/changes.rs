//! Changing a placed order: the buyer's form (quantity per line, ship-to, wanted-by date,
//! cancel everything, add a line) with a priced preview before sending, and the console's queue
//! of changes waiting for the seller (goods already released to a warehouse floor), accepted or
//! rejected with a reason. Everything the app decides; these pages only ask and show.

use super::{Opt, Tag, parse_date};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::{
    AppError, ChangeInput, ChangePreview, ChangeRequest, ChangeState, ListFilter, OrderLineInput, ProductRef,
    RequestChanges, Versioned,
};
use aftercart_domain::ids::{ChangeRequestId, LocationId, OrderId};
use aftercart_domain::order::Order;
use aftercart_domain::quantity::Qty;
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;

fn order_id(raw: &str) -> Result<OrderId, PageError> {
    Uuid::parse_str(raw).map(OrderId).map_err(|_| PageError::NotFound)
}

pub fn state_tag(s: ChangeState) -> Tag {
    let (word, class) = match s {
        ChangeState::Completed => ("Done", "tag-green"),
        ChangeState::AwaitingSeller => ("Waiting for us", "tag-yellow"),
        ChangeState::Accepted => ("Done by the warehouse", "tag-green"),
        ChangeState::Rejected => ("Could not be done", "tag-red"),
    };
    Tag {
        word: word.into(),
        class,
    }
}

/// One change request as a customer or agent reads it on the order page.
pub struct ChangeRow {
    pub number: String,
    pub href: String,
    pub state: Tag,
    pub requested: String,
    pub outcomes: Vec<String>,
    pub decision: String,
    pub reapproval: Vec<String>,
}

pub fn change_row(r: &ChangeRequest, console: bool) -> ChangeRow {
    ChangeRow {
        number: r.number.clone(),
        href: if console {
            format!("/console/changes/{}", r.id.0)
        } else {
            String::new()
        },
        state: state_tag(r.state),
        requested: format!(
            "{} by {}{}",
            format::date(r.requested_at.date()),
            r.requested_by,
            r.on_behalf_of.as_ref().map(|o| format!(" for {o}")).unwrap_or_default()
        ),
        outcomes: r.results.iter().map(|x| x.summary.clone()).collect(),
        decision: r
            .decision
            .as_ref()
            .map(|d| {
                format!(
                    "{} by {} on {}: {}",
                    if d.accepted { "Done" } else { "Not done" },
                    d.by,
                    format::date(d.at.date()),
                    d.outcome
                )
            })
            .unwrap_or_default(),
        reapproval: r.reapproval.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// GET/POST /orders/{id}/change
// ---------------------------------------------------------------------------------------------

pub struct LineField {
    pub no: u32,
    pub sku: String,
    pub description: String,
    pub ship_to: String,
    pub qty_field: String,
    pub qty: String,
    pub shipped: String,
    pub ship_to_field: String,
    pub ship_tos: Vec<Opt>,
    pub date_field: String,
    pub date: String,
}

pub struct PreviewView {
    pub outcomes: Vec<String>,
    pub total_before: String,
    pub total_after: String,
    pub lines: Vec<(u32, String, String)>,
    pub budgets: Vec<String>,
    pub reapproval: Vec<String>,
}

#[derive(Template)]
#[template(path = "change.html")]
struct ChangePage {
    l: Layout,
    e: Errors,
    id: String,
    number: String,
    lines: Vec<LineField>,
    cancel_order: bool,
    add_sku: String,
    add_qty: String,
    add_ship_to: Vec<Opt>,
    reason: String,
    /// Seller staff change an order for the customer: who there asked (None for customers).
    on_behalf_of: Option<String>,
    preview: Option<PreviewView>,
}

/// The form's values: line number → (quantity, ship-to, date) as typed.
struct Typed {
    lines: Vec<(u32, String, String, String)>,
    cancel_order: bool,
    add_sku: String,
    add_qty: String,
    add_ship_to: String,
    reason: String,
    on_behalf_of: String,
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn active(o: &Order, no: u32) -> Qty {
    o.line(no).map_or(Qty::ZERO, |l| l.quantity.saturating_sub(l.cancelled))
}

async fn page(
    st: &WebState,
    v: &Viewer,
    order: &Order,
    typed: Option<&Typed>,
    e: Errors,
    preview: Option<PreviewView>,
) -> PageResult {
    let account = order.account_id;
    let ship_tos = super::lists::ship_tos(st, &v.ctx, account).await?;
    let name_of = |id: LocationId| {
        ship_tos
            .iter()
            .find(|(l, _)| *l == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let mut lines = Vec::new();
    for l in order.lines.iter().filter(|l| v.ctx.principal.sees_location(l.ship_to)) {
        let ledger = order.ledger(l);
        let t = typed.and_then(|t| t.lines.iter().find(|x| x.0 == l.no));
        let ship_to_now = t.map_or(l.ship_to.0.to_string(), |x| x.2.clone());
        lines.push(LineField {
            no: l.no,
            sku: l.sku.clone(),
            description: l.description.clone(),
            ship_to: name_of(l.ship_to),
            qty_field: format!("qty_{}", l.no),
            qty: t.map_or(format::qty(active(order, l.no)), |x| x.1.clone()),
            shipped: format::qty(ledger.shipped),
            ship_to_field: format!("ship_to_{}", l.no),
            ship_tos: ship_tos
                .iter()
                .map(|(id, n)| Opt {
                    value: id.0.to_string(),
                    label: n.clone(),
                    selected: id.0.to_string() == ship_to_now,
                })
                .collect(),
            date_field: format!("date_{}", l.no),
            date: t.map_or(l.requested_date.map(|d| d.to_string()).unwrap_or_default(), |x| {
                x.3.clone()
            }),
        });
    }
    let add_to = typed.map(|t| t.add_ship_to.clone()).unwrap_or_default();
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let p = ChangePage {
        l: Layout::for_viewer(format!("Change order {}", order.number), v, "/orders"),
        e,
        id: order.id.0.to_string(),
        number: order.number.clone(),
        lines,
        cancel_order: typed.is_some_and(|t| t.cancel_order),
        add_sku: typed.map(|t| t.add_sku.clone()).unwrap_or_default(),
        add_qty: typed.map(|t| t.add_qty.clone()).unwrap_or_default(),
        add_ship_to: ship_tos
            .iter()
            .map(|(id, n)| Opt {
                value: id.0.to_string(),
                label: n.clone(),
                selected: id.0.to_string() == add_to,
            })
            .collect(),
        reason: typed.map(|t| t.reason.clone()).unwrap_or_default(),
        on_behalf_of: v
            .ctx
            .principal
            .is_seller()
            .then(|| typed.map(|t| t.on_behalf_of.clone()).unwrap_or_default()),
        preview,
    };
    Ok(render(status, &p))
}

pub async fn form(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let order = st.app.order(&v.ctx, order_id(&id)?).await?.value;
    page(&st, &v, &order, None, Errors::default(), None).await
}

/// What the form asks for, with the form field each change came from (to put errors beside it).
fn read(order: &Order, fields: &[(String, String)], e: &mut Errors, v: &Viewer) -> (Typed, Vec<(ChangeInput, String)>) {
    let mut typed = Typed {
        lines: Vec::new(),
        cancel_order: field(fields, "cancel_order").is_some(),
        add_sku: field(fields, "add_sku").unwrap_or("").trim().to_owned(),
        add_qty: field(fields, "add_qty").unwrap_or("").trim().to_owned(),
        add_ship_to: field(fields, "add_ship_to").unwrap_or("").to_owned(),
        reason: e.text(
            "reason",
            "Why",
            field(fields, "reason").unwrap_or(""),
            TextKind::Text,
            None,
        ),
        on_behalf_of: String::new(),
    };
    if v.ctx.principal.is_seller() {
        typed.on_behalf_of = e.text(
            "on_behalf_of",
            "Who asked",
            field(fields, "on_behalf_of").unwrap_or(""),
            TextKind::Name,
            Some("Say who at the customer asked for this change (it is recorded as theirs, through you)"),
        );
    }
    let mut changes = Vec::new();
    if typed.cancel_order {
        changes.push((ChangeInput::CancelOrder, "cancel_order".to_owned()));
    }
    for l in order.lines.iter().filter(|l| v.ctx.principal.sees_location(l.ship_to)) {
        let (qf, sf, df) = (
            format!("qty_{}", l.no),
            format!("ship_to_{}", l.no),
            format!("date_{}", l.no),
        );
        let q = field(fields, &qf).unwrap_or("").trim().to_owned();
        let s = field(fields, &sf).unwrap_or("").to_owned();
        let d = field(fields, &df).unwrap_or("").trim().to_owned();
        typed.lines.push((l.no, q.clone(), s.clone(), d.clone()));
        if typed.cancel_order {
            continue;
        }
        match q.replace(',', "").parse::<u32>() {
            Ok(n) if Qty::new(n) != active(order, l.no) => changes.push((
                ChangeInput::Quantity {
                    line: l.no,
                    quantity: Qty::new(n),
                },
                qf.clone(),
            )),
            Ok(_) => {}
            Err(_) if q.is_empty() => {}
            Err(_) => e.add(
                &qf,
                format!("Enter the quantity for line {} as a whole number, like 6", l.no),
            ),
        }
        match Uuid::parse_str(&s) {
            Ok(u) if u != l.ship_to.0 => changes.push((
                ChangeInput::ShipTo {
                    line: l.no,
                    ship_to: LocationId(u),
                },
                sf.clone(),
            )),
            Ok(_) => {}
            Err(_) if s.is_empty() => {}
            Err(_) => e.add(&sf, "Choose where line goes"),
        }
        let now = l.requested_date.map(|d| d.to_string()).unwrap_or_default();
        // A field the form did not send asks for nothing (clearing the date is sending it empty).
        if field(fields, &df).is_some() && d != now {
            let date = if d.is_empty() {
                None
            } else {
                parse_date(e, &df, &format!("Wanted by (line {})", l.no), &d)
            };
            if d.is_empty() || date.is_some() {
                changes.push((ChangeInput::RequestedDate { line: l.no, date }, df.clone()));
            }
        }
    }
    if !typed.add_sku.is_empty() {
        let sku = e.text("add_sku", "SKU", &typed.add_sku.clone(), TextKind::Ident, None);
        let qty = match typed.add_qty.replace(',', "").parse::<u32>() {
            Ok(n) if n > 0 => Some(Qty::new(n)),
            _ => {
                e.add("add_qty", "Enter how many to add, at least 1");
                None
            }
        };
        let to = match Uuid::parse_str(&typed.add_ship_to) {
            Ok(u) => Some(LocationId(u)),
            Err(_) => {
                e.add("add_ship_to", "Choose where the new line goes");
                None
            }
        };
        if let (Some(quantity), Some(ship_to)) = (qty, to) {
            changes.push((
                ChangeInput::AddLine(OrderLineInput {
                    product: ProductRef::Sku(sku),
                    quantity,
                    ship_to,
                    requested_date: None,
                    po_number: None,
                    cost_centre: None,
                    project: None,
                }),
                "add_sku".to_owned(),
            ));
        }
    }
    (typed, changes)
}

/// The form field an app refusal belongs beside: `changes[i].…` is the i-th change's field.
fn field_of(r_field: &str, from: &[String]) -> String {
    r_field
        .strip_prefix("changes[")
        .and_then(|r| r.split_once(']'))
        .and_then(|(i, rest)| {
            let f = from.get(i.parse::<usize>().ok()?)?;
            Some(if f == "add_sku" && rest.contains("ship_to") {
                "add_ship_to".to_owned()
            } else if f == "add_sku" && rest.contains("quantity") {
                "add_qty".to_owned()
            } else {
                f.clone()
            })
        })
        .unwrap_or_else(|| "changes".to_owned())
}

fn preview_view(p: &ChangePreview) -> PreviewView {
    PreviewView {
        outcomes: p.results.iter().map(|r| r.summary.clone()).collect(),
        total_before: format::money(p.total_before),
        total_after: format::money(p.total_after),
        lines: p
            .lines
            .iter()
            .map(|(n, b, a)| (*n, format::money(*b), format::money(*a)))
            .collect(),
        budgets: p.budgets.iter().map(|(_, i)| i.sentence.clone()).collect(),
        reapproval: p.reapproval.clone(),
    }
}

pub async fn submit(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let id = order_id(&id)?;
    let Versioned { value: order, .. } = st.app.order(&v.ctx, id).await?;
    let mut e = Errors::default();
    let (typed, asked) = read(&order, &fields, &mut e, &v);
    if e.is_empty() && asked.is_empty() {
        e.add(
            "changes",
            "Change a quantity, a ship-to or a date, tick “Cancel the whole order”, or add a line",
        );
    }
    if !e.is_empty() {
        return page(&st, &v, &order, Some(&typed), e, None).await;
    }
    let from: Vec<String> = asked.iter().map(|(_, f)| f.clone()).collect();
    let input = RequestChanges {
        changes: asked.into_iter().map(|(c, _)| c).collect(),
        reason: Some(typed.reason.clone()).filter(|r| !r.is_empty()),
        on_behalf_of: Some(typed.on_behalf_of.clone()).filter(|w| !w.is_empty()),
    };
    let refused = |err: AppError, e: &mut Errors| -> Result<(), PageError> {
        match err {
            AppError::Rejected(r) => e.add(&field_of(&r.field, &from), r.message),
            AppError::NotFound { what, field: Some(f) } => {
                e.add(&field_of(&f, &from), format!("There is no such {what}; check the SKU"))
            }
            AppError::PreconditionFailed(_) | AppError::Conflict(_) => e.add(
                "changes",
                "The order changed while you were looking at it; check it again below",
            ),
            other => return Err(other.into()),
        }
        Ok(())
    };
    if field(&fields, "action") == Some("preview") {
        return match st.app.preview_changes(&v.ctx, id, &input).await {
            Ok(p) => page(&st, &v, &order, Some(&typed), e, Some(preview_view(&p))).await,
            Err(err) => {
                refused(err, &mut e)?;
                page(&st, &v, &order, Some(&typed), e, None).await
            }
        };
    }
    let (app, ctx) = (&st.app, &v.ctx);
    match app.run(ctx, || app.plan_request_changes(ctx, id, &input)).await {
        Ok(_) => Ok(redirect(&format!("/orders/{}#changes", id.0))),
        Err(err) => {
            refused(err, &mut e)?;
            let fresh = st.app.order(&v.ctx, id).await?.value;
            page(&st, &v, &fresh, Some(&typed), e, None).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GET /console/changes, GET/POST /console/changes/{id}
// ---------------------------------------------------------------------------------------------

pub struct QueueRow {
    pub number: String,
    pub href: String,
    pub order_number: String,
    pub order_href: String,
    pub requested: String,
    pub waiting: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "console_changes.html")]
struct QueuePage {
    l: Layout,
    rows: Vec<QueueRow>,
}

pub async fn queue(State(st): State<WebState>, v: Viewer) -> PageResult {
    let page = st
        .app
        .list_change_requests(
            &v.ctx,
            &ListFilter {
                status: Some("awaiting_seller".into()),
                limit: 200,
                ..Default::default()
            },
        )
        .await?;
    let now = st.app.clock.now();
    let mut items = page.items;
    // Oldest waiting first: the customer has waited longest.
    items.sort_by_key(|r| r.value.requested_at);
    let rows = items
        .iter()
        .map(|r| {
            let c = &r.value;
            let hours = (now - c.requested_at).whole_hours().max(0);
            QueueRow {
                number: c.number.clone(),
                href: format!("/console/changes/{}", c.id.0),
                order_number: c.order_number.clone(),
                order_href: format!("/orders/{}", c.order_id.0),
                requested: format!("{} by {}", format::date(c.requested_at.date()), c.requested_by),
                waiting: if hours < 24 {
                    format!("{hours} h")
                } else {
                    format!("{} days", hours / 24)
                },
                summary: c
                    .results
                    .iter()
                    .map(|x| x.summary.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            }
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &QueuePage {
            l: Layout::for_viewer("Changes waiting for us", &v, "/console/changes"),
            rows,
        },
    ))
}

#[derive(Template)]
#[template(path = "console_change.html")]
struct DecidePage {
    l: Layout,
    e: Errors,
    id: String,
    row: ChangeRow,
    order_number: String,
    order_href: String,
    pending: Vec<String>,
    open: bool,
    version: i64,
    reason: String,
}

fn change_id(raw: &str) -> Result<ChangeRequestId, PageError> {
    Uuid::parse_str(raw)
        .map(ChangeRequestId)
        .map_err(|_| PageError::NotFound)
}

async fn decide_page(st: &WebState, v: &Viewer, r: Versioned<ChangeRequest>, e: Errors, reason: String) -> PageResult {
    let c = &r.value;
    let order = st.app.order(&v.ctx, c.order_id).await?.value;
    let fulfilment = st.app.fulfilment_locations(&v.ctx).await?;
    let account = st.app.account(&v.ctx, order.account_id).await?.value;
    let name = |id| {
        fulfilment
            .iter()
            .find(|l| l.id == id)
            .map(|l| l.name.clone())
            .unwrap_or_default()
    };
    let pending = c
        .pending
        .iter()
        .map(|p| match p {
            aftercart_domain::order::Pending::Cut {
                line,
                location,
                quantity,
            } => format!(
                "Take {} of line {line} ({}) out of what {} released, and cancel it",
                format::qty(*quantity),
                order.line(*line).map(|l| l.sku.clone()).unwrap_or_default(),
                name(*location)
            ),
            aftercart_domain::order::Pending::ShipTo { line, ship_to } => format!(
                "Send line {line} ({}) to {} instead",
                order.line(*line).map(|l| l.sku.clone()).unwrap_or_default(),
                account.location(*ship_to).map(|l| l.name.clone()).unwrap_or_default()
            ),
        })
        .collect();
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &DecidePage {
            l: Layout::for_viewer(format!("Change {}", c.number), v, "/console/changes"),
            e,
            id: c.id.0.to_string(),
            row: change_row(c, true),
            order_number: c.order_number.clone(),
            order_href: format!("/orders/{}", c.order_id.0),
            pending,
            open: c.state == ChangeState::AwaitingSeller,
            version: r.version,
            reason,
        },
    ))
}

pub async fn detail(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let r = st.app.change_request(&v.ctx, change_id(&id)?).await?;
    decide_page(&st, &v, r, Errors::default(), String::new()).await
}

pub async fn decide(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let id = change_id(&id)?;
    let current = st.app.change_request(&v.ctx, id).await?;
    let mut e = Errors::default();
    let reason = e.text(
        "reason",
        "Reason",
        field(&fields, "reason").unwrap_or(""),
        TextKind::Text,
        None,
    );
    let accept = match field(&fields, "decision") {
        Some("accept") => true,
        Some("reject") => false,
        _ => {
            e.add("decision", "Choose whether the warehouse did it");
            return decide_page(&st, &v, current, e, reason).await;
        }
    };
    if !e.is_empty() {
        return decide_page(&st, &v, current, e, reason).await;
    }
    let mut ctx = v.ctx.clone();
    ctx.if_match = field(&fields, "version").and_then(|s| s.parse().ok());
    let r = Some(reason.clone()).filter(|r| !r.is_empty());
    match st
        .app
        .run(&ctx, || st.app.plan_decide_change(&ctx, id, accept, r.clone()))
        .await
    {
        Ok(_) => Ok(redirect(&format!("/console/changes/{}", id.0))),
        Err(AppError::Rejected(rj)) => {
            let f = if rj.field == "accept" {
                "decision"
            } else {
                rj.field.as_str()
            };
            e.add(if f.is_empty() { "decision" } else { f }, rj.message);
            let fresh = st.app.change_request(&v.ctx, id).await?;
            decide_page(&st, &v, fresh, e, reason).await
        }
        Err(AppError::PreconditionFailed(_)) => {
            e.add(
                "decision",
                "Someone decided this change while you were looking at it; see below",
            );
            let fresh = st.app.change_request(&v.ctx, id).await?;
            decide_page(&st, &v, fresh, e, reason).await
        }
        Err(other) => Err(other.into()),
    }
}
