//! Disputes: the customer's list (open first) and a dispute's page (its lines, the thread with
//! the seller, a reply, the outcome once resolved); "Dispute lines" from an invoice, prefilled
//! with what its match found ("billed 10, shipped 6"); the console's queue and page, where
//! staff answer and finance ops resolve — a credit memo, a corrected invoice, or a rejection
//! with its reason.

use super::{DisputeRow, Fields, dispute_row, dispute_tag, field, money_field, money_value, pinned, refusal, status};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::pages::{Opt, Tag};
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::payments::{OpenDispute, Resolve};
use aftercart_app::{Action, ListFilter, Versioned};
use aftercart_domain::ids::{DisputeId, InvoiceId};
use aftercart_domain::invoice::Invoice;
use aftercart_domain::quantity::Qty;
use aftercart_domain::receivables::dispute::{Dispute, DisputeReason, DisputedLine, Outcome};
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;

fn dispute_id(raw: &str) -> Result<DisputeId, PageError> {
    Uuid::parse_str(raw).map(DisputeId).map_err(|_| PageError::NotFound)
}

fn invoice_id(raw: &str) -> Result<InvoiceId, PageError> {
    Uuid::parse_str(raw).map(InvoiceId).map_err(|_| PageError::NotFound)
}

pub fn reasons(chosen: &str) -> Vec<Opt> {
    DisputeReason::ALL
        .iter()
        .map(|r| Opt {
            value: r.as_str().into(),
            label: r.label().into(),
            selected: r.as_str() == chosen,
        })
        .collect()
}

/// Every dispute the viewer sees, open ones first (oldest waiting first), then resolved ones
/// (newest first).
async fn all_disputes(st: &WebState, v: &Viewer) -> Result<Vec<Dispute>, PageError> {
    let mut out = Vec::new();
    for s in ["open", "resolved"] {
        let f = ListFilter {
            status: Some(s.into()),
            limit: 200,
            ..Default::default()
        };
        let mut page: Vec<Dispute> = st
            .app
            .list_disputes(&v.ctx, &f)
            .await?
            .items
            .into_iter()
            .map(|d| d.value)
            .collect();
        if s == "open" {
            page.reverse();
        }
        out.extend(page);
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "disputes.html")]
struct ListPage {
    l: Layout,
    console: bool,
    rows: Vec<DisputeRow>,
    open: usize,
}

/// `GET /disputes`.
pub async fn list(State(st): State<WebState>, v: Viewer) -> PageResult {
    let all = all_disputes(&st, &v).await?;
    Ok(render(
        StatusCode::OK,
        &ListPage {
            l: Layout::for_viewer("Disputes", &v, "/disputes"),
            console: false,
            open: all.iter().filter(|d| d.is_open()).count(),
            rows: all.iter().map(|d| dispute_row(d, false, String::new())).collect(),
        },
    ))
}

/// `GET /console/disputes`: the queue, open first.
pub async fn queue(State(st): State<WebState>, v: Viewer) -> PageResult {
    let all = all_disputes(&st, &v).await?;
    let names = crate::pages::orders::account_names(&st, &v).await?;
    let name = |d: &Dispute| {
        names
            .iter()
            .find(|(id, _)| *id == d.account_id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    Ok(render(
        StatusCode::OK,
        &ListPage {
            l: Layout::for_viewer("Disputes", &v, "/console/receivables"),
            console: true,
            open: all.iter().filter(|d| d.is_open()).count(),
            rows: all.iter().map(|d| dispute_row(d, true, name(d))).collect(),
        },
    ))
}

/// An invoice line on the dispute form.
pub struct FormLine {
    pub no: u32,
    pub sku: String,
    pub description: String,
    pub billed: String,
    pub price: String,
    pub amount: String,
    pub qty_field: String,
    pub amount_field: String,
    pub qty: String,
    pub value: String,
    /// What the match found on this line ("billed 10, shipped 6"), when anything.
    pub found: Vec<String>,
}

#[derive(Template)]
#[template(path = "dispute_new.html")]
struct NewPage {
    l: Layout,
    e: Errors,
    invoice_id: String,
    number: String,
    balance: String,
    held: String,
    currency: String,
    lines: Vec<FormLine>,
    reasons: Vec<Opt>,
    amount: String,
    message: String,
    suggested: bool,
}

async fn new_page(st: &WebState, v: &Viewer, id: InvoiceId, e: Errors, f: Option<&Fields>) -> PageResult {
    let inv = st.app.invoice_versioned(&v.ctx, id).await?.value;
    let suggestions = st.app.dispute_suggestions(&v.ctx, id).await?;
    let held = st
        .app
        .invoice_disputes(&v.ctx, id)
        .await?
        .iter()
        .fold(aftercart_domain::money::Money::zero(inv.currency), |a, d| {
            a.checked_add(d.value.held()).unwrap_or(a)
        });
    let lines = inv
        .lines
        .iter()
        .map(|l| {
            let (qf, af) = (format!("qty_{}", l.no), format!("amount_{}", l.no));
            let mine: Vec<_> = suggestions.iter().filter(|s| s.invoice_line == l.no).collect();
            let first = mine.first();
            FormLine {
                no: l.no,
                sku: l.sku.clone(),
                description: l.description.clone(),
                billed: format::qty(l.quantity),
                price: format::money(l.unit_price),
                amount: format::money(l.amount()),
                qty: match f {
                    Some(f) => field(f, &qf).to_owned(),
                    None => first
                        .and_then(|s| s.quantity)
                        .map(|q| q.get().to_string())
                        .unwrap_or_default(),
                },
                value: match f {
                    Some(f) => field(f, &af).to_owned(),
                    None => first.map(|s| money_value(s.amount)).unwrap_or_default(),
                },
                found: mine
                    .iter()
                    .map(|s| format!("{}: {}", s.reason.label(), s.explanation))
                    .collect(),
                qty_field: qf,
                amount_field: af,
            }
        })
        .collect();
    let reason = match f {
        Some(f) => field(f, "reason").to_owned(),
        None => suggestions
            .first()
            .map(|s| s.reason.as_str().to_owned())
            .unwrap_or_default(),
    };
    let message = match f {
        Some(f) => field(f, "message").to_owned(),
        None => {
            let mut seen = Vec::new();
            for s in &suggestions {
                let t = format!("Line {}: {}", s.invoice_line, s.explanation);
                if !seen.contains(&t) {
                    seen.push(t);
                }
            }
            seen.join("\n")
        }
    };
    Ok(render(
        status(&e),
        &NewPage {
            l: Layout::for_viewer(format!("Dispute invoice {}", inv.number), v, "/invoices"),
            e,
            invoice_id: inv.id.0.to_string(),
            number: inv.number.clone(),
            balance: format::money(inv.balance()),
            held: if held.is_positive() {
                format::money(held)
            } else {
                String::new()
            },
            currency: inv.currency.code().to_owned(),
            lines,
            reasons: reasons(&reason),
            amount: f.map(|f| field(f, "amount").to_owned()).unwrap_or_default(),
            message,
            suggested: !suggestions.is_empty(),
        },
    ))
}

/// `GET /invoices/{id}/dispute`.
pub async fn new_form(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    new_page(&st, &v, invoice_id(&id)?, Errors::default(), None).await
}

/// `POST /invoices/{id}/dispute`: opens the dispute; refusals beside the line they name.
pub async fn create(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let id = invoice_id(&id)?;
    let inv: Invoice = st.app.invoice_versioned(&v.ctx, id).await?.value;
    let mut e = Errors::default();
    let reason = match field(&f, "reason").trim() {
        "" => {
            e.add("reason", "Choose what is wrong");
            None
        }
        r => match DisputeReason::parse(r, "reason") {
            Ok(r) => Some(r),
            Err(_) => {
                e.add("reason", "Choose a reason from the list");
                None
            }
        },
    };
    let mut lines: Vec<DisputedLine> = Vec::new();
    for l in &inv.lines {
        let (qf, af) = (format!("qty_{}", l.no), format!("amount_{}", l.no));
        let qraw = field(&f, &qf).trim();
        let quantity = match qraw {
            "" | "0" => None,
            q => match q.parse::<u32>() {
                Ok(n) if n <= Qty::MAX_INPUT => Some(Qty::new(n)),
                _ => {
                    e.add(&qf, "Enter a whole number of units, like 4");
                    None
                }
            },
        };
        let amount = money_field(&mut e, &af, field(&f, &af), inv.currency, "The amount");
        if quantity.is_some() || amount.is_some() {
            lines.push(DisputedLine {
                invoice_line: l.no,
                quantity,
                amount: amount.unwrap_or(aftercart_domain::money::Money::zero(inv.currency)),
            });
        }
    }
    let whole = money_field(&mut e, "amount", field(&f, "amount"), inv.currency, "The amount");
    let message = e.text(
        "message",
        "The message",
        field(&f, "message"),
        TextKind::Text,
        Some("Say what is wrong; the seller reads it"),
    );
    if lines.is_empty() && whole.is_none() && e.is_empty() {
        e.add(
            inv.lines
                .first()
                .map_or("amount".to_owned(), |l| format!("qty_{}", l.no))
                .as_str(),
            "Enter the quantity or amount of at least one line, or the amount in dispute on the whole invoice",
        );
    }
    let (Some(reason), true) = (reason, e.is_empty()) else {
        return new_page(&st, &v, id, e, Some(&f)).await;
    };
    let input = OpenDispute {
        invoice_id: id,
        reason,
        amount: if lines.is_empty() { whole } else { None },
        lines: lines.clone(),
        shipment_id: None,
        return_id: None,
        message,
    };
    let ctx = &v.ctx;
    match st.app.run(ctx, || st.app.plan_open_dispute(ctx, &input)).await {
        Ok(d) => Ok(redirect(&href(&v, d.value.id))),
        Err(err) => {
            let first_amount = lines.first().map(|l| format!("amount_{}", l.invoice_line));
            let (at, m) = refusal(err, |fl| {
                if let Some(rest) = fl.strip_prefix("lines[")
                    && let Some((i, tail)) = rest.split_once(']')
                    && let Some(l) = i.parse::<usize>().ok().and_then(|i| lines.get(i))
                {
                    return if tail.ends_with("quantity") {
                        format!("qty_{}", l.invoice_line)
                    } else {
                        format!("amount_{}", l.invoice_line)
                    };
                }
                match fl {
                    "reason" | "message" => fl.into(),
                    _ => first_amount.clone().unwrap_or_else(|| "amount".into()),
                }
            })?;
            e.add(&at, m);
            new_page(&st, &v, id, e, Some(&f)).await
        }
    }
}

fn href(v: &Viewer, id: DisputeId) -> String {
    if v.ctx.principal.is_seller() {
        format!("/console/disputes/{}", id.0)
    } else {
        format!("/disputes/{}", id.0)
    }
}

pub struct LineView {
    pub no: String,
    pub what: String,
    pub quantity: String,
    pub amount: String,
}

pub struct MessageView {
    pub who: String,
    pub seller: bool,
    pub at: String,
    pub text: String,
}

/// A line of the invoice on the "correct" form: its quantity and price to re-bill.
pub struct CorrectLine {
    pub no: u32,
    pub what: String,
    pub qty_field: String,
    pub price_field: String,
    pub qty: String,
    pub price: String,
}

#[derive(Template)]
#[template(path = "dispute.html")]
struct DetailPage {
    l: Layout,
    e: Errors,
    console: bool,
    id: String,
    number: String,
    status: Tag,
    open: bool,
    invoice_href: String,
    invoice_number: String,
    account: String,
    account_href: String,
    reason: String,
    amount: String,
    opened: String,
    lines: Vec<LineView>,
    outcome: String,
    outcome_href: String,
    outcome_link: String,
    resolved: String,
    thread: Vec<MessageView>,
    version: i64,
    can_reply: bool,
    can_resolve: bool,
    text: String,
    outcomes: Vec<Opt>,
    credit: String,
    reject_reason: String,
    correct: Vec<CorrectLine>,
    currency: String,
}

async fn detail_page(
    st: &WebState,
    v: &Viewer,
    d: &Versioned<Dispute>,
    console: bool,
    e: Errors,
    f: Option<&Fields>,
) -> PageResult {
    let dv = &d.value;
    let p = &v.ctx.principal;
    let inv = st.app.invoice_versioned(&v.ctx, dv.invoice_id).await?.value;
    let account = if console {
        st.app
            .account(&v.ctx, dv.account_id)
            .await
            .map(|a| a.value.name)
            .unwrap_or_default()
    } else {
        String::new()
    };
    let line_of = |no: u32| inv.lines.iter().find(|l| l.no == no);
    let (outcome, outcome_href, outcome_link) = match dv.resolution.as_ref().map(|r| &r.outcome) {
        None => (String::new(), String::new(), String::new()),
        Some(Outcome::Credited {
            credit_memo_id,
            number,
            amount,
        }) => (
            format!(
                "Credited: credit memo {number} for {} was issued against invoice {}.",
                format::money(*amount),
                dv.invoice_number
            ),
            format!("/credit-memos/{}/pdf", credit_memo_id.0),
            format!("Download credit memo {number} (PDF)"),
        ),
        Some(Outcome::Corrected { invoice_id, number, .. }) => (
            format!(
                "Corrected: invoice {} was credited in full and replaced by corrected invoice {number}.",
                dv.invoice_number
            ),
            format!("/invoices/{}", invoice_id.0),
            format!("Corrected invoice {number}"),
        ),
        Some(Outcome::Rejected { reason }) => (
            format!("Rejected: {reason} The disputed amount is due again."),
            String::new(),
            String::new(),
        ),
    };
    let chosen = f.map(|f| field(f, "outcome").to_owned()).unwrap_or_default();
    let page = DetailPage {
        l: Layout::for_viewer(
            format!("Dispute {}", dv.number),
            v,
            if console { "/console/receivables" } else { "/disputes" },
        ),
        console,
        id: dv.id.0.to_string(),
        number: dv.number.clone(),
        status: dispute_tag(dv),
        open: dv.is_open(),
        invoice_href: format!("/invoices/{}", dv.invoice_id.0),
        invoice_number: dv.invoice_number.clone(),
        account,
        account_href: format!("/console/accounts/{}", dv.account_id.0),
        reason: dv.reason.label().into(),
        amount: format::money(dv.amount()),
        opened: format!("{} by {}", format::time(dv.opened_at), dv.opened_by),
        lines: dv
            .lines
            .iter()
            .map(|l| LineView {
                no: if l.invoice_line == 0 {
                    "—".into()
                } else {
                    l.invoice_line.to_string()
                },
                what: if l.invoice_line == 0 {
                    "The invoice as a whole".into()
                } else {
                    line_of(l.invoice_line)
                        .map(|x| format!("{} ({})", x.description, x.sku))
                        .unwrap_or_default()
                },
                quantity: l.quantity.map(format::qty).unwrap_or_default(),
                amount: format::money(l.amount),
            })
            .collect(),
        outcome,
        outcome_href,
        outcome_link,
        resolved: dv
            .resolution
            .as_ref()
            .map(|r| format!("{} by {}", format::time(r.at), r.by))
            .unwrap_or_default(),
        thread: dv
            .messages
            .iter()
            .map(|m| MessageView {
                who: if m.staff && !console {
                    format!("{} (seller)", m.author)
                } else {
                    m.author.clone()
                },
                seller: m.staff,
                at: format::time(m.at),
                text: m.text.clone(),
            })
            .collect(),
        version: d.version,
        can_reply: dv.is_open() && p.may(Action::Dispute),
        can_resolve: console && dv.is_open() && p.may(Action::Receivables),
        text: f.map(|f| field(f, "text").to_owned()).unwrap_or_default(),
        outcomes: [
            ("credit", "Credit the customer (a credit memo against the invoice)"),
            ("correct", "Correct the invoice (replace it with a corrected one)"),
            ("reject", "Reject the dispute"),
        ]
        .iter()
        .map(|(val, label)| Opt {
            value: (*val).into(),
            label: (*label).into(),
            selected: chosen == *val,
        })
        .collect(),
        credit: f.map_or_else(|| money_value(dv.amount()), |f| field(f, "amount").to_owned()),
        reject_reason: f.map(|f| field(f, "reason").to_owned()).unwrap_or_default(),
        correct: inv
            .lines
            .iter()
            .map(|l| {
                let (qf, pf) = (format!("cq_{}", l.no), format!("cp_{}", l.no));
                let disputed = dv.lines.iter().find(|x| x.invoice_line == l.no);
                let qty = match f {
                    Some(f) => field(f, &qf).to_owned(),
                    None => match disputed.and_then(|x| x.quantity) {
                        Some(q) => l.quantity.get().saturating_sub(q.get()).to_string(),
                        None => l.quantity.get().to_string(),
                    },
                };
                CorrectLine {
                    no: l.no,
                    what: format!(
                        "{} ({}), billed {} at {}",
                        l.description,
                        l.sku,
                        format::qty(l.quantity),
                        format::money(l.unit_price)
                    ),
                    qty,
                    price: f.map_or_else(|| money_value(l.unit_price), |f| field(f, &pf).to_owned()),
                    qty_field: qf,
                    price_field: pf,
                }
            })
            .collect(),
        currency: inv.currency.code().to_owned(),
        e,
    };
    Ok(render(status(&page.e), &page))
}

/// `GET /disputes/{id}`.
pub async fn detail(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let d = st.app.dispute(&v.ctx, dispute_id(&id)?).await?;
    detail_page(&st, &v, &d, false, Errors::default(), None).await
}

/// `GET /console/disputes/{id}`.
pub async fn console_detail(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let d = st.app.dispute(&v.ctx, dispute_id(&id)?).await?;
    detail_page(&st, &v, &d, true, Errors::default(), None).await
}

async fn post_message(st: WebState, v: Viewer, id: String, f: Fields, console: bool) -> PageResult {
    let id = dispute_id(&id)?;
    let mut e = Errors::default();
    let text = e.text(
        "text",
        "The message",
        field(&f, "text"),
        TextKind::Text,
        Some("Write your message"),
    );
    if e.is_empty() {
        let ctx = pinned(&v, &f);
        match st.app.run(&ctx, || st.app.plan_dispute_message(&ctx, id, &text)).await {
            Ok(d) => {
                let base = if console { "/console/disputes" } else { "/disputes" };
                return Ok(redirect(&format!("{base}/{}#thread", d.value.id.0)));
            }
            Err(err) => {
                let (at, m) = refusal(err, |_| "text".into())?;
                e.add(&at, m);
            }
        }
    }
    let d = st.app.dispute(&v.ctx, id).await?;
    detail_page(&st, &v, &d, console, e, Some(&f)).await
}

/// `POST /disputes/{id}/messages`.
pub async fn message(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    post_message(st, v, id, f, false).await
}

/// `POST /console/disputes/{id}/messages`.
pub async fn console_message(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    post_message(st, v, id, f, true).await
}

/// `POST /console/disputes/{id}/resolution`: credit, correct or reject.
pub async fn resolve(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let id = dispute_id(&id)?;
    let d = st.app.dispute(&v.ctx, id).await?;
    let inv = st.app.invoice_versioned(&v.ctx, d.value.invoice_id).await?.value;
    let mut e = Errors::default();
    let how = match field(&f, "outcome") {
        "credit" => {
            let amount = money_field(&mut e, "amount", field(&f, "amount"), inv.currency, "The credit");
            if amount.is_none() && e.get("amount").is_none() {
                e.add("amount", "Enter how much to credit");
            }
            amount.map(|amount| Resolve::Credit { amount })
        }
        "correct" => {
            let mut lines = Vec::new();
            for l in &inv.lines {
                let (qf, pf) = (format!("cq_{}", l.no), format!("cp_{}", l.no));
                let q = match field(&f, &qf).trim().parse::<u32>() {
                    Ok(n) if n <= Qty::MAX_INPUT => Some(Qty::new(n)),
                    _ => {
                        e.add(
                            &qf,
                            format!("Enter the quantity line {} is billed for, 0 to drop it", l.no),
                        );
                        None
                    }
                };
                let p = money_field(&mut e, &pf, field(&f, &pf), inv.currency, "The price");
                if p.is_none() && e.get(&pf).is_none() {
                    e.add(&pf, format!("Enter the unit price of line {}", l.no));
                }
                if let (Some(q), Some(p)) = (q, p) {
                    lines.push((l.no, q, p));
                }
            }
            Some(Resolve::Correct { lines })
        }
        "reject" => {
            let reason = e.text(
                "reason",
                "The reason",
                field(&f, "reason"),
                TextKind::Text,
                Some("Say why the dispute is rejected; the customer reads it"),
            );
            Some(Resolve::Reject { reason })
        }
        _ => {
            e.add("outcome", "Choose how to resolve the dispute");
            None
        }
    };
    let (Some(how), true) = (how, e.is_empty()) else {
        return detail_page(&st, &v, &d, true, e, Some(&f)).await;
    };
    let first_line = inv
        .lines
        .first()
        .map(|l| format!("cq_{}", l.no))
        .unwrap_or_else(|| "outcome".into());
    let ctx = pinned(&v, &f);
    match st.app.run(&ctx, || st.app.plan_resolve_dispute(&ctx, id, &how)).await {
        Ok(d) => Ok(redirect(&format!("/console/disputes/{}", d.value.id.0))),
        Err(err) => {
            let (at, m) = refusal(err, |fl| match fl {
                "amount" => "amount".into(),
                "reason" => "reason".into(),
                f if f.starts_with("lines") => first_line.clone(),
                _ => "outcome".into(),
            })?;
            e.add(&at, m);
            let d = st.app.dispute(&v.ctx, id).await?;
            detail_page(&st, &v, &d, true, e, Some(&f)).await
        }
    }
}
