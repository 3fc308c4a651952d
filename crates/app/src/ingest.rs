//! Carrier scans at scale: a batch of tracking events is one commit, instead of one commit (one
//! rewrite of an order) per scan.
//!
//! The whole batch is read in a few batched round trips whatever its size — tracking numbers to
//! shipment ids, the shipments (which name their orders and lines), the orders' headers, then the
//! line chunks and the shipments again (read after the headers, so the header's version check at
//! commit covers them; see [`App::drafts_for_shipments`]). Events are applied in the batch's
//! order, each to its order's copy, and every order touched is committed together with one
//! `shipment.tracking` event and one de-duplication key per applied scan: the same facts the
//! one-by-one path records.
//!
//! The store refuses a whole commit when any of its keys was seen before (a carrier re-sending),
//! or when an order changed under it more often than the retries allow. Then the batch falls back
//! to one commit per order, and a group holding a scan already processed falls back to the
//! one-by-one path, which reports that scan as a duplicate and applies the rest.

use crate::docs::Doc;
use crate::docs::ShipmentDoc;
use crate::error::{AppError, Result};
use crate::order_docs::{Need, StoredOrder};
use crate::{App, Ctx, Planned, ShipmentRef, TrackOutcome, TrackingInput};
use aftercart_domain::ids::{OrderId, ShipmentId};
use aftercart_domain::order::Shipment;
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_interchange::tracking::{RecycleRule, ShipmentWindow, may_attach};
use std::collections::HashMap;
use uuid::Uuid;

/// Orders whose scans are folded at the same time when a batch falls back to one commit each.
const CONCURRENT_GROUPS: usize = 16;

/// One order's scans: (index in the batch, shipment).
type Group = (OrderId, Vec<(usize, ShipmentId)>);

impl App {
    /// Applies a batch of tracking events; one result per event, in the batch's order.
    pub async fn track_many(&self, ctx: &Ctx, inputs: &[TrackingInput]) -> Vec<Result<TrackOutcome>> {
        let mut results: Vec<Option<Result<TrackOutcome>>> = (0..inputs.len()).map(|_| None).collect();
        let resolved = match self.resolve_shipments(ctx, inputs).await {
            Ok(r) => r,
            // The store failed: every event gets the same answer (nothing was applied).
            Err(e) => {
                let why = e.to_string();
                return inputs
                    .iter()
                    .map(|_| Err(AppError::Store(aftercart_store::StoreError::new(why.clone()))))
                    .collect();
            }
        };
        // Unresolvable events are answered at once; the others grouped by order.
        let mut groups: Vec<Group> = Vec::new();
        let mut by_order: HashMap<OrderId, usize> = HashMap::new();
        let mut seen: HashMap<ShipmentId, Shipment> = HashMap::new();
        for (i, r) in resolved.into_iter().enumerate() {
            match r {
                Ok(sd) => {
                    seen.entry(sd.shipment.id).or_insert_with(|| sd.shipment.clone());
                    let g = *by_order.entry(sd.order_id).or_insert_with(|| {
                        groups.push((sd.order_id, Vec::new()));
                        groups.len() - 1
                    });
                    groups[g].1.push((i, sd.shipment.id));
                }
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        if groups.is_empty() {
            return finish(results);
        }
        match self.run(ctx, || self.plan_batch(ctx, inputs, &groups, &seen)).await {
            Ok(outcomes) => {
                for (i, r) in outcomes {
                    results[i] = Some(r);
                }
            }
            Err(_) => {
                for (i, r) in self.track_by_order(ctx, inputs, groups).await {
                    results[i] = Some(r);
                }
            }
        }
        finish(results)
    }

    /// Every event's shipment, in three round trips for the whole batch at most.
    async fn resolve_shipments(&self, ctx: &Ctx, inputs: &[TrackingInput]) -> Result<Vec<Result<ShipmentDoc>>> {
        let mut numbers: Vec<String> = inputs
            .iter()
            .filter_map(|i| match &i.shipment {
                ShipmentRef::TrackingNumber(t) => Some(t.clone()),
                ShipmentRef::Id(_) => None,
            })
            .collect();
        numbers.sort();
        numbers.dedup();
        let mut ids_of: HashMap<String, Vec<Uuid>> = HashMap::new();
        if !numbers.is_empty() {
            for (k, id) in self.store.by_keys("tracking", &numbers).await? {
                ids_of.entry(k).or_default().push(id);
            }
        }
        // Each event's candidate shipments, or why it has none. A number several shipments
        // share (carriers recycle them) is decided per scan below, by the shipments' journeys.
        let wanted: Vec<Result<Vec<Uuid>>> = inputs
            .iter()
            .map(|i| match &i.shipment {
                ShipmentRef::Id(id) => Ok(vec![id.0]),
                ShipmentRef::TrackingNumber(t) => match ids_of.get(t) {
                    Some(v) if !v.is_empty() => Ok(v.clone()),
                    _ => Err(AppError::not_found_field("shipment", "tracking_number")),
                },
            })
            .collect();
        let mut ids: Vec<Uuid> = wanted
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .flatten()
            .copied()
            .collect();
        ids.sort();
        ids.dedup();
        // Only shipments the caller may see; any other id is, for them, one that does not exist.
        let found: HashMap<Uuid, ShipmentDoc> = self
            .load_many::<ShipmentDoc>(ctx, &ids)
            .await?
            .into_iter()
            .map(|v| (v.value.shipment.id.0, v.value))
            .collect();
        let rule = RecycleRule::default();
        Ok(wanted
            .into_iter()
            .zip(inputs)
            .map(|(r, input)| {
                let field = match input.shipment {
                    ShipmentRef::Id(_) => "shipment_id",
                    ShipmentRef::TrackingNumber(_) => "tracking_number",
                };
                let candidates: Vec<&ShipmentDoc> = r?.iter().filter_map(|id| found.get(id)).collect();
                if candidates.is_empty() {
                    return Err(AppError::not_found_field("shipment", field));
                }
                if let ShipmentRef::Id(_) = input.shipment {
                    return Ok(candidates[0].clone());
                }
                let fits: Vec<(&ShipmentDoc, aftercart_interchange::tracking::Attach)> = candidates
                    .iter()
                    .map(|d| (*d, may_attach(&rule, &window(&d.shipment), input.occurred_at)))
                    .collect();
                let attach: Vec<&ShipmentDoc> = fits.iter().filter(|(_, a)| a.is_ok()).map(|(d, _)| *d).collect();
                match attach.as_slice() {
                    [one] => Ok((*one).clone()),
                    [] => {
                        // The latest use of the number here says why the scan is not ours.
                        let why = fits
                            .iter()
                            .max_by_key(|(d, _)| d.shipment.shipped_at)
                            .and_then(|(_, a)| a.err())
                            .map(|r| r.reason())
                            .unwrap_or_default();
                        Err(Rejection::new(
                            ErrorCode::InvalidValue,
                            "tracking_number",
                            format!("a recycled tracking number: this scan is not of the shipment that had it ({why})"),
                        )
                        .into())
                    }
                    _ => Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "tracking_number",
                        "several shipments share this tracking number; send shipment_id instead",
                    )
                    .into()),
                }
            })
            .collect())
    }

    /// The whole batch as one commit: every order's scans applied to its copy. A scan the domain
    /// refuses is answered on its own and left out; the others commit together.
    async fn plan_batch(
        &self,
        ctx: &Ctx,
        inputs: &[TrackingInput],
        groups: &[Group],
        seen: &HashMap<ShipmentId, Shipment>,
    ) -> Result<Planned<Vec<(usize, Result<TrackOutcome>)>>> {
        let ids: Vec<Uuid> = groups.iter().map(|(o, _)| o.0).collect();
        let headers = self.load_many::<StoredOrder>(ctx, &ids).await?;
        if headers.len() != ids.len() {
            // An order went out of the caller's sight (or away) since its shipment was read.
            return Err(AppError::not_found("order"));
        }
        let wanted: HashMap<OrderId, Vec<ShipmentId>> = groups
            .iter()
            .map(|(o, idx)| {
                let mut s: Vec<ShipmentId> = idx.iter().map(|(_, s)| *s).collect();
                s.sort_by_key(|s| s.0);
                s.dedup();
                (*o, s)
            })
            .collect();
        // First without lines: most scans (in transit, out for delivery) move no line's ledger.
        // Orders where a scan would deliver (or undeliver) a parcel are read again with the
        // lines it carries, so their ledger is checked and their status counts move.
        let now = self.clock.now();
        let mut drafts: HashMap<OrderId, crate::order_docs::OrderDraft> = self
            .drafts_for_shipments(headers.clone(), &wanted, seen, false)
            .await?
            .into_iter()
            .map(|d| (d.order.id, d))
            .collect();
        let mut needy = std::collections::HashSet::new();
        for (order, idx) in groups {
            let Some(d) = drafts.get(order) else { continue };
            let mut trial = d.clone();
            apply_group(ctx, now, &mut trial, inputs, idx, &mut Vec::new());
            if trial.moves_ledger() {
                needy.insert(*order);
            }
        }
        if !needy.is_empty() {
            let with_lines: Vec<_> = headers
                .into_iter()
                .filter(|h| needy.contains(&OrderId(h.value.doc_id())))
                .collect();
            for d in self.drafts_for_shipments(with_lines, &wanted, seen, true).await? {
                drafts.insert(d.order.id, d);
            }
        }
        let mut commit = aftercart_store::Commit::default();
        let mut outcomes = Vec::with_capacity(inputs.len());
        for (order, idx) in groups {
            let d = drafts.get_mut(order).ok_or_else(|| AppError::not_found("order"))?;
            let (events, dedup) = apply_group(ctx, now, d, inputs, idx, &mut outcomes);
            if events.is_empty() {
                continue;
            }
            let c = d.commit(events)?;
            commit.docs.extend(c.docs);
            commit.keys.extend(c.keys);
            commit.events.extend(c.events);
            commit.dedup.extend(dedup);
        }
        Ok(Planned {
            value: outcomes,
            commit,
        })
    }

    /// The fallback: one commit per order, several orders at a time.
    async fn track_by_order(
        &self,
        ctx: &Ctx,
        inputs: &[TrackingInput],
        groups: Vec<Group>,
    ) -> Vec<(usize, Result<TrackOutcome>)> {
        use futures_util::StreamExt;
        let mut done = futures_util::stream::iter(groups.into_iter().map(|(order, idx)| async move {
            match self.run(ctx, || self.plan_fold(ctx, order, inputs, &idx)).await {
                Ok(outcomes) => outcomes,
                // A scan of the group was processed before: one by one, so each scan gets its
                // own answer.
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
        let mut out = Vec::new();
        while let Some(group) = done.next().await {
            out.extend(group);
        }
        out
    }

    /// One order's scans applied to one copy of it, committed together.
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
        let mut outcomes = Vec::with_capacity(idx.len());
        let (events, dedup) = apply_group(ctx, self.clock.now(), &mut d, inputs, idx, &mut outcomes);
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

/// Applies one order's scans in the batch's order; the events and de-duplication keys of those
/// applied, and an outcome for each scan pushed to `outcomes`.
fn apply_group(
    ctx: &Ctx,
    now: time::OffsetDateTime,
    d: &mut crate::order_docs::OrderDraft,
    inputs: &[TrackingInput],
    idx: &[(usize, ShipmentId)],
    outcomes: &mut Vec<(usize, Result<TrackOutcome>)>,
) -> (Vec<aftercart_store::EventWrite>, Vec<(Uuid, String)>) {
    let mut events = Vec::new();
    let mut dedup = Vec::new();
    for &(i, sid) in idx {
        let input = &inputs[i];
        match crate::orders::apply_scan(ctx, now, &mut d.order, sid, input) {
            Ok(Some((event, key))) => {
                events.push(event);
                dedup.push((sid.0, key));
                outcomes.push((i, Ok(crate::orders::outcome(&d.order, sid, input, true))));
            }
            Ok(None) => outcomes.push((i, Ok(crate::orders::outcome(&d.order, sid, input, false)))),
            Err(e) => outcomes.push((i, Err(e))),
        }
    }
    (events, dedup)
}

fn finish(results: Vec<Option<Result<TrackOutcome>>>) -> Vec<Result<TrackOutcome>> {
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(AppError::Conflict("tracking event was not processed".into()))))
        .collect()
}

/// What the recycled-number rule needs of a shipment.
fn window(s: &Shipment) -> ShipmentWindow {
    ShipmentWindow {
        shipped_at: s.shipped_at,
        delivered_at: s.tracking.delivered_at,
        last_event_at: s.tracking.latest.as_ref().map(|e| e.occurred_at),
    }
}
