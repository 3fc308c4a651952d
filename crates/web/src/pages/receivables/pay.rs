//! Paying online: the account's open invoices, a box to tick and an amount for each (what is
//! open by default; paying less asks why — later, or a dispute reason, which opens a dispute
//! for the rest), a saved method, and "keep any excess as credit". The payment's page then says
//! what happened: paid, processing (a bank debit settles in days), or declined and why.
//!
//! Without a payment provider configured here the page explains paying by bank transfer, with
//! each invoice's remittance reference.

use super::{Fields, field, money_field, money_value, own_account, refusal, status};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::pages::{Opt, Tag, query};
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::ListFilter;
use aftercart_app::payments::{PayInput, PayRequest, ShortPayDetail};
use aftercart_domain::ids::{InvoiceId, OnlinePaymentId, SavedMethodId};
use aftercart_domain::invoice::Invoice;
use aftercart_domain::money::Money;
use aftercart_domain::receivables::dispute::DisputeReason;
use aftercart_domain::receivables::online::{OnlinePayment, OnlineState, ShortReason};
use askama::Template;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// The choices for paying less than what is open, as the select offers them.
pub fn short_choices(chosen: &str) -> Vec<Opt> {
    let mut v = vec![
        Opt {
            value: String::new(),
            label: "Paying it all".into(),
            selected: chosen.is_empty(),
        },
        Opt {
            value: "later".into(),
            label: "The rest later".into(),
            selected: chosen == "later",
        },
    ];
    v.extend(DisputeReason::ALL.iter().map(|r| Opt {
        value: r.as_str().into(),
        label: format!("Dispute: {}", r.label().to_lowercase()),
        selected: chosen == r.as_str(),
    }));
    v
}

/// One open invoice on the pay page.
pub struct PayRow {
    pub id: String,
    pub number: String,
    pub due: String,
    pub overdue: bool,
    pub balance: String,
    /// In dispute (held out of what is due) and being paid already, for the hint.
    pub disputed: String,
    pub processing: String,
    pub reference: String,
    pub pay_field: String,
    pub amount_field: String,
    pub why_field: String,
    pub checked: bool,
    pub amount: String,
    pub whys: Vec<Opt>,
    /// Nothing left to pay online (all of it is being paid already).
    pub blocked: bool,
}

#[derive(Template)]
#[template(path = "pay.html")]
struct PayPage {
    l: Layout,
    e: Errors,
    online: bool,
    rows: Vec<PayRow>,
    methods: Vec<Opt>,
    credit: bool,
    seller: String,
    bank: Vec<(String, String)>,
    total_open: String,
    currency: String,
}

#[derive(Deserialize, Default)]
pub struct PayQuery {
    #[serde(default)]
    invoice: String,
    #[serde(default)]
    due: String,
}

/// An open invoice with what other payments in flight reserve on it and what open disputes
/// hold out of it.
struct Payable {
    invoice: Invoice,
    processing: Money,
    disputed: Money,
}

impl Payable {
    /// What can still be paid: the balance less payments in flight.
    fn open(&self) -> Money {
        self.invoice
            .balance()
            .checked_sub(self.processing)
            .unwrap_or(self.invoice.balance())
    }
    /// What is due: the open amount less what is in dispute (the default amount).
    fn undisputed(&self) -> Money {
        let open = self.open();
        let u = open.checked_sub(self.disputed).unwrap_or(open);
        if u.is_positive() {
            u
        } else {
            Money::zero(open.currency())
        }
    }
}

async fn payables(st: &WebState, v: &Viewer) -> Result<(aftercart_domain::account::Account, Vec<Payable>), PageError> {
    let account = own_account(v)?;
    let pos = st.app.open_position(&v.ctx, account).await?;
    let mut processing: HashMap<InvoiceId, Money> = HashMap::new();
    for state in ["requested", "processing", "requires_action"] {
        let f = ListFilter {
            account_id: Some(account),
            status: Some(state.into()),
            limit: 200,
            ..Default::default()
        };
        for p in st.app.list_online_payments(&v.ctx, &f).await?.items {
            for a in &p.value.allocations {
                let e = processing
                    .entry(a.invoice_id)
                    .or_insert(Money::zero(a.amount.currency()));
                *e = e.checked_add(a.amount).unwrap_or(*e);
            }
        }
    }
    let mut out = Vec::new();
    for i in pos.invoices {
        let inv = i.value;
        if inv.replaced_by.is_some() {
            continue;
        }
        let zero = Money::zero(inv.currency);
        let disputed = st
            .app
            .invoice_disputes(&v.ctx, inv.id)
            .await?
            .iter()
            .fold(zero, |a, d| a.checked_add(d.value.held()).unwrap_or(a));
        out.push(Payable {
            processing: processing.get(&inv.id).copied().unwrap_or(zero),
            disputed,
            invoice: inv,
        });
    }
    Ok((pos.account, out))
}

fn pay_field(id: InvoiceId) -> String {
    format!("pay-{}", id.0)
}
fn amount_field(id: InvoiceId) -> String {
    format!("amount-{}", id.0)
}
fn why_field(id: InvoiceId) -> String {
    format!("why-{}", id.0)
}

/// The page; `sent`: the form as posted (to keep every value), or `None` for a fresh one.
async fn page(st: &WebState, v: &Viewer, q: &PayQuery, sent: Option<&Fields>, e: Errors) -> PageResult {
    let (account, items) = payables(st, v).await?;
    let today = st.app.clock.now().date();
    let online = st.app.payments.provider.is_some();
    let billing = st.app.account_billing(&v.ctx, account.id).await?;
    let chosen_method = sent.map(|f| field(f, "method").to_owned()).unwrap_or_else(|| {
        billing
            .value
            .autopay
            .as_ref()
            .map(|a| a.method_id)
            .or(billing.value.methods.first().map(|m| m.id))
            .map(|m| m.0.to_string())
            .unwrap_or_default()
    });
    let rows = items
        .iter()
        .map(|p| {
            let inv = &p.invoice;
            let (pf, af, wf) = (pay_field(inv.id), amount_field(inv.id), why_field(inv.id));
            let checked = match sent {
                Some(f) => !field(f, &pf).is_empty(),
                None => q.invoice == inv.id.0.to_string() || (q.due == "1" && inv.due_on <= today),
            };
            let default = if p.undisputed().is_positive() {
                p.undisputed()
            } else {
                p.open()
            };
            PayRow {
                id: inv.id.0.to_string(),
                number: inv.number.clone(),
                due: format::date(inv.due_on),
                overdue: inv.due_on < today,
                balance: format::money(inv.balance()),
                disputed: if p.disputed.is_positive() {
                    format::money(p.disputed)
                } else {
                    String::new()
                },
                processing: if p.processing.is_positive() {
                    format::money(p.processing)
                } else {
                    String::new()
                },
                reference: aftercart_app::payments::remittance_reference(&inv.number),
                checked,
                amount: sent.map_or_else(|| money_value(default), |f| field(f, &af).to_owned()),
                whys: short_choices(sent.map_or("", |f| field(f, &wf))),
                blocked: !p.open().is_positive(),
                pay_field: pf,
                amount_field: af,
                why_field: wf,
            }
        })
        .collect();
    let total = items.iter().fold(Money::zero(account.currency), |a, p| {
        a.checked_add(p.invoice.balance()).unwrap_or(a)
    });
    let seller = st.app.seller_profile().await?;
    Ok(render(
        status(&e),
        &PayPage {
            l: Layout::for_viewer("Pay invoices", v, "/pay"),
            online,
            rows,
            methods: billing
                .value
                .methods
                .iter()
                .map(|m| Opt {
                    value: m.id.0.to_string(),
                    label: match m.expires {
                        Some((mm, yy)) => format!("{} (expires {mm:02}/{yy})", m.describe()),
                        None => m.describe(),
                    },
                    selected: m.id.0.to_string() == chosen_method,
                })
                .collect(),
            credit: sent.is_some_and(|f| !field(f, "excess_to_credit").is_empty()),
            seller: seller.legal_name.clone(),
            bank: super::documents::bank_details(&seller),
            total_open: format::money(total),
            currency: account.currency.code().to_owned(),
            e,
        },
    ))
}

/// `GET /pay` (`?invoice=` preselects one, `?due=1` everything due by today).
pub async fn form(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: PayQuery = query(raw.as_deref());
    page(&st, &v, &q, None, Errors::default()).await
}

/// `POST /pay`: pays the ticked invoices; refusals beside the row and field they name.
pub async fn submit(State(st): State<WebState>, v: Viewer, Form(f): Form<Fields>) -> PageResult {
    let q = PayQuery::default();
    let mut e = Errors::default();
    let (account, items) = payables(&st, &v).await?;
    if st.app.payments.provider.is_none() {
        e.add(
            "invoices",
            "Paying online is not available here; pay by bank transfer with each invoice's reference",
        );
        return page(&st, &v, &q, Some(&f), e).await;
    }
    let mut requests: Vec<PayRequest> = Vec::new();
    for p in &items {
        let id = p.invoice.id;
        if field(&f, &pay_field(id)).is_empty() {
            continue;
        }
        let af = amount_field(id);
        let amount = money_field(&mut e, &af, field(&f, &af), account.currency, "The amount");
        if amount.is_none() && e.get(&af).is_none() {
            e.add(&af, format!("Enter how much of invoice {} to pay", p.invoice.number));
        }
        let wf = why_field(id);
        let short = match field(&f, &wf).trim() {
            "" => None,
            w => match ShortReason::parse(w, &wf) {
                Ok(r) => Some(r),
                Err(_) => {
                    e.add(&wf, "Choose a reason from the list");
                    None
                }
            },
        };
        if let Some(amount) = amount {
            requests.push(PayRequest {
                invoice_id: id,
                amount,
                short,
                detail: ShortPayDetail::default(),
            });
        }
    }
    if items.iter().all(|p| field(&f, &pay_field(p.invoice.id)).is_empty()) {
        e.add("invoices", "Tick at least one invoice to pay");
    }
    let billing = st.app.account_billing(&v.ctx, account.id).await?;
    let offered: Vec<(SavedMethodId, String)> = billing.value.methods.iter().map(|m| (m.id, m.describe())).collect();
    let method = e.choice(
        "method",
        field(&f, "method"),
        &offered,
        SavedMethodId,
        "Choose one of your saved methods",
    );
    if method.is_none() && e.get("method").is_none() {
        e.add(
            "method",
            if offered.is_empty() {
                "Add a payment method first (Payment methods and autopay)"
            } else {
                "Choose how to pay"
            },
        );
    }
    let (Some(method), true) = (method, e.is_empty()) else {
        return page(&st, &v, &q, Some(&f), e).await;
    };
    let input = PayInput {
        account_id: account.id,
        method_id: method,
        invoices: requests,
        excess_to_credit: !field(&f, "excess_to_credit").is_empty(),
    };
    match st.app.pay_invoices(&v.ctx, &input, |_| (200, String::new())).await {
        Ok(out) => Ok(redirect(&format!("/payments/online/{}", out.payment.value.id.0))),
        Err(err) => {
            let (at, message) = refusal(err, |fl| field_of(fl, &input.invoices))?;
            e.add(&at, message);
            page(&st, &v, &q, Some(&f), e).await
        }
    }
}

/// The form field a refusal names: `invoices[i].amount` is the amount box of the i-th invoice
/// sent, `invoices[i].short_reason` (and a short-pay's dispute) its "why" select.
fn field_of(app_field: &str, sent: &[PayRequest]) -> String {
    if let Some(rest) = app_field.strip_prefix("invoices[")
        && let Some((i, tail)) = rest.split_once(']')
        && let Some(r) = i.parse::<usize>().ok().and_then(|i| sent.get(i))
    {
        return match tail.trim_start_matches('.') {
            "amount" => amount_field(r.invoice_id),
            "invoice_id" => pay_field(r.invoice_id),
            _ => why_field(r.invoice_id),
        };
    }
    match app_field {
        "method_id" | "token" => "method".into(),
        _ => "invoices".into(),
    }
}

/// A payment's state for people: (what, what it means).
pub fn state_words(s: &OnlineState) -> (&'static str, &'static str) {
    match s {
        OnlineState::Requested => (
            "Being sent",
            "The payment is recorded and is being sent to the payment provider. Nothing is charged twice; check back in a minute.",
        ),
        OnlineState::Processing => (
            "Processing",
            "A bank debit takes a few business days to settle. The invoices are marked as being paid meanwhile, and reminders wait.",
        ),
        OnlineState::Succeeded { .. } => ("Paid", "The payment went through and was applied to the invoices."),
        OnlineState::Failed { .. } => ("Declined", "Nothing was charged and nothing was applied."),
        OnlineState::Reversed { .. } => (
            "Returned by the bank",
            "The payment settled and then came back, so it was taken off the invoices again.",
        ),
        OnlineState::RequiresAction => (
            "Waiting for you",
            "Your bank asks you to confirm the payment with the payment provider before it goes through.",
        ),
    }
}

fn state_tag(s: &OnlineState) -> Tag {
    let class = match s {
        OnlineState::Succeeded { .. } => "tag-green",
        OnlineState::Failed { .. } | OnlineState::Reversed { .. } => "tag-red",
        OnlineState::RequiresAction => "tag-yellow",
        OnlineState::Requested | OnlineState::Processing => "tag-blue",
    };
    Tag {
        word: state_words(s).0.into(),
        class,
    }
}

pub struct AllocationRow {
    pub href: String,
    pub number: String,
    pub amount: String,
    pub short: String,
}

pub struct OpenedDispute {
    pub href: String,
    pub number: String,
    pub invoice: String,
    pub amount: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "payment.html")]
struct ResultPage {
    l: Layout,
    number: String,
    state: Tag,
    outcome: String,
    meaning: String,
    why: String,
    amount: String,
    to_credit: String,
    method: String,
    by: String,
    at: String,
    autopay: bool,
    allocations: Vec<AllocationRow>,
    disputes: Vec<OpenedDispute>,
    console: bool,
    can_pay: bool,
}

/// `GET /payments/online/{id}`: what a payment came to, and why.
pub async fn result(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = Uuid::parse_str(&id)
        .map(OnlinePaymentId)
        .map_err(|_| PageError::NotFound)?;
    let p = st.app.online_payment(&v.ctx, id).await?.value;
    let console = v.ctx.principal.is_seller();
    let disputes = opened_disputes(&st, &v, &p, console).await?;
    let (outcome, meaning) = state_words(&p.state);
    let why = match &p.state {
        OnlineState::Failed { code, message } | OnlineState::Reversed { code, message, .. } => {
            format!("{} ({})", super::sentence(message), code.replace('_', " "))
        }
        _ => String::new(),
    };
    Ok(render(
        StatusCode::OK,
        &ResultPage {
            l: Layout::for_viewer(
                format!("Payment {}", p.number),
                &v,
                if console { "/invoices" } else { "/pay" },
            ),
            number: p.number.clone(),
            state: state_tag(&p.state),
            outcome: outcome.into(),
            meaning: meaning.into(),
            why,
            amount: format::money(p.amount),
            to_credit: if p.to_credit.is_positive() {
                format::money(p.to_credit)
            } else {
                String::new()
            },
            method: p.method_label.clone(),
            by: p.created_by.clone(),
            at: format::time(p.created_at),
            autopay: p.autopay,
            allocations: p
                .allocations
                .iter()
                .map(|a| AllocationRow {
                    href: format!("/invoices/{}", a.invoice_id.0),
                    number: a.invoice_number.clone(),
                    amount: format::money(a.amount),
                    short: match a.short {
                        None => String::new(),
                        Some(ShortReason::Later) => "the rest later".into(),
                        Some(ShortReason::Dispute(r)) => format!("disputed: {}", r.label().to_lowercase()),
                    },
                })
                .collect(),
            disputes,
            console,
            can_pay: !console
                && v.ctx.principal.may(aftercart_app::Action::PayInvoices)
                && matches!(p.state, OnlineState::Failed { .. } | OnlineState::Reversed { .. }),
        },
    ))
}

/// The disputes a short-pay opened: those of its invoices opened in the same commit (the
/// request and its disputes share one moment). The app records no link between them yet.
async fn opened_disputes(
    st: &WebState,
    v: &Viewer,
    p: &OnlinePayment,
    console: bool,
) -> Result<Vec<OpenedDispute>, PageError> {
    let mut out = Vec::new();
    for a in &p.allocations {
        let Some(ShortReason::Dispute(reason)) = a.short else {
            continue;
        };
        for d in st.app.invoice_disputes(&v.ctx, a.invoice_id).await? {
            let d = d.value;
            if d.opened_at == p.created_at && d.reason == reason {
                out.push(OpenedDispute {
                    href: if console {
                        format!("/console/disputes/{}", d.id.0)
                    } else {
                        format!("/disputes/{}", d.id.0)
                    },
                    number: d.number.clone(),
                    invoice: d.invoice_number.clone(),
                    amount: format::money(d.amount()),
                    reason: d.reason.label().into(),
                });
            }
        }
    }
    Ok(out)
}
