//! Reorder from a past order or a saved list: the preview says per line what changed since
//! (price up or down with old → new, discontinued, no longer sold, ship-to gone), lets the
//! buyer change quantities and says whether the order will wait for approval; placing it goes
//! through the ordinary order path and lands on the new order's page.

use super::Tag;
use super::lists::{change_tag, list_id, parse_qty};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::{AppError, ReorderInput, ReorderPreview, ReorderSource};
use aftercart_domain::ids::OrderId;
use aftercart_domain::order::Channel;
use aftercart_domain::quantity::Qty;
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

pub struct PreviewLine {
    /// The form field of this line's quantity (`qty-3` for source line 3).
    pub field: String,
    pub no: u32,
    pub sku: String,
    pub description: String,
    pub ship_to: String,
    pub tag: Tag,
    pub note: String,
    pub was: String,
    pub now: String,
    pub quantity: String,
    pub orderable: bool,
    pub line_total: String,
}

#[derive(Template)]
#[template(path = "reorder.html")]
struct ReorderPage {
    l: Layout,
    e: Errors,
    heading: String,
    action: String,
    back: String,
    back_label: String,
    summary: String,
    lines: Vec<PreviewLine>,
    total: String,
    can_place: bool,
    /// Why the order would wait for approval (empty: it would not, or it is not known).
    approval: Vec<String>,
    po_number: String,
}

fn order_source(raw: &str) -> Result<ReorderSource, PageError> {
    Uuid::parse_str(raw)
        .map(|u| ReorderSource::Order(OrderId(u)))
        .map_err(|_| PageError::NotFound)
}

fn list_source(raw: &str) -> Result<ReorderSource, PageError> {
    list_id(raw).map(ReorderSource::List)
}

/// The quantities typed into the form (by source line); the field of each is `qty-{line}`.
type Typed = Vec<(u32, String)>;

#[allow(clippy::too_many_arguments)]
async fn page(
    st: &WebState,
    v: &Viewer,
    source: ReorderSource,
    p: &ReorderPreview,
    e: Errors,
    typed: &Typed,
    po_number: String,
    quantities: &[(u32, Qty)],
) -> Result<Response, PageError> {
    let (heading, action, back, back_label) = match source {
        ReorderSource::Order(id) => (
            format!("Reorder {}", p.source_label),
            format!("/orders/{}/reorder", id.0),
            format!("/orders/{}", id.0),
            "Back to the order",
        ),
        ReorderSource::List(id) => (
            format!("Reorder {}", p.source_label),
            format!("/lists/{}/reorder", id.0),
            format!("/lists/{}", id.0),
            "Back to the saved list",
        ),
    };
    // "Will it need approval?" — asked of the app with the quantities shown; unknown when the
    // form has errors or nothing can be placed.
    let mut approval = Vec::new();
    if p.can_place && e.is_empty() {
        let input = ReorderInput {
            po_number: (!po_number.is_empty()).then(|| po_number.clone()),
            quantities: quantities.to_vec(),
            channel: Some(Channel::Portal),
        };
        match st.app.reorder_approval(&v.ctx, source, &input).await {
            Ok(Some(reasons)) => approval = reasons,
            Ok(None) | Err(AppError::Rejected(_)) => {}
            Err(err) => return Err(err.into()),
        }
    }
    let lines = p
        .lines
        .iter()
        .map(|l| {
            let field = format!("qty-{}", l.source_line);
            let quantity = typed
                .iter()
                .find(|(n, _)| *n == l.source_line)
                .map(|(_, q)| q.clone())
                .unwrap_or_else(|| l.quantity.get().to_string());
            PreviewLine {
                no: l.source_line,
                sku: l.sku.clone(),
                description: l.description.clone(),
                ship_to: l
                    .ship_to_name
                    .clone()
                    .unwrap_or_else(|| "No longer on the account".into()),
                tag: change_tag(l.change, l.old_unit_price, l.new_unit_price),
                note: l.note.clone(),
                was: l.old_unit_price.map(format::money).unwrap_or_default(),
                now: l.new_unit_price.map(format::money).unwrap_or_else(|| "—".into()),
                quantity,
                orderable: l.orderable(),
                line_total: match (l.orderable(), l.new_unit_price) {
                    (true, Some(n)) => format::money(n.times(l.quantity.get())),
                    _ => "Left out".into(),
                },
                field,
            }
        })
        .collect();
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &ReorderPage {
            l: Layout::for_viewer(
                heading.clone(),
                v,
                match source {
                    ReorderSource::Order(_) => "/orders",
                    ReorderSource::List(_) => "/lists",
                },
            ),
            e,
            heading,
            action,
            back,
            back_label: back_label.to_owned(),
            summary: p.summary.clone(),
            lines,
            total: format::money(p.total),
            can_place: p.can_place,
            approval,
            po_number,
        },
    ))
}

async fn preview(st: &WebState, v: &Viewer, source: ReorderSource) -> PageResult {
    let p = st.app.reorder_preview(&v.ctx, source).await?;
    page(st, v, source, &p, Errors::default(), &Vec::new(), String::new(), &[]).await
}

pub async fn order_preview(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    preview(&st, &v, order_source(&id)?).await
}

pub async fn list_preview(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    preview(&st, &v, list_source(&id)?).await
}

async fn place(st: &WebState, v: &Viewer, source: ReorderSource, fields: &[(String, String)]) -> PageResult {
    let p = st.app.reorder_preview(&v.ctx, source).await?;
    let mut e = Errors::default();
    let raw_po = fields
        .iter()
        .find(|(k, _)| k == "po_number")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let po_number = e.text("po_number", "The PO number", raw_po, TextKind::Ident, None);
    let mut typed: Typed = Vec::new();
    let mut quantities = Vec::new();
    for l in p.lines.iter().filter(|l| l.orderable()) {
        let field = format!("qty-{}", l.source_line);
        let Some(raw) = fields.iter().find(|(k, _)| *k == field).map(|(_, v)| v.clone()) else {
            continue;
        };
        let label = format!("line {} ({})", l.source_line, l.sku);
        if let Some(q) = parse_qty(&mut e, &field, &label, &raw) {
            quantities.push((l.source_line, q));
        }
        typed.push((l.source_line, raw));
    }
    if e.is_empty() {
        let input = ReorderInput {
            po_number: (!po_number.is_empty()).then(|| po_number.clone()),
            quantities: quantities.clone(),
            channel: Some(Channel::Portal),
        };
        let app = &st.app;
        match app.run(&v.ctx, || app.plan_reorder_with(&v.ctx, source, &input)).await {
            Ok(order) => return Ok(redirect(&format!("/orders/{}", order.value.id.0))),
            Err(AppError::Rejected(r)) => {
                // `lines[i].quantity` is the i-th line of the preview.
                let field = r
                    .field
                    .strip_prefix("lines[")
                    .and_then(|x| x.split_once(']'))
                    .and_then(|(n, _)| n.parse::<usize>().ok())
                    .and_then(|i| p.lines.get(i))
                    .map(|l| format!("qty-{}", l.source_line))
                    .unwrap_or_else(|| {
                        if r.field == "po_number" {
                            "po_number".into()
                        } else {
                            "lines".into()
                        }
                    });
                e.add(&field, r.message);
            }
            Err(err) => return Err(err.into()),
        }
    }
    // Show the preview with what was typed, totals at the quantities that were valid.
    let shown = match st.app.reorder_preview_with(&v.ctx, source, &quantities).await {
        Ok(x) => x,
        Err(AppError::Rejected(_)) => p,
        Err(err) => return Err(err.into()),
    };
    page(st, v, source, &shown, e, &typed, po_number, &quantities).await
}

pub async fn order_place(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    place(&st, &v, order_source(&id)?, &fields).await
}

pub async fn list_place(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    place(&st, &v, list_source(&id)?, &fields).await
}
