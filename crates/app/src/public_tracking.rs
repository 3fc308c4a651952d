//! Tracking for consumers, without an account: an order number and a proof of knowing the
//! order (a ship-to postcode, or the email of the user who placed it) give the parcels of that
//! order and what has not shipped yet — nothing about the account, prices or other addresses.
//!
//! Every wrong pair gets the same answer (`None`), whether the order number exists or not, so
//! the page cannot be used to find orders; callers also rate-limit attempts per client address
//! ([`PUBLIC_TRACKING`]).

use crate::identity::{PerMinute, User};
use crate::{App, Ctx, Result, TimelineOf};
use aftercart_domain::account::Account;
use aftercart_domain::ids::LocationId;
use aftercart_domain::order::Order;
use aftercart_domain::quantity::Qty;
use aftercart_domain::tracking::TrackingStatus;
use time::{Date, OffsetDateTime};

/// Lookups a client address may make per minute on the public tracking page.
pub const PUBLIC_TRACKING_PER_MINUTE: u32 = 10;
pub static PUBLIC_TRACKING: PerMinute = PerMinute::new("public_tracking", PUBLIC_TRACKING_PER_MINUTE);

/// What a consumer sees.
#[derive(Debug, Clone)]
pub struct PublicTracking {
    pub number: String,
    pub placed_at: OffsetDateTime,
    /// The city of the destination(s) the proof matched (never the street address).
    pub destination: String,
    pub parcels: Vec<Parcel>,
    pub not_shipped: Vec<NotShipped>,
}

#[derive(Debug, Clone)]
pub struct Parcel {
    pub carrier: String,
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub status: TrackingStatus,
    pub shipped_at: OffsetDateTime,
    pub delivered_at: Option<OffsetDateTime>,
    pub estimated_delivery: Option<Date>,
    pub promised_delivery: Option<Date>,
    /// What is in it: (description, quantity).
    pub items: Vec<(String, Qty)>,
    /// Carrier checkpoints, newest first.
    pub checkpoints: Vec<Checkpoint>,
}

#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub status: TrackingStatus,
    pub at: OffsetDateTime,
    pub location: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NotShipped {
    pub description: String,
    pub quantity: Qty,
    /// Backordered quantity's expected date, when one is known.
    pub expected: Option<Date>,
    pub backordered: bool,
}

/// Postcodes compare without case or spaces ("sw1a 1aa" = "SW1A1AA").
fn postcode_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The most checkpoint events read for one order.
const MAX_EVENTS: usize = 5_000;

impl App {
    /// The consumer's view of order `number`, when `proof` is one of its ship-to postcodes or
    /// the email of the user who placed it; `None` for every other pair.
    pub async fn public_tracking(&self, number: &str, proof: &str) -> Result<Option<PublicTracking>> {
        let system = Ctx::system();
        let (number, proof) = (number.trim(), proof.trim());
        if number.is_empty() || proof.is_empty() {
            return Ok(None);
        }
        let order = match self.order_by_number(&system, number).await {
            Ok(o) => o.value,
            Err(crate::AppError::NotFound { .. }) => {
                match self.order_by_number(&system, &number.to_uppercase()).await {
                    Ok(o) => o.value,
                    Err(crate::AppError::NotFound { .. }) => return Ok(None),
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        let account = self.load::<Account>(&system, order.account_id.0).await?.value;
        let Some(destinations) = self.proven_destinations(&order, &account, proof).await? else {
            return Ok(None);
        };
        let events = self.tracking_events(&system, &order).await?;
        let describe = |line: u32| {
            order
                .lines
                .iter()
                .find(|l| l.no == line)
                .map(|l| l.description.clone())
                .unwrap_or_default()
        };
        let mut parcels: Vec<Parcel> = order
            .shipments
            .iter()
            .filter(|s| destinations.contains(&s.to))
            .map(|s| {
                let mut checkpoints: Vec<Checkpoint> = events
                    .iter()
                    .filter(|(id, _)| *id == s.id.0.to_string())
                    .map(|(_, c)| c.clone())
                    .collect();
                checkpoints.sort_by_key(|c| std::cmp::Reverse(c.at));
                Parcel {
                    carrier: s.carrier.clone(),
                    service: s.service.clone(),
                    tracking_number: s.tracking_number.clone(),
                    tracking_url: s.tracking_url.clone(),
                    status: s.status(),
                    shipped_at: s.shipped_at,
                    delivered_at: s.tracking.delivered_at,
                    estimated_delivery: s.estimated_delivery,
                    promised_delivery: s.promised_delivery,
                    items: s.lines.iter().map(|l| (describe(l.line), l.quantity)).collect(),
                    checkpoints,
                }
            })
            .collect();
        parcels.sort_by_key(|p| std::cmp::Reverse(p.shipped_at));
        let not_shipped = order
            .lines
            .iter()
            .filter(|l| destinations.contains(&l.ship_to))
            .filter_map(|l| {
                let ledger = order.ledger(l);
                let waiting = ledger.unallocated + ledger.allocated + ledger.backordered;
                (!waiting.is_zero()).then(|| NotShipped {
                    description: l.description.clone(),
                    quantity: waiting,
                    expected: l.backorder.as_ref().and_then(|b| b.expected),
                    backordered: !ledger.backordered.is_zero(),
                })
            })
            .collect();
        let mut cities: Vec<String> = destinations
            .iter()
            .filter_map(|d| account.location(*d).map(|l| l.city.clone()))
            .collect();
        cities.sort();
        cities.dedup();
        Ok(Some(PublicTracking {
            number: order.number.clone(),
            placed_at: order.placed_at,
            destination: cities.join(", "),
            parcels,
            not_shipped,
        }))
    }

    /// The ship-to locations `proof` opens: those with that postcode, or all of the order's
    /// when it is the email of the user who placed the order.
    async fn proven_destinations(
        &self,
        order: &Order,
        account: &Account,
        proof: &str,
    ) -> Result<Option<Vec<LocationId>>> {
        let all = order.ship_to_locations();
        if proof.contains('@') {
            let Some(row) = self.store.by_number("user", &proof.to_lowercase()).await? else {
                return Ok(None);
            };
            let user = crate::docs::decode::<User>(&row)?.value;
            // Who placed the order is the actor of its first event, `order.placed`.
            let first = self
                .store
                .events(aftercart_store::EventFilter::Subject(order.id.0), 0, 1)
                .await?;
            let placed_by_user = first
                .first()
                .is_some_and(|e| e.kind == "order.placed" && e.actor_id.as_deref() == Some(&user.id.0.to_string()));
            return Ok(placed_by_user.then_some(all));
        }
        let key = postcode_key(proof);
        let matched: Vec<LocationId> = all
            .into_iter()
            .filter(|l| {
                account
                    .location(*l)
                    .is_some_and(|loc| postcode_key(&loc.postcode) == key)
            })
            .collect();
        Ok((!matched.is_empty()).then_some(matched))
    }

    /// The order's carrier checkpoints: (shipment id, checkpoint), from its timeline.
    async fn tracking_events(&self, ctx: &Ctx, order: &Order) -> Result<Vec<(String, Checkpoint)>> {
        let mut out = Vec::new();
        let mut after = 0;
        let mut read = 0;
        loop {
            let page = self.timeline(ctx, TimelineOf::Order(order.id), after, 500).await?;
            let done = page.len() < 500;
            read += page.len();
            after = page.last().map_or(after, |e| e.seq);
            for e in page.into_iter().filter(|e| e.kind == "shipment.tracking") {
                let d: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
                let (Some(id), Some(status), Some(at)) = (
                    d.get("shipment_id").and_then(|v| v.as_str()),
                    d.get("status")
                        .and_then(|v| serde_json::from_value::<TrackingStatus>(v.clone()).ok()),
                    d.get("occurred_at")
                        .and_then(|v| v.as_str())
                        .and_then(|s| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()),
                ) else {
                    continue;
                };
                let text = |k: &str| d.get(k).and_then(|v| v.as_str()).map(str::to_owned);
                out.push((
                    id.to_owned(),
                    Checkpoint {
                        status,
                        at,
                        location: text("location"),
                        description: text("description"),
                    },
                ));
            }
            if done || read >= MAX_EVENTS {
                return Ok(out);
            }
        }
    }
}
