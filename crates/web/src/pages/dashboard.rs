//! The customer dashboard: what needs attention now, each item a link.

use super::orders::status_of;
use crate::WebState;
use crate::format;
use crate::render::{Layout, PageResult, render};
use crate::session::Viewer;
use aftercart_app::{Action, ListFilter};
use aftercart_domain::status::{Names, Risk, order_view};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;

/// How many recent orders the dashboard looks through for late, at-risk and slipped items.
pub const RECENT_ORDERS: u32 = 200;

pub struct Item {
    pub href: String,
    pub label: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    approvals: Option<Vec<Item>>,
    late: Vec<Item>,
    slipped: Vec<Item>,
    overdue: Option<Vec<Item>>,
    mismatched: Option<Vec<Item>>,
    deliveries: Vec<Item>,
    // -- exceptions --
    /// What the seller already noticed and is working on (late, stalled, carrier trouble…).
    exceptions: Vec<Item>,
    // -- /exceptions --
}

pub async fn dashboard(State(st): State<WebState>, v: Viewer) -> PageResult {
    let ctx = &v.ctx;
    let p = &ctx.principal;
    let now = st.app.clock.now();
    let today = now.date();

    let approvals = if p.may(Action::Approve) {
        // The inbox's rule: assigned to me, to my role, or to someone I stand in for today.
        let me = super::approvals::Me::of(&st, &v).await?;
        let page = st
            .app
            .list_orders(
                ctx,
                &ListFilter {
                    status: Some("awaiting_approval".into()),
                    limit: 50,
                    ..Default::default()
                },
            )
            .await?;
        let mut items = Vec::new();
        for o in &page.items {
            let Some(wf) = &o.value.approval else { continue };
            let Some(step_index) = me.waiting_step(wf) else {
                continue;
            };
            let step = &wf.steps[step_index].required;
            let total = o
                .value
                .goods_total()
                .checked_add(o.value.freight)
                .unwrap_or(o.value.goods_total());
            items.push(Item {
                href: format!("/orders/{}#approvals", o.value.id.0),
                label: format!("Order {}", o.value.number),
                detail: format!("{} — {}", format::money(total), step.reason),
            });
        }
        Some(items)
    } else {
        None
    };

    let recent = st
        .app
        .list_orders(
            ctx,
            &ListFilter {
                limit: RECENT_ORDERS,
                ..Default::default()
            },
        )
        .await?;
    let (mut late, mut slipped) = (Vec::new(), Vec::new());
    for o in &recent.items {
        let o = &o.value;
        if matches!(status_of(o), "delivered" | "cancelled" | "rejected" | "credit_rejected") {
            continue;
        }
        let view = order_view(o, &Names::default(), now);
        if view.assessment.risk != Risk::OnTrack {
            late.push(Item {
                href: format!("/orders/{}", o.id.0),
                label: format!(
                    "Order {} is {}",
                    o.number,
                    if view.assessment.risk == Risk::Late {
                        "late"
                    } else {
                        "at risk"
                    }
                ),
                detail: view.assessment.reasons.join("; "),
            });
        }
        for l in &o.lines {
            let Some(b) = l.backorder.as_ref().filter(|b| !b.quantity.is_zero()) else {
                continue;
            };
            if let Some(ch) = b.history.last()
                && let (Some(from), Some(to)) = (ch.from, ch.to)
                && to > from
            {
                slipped.push(Item {
                    href: format!("/orders/{}", o.id.0),
                    label: format!("Order {} line {} ({})", o.number, l.no, l.description),
                    detail: format!(
                        "{} backordered: expected {}, moved from {} by {} ({})",
                        format::qty(b.quantity),
                        format::date(to),
                        format::date(from),
                        ch.by,
                        ch.reason
                    ),
                });
            }
        }
    }

    let (overdue, mismatched) = if p.may(Action::BillingRead) {
        let list = |status: &str| ListFilter {
            status: Some(status.into()),
            limit: 25,
            ..Default::default()
        };
        let overdue = st
            .app
            .list_invoices(ctx, &list("overdue"))
            .await?
            .items
            .into_iter()
            .map(|i| Item {
                href: format!("/invoices/{}", i.value.id.0),
                label: format!("Invoice {}", i.value.number),
                detail: format!(
                    "{} open, due {}",
                    format::money(i.value.balance()),
                    format::date(i.value.due_on)
                ),
            })
            .collect();
        let mut mismatched = Vec::new();
        for i in st.app.list_invoices(ctx, &list("open")).await?.items {
            let m = st.app.invoice_match(ctx, i.value.id).await?;
            if !m.report.matches {
                mismatched.push(Item {
                    href: format!("/invoices/{}#match", i.value.id.0),
                    label: format!("Invoice {}", i.value.number),
                    detail: m.report.summary,
                });
            }
        }
        (Some(overdue), Some(mismatched))
    } else {
        (None, None)
    };

    let deliveries = st
        .app
        .list_shipments(
            ctx,
            &ListFilter {
                status: Some("delivered".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await?
        .items
        .into_iter()
        .map(|s| {
            let s = s.value;
            Item {
                href: format!("/orders/{}#shipments", s.order_id.0),
                label: format!("Order {}", s.order_number),
                detail: format!(
                    "delivered {} via {}{}",
                    s.shipment
                        .tracking
                        .delivered_at
                        .map(|d| format::date(d.date()))
                        .unwrap_or_else(|| format::date(today)),
                    s.shipment.carrier,
                    s.shipment
                        .tracking_number
                        .as_ref()
                        .map(|t| format!(" {t}"))
                        .unwrap_or_default()
                ),
            }
        })
        .collect();

    Ok(render(
        StatusCode::OK,
        &DashboardPage {
            l: Layout::for_viewer("Needs attention", &v, "/dashboard"),
            approvals,
            late,
            slipped,
            overdue,
            mismatched,
            deliveries,
            // -- exceptions --
            exceptions: super::exceptions::customer_items(&st, ctx).await?,
            // -- /exceptions --
        },
    ))
}
