//! "Did this ship?" — the derived status of every line and of the order, with on-track / at-risk /
//! late against the promise, the reasons, and one plain sentence a buyer would understand.
//! Computed from the order aggregate and the clock; nothing here is ever stored.

use crate::ids::{FulfilmentLocationId, LocationId, ShipmentId};
use crate::order::{LineLedger, Order, Shipment};
use crate::quantity::Qty;
use crate::tracking::TrackingStatus;
use std::collections::HashMap;
use time::{Date, Duration, OffsetDateTime};

/// A shipment in transit with no scan for this long is at risk.
pub const STALL_AFTER: Duration = Duration::days(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Risk {
    OnTrack,
    AtRisk,
    Late,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::OnTrack => "on_track",
            Risk::AtRisk => "at_risk",
            Risk::Late => "late",
        }
    }
}

/// The progress of a line or an order. The partial states say both halves:
/// - `partially_shipped`: some has shipped, some has not, nothing delivered yet;
/// - `partially_delivered`: some delivered and everything else has shipped (it is on its way);
/// - `partially_delivered_partially_shipped`: some delivered and some not shipped at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    Pending,
    Backordered,
    Allocated,
    PartiallyShipped,
    Shipped,
    PartiallyDelivered,
    PartiallyDeliveredPartiallyShipped,
    Delivered,
    Cancelled,
}

impl LineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LineStatus::Pending => "pending",
            LineStatus::Backordered => "backordered",
            LineStatus::Allocated => "allocated",
            LineStatus::PartiallyShipped => "partially_shipped",
            LineStatus::Shipped => "shipped",
            LineStatus::PartiallyDelivered => "partially_delivered",
            LineStatus::PartiallyDeliveredPartiallyShipped => "partially_delivered_partially_shipped",
            LineStatus::Delivered => "delivered",
            LineStatus::Cancelled => "cancelled",
        }
    }

    /// Every progress value, in the order a line moves through them.
    pub const ALL: [LineStatus; 9] = [
        LineStatus::Pending,
        LineStatus::Backordered,
        LineStatus::Allocated,
        LineStatus::PartiallyShipped,
        LineStatus::Shipped,
        LineStatus::PartiallyDelivered,
        LineStatus::PartiallyDeliveredPartiallyShipped,
        LineStatus::Delivered,
        LineStatus::Cancelled,
    ];

    /// The statuses a `?status=` filter value finds: itself, and for `partially_shipped` and
    /// `partially_delivered` also `partially_delivered_partially_shipped` (which is both).
    /// `None` for a value that is not a progress status.
    pub fn matching(filter: &str) -> Option<Vec<LineStatus>> {
        let s = LineStatus::ALL.into_iter().find(|s| s.as_str() == filter)?;
        Some(match s {
            LineStatus::PartiallyShipped | LineStatus::PartiallyDelivered => {
                vec![s, LineStatus::PartiallyDeliveredPartiallyShipped]
            }
            _ => vec![s],
        })
    }

    pub fn of(l: &LineLedger) -> LineStatus {
        let active = l.active();
        let unshipped = l.unallocated + l.backordered + l.allocated;
        if active.is_zero() {
            LineStatus::Cancelled
        } else if l.delivered == active {
            LineStatus::Delivered
        } else if !l.delivered.is_zero() && !unshipped.is_zero() {
            LineStatus::PartiallyDeliveredPartiallyShipped
        } else if !l.delivered.is_zero() {
            LineStatus::PartiallyDelivered
        } else if l.in_transit == active {
            LineStatus::Shipped
        } else if !l.shipped.is_zero() {
            LineStatus::PartiallyShipped
        } else if !l.backordered.is_zero() {
            LineStatus::Backordered
        } else if !l.allocated.is_zero() {
            LineStatus::Allocated
        } else {
            LineStatus::Pending
        }
    }
}

/// Display names for locations, so sentences say "Dallas DC" rather than an id.
#[derive(Debug, Default, Clone)]
pub struct Names {
    pub locations: HashMap<LocationId, String>,
    pub fulfilment: HashMap<FulfilmentLocationId, String>,
}

impl Names {
    fn location(&self, id: LocationId) -> String {
        self.locations
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "an unknown location".into())
    }
    fn fulfilment(&self, id: FulfilmentLocationId) -> String {
        self.fulfilment
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "an unknown warehouse".into())
    }
}

/// One shipment's share of a line.
#[derive(Debug, Clone)]
pub struct ShippedPart {
    pub shipment_id: ShipmentId,
    pub quantity: Qty,
    pub from: String,
    pub to: String,
    pub carrier: String,
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub shipped_at: OffsetDateTime,
    pub tracking_status: TrackingStatus,
    pub delivered_at: Option<OffsetDateTime>,
    pub promised_delivery: Option<Date>,
    pub estimated_delivery: Option<Date>,
    pub last_scan_at: Option<OffsetDateTime>,
    pub last_scan_location: Option<String>,
}

/// Quantity that has not shipped, and why.
#[derive(Debug, Clone)]
pub struct UnshippedPart {
    pub quantity: Qty,
    /// `unallocated`, `backordered` or `allocated` (picking at a warehouse).
    pub state: &'static str,
    pub reason: String,
    pub expected: Option<Date>,
}

#[derive(Debug, Clone)]
pub struct Assessment {
    pub risk: Risk,
    pub reasons: Vec<String>,
}

impl Assessment {
    fn on_track() -> Self {
        Assessment {
            risk: Risk::OnTrack,
            reasons: Vec::new(),
        }
    }
    fn raise(&mut self, risk: Risk, reason: String) {
        self.risk = self.risk.max(risk);
        if !self.reasons.contains(&reason) {
            self.reasons.push(reason);
        }
    }
}

#[derive(Debug, Clone)]
pub struct LineView {
    pub line: u32,
    pub sku: String,
    pub description: String,
    pub ship_to: String,
    pub requested_date: Option<Date>,
    pub status: LineStatus,
    pub ledger: LineLedger,
    pub shipped: Vec<ShippedPart>,
    pub unshipped: Vec<UnshippedPart>,
    pub assessment: Assessment,
    pub sentence: String,
}

#[derive(Debug, Clone)]
pub struct OrderView {
    pub status: LineStatus,
    pub assessment: Assessment,
    pub lines: Vec<LineView>,
    pub sentence: String,
}

pub fn fmt_date(d: Date, today: Date) -> String {
    let m = &d.month().to_string()[..3];
    if d.year() == today.year() {
        format!("{m} {}", d.day())
    } else {
        format!("{m} {}, {}", d.day(), d.year())
    }
}

fn assess_shipment(s: &Shipment, now: OffsetDateTime, a: &mut Assessment) {
    let today = now.date();
    let status = s.status();
    let carrier = &s.carrier;
    let last = s.tracking.latest.as_ref();
    let place = last
        .and_then(|e| e.location.clone())
        .map(|l| format!(" in {l}"))
        .unwrap_or_default();
    if let Some(delivered_at) = s.tracking.delivered_at.filter(|_| status == TrackingStatus::Delivered) {
        if let Some(p) = s.promised_delivery.filter(|p| delivered_at.date() > *p) {
            a.raise(
                Risk::Late,
                format!(
                    "delivered {}, after the promised {}",
                    fmt_date(delivered_at.date(), today),
                    fmt_date(p, today)
                ),
            );
        }
        return;
    }
    match status {
        TrackingStatus::Exception => {
            let what = last
                .and_then(|e| e.description.clone())
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            a.raise(Risk::AtRisk, format!("{carrier} reported an exception{place}{what}"));
        }
        TrackingStatus::FailedAttempt => {
            a.raise(Risk::AtRisk, format!("{carrier} attempted delivery{place} and failed"))
        }
        TrackingStatus::ReturnedToSender => {
            a.raise(Risk::Late, format!("{carrier} is returning the shipment to the sender"))
        }
        TrackingStatus::Expired => a.raise(Risk::AtRisk, format!("{carrier} tracking expired before delivery")),
        _ => {}
    }
    if !status.is_final() {
        let last_scan = last.map_or(s.shipped_at, |e| e.occurred_at);
        let quiet = now - last_scan;
        if quiet >= STALL_AFTER && status != TrackingStatus::AvailableForPickup {
            a.raise(
                Risk::AtRisk,
                format!("no scan from {carrier} for {} days", quiet.whole_days()),
            );
        }
        if let Some(p) = s.promised_delivery {
            if today > p {
                a.raise(
                    Risk::Late,
                    format!("promised for {}, not delivered yet", fmt_date(p, today)),
                );
            } else if let Some(e) = s.estimated_delivery.filter(|e| *e > p) {
                a.raise(
                    Risk::AtRisk,
                    format!(
                        "{carrier} now estimates {}, after the promised {}",
                        fmt_date(e, today),
                        fmt_date(p, today)
                    ),
                );
            }
        }
    }
}

fn plural(n: Qty) -> &'static str {
    if n.get() == 1 { "unit" } else { "units" }
}

/// Derives the status of every line and of the order at `now`.
pub fn order_view(order: &Order, names: &Names, now: OffsetDateTime) -> OrderView {
    let today = now.date();
    let mut lines = Vec::with_capacity(order.lines.len());
    for line in &order.lines {
        let ledger = order.ledger(line);
        let status = LineStatus::of(&ledger);
        let mut assessment = Assessment::on_track();
        let mut shipped = Vec::new();
        let mut phrases = Vec::new();
        for s in order.shipments_of(line).filter(|s| !s.quantity_of(line.no).is_zero()) {
            let q = s.quantity_of(line.no);
            assess_shipment(s, now, &mut assessment);
            let from = names.fulfilment(s.from);
            let track = s
                .tracking_number
                .as_deref()
                .map(|t| format!(" {t}"))
                .unwrap_or_default();
            let phrase = match s.status() {
                TrackingStatus::Delivered => {
                    let when = s
                        .tracking
                        .delivered_at
                        .map(|d| format!(" on {}", fmt_date(d.date(), today)))
                        .unwrap_or_default();
                    let short = s
                        .receipt
                        .as_ref()
                        .and_then(|r| r.lines.iter().find(|l| l.line == line.no))
                        .map(|r| {
                            let missing = q.saturating_sub(r.received + r.damaged + r.wrong_item);
                            let mut issues = Vec::new();
                            if !missing.is_zero() {
                                issues.push(format!("{missing} short"));
                            }
                            if !r.damaged.is_zero() {
                                issues.push(format!("{} damaged", r.damaged));
                            }
                            if !r.wrong_item.is_zero() {
                                issues.push(format!("{} wrong item", r.wrong_item));
                            }
                            if issues.is_empty() {
                                String::new()
                            } else {
                                format!(" (you reported {})", issues.join(", "))
                            }
                        })
                        .unwrap_or_default();
                    if !short.is_empty() {
                        assessment.raise(
                            Risk::AtRisk,
                            format!(
                                "delivery reported{}",
                                short.trim_start_matches(" (you reported").trim_end_matches(')')
                            ),
                        );
                    }
                    format!("{q} delivered{when} from {from} via {}{track}{short}", s.carrier)
                }
                TrackingStatus::ReturnedToSender => format!("{q} returned to sender by {}{track}", s.carrier),
                st => format!(
                    "{q} shipped {} from {from} via {}{track} ({})",
                    fmt_date(s.shipped_at.date(), today),
                    s.carrier,
                    st.as_str().replace('_', " ")
                ),
            };
            phrases.push(phrase);
            shipped.push(ShippedPart {
                shipment_id: s.id,
                quantity: q,
                from,
                to: names.location(s.to),
                carrier: s.carrier.clone(),
                service: s.service.clone(),
                tracking_number: s.tracking_number.clone(),
                tracking_url: s.tracking_url.clone(),
                shipped_at: s.shipped_at,
                tracking_status: s.status(),
                delivered_at: s.tracking.delivered_at,
                promised_delivery: s.promised_delivery,
                estimated_delivery: s.estimated_delivery,
                last_scan_at: s.tracking.latest.as_ref().map(|e| e.occurred_at),
                last_scan_location: s.tracking.latest.as_ref().and_then(|e| e.location.clone()),
            });
        }
        let mut unshipped = Vec::new();
        let requested_passed = line.requested_date.filter(|r| today > *r);
        if !ledger.backordered.is_zero() {
            let b = line
                .backorder
                .as_ref()
                .expect("backordered quantity implies a backorder");
            let mut reason = format!("backordered: {}", b.reason);
            match (b.expected, b.history.last()) {
                (Some(e), Some(ch)) if ch.from.is_some() && ch.from != Some(e) => {
                    let from = ch.from.map(|d| fmt_date(d, today)).unwrap_or_default();
                    reason.push_str(&format!(
                        "; expected {}, moved from {from} by {} ({})",
                        fmt_date(e, today),
                        ch.by,
                        ch.reason
                    ));
                    // Only a slip is a risk; a date brought forward is good news.
                    if ch.from.is_some_and(|f| e > f) {
                        assessment.raise(
                            Risk::AtRisk,
                            format!(
                                "backorder date moved from {from} to {} by {}",
                                fmt_date(e, today),
                                ch.by
                            ),
                        );
                    }
                }
                (Some(e), _) => reason.push_str(&format!("; expected {}", fmt_date(e, today))),
                (None, _) => {
                    reason.push_str("; no expected date yet");
                    assessment.raise(
                        Risk::AtRisk,
                        format!(
                            "{} {} backordered with no expected date",
                            ledger.backordered,
                            plural(ledger.backordered)
                        ),
                    );
                }
            }
            if let (Some(e), Some(r)) = (b.expected, line.requested_date)
                && e > r
                && today <= r
            {
                assessment.raise(
                    Risk::AtRisk,
                    format!(
                        "backorder expected {}, after the requested {}",
                        fmt_date(e, today),
                        fmt_date(r, today)
                    ),
                );
            }
            phrases.push(format!("{} {reason}", ledger.backordered));
            unshipped.push(UnshippedPart {
                quantity: ledger.backordered,
                state: "backordered",
                reason,
                expected: b.expected,
            });
        }
        if !ledger.allocated.is_zero() {
            let locs: Vec<String> = line
                .allocations
                .iter()
                .filter(|a| {
                    let shipped_here: Qty = order
                        .shipments
                        .iter()
                        .filter(|s| s.from == a.location)
                        .map(|s| s.quantity_of(line.no))
                        .sum();
                    a.quantity > shipped_here
                })
                .map(|a| names.fulfilment(a.location))
                .collect();
            let reason = format!("being prepared at {}", locs.join(" and "));
            phrases.push(format!("{} {reason}", ledger.allocated));
            unshipped.push(UnshippedPart {
                quantity: ledger.allocated,
                state: "allocated",
                reason,
                expected: None,
            });
        }
        if !ledger.unallocated.is_zero() {
            let reason = "received, not yet assigned to a warehouse".to_string();
            phrases.push(format!("{} {reason}", ledger.unallocated));
            unshipped.push(UnshippedPart {
                quantity: ledger.unallocated,
                state: "unallocated",
                reason,
                expected: None,
            });
        }
        if let Some(r) = requested_passed {
            let open_unshipped = ledger.backordered + ledger.allocated + ledger.unallocated;
            if !open_unshipped.is_zero() {
                assessment.raise(
                    Risk::Late,
                    format!(
                        "{open_unshipped} {} requested for {} have not shipped",
                        plural(open_unshipped),
                        fmt_date(r, today)
                    ),
                );
            }
        }
        if !ledger.cancelled.is_zero() {
            phrases.push(format!("{} cancelled", ledger.cancelled));
        }
        let mut sentence = format!(
            "Line {} ({} × {}) to {}: {}.",
            line.no,
            line.quantity,
            line.description,
            names.location(line.ship_to),
            phrases.join("; ")
        );
        match assessment.risk {
            Risk::OnTrack => {}
            r => sentence.push_str(&format!(
                " {}: {}.",
                if r == Risk::Late { "Late" } else { "At risk" },
                assessment.reasons.join("; ")
            )),
        }
        lines.push(LineView {
            line: line.no,
            sku: line.sku.clone(),
            description: line.description.clone(),
            ship_to: names.location(line.ship_to),
            requested_date: line.requested_date,
            status,
            ledger,
            shipped,
            unshipped,
            assessment,
            sentence,
        });
    }
    let status = order_status(&lines);
    let mut assessment = Assessment::on_track();
    for l in &lines {
        for r in &l.assessment.reasons {
            assessment.raise(l.assessment.risk, format!("line {}: {r}", l.line));
        }
    }
    let mut sentence = order_sentence(order, status, &lines, &assessment);
    if let Some(a) = order.approval.as_ref().filter(|a| !a.is_approved()) {
        sentence = format!("{} {}", sentence, a.explain());
    }
    if let Some(h) = &order.credit_hold {
        use crate::receivables::credit::HoldState;
        match h.state() {
            HoldState::Held => sentence = format!("{sentence} {}", h.reason()),
            HoldState::Rejected => {
                let why = h.decision.as_ref().and_then(|d| d.note.clone()).unwrap_or_default();
                sentence = format!("{sentence} It was rejected in credit review: {why}");
            }
            HoldState::Released => {}
        }
    }
    OrderView {
        status,
        assessment,
        lines,
        sentence,
    }
}

/// The order's progress alone (no explanation), cheap enough to compute on every write.
pub fn order_progress(order: &Order) -> LineStatus {
    let statuses: Vec<LineStatus> = order.lines.iter().map(|l| LineStatus::of(&order.ledger(l))).collect();
    combine(&statuses)
}

/// The order's progress from its lines' statuses: only which statuses occur matters, not how
/// many lines have each, so a store may keep a count per status and update it line by line.
pub fn progress_of(statuses: impl IntoIterator<Item = LineStatus>) -> LineStatus {
    combine(&statuses.into_iter().collect::<Vec<_>>())
}

fn order_status(lines: &[LineView]) -> LineStatus {
    combine(&lines.iter().map(|l| l.status).collect::<Vec<_>>())
}

fn combine(statuses: &[LineStatus]) -> LineStatus {
    let active: Vec<LineStatus> = statuses
        .iter()
        .copied()
        .filter(|s| *s != LineStatus::Cancelled)
        .collect();
    if active.is_empty() {
        return LineStatus::Cancelled;
    }
    let all = |s: LineStatus| active.iter().all(|l| *l == s);
    let any = |f: &dyn Fn(LineStatus) -> bool| active.iter().any(|l| f(*l));
    let some_delivered = any(&|s| {
        matches!(
            s,
            LineStatus::Delivered | LineStatus::PartiallyDelivered | LineStatus::PartiallyDeliveredPartiallyShipped
        )
    });
    let some_unshipped = any(&|s| {
        matches!(
            s,
            LineStatus::Pending
                | LineStatus::Backordered
                | LineStatus::Allocated
                | LineStatus::PartiallyShipped
                | LineStatus::PartiallyDeliveredPartiallyShipped
        )
    });
    if all(LineStatus::Delivered) {
        LineStatus::Delivered
    } else if some_delivered && some_unshipped {
        LineStatus::PartiallyDeliveredPartiallyShipped
    } else if some_delivered {
        LineStatus::PartiallyDelivered
    } else if all(LineStatus::Shipped) {
        LineStatus::Shipped
    } else if any(&|s| matches!(s, LineStatus::Shipped | LineStatus::PartiallyShipped)) {
        LineStatus::PartiallyShipped
    } else if any(&|s| s == LineStatus::Backordered) {
        LineStatus::Backordered
    } else if any(&|s| s == LineStatus::Allocated) {
        LineStatus::Allocated
    } else {
        LineStatus::Pending
    }
}

fn order_sentence(order: &Order, status: LineStatus, lines: &[LineView], a: &Assessment) -> String {
    let active = lines.iter().filter(|l| l.status != LineStatus::Cancelled).count();
    let count = |f: &dyn Fn(&LineView) -> bool| lines.iter().filter(|l| f(l)).count();
    let delivered = count(&|l| l.status == LineStatus::Delivered);
    let moving = count(&|l| !l.ledger.in_transit.is_zero());
    let backordered = count(&|l| !l.ledger.backordered.is_zero());
    let waiting = count(&|l| !(l.ledger.allocated + l.ledger.unallocated).is_zero());
    let mut parts = Vec::new();
    if status == LineStatus::Cancelled {
        return format!("Order {} was cancelled.", order.number);
    }
    if delivered == active {
        parts.push("everything has been delivered".to_string());
    } else {
        if delivered > 0 {
            parts.push(format!("{delivered} of {active} lines delivered"));
        }
        if moving > 0 {
            parts.push(format!(
                "{moving} {} on the way",
                if moving == 1 { "line" } else { "lines" }
            ));
        }
        if backordered > 0 {
            parts.push(format!("{backordered} backordered"));
        }
        if waiting > 0 {
            parts.push(format!("{waiting} not shipped yet"));
        }
    }
    let mut s = format!("Order {}: {}.", order.number, parts.join(", "));
    match a.risk {
        Risk::OnTrack => s.push_str(" On track."),
        Risk::AtRisk => s.push_str(&format!(" At risk — {}.", a.reasons.join("; "))),
        Risk::Late => s.push_str(&format!(" Late — {}.", a.reasons.join("; "))),
    }
    s
}
