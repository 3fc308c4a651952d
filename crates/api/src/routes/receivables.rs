//! Receivables: paying online (saved methods at the provider, autopay, the provider's signed
//! webhooks), disputes and short-pays, statements and aging, invoice documents (PDF, UBL), and
//! the seller's finance work — bank statements and the unapplied-cash queue, credit holds,
//! dunning schedules, the seller's profile and the book's aging.

use super::{page, respond, stored};
use crate::ApiState;
use crate::dto::{Code, FreeText, Ident, ListParams, MoneyDto, Name, PageDto, d, date, qty, ts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams};
use aftercart_app::Versioned;
use aftercart_app::payments::{
    AccountBilling, BankImport, CreditSource, EInvoiceAddress, OpenDispute, PayInput, PayOutcome, PayRequest,
    PostalAddress, ReceiptState, Resolve, SavedMethodRec, SellerProfile, ShortPayDetail, UnappliedReceipt,
};
use aftercart_domain::ids::{
    AccountId, BankImportId, CreditMemoId, DisputeId, InvoiceId, OnlinePaymentId, OrderId, PaymentId, SavedMethodId,
    UnappliedReceiptId,
};
use aftercart_domain::invoice::PaymentApplication;
use aftercart_domain::receivables::aging::{Aging, Bucket};
use aftercart_domain::receivables::dispute::{Dispute, DisputeReason, DisputedLine, Outcome};
use aftercart_domain::receivables::dunning::{Level, Schedule, Step};
use aftercart_domain::receivables::online::{Autopay, OnlinePayment, OnlineState, ShortReason};
use aftercart_domain::receivables::statement::Statement;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

fn today(st: &ApiState) -> time::Date {
    st.app.clock.now().date()
}

fn file(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        name.replace(['"', '\\', '\r', '\n'], "_")
    );
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Billing profile, saved methods, autopay
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct MethodOut {
    pub id: Uuid,
    /// card or bank_debit
    pub kind: String,
    /// "Visa •••• 4242"
    pub label: String,
    pub last4: String,
    /// MM/YYYY for cards.
    pub expires: Option<String>,
    pub added_by: String,
    pub added_at: String,
}

impl From<&SavedMethodRec> for MethodOut {
    fn from(m: &SavedMethodRec) -> MethodOut {
        MethodOut {
            id: m.id.0,
            kind: match m.kind {
                aftercart_domain::receivables::online::MethodKind::Card => "card".into(),
                aftercart_domain::receivables::online::MethodKind::BankDebit => "bank_debit".into(),
            },
            label: m.describe(),
            last4: m.last4.clone(),
            expires: m.expires.map(|(mm, yy)| format!("{mm:02}/{yy}")),
            added_by: m.added_by.clone(),
            added_at: ts(m.added_at),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AutopayDto {
    pub method_id: Uuid,
    /// Pay what falls due this many days ahead (0–30).
    pub days_before_due: u8,
    /// Never more than this in one run.
    pub max_amount: MoneyDto,
    pub enabled: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StepDto {
    /// Days relative to the due date (−3: three days before).
    pub offset_days: i32,
    /// reminder, due_today, overdue, second_notice or final_notice
    pub level: Code,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BillingProfileOut {
    pub account_id: Uuid,
    pub methods: Vec<MethodOut>,
    pub autopay: Option<AutopayDto>,
    pub dunning: Vec<StepDto>,
    pub dunning_paused: bool,
    pub einvoice_scheme: Option<String>,
    pub einvoice_id: Option<String>,
    pub tax_id: Option<String>,
    pub buyer_reference: Option<String>,
    /// Whether card / bank-debit payments can be made here (a provider is configured).
    pub online_payments: bool,
    pub version: i64,
}

fn profile_out(st: &ApiState, b: &Versioned<AccountBilling>) -> BillingProfileOut {
    let v = &b.value;
    BillingProfileOut {
        account_id: v.account_id.0,
        methods: v.methods.iter().map(MethodOut::from).collect(),
        autopay: v.autopay.as_ref().map(|a| AutopayDto {
            method_id: a.method_id.0,
            days_before_due: a.days_before_due,
            max_amount: a.max_amount.into(),
            enabled: a.enabled,
        }),
        dunning: v
            .dunning
            .steps
            .iter()
            .map(|s| StepDto {
                offset_days: s.offset_days,
                level: Code::from(s.level.as_str()),
            })
            .collect(),
        dunning_paused: v.dunning_paused,
        einvoice_scheme: v.einvoice.as_ref().map(|e| e.scheme.clone()),
        einvoice_id: v.einvoice.as_ref().map(|e| e.id.clone()),
        tax_id: v.tax_id.clone(),
        buyer_reference: v.buyer_reference.clone(),
        online_payments: st.app.payments.provider.is_some(),
        version: b.version,
    }
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/billing-profile", tag = "receivables", params(("id" = Uuid, Path)),
    responses((status = 200, body = BillingProfileOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn get_billing_profile(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let b = st.app.account_billing(&ctx, AccountId(id)).await?;
    Ok(respond(StatusCode::OK, &profile_out(&st, &b), None))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodIn {
    /// The payment method id the provider's own page or SDK gave (Stripe: `pm_…`); card and
    /// account numbers never pass through Aftercart.
    pub token: Ident,
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/payment-methods", tag = "receivables", params(("id" = Uuid, Path)),
    request_body = MethodIn,
    responses((status = 201, body = MethodOut), (status = 404, body = Problem), (status = 422, body = Problem), (status = 503, body = Problem), (status = 409, body = Problem)))]
pub async fn add_method(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<MethodIn>,
) -> ApiResult<Response> {
    let m = st
        .app
        .add_payment_method(&cmd.ctx, AccountId(id), &cmd.body.token)
        .await?;
    Ok(respond(StatusCode::CREATED, &MethodOut::from(&m), None))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{id}/payment-methods/{method_id}", tag = "receivables",
    params(("id" = Uuid, Path), ("method_id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove_method(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam((id, method)): PathParam<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    st.app
        .remove_payment_method(&ctx, AccountId(id), SavedMethodId(method))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(put, path = "/api/v1/accounts/{id}/autopay", tag = "receivables", params(("id" = Uuid, Path)),
    request_body = AutopayDto,
    responses((status = 200, body = BillingProfileOut), (status = 404, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn set_autopay(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<AutopayDto>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let auto = Autopay {
        method_id: SavedMethodId(b.method_id),
        days_before_due: b.days_before_due,
        max_amount: b.max_amount.parse("max_amount")?,
        enabled: b.enabled,
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_set_autopay(ctx, AccountId(id), Some(auto.clone())),
            |v| stored(StatusCode::OK, &profile_out(&st, v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &profile_out(&st, &v), None))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{id}/autopay", tag = "receivables", params(("id" = Uuid, Path)),
    responses((status = 200, body = BillingProfileOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn clear_autopay(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let app = &st.app;
    let v = app
        .execute(
            &ctx,
            || app.plan_set_autopay(&ctx, AccountId(id), None),
            |_| (200, String::new()),
        )
        .await?;
    Ok(respond(StatusCode::OK, &profile_out(&st, &v), None))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DunningIn {
    pub steps: Vec<StepDto>,
    #[serde(default)]
    pub paused: bool,
}

#[utoipa::path(put, path = "/api/v1/accounts/{id}/dunning", tag = "receivables", params(("id" = Uuid, Path)),
    request_body = DunningIn,
    responses((status = 200, body = BillingProfileOut), (status = 404, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn set_dunning(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<DunningIn>,
) -> ApiResult<Response> {
    let mut steps = Vec::new();
    for (i, s) in cmd.body.steps.iter().enumerate() {
        let level = Level::parse(&s.level).ok_or_else(|| {
            ApiError::invalid(
                &format!("steps[{i}].level"),
                "one of reminder, due_today, overdue, second_notice, final_notice",
            )
        })?;
        steps.push(Step {
            offset_days: s.offset_days,
            level,
        });
    }
    let schedule = Schedule { steps };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let paused = cmd.body.paused;
    let v = app
        .execute(
            ctx,
            || app.plan_set_dunning(ctx, AccountId(id), schedule.clone(), paused),
            |v| stored(StatusCode::OK, &profile_out(&st, v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &profile_out(&st, &v), None))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EInvoicingIn {
    /// The Peppol EAS scheme of the buyer's electronic address (0088, 9930, …).
    pub scheme: Code,
    pub id: Ident,
    pub tax_id: Option<Ident>,
    pub buyer_reference: Option<Ident>,
}

#[utoipa::path(put, path = "/api/v1/accounts/{id}/einvoicing", tag = "receivables", params(("id" = Uuid, Path)),
    request_body = EInvoicingIn,
    responses((status = 200, body = BillingProfileOut), (status = 404, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn set_einvoicing(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<EInvoicingIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    if b.scheme.len() != 4 || !b.scheme.bytes().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::invalid(
            "scheme",
            "a four-digit EAS code such as 0088 or 9930",
        ));
    }
    let addr = EInvoiceAddress {
        scheme: b.scheme.to_string(),
        id: b.id.trim().to_owned(),
    };
    let (tax, buyer) = (
        b.tax_id.as_ref().map(|t| t.to_string()),
        b.buyer_reference.as_ref().map(|t| t.to_string()),
    );
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_set_einvoicing(ctx, AccountId(id), addr.clone(), tax.clone(), buyer.clone()),
            |v| stored(StatusCode::OK, &profile_out(&st, v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &profile_out(&st, &v), None))
}

// ---------------------------------------------------------------------------------------------
// Paying online
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputedLineIn {
    pub invoice_line: u32,
    pub quantity: Option<i64>,
    /// Default: quantity × the line's unit price.
    pub amount: Option<MoneyDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayInvoiceIn {
    pub invoice_id: Uuid,
    pub amount: MoneyDto,
    /// Required when paying less than what is open: `later` (a partial payment; the rest comes
    /// later) or a dispute reason — damaged, short_shipped, price_differs, not_received,
    /// duplicate — which opens a dispute for the shortfall.
    pub short_reason: Option<Code>,
    /// The disputed invoice lines (prefill from `GET /invoices/{id}/dispute-suggestions`).
    #[serde(default)]
    pub lines: Vec<DisputedLineIn>,
    pub shipment_id: Option<Uuid>,
    pub return_id: Option<Uuid>,
    pub message: Option<FreeText>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayIn {
    pub account_id: Uuid,
    pub method_id: Uuid,
    pub invoices: Vec<PayInvoiceIn>,
    /// Paying more than is open is refused unless this is true; then the excess stays on the
    /// account as credit.
    #[serde(default)]
    pub excess_to_credit: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentAllocationOut {
    pub invoice_id: Uuid,
    pub invoice_number: String,
    pub amount: MoneyDto,
    pub short_reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OnlinePaymentOut {
    pub id: Uuid,
    pub number: String,
    pub account_id: Uuid,
    /// requested, processing, succeeded, failed, reversed or requires_action
    pub state: String,
    pub amount: MoneyDto,
    pub to_credit: MoneyDto,
    pub method: String,
    pub allocations: Vec<PaymentAllocationOut>,
    /// The payment that settled the invoices (succeeded, reversed).
    pub payment_id: Option<Uuid>,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    pub autopay: bool,
    pub provider: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    /// Disputes this request opened (short-pays with a dispute reason).
    pub disputes: Vec<DisputeOut>,
}

fn short_str(s: &Option<ShortReason>) -> Option<String> {
    s.map(|r| match r {
        ShortReason::Later => "later".into(),
        ShortReason::Dispute(d) => d.as_str().into(),
    })
}

pub fn online_out(p: &OnlinePayment, disputes: &[Dispute]) -> OnlinePaymentOut {
    let (payment_id, code, message) = match &p.state {
        OnlineState::Succeeded { payment_id } => (Some(payment_id.0), None, None),
        OnlineState::Failed { code, message } => (None, Some(code.clone()), Some(message.clone())),
        OnlineState::Reversed {
            payment_id,
            code,
            message,
        } => (Some(payment_id.0), Some(code.clone()), Some(message.clone())),
        _ => (None, None, None),
    };
    OnlinePaymentOut {
        id: p.id.0,
        number: p.number.clone(),
        account_id: p.account_id.0,
        state: p.state.as_str().into(),
        amount: p.amount.into(),
        to_credit: p.to_credit.into(),
        method: p.method_label.clone(),
        allocations: p
            .allocations
            .iter()
            .map(|a| PaymentAllocationOut {
                invoice_id: a.invoice_id.0,
                invoice_number: a.invoice_number.clone(),
                amount: a.amount.into(),
                short_reason: short_str(&a.short),
            })
            .collect(),
        payment_id,
        failure_code: code,
        failure_message: message,
        autopay: p.autopay,
        provider: p.provider.clone(),
        created_by: p.created_by.clone(),
        created_at: ts(p.created_at),
        updated_at: ts(p.updated_at),
        disputes: disputes.iter().map(dispute_out).collect(),
    }
}

fn pay_status(o: &PayOutcome) -> StatusCode {
    if o.payment.value.state.as_str() == "failed" {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    }
}

fn disputed_lines(
    lines: &[DisputedLineIn],
    currency_of: Option<aftercart_domain::money::Currency>,
    prefix: &str,
) -> Result<Vec<DisputedLine>, ApiError> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let quantity = l
            .quantity
            .map(|q| qty(q, &format!("{prefix}lines[{i}].quantity")))
            .transpose()?;
        let amount = match &l.amount {
            Some(m) => m.parse(&format!("{prefix}lines[{i}].amount"))?,
            None => aftercart_domain::money::Money::zero(match currency_of {
                Some(c) => c,
                None => aftercart_domain::money::Currency::parse("USD", "currency")?,
            }),
        };
        out.push(DisputedLine {
            invoice_line: l.invoice_line,
            quantity,
            amount,
        });
    }
    Ok(out)
}

/// Pays invoices online with a saved method. A card answers at once (201 `succeeded`, or 200
/// `failed` with the provider's reason); a bank debit is `processing` until the provider's
/// webhook says it settled or failed. Nothing is applied to an invoice before the provider
/// confirms the money.
#[utoipa::path(post, path = "/api/v1/payments/online", tag = "receivables", request_body = PayIn,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = OnlinePaymentOut), (status = 200, body = OnlinePaymentOut), (status = 422, body = Problem), (status = 503, body = Problem), (status = 409, body = Problem)))]
pub async fn pay_online(State(st): State<ApiState>, cmd: Command<PayIn>) -> ApiResult<Response> {
    let b = &cmd.body;
    let mut invoices = Vec::new();
    for (i, r) in b.invoices.iter().enumerate() {
        let amount = r.amount.parse(&format!("invoices[{i}].amount"))?;
        let short = r
            .short_reason
            .as_ref()
            .map(|s| ShortReason::parse(s, &format!("invoices[{i}].short_reason")))
            .transpose()?;
        invoices.push(PayRequest {
            invoice_id: InvoiceId(r.invoice_id),
            amount,
            short,
            detail: ShortPayDetail {
                lines: disputed_lines(&r.lines, Some(amount.currency()), &format!("invoices[{i}]."))?,
                shipment_id: r.shipment_id.map(Into::into),
                return_id: r.return_id.map(Into::into),
                message: r.message.as_ref().map(|m| m.to_string()),
            },
        });
    }
    let input = PayInput {
        account_id: AccountId(b.account_id),
        method_id: SavedMethodId(b.method_id),
        invoices,
        excess_to_credit: b.excess_to_credit,
    };
    let out = st
        .app
        .pay_invoices(&cmd.ctx, &input, |o| {
            stored(pay_status(o), &online_out(&o.payment.value, &o.disputes))
        })
        .await?;
    Ok(respond(
        pay_status(&out),
        &online_out(&out.payment.value, &out.disputes),
        None,
    ))
}

#[utoipa::path(get, path = "/api/v1/payments/online", tag = "receivables", params(ListParams),
    responses((status = 200, body = PageDto<OnlinePaymentOut>), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn list_online(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    let p = st.app.list_online_payments(&ctx, &q.filter()?).await?;
    Ok(respond(
        StatusCode::OK,
        &page(p, |v: &Versioned<OnlinePayment>| online_out(&v.value, &[])),
        None,
    ))
}

#[utoipa::path(get, path = "/api/v1/payments/online/{id}", tag = "receivables", params(("id" = Uuid, Path)),
    responses((status = 200, body = OnlinePaymentOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn get_online(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.online_payment(&ctx, OnlinePaymentId(id)).await?;
    Ok(respond(StatusCode::OK, &online_out(&v.value, &[]), Some(v.version)))
}

/// The payment provider's webhook (Stripe's `Stripe-Signature` scheme), verified on the raw
/// body; a bad signature is refused and changes nothing. Events are handled once each.
#[utoipa::path(post, path = "/api/v1/payments/provider-webhook", tag = "receivables",
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn provider_webhook(State(st): State<ApiState>, req: axum::extract::Request) -> ApiResult<Response> {
    let headers: HeaderMap = req.headers().clone();
    let body: Bytes = axum::body::to_bytes(req.into_body(), crate::extract::MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::payload_too_large(crate::extract::MAX_BODY_BYTES))?;
    let sig = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
    st.app.provider_webhook(sig, &body).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------------------------------------------------------------------------------------------
// Disputes
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeLineOut {
    /// 0: the invoice as a whole.
    pub invoice_line: u32,
    pub quantity: Option<u32>,
    pub amount: MoneyDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeMessageOut {
    pub author: String,
    pub staff: bool,
    pub text: String,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeOut {
    pub id: Uuid,
    pub number: String,
    pub account_id: Uuid,
    pub invoice_id: Uuid,
    pub invoice_number: String,
    pub reason: String,
    pub amount: MoneyDto,
    pub lines: Vec<DisputeLineOut>,
    pub shipment_id: Option<Uuid>,
    pub return_id: Option<Uuid>,
    /// open or resolved
    pub status: String,
    /// credited, corrected or rejected
    pub outcome: Option<String>,
    pub credit_memo_id: Option<Uuid>,
    pub corrected_invoice_id: Option<Uuid>,
    pub resolution_note: Option<String>,
    pub opened_by: String,
    pub opened_at: String,
    pub messages: Vec<DisputeMessageOut>,
}

pub fn dispute_out(d: &Dispute) -> DisputeOut {
    let (outcome, memo, corrected, note) = match d.resolution.as_ref().map(|r| &r.outcome) {
        Some(Outcome::Credited {
            credit_memo_id,
            number,
            amount,
        }) => (
            Some("credited"),
            Some(credit_memo_id.0),
            None,
            Some(format!("credit memo {number} for {amount}")),
        ),
        Some(Outcome::Corrected {
            invoice_id,
            number,
            credit_memo_id,
        }) => (
            Some("corrected"),
            Some(credit_memo_id.0),
            Some(invoice_id.0),
            Some(format!("replaced by {number}")),
        ),
        Some(Outcome::Rejected { reason }) => (Some("rejected"), None, None, Some(reason.clone())),
        None => (None, None, None, None),
    };
    DisputeOut {
        id: d.id.0,
        number: d.number.clone(),
        account_id: d.account_id.0,
        invoice_id: d.invoice_id.0,
        invoice_number: d.invoice_number.clone(),
        reason: d.reason.as_str().into(),
        amount: d.amount().into(),
        lines: d
            .lines
            .iter()
            .map(|l| DisputeLineOut {
                invoice_line: l.invoice_line,
                quantity: l.quantity.map(|q| q.get()),
                amount: l.amount.into(),
            })
            .collect(),
        shipment_id: d.shipment_id.map(|s| s.0),
        return_id: d.return_id.map(|r| r.0),
        status: if d.is_open() { "open".into() } else { "resolved".into() },
        outcome: outcome.map(str::to_owned),
        credit_memo_id: memo,
        corrected_invoice_id: corrected,
        resolution_note: note,
        opened_by: d.opened_by.clone(),
        opened_at: ts(d.opened_at),
        messages: d
            .messages
            .iter()
            .map(|m| DisputeMessageOut {
                author: m.author.clone(),
                staff: m.staff,
                text: m.text.clone(),
                at: ts(m.at),
            })
            .collect(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeIn {
    pub invoice_id: Uuid,
    /// damaged, short_shipped, price_differs, not_received or duplicate
    pub reason: Code,
    #[serde(default)]
    pub lines: Vec<DisputedLineIn>,
    /// The amount in dispute when no lines are named (or their sum, which must agree).
    pub amount: Option<MoneyDto>,
    pub shipment_id: Option<Uuid>,
    pub return_id: Option<Uuid>,
    pub message: FreeText,
}

#[utoipa::path(post, path = "/api/v1/disputes", tag = "receivables", request_body = DisputeIn,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = DisputeOut), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn open_dispute(State(st): State<ApiState>, cmd: Command<DisputeIn>) -> ApiResult<Response> {
    let b = &cmd.body;
    let amount = b.amount.as_ref().map(|m| m.parse("amount")).transpose()?;
    let input = OpenDispute {
        invoice_id: InvoiceId(b.invoice_id),
        reason: DisputeReason::parse(&b.reason, "reason")?,
        lines: disputed_lines(&b.lines, amount.map(|m| m.currency()), "")?,
        amount,
        shipment_id: b.shipment_id.map(Into::into),
        return_id: b.return_id.map(Into::into),
        message: b.message.to_string(),
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_open_dispute(ctx, &input),
            |v| stored(StatusCode::CREATED, &dispute_out(&v.value)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &dispute_out(&v.value), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/disputes", tag = "receivables", params(ListParams),
    responses((status = 200, body = PageDto<DisputeOut>), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn list_disputes(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    let p = st.app.list_disputes(&ctx, &q.filter()?).await?;
    Ok(respond(
        StatusCode::OK,
        &page(p, |v: &Versioned<Dispute>| dispute_out(&v.value)),
        None,
    ))
}

#[utoipa::path(get, path = "/api/v1/disputes/{id}", tag = "receivables", params(("id" = Uuid, Path)),
    responses((status = 200, body = DisputeOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn get_dispute(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.dispute(&ctx, DisputeId(id)).await?;
    Ok(respond(StatusCode::OK, &dispute_out(&v.value), Some(v.version)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeMessageIn {
    pub text: FreeText,
}

#[utoipa::path(post, path = "/api/v1/disputes/{id}/messages", tag = "receivables", params(("id" = Uuid, Path)),
    request_body = DisputeMessageIn,
    responses((status = 200, body = DisputeOut), (status = 404, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn post_dispute_message(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<DisputeMessageIn>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let text = cmd.body.text.to_string();
    let v = app
        .execute(
            ctx,
            || app.plan_dispute_message(ctx, DisputeId(id), &text),
            |v| stored(StatusCode::OK, &dispute_out(&v.value)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &dispute_out(&v.value), Some(v.version)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectedLineIn {
    pub invoice_line: u32,
    /// 0 removes the line from the corrected invoice.
    pub quantity: i64,
    pub unit_price: MoneyDto,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolutionIn {
    /// credit (a credit memo for `amount`), correct (a corrected invoice with `lines`) or reject
    /// (with `reason`)
    pub outcome: Code,
    pub amount: Option<MoneyDto>,
    #[serde(default)]
    pub lines: Vec<CorrectedLineIn>,
    pub reason: Option<FreeText>,
}

#[utoipa::path(post, path = "/api/v1/disputes/{id}/resolution", tag = "receivables", params(("id" = Uuid, Path)),
    request_body = ResolutionIn,
    responses((status = 200, body = DisputeOut), (status = 404, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn resolve_dispute(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ResolutionIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let how = match b.outcome.as_str() {
        "credit" => Resolve::Credit {
            amount: b
                .amount
                .as_ref()
                .ok_or_else(|| ApiError::invalid("amount", "give the amount to credit"))?
                .parse("amount")?,
        },
        "correct" => {
            if b.lines.is_empty() {
                return Err(ApiError::invalid("lines", "give the corrected lines"));
            }
            let mut lines = Vec::new();
            for (i, l) in b.lines.iter().enumerate() {
                let q = aftercart_domain::quantity::Qty::non_negative(l.quantity, &format!("lines[{i}].quantity"))?;
                lines.push((
                    l.invoice_line,
                    q,
                    l.unit_price.parse(&format!("lines[{i}].unit_price"))?,
                ));
            }
            Resolve::Correct { lines }
        }
        "reject" => Resolve::Reject {
            reason: b.reason.as_ref().map(|r| r.to_string()).unwrap_or_default(),
        },
        _ => return Err(ApiError::invalid("outcome", "one of credit, correct, reject")),
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_resolve_dispute(ctx, DisputeId(id), &how),
            |v| stored(StatusCode::OK, &dispute_out(&v.value)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &dispute_out(&v.value), Some(v.version)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionOut {
    pub invoice_line: u32,
    pub reason: String,
    pub quantity: Option<u32>,
    pub amount: MoneyDto,
    pub shipment_id: Option<Uuid>,
    /// "billed 100, shipped 60"
    pub explanation: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionsOut {
    pub invoice_id: Uuid,
    pub items: Vec<SuggestionOut>,
    pub disputes: Vec<DisputeOut>,
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}/dispute-suggestions", tag = "receivables", params(("id" = Uuid, Path)),
    responses((status = 200, body = SuggestionsOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn dispute_suggestions(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let items = st.app.dispute_suggestions(&ctx, InvoiceId(id)).await?;
    let disputes = st.app.invoice_disputes(&ctx, InvoiceId(id)).await?;
    let body = SuggestionsOut {
        invoice_id: id,
        items: items
            .iter()
            .map(|s| SuggestionOut {
                invoice_line: s.invoice_line,
                reason: s.reason.as_str().into(),
                quantity: s.quantity.map(|q| q.get()),
                amount: s.amount.into(),
                shipment_id: s.shipment_id.map(|x| x.0),
                explanation: s.explanation.clone(),
            })
            .collect(),
        disputes: disputes.iter().map(|d| dispute_out(&d.value)).collect(),
    };
    Ok(respond(StatusCode::OK, &body, None))
}

// ---------------------------------------------------------------------------------------------
// Account credit, statements, aging, documents
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyCreditIn {
    /// payment (an overpayment or payment on account) or credit_memo (issued on account)
    pub source: Code,
    pub source_id: Uuid,
    pub amount: MoneyDto,
}

#[utoipa::path(post, path = "/api/v1/invoices/{id}/apply-credit", tag = "receivables", params(("id" = Uuid, Path)),
    request_body = ApplyCreditIn,
    responses((status = 200, body = super::billing::InvoiceOut), (status = 404, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn apply_credit(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ApplyCreditIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let source = match b.source.as_str() {
        "payment" => CreditSource::Payment(PaymentId(b.source_id)),
        "credit_memo" => CreditSource::CreditMemo(CreditMemoId(b.source_id)),
        _ => return Err(ApiError::invalid("source", "payment or credit_memo")),
    };
    let amount = b.amount.parse("amount")?;
    let (app, ctx) = (&st.app, &cmd.ctx);
    let t = today(&st);
    let v = app
        .execute(
            ctx,
            || app.plan_apply_credit(ctx, source, InvoiceId(id), amount),
            |v| stored(StatusCode::OK, &super::billing::InvoiceOut::new(&v.value, v.version, t)),
        )
        .await?;
    Ok(respond(
        StatusCode::OK,
        &super::billing::InvoiceOut::new(&v.value, v.version, t),
        Some(v.version),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementParams {
    /// First day, YYYY-MM-DD (default: the first of this month).
    pub from: Option<Code>,
    /// Last day, YYYY-MM-DD (default: today).
    pub to: Option<Code>,
    /// json (default), pdf or csv
    pub format: Option<Code>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementItemOut {
    pub date: String,
    /// invoice, credit_memo, payment or payment_reversed
    pub kind: String,
    pub reference: String,
    pub description: String,
    pub debit: MoneyDto,
    pub credit: MoneyDto,
    pub balance: MoneyDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpenItemOut {
    pub invoice_id: Uuid,
    pub number: String,
    pub due_on: String,
    pub balance: MoneyDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementOut {
    pub account_id: Uuid,
    pub from: String,
    pub to: String,
    pub opening_balance: MoneyDto,
    pub items: Vec<StatementItemOut>,
    pub total_debits: MoneyDto,
    pub total_credits: MoneyDto,
    pub closing_balance: MoneyDto,
    pub open_items: Vec<OpenItemOut>,
    pub unapplied_cash: MoneyDto,
}

fn statement_out(account: AccountId, s: &Statement) -> StatementOut {
    StatementOut {
        account_id: account.0,
        from: d(s.from),
        to: d(s.to),
        opening_balance: s.opening_balance.into(),
        items: s
            .items
            .iter()
            .map(|i| StatementItemOut {
                date: d(i.date),
                kind: i.kind.as_str().into(),
                reference: i.reference.clone(),
                description: i.description.clone(),
                debit: i.debit.into(),
                credit: i.credit.into(),
                balance: i.balance.into(),
            })
            .collect(),
        total_debits: s.total_debits.into(),
        total_credits: s.total_credits.into(),
        closing_balance: s.closing_balance.into(),
        open_items: s
            .open_items
            .iter()
            .map(|o| OpenItemOut {
                invoice_id: o.invoice_id.0,
                number: o.number.clone(),
                due_on: d(o.due_on),
                balance: o.balance.into(),
            })
            .collect(),
        unapplied_cash: s.unapplied_cash.into(),
    }
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/statement", tag = "receivables", params(("id" = Uuid, Path), StatementParams),
    responses((status = 200, description = "The statement: JSON by default, `format=pdf` or `format=csv` for the documents",
            content((StatementOut = "application/json"), (Vec<u8> = "application/pdf"), (String = "text/csv"))),
        (status = 404, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn statement(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
    QueryParams(q): QueryParams<StatementParams>,
) -> ApiResult<Response> {
    let t = today(&st);
    let from = date(&q.from, "from")?.unwrap_or_else(|| t.replace_day(1).unwrap_or(t));
    let to = date(&q.to, "to")?.unwrap_or(t);
    let account = AccountId(id);
    match q.format.as_deref().unwrap_or("json") {
        "json" => {
            let (_, s) = st.app.statement(&ctx, account, from, to).await?;
            Ok(respond(StatusCode::OK, &statement_out(account, &s), None))
        }
        "pdf" => {
            let (name, bytes) = st.app.statement_pdf(&ctx, account, from, to).await?;
            Ok(file("application/pdf", &name, bytes))
        }
        "csv" => {
            let (name, text) = st.app.statement_csv(&ctx, account, from, to).await?;
            Ok(file("text/csv; charset=utf-8", &name, text.into_bytes()))
        }
        _ => Err(ApiError::invalid("format", "json, pdf or csv")),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgingOut {
    pub account_id: Option<Uuid>,
    pub current: MoneyDto,
    pub days_1_30: MoneyDto,
    pub days_31_60: MoneyDto,
    pub days_61_90: MoneyDto,
    pub days_90_plus: MoneyDto,
    pub total: MoneyDto,
    pub invoices: u64,
}

fn aging_out(account: Option<AccountId>, a: &Aging) -> AgingOut {
    AgingOut {
        account_id: account.map(|x| x.0),
        current: a.get(Bucket::Current).into(),
        days_1_30: a.get(Bucket::Days1To30).into(),
        days_31_60: a.get(Bucket::Days31To60).into(),
        days_61_90: a.get(Bucket::Days61To90).into(),
        days_90_plus: a.get(Bucket::Over90).into(),
        total: a.total.into(),
        invoices: a.invoices,
    }
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/aging", tag = "receivables", params(("id" = Uuid, Path)),
    responses((status = 200, body = AgingOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn account_aging(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let a = st.app.account_aging(&ctx, AccountId(id)).await?;
    Ok(respond(StatusCode::OK, &aging_out(Some(AccountId(id)), &a), None))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BookAgingOut {
    pub total: AgingOut,
    pub accounts: Vec<AgingOut>,
    /// Days sales outstanding over the last 90 days.
    pub dso_days: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/reports/aging", tag = "receivables",
    responses((status = 200, body = BookAgingOut), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn book_aging(State(st): State<ApiState>, Caller(ctx): Caller) -> ApiResult<Response> {
    let b = st.app.book_aging(&ctx).await?;
    let body = BookAgingOut {
        total: aging_out(None, &b.total),
        accounts: b
            .accounts
            .iter()
            .map(|a| aging_out(Some(a.account_id), &a.aging))
            .collect(),
        dso_days: b.dso_tenths.map(|t| format!("{}.{}", t / 10, t % 10)),
    };
    Ok(respond(StatusCode::OK, &body, None))
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}/pdf", tag = "receivables", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn invoice_pdf(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let (name, bytes) = st.app.invoice_pdf(&ctx, InvoiceId(id)).await?;
    Ok(file("application/pdf", &name, bytes))
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}/ubl", tag = "receivables", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/xml", body = String), (status = 404, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn invoice_ubl(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let (name, xml) = st.app.invoice_ubl(&ctx, InvoiceId(id)).await?;
    Ok(file("application/xml", &name, xml.into_bytes()))
}

#[utoipa::path(get, path = "/api/v1/credit-memos/{id}/pdf", tag = "receivables", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn credit_memo_pdf(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let (name, bytes) = st.app.credit_memo_pdf(&ctx, CreditMemoId(id)).await?;
    Ok(file("application/pdf", &name, bytes))
}

#[utoipa::path(get, path = "/api/v1/credit-memos/{id}/ubl", tag = "receivables", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/xml", body = String), (status = 404, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn credit_memo_ubl(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let (name, xml) = st.app.credit_memo_ubl(&ctx, CreditMemoId(id)).await?;
    Ok(file("application/xml", &name, xml.into_bytes()))
}

// ---------------------------------------------------------------------------------------------
// The seller's finance work
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankStatementIn {
    pub file_name: Option<Name>,
    /// The file's text: ISO 20022 camt.053 XML or a bank CSV export.
    pub content: crate::dto::FileText,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppliedReceiptOut {
    pub line: usize,
    pub payment_id: Uuid,
    pub account_id: Uuid,
    /// remittance_reference, invoice_numbers or exact_amount
    pub rule: String,
    pub amount: MoneyDto,
    pub invoices: Vec<String>,
    /// Kept on the account as credit.
    pub excess: MoneyDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BankImportOut {
    pub id: Uuid,
    pub number: String,
    pub file_name: Option<String>,
    pub format: String,
    pub entries: usize,
    pub debits_skipped: usize,
    pub duplicates: usize,
    pub applied: Vec<AppliedReceiptOut>,
    pub unapplied: Vec<Uuid>,
    pub by: String,
    pub at: String,
}

fn import_out(i: &BankImport) -> BankImportOut {
    BankImportOut {
        id: i.id.0,
        number: i.number.clone(),
        file_name: i.file_name.clone(),
        format: i.format.clone(),
        entries: i.entries,
        debits_skipped: i.debits_skipped,
        duplicates: i.duplicates,
        applied: i
            .applied
            .iter()
            .map(|a| AppliedReceiptOut {
                line: a.line,
                payment_id: a.payment_id.0,
                account_id: a.account_id.0,
                rule: a.rule.clone(),
                amount: a.amount.into(),
                invoices: a.invoices.clone(),
                excess: a.excess.into(),
            })
            .collect(),
        unapplied: i.unapplied.iter().map(|u| u.0).collect(),
        by: i.by.clone(),
        at: ts(i.at),
    }
}

#[utoipa::path(post, path = "/api/v1/bank-statements", tag = "receivables", request_body = BankStatementIn,
    responses((status = 201, body = BankImportOut), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn import_bank_statement(State(st): State<ApiState>, cmd: Command<BankStatementIn>) -> ApiResult<Response> {
    let v = st
        .app
        .import_bank_statement(&cmd.ctx, cmd.body.content.as_bytes(), cmd.body.file_name.as_deref())
        .await?;
    let out = import_out(&v.value);
    if cmd.ctx.idempotency.is_some() {
        let (s, b) = stored(StatusCode::CREATED, &out);
        st.app.record_response(&cmd.ctx, s, b).await?;
    }
    Ok(respond(StatusCode::CREATED, &out, None))
}

#[utoipa::path(get, path = "/api/v1/bank-statements", tag = "receivables", params(ListParams),
    responses((status = 200, body = PageDto<BankImportOut>), (status = 409, body = Problem)))]
pub async fn list_bank_statements(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    let p = st.app.list_bank_imports(&ctx, &q.filter()?).await?;
    Ok(respond(
        StatusCode::OK,
        &page(p, |v: &Versioned<BankImport>| import_out(&v.value)),
        None,
    ))
}

#[utoipa::path(get, path = "/api/v1/bank-statements/{id}", tag = "receivables", params(("id" = Uuid, Path)),
    responses((status = 200, body = BankImportOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn get_bank_statement(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.bank_import(&ctx, BankImportId(id)).await?;
    Ok(respond(StatusCode::OK, &import_out(&v.value), None))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BankReceiptOut {
    pub id: Uuid,
    pub import_id: Uuid,
    pub line: usize,
    pub amount: MoneyDto,
    pub booked_on: String,
    pub bank_reference: Option<String>,
    pub payer_name: Option<String>,
    pub text: Vec<String>,
    /// Why no rule applied it.
    pub reason: String,
    /// open or applied
    pub state: String,
    pub payment_id: Option<Uuid>,
    pub version: i64,
}

fn receipt_out(v: &Versioned<UnappliedReceipt>) -> BankReceiptOut {
    let r = &v.value;
    BankReceiptOut {
        id: r.id.0,
        import_id: r.import_id.0,
        line: r.line,
        amount: r.amount.into(),
        booked_on: d(r.booked_on),
        bank_reference: r.bank_reference.clone(),
        payer_name: r.payer_name.clone(),
        text: r.text.clone(),
        reason: r.reason.clone(),
        state: match r.state {
            ReceiptState::Open => "open".into(),
            ReceiptState::Applied { .. } => "applied".into(),
        },
        payment_id: match &r.state {
            ReceiptState::Applied { payment_id, .. } => Some(payment_id.0),
            ReceiptState::Open => None,
        },
        version: v.version,
    }
}

#[utoipa::path(get, path = "/api/v1/unapplied-receipts", tag = "receivables", params(ListParams),
    responses((status = 200, body = PageDto<BankReceiptOut>), (status = 409, body = Problem)))]
pub async fn list_receipts(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    let p = st.app.unapplied_receipts(&ctx, &q.filter()?).await?;
    Ok(respond(StatusCode::OK, &page(p, receipt_out), None))
}

#[utoipa::path(get, path = "/api/v1/unapplied-receipts/{id}", tag = "receivables", params(("id" = Uuid, Path)),
    responses((status = 200, body = BankReceiptOut), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn get_receipt(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.unapplied_receipt(&ctx, UnappliedReceiptId(id)).await?;
    Ok(respond(StatusCode::OK, &receipt_out(&v), Some(v.version)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationIn {
    pub invoice_id: Uuid,
    pub amount: MoneyDto,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyReceiptIn {
    pub account_id: Uuid,
    /// May be empty: the whole receipt then stays on the account as credit.
    #[serde(default)]
    pub applications: Vec<ApplicationIn>,
}

#[utoipa::path(post, path = "/api/v1/unapplied-receipts/{id}/apply", tag = "receivables", params(("id" = Uuid, Path)),
    request_body = ApplyReceiptIn,
    responses((status = 201, body = super::billing::PaymentOut), (status = 404, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn apply_receipt(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<ApplyReceiptIn>,
) -> ApiResult<Response> {
    let mut apps = Vec::new();
    for (i, a) in cmd.body.applications.iter().enumerate() {
        apps.push(PaymentApplication {
            invoice_id: InvoiceId(a.invoice_id),
            amount: a.amount.parse(&format!("applications[{i}].amount"))?,
        });
    }
    let (app, ctx) = (&st.app, &cmd.ctx);
    let account = AccountId(cmd.body.account_id);
    let v = app
        .execute(
            ctx,
            || app.plan_apply_receipt(ctx, UnappliedReceiptId(id), account, &apps),
            |v| stored(StatusCode::CREATED, &super::billing::payment_out(&v.value)),
        )
        .await?;
    Ok(respond(
        StatusCode::CREATED,
        &super::billing::payment_out(&v.value),
        None,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditHoldOut {
    pub order_id: Uuid,
    pub order_number: String,
    pub account_id: Uuid,
    pub placed_at: String,
    pub limit: MoneyDto,
    pub exposure: MoneyDto,
    pub order_total: MoneyDto,
    pub reason: String,
    pub version: i64,
}

#[utoipa::path(get, path = "/api/v1/credit-holds", tag = "receivables",
    responses((status = 200, body = Vec<CreditHoldOut>), (status = 409, body = Problem)))]
pub async fn list_credit_holds(State(st): State<ApiState>, Caller(ctx): Caller) -> ApiResult<Response> {
    let held = st.app.credit_holds(&ctx).await?;
    let body: Vec<CreditHoldOut> = held
        .iter()
        .filter_map(|o| {
            let h = o.value.credit_hold.as_ref()?;
            Some(CreditHoldOut {
                order_id: o.value.id.0,
                order_number: o.value.number.clone(),
                account_id: o.value.account_id.0,
                placed_at: ts(o.value.placed_at),
                limit: h.limit.into(),
                exposure: h.exposure.into(),
                order_total: h.order_total.into(),
                reason: h.reason(),
                version: o.version,
            })
        })
        .collect();
    Ok(respond(StatusCode::OK, &body, None))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditDecisionIn {
    pub release: bool,
    /// Required to reject: the buyer reads it.
    pub note: Option<FreeText>,
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/credit-decision", tag = "receivables", params(("id" = Uuid, Path)),
    request_body = CreditDecisionIn,
    responses((status = 200, body = super::orders::OrderOut), (status = 404, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn credit_decision(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<CreditDecisionIn>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let note = cmd.body.note.as_ref().map(|n| n.to_string());
    let release = cmd.body.release;
    let v = app
        .execute(
            ctx,
            || app.plan_credit_decision(ctx, OrderId(id), release, note.clone()),
            |v| super::order_changed_stored(ctx, v),
        )
        .await?;
    Ok(super::order_changed(ctx, &v))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AddressDto {
    pub lines: Vec<FreeText>,
    pub city: Name,
    pub postal_code: Option<Ident>,
    pub subdivision: Option<Name>,
    /// ISO 3166-1 alpha-2.
    pub country: Code,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SellerProfileDto {
    pub legal_name: Name,
    pub address: AddressDto,
    pub tax_id: Option<Ident>,
    pub company_id: Option<Ident>,
    pub einvoice_scheme: Option<Code>,
    pub einvoice_id: Option<Ident>,
    pub email: Option<crate::dto::Email>,
    pub bank_name: Option<Name>,
    pub account_name: Option<Name>,
    pub iban: Option<Ident>,
    pub bic: Option<Ident>,
    pub routing_number: Option<Ident>,
    pub account_number: Option<Ident>,
}

fn o<T: From<String>>(s: &Option<String>) -> Option<T> {
    s.clone().map(Into::into)
}

fn seller_out(p: &SellerProfile) -> SellerProfileDto {
    SellerProfileDto {
        legal_name: p.legal_name.clone().into(),
        address: AddressDto {
            lines: p.address.lines.iter().map(|l| l.clone().into()).collect(),
            city: p.address.city.clone().into(),
            postal_code: o(&p.address.postal_code),
            subdivision: o(&p.address.subdivision),
            country: p.address.country.clone().into(),
        },
        tax_id: o(&p.tax_id),
        company_id: o(&p.company_id),
        einvoice_scheme: p.einvoice.as_ref().map(|e| e.scheme.clone().into()),
        einvoice_id: p.einvoice.as_ref().map(|e| e.id.clone().into()),
        email: o(&p.email),
        bank_name: o(&p.bank_name),
        account_name: o(&p.account_name),
        iban: o(&p.iban),
        bic: o(&p.bic),
        routing_number: o(&p.routing_number),
        account_number: o(&p.account_number),
    }
}

#[utoipa::path(get, path = "/api/v1/seller-profile", tag = "receivables",
    responses((status = 200, body = SellerProfileDto), (status = 409, body = Problem)))]
pub async fn get_seller_profile(State(st): State<ApiState>, Caller(_ctx): Caller) -> ApiResult<Response> {
    let p = st.app.seller_profile().await?;
    Ok(respond(StatusCode::OK, &seller_out(&p), None))
}

#[utoipa::path(put, path = "/api/v1/seller-profile", tag = "receivables", request_body = SellerProfileDto,
    responses((status = 200, body = SellerProfileDto), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn set_seller_profile(State(st): State<ApiState>, cmd: Command<SellerProfileDto>) -> ApiResult<Response> {
    let b = &cmd.body;
    let s = |v: &Option<Ident>| v.as_ref().map(|x| x.to_string());
    let einvoice = match (&b.einvoice_scheme, &b.einvoice_id) {
        (Some(sc), Some(id)) => Some(EInvoiceAddress {
            scheme: sc.to_string(),
            id: id.to_string(),
        }),
        (None, None) => None,
        _ => {
            return Err(ApiError::invalid(
                "einvoice_id",
                "give both einvoice_scheme and einvoice_id, or neither",
            ));
        }
    };
    let p = SellerProfile {
        legal_name: b.legal_name.to_string(),
        address: PostalAddress {
            lines: b.address.lines.iter().map(|l| l.to_string()).collect(),
            city: b.address.city.to_string(),
            postal_code: s(&b.address.postal_code),
            subdivision: b.address.subdivision.as_ref().map(|x| x.to_string()),
            country: b.address.country.to_string(),
        },
        tax_id: s(&b.tax_id),
        company_id: s(&b.company_id),
        einvoice,
        email: b.email.as_ref().map(|e| e.to_string()),
        bank_name: b.bank_name.as_ref().map(|x| x.to_string()),
        account_name: b.account_name.as_ref().map(|x| x.to_string()),
        iban: s(&b.iban),
        bic: s(&b.bic),
        routing_number: s(&b.routing_number),
        account_number: s(&b.account_number),
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_set_seller_profile(ctx, &p),
            |v| stored(StatusCode::OK, &seller_out(v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &seller_out(&v), None))
}
