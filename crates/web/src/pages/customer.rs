//! The customer 360 (service console): one customer's balances, recent orders, shipments,
//! invoices and payments, users and newest timeline events, each opening its record.

use super::Tag;
use super::orders::{event_words, row};
use crate::WebState;
use crate::format;
use crate::render::{Layout, PageResult, render};
use crate::session::Viewer;
use aftercart_app::{Action, UserKind, UserStatus};
use aftercart_domain::ids::AccountId;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;

pub struct ShipmentLine {
    pub order_id: String,
    pub order_number: String,
    pub carrier: String,
    pub tracking: String,
    pub shipped: String,
    pub status: Tag,
}

pub struct InvoiceLine {
    pub id: String,
    pub number: String,
    pub due: String,
    pub total: String,
    pub balance: String,
    pub status: Tag,
}

pub struct PaymentLine {
    pub received: String,
    pub method: String,
    pub reference: String,
    pub amount: String,
    pub unapplied: String,
}

pub struct UserLine {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub status: Tag,
    /// Active and reset-able by this viewer.
    pub can_reset: bool,
    pub reset_requested: String,
}

pub struct EventLine {
    pub at: String,
    pub what: String,
    pub who: String,
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    l: Layout,
    id: String,
    name: String,
    number: String,
    terms: String,
    credit_limit: String,
    locations: Vec<(String, String)>,
    open: String,
    overdue: String,
    unapplied: String,
    balance: String,
    in_credit: bool,
    orders: Vec<super::orders::OrderRow>,
    shipments: Vec<ShipmentLine>,
    invoices: Vec<InvoiceLine>,
    payments: Vec<PaymentLine>,
    users: Vec<UserLine>,
    timeline: Vec<EventLine>,
    // -- returns --
    returns: Vec<super::returns::ReturnRow>,
    // -- /returns --
    // -- change requests --
    changes: Vec<(String, super::changes::ChangeRow)>,
    // -- /change requests --
    // -- cases --
    cases: Vec<super::cases::CaseRow>,
    // -- /cases --
    // -- exceptions --
    exceptions: Vec<super::exceptions::ExceptionRow>,
    // -- /exceptions --
}

pub async fn customer(State(st): State<WebState>, v: Viewer, Path(id): Path<Uuid>) -> PageResult {
    let c = st.app.customer_360(&v.ctx, AccountId(id)).await?;
    let a = &c.account.value;
    let now = st.app.clock.now();
    let today = now.date();
    let p = &c.position.position;
    let may_reset = v.ctx.principal.may(Action::UsersManage);
    let page = CustomerPage {
        l: Layout::for_viewer(a.name.clone(), &v, "/console"),
        id: a.id.0.to_string(),
        name: a.name.clone(),
        number: a.number.clone(),
        terms: a.terms.label(),
        credit_limit: format::money(a.credit_limit),
        locations: a
            .locations
            .iter()
            .map(|l| (l.name.clone(), format!("{}, {} {}", l.city, l.postcode, l.country)))
            .collect(),
        open: format::money(p.total_open),
        overdue: format::money(p.total_overdue),
        unapplied: format::money(
            p.unapplied_payments
                .checked_add(p.unapplied_credits)
                .unwrap_or(p.unapplied_payments),
        ),
        balance: format::money(p.balance),
        in_credit: p.balance.is_negative(),
        orders: c
            .orders
            .items
            .iter()
            .map(|o| row(&o.value, a.name.clone(), now))
            .collect(),
        shipments: c
            .shipments
            .items
            .iter()
            .map(|s| {
                let s = &s.value;
                ShipmentLine {
                    order_id: s.order_id.0.to_string(),
                    order_number: s.order_number.clone(),
                    carrier: s.shipment.carrier.clone(),
                    tracking: s.shipment.tracking_number.clone().unwrap_or_default(),
                    shipped: format::date(s.shipment.shipped_at.date()),
                    status: Tag::progress(s.shipment.status().as_str()),
                }
            })
            .collect(),
        invoices: c
            .invoices
            .items
            .iter()
            .map(|i| {
                let i = &i.value;
                InvoiceLine {
                    id: i.id.0.to_string(),
                    number: i.number.clone(),
                    due: format::date(i.due_on),
                    total: format::money(i.total()),
                    balance: format::money(i.balance()),
                    status: Tag::progress(i.status(today).as_str()),
                }
            })
            .collect(),
        payments: c
            .payments
            .items
            .iter()
            .map(|pm| {
                let pm = &pm.value;
                PaymentLine {
                    received: format::date(pm.received_at.date()),
                    method: match pm.method {
                        aftercart_domain::invoice::PaymentMethod::Card => "Card",
                        aftercart_domain::invoice::PaymentMethod::Ach => "ACH debit",
                        aftercart_domain::invoice::PaymentMethod::Wire => "Wire transfer",
                        aftercart_domain::invoice::PaymentMethod::Cheque => "Cheque",
                    }
                    .to_owned(),
                    reference: pm.reference.clone().unwrap_or_default(),
                    amount: format::money(pm.amount),
                    unapplied: format::money(pm.unapplied()),
                }
            })
            .collect(),
        users: c
            .users
            .items
            .iter()
            .map(|u| {
                let u = &u.value;
                let roles = match &u.kind {
                    UserKind::Customer { roles, .. } => roles
                        .iter()
                        .map(|r| crate::render::customer_role(*r))
                        .collect::<Vec<_>>()
                        .join(", "),
                    _ => String::new(),
                };
                let status = format!("{:?}", u.status).to_lowercase();
                UserLine {
                    id: u.id.0.to_string(),
                    name: u.name.clone(),
                    email: u.email.clone(),
                    roles,
                    status: Tag {
                        word: format::words(&status),
                        class: match u.status {
                            UserStatus::Active => "tag-green",
                            UserStatus::Invited => "tag-blue",
                            UserStatus::Deactivated => "tag-grey",
                        },
                    },
                    can_reset: may_reset && u.status == UserStatus::Active,
                    reset_requested: u
                        .reset_requested_at
                        .map(|t| format!("Asked for a password reset {}", format::time(t)))
                        .unwrap_or_default(),
                }
            })
            .collect(),
        timeline: c
            .timeline
            .iter()
            .map(|e| EventLine {
                at: format::time(e.at),
                what: event_words(&e.kind),
                who: e.actor_name.clone(),
            })
            .collect(),
        // -- returns --
        returns: st
            .app
            .list_returns(
                &v.ctx,
                &aftercart_app::ReturnFilter {
                    account_id: Some(AccountId(id)),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await?
            .items
            .iter()
            .map(|r| super::returns::row(&r.value, "/console/returns"))
            .collect(),
        // -- /returns --
        // -- change requests --
        // The newest ten, with the order each is about (the queue has them all).
        changes: st
            .app
            .list_change_requests(
                &v.ctx,
                &aftercart_app::ListFilter {
                    account_id: Some(AccountId(id)),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await?
            .items
            .iter()
            .map(|r| (r.value.order_number.clone(), super::changes::change_row(&r.value, true)))
            .collect(),
        // -- /change requests --
        // -- cases --
        cases: super::cases::of_account(&st, &v.ctx, AccountId(id)).await?,
        // -- /cases --
        // -- exceptions --
        exceptions: super::exceptions::of_account(&st, &v.ctx, AccountId(id)).await?,
        // -- /exceptions --
    };
    Ok(render(StatusCode::OK, &page))
}
