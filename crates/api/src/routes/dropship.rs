//! The dropship network: routing rules, routing an order, a supplier rejecting a line, the
//! suppliers' stock feeds, their on-time record and the seller's settings.

use super::identity::Empty;
use super::orders::OrderOut;
use super::{respond, stored};
use crate::ApiState;
use crate::dto::{Code, FreeText, Ident, MoneyDto, Name, PageDto, money_opt, ts};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Caller, Command, PathParam, QueryParams};
use aftercart_app::Versioned;
use aftercart_app::dropship::{
    DropshipSettings, RejectAnswer, RejectInput, RejectOutcome, RouteAnswer, RuleInput, SlaAnswer,
};
use aftercart_domain::dropship::{Outcome, RoutingRule, StockRow, SupplierStock};
use aftercart_domain::ids::{FulfilmentLocationId, OrderId, RoutingRuleId};
use aftercart_domain::quantity::Qty;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Routing rules.
// ---------------------------------------------------------------------------------------------

/// Present-but-null and absent differ: `Some(None)` clears, `None` leaves as it is.
fn nullable<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingRuleIn {
    /// What the seller calls the rule ("Lamps to Acme in Texas").
    pub name: Name,
    /// Matches these SKUs exactly; absent or empty: any SKU.
    pub skus: Option<Vec<Ident>>,
    /// Matches these product categories (any letter case); absent or empty: any category.
    pub categories: Option<Vec<Name>>,
    /// Matches ship-to locations in these countries (ISO 3166 two-letter codes).
    pub countries: Option<Vec<Code>>,
    /// Matches ship-to postcodes starting with one of these (spaces and case ignored).
    pub postcode_prefixes: Option<Vec<Code>>,
    /// The dropship supplier (a fulfilment location of kind `dropship_supplier`).
    pub supplier: Uuid,
    /// Lower goes first; default 100.
    pub priority: Option<u32>,
    /// What the seller pays the supplier per unit: the tie-breaker after priority and stock.
    pub unit_cost: Option<MoneyDto>,
    /// Default true; an inactive rule routes nothing.
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingRulePatchIn {
    pub name: Option<Name>,
    pub skus: Option<Vec<Ident>>,
    pub categories: Option<Vec<Name>>,
    pub countries: Option<Vec<Code>>,
    pub postcode_prefixes: Option<Vec<Code>>,
    pub supplier: Option<Uuid>,
    pub priority: Option<u32>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub unit_cost: Option<Option<MoneyDto>>,
    pub active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingRuleOut {
    pub id: Uuid,
    pub name: String,
    pub skus: Vec<String>,
    pub categories: Vec<String>,
    pub countries: Vec<String>,
    pub postcode_prefixes: Vec<String>,
    pub supplier: Uuid,
    pub priority: u32,
    pub unit_cost: Option<MoneyDto>,
    pub active: bool,
    pub created_at: String,
    pub created_by: String,
    pub version: i64,
}

fn rule_out(v: &Versioned<RoutingRule>) -> RoutingRuleOut {
    let r = &v.value;
    RoutingRuleOut {
        id: r.id.0,
        name: r.name.clone(),
        skus: r.skus.clone(),
        categories: r.categories.clone(),
        countries: r.countries.clone(),
        postcode_prefixes: r.postcode_prefixes.clone(),
        supplier: r.supplier.0,
        priority: r.priority,
        unit_cost: r.unit_cost.map(Into::into),
        active: r.active,
        created_at: ts(r.created_at),
        created_by: r.created_by.clone(),
        version: v.version,
    }
}

fn strings<T: AsRef<str>>(v: &Option<Vec<T>>) -> Option<Vec<String>> {
    v.as_ref().map(|l| l.iter().map(|s| s.as_ref().to_owned()).collect())
}

/// Adds a routing rule (seller operations). A supplier that does not exist is refused on
/// `supplier` (`unknown_reference`), one that is not a dropship supplier likewise
/// (`invalid_value`).
#[utoipa::path(post, path = "/api/v1/routing-rules", tag = "dropship", request_body = RoutingRuleIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 201, body = RoutingRuleOut), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_rule(State(st): State<ApiState>, cmd: Command<RoutingRuleIn>) -> ApiResult<Response> {
    let (app, ctx, b) = (&st.app, &cmd.ctx, &cmd.body);
    let input = RuleInput {
        name: Some(b.name.to_string()),
        skus: strings(&b.skus),
        categories: strings(&b.categories),
        countries: strings(&b.countries),
        postcode_prefixes: strings(&b.postcode_prefixes),
        supplier: Some(FulfilmentLocationId(b.supplier)),
        priority: b.priority,
        unit_cost: Some(money_opt(&b.unit_cost, "unit_cost")?),
        active: b.active,
    };
    let v = app
        .execute(
            ctx,
            || app.plan_create_routing_rule(ctx, &input),
            |v| stored(StatusCode::CREATED, &rule_out(v)),
        )
        .await?;
    Ok(respond(StatusCode::CREATED, &rule_out(&v), Some(v.version)))
}

/// Every routing rule (seller operations), by priority then name.
#[utoipa::path(get, path = "/api/v1/routing-rules", tag = "dropship",
    responses((status = 200, body = PageDto<RoutingRuleOut>), (status = 403, body = Problem)))]
pub async fn list_rules(State(st): State<ApiState>, Caller(ctx): Caller) -> ApiResult<Response> {
    let items = st.app.routing_rules(&ctx).await?;
    let body = PageDto {
        items: items.iter().map(rule_out).collect(),
        next_cursor: None,
    };
    Ok(respond(StatusCode::OK, &body, None))
}

#[utoipa::path(get, path = "/api/v1/routing-rules/{id}", tag = "dropship", params(("id" = Uuid, Path)),
    responses((status = 200, body = RoutingRuleOut), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_rule(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let v = st.app.routing_rule(&ctx, RoutingRuleId(id)).await?;
    Ok(respond(StatusCode::OK, &rule_out(&v), Some(v.version)))
}

/// Changes a rule; fields left out stay as they are.
#[utoipa::path(patch, path = "/api/v1/routing-rules/{id}", tag = "dropship", request_body = RoutingRulePatchIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The rule's ETag as last read")),
    responses((status = 200, body = RoutingRuleOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn update_rule(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<RoutingRulePatchIn>,
) -> ApiResult<Response> {
    let (app, ctx, b) = (&st.app, &cmd.ctx, &cmd.body);
    let unit_cost = match &b.unit_cost {
        None => None,
        Some(None) => Some(None),
        Some(Some(m)) => Some(Some(m.parse("unit_cost")?)),
    };
    let input = RuleInput {
        name: b.name.as_ref().map(|n| n.to_string()),
        skus: strings(&b.skus),
        categories: strings(&b.categories),
        countries: strings(&b.countries),
        postcode_prefixes: strings(&b.postcode_prefixes),
        supplier: b.supplier.map(FulfilmentLocationId),
        priority: b.priority,
        unit_cost,
        active: b.active,
    };
    let v = app
        .execute(
            ctx,
            || app.plan_update_routing_rule(ctx, RoutingRuleId(id), &input),
            |v| stored(StatusCode::OK, &rule_out(v)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &rule_out(&v), Some(v.version)))
}

/// Deletes a rule: routing ignores it from now on; lines it routed stay where they are.
#[utoipa::path(delete, path = "/api/v1/routing-rules/{id}", tag = "dropship",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The rule's ETag as last read")),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem)))]
pub async fn delete_rule(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(id): PathParam<Uuid>,
) -> ApiResult<Response> {
    let app = &st.app;
    app.run(&ctx, || app.plan_delete_routing_rule(&ctx, RoutingRuleId(id)))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------------------------------------------------------------------------------------------
// Routing an order; a supplier's rejection.
// ---------------------------------------------------------------------------------------------

/// What routing did to one line.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutedLineOut {
    pub line: u32,
    /// `routed` or `unrouted`.
    pub outcome: String,
    /// The supplier the line was allocated to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
    /// The rule that chose it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_rule: Option<Uuid>,
    /// Why not: `no_rule_matches`, `all_rejected` or `insufficient_stock`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RouteOut {
    pub order: OrderOut,
    /// Each line that had quantity to place.
    pub lines: Vec<RoutedLineOut>,
}

fn route_out(a: &RouteAnswer) -> RouteOut {
    RouteOut {
        order: OrderOut::new(&a.order.value, a.order.version),
        lines: a
            .outcomes
            .iter()
            .map(|o| match o {
                Outcome::Routed { line, chosen, quantity } => RoutedLineOut {
                    line: *line,
                    outcome: "routed".into(),
                    supplier: Some(chosen.supplier.0),
                    quantity: Some(quantity.get()),
                    routing_rule: Some(chosen.rule.0),
                    code: None,
                    reason: None,
                },
                Outcome::Unrouted { line, why } => RoutedLineOut {
                    line: *line,
                    outcome: "unrouted".into(),
                    supplier: None,
                    quantity: None,
                    routing_rule: None,
                    code: Some(why.as_str().into()),
                    reason: Some(why.reason().into()),
                },
            })
            .collect(),
    }
}

/// Routes the order's unallocated quantity to dropship suppliers by the routing rules (seller
/// operations). Each routed line is allocated exactly as `POST /orders/{id}/allocations` would
/// (`line.allocated` on the timeline, naming the rule); lines no rule can place are left
/// unallocated and reported with the reason. Routing again routes only what is still unallocated.
#[utoipa::path(post, path = "/api/v1/orders/{id}/route", tag = "dropship", request_body = Empty,
    params(("id" = Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key"),
        ("If-Match" = Option<String>, Header, description = "ETag of the order")),
    responses((status = 200, body = RouteOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn route_order(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<Empty>,
) -> ApiResult<Response> {
    let (app, ctx) = (&st.app, &cmd.ctx);
    let a = app
        .execute(
            ctx,
            || app.plan_route_order(ctx, OrderId(id)),
            |a| stored(StatusCode::OK, &route_out(a)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &route_out(&a), Some(a.order.version)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierRejectionIn {
    /// The rejecting location: a supplier's own (may be omitted); required when seller staff
    /// record a supplier's refusal.
    pub fulfilment_location_id: Option<Uuid>,
    /// The order line, as numbered on the order.
    pub line: u32,
    /// Why the supplier cannot fill it (kept on the line; the customer never sees it).
    pub reason: FreeText,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierRejectionOut {
    pub order_id: Uuid,
    pub line: u32,
    /// What the rejection released from the supplier.
    pub released: u32,
    /// `rerouted` (to the next supplier that has not rejected the line) or `backordered`.
    pub outcome: String,
    /// The next supplier, shown to the seller's staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<Uuid>,
    /// The backorder's reason, when no supplier was left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn reject_out(a: &RejectAnswer) -> SupplierRejectionOut {
    let (outcome, supplier, reason) = match &a.outcome {
        RejectOutcome::Rerouted { supplier } => ("rerouted", supplier.map(|s| s.0), None),
        RejectOutcome::Backordered { reason } => ("backordered", None, Some(reason.clone())),
    };
    SupplierRejectionOut {
        order_id: a.order_id.0,
        line: a.line,
        released: a.released.get(),
        outcome: outcome.into(),
        supplier,
        reason,
    }
}

/// A dropship supplier rejects a line routed to it, with a reason. What it had not shipped is
/// released and routed to the next candidate that has not rejected the line; with none left it
/// is backordered with the reason "no supplier could fill: <reason>". The line is never routed
/// back to a supplier that rejected it. A line not allocated to the location (or not existing)
/// is refused on `line` (`unknown_reference`).
#[utoipa::path(post, path = "/api/v1/orders/{id}/supplier-rejection", tag = "dropship",
    request_body = SupplierRejectionIn,
    params(("id" = Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key"),
        ("If-Match" = Option<String>, Header, description = "ETag of the order")),
    responses((status = 200, body = SupplierRejectionOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, body = Problem), (status = 422, body = Problem)))]
pub async fn reject(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<SupplierRejectionIn>,
) -> ApiResult<Response> {
    let (app, ctx, b) = (&st.app, &cmd.ctx, &cmd.body);
    let input = RejectInput {
        location: b.fulfilment_location_id.map(FulfilmentLocationId),
        line: b.line,
        reason: b.reason.to_string(),
    };
    let a = app
        .execute(
            ctx,
            || app.plan_supplier_rejection(ctx, OrderId(id), &input),
            |a| stored(StatusCode::OK, &reject_out(a)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &reject_out(&a), Some(a.version)))
}

// ---------------------------------------------------------------------------------------------
// Stock feeds.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockRowIn {
    pub sku: Ident,
    /// Units the supplier can ship now (0 or more).
    pub available: i64,
    /// Days from order to shipment (0–365).
    pub lead_time_days: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockFeedIn {
    /// The supplier's whole list (at most 10,000 rows; a SKU appears once). SKUs left out are
    /// "not reported" from now on.
    pub rows: Vec<StockRowIn>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockRowOut {
    pub sku: String,
    pub available: u32,
    pub lead_time_days: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockOut {
    pub location_id: Uuid,
    pub rows: Vec<StockRowOut>,
    /// When the last feed arrived (absent before the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

fn stock_out(s: &SupplierStock) -> StockOut {
    StockOut {
        location_id: s.location.0,
        rows: s
            .rows
            .iter()
            .map(|r| StockRowOut {
                sku: r.sku.clone(),
                available: r.available.get(),
                lead_time_days: r.lead_time_days,
            })
            .collect(),
        updated_at: (s.updated_at != time::OffsetDateTime::UNIX_EPOCH).then(|| ts(s.updated_at)),
    }
}

/// A supplier's stock and lead times (the supplier for its own location, or seller
/// operations), replacing its previous feed whole. A bad row refuses the whole feed, named by
/// index and field (`rows[3].available`); nothing is written.
#[utoipa::path(put, path = "/api/v1/suppliers/{location}/stock", tag = "dropship", request_body = StockFeedIn,
    params(("location" = Uuid, Path, description = "The supplier's fulfilment location"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key")),
    responses((status = 200, body = StockOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn feed_stock(
    State(st): State<ApiState>,
    PathParam(location): PathParam<Uuid>,
    cmd: Command<StockFeedIn>,
) -> ApiResult<Response> {
    let (app, ctx, b) = (&st.app, &cmd.ctx, &cmd.body);
    let mut rows = Vec::with_capacity(b.rows.len());
    for (i, r) in b.rows.iter().enumerate() {
        let available = Qty::non_negative(r.available, &format!("rows[{i}].available"))?;
        let lead_time_days = u32::try_from(r.lead_time_days)
            .map_err(|_| ApiError::invalid(&format!("rows[{i}].lead_time_days"), "0 or more days"))?;
        rows.push(StockRow {
            sku: r.sku.to_string(),
            available,
            lead_time_days,
        });
    }
    let loc = FulfilmentLocationId(location);
    let s = app
        .execute(
            ctx,
            || app.plan_feed_stock(ctx, loc, rows.clone()),
            |s| stored(StatusCode::OK, &stock_out(s)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &stock_out(&s), None))
}

/// A supplier's latest feed.
#[utoipa::path(get, path = "/api/v1/suppliers/{location}/stock", tag = "dropship",
    params(("location" = Uuid, Path, description = "The supplier's fulfilment location")),
    responses((status = 200, body = StockOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn get_stock(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    PathParam(location): PathParam<Uuid>,
) -> ApiResult<Response> {
    let s = st.app.supplier_stock(&ctx, FulfilmentLocationId(location)).await?;
    Ok(respond(StatusCode::OK, &stock_out(&s), None))
}

// ---------------------------------------------------------------------------------------------
// SLA and settings.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlaParams {
    /// Shipments shipped from this date (inclusive, `YYYY-MM-DD`); default 90 days ago.
    pub from: Option<Code>,
    /// Up to this date (exclusive); default tomorrow.
    pub to: Option<Code>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaRowOut {
    pub supplier: Uuid,
    pub name: String,
    /// Shipments in the window.
    pub shipments: u32,
    /// Of those, shipments carrying a confirmed ship-by date (the denominator).
    pub with_confirmed_date: u32,
    pub on_time: u32,
    pub late: u32,
    /// `on_time / with_confirmed_date` as a decimal with three places ("0.875"); absent when no
    /// shipment had a confirmed date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_time_rate: Option<String>,
    /// More shipments than one answer reads (5,000): the rate covers the newest.
    pub truncated: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaOut {
    pub from: String,
    pub to: String,
    pub suppliers: Vec<SlaRowOut>,
}

fn sla_out(a: &SlaAnswer) -> SlaOut {
    SlaOut {
        from: ts(a.from),
        to: ts(a.to),
        suppliers: a
            .suppliers
            .iter()
            .map(|r| SlaRowOut {
                supplier: r.supplier.0,
                name: r.name.clone(),
                shipments: r.shipments,
                with_confirmed_date: r.with_date,
                on_time: r.on_time,
                late: r.late,
                on_time_rate: r.rate.clone(),
                truncated: r.truncated,
            })
            .collect(),
    }
}

/// On-time ship rate per dropship supplier: shipments shipped on or before the ship-by date the
/// supplier confirmed, over shipments with a confirmed date, in the window. Computed from the
/// confirmations and shipments each time. Seller staff see every supplier, a supplier only
/// itself; customers are refused.
#[utoipa::path(get, path = "/api/v1/suppliers/sla", tag = "dropship", params(SlaParams),
    responses((status = 200, body = SlaOut), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn sla(
    State(st): State<ApiState>,
    Caller(ctx): Caller,
    QueryParams(q): QueryParams<SlaParams>,
) -> ApiResult<Response> {
    let today = st.app.clock.now().date();
    let from = crate::dto::date(&q.from, "from")?.unwrap_or(today - time::Duration::days(90));
    let to = crate::dto::date(&q.to, "to")?.unwrap_or(today + time::Duration::days(1));
    if to <= from {
        return Err(ApiError::invalid("to", "must be after from"));
    }
    let a = st
        .app
        .supplier_sla(&ctx, from.midnight().assume_utc(), to.midnight().assume_utc())
        .await?;
    Ok(respond(StatusCode::OK, &sla_out(&a), None))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DropshipSettingsDto {
    /// Customers see the supplier's name where a line ships from (default false: "our
    /// fulfilment partner").
    pub show_supplier_names: bool,
    /// Route every order by the rules as soon as it can be fulfilled (default false).
    pub route_at_placement: bool,
}

impl From<&DropshipSettings> for DropshipSettingsDto {
    fn from(s: &DropshipSettings) -> Self {
        DropshipSettingsDto {
            show_supplier_names: s.show_supplier_names,
            route_at_placement: s.route_at_placement,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/dropship-settings", tag = "dropship",
    responses((status = 200, body = DropshipSettingsDto), (status = 403, body = Problem)))]
pub async fn get_settings(State(st): State<ApiState>, Caller(ctx): Caller) -> ApiResult<Response> {
    let s = st.app.dropship_settings_as(&ctx).await?;
    Ok(respond(StatusCode::OK, &DropshipSettingsDto::from(&s), None))
}

#[utoipa::path(put, path = "/api/v1/dropship-settings", tag = "dropship", request_body = DropshipSettingsDto,
    responses((status = 200, body = DropshipSettingsDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_settings(State(st): State<ApiState>, cmd: Command<DropshipSettingsDto>) -> ApiResult<Response> {
    let (app, ctx, b) = (&st.app, &cmd.ctx, &cmd.body);
    let want = DropshipSettings {
        show_supplier_names: b.show_supplier_names,
        route_at_placement: b.route_at_placement,
    };
    let s = app
        .execute(
            ctx,
            || app.plan_set_dropship_settings(ctx, &want),
            |s| stored(StatusCode::OK, &DropshipSettingsDto::from(s)),
        )
        .await?;
    Ok(respond(StatusCode::OK, &DropshipSettingsDto::from(&s), None))
}
