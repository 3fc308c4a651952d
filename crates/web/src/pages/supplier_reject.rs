//! A dropship supplier rejecting a line routed to it, with the reason: the app hands the line
//! to the next supplier (or backorders it) and never routes it back here.

use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::AppError;
use aftercart_app::dropship::RejectInput;
use aftercart_domain::ids::OrderId;
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;

pub struct LineOption {
    pub line: u32,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "supplier_reject.html")]
struct RejectPage {
    l: Layout,
    e: Errors,
    order_id: String,
    number: String,
    lines: Vec<LineOption>,
    reason: String,
}

fn order_id(raw: &str) -> Result<OrderId, PageError> {
    Uuid::parse_str(raw).map(OrderId).map_err(|_| PageError::NotFound)
}

/// The form with the supplier's lines of the order that still have something to ship.
async fn page(st: &WebState, v: &Viewer, id: OrderId, e: Errors, line: Option<u32>, reason: String) -> PageResult {
    // Not the supplier's order: the 404 page.
    let order = st.app.order(&v.ctx, id).await?.value;
    let work = st.app.supplier_work(&v.ctx).await?;
    let lines = work
        .lines
        .iter()
        .filter(|l| l.order_id == id && !l.open.is_zero())
        .map(|l| LineOption {
            line: l.line,
            label: format!(
                "Line {}: {} × {} ({})",
                l.line,
                format::qty(l.open),
                l.description,
                l.sku
            ),
            selected: line == Some(l.line),
        })
        .collect();
    let status = if e.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &RejectPage {
            l: Layout::for_viewer(format!("Reject a line of order {}", order.number), v, "/supplier"),
            e,
            order_id: id.0.to_string(),
            number: order.number,
            lines,
            reason,
        },
    ))
}

/// `GET /supplier/orders/{id}/reject`.
pub async fn reject_form(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = order_id(&id)?;
    page(&st, &v, id, Errors::default(), None, String::new()).await
}

/// `POST /supplier/orders/{id}/reject`: the chosen line and the reason.
pub async fn reject(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let id = order_id(&id)?;
    st.app.order(&v.ctx, id).await?;
    let field = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let mut e = Errors::default();
    let line = field("line").trim().parse::<u32>().ok();
    if line.is_none() {
        e.add("line", "Choose the line you cannot fill");
    }
    let reason = e.text(
        "reason",
        "The reason",
        field("reason"),
        TextKind::Text,
        Some("Say why you cannot fill the line"),
    );
    let Some(line) = line.filter(|_| e.is_empty()) else {
        return page(&st, &v, id, e, line, reason).await;
    };
    let input = RejectInput {
        location: None,
        line,
        reason: reason.clone(),
    };
    let ctx = &v.ctx;
    match st
        .app
        .run(ctx, || st.app.plan_supplier_rejection(ctx, id, &input))
        .await
    {
        Ok(_) => Ok(redirect("/supplier?done=rejected")),
        Err(AppError::Rejected(r)) => {
            let at = if r.field == "reason" { "reason" } else { "line" };
            e.add(at, super::auth::capitalise(&r.message));
            page(&st, &v, id, e, Some(line), reason).await
        }
        Err(err) => Err(err.into()),
    }
}
