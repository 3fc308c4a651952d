//! Customer accounts: create, read, list, update terms, locations, contract prices; open invoices
//! ("Can I pay this now?") and the account timeline.

use super::billing::{CreditMemoOut, InvoiceOut, PaymentOut, memo_out, payment_out};
use super::orders::{TimelineOut, TimelineParams, timeline_of};
use super::{page, respond, stored};
use crate::ApiState;
use crate::dto::{Code, FreeText, Ident, ListParams, MoneyDto, Name, PageDto, opt};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams};
use aftercart_app::{AccountPatch, NewAccount, NewLocation, TimelineOf, Versioned};
use aftercart_domain::account::{Account, LocationKind, PaymentTerms};
use aftercart_domain::ids::{AccountId, ProductId};
use aftercart_domain::money::{Currency, Money};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationIn {
    /// ship_to, bill_to or both
    pub kind: Code,
    pub name: Name,
    #[serde(default)]
    pub address: FreeText,
    #[serde(default)]
    pub city: Name,
    #[serde(default)]
    pub postcode: Ident,
    #[serde(default)]
    pub country: Name,
}

impl LocationIn {
    fn parse(&self, prefix: &str) -> ApiResult<NewLocation> {
        let kind = match self.kind.as_str() {
            "ship_to" => LocationKind::ShipTo,
            "bill_to" => LocationKind::BillTo,
            "both" => LocationKind::Both,
            o => {
                return Err(ApiError::invalid(
                    &format!("{prefix}kind"),
                    format!("'{o}' is not one of ship_to, bill_to, both"),
                ));
            }
        };
        Ok(NewLocation {
            kind,
            name: self.name.to_string(),
            address: self.address.to_string(),
            city: self.city.to_string(),
            postcode: self.postcode.to_string(),
            country: self.country.to_string(),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountIn {
    /// Your customer number; generated when absent.
    pub number: Option<Ident>,
    pub name: Name,
    pub currency: Code,
    /// Net payment terms in days (invoice due date = issue date + this).
    pub payment_terms_days: u16,
    pub credit_limit: MoneyDto,
    #[serde(default)]
    pub locations: Vec<LocationIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountPatchIn {
    pub name: Option<Name>,
    pub payment_terms_days: Option<u16>,
    pub credit_limit: Option<MoneyDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocationOut {
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub address: String,
    pub city: String,
    pub postcode: String,
    pub country: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractPriceOut {
    pub product_id: Uuid,
    pub unit_price: MoneyDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountOut {
    pub id: Uuid,
    pub number: String,
    pub name: String,
    pub currency: String,
    pub payment_terms_days: u16,
    pub payment_terms: String,
    pub credit_limit: MoneyDto,
    pub locations: Vec<LocationOut>,
    pub contract_prices: Vec<ContractPriceOut>,
    pub version: i64,
}

fn out(v: &Versioned<Account>) -> AccountOut {
    let a = &v.value;
    AccountOut {
        id: a.id.0,
        number: a.number.clone(),
        name: a.name.clone(),
        currency: a.currency.code().to_owned(),
        payment_terms_days: a.terms.net_days,
        payment_terms: a.terms.label(),
        credit_limit: a.credit_limit.into(),
        locations: a
            .locations
            .iter()
            .map(|l| LocationOut {
                id: l.id.0,
                kind: match l.kind {
                    LocationKind::ShipTo => "ship_to",
                    LocationKind::BillTo => "bill_to",
                    LocationKind::Both => "both",
                }
                .into(),
                name: l.name.clone(),
                address: l.address.clone(),
                city: l.city.clone(),
                postcode: l.postcode.clone(),
                country: l.country.clone(),
            })
            .collect(),
        contract_prices: a
            .contract_prices
            .iter()
            .map(|p| ContractPriceOut {
                product_id: p.product_id.0,
                unit_price: p.unit_price.into(),
            })
            .collect(),
        version: v.version,
    }
}

#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = AccountIn,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = AccountOut), (status = 422, body = Problem)))]
pub async fn create_account(State(st): State<ApiState>, cmd: Command<AccountIn>) -> ApiResult<Response> {
    let b = &cmd.body;
    let currency = Currency::parse(&b.currency, "currency")?;
    let mut locations = Vec::new();
    for (i, l) in b.locations.iter().enumerate() {
        locations.push(l.parse(&format!("locations[{i}]."))?);
    }
    let input = NewAccount {
        number: opt(&b.number),
        name: b.name.to_string(),
        currency,
        terms: PaymentTerms {
            net_days: b.payment_terms_days,
        },
        credit_limit: b.credit_limit.parse("credit_limit")?,
        locations,
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_create_account(ctx, &input),
            |v| stored(StatusCode::CREATED, &out(v)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &out(&v), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts", params(("id" = Uuid, Path)),
    responses((status = 200, body = AccountOut), (status = 404, body = Problem)))]
pub async fn get_account(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.account(&ctx, AccountId(id)).await?;
    Ok(respond(StatusCode::OK, &out(&v), Some(v.version)))
}

#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", params(ListParams),
    responses((status = 200, body = PageDto<AccountOut>)))]
pub async fn list_accounts(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<ListParams>,
) -> ApiResult<Response> {
    let p = st.app.list_accounts(&ctx, &q.filter()?).await?;
    Ok(respond(StatusCode::OK, &page(p, out), None))
}

#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "accounts", request_body = AccountPatchIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = AccountOut), (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update_account(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<AccountPatchIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let patch = AccountPatch {
        name: opt(&b.name),
        terms: b.payment_terms_days.map(|n| PaymentTerms { net_days: n }),
        credit_limit: b.credit_limit.as_ref().map(|m| m.parse("credit_limit")).transpose()?,
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_update_account(ctx, AccountId(id), &patch),
            |v| stored(StatusCode::OK, &out(v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &out(&v), Some(v.version)))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/locations", tag = "accounts", request_body = LocationIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 201, body = AccountOut), (status = 422, body = Problem)))]
pub async fn add_location(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<LocationIn>,
) -> ApiResult<Response> {
    let input = cmd.body.parse("")?;
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_add_location(ctx, AccountId(id), &input),
            |v| stored(StatusCode::CREATED, &out(v)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &out(&v), Some(v.version)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationPatchIn {
    /// ship_to, bill_to or both
    pub kind: Option<Code>,
    pub name: Option<Name>,
    pub address: Option<FreeText>,
    pub city: Option<Name>,
    pub postcode: Option<Ident>,
    pub country: Option<Name>,
}

#[utoipa::path(patch, path = "/api/v1/accounts/{id}/locations/{location_id}", tag = "accounts", request_body = LocationPatchIn,
    params(("id" = Uuid, Path), ("location_id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = AccountOut), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_location(
    State(st): State<ApiState>,
    PathParam((id, location)): PathParam<(Uuid, Uuid)>,
    cmd: Command<LocationPatchIn>,
) -> ApiResult<Response> {
    let b = &cmd.body;
    let kind = match b.kind.as_deref() {
        None => None,
        Some("ship_to") => Some(LocationKind::ShipTo),
        Some("bill_to") => Some(LocationKind::BillTo),
        Some("both") => Some(LocationKind::Both),
        Some(o) => {
            return Err(ApiError::invalid(
                "kind",
                format!("'{o}' is not one of ship_to, bill_to, both"),
            ));
        }
    };
    let patch = aftercart_domain::account::LocationPatch {
        kind,
        name: opt(&b.name),
        address: opt(&b.address),
        city: opt(&b.city),
        postcode: opt(&b.postcode),
        country: opt(&b.country),
    };
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_update_location(ctx, AccountId(id), location.into(), &patch),
            |v| stored(StatusCode::OK, &out(v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &out(&v), Some(v.version)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractPriceIn {
    pub unit_price: MoneyDto,
}

#[utoipa::path(put, path = "/api/v1/accounts/{id}/contract-prices/{product_id}", tag = "accounts", request_body = ContractPriceIn,
    params(("id" = Uuid, Path), ("product_id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = AccountOut), (status = 422, body = Problem)))]
pub async fn set_contract_price(
    State(st): State<ApiState>,
    PathParam((id, product)): PathParam<(Uuid, Uuid)>,
    cmd: Command<ContractPriceIn>,
) -> ApiResult<Response> {
    let price: Money = cmd.body.unit_price.parse("unit_price")?;
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_set_contract_price(ctx, AccountId(id), ProductId(product), price),
            |v| stored(StatusCode::OK, &out(v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &out(&v), Some(v.version)))
}

/// "Can I pay this now?" — the account's open position: every invoice with a balance (oldest due
/// first) beside the payments and credits not applied to any invoice yet, and the balance that
/// results. `balance` = `total_open` − `unapplied_payments` − `unapplied_credits`; negative when
/// the account is in credit.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenInvoicesOut {
    pub account_id: Uuid,
    pub currency: String,
    /// Sum of the open invoices' balances.
    pub total_open: MoneyDto,
    pub total_overdue: MoneyDto,
    /// Sum of the payments' unapplied remainders (overpayments, payments on account).
    pub unapplied_payments: MoneyDto,
    /// Sum of credit memos issued without an invoice (not applied to any).
    pub unapplied_credits: MoneyDto,
    /// What the account owes net of its unapplied cash and credit.
    pub balance: MoneyDto,
    pub credit_limit: MoneyDto,
    /// `credit_limit` − `balance` (never below zero).
    pub credit_available: MoneyDto,
    pub invoices: Vec<InvoiceOut>,
    /// Payments with an unapplied remainder (see each one's `unapplied`), oldest first.
    pub payments: Vec<PaymentOut>,
    /// Credit memos not applied to any invoice, oldest first.
    pub credit_memos: Vec<CreditMemoOut>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/open-invoices", tag = "accounts", params(("id" = Uuid, Path)),
    responses((status = 200, body = OpenInvoicesOut), (status = 404, body = Problem)))]
pub async fn open_invoices(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let a = st.app.open_position(&ctx, AccountId(id)).await?;
    let (account, p) = (&a.account, &a.position);
    let body = OpenInvoicesOut {
        account_id: account.id.0,
        currency: account.currency.code().to_owned(),
        total_open: p.total_open.into(),
        total_overdue: p.total_overdue.into(),
        unapplied_payments: p.unapplied_payments.into(),
        unapplied_credits: p.unapplied_credits.into(),
        balance: p.balance.into(),
        credit_limit: account.credit_limit.into(),
        credit_available: Money::from_minor(
            account.credit_limit.minor().saturating_sub(p.balance.minor()).max(0),
            account.currency,
        )
        .into(),
        invoices: a
            .invoices
            .iter()
            .map(|v| InvoiceOut::new(&v.value, v.version, a.today))
            .collect(),
        payments: a.payments.iter().map(|v| payment_out(&v.value)).collect(),
        credit_memos: a.credit_memos.iter().map(|v| memo_out(&v.value)).collect(),
    };
    Ok(respond(StatusCode::OK, &body, None))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/timeline", tag = "accounts", params(("id" = Uuid, Path), TimelineParams),
    responses((status = 200, body = TimelineOut), (status = 404, body = Problem)))]
pub async fn account_timeline(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
    QueryParams(q): QueryParams<TimelineParams>,
) -> ApiResult<Response> {
    timeline_of(&st, &ctx, TimelineOf::Account(AccountId(id)), &q).await
}
