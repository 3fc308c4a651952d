//! Spend reporting for the portal's charts: an account's spend by location, cost centre,
//! category or month, on what was ordered or what was invoiced.

use super::respond;
use crate::ApiState;
use crate::dto::{Code, MoneyDto, d, date};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, PathParam, QueryParams};
use aftercart_app::{SpendBasis, SpendGroup, SpendReport};
use aftercart_domain::ids::AccountId;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SpendParams {
    /// location, cost_centre, category or month (required).
    pub group_by: Option<Code>,
    /// ordered (default: unit price × quantity net of cancellations, by order date) or invoiced
    /// (invoice line amounts before tax and freight, by issue date).
    pub basis: Option<Code>,
    /// First day included, `YYYY-MM-DD`.
    pub from: Option<Code>,
    /// Last day included, `YYYY-MM-DD`.
    pub to: Option<Code>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpendGroupOut {
    /// A location id, the cost centre, the category, or `YYYY-MM`; `none` for lines without a
    /// cost centre or category.
    pub key: String,
    /// What to print on the chart: the location's name, the cost centre, the category, the month.
    pub label: String,
    pub amount: MoneyDto,
    /// Orders (ordered basis) or invoices (invoiced basis) in this group.
    pub count: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SpendOut {
    pub account_id: Uuid,
    pub currency: String,
    pub group_by: String,
    pub basis: String,
    /// What `count` counts: orders or invoices.
    pub counted: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub total: MoneyDto,
    /// Largest first; by month, oldest first.
    pub groups: Vec<SpendGroupOut>,
}

fn out(r: &SpendReport) -> SpendOut {
    SpendOut {
        account_id: r.account_id.0,
        currency: r.currency.code().to_owned(),
        group_by: r.group_by.as_str().to_owned(),
        basis: r.basis.as_str().to_owned(),
        counted: match r.basis {
            SpendBasis::Ordered => "orders",
            SpendBasis::Invoiced => "invoices",
        }
        .to_owned(),
        from: r.from.map(d),
        to: r.to.map(d),
        total: r.total.into(),
        groups: r
            .groups
            .iter()
            .map(|g| SpendGroupOut {
                key: g.key.clone(),
                label: g.label.clone(),
                amount: g.amount.into(),
                count: g.count,
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/spend", tag = "reports", params(("id" = Uuid, Path), SpendParams),
    responses((status = 200, body = SpendOut), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn spend(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
    QueryParams(q): QueryParams<SpendParams>,
) -> ApiResult<Response> {
    let group_by = match q.group_by.as_deref() {
        Some("location") => SpendGroup::Location,
        Some("cost_centre") => SpendGroup::CostCentre,
        Some("category") => SpendGroup::Category,
        Some("month") => SpendGroup::Month,
        Some(o) => {
            return Err(ApiError::invalid(
                "group_by",
                format!("'{o}' is not one of location, cost_centre, category, month"),
            ));
        }
        None => {
            return Err(ApiError::invalid(
                "group_by",
                "give group_by: location, cost_centre, category or month",
            ));
        }
    };
    let basis = match q.basis.as_deref() {
        None | Some("ordered") => SpendBasis::Ordered,
        Some("invoiced") => SpendBasis::Invoiced,
        Some(o) => {
            return Err(ApiError::invalid(
                "basis",
                format!("'{o}' is not one of ordered, invoiced"),
            ));
        }
    };
    let from = date(&q.from, "from")?;
    let to = date(&q.to, "to")?;
    let r = st.app.spend(&ctx, AccountId(id), group_by, from, to, basis).await?;
    Ok(respond(StatusCode::OK, &out(&r), None))
}

/// One product's post-delivery help engagement.
#[derive(Debug, Serialize, ToSchema)]
pub struct HelpEngagementOut {
    pub product_id: Uuid,
    pub product: String,
    /// Help emails sent (one per product, delivery location and delivery).
    pub sent: usize,
    /// Clicks on the help links (each counted).
    pub clicks: usize,
    /// Distinct people who opened the help.
    pub readers: usize,
    /// Customer accounts that opened the help.
    pub clicking_accounts: usize,
    /// Of those, the accounts that placed an order after first opening it.
    pub repeat_accounts: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HelpEngagementList {
    pub items: Vec<HelpEngagementOut>,
}

/// Post-delivery help, for the seller: per product, help sent, opened (through the signed links
/// in the emails: no tracking pixels), and the customers who ordered again after opening it.
#[utoipa::path(get, path = "/api/v1/reports/help-engagement", tag = "reports",
    responses((status = 200, body = HelpEngagementList), (status = 403, body = Problem)))]
pub async fn help_engagement(State(st): State<ApiState>, Caller(ctx): Caller) -> ApiResult<Response> {
    let items = st
        .app
        .help_engagement(&ctx)
        .await?
        .into_iter()
        .map(|h| HelpEngagementOut {
            product_id: h.product_id.0,
            product: h.product,
            sent: h.sent,
            clicks: h.clicks,
            readers: h.readers,
            clicking_accounts: h.clicking_accounts,
            repeat_accounts: h.repeat_accounts,
        })
        .collect();
    Ok(respond(StatusCode::OK, &HelpEngagementList { items }, None))
}
