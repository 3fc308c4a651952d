//! An invoice's receivables side: its documents (PDF; UBL e-invoice, whose refusal — say, the
//! seller's or the buyer's e-invoicing details are missing — is shown on the invoice page, not
//! as an error page), how to pay it by bank transfer (the ISO 11649 remittance reference and
//! the seller's bank details), the disputes on it and online payments still processing it.

use super::{DisputeRow, dispute_row, file};
use crate::WebState;
use crate::format;
use crate::render::{PageError, PageResult};
use crate::session::Viewer;
use aftercart_app::payments::remittance_reference;
use aftercart_app::{Action, AppError, ListFilter};
use aftercart_domain::ids::{CreditMemoId, InvoiceId};
use aftercart_domain::invoice::Invoice;
use axum::extract::{Path, State};
use uuid::Uuid;

/// A payment in flight on the invoice (a bank debit settling, a request not yet answered).
pub struct InFlight {
    pub href: String,
    pub number: String,
    pub amount: String,
    pub method: String,
    pub state: String,
}

/// What the invoice page shows of receivables.
pub struct InvoiceReceivables {
    pub id: String,
    pub reference: String,
    pub seller: String,
    /// The seller's bank details: (what, value).
    pub bank: Vec<(String, String)>,
    pub open: bool,
    pub can_pay: bool,
    pub can_dispute: bool,
    pub disputes: Vec<DisputeRow>,
    pub in_flight: Vec<InFlight>,
    /// Why the e-invoice (or another download) could not be made, or "".
    pub problem: String,
}

/// Online payments of the invoice's account still in flight that pay part of `inv`.
pub async fn in_flight(st: &WebState, v: &Viewer, inv: &Invoice) -> Result<Vec<InFlight>, PageError> {
    let mut out = Vec::new();
    for state in ["requested", "processing", "requires_action"] {
        let f = ListFilter {
            account_id: Some(inv.account_id),
            status: Some(state.into()),
            limit: 100,
            ..Default::default()
        };
        for p in st.app.list_online_payments(&v.ctx, &f).await?.items {
            let p = p.value;
            let Some(a) = p.allocations.iter().find(|a| a.invoice_id == inv.id) else {
                continue;
            };
            out.push(InFlight {
                href: format!("/payments/online/{}", p.id.0),
                number: p.number.clone(),
                amount: format::money(a.amount),
                method: p.method_label.clone(),
                state: super::pay::state_words(&p.state).0.into(),
            });
        }
    }
    Ok(out)
}

pub async fn for_invoice(
    st: &WebState,
    v: &Viewer,
    inv: &Invoice,
    problem: Option<String>,
) -> Result<InvoiceReceivables, PageError> {
    let p = &v.ctx.principal;
    let seller = st.app.seller_profile().await?;
    let console = p.is_seller();
    let open = inv.balance().is_positive() && inv.replaced_by.is_none();
    let disputes = st.app.invoice_disputes(&v.ctx, inv.id).await?;
    let mut disputes: Vec<_> = disputes.into_iter().map(|d| d.value).collect();
    disputes.sort_by_key(|d| (!d.is_open(), std::cmp::Reverse(d.opened_at)));
    Ok(InvoiceReceivables {
        id: inv.id.0.to_string(),
        reference: remittance_reference(&inv.number),
        seller: seller.legal_name.clone(),
        bank: bank_details(&seller),
        open,
        can_pay: open && p.own_account().is_some() && p.may(Action::PayInvoices),
        can_dispute: open && p.may(Action::Dispute),
        disputes: disputes
            .iter()
            .map(|d| dispute_row(d, console, String::new()))
            .collect(),
        in_flight: in_flight(st, v, inv).await?,
        problem: problem.unwrap_or_default(),
    })
}

/// The seller's remittance lines ("IBAN: DE89 …") as (what, value) pairs.
pub fn bank_details(seller: &aftercart_app::payments::SellerProfile) -> Vec<(String, String)> {
    seller
        .remittance_lines()
        .into_iter()
        .map(|l| match l.split_once(": ") {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (String::new(), l),
        })
        .collect()
}

fn invoice_id(raw: &str) -> Result<InvoiceId, PageError> {
    Uuid::parse_str(raw).map(InvoiceId).map_err(|_| PageError::NotFound)
}

/// `GET /invoices/{id}/pdf`.
pub async fn invoice_pdf(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let (name, bytes) = st.app.invoice_pdf(&v.ctx, invoice_id(&id)?).await?;
    Ok(file("application/pdf", &name, bytes))
}

/// `GET /invoices/{id}/ubl`: the UBL 2.1 / Peppol BIS 3.0 XML; when it cannot be written (the
/// details it needs are missing), the invoice page saying why.
pub async fn invoice_ubl(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = invoice_id(&id)?;
    match st.app.invoice_ubl(&v.ctx, id).await {
        Ok((name, xml)) => Ok(file("application/xml", &name, xml.into_bytes())),
        Err(AppError::Rejected(r)) => {
            let why = format!(
                "The e-invoice (UBL) could not be made: {}. The PDF is always available; the seller's finance team can correct the e-invoicing details.",
                r.message
            );
            crate::pages::invoices::detail_page(&st, &v, id, Some(why)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /credit-memos/{id}/pdf`.
pub async fn credit_memo_pdf(State(st): State<WebState>, v: Viewer, Path(id): Path<String>) -> PageResult {
    let id = Uuid::parse_str(&id)
        .map(CreditMemoId)
        .map_err(|_| PageError::NotFound)?;
    let (name, bytes) = st.app.credit_memo_pdf(&v.ctx, id).await?;
    Ok(file("application/pdf", &name, bytes))
}
