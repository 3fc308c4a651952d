//! The console's receivables: the book's aging (per account, largest first, and DSO) with the
//! queues that feed it — bank statements applied to invoices and what they left unapplied,
//! orders held for credit review, disputes — and the seller's own profile (legal name, tax id,
//! e-invoicing endpoint, bank details printed for remittance).
//!
//! Bank statements are pasted as text: the portal's forms are URL-encoded (no multipart
//! support), and a camt.053 or CSV export is text.

use super::{Fields, field, money_field, money_value, pinned, refusal, status};
use crate::WebState;
use crate::form::Errors;
use crate::format;
use crate::pages::{Opt, query};
use crate::render::{Layout, PageError, PageResult, render};
use crate::session::{Viewer, redirect};
use aftercart_app::payments::{
    BankImport, EInvoiceAddress, PostalAddress, ReceiptState, SellerProfile, UnappliedReceipt,
};
use aftercart_app::{Action, ListFilter};
use aftercart_domain::ids::{AccountId, BankImportId, InvoiceId, OrderId, UnappliedReceiptId};
use aftercart_domain::invoice::PaymentApplication;
use aftercart_domain::receivables::aging::{Aging, Bucket};
use aftercart_domain::receivables::cash::Rule;
use aftercart_domain::text::TextKind;
use askama::Template;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;

fn buckets(a: &Aging) -> Vec<String> {
    Bucket::ALL.iter().map(|b| format::money(a.get(*b))).collect()
}

pub struct AgingRow {
    pub href: String,
    pub name: String,
    pub cells: Vec<String>,
    pub total: String,
    pub invoices: u64,
}

pub struct Queue {
    pub href: &'static str,
    pub label: &'static str,
    pub count: String,
}

#[derive(Template)]
#[template(path = "console_receivables.html")]
struct OverviewPage {
    l: Layout,
    headers: Vec<&'static str>,
    total: Vec<String>,
    total_sum: String,
    invoices: u64,
    dso: String,
    rows: Vec<AgingRow>,
    queues: Vec<Queue>,
}

/// `GET /console/receivables`.
pub async fn overview(State(st): State<WebState>, v: Viewer) -> PageResult {
    let book = st.app.book_aging(&v.ctx).await?;
    let names = crate::pages::orders::account_names(&st, &v).await?;
    let name = |id: AccountId| {
        names
            .iter()
            .find(|(a, _)| *a == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let open_f = ListFilter {
        status: Some("open".into()),
        limit: 500,
        ..Default::default()
    };
    let receipts = st.app.unapplied_receipts(&v.ctx, &open_f).await?.items.len();
    let disputes = st.app.list_disputes(&v.ctx, &open_f).await?.items.len();
    let holds = st.app.credit_holds(&v.ctx).await?.len();
    let count = |n: usize| if n >= 500 { "500+".to_owned() } else { n.to_string() };
    Ok(render(
        StatusCode::OK,
        &OverviewPage {
            l: Layout::for_viewer("Receivables", &v, "/console/receivables"),
            headers: Bucket::ALL
                .iter()
                .map(|b| match b {
                    Bucket::Current => "Not yet due",
                    Bucket::Days1To30 => "1–30 days",
                    Bucket::Days31To60 => "31–60 days",
                    Bucket::Days61To90 => "61–90 days",
                    Bucket::Over90 => "Over 90 days",
                })
                .collect(),
            total: buckets(&book.total),
            total_sum: format::money(book.total.total),
            invoices: book.total.invoices,
            dso: book
                .dso_tenths
                .map(|t| format!("{}.{} days", t / 10, t % 10))
                .unwrap_or_default(),
            rows: book
                .accounts
                .iter()
                .map(|a| AgingRow {
                    href: format!("/console/accounts/{}", a.account_id.0),
                    name: name(a.account_id),
                    cells: buckets(&a.aging),
                    total: format::money(a.aging.total),
                    invoices: a.aging.invoices,
                })
                .collect(),
            queues: vec![
                Queue {
                    href: "/console/unapplied",
                    label: "Unapplied cash",
                    count: count(receipts),
                },
                Queue {
                    href: "/console/credit-holds",
                    label: "Orders held for credit review",
                    count: count(holds),
                },
                Queue {
                    href: "/console/disputes",
                    label: "Open disputes",
                    count: count(disputes),
                },
            ],
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// Bank statements
// ---------------------------------------------------------------------------------------------

pub struct ImportRow {
    pub href: String,
    pub number: String,
    pub file: String,
    pub format: String,
    pub entries: usize,
    pub applied: usize,
    pub queued: usize,
    pub duplicates: usize,
    pub at: String,
}

#[derive(Template)]
#[template(path = "console_bank_statements.html")]
struct ImportsPage {
    l: Layout,
    e: Errors,
    can_import: bool,
    file_name: String,
    content: String,
    rows: Vec<ImportRow>,
}

async fn imports_page(st: &WebState, v: &Viewer, e: Errors, f: Option<&Fields>) -> PageResult {
    let list = st
        .app
        .list_bank_imports(
            &v.ctx,
            &ListFilter {
                limit: 50,
                ..Default::default()
            },
        )
        .await?;
    Ok(render(
        status(&e),
        &ImportsPage {
            l: Layout::for_viewer("Bank statements", v, "/console/receivables"),
            can_import: v.ctx.principal.may(Action::Receivables),
            file_name: f.map(|f| field(f, "file_name").to_owned()).unwrap_or_default(),
            content: f.map(|f| field(f, "content").to_owned()).unwrap_or_default(),
            rows: list
                .items
                .iter()
                .map(|i| {
                    let i = &i.value;
                    ImportRow {
                        href: format!("/console/bank-statements/{}", i.id.0),
                        number: i.number.clone(),
                        file: i.file_name.clone().unwrap_or_default(),
                        format: i.format.to_uppercase(),
                        entries: i.entries,
                        applied: i.applied.len(),
                        queued: i.unapplied.len(),
                        duplicates: i.duplicates,
                        at: format!("{} by {}", format::time(i.at), i.by),
                    }
                })
                .collect(),
            e,
        },
    ))
}

/// `GET /console/bank-statements`.
pub async fn imports(State(st): State<WebState>, v: Viewer) -> PageResult {
    imports_page(&st, &v, Errors::default(), None).await
}

/// `POST /console/bank-statements`: imports a camt.053 or CSV statement pasted as text. A
/// malformed file is refused naming its line, and nothing is applied.
pub async fn import(State(st): State<WebState>, v: Viewer, Form(f): Form<Fields>) -> PageResult {
    let mut e = Errors::default();
    let file_name = e.text(
        "file_name",
        "The file name",
        field(&f, "file_name"),
        TextKind::Name,
        None,
    );
    let content = field(&f, "content");
    if content.trim().is_empty() {
        e.add(
            "content",
            "Paste the bank statement's text (camt.053 XML or the bank's CSV export)",
        );
    }
    if !e.is_empty() {
        return imports_page(&st, &v, e, Some(&f)).await;
    }
    let name = (!file_name.is_empty()).then_some(file_name.as_str());
    match st.app.import_bank_statement(&v.ctx, content.as_bytes(), name).await {
        Ok(i) => Ok(redirect(&format!("/console/bank-statements/{}", i.value.id.0))),
        Err(err) => {
            let (at, m) = refusal(err, |_| "content".into())?;
            e.add(&at, m);
            imports_page(&st, &v, e, Some(&f)).await
        }
    }
}

fn rule_label(rule: &str) -> String {
    [Rule::RemittanceReference, Rule::InvoiceNumbers, Rule::ExactAmount]
        .iter()
        .find(|r| r.as_str() == rule)
        .map_or_else(|| rule.replace('_', " "), |r| crate::pages::auth::capitalise(r.label()))
}

pub struct AppliedRow {
    pub line: usize,
    pub rule: String,
    pub account: String,
    pub account_href: String,
    pub amount: String,
    pub invoices: String,
    pub excess: String,
}

pub struct ReceiptRow {
    pub href: String,
    pub line: usize,
    pub booked: String,
    pub amount: String,
    pub payer: String,
    pub text: String,
    pub reason: String,
    pub applied: bool,
}

fn receipt_row(r: &UnappliedReceipt) -> ReceiptRow {
    ReceiptRow {
        href: format!("/console/unapplied/{}", r.id.0),
        line: r.line,
        booked: format::date(r.booked_on),
        amount: format::money(r.amount),
        payer: r.payer_name.clone().unwrap_or_default(),
        text: r.text.join(" "),
        reason: crate::pages::auth::capitalise(&r.reason),
        applied: matches!(r.state, ReceiptState::Applied { .. }),
    }
}

#[derive(Template)]
#[template(path = "console_bank_statement.html")]
struct ImportPage {
    l: Layout,
    number: String,
    file: String,
    format: String,
    statement: String,
    entries: usize,
    debits: usize,
    duplicates: usize,
    by: String,
    applied: Vec<AppliedRow>,
    queued: Vec<ReceiptRow>,
}

/// `GET /console/bank-statements/{id}`: what was applied, by which rule, and what was queued.
pub async fn import_detail(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = Uuid::parse_str(&id)
        .map(BankImportId)
        .map_err(|_| PageError::NotFound)?;
    let i: BankImport = st.app.bank_import(&v.ctx, id).await?.value;
    let names = crate::pages::orders::account_names(&st, &v).await?;
    let mut queued = Vec::new();
    for r in &i.unapplied {
        queued.push(receipt_row(&st.app.unapplied_receipt(&v.ctx, *r).await?.value));
    }
    Ok(render(
        StatusCode::OK,
        &ImportPage {
            l: Layout::for_viewer(format!("Bank statement {}", i.number), &v, "/console/receivables"),
            number: i.number.clone(),
            file: i.file_name.clone().unwrap_or_default(),
            format: i.format.to_uppercase(),
            statement: i.statement_id.clone().unwrap_or_default(),
            entries: i.entries,
            debits: i.debits_skipped,
            duplicates: i.duplicates,
            by: format!("{} by {}", format::time(i.at), i.by),
            applied: i
                .applied
                .iter()
                .map(|a| AppliedRow {
                    line: a.line,
                    rule: rule_label(&a.rule),
                    account: names
                        .iter()
                        .find(|(x, _)| *x == a.account_id)
                        .map(|(_, n)| n.clone())
                        .unwrap_or_default(),
                    account_href: format!("/console/accounts/{}", a.account_id.0),
                    amount: format::money(a.amount),
                    invoices: a.invoices.join(", "),
                    excess: if a.excess.is_positive() {
                        format::money(a.excess)
                    } else {
                        String::new()
                    },
                })
                .collect(),
            queued,
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// Unapplied cash
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "console_unapplied.html")]
struct UnappliedPage {
    l: Layout,
    open: Vec<ReceiptRow>,
    applied: Vec<ReceiptRow>,
}

/// `GET /console/unapplied`: receipts no rule could apply, oldest first; then recent ones
/// applied by hand.
pub async fn unapplied(State(st): State<WebState>, v: Viewer) -> PageResult {
    let list = |s: &str, limit| ListFilter {
        status: Some(s.into()),
        limit,
        ..Default::default()
    };
    let mut open: Vec<ReceiptRow> = st
        .app
        .unapplied_receipts(&v.ctx, &list("open", 500))
        .await?
        .items
        .iter()
        .map(|r| receipt_row(&r.value))
        .collect();
    open.reverse();
    let applied = st
        .app
        .unapplied_receipts(&v.ctx, &list("applied", 20))
        .await?
        .items
        .iter()
        .map(|r| receipt_row(&r.value))
        .collect();
    Ok(render(
        StatusCode::OK,
        &UnappliedPage {
            l: Layout::for_viewer("Unapplied cash", &v, "/console/receivables"),
            open,
            applied,
        },
    ))
}

pub struct ApplyRow {
    pub href: String,
    pub number: String,
    pub due: String,
    pub balance: String,
    pub field: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "console_receipt.html")]
struct ReceiptPage {
    l: Layout,
    e: Errors,
    id: String,
    r: ReceiptRow,
    bank_reference: String,
    state: String,
    version: i64,
    can_apply: bool,
    accounts: Vec<Opt>,
    account_id: String,
    account_name: String,
    invoices: Vec<ApplyRow>,
    currency: String,
}

#[derive(Deserialize, Default)]
struct ReceiptQuery {
    #[serde(default)]
    account: String,
}

fn apply_field(id: InvoiceId) -> String {
    format!("apply-{}", id.0)
}

async fn receipt_page(
    st: &WebState,
    v: &Viewer,
    id: UnappliedReceiptId,
    account: &str,
    e: Errors,
    f: Option<&Fields>,
) -> PageResult {
    let rv = st.app.unapplied_receipt(&v.ctx, id).await?;
    let r = &rv.value;
    let names = crate::pages::orders::account_names(st, v).await?;
    let mut e = e;
    let chosen = e.choice("account", account, &names, AccountId, "Choose a customer from the list");
    let mut invoices = Vec::new();
    let mut account_name = String::new();
    if let Some(a) = chosen {
        account_name = names
            .iter()
            .find(|(x, _)| *x == a)
            .map(|(_, n)| n.clone())
            .unwrap_or_default();
        let pos = st.app.open_position(&v.ctx, a).await?;
        let mut left = r.amount.minor();
        for i in &pos.invoices {
            let inv = &i.value;
            let af = apply_field(inv.id);
            // Suggested: the receipt spread over the oldest due first (as the matching rules do).
            let take = left.min(inv.balance().minor());
            left -= take;
            let suggested = if take > 0 && inv.currency == r.amount.currency() {
                money_value(aftercart_domain::money::Money::from_minor(take, inv.currency))
            } else {
                String::new()
            };
            invoices.push(ApplyRow {
                href: format!("/invoices/{}", inv.id.0),
                number: inv.number.clone(),
                due: format::date(inv.due_on),
                balance: format::money(inv.balance()),
                value: f.map_or(suggested, |f| field(f, &af).to_owned()),
                field: af,
            });
        }
    }
    let state = match &r.state {
        ReceiptState::Open => "Waiting to be applied".to_owned(),
        ReceiptState::Applied { by, .. } => format!("Applied by {by}: a payment on the customer's account"),
    };
    Ok(render(
        status(&e),
        &ReceiptPage {
            l: Layout::for_viewer("Unapplied receipt", v, "/console/receivables"),
            id: r.id.0.to_string(),
            bank_reference: r.bank_reference.clone().unwrap_or_default(),
            state,
            version: rv.version,
            can_apply: r.state == ReceiptState::Open && v.ctx.principal.may(Action::Receivables),
            accounts: names
                .iter()
                .map(|(a, n)| Opt {
                    value: a.0.to_string(),
                    label: n.clone(),
                    selected: Some(*a) == chosen,
                })
                .collect(),
            account_id: chosen.map(|a| a.0.to_string()).unwrap_or_default(),
            account_name,
            invoices,
            currency: r.amount.currency().code().to_owned(),
            r: receipt_row(r),
            e,
        },
    ))
}

fn receipt_id(raw: &str) -> Result<UnappliedReceiptId, PageError> {
    Uuid::parse_str(raw)
        .map(UnappliedReceiptId)
        .map_err(|_| PageError::NotFound)
}

/// `GET /console/unapplied/{id}` (`?account=` lists that account's open invoices to apply it to).
pub async fn receipt(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let q: ReceiptQuery = query(raw.as_deref());
    receipt_page(&st, &v, receipt_id(&id)?, &q.account, Errors::default(), None).await
}

/// `POST /console/unapplied/{id}`: applies the receipt to the account and the amounts given;
/// what is not applied stays on the account as credit.
pub async fn apply_receipt(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let id = receipt_id(&id)?;
    let mut e = Errors::default();
    let names = crate::pages::orders::account_names(&st, &v).await?;
    let account = e.choice(
        "account",
        field(&f, "account"),
        &names,
        AccountId,
        "Choose a customer from the list",
    );
    let Some(account) = account else {
        if e.is_empty() {
            e.add("account", "Choose the customer who paid");
        }
        return receipt_page(&st, &v, id, "", e, Some(&f)).await;
    };
    let r = st.app.unapplied_receipt(&v.ctx, id).await?.value;
    let pos = st.app.open_position(&v.ctx, account).await?;
    let mut apps = Vec::new();
    for i in &pos.invoices {
        let af = apply_field(i.value.id);
        if let Some(m) = money_field(&mut e, &af, field(&f, &af), r.amount.currency(), "The amount") {
            apps.push(PaymentApplication {
                invoice_id: i.value.id,
                amount: m,
            });
        }
    }
    let account_raw = account.0.to_string();
    if !e.is_empty() {
        return receipt_page(&st, &v, id, &account_raw, e, Some(&f)).await;
    }
    let ctx = pinned(&v, &f);
    match st
        .app
        .run(&ctx, || st.app.plan_apply_receipt(&ctx, id, account, &apps))
        .await
    {
        Ok(_) => Ok(redirect(&format!("/console/unapplied/{}", id.0))),
        Err(err) => {
            let first = apps.first().map(|a| apply_field(a.invoice_id));
            let (at, m) = refusal(err, |fl| {
                if let Some(rest) = fl.strip_prefix("applications[")
                    && let Some(a) = rest
                        .split(']')
                        .next()
                        .and_then(|i| i.parse::<usize>().ok())
                        .and_then(|i| apps.get(i))
                {
                    return apply_field(a.invoice_id);
                }
                match fl {
                    "account_id" => "account".into(),
                    _ => first.clone().unwrap_or_else(|| "account".into()),
                }
            })?;
            e.add(&at, m);
            receipt_page(&st, &v, id, &account_raw, e, Some(&f)).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Credit holds
// ---------------------------------------------------------------------------------------------

pub struct HoldRow {
    pub id: String,
    pub number: String,
    pub href: String,
    pub account: String,
    pub placed: String,
    pub reason: String,
    pub limit: String,
    pub exposure: String,
    pub total: String,
    pub version: i64,
    pub note_field: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "console_credit_holds.html")]
struct HoldsPage {
    l: Layout,
    e: Errors,
    notice: String,
    can_decide: bool,
    rows: Vec<HoldRow>,
}

fn note_field(id: OrderId) -> String {
    format!("note-{}", id.0)
}

async fn holds_page(st: &WebState, v: &Viewer, e: Errors, f: Option<&Fields>, notice: String) -> PageResult {
    let held = st.app.credit_holds(&v.ctx).await?;
    let names = crate::pages::orders::account_names(st, v).await?;
    let rows = held
        .iter()
        .filter_map(|o| {
            let h = o.value.credit_hold.as_ref()?;
            let nf = note_field(o.value.id);
            Some(HoldRow {
                id: o.value.id.0.to_string(),
                number: o.value.number.clone(),
                href: format!("/orders/{}", o.value.id.0),
                account: names
                    .iter()
                    .find(|(a, _)| *a == o.value.account_id)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default(),
                placed: format::time(o.value.placed_at),
                reason: h.reason(),
                limit: format::money(h.limit),
                exposure: format::money(h.exposure),
                total: format::money(h.order_total),
                version: o.version,
                note: f
                    .filter(|f| field(f, "order") == o.value.id.0.to_string())
                    .map(|f| field(f, "note").to_owned())
                    .unwrap_or_default(),
                note_field: nf,
            })
        })
        .collect();
    Ok(render(
        status(&e),
        &HoldsPage {
            l: Layout::for_viewer("Credit holds", v, "/console/receivables"),
            can_decide: v.ctx.principal.may(Action::Receivables),
            notice,
            rows,
            e,
        },
    ))
}

#[derive(Deserialize, Default)]
struct HoldsQuery {
    #[serde(default)]
    released: String,
    #[serde(default)]
    rejected: String,
}

/// `GET /console/credit-holds` (`?released=` / `?rejected=` name the order just decided).
pub async fn credit_holds(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let q: HoldsQuery = query(raw.as_deref());
    let notice = if !q.released.is_empty() {
        format!("Order {} was released: fulfilment can go ahead.", q.released)
    } else if !q.rejected.is_empty() {
        format!("Order {} was rejected; the buyer sees your note.", q.rejected)
    } else {
        String::new()
    };
    holds_page(&st, &v, Errors::default(), None, notice).await
}

/// `POST /console/credit-holds/{id}`: release, or reject with a note the buyer reads.
pub async fn credit_decision(
    State(st): State<WebState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let oid = Uuid::parse_str(&id).map(OrderId).map_err(|_| PageError::NotFound)?;
    let nf = note_field(oid);
    // The note box of this order's row (the page has one per held order).
    let mut f = f;
    f.push(("order".into(), oid.0.to_string()));
    let mut e = Errors::default();
    let release = match field(&f, "decision") {
        "release" => true,
        "reject" => false,
        _ => {
            e.add(&nf, "Choose release or reject");
            return holds_page(&st, &v, e, Some(&f), String::new()).await;
        }
    };
    let note = e.text(&nf, "The note", field(&f, "note"), TextKind::Text, None);
    if !release && note.is_empty() {
        e.add(&nf, "Say why the order is rejected; the buyer reads it");
    }
    if !e.is_empty() {
        return holds_page(&st, &v, e, Some(&f), String::new()).await;
    }
    let ctx = pinned(&v, &f);
    let note = (!note.is_empty()).then_some(note);
    match st
        .app
        .run(&ctx, || st.app.plan_credit_decision(&ctx, oid, release, note.clone()))
        .await
    {
        Ok(o) => {
            let key = if release { "released" } else { "rejected" };
            Ok(redirect(&format!(
                "/console/credit-holds?{key}={}",
                crate::session::urlencode(&o.value.number)
            )))
        }
        Err(err) => {
            let (at, m) = refusal(err, |_| nf.clone())?;
            e.add(&at, m);
            holds_page(&st, &v, e, Some(&f), String::new()).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The seller's profile
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "console_seller_profile.html")]
struct ProfilePage {
    l: Layout,
    e: Errors,
    saved: bool,
    can_edit: bool,
    v: Vec<(&'static str, &'static str, &'static str, String)>,
    address: String,
}

/// The profile's single-line fields: (name, label, hint, value).
const FIELDS: [(&str, &str, &str); 13] = [
    (
        "legal_name",
        "Legal name",
        "As registered; printed on every invoice and statement.",
    ),
    ("city", "City", ""),
    ("postal_code", "Postal code", ""),
    ("subdivision", "State or region", ""),
    ("country", "Country", "Two capital letters (ISO 3166), like US or DE."),
    (
        "tax_id",
        "Tax id",
        "VAT or sales-tax registration, as printed on invoices.",
    ),
    ("company_id", "Company registration number", ""),
    ("email", "Billing email", "Where customers write about invoices."),
    (
        "einvoice_scheme",
        "Peppol endpoint scheme",
        "The four-digit EAS code, like 0088 (GLN) or 9930 (German VAT).",
    ),
    (
        "einvoice_id",
        "Peppol endpoint id",
        "Needed, with the scheme, to send UBL e-invoices.",
    ),
    (
        "bank_name",
        "Bank",
        "Bank details are printed under each invoice's remittance reference.",
    ),
    ("account_name", "Account name", ""),
    ("iban", "IBAN", ""),
];
const MORE: [(&str, &str, &str); 3] = [
    ("bic", "BIC", ""),
    ("routing_number", "Routing number (US)", ""),
    ("account_number", "Account number (US)", ""),
];

fn profile_values(p: &SellerProfile) -> Vec<(&'static str, String)> {
    let o = |x: &Option<String>| x.clone().unwrap_or_default();
    vec![
        ("legal_name", p.legal_name.clone()),
        ("city", p.address.city.clone()),
        ("postal_code", o(&p.address.postal_code)),
        ("subdivision", o(&p.address.subdivision)),
        ("country", p.address.country.clone()),
        ("tax_id", o(&p.tax_id)),
        ("company_id", o(&p.company_id)),
        ("email", o(&p.email)),
        (
            "einvoice_scheme",
            p.einvoice.as_ref().map(|e| e.scheme.clone()).unwrap_or_default(),
        ),
        (
            "einvoice_id",
            p.einvoice.as_ref().map(|e| e.id.clone()).unwrap_or_default(),
        ),
        ("bank_name", o(&p.bank_name)),
        ("account_name", o(&p.account_name)),
        ("iban", o(&p.iban)),
        ("bic", o(&p.bic)),
        ("routing_number", o(&p.routing_number)),
        ("account_number", o(&p.account_number)),
    ]
}

async fn profile_page(st: &WebState, v: &Viewer, e: Errors, f: Option<&Fields>, saved: bool) -> PageResult {
    let current = st.app.seller_profile().await?;
    let values = profile_values(&current);
    let value = |name: &str| match f {
        Some(f) => field(f, name).to_owned(),
        None => values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default(),
    };
    Ok(render(
        status(&e),
        &ProfilePage {
            l: Layout::for_viewer("Seller profile", v, "/console/receivables"),
            saved,
            can_edit: v.ctx.principal.may(Action::Receivables),
            v: FIELDS
                .iter()
                .chain(MORE.iter())
                .map(|(n, l, h)| (*n, *l, *h, value(n)))
                .collect(),
            address: match f {
                Some(f) => field(f, "address").to_owned(),
                None => current.address.lines.join("\n"),
            },
            e,
        },
    ))
}

/// `GET /console/seller-profile`.
pub async fn seller_profile(State(st): State<WebState>, v: Viewer, RawQuery(raw): RawQuery) -> PageResult {
    let saved = raw.as_deref().is_some_and(|q| q.contains("saved=1"));
    profile_page(&st, &v, Errors::default(), None, saved).await
}

/// `POST /console/seller-profile`.
pub async fn save_seller_profile(State(st): State<WebState>, v: Viewer, Form(f): Form<Fields>) -> PageResult {
    let mut e = Errors::default();
    let mut t = |name: &str, label: &str, kind: TextKind, required: Option<&str>| -> Option<String> {
        let s = e.text(name, label, field(&f, name), kind, required);
        (!s.is_empty()).then_some(s)
    };
    let legal_name = t(
        "legal_name",
        "The legal name",
        TextKind::Name,
        Some("Enter the seller's legal name"),
    );
    let address_raw = field(&f, "address").to_owned();
    let city = t("city", "The city", TextKind::Name, None);
    let postal_code = t("postal_code", "The postal code", TextKind::Ident, None);
    let subdivision = t("subdivision", "The state or region", TextKind::Name, None);
    let country = t(
        "country",
        "The country",
        TextKind::Code,
        Some("Enter the country as two capital letters, like US"),
    );
    let tax_id = t("tax_id", "The tax id", TextKind::Ident, None);
    let company_id = t("company_id", "The registration number", TextKind::Ident, None);
    let email = t("email", "The email address", TextKind::Email, None);
    let scheme = t("einvoice_scheme", "The scheme", TextKind::Code, None);
    let eid = t("einvoice_id", "The endpoint id", TextKind::Ident, None);
    let bank_name = t("bank_name", "The bank", TextKind::Name, None);
    let account_name = t("account_name", "The account name", TextKind::Name, None);
    let iban = t("iban", "The IBAN", TextKind::Ident, None);
    let bic = t("bic", "The BIC", TextKind::Ident, None);
    let routing_number = t("routing_number", "The routing number", TextKind::Ident, None);
    let account_number = t("account_number", "The account number", TextKind::Ident, None);
    let mut lines = Vec::new();
    for l in address_raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match aftercart_domain::text::check(TextKind::Name, l) {
            Ok(()) => lines.push(l.to_owned()),
            Err(fault) => e.add("address", format!("An address line {fault}")),
        }
    }
    let einvoice = match (scheme, eid) {
        (Some(scheme), Some(id)) => Some(EInvoiceAddress { scheme, id }),
        (None, None) => None,
        (Some(_), None) => {
            e.add("einvoice_id", "Enter the endpoint id too, or clear the scheme");
            None
        }
        (None, Some(_)) => {
            e.add("einvoice_scheme", "Enter the scheme too, or clear the endpoint id");
            None
        }
    };
    let (Some(legal_name), Some(country), true) = (legal_name, country, e.is_empty()) else {
        return profile_page(&st, &v, e, Some(&f), false).await;
    };
    let p = SellerProfile {
        legal_name,
        address: PostalAddress {
            lines,
            city: city.unwrap_or_default(),
            postal_code,
            subdivision,
            country,
        },
        tax_id,
        company_id,
        einvoice,
        email,
        bank_name,
        account_name,
        iban,
        bic,
        routing_number,
        account_number,
    };
    let ctx = &v.ctx;
    match st.app.run(ctx, || st.app.plan_set_seller_profile(ctx, &p)).await {
        Ok(_) => Ok(redirect("/console/seller-profile?saved=1")),
        Err(err) => {
            let (at, m) = refusal(err, |fl| match fl {
                "address.country" => "country".into(),
                "einvoice.scheme" | "einvoice.id" => "einvoice_scheme".into(),
                f if profile_values(&p).iter().any(|(n, _)| *n == f) => f.into(),
                _ => "legal_name".into(),
            })?;
            e.add(&at, m);
            profile_page(&st, &v, e, Some(&f), false).await
        }
    }
}
