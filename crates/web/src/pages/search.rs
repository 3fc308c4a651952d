//! The service console's one search box: order number, PO, invoice number, tracking number,
//! SKU, customer name or number, user email — results grouped by kind, each a link.

use super::orders::status_of;
use super::{Tag, query};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::render::{Layout, PageResult, render};
use crate::session::Viewer;
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;

pub struct Hit {
    pub href: String,
    pub title: String,
    pub detail: String,
    pub tag: Option<Tag>,
}

pub struct Group {
    pub id: &'static str,
    pub heading: &'static str,
    pub hits: Vec<Hit>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    l: Layout,
    e: Errors,
    q: String,
    searched: bool,
    groups: Vec<Group>,
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub async fn search(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let sq: SearchQuery = query(raw.as_deref());
    let mut e = Errors::default();
    let q = e.text("q", "The search", &sq.q, TextKind::Name, None);
    let mut groups = Vec::new();
    let searched = !q.is_empty() && e.is_empty();
    if searched {
        let r = st.app.search(&v.ctx, &q).await?;
        let today = st.app.clock.now().date();
        let order_hit = |o: &aftercart_domain::order::Order, detail: String| Hit {
            href: format!("/orders/{}", o.id.0),
            title: format!("Order {}", o.number),
            detail,
            tag: Some(Tag::progress(status_of(o))),
        };
        groups.push(Group {
            id: "orders",
            heading: "Orders",
            hits: r
                .orders
                .iter()
                .map(|o| {
                    let po = o.po_number.as_deref().map(|p| format!(" · PO {p}")).unwrap_or_default();
                    order_hit(o, format!("Placed {}{po}", format::date(o.placed_at.date())))
                })
                .collect(),
        });
        groups.push(Group {
            id: "shipments",
            heading: "Shipments",
            hits: r
                .shipments
                .iter()
                .map(|(s, o)| Hit {
                    href: format!("/orders/{}#shipments", o.id.0),
                    title: format!(
                        "{} {}",
                        s.shipment.carrier,
                        s.shipment.tracking_number.as_deref().unwrap_or("")
                    ),
                    detail: format!(
                        "Order {} · shipped {}",
                        o.number,
                        format::date(s.shipment.shipped_at.date())
                    ),
                    tag: Some(Tag::progress(s.shipment.status().as_str())),
                })
                .collect(),
        });
        groups.push(Group {
            id: "invoices",
            heading: "Invoices",
            hits: r
                .invoices
                .iter()
                .map(|i| Hit {
                    href: format!("/invoices/{}", i.id.0),
                    title: format!("Invoice {}", i.number),
                    detail: format!(
                        "Issued {} · due {} · balance {}",
                        format::date(i.issued_on),
                        format::date(i.due_on),
                        format::money(i.balance())
                    ),
                    tag: Some(Tag::progress(i.status(today).as_str())),
                })
                .collect(),
        });
        groups.push(Group {
            id: "products",
            heading: "Products",
            hits: r
                .products
                .iter()
                .flat_map(|(p, orders)| {
                    let head = Hit {
                        href: String::new(),
                        title: format!("{} · {}", p.sku, p.name),
                        detail: if p.discontinued {
                            "Discontinued".to_owned()
                        } else {
                            format!("{} recent orders below", orders.len())
                        },
                        tag: None,
                    };
                    std::iter::once(head).chain(orders.iter().map(|o| {
                        order_hit(
                            o,
                            format!("Contains {} · placed {}", p.sku, format::date(o.placed_at.date())),
                        )
                    }))
                })
                .collect(),
        });
        groups.push(Group {
            id: "customers",
            heading: "Customers",
            hits: r
                .accounts
                .iter()
                .map(|a| Hit {
                    href: format!("/console/accounts/{}", a.id.0),
                    title: a.name.clone(),
                    detail: format!("Customer {} · {} locations", a.number, a.locations.len()),
                    tag: None,
                })
                .collect(),
        });
        groups.push(Group {
            id: "users",
            heading: "Users",
            hits: r
                .users
                .iter()
                .map(|u| Hit {
                    href: match u.account_id() {
                        Some(a) => format!("/console/accounts/{}#users", a.0),
                        None => "/console".to_owned(),
                    },
                    title: format!("{} <{}>", u.name, u.email),
                    detail: format::words(&format!("{:?}", u.status).to_lowercase()),
                    tag: None,
                })
                .collect(),
        });
        groups.push(Group {
            id: "returns",
            heading: "Returns",
            hits: r
                .returns
                .iter()
                .map(|x| Hit {
                    href: format!("/console/returns/{}", x.id.0),
                    title: format!("Return {}", x.number),
                    detail: format!(
                        "Order {} · {} · asked {}",
                        x.order_number,
                        x.reason.label(),
                        format::date(x.requested_at.date())
                    ),
                    tag: Some(super::returns::state_tag(x.state())),
                })
                .collect(),
        });
        groups.push(Group {
            id: "changes",
            heading: "Change requests",
            hits: r
                .changes
                .iter()
                .map(|c| Hit {
                    href: format!("/console/changes/{}", c.id.0),
                    title: format!("Change request {}", c.number),
                    detail: format!(
                        "Order {} · asked by {} on {}",
                        c.order_number,
                        c.requested_by,
                        format::date(c.requested_at.date())
                    ),
                    tag: Some(super::changes::state_tag(c.state)),
                })
                .collect(),
        });
        // -- cases --
        // A case number (CS-1001) through the cases' unique number column: one indexed lookup.
        let case = match st.app.case_by_number(&v.ctx, &q).await {
            Ok(c) => Some(c),
            Err(aftercart_app::AppError::NotFound { .. }) => None,
            Err(err) => return Err(err.into()),
        };
        groups.push(Group {
            id: "cases",
            heading: "Cases",
            hits: case
                .iter()
                .map(|c| Hit {
                    href: format!("/console/cases/{}", c.case.id),
                    title: format!("Case {}", c.case.number),
                    detail: format!("{} · {}", c.case.subject, c.case.about.label),
                    tag: Some(super::cases::status_tag(c.case.status)),
                })
                .collect(),
        });
        // -- /cases --
        groups.retain(|g| !g.hits.is_empty());
    }
    Ok(render(
        if e.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        &SearchPage {
            l: Layout::for_viewer("Search", &v, "/search"),
            e,
            q,
            searched,
            groups,
        },
    ))
}
