//! Invoices and their matching, credit memos, payments.

use super::orders::{TimelineOut, TimelineParams, timeline_of};
use super::{page, respond, stored};
use crate::ApiState;
use crate::dto::{Code, FreeText, Ident, ListParams, MoneyDto, PageDto, d, date, opt, qty, timestamp, ts};
use crate::error::{ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams};
use aftercart_app::{InvoiceLineInput, IssueCreditMemo, IssueInvoice, ReceivePayment, TimelineOf, Versioned};
use aftercart_domain::ids::{CreditMemoId, InvoiceId, PaymentId};
use aftercart_domain::invoice::{CreditMemo, Invoice, Payment, PaymentApplication, PaymentMethod, SettlementSource};
use aftercart_domain::matching::Discrepancy;
use aftercart_domain::money::Currency;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLineIn {
    pub order_id: Uuid,
    pub order_line: u32,
    /// The shipment this line bills, when known.
    pub shipment_id: Option<Uuid>,
    pub quantity: i64,
    pub unit_price: MoneyDto,
    /// The line's tax rate as a percentage ("20", "8.25"): give every line one, or none.
    pub tax_rate: Option<Code>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceIn {
    pub account_id: Uuid,
    pub number: Option<Ident>,
    pub currency: Code,
    /// `YYYY-MM-DD`, default today; the due date follows from the account's terms.
    pub issued_on: Option<Code>,
    pub lines: Vec<InvoiceLineIn>,
    /// The tax amount. With rates on the lines it is computed (per rate, rounded per rate) and,
    /// when given too, must agree.
    pub tax: Option<MoneyDto>,
    pub freight: Option<MoneyDto>,
    /// The freight's tax rate, when the lines carry rates.
    pub freight_tax_rate: Option<Code>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceLineOut {
    pub line: u32,
    pub order_id: Uuid,
    pub order_line: u32,
    pub shipment_id: Option<Uuid>,
    pub sku: String,
    pub description: String,
    pub quantity: u32,
    pub unit_price: MoneyDto,
    pub amount: MoneyDto,
    /// Percentage, when the invoice was issued with per-line rates.
    pub tax_rate: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationOut {
    /// payment or credit_memo
    pub source: String,
    pub source_id: Uuid,
    pub amount: MoneyDto,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceOut {
    pub id: Uuid,
    pub number: String,
    pub account_id: Uuid,
    pub currency: String,
    pub issued_on: String,
    pub due_on: String,
    /// open, partially_paid, overdue or paid (as of today).
    pub status: String,
    pub days_overdue: i64,
    pub lines: Vec<InvoiceLineOut>,
    pub subtotal: MoneyDto,
    pub tax: MoneyDto,
    pub freight: MoneyDto,
    pub total: MoneyDto,
    pub paid: MoneyDto,
    pub balance: MoneyDto,
    pub applications: Vec<ApplicationOut>,
    pub version: i64,
}

impl InvoiceOut {
    pub fn new(i: &Invoice, version: i64, today: time::Date) -> InvoiceOut {
        let status = i.status(today);
        InvoiceOut {
            id: i.id.0,
            number: i.number.clone(),
            account_id: i.account_id.0,
            currency: i.currency.code().to_owned(),
            issued_on: d(i.issued_on),
            due_on: d(i.due_on),
            status: status.as_str().to_owned(),
            days_overdue: if i.balance().is_positive() {
                (today - i.due_on).whole_days().max(0)
            } else {
                0
            },
            lines: i
                .lines
                .iter()
                .map(|l| InvoiceLineOut {
                    line: l.no,
                    order_id: l.order_id.0,
                    order_line: l.order_line,
                    shipment_id: l.shipment_id.map(|s| s.0),
                    sku: l.sku.clone(),
                    description: l.description.clone(),
                    quantity: l.quantity.get(),
                    unit_price: l.unit_price.into(),
                    amount: l.amount().into(),
                    tax_rate: l.tax_rate_bp.map(aftercart_domain::invoice::percent_string),
                })
                .collect(),
            subtotal: i.subtotal().into(),
            tax: i.tax.into(),
            freight: i.freight.into(),
            total: i.total().into(),
            paid: i.settled().into(),
            balance: i.balance().into(),
            applications: i
                .applications
                .iter()
                .map(|a| {
                    let (source, source_id) = match a.source {
                        SettlementSource::Payment(p) => ("payment", p.0),
                        SettlementSource::CreditMemo(c) => ("credit_memo", c.0),
                    };
                    ApplicationOut {
                        source: source.into(),
                        source_id,
                        amount: a.amount.into(),
                        at: ts(a.at),
                    }
                })
                .collect(),
            version,
        }
    }
}

fn today(st: &ApiState) -> time::Date {
    st.app.clock.now().date()
}

#[utoipa::path(post, path = "/api/v1/invoices", tag = "billing", request_body = InvoiceIn,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = InvoiceOut), (status = 422, body = Problem)))]
pub async fn create_invoice(State(st): State<ApiState>, cmd: Command<InvoiceIn>) -> ApiResult<Response> {
    let b = &cmd.body;
    let currency = Currency::parse(&b.currency, "currency")?;
    let mut lines = Vec::new();
    for (i, l) in b.lines.iter().enumerate() {
        lines.push(InvoiceLineInput {
            order_id: l.order_id.into(),
            order_line: l.order_line,
            shipment_id: l.shipment_id.map(Into::into),
            quantity: qty(l.quantity, &format!("lines[{i}].quantity"))?,
            unit_price: l.unit_price.parse(&format!("lines[{i}].unit_price"))?,
            tax_rate_bp: l
                .tax_rate
                .as_deref()
                .map(|r| aftercart_domain::invoice::parse_percent_bp(r, &format!("lines[{i}].tax_rate")))
                .transpose()?,
        });
    }
    let rated = lines.iter().any(|l| l.tax_rate_bp.is_some());
    let zero = aftercart_domain::Money::zero(currency);
    let input = IssueInvoice {
        account_id: b.account_id.into(),
        number: opt(&b.number),
        currency,
        issued_on: date(&b.issued_on, "issued_on")?,
        lines,
        tax: match b.tax.as_ref().map(|m| m.parse("tax")).transpose()? {
            Some(t) => Some(t),
            None if rated => None,
            None => Some(zero),
        },
        freight_tax_rate_bp: b
            .freight_tax_rate
            .as_deref()
            .map(|r| aftercart_domain::invoice::parse_percent_bp(r, "freight_tax_rate"))
            .transpose()?,
        freight: b
            .freight
            .as_ref()
            .map(|m| m.parse("freight"))
            .transpose()?
            .unwrap_or(zero),
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let t = today(&st);
    let v = app
        .execute(
            ctx,
            || app.plan_issue_invoice(ctx, &input),
            |v| stored(StatusCode::CREATED, &InvoiceOut::new(&v.value, v.version, t)),
        )
        .await?;
    Ok(respond(
        StatusCode::CREATED,
        &InvoiceOut::new(&v.value, v.version, t),
        Some(v.version),
    ))
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}", tag = "billing", params(("id" = Uuid, Path)),
    responses((status = 200, body = InvoiceOut), (status = 404, body = Problem)))]
pub async fn get_invoice(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.invoice(&ctx, InvoiceId(id)).await?;
    Ok(respond(
        StatusCode::OK,
        &InvoiceOut::new(&v.value, v.version, today(&st)),
        Some(v.version),
    ))
}

#[utoipa::path(get, path = "/api/v1/invoices", tag = "billing", params(ListParams),
    responses((status = 200, body = PageDto<InvoiceOut>), (status = 422, body = Problem)))]
pub async fn list_invoices(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    let p = st.app.list_invoices(&ctx, &q.filter()?).await?;
    let t = today(&st);
    Ok(respond(
        StatusCode::OK,
        &page(p, |v: &Versioned<Invoice>| InvoiceOut::new(&v.value, v.version, t)),
        None,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscrepancyOut {
    /// billed_before_shipped, billed_more_than_shipped, billed_more_than_received, price_variance,
    /// freight_not_on_order or billed_twice
    pub kind: String,
    pub quantity: Option<u32>,
    pub amount: MoneyDto,
    pub explanation: String,
}

impl From<&Discrepancy> for DiscrepancyOut {
    fn from(x: &Discrepancy) -> DiscrepancyOut {
        DiscrepancyOut {
            kind: x.kind.as_str().to_owned(),
            quantity: x.quantity.map(|q| q.get()),
            amount: x.amount.into(),
            explanation: x.explanation.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineMatchOut {
    pub invoice_line: u32,
    pub order_id: Uuid,
    pub order_number: String,
    pub order_line: u32,
    pub shipment_id: Option<Uuid>,
    pub sku: String,
    pub billed_quantity: u32,
    pub billed_unit_price: MoneyDto,
    pub ordered: u32,
    pub shipped: u32,
    pub received: Option<u32>,
    pub billed_before: u32,
    /// Credited for returned goods; the rest is what is matched.
    pub credited: u32,
    pub contract_unit_price: MoneyDto,
    pub matches: bool,
    pub discrepancies: Vec<DiscrepancyOut>,
}

/// "Why doesn't this match?"
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchOut {
    pub invoice_id: Uuid,
    pub invoice_number: String,
    pub matches: bool,
    pub summary: String,
    pub discrepancy_total: MoneyDto,
    pub lines: Vec<LineMatchOut>,
    pub invoice_discrepancies: Vec<DiscrepancyOut>,
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}/match", tag = "billing", params(("id" = Uuid, Path)),
    responses((status = 200, body = MatchOut), (status = 404, body = Problem)))]
pub async fn match_invoice(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let a = st.app.invoice_match(&ctx, InvoiceId(id)).await?;
    let r = &a.report;
    let body = MatchOut {
        invoice_id: a.invoice.value.id.0,
        invoice_number: a.invoice.value.number.clone(),
        matches: r.matches,
        summary: r.summary.clone(),
        discrepancy_total: r.discrepancy_total.into(),
        lines: r
            .lines
            .iter()
            .map(|l| LineMatchOut {
                invoice_line: l.invoice_line,
                order_id: l.order_id.0,
                order_number: l.order_number.clone(),
                order_line: l.order_line,
                shipment_id: l.shipment_id.map(|s| s.0),
                sku: l.sku.clone(),
                billed_quantity: l.billed_quantity.get(),
                billed_unit_price: l.billed_unit_price.into(),
                ordered: l.ordered.get(),
                shipped: l.shipped.get(),
                received: l.received.map(|q| q.get()),
                billed_before: l.billed_before.get(),
                credited: l.credited.get(),
                contract_unit_price: l.contract_unit_price.into(),
                matches: l.discrepancies.is_empty(),
                discrepancies: l.discrepancies.iter().map(Into::into).collect(),
            })
            .collect(),
        invoice_discrepancies: r.header.iter().map(Into::into).collect(),
    };
    Ok(respond(StatusCode::OK, &body, Some(a.invoice.version)))
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}/timeline", tag = "billing", params(("id" = Uuid, Path), TimelineParams),
    responses((status = 200, body = TimelineOut), (status = 404, body = Problem)))]
pub async fn invoice_timeline(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
    QueryParams(q): QueryParams<TimelineParams>,
) -> ApiResult<Response> {
    timeline_of(&st, &ctx, TimelineOf::Invoice(InvoiceId(id)), &q).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditMemoIn {
    pub account_id: Uuid,
    /// The invoice the credit is applied to, if any.
    pub invoice_id: Option<Uuid>,
    pub amount: MoneyDto,
    pub reason: FreeText,
    pub issued_on: Option<Code>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditMemoOut {
    pub id: Uuid,
    pub number: String,
    pub account_id: Uuid,
    pub invoice_id: Option<Uuid>,
    pub amount: MoneyDto,
    pub reason: String,
    pub issued_on: String,
    /// The return (RMA) this memo credits, when it was issued for returned goods.
    pub return_id: Option<Uuid>,
    /// The invoice lines it credits (returns only), with their order lines and shipments.
    pub credited_lines: Vec<CreditLineOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditLineOut {
    pub invoice_id: Uuid,
    pub invoice_line: u32,
    pub order_id: Uuid,
    pub order_line: u32,
    pub shipment_id: Option<Uuid>,
    pub quantity: u32,
    pub unit_price: MoneyDto,
}

pub(crate) fn memo_out(m: &CreditMemo) -> CreditMemoOut {
    CreditMemoOut {
        id: m.id.0,
        number: m.number.clone(),
        account_id: m.account_id.0,
        invoice_id: m.invoice_id.map(|i| i.0),
        amount: m.amount.into(),
        reason: m.reason.clone(),
        issued_on: d(m.issued_on),
        return_id: m.for_return.as_ref().map(|c| c.return_id.0),
        credited_lines: m
            .for_return
            .iter()
            .flat_map(|c| {
                c.lines.iter().map(|l| CreditLineOut {
                    invoice_id: c.invoice_id.0,
                    invoice_line: l.invoice_line,
                    order_id: c.order_id.0,
                    order_line: l.order_line,
                    shipment_id: l.shipment_id.map(|s| s.0),
                    quantity: l.quantity.get(),
                    unit_price: l.unit_price.into(),
                })
            })
            .collect(),
    }
}

#[utoipa::path(post, path = "/api/v1/credit-memos", tag = "billing", request_body = CreditMemoIn,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = CreditMemoOut), (status = 422, body = Problem)))]
pub async fn create_credit_memo(State(st): State<ApiState>, cmd: Command<CreditMemoIn>) -> ApiResult<Response> {
    let b = &cmd.body;
    let input = IssueCreditMemo {
        account_id: b.account_id.into(),
        invoice_id: b.invoice_id.map(Into::into),
        amount: b.amount.parse("amount")?,
        reason: b.reason.to_string(),
        issued_on: date(&b.issued_on, "issued_on")?,
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_issue_credit_memo(ctx, &input),
            |v| stored(StatusCode::CREATED, &memo_out(&v.value)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &memo_out(&v.value), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/credit-memos/{id}", tag = "billing", params(("id" = Uuid, Path)),
    responses((status = 200, body = CreditMemoOut), (status = 404, body = Problem)))]
pub async fn get_credit_memo(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.credit_memo(&ctx, CreditMemoId(id)).await?;
    Ok(respond(StatusCode::OK, &memo_out(&v.value), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/credit-memos", tag = "billing", params(ListParams),
    responses((status = 200, body = PageDto<CreditMemoOut>)))]
pub async fn list_credit_memos(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    let p = st.app.list_credit_memos(&ctx, &q.filter()?).await?;
    Ok(respond(
        StatusCode::OK,
        &page(p, |v: &Versioned<CreditMemo>| memo_out(&v.value)),
        None,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentApplicationIn {
    pub invoice_id: Uuid,
    pub amount: MoneyDto,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentIn {
    pub account_id: Uuid,
    /// card, ach, wire or cheque (`check` too), in any letter case ("ACH", "Card").
    pub method: Code,
    pub amount: MoneyDto,
    pub reference: Option<Ident>,
    pub received_at: Option<Code>,
    /// How the payment settles invoices; the rest stays unapplied on the account.
    pub applications: Vec<PaymentApplicationIn>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentApplicationOut {
    pub invoice_id: Uuid,
    pub amount: MoneyDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentOut {
    pub id: Uuid,
    pub account_id: Uuid,
    pub method: String,
    pub amount: MoneyDto,
    pub unapplied: MoneyDto,
    pub reference: Option<String>,
    pub received_at: String,
    pub applications: Vec<PaymentApplicationOut>,
}

pub(crate) fn payment_out(p: &Payment) -> PaymentOut {
    PaymentOut {
        id: p.id.0,
        account_id: p.account_id.0,
        method: p.method.as_str().to_owned(),
        amount: p.amount.into(),
        unapplied: p.unapplied().into(),
        reference: p.reference.clone(),
        received_at: ts(p.received_at),
        applications: p
            .applications
            .iter()
            .map(|a| PaymentApplicationOut {
                invoice_id: a.invoice_id.0,
                amount: a.amount.into(),
            })
            .collect(),
    }
}

#[utoipa::path(post, path = "/api/v1/payments", tag = "billing", request_body = PaymentIn,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = PaymentOut), (status = 422, body = Problem)))]
pub async fn create_payment(State(st): State<ApiState>, cmd: Command<PaymentIn>) -> ApiResult<Response> {
    let b = &cmd.body;
    let method = PaymentMethod::parse(&b.method, "method")?;
    let mut applications = Vec::new();
    for (i, a) in b.applications.iter().enumerate() {
        applications.push(PaymentApplication {
            invoice_id: a.invoice_id.into(),
            amount: a.amount.parse(&format!("applications[{i}].amount"))?,
        });
    }
    let input = ReceivePayment {
        account_id: b.account_id.into(),
        method,
        amount: b.amount.parse("amount")?,
        reference: opt(&b.reference),
        received_at: timestamp(&b.received_at, "received_at")?,
        applications,
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_receive_payment(ctx, &input),
            |v| stored(StatusCode::CREATED, &payment_out(&v.value)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &payment_out(&v.value), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "billing", params(("id" = Uuid, Path)),
    responses((status = 200, body = PaymentOut), (status = 404, body = Problem)))]
pub async fn get_payment(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.payment(&ctx, PaymentId(id)).await?;
    Ok(respond(StatusCode::OK, &payment_out(&v.value), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/payments", tag = "billing", params(ListParams),
    responses((status = 200, body = PageDto<PaymentOut>)))]
pub async fn list_payments(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    let p = st.app.list_payments(&ctx, &q.filter()?).await?;
    Ok(respond(
        StatusCode::OK,
        &page(p, |v: &Versioned<Payment>| payment_out(&v.value)),
        None,
    ))
}
