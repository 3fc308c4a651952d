//! Exceptions: what went wrong after checkout, detected before the customer asks.
//!
//! A rule is a function "given this record and now, which causes hold?". Detection and
//! auto-resolution are the same rule: an open exception whose cause is no longer among the
//! record's causes resolves itself (the parcel was delivered, the invoice was paid). Each cause
//! carries a **key** naming the record *and the fact* that caused it (the shipment and the time
//! of its last scan, the invoice and its due date), so one occurrence raises at most one
//! exception even across processes (the application stores the key in a unique column), while
//! a new occurrence (a parcel that stalls again after a fresh scan) is a new key.

use crate::account::Account;
use crate::approval::{ApprovalState, ApprovalWorkflow};
use crate::error::{ErrorCode, Rejection};
use crate::ids::{AccountId, InvoiceId, LocationId, OrderId, ShipmentId};
use crate::invoice::Invoice;
use crate::matching::MatchReport;
use crate::order::{Order, Shipment};
use crate::status::fmt_date;
use crate::tracking::TrackingStatus;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExceptionId(pub Uuid);

impl std::fmt::Display for ExceptionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    ShipmentLate,
    TrackingStalled,
    CarrierException,
    BackorderSlipped,
    BackorderMissingDate,
    InvoiceMismatch,
    PaymentOverdue,
    ApprovalWaiting,
    DeliveryShortOrDamaged,
    /// A change request routed to the seller (goods already released to a warehouse floor)
    /// and waiting on its decision longer than [`Thresholds::change_after`].
    ChangeRequestWaiting,
}

impl ExceptionKind {
    pub const ALL: [ExceptionKind; 10] = [
        ExceptionKind::ShipmentLate,
        ExceptionKind::TrackingStalled,
        ExceptionKind::CarrierException,
        ExceptionKind::BackorderSlipped,
        ExceptionKind::BackorderMissingDate,
        ExceptionKind::InvoiceMismatch,
        ExceptionKind::PaymentOverdue,
        ExceptionKind::ApprovalWaiting,
        ExceptionKind::DeliveryShortOrDamaged,
        ExceptionKind::ChangeRequestWaiting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionKind::ShipmentLate => "shipment_late",
            ExceptionKind::TrackingStalled => "tracking_stalled",
            ExceptionKind::CarrierException => "carrier_exception",
            ExceptionKind::BackorderSlipped => "backorder_slipped",
            ExceptionKind::BackorderMissingDate => "backorder_missing_date",
            ExceptionKind::InvoiceMismatch => "invoice_mismatch",
            ExceptionKind::PaymentOverdue => "payment_overdue",
            ExceptionKind::ApprovalWaiting => "approval_waiting",
            ExceptionKind::DeliveryShortOrDamaged => "delivery_short_or_damaged",
            ExceptionKind::ChangeRequestWaiting => "change_request_waiting",
        }
    }

    pub fn parse(s: &str) -> Option<ExceptionKind> {
        ExceptionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What a person calls it.
    pub fn label(self) -> &'static str {
        match self {
            ExceptionKind::ShipmentLate => "Shipment late",
            ExceptionKind::TrackingStalled => "Tracking stalled",
            ExceptionKind::CarrierException => "Carrier exception",
            ExceptionKind::BackorderSlipped => "Backorder date slipped",
            ExceptionKind::BackorderMissingDate => "Backorder without a date",
            ExceptionKind::InvoiceMismatch => "Invoice does not match",
            ExceptionKind::PaymentOverdue => "Payment overdue",
            ExceptionKind::ApprovalWaiting => "Approval waiting too long",
            ExceptionKind::DeliveryShortOrDamaged => "Delivery short or damaged",
            ExceptionKind::ChangeRequestWaiting => "Change request waiting",
        }
    }

    /// The seller team that owns it by default.
    pub fn owner(self) -> Team {
        match self {
            ExceptionKind::ShipmentLate | ExceptionKind::TrackingStalled | ExceptionKind::CarrierException => {
                Team::Operations
            }
            ExceptionKind::BackorderSlipped | ExceptionKind::BackorderMissingDate => Team::Operations,
            ExceptionKind::InvoiceMismatch | ExceptionKind::PaymentOverdue => Team::Finance,
            ExceptionKind::ApprovalWaiting
            | ExceptionKind::DeliveryShortOrDamaged
            | ExceptionKind::ChangeRequestWaiting => Team::Service,
        }
    }

    /// Whether the customer is shown it (their deliveries and backorders). Internal checks
    /// (invoice matching, dunning, the seller's own queue) stay the seller's.
    pub fn customer_facing(self) -> bool {
        matches!(
            self,
            ExceptionKind::ShipmentLate
                | ExceptionKind::TrackingStalled
                | ExceptionKind::CarrierException
                | ExceptionKind::BackorderSlipped
                | ExceptionKind::BackorderMissingDate
                | ExceptionKind::DeliveryShortOrDamaged
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Team {
    Service,
    Operations,
    Finance,
}

impl Team {
    pub const ALL: [Team; 3] = [Team::Service, Team::Operations, Team::Finance];
    pub fn as_str(self) -> &'static str {
        match self {
            Team::Service => "service",
            Team::Operations => "operations",
            Team::Finance => "finance",
        }
    }
    pub fn parse(s: &str) -> Option<Team> {
        Team::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionState {
    Open,
    Acknowledged,
    Resolved,
    AutoResolved,
}

impl ExceptionState {
    pub const ALL: [ExceptionState; 4] = [
        ExceptionState::Open,
        ExceptionState::Acknowledged,
        ExceptionState::Resolved,
        ExceptionState::AutoResolved,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionState::Open => "open",
            ExceptionState::Acknowledged => "acknowledged",
            ExceptionState::Resolved => "resolved",
            ExceptionState::AutoResolved => "auto_resolved",
        }
    }
    pub fn parse(s: &str) -> Option<ExceptionState> {
        ExceptionState::ALL.into_iter().find(|t| t.as_str() == s)
    }
    /// Still in the queue: open or acknowledged.
    pub fn is_active(self) -> bool {
        matches!(self, ExceptionState::Open | ExceptionState::Acknowledged)
    }
}

/// The record an exception is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Subject {
    Order(OrderId),
    Shipment(ShipmentId),
    Invoice(InvoiceId),
    /// A change request (its id).
    ChangeRequest(Uuid),
}

impl Subject {
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Order(_) => "order",
            Subject::Shipment(_) => "shipment",
            Subject::Invoice(_) => "invoice",
            Subject::ChangeRequest(_) => "change_request",
        }
    }
    pub fn id(&self) -> Uuid {
        match self {
            Subject::Order(i) => i.0,
            Subject::Shipment(i) => i.0,
            Subject::Invoice(i) => i.0,
            Subject::ChangeRequest(i) => *i,
        }
    }
}

/// One cause that holds now: what an exception would be raised for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub kind: ExceptionKind,
    /// Names the record and the fact; unique among exceptions (see the module doc).
    pub key: String,
    pub subject: Subject,
    pub account_id: AccountId,
    pub order: Option<(OrderId, String)>,
    /// The ship-to location it concerns, when one (who of a location-scoped account sees it).
    pub location: Option<LocationId>,
    /// For the seller: what is wrong, in plain words.
    pub explanation: String,
    /// What to do next.
    pub next_step: String,
    /// For the customer, when the kind is customer-facing.
    pub customer_text: Option<String>,
}

/// Thresholds of the clock-driven rules; configurable per deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// No scan for this long on a parcel that is not delivered: tracking stalled.
    pub stall_after: Duration,
    /// An approval step waiting this long.
    pub approval_after: Duration,
    /// Days past the due date before an unpaid invoice is an exception (0: the day after).
    pub overdue_grace_days: i64,
    /// A change request waiting on the seller's decision this long.
    pub change_after: Duration,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            stall_after: Duration::days(3),
            approval_after: Duration::days(2),
            overdue_grace_days: 0,
            change_after: Duration::days(1),
        }
    }
}

fn ts(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// Where a shipment goes, for people: the location's name on the account.
pub fn location_name(account: Option<&Account>, id: LocationId) -> String {
    account
        .and_then(|a| a.locations.iter().find(|l| l.id == id))
        .map(|l| l.name.clone())
        .unwrap_or_else(|| "your location".into())
}

/// The causes one shipment gives: late against its promise, tracking stalled, carrier trouble.
/// `ship_to` is the destination's name ("Memphis DC").
pub fn shipment_causes(
    order: (OrderId, &str, AccountId),
    s: &Shipment,
    ship_to: &str,
    now: OffsetDateTime,
    th: &Thresholds,
) -> Vec<Cause> {
    let (order_id, number, account_id) = order;
    let today = now.date();
    let status = s.status();
    let mut out = Vec::new();
    if status.is_final() {
        return out;
    }
    let base = |kind: ExceptionKind, key: String, explanation: String, next: &str, customer: String| Cause {
        kind,
        key,
        subject: Subject::Shipment(s.id),
        account_id,
        order: Some((order_id, number.to_owned())),
        location: Some(s.to),
        explanation,
        next_step: next.to_owned(),
        customer_text: Some(customer),
    };
    let last = s.tracking.latest.as_ref();
    let place = last
        .and_then(|e| e.location.clone())
        .map(|l| format!(" in {l}"))
        .unwrap_or_default();
    let trouble = status.needs_attention();
    let carrier_phrase = match status {
        TrackingStatus::Exception => "carrier exception",
        TrackingStatus::FailedAttempt => "delivery attempt failed",
        TrackingStatus::Expired => "tracking expired",
        _ => "",
    };
    if trouble {
        let at = last.map_or(ts(s.shipped_at), |e| ts(e.occurred_at));
        let what = last
            .and_then(|e| e.description.clone())
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        out.push(base(
            ExceptionKind::CarrierException,
            format!("carrier_exception:{}:{at}", s.id),
            format!(
                "{} reported {}{place}{what} on the delivery of {number} to {ship_to}",
                s.carrier,
                status.as_str().replace('_', " ")
            ),
            "Contact the carrier about the parcel, then tell the customer the new delivery date",
            format!("Your delivery to {ship_to}: {carrier_phrase}{place}. We are on it."),
        ));
    }
    if let Some(p) = s.promised_delivery.filter(|p| today > *p) {
        let days = (today - p).whole_days();
        let why = if trouble {
            format!(": {carrier_phrase}")
        } else {
            String::new()
        };
        out.push(base(
            ExceptionKind::ShipmentLate,
            format!("shipment_late:{}:{p}", s.id),
            format!(
                "{number} to {ship_to} was promised for {}, not delivered yet ({days} {} late, {} says {})",
                fmt_date(p, today),
                if days == 1 { "day" } else { "days" },
                s.carrier,
                status.as_str().replace('_', " ")
            ),
            "Ask the carrier for a delivery date and tell the customer",
            format!(
                "Your delivery to {ship_to} is {days} {} late{why}",
                if days == 1 { "day" } else { "days" }
            ),
        ));
    }
    let last_scan = last.map_or(s.shipped_at, |e| e.occurred_at);
    let quiet = now - last_scan;
    if quiet >= th.stall_after && status != TrackingStatus::AvailableForPickup && !trouble {
        let days = quiet.whole_days();
        out.push(base(
            ExceptionKind::TrackingStalled,
            format!("tracking_stalled:{}:{}", s.id, ts(last_scan)),
            format!(
                "No scan from {} for {days} days on {number} to {ship_to} (last: {}{place})",
                s.carrier,
                status.as_str().replace('_', " ")
            ),
            "Open a trace with the carrier; reship if the parcel is lost",
            format!(
                "Your delivery to {ship_to} has had no carrier update for {days} days. We have asked {}.",
                s.carrier
            ),
        ));
    }
    out
}

/// The causes of a delivered shipment's receipt: the customer reported short, damaged or wrong
/// items. They hold while the receipt says so (resolved by people, or by a return's credit).
pub fn receipt_causes(order: (OrderId, &str, AccountId), s: &Shipment, ship_to: &str) -> Vec<Cause> {
    let (order_id, number, account_id) = order;
    let Some(r) = &s.receipt else { return Vec::new() };
    let mut issues = Vec::new();
    for l in &r.lines {
        let q = s.quantity_of(l.line);
        let missing = q.saturating_sub(l.received + l.damaged + l.wrong_item);
        if !missing.is_zero() {
            issues.push(format!("line {}: {missing} short", l.line));
        }
        if !l.damaged.is_zero() {
            issues.push(format!("line {}: {} damaged", l.line, l.damaged));
        }
        if !l.wrong_item.is_zero() {
            issues.push(format!("line {}: {} wrong item", l.line, l.wrong_item));
        }
    }
    if issues.is_empty() {
        return Vec::new();
    }
    let list = issues.join(", ");
    vec![Cause {
        kind: ExceptionKind::DeliveryShortOrDamaged,
        key: format!("delivery_short_or_damaged:{}:{}", s.id, ts(r.at)),
        subject: Subject::Shipment(s.id),
        account_id,
        order: Some((order_id, number.to_owned())),
        location: Some(s.to),
        explanation: format!("{} reported on receipt of {number} at {ship_to}: {list}", r.by),
        next_step: "Offer a replacement or a credit, or start a return".into(),
        customer_text: Some(format!(
            "You reported a problem with your delivery to {ship_to} ({list}). We are sorting it out."
        )),
    }]
}

/// The backorder causes of an order: a date that moved later, or no date at all.
pub fn backorder_causes(order: &Order, account: Option<&Account>, now: OffsetDateTime) -> Vec<Cause> {
    let today = now.date();
    let mut out = Vec::new();
    for line in &order.lines {
        let ledger = order.ledger(line);
        if ledger.backordered.is_zero() {
            continue;
        }
        let Some(b) = &line.backorder else { continue };
        let to = location_name(account, line.ship_to);
        let mk = |kind, key, explanation, next: &str, customer| Cause {
            kind,
            key,
            subject: Subject::Order(order.id),
            account_id: order.account_id,
            order: Some((order.id, order.number.clone())),
            location: Some(line.ship_to),
            explanation,
            next_step: next.to_owned(),
            customer_text: Some(customer),
        };
        match (b.expected, b.history.last()) {
            (None, _) => out.push(mk(
                ExceptionKind::BackorderMissingDate,
                format!("backorder_missing_date:{}:{}:{}", order.id, line.no, ts(b.set_at)),
                format!(
                    "{} × {} on {} (line {}) backordered with no expected date: {}",
                    ledger.backordered, line.sku, order.number, line.no, b.reason
                ),
                "Get a date from the supplier or warehouse and record it",
                format!(
                    "{} {} for {to} are backordered; we are getting a date and will tell you",
                    ledger.backordered, line.description
                ),
            )),
            (Some(e), Some(ch)) if ch.from.is_some_and(|f| e > f) => {
                let from = ch.from.map(|d| fmt_date(d, today)).unwrap_or_default();
                out.push(mk(
                    ExceptionKind::BackorderSlipped,
                    format!("backorder_slipped:{}:{}:{e}", order.id, line.no),
                    format!(
                        "Backorder on {} line {} ({}) moved from {from} to {} by {}: {}",
                        order.number,
                        line.no,
                        line.sku,
                        fmt_date(e, today),
                        ch.by,
                        ch.reason
                    ),
                    "Tell the customer the new date, or offer a substitute or cancellation",
                    format!(
                        "{} for {to}: the backorder date moved from {from} to {}",
                        line.description,
                        fmt_date(e, today)
                    ),
                ));
            }
            _ => {}
        }
    }
    out
}

/// An approval step waiting longer than the threshold (the customer's approvers; the service
/// team nudges them or the buyer).
pub fn approval_causes(
    order: (OrderId, &str, AccountId),
    wf: &ApprovalWorkflow,
    now: OffsetDateTime,
    th: &Thresholds,
) -> Vec<Cause> {
    let (order_id, number, account_id) = order;
    let ApprovalState::Pending { step_index } = wf.state() else {
        return Vec::new();
    };
    let since = step_index
        .checked_sub(1)
        .and_then(|i| wf.steps.get(i))
        .and_then(|s| s.decision.as_ref())
        .map_or(wf.started_at, |d| d.at);
    let waited = now - since;
    if waited < th.approval_after {
        return Vec::new();
    }
    vec![Cause {
        kind: ExceptionKind::ApprovalWaiting,
        key: format!("approval_waiting:{order_id}:{step_index}"),
        subject: Subject::Order(order_id),
        account_id,
        order: Some((order_id, number.to_owned())),
        location: None,
        explanation: format!(
            "{number} has waited {} days for approval step {} (since {})",
            waited.whole_days(),
            step_index + 1,
            fmt_date(since.date(), now.date())
        ),
        next_step: "Remind the approver or their account admin; nothing ships until it is approved".into(),
        customer_text: None,
    }]
}

/// All the causes of one order read whole: its shipments, receipts, backorders and approval.
pub fn order_causes(order: &Order, account: Option<&Account>, now: OffsetDateTime, th: &Thresholds) -> Vec<Cause> {
    let who = (order.id, order.number.as_str(), order.account_id);
    let mut out = Vec::new();
    for s in &order.shipments {
        let to = location_name(account, s.to);
        out.extend(shipment_causes(who, s, &to, now, th));
        out.extend(receipt_causes(who, s, &to));
    }
    out.extend(backorder_causes(order, account, now));
    if let Some(wf) = &order.approval {
        out.extend(approval_causes(who, wf, now, th));
    }
    out
}

/// An unpaid invoice past its due date (plus the grace).
pub fn overdue_causes(inv: &Invoice, now: OffsetDateTime, th: &Thresholds) -> Vec<Cause> {
    let today = now.date();
    let balance = inv.balance();
    if !balance.is_positive() || (today - inv.due_on).whole_days() <= th.overdue_grace_days {
        return Vec::new();
    }
    vec![Cause {
        kind: ExceptionKind::PaymentOverdue,
        key: format!("payment_overdue:{}:{}", inv.id, inv.due_on),
        subject: Subject::Invoice(inv.id),
        account_id: inv.account_id,
        order: None,
        location: None,
        explanation: format!(
            "{} is {} days overdue: {balance} open, due {}",
            inv.number,
            (today - inv.due_on).whole_days(),
            fmt_date(inv.due_on, today)
        ),
        next_step: "Send a reminder to the account's finance contact; check for a dispute first".into(),
        customer_text: None,
    }]
}

/// An invoice whose match against orders and shipments finds differences that still matter:
/// only while it has a balance (a credit or payment settling it clears the cause).
pub fn mismatch_causes(inv: &Invoice, report: &MatchReport) -> Vec<Cause> {
    if report.matches || !inv.balance().is_positive() {
        return Vec::new();
    }
    // The key names the differences, so a different mismatch later is a new exception.
    let mut kinds: Vec<&str> = report
        .lines
        .iter()
        .flat_map(|l| l.discrepancies.iter())
        .chain(report.header.iter())
        .map(|d| d.kind.as_str())
        .collect();
    kinds.sort();
    kinds.dedup();
    vec![Cause {
        kind: ExceptionKind::InvoiceMismatch,
        key: format!("invoice_mismatch:{}:{}", inv.id, kinds.join("+")),
        subject: Subject::Invoice(inv.id),
        account_id: inv.account_id,
        order: None,
        location: None,
        explanation: format!("{}: {}", inv.number, report.summary),
        next_step: "Check the invoice against the order and shipments; issue a credit memo for what was billed wrongly"
            .into(),
        customer_text: None,
    }]
}

/// One change to an exception, for its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionChange {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub by: String,
    pub what: String,
    pub note: Option<String>,
}

/// An exception as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    pub id: ExceptionId,
    pub kind: ExceptionKind,
    pub cause_key: String,
    pub subject: Subject,
    pub account_id: AccountId,
    pub order: Option<(OrderId, String)>,
    pub location: Option<LocationId>,
    pub owner: Team,
    pub assignee: Option<String>,
    pub state: ExceptionState,
    pub explanation: String,
    pub next_step: String,
    pub customer_text: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub resolved_at: Option<OffsetDateTime>,
    pub resolution_note: Option<String>,
    pub history: Vec<ExceptionChange>,
}

fn refuse(field: &str, msg: impl Into<String>) -> Rejection {
    Rejection::new(ErrorCode::InvalidState, field, msg)
}

impl Exception {
    pub fn raise(id: ExceptionId, c: Cause, now: OffsetDateTime) -> Exception {
        Exception {
            id,
            kind: c.kind,
            cause_key: c.key,
            subject: c.subject,
            account_id: c.account_id,
            order: c.order,
            location: c.location,
            owner: c.kind.owner(),
            assignee: None,
            state: ExceptionState::Open,
            explanation: c.explanation,
            next_step: c.next_step,
            customer_text: c.customer_text.filter(|_| c.kind.customer_facing()),
            opened_at: now,
            resolved_at: None,
            resolution_note: None,
            history: Vec::new(),
        }
    }

    pub fn customer_facing(&self) -> bool {
        self.kind.customer_facing() && self.customer_text.is_some()
    }

    /// Age in whole days.
    pub fn age_days(&self, now: OffsetDateTime) -> i64 {
        (now - self.opened_at).whole_days().max(0)
    }

    fn push(&mut self, at: OffsetDateTime, by: &str, what: &str, note: Option<String>) {
        self.history.push(ExceptionChange {
            at,
            by: by.to_owned(),
            what: what.to_owned(),
            note,
        });
    }

    pub fn acknowledge(&mut self, by: &str, at: OffsetDateTime) -> Result<(), Rejection> {
        match self.state {
            ExceptionState::Open => {
                self.state = ExceptionState::Acknowledged;
                self.push(at, by, "acknowledged", None);
                Ok(())
            }
            ExceptionState::Acknowledged => Ok(()),
            _ => Err(refuse("state", "the exception is already resolved")),
        }
    }

    pub fn assign(&mut self, to: Option<String>, by: &str, at: OffsetDateTime) -> Result<(), Rejection> {
        if !self.state.is_active() {
            return Err(refuse("state", "the exception is already resolved"));
        }
        let what = match &to {
            Some(a) => format!("assigned to {a}"),
            None => "unassigned".into(),
        };
        self.assignee = to;
        self.push(at, by, &what, None);
        Ok(())
    }

    pub fn resolve(&mut self, by: &str, note: Option<String>, at: OffsetDateTime) -> Result<(), Rejection> {
        if !self.state.is_active() {
            return Err(refuse("state", "the exception is already resolved"));
        }
        self.state = ExceptionState::Resolved;
        self.resolved_at = Some(at);
        self.resolution_note = note.clone();
        self.push(at, by, "resolved", note);
        Ok(())
    }

    /// The cause no longer holds: resolved by itself. Only active exceptions; a no-op otherwise.
    pub fn auto_resolve(&mut self, why: &str, at: OffsetDateTime) -> bool {
        if !self.state.is_active() {
            return false;
        }
        self.state = ExceptionState::AutoResolved;
        self.resolved_at = Some(at);
        self.resolution_note = Some(why.to_owned());
        self.push(at, "Aftercart", "resolved by itself", Some(why.to_owned()));
        true
    }
}

/// A change request waiting on the seller: `waiting_since` is when it was routed to them, `None`
/// once it was decided (or never routed). The key names the request only: it waits once.
pub fn change_request_causes(
    request: Uuid,
    number: &str,
    account_id: AccountId,
    order: (OrderId, &str),
    waiting_since: Option<OffsetDateTime>,
    now: OffsetDateTime,
    th: &Thresholds,
) -> Vec<Cause> {
    let Some(since) = waiting_since.filter(|s| now - *s >= th.change_after) else {
        return Vec::new();
    };
    let waited = now - since;
    let how_long = if waited >= Duration::days(2) {
        format!("{} days", waited.whole_days())
    } else {
        format!("{} hours", waited.whole_hours())
    };
    vec![Cause {
        kind: ExceptionKind::ChangeRequestWaiting,
        key: format!("change_request_waiting:{request}"),
        subject: Subject::ChangeRequest(request),
        account_id,
        order: Some((order.0, order.1.to_owned())),
        location: None,
        explanation: format!(
            "Change request {number} on order {} has waited {how_long} for the warehouse's answer",
            order.1
        ),
        next_step: "Ask the warehouse whether the released goods can still be pulled, then accept or reject the request with the reason".into(),
        customer_text: None,
    }]
}

/// What clears a cause of this kind, for the auto-resolution note.
pub fn cleared_because(kind: ExceptionKind) -> &'static str {
    match kind {
        ExceptionKind::ShipmentLate | ExceptionKind::TrackingStalled | ExceptionKind::CarrierException => {
            "the carrier reported progress or delivery"
        }
        ExceptionKind::BackorderSlipped | ExceptionKind::BackorderMissingDate => {
            "the backorder was allocated, dated or cancelled"
        }
        ExceptionKind::InvoiceMismatch => "the invoice now matches or was settled",
        ExceptionKind::PaymentOverdue => "the invoice was paid or credited",
        ExceptionKind::ApprovalWaiting => "the approval step was decided",
        ExceptionKind::DeliveryShortOrDamaged => "the receipt no longer reports a problem",
        ExceptionKind::ChangeRequestWaiting => "the change request was decided",
    }
}

/// Which kinds a rule evaluation over a subject covers: an exception of another kind about the
/// same record is not judged by it (an order read through its shipments says nothing about its
/// approval).
pub fn covers(subject_rules: &[ExceptionKind], e: &Exception) -> bool {
    subject_rules.contains(&e.kind)
}

/// Kinds judged by reading an order whole.
pub const ORDER_KINDS: [ExceptionKind; 7] = [
    ExceptionKind::ShipmentLate,
    ExceptionKind::TrackingStalled,
    ExceptionKind::CarrierException,
    ExceptionKind::BackorderSlipped,
    ExceptionKind::BackorderMissingDate,
    ExceptionKind::ApprovalWaiting,
    ExceptionKind::DeliveryShortOrDamaged,
];

/// Kinds judged by reading an invoice with its match.
pub const INVOICE_KINDS: [ExceptionKind; 2] = [ExceptionKind::InvoiceMismatch, ExceptionKind::PaymentOverdue];

#[cfg(test)]
mod tests;
