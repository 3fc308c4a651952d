//! Carrier scans at scale: a batch of tracking events folds per order into one commit, instead
//! of one commit (one rewrite of the order document) per scan.
//!
//! Each event is first resolved to its shipment and order; events of one order (any of its
//! shipments) are applied in the batch's order to one copy of it, and committed together with
//! one `shipment.tracking` event and one de-duplication key per applied scan — the same facts
//! the one-by-one path records. The store refuses a whole commit when any of its keys was seen
//! before, so a group holding a scan already processed falls back to the one-by-one path, which
//! reports that scan as a duplicate and applies the rest. Groups of different orders commit
//! concurrently (and, on SQLite, share the writer's group commit).

use crate::error::{AppError, Result};
use crate::order_docs::Need;
use crate::{App, Ctx, Planned, TrackOutcome, TrackingInput};
use aftercart_domain::ids::{OrderId, ShipmentId};
use std::collections::HashMap;

/// Orders whose scans are folded at the same time.
const CONCURRENT_GROUPS: usize = 16;

impl App {
    /// Applies a batch of tracking events; one result per event, in the batch's order.
    pub async fn track_many(&self, ctx: &Ctx, inputs: &[TrackingInput]) -> Vec<Result<TrackOutcome>> {
        let mut results: Vec<Option<Result<TrackOutcome>>> = (0..inputs.len()).map(|_| None).collect();
        // Resolve every event to its order; unresolvable ones are answered at once.
        let mut groups: Vec<(OrderId, Vec<(usize, ShipmentId)>)> = Vec::new();
        let mut by_order: HashMap<OrderId, usize> = HashMap::new();
        for (i, input) in inputs.iter().enumerate() {
            let field = match input.shipment {
                crate::ShipmentRef::Id(_) => "shipment_id",
                crate::ShipmentRef::TrackingNumber(_) => "tracking_number",
            };
            match self.resolve_shipment(ctx, &input.shipment, field).await {
                Ok(sd) => {
                    let g = *by_order.entry(sd.order_id).or_insert_with(|| {
                        groups.push((sd.order_id, Vec::new()));
                        groups.len() - 1
                    });
                    groups[g].1.push((i, sd.shipment.id));
                }
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        use futures_util::StreamExt;
        let mut done = futures_util::stream::iter(groups.into_iter().map(|(order, idx)| async move {
            let folded = self.run(ctx, || self.plan_fold(ctx, order, inputs, &idx)).await;
            match folded {
                Ok(outcomes) => outcomes,
                // A scan of the group was processed before (or the order changed under If-Match
                // semantics): one by one, so each scan gets its own answer.
                Err(_) => {
                    let mut out = Vec::with_capacity(idx.len());
                    for (i, _) in idx {
                        out.push((i, self.track(ctx, &inputs[i]).await));
                    }
                    out
                }
            }
        }))
        .buffer_unordered(CONCURRENT_GROUPS);
        while let Some(group) = done.next().await {
            for (i, r) in group {
                results[i] = Some(r);
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(AppError::Conflict("tracking event was not processed".into()))))
            .collect()
    }

    /// One order's scans applied to one copy of it. A scan the domain refuses is answered on its
    /// own and left out of the commit; the others commit together.
    async fn plan_fold(
        &self,
        ctx: &Ctx,
        order: OrderId,
        inputs: &[TrackingInput],
        idx: &[(usize, ShipmentId)],
    ) -> Result<Planned<Vec<(usize, Result<TrackOutcome>)>>> {
        let mut sids: Vec<ShipmentId> = idx.iter().map(|(_, s)| *s).collect();
        sids.sort_by_key(|s| s.0);
        sids.dedup();
        // Scans never pin a version: carriers do not send If-Match.
        let mut d = self
            .order_draft(&ctx.without_if_match(), order, Need::Shipments(sids), true)
            .await?;
        let mut events = Vec::new();
        let mut dedup = Vec::new();
        let mut outcomes = Vec::with_capacity(idx.len());
        for &(i, sid) in idx {
            let input = &inputs[i];
            match crate::orders::apply_scan(ctx, self.clock.now(), &mut d.order, sid, input) {
                Ok(Some((event, key))) => {
                    events.push(event);
                    dedup.push((sid.0, key));
                    outcomes.push((i, Ok(crate::orders::outcome(&d.order, sid, input, true))));
                }
                Ok(None) => outcomes.push((i, Ok(crate::orders::outcome(&d.order, sid, input, false)))),
                Err(e) => outcomes.push((i, Err(e))),
            }
        }
        if events.is_empty() {
            return Ok(Planned {
                value: outcomes,
                commit: aftercart_store::Commit::default(),
            });
        }
        let mut commit = d.commit(events)?;
        commit.dedup = dedup;
        Ok(Planned {
            value: outcomes,
            commit,
        })
    }
}
