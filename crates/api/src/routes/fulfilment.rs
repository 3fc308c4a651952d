//! Many fulfilment steps on one order in one request: allocations, backorders and cancellations,
//! one commit, all or nothing (see `aftercart_app::batch`).

use super::orders::OrderOut;
use crate::ApiState;
use crate::dto::{Code, FreeText, date, qty};
use crate::error::{ApiResult, Problem};
use crate::extract::{Command, PathParam};
use aftercart_app::{Allocate, BackorderInput, CancelInput, FulfilmentStep};
use aftercart_domain::ids::OrderId;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One step, by `type`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FulfilmentItemIn {
    /// Allocate quantity of a line to a fulfilment location.
    Allocate {
        line: u32,
        fulfilment_location_id: Uuid,
        quantity: i64,
    },
    /// Declare quantity of a line backordered, with the expected date when known.
    Backorder {
        line: u32,
        quantity: i64,
        /// `YYYY-MM-DD`; absent when not known yet.
        expected_date: Option<Code>,
        reason: FreeText,
    },
    /// Cancel quantity of a line that is neither allocated nor backordered.
    Cancel { line: u32, quantity: i64, reason: FreeText },
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfilmentBatchIn {
    /// 1 to 1,000 steps, applied in order.
    pub items: Vec<FulfilmentItemIn>,
}

impl FulfilmentBatchIn {
    fn parse(&self) -> ApiResult<Vec<FulfilmentStep>> {
        self.items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                let f = |s: &str| format!("items[{i}].{s}");
                Ok(match it {
                    FulfilmentItemIn::Allocate {
                        line,
                        fulfilment_location_id,
                        quantity,
                    } => FulfilmentStep::Allocate(Allocate {
                        line: *line,
                        location: (*fulfilment_location_id).into(),
                        quantity: qty(*quantity, &f("quantity"))?,
                    }),
                    FulfilmentItemIn::Backorder {
                        line,
                        quantity,
                        expected_date,
                        reason,
                    } => FulfilmentStep::Backorder(BackorderInput {
                        line: *line,
                        quantity: qty(*quantity, &f("quantity"))?,
                        expected: date(expected_date, &f("expected_date"))?,
                        reason: reason.to_string(),
                    }),
                    FulfilmentItemIn::Cancel { line, quantity, reason } => FulfilmentStep::Cancel(CancelInput {
                        line: *line,
                        quantity: qty(*quantity, &f("quantity"))?,
                        reason: reason.to_string(),
                    }),
                })
            })
            .collect()
    }
}

/// Allocations, backorders and cancellations for many lines of one order in one commit: all
/// are applied or none (`422` naming the step, e.g. `items[3].quantity`). One timeline event
/// per step, as the single-step routes record.
#[utoipa::path(post, path = "/api/v1/orders/{id}/fulfilment", tag = "orders", request_body = FulfilmentBatchIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header), ("Prefer" = Option<String>, Header, description = "`return=minimal`: answer 204 with the new ETag and no body, so the step costs the same on an order of any size")),
    responses((status = 200, body = OrderOut), (status = 204, description = "Changed; sent when the request carried `Prefer: return=minimal`"), (status = 404, body = Problem), (status = 412, body = Problem),
        (status = 422, body = Problem)))]
pub async fn fulfil(
    State(st): State<ApiState>,
    PathParam(id): PathParam<Uuid>,
    cmd: Command<FulfilmentBatchIn>,
) -> ApiResult<Response> {
    let steps = cmd.body.parse()?;
    let (app, ctx) = (&st.app, &cmd.ctx);
    let v = app
        .execute(
            ctx,
            || app.plan_fulfil(ctx, OrderId(id), &steps),
            |v| super::order_changed_stored(ctx, v),
        )
        .await?;
    Ok(super::order_changed(ctx, &v))
}
