//! Exceptions: the detector that raises and resolves them, and the queue staff work.
//!
//! The rules live in `aftercart_domain::exception` ("given this record and now, which causes
//! hold?"). The detector applies them in two ways:
//! - **on events**: it follows the event log per account (`store.events` after a cursor), and
//!   re-judges every order and invoice an event touched, so an exception appears (or resolves)
//!   within one tick of the scan, receipt or payment that caused (or cleared) it;
//! - **on the clock**: a periodic pass over candidates read through indexed lists only —
//!   shipments whose stored tracking status is not final, orders whose status is
//!   `awaiting_approval`, unpaid invoices whose due date (`at`) has passed — and over the
//!   active exceptions themselves, whose causes are re-judged so that one that no longer holds
//!   resolves itself. Nothing reads every order.
//!
//! **Several `serve` processes on one database.** Every exception stores its cause key in the
//! store's unique `(kind, number)` column: two detectors that find the same cause both try to
//! insert it and the store refuses the second (`NumberTaken`), which is taken as "already
//! raised". The key names the fact (the shipment and its last scan time, the invoice and its due
//! date), so one occurrence can never raise twice, even after it was resolved, while a new
//! occurrence is a new key. State changes (acknowledge, assign, resolve, auto-resolve) write
//! under the document's version check, so a person's resolution and the detector's never both
//! land. The event cursor is one document advanced under the version check; a detector that
//! loses that race drops its advance and may re-judge a few records next tick, which changes
//! nothing (the work is idempotent). Processes duplicate work, never outcomes.

use crate::changes::{ChangeRequest, ChangeState};
use crate::docs::{Doc, Versioned, check_version, decode, event, write};
use crate::error::{AppError, Result};
use crate::principal::{Actor, Principal};
use crate::queries::Page;
use crate::{App, Ctx, Planned, ShipmentDoc};
use aftercart_domain::account::Account;
use aftercart_domain::exception::{
    Cause, Exception, ExceptionId, ExceptionKind, ExceptionState, INVOICE_KINDS, ORDER_KINDS, Subject, Team,
    Thresholds, approval_causes, cleared_because, mismatch_causes, order_causes, overdue_causes, receipt_causes,
    shipment_causes,
};
use aftercart_domain::ids::{AccountId, InvoiceId, OrderId};
use aftercart_domain::invoice::Invoice;
use aftercart_domain::tracking::TrackingStatus;
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_store::{Commit, CommitError, DocWrite, KeyWrite, ListQuery, WriteMode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

impl Doc for Exception {
    const KIND: &'static str = "exception";
    const WHAT: &'static str = "exception";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
    /// The cause key: unique per kind of document, so one cause raises one exception.
    fn number(&self) -> Option<String> {
        Some(self.cause_key.clone())
    }
    fn status(&self) -> Option<String> {
        Some(self.state.as_str().into())
    }
    fn at(&self) -> OffsetDateTime {
        self.opened_at
    }
    /// Staff see every exception; a customer only the customer-facing ones of their account,
    /// and a location-scoped user only those about a location in their scope. Suppliers none.
    fn visible_to(&self, p: &Principal) -> bool {
        if p.is_seller() {
            return true;
        }
        if p.supplier_location().is_some() || !p.sees_account(self.account_id) || !self.customer_facing() {
            return false;
        }
        match self.location {
            Some(l) => p.sees_location(l),
            None => matches!(
                &p.kind,
                crate::PrincipalKind::Customer {
                    scope: crate::LocationScope::All,
                    ..
                }
            ),
        }
    }
}

/// Secondary keys: which record an exception is about, its order, its kind and owner (the
/// queue's filters), and the customer-facing ones per account (the customer's lists page through
/// only what they may see).
fn keys(e: &Exception) -> Vec<KeyWrite> {
    let id = e.id.0;
    let mut k = vec![
        KeyWrite {
            kind: "exception_subject",
            key: e.subject.id().to_string(),
            doc_id: id,
        },
        KeyWrite {
            kind: "exception_kind",
            key: e.kind.as_str().into(),
            doc_id: id,
        },
        KeyWrite {
            kind: "exception_owner",
            key: e.owner.as_str().into(),
            doc_id: id,
        },
    ];
    if let Some((o, _)) = &e.order {
        k.push(KeyWrite {
            kind: "exception_order",
            key: o.0.to_string(),
            doc_id: id,
        });
    }
    if e.customer_facing() {
        k.push(KeyWrite {
            kind: "exception_customer",
            key: e.account_id.0.to_string(),
            doc_id: id,
        });
    }
    k
}

/// The event cursor: the last event seq judged, over the whole log (one read per tick whatever
/// the number of accounts).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Cursor {
    #[serde(default)]
    seq: Option<i64>,
    /// Per-account cursors of earlier releases: read once, to start the log cursor at the
    /// oldest of them (what lies between is judged again, harmlessly), then dropped.
    #[serde(default, skip_serializing)]
    accounts: BTreeMap<Uuid, i64>,
}

impl Cursor {
    fn position(&self) -> i64 {
        self.seq
            .unwrap_or_else(|| self.accounts.values().copied().min().unwrap_or(0))
    }
}

const CURSOR_KIND: &str = "exception_cursor";
/// One cursor document per deployment (a fixed id, so every process finds the same one).
const CURSOR_ID: Uuid = Uuid::from_u128(0x6578_6365_7074_696f_6e5f_6375_7273_6f72);

/// Tracking statuses a parcel can still be late or stalled in (the candidates of the pass).
const OPEN_TRACKING: [TrackingStatus; 8] = [
    TrackingStatus::Pending,
    TrackingStatus::InfoReceived,
    TrackingStatus::InTransit,
    TrackingStatus::OutForDelivery,
    TrackingStatus::FailedAttempt,
    TrackingStatus::AvailableForPickup,
    TrackingStatus::Exception,
    TrackingStatus::Expired,
];

/// What one detector run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetectReport {
    pub events: usize,
    pub records: usize,
    pub raised: usize,
    pub auto_resolved: usize,
}

impl std::ops::AddAssign for DetectReport {
    fn add_assign(&mut self, o: DetectReport) {
        self.events += o.events;
        self.records += o.records;
        self.raised += o.raised;
        self.auto_resolved += o.auto_resolved;
    }
}

/// Filters of the queue.
#[derive(Debug, Clone, Default)]
pub struct ExceptionFilter {
    pub kind: Option<ExceptionKind>,
    pub owner: Option<Team>,
    /// Empty: the active ones (open and acknowledged).
    pub states: Vec<ExceptionState>,
    pub account_id: Option<AccountId>,
    /// Only exceptions opened at least this many days ago.
    pub min_age_days: Option<i64>,
    pub before: Option<Uuid>,
    pub limit: u32,
}

/// A state change asked for by a person.
#[derive(Debug, Clone)]
pub enum ExceptionStep {
    Acknowledge,
    Assign(Option<String>),
    Resolve(Option<String>),
}

impl ExceptionStep {
    fn name(&self) -> &'static str {
        match self {
            ExceptionStep::Acknowledge => "acknowledged",
            ExceptionStep::Assign(_) => "assigned",
            ExceptionStep::Resolve(_) => "resolved",
        }
    }
}

/// The detector with its thresholds (`App::detector`).
#[derive(Clone)]
pub struct Detector {
    pub app: App,
    pub thresholds: Thresholds,
    /// Events read per account per round trip.
    pub batch: u32,
}

impl App {
    pub fn detector(&self, thresholds: Thresholds) -> Detector {
        Detector {
            app: self.clone(),
            thresholds,
            batch: 500,
        }
    }

    /// One full detector run with the default thresholds: follow the event log to its end, then
    /// the clock pass. For tests, the demo and `serve`'s first tick.
    pub async fn detect_exceptions_once(&self) -> Result<DetectReport> {
        self.detector(Thresholds::default()).run_once().await
    }
}

fn exception_event(
    e: &Exception,
    actor: &Actor,
    at: OffsetDateTime,
    kind: &str,
    reason: Option<String>,
) -> aftercart_store::EventWrite {
    event(
        actor,
        at,
        kind,
        "exception",
        e.id.0,
        // Not in the account's timeline: that is the customer's, and most exceptions (and every
        // explanation written for the seller) are not. The exception's own timeline has them.
        None,
        reason,
        json!({
            "kind": e.kind.as_str(),
            "state": e.state.as_str(),
            "subject": {"kind": e.subject.kind(), "id": e.subject.id()},
            "order": e.order.as_ref().map(|(id, n)| json!({"id": id.0, "number": n})),
            "assignee": e.assignee,
        }),
    )
}

impl Detector {
    pub async fn run_once(&self) -> Result<DetectReport> {
        let mut r = self.follow_events().await?;
        r += self.clock_pass().await?;
        Ok(r)
    }

    fn now(&self) -> OffsetDateTime {
        self.app.clock.now()
    }

    // ------------------------------------------------------------ raising and resolving

    /// Raises `c` unless an exception for the same cause exists (open or not). Returns whether
    /// this call raised it. Another detector inserting the same key first is "already raised".
    async fn raise(&self, c: Cause) -> Result<bool> {
        if self.app.store.by_number(Exception::KIND, &c.key).await?.is_some() {
            return Ok(false);
        }
        let now = self.now();
        let e = Exception::raise(ExceptionId(Uuid::now_v7()), c, now);
        let mut commit = Commit {
            docs: vec![write(&e, WriteMode::Insert)?],
            keys: keys(&e),
            ..Default::default()
        };
        commit.events.push(exception_event(
            &e,
            &Actor::System,
            now,
            "exception.raised",
            Some(e.explanation.clone()),
        ));
        match self.app.store.commit(commit).await {
            Ok(()) => Ok(true),
            Err(CommitError::NumberTaken { .. } | CommitError::Conflict(_)) => Ok(false),
            Err(e) => Err(AppError::Store(aftercart_store::StoreError::new(e.to_string()))),
        }
    }

    async fn auto_resolve(&self, mut v: Versioned<Exception>) -> Result<bool> {
        let now = self.now();
        let why = cleared_because(v.value.kind);
        if !v.value.auto_resolve(why, now) {
            return Ok(false);
        }
        let commit = Commit {
            docs: vec![write(&v.value, WriteMode::Update(v.version))?],
            events: vec![exception_event(
                &v.value,
                &Actor::System,
                now,
                "exception.auto_resolved",
                Some(why.into()),
            )],
            ..Default::default()
        };
        // A person (or another detector) changed it meanwhile: theirs stands; the next pass
        // judges it again.
        match self.app.store.commit(commit).await {
            Ok(()) => Ok(true),
            Err(CommitError::Conflict(_)) => Ok(false),
            Err(e) => Err(AppError::Store(aftercart_store::StoreError::new(e.to_string()))),
        }
    }

    /// The active exceptions carrying the secondary key `(kind, key)`.
    async fn active_by_key(&self, kind: &'static str, key: String) -> Result<Vec<Versioned<Exception>>> {
        let mut out = Vec::new();
        for s in [ExceptionState::Open, ExceptionState::Acknowledged] {
            let mut before = None;
            loop {
                let rows = self
                    .app
                    .store
                    .list(ListQuery {
                        kind: Exception::KIND,
                        status: Some(s.as_str().into()),
                        key: Some((kind, key.clone())),
                        before,
                        limit: 500,
                        ..Default::default()
                    })
                    .await?;
                for r in &rows {
                    out.push(decode::<Exception>(r)?);
                }
                if rows.len() < 500 {
                    break;
                }
                before = rows.last().map(|r| r.id);
            }
        }
        Ok(out)
    }

    /// Judges a record whose rules of `kinds` were all evaluated into `causes`: raises the new
    /// causes and resolves the active exceptions of those kinds whose cause is gone.
    async fn reconcile(
        &self,
        active: Vec<Versioned<Exception>>,
        kinds: &[ExceptionKind],
        causes: Vec<Cause>,
    ) -> Result<DetectReport> {
        let mut r = DetectReport {
            records: 1,
            ..Default::default()
        };
        let holding: BTreeSet<&str> = causes.iter().map(|c| c.key.as_str()).collect();
        let open_keys: BTreeSet<String> = active.iter().map(|e| e.value.cause_key.clone()).collect();
        for e in active {
            if kinds.contains(&e.value.kind)
                && !holding.contains(e.value.cause_key.as_str())
                && self.auto_resolve(e).await?
            {
                r.auto_resolved += 1;
            }
        }
        for c in causes {
            if !open_keys.contains(&c.key) && self.raise(c).await? {
                r.raised += 1;
            }
        }
        Ok(r)
    }

    async fn account(&self, cache: &mut HashMap<AccountId, Option<Account>>, id: AccountId) -> Result<Option<Account>> {
        if let Some(a) = cache.get(&id) {
            return Ok(a.clone());
        }
        let a = match self.app.load::<Account>(&Ctx::system(), id.0).await {
            Ok(v) => Some(v.value),
            Err(AppError::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        cache.insert(id, a.clone());
        Ok(a)
    }

    /// Judges one order read whole: every order-level rule.
    pub async fn judge_order(
        &self,
        id: OrderId,
        accounts: &mut HashMap<AccountId, Option<Account>>,
    ) -> Result<DetectReport> {
        let order = match self.app.load_order(&Ctx::system(), id).await {
            Ok(o) => o.value,
            Err(AppError::NotFound { .. }) => return Ok(DetectReport::default()),
            Err(e) => return Err(e),
        };
        let account = self.account(accounts, order.account_id).await?;
        let causes = order_causes(&order, account.as_ref(), self.now(), &self.thresholds);
        let active = self.active_by_key("exception_order", id.0.to_string()).await?;
        self.reconcile(active, &ORDER_KINDS, causes).await
    }

    /// Judges one invoice: its match against orders and shipments, and whether it is overdue.
    pub async fn judge_invoice(&self, id: InvoiceId) -> Result<DetectReport> {
        let answer = match self.app.invoice_match(&Ctx::system(), id).await {
            Ok(a) => a,
            Err(AppError::NotFound { .. }) => return Ok(DetectReport::default()),
            Err(e) => return Err(e),
        };
        let inv = &answer.invoice.value;
        let mut causes = mismatch_causes(inv, &answer.report);
        causes.extend(overdue_causes(inv, self.now(), &self.thresholds));
        let active = self.active_by_key("exception_subject", id.0.to_string()).await?;
        self.reconcile(active, &INVOICE_KINDS, causes).await
    }

    // ------------------------------------------------------------ following events

    async fn load_cursor(&self) -> Result<(Cursor, Option<i64>)> {
        match self.app.store.get(CURSOR_ID).await? {
            Some(row) => {
                let c: Cursor =
                    serde_json::from_str(&row.data).map_err(|e| AppError::Corrupt(format!("exception cursor: {e}")))?;
                Ok((c, Some(row.version)))
            }
            None => Ok((Cursor::default(), None)),
        }
    }

    async fn save_cursor(&self, c: &Cursor, version: Option<i64>) -> Result<()> {
        let doc = DocWrite {
            id: CURSOR_ID,
            kind: CURSOR_KIND,
            account_id: None,
            number: None,
            status: None,
            at: self.now(),
            mode: version.map_or(WriteMode::Insert, WriteMode::Update),
            data: serde_json::to_string(c).map_err(|e| AppError::Corrupt(e.to_string()))?,
        };
        match self
            .app
            .store
            .commit(Commit {
                docs: vec![doc],
                ..Default::default()
            })
            .await
        {
            // Another detector advanced it first: its cursor stands (what this one judged since
            // is judged again next time, harmlessly).
            Ok(()) | Err(CommitError::Conflict(_)) => Ok(()),
            Err(e) => Err(AppError::Store(aftercart_store::StoreError::new(e.to_string()))),
        }
    }

    /// Follows the event log from the cursor to the end, judging each order, invoice and change
    /// request its events touch once per batch. On PostgreSQL a transaction can commit after
    /// one with a higher sequence number was read; its events are then behind the cursor. The
    /// clock pass still finds what they cause for parcels (late, stalled, carrier trouble),
    /// approvals, overdue invoices and change requests; a receipt, backorder or invoice-match
    /// cause waits for its record's next event (known gap: a high-water mark with gap tracking
    /// would close it).
    pub async fn follow_events(&self) -> Result<DetectReport> {
        let (mut cursor, version) = self.load_cursor().await?;
        let mut r = DetectReport::default();
        let mut accounts = HashMap::new();
        let mut after = cursor.position();
        loop {
            let evs = self
                .app
                .store
                .events(aftercart_store::EventFilter::All, after, self.batch)
                .await?;
            let Some(last) = evs.last().map(|e| e.seq) else { break };
            r.events += evs.len();
            let mut orders = BTreeSet::new();
            let mut invoices = BTreeSet::new();
            let mut changes = BTreeSet::new();
            for e in &evs {
                match e.subject_kind.as_str() {
                    "order" => {
                        orders.insert(e.subject_id);
                        // A change request decided (or routed) is judged at once, not at the
                        // next clock pass.
                        if e.kind.starts_with("order.change_")
                            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&e.data)
                            && let Some(id) = v["change_request_id"].as_str().and_then(|i| i.parse::<Uuid>().ok())
                        {
                            changes.insert(id);
                        }
                    }
                    "invoice" => {
                        invoices.insert(e.subject_id);
                    }
                    _ => {}
                }
            }
            for o in orders {
                r += self.judge_order(OrderId(o), &mut accounts).await?;
            }
            for i in invoices {
                r += self.judge_invoice(InvoiceId(i)).await?;
            }
            for c in changes {
                r += self.judge_change_request(c).await?;
            }
            after = last;
            if evs.len() < self.batch as usize {
                break;
            }
        }
        cursor.seq = Some(after);
        self.save_cursor(&cursor, version).await?;
        Ok(r)
    }

    /// Moves the cursor to the end of the log without judging what is behind it (a large
    /// database whose history should not be replayed; the clock pass still covers the
    /// clock-driven causes).
    pub async fn skip_history(&self) -> Result<()> {
        let (mut cursor, version) = self.load_cursor().await?;
        let last = self
            .app
            .store
            .latest_events(aftercart_store::EventFilter::All, 1)
            .await?;
        cursor.seq = Some(last.first().map_or(0, |e| e.seq));
        self.save_cursor(&cursor, version).await
    }

    // ------------------------------------------------------------ the clock pass

    /// Pages through documents of `kind` with stored `status`, optionally with `at` before `to`.
    async fn each_page<F, Fut>(
        &self,
        kind: &'static str,
        status: &str,
        to: Option<OffsetDateTime>,
        mut f: F,
    ) -> Result<()>
    where
        F: FnMut(Vec<aftercart_store::DocRow>) -> Fut,
        Fut: std::future::Future<Output = Result<()>>,
    {
        let mut before = None;
        loop {
            let rows = self
                .app
                .store
                .list(ListQuery {
                    kind,
                    status: Some(status.into()),
                    to,
                    before,
                    limit: 500,
                    ..Default::default()
                })
                .await?;
            let n = rows.len();
            before = rows.last().map(|r| r.id);
            f(rows).await?;
            if n < 500 {
                return Ok(());
            }
        }
    }

    /// The clock-driven causes over indexed candidates, then the active exceptions re-judged.
    pub async fn clock_pass(&self) -> Result<DetectReport> {
        let now = self.now();
        let th = self.thresholds;
        let mut causes: Vec<Cause> = Vec::new();
        let mut r = DetectReport::default();
        let mut names: HashMap<AccountId, Option<Account>> = HashMap::new();
        // Parcels not delivered: late against the promise, stalled, carrier trouble.
        // One page at a time (memory stays one page, whatever the number of parcels in transit).
        for st in OPEN_TRACKING {
            let mut before = None;
            loop {
                let rows = self
                    .app
                    .store
                    .list(ListQuery {
                        kind: "shipment",
                        status: Some(st.as_str().into()),
                        before,
                        limit: 500,
                        ..Default::default()
                    })
                    .await?;
                r.records += rows.len();
                for row in &rows {
                    let d = decode::<ShipmentDoc>(row)?.value;
                    let acct = self.account(&mut names, d.account_id).await?;
                    let to = aftercart_domain::exception::location_name(acct.as_ref(), d.shipment.to);
                    for c in shipment_causes((d.order_id, &d.order_number, d.account_id), &d.shipment, &to, now, &th) {
                        if self.raise(c).await? {
                            r.raised += 1;
                        }
                    }
                }
                if rows.len() < 500 {
                    break;
                }
                before = rows.last().map(|r| r.id);
            }
        }
        // Orders waiting for approval.
        let mut waiting = Vec::new();
        self.each_page("order", "awaiting_approval", None, |rows| {
            waiting.extend(rows);
            async { Ok(()) }
        })
        .await?;
        r.records += waiting.len();
        for row in waiting {
            let v: serde_json::Value = serde_json::from_str(&row.data).unwrap_or_default();
            // Only the approval is needed: both stored layouts (header, whole order) carry it at the top.
            let (Some(wf), Some(number)) = (
                v.get("approval").and_then(|a| {
                    serde_json::from_value::<aftercart_domain::approval::ApprovalWorkflow>(a.clone()).ok()
                }),
                v.get("number").and_then(|n| n.as_str()).map(str::to_owned),
            ) else {
                continue;
            };
            let Some(account) = row.account_id else { continue };
            causes.extend(approval_causes(
                (OrderId(row.id), &number, AccountId(account)),
                &wf,
                now,
                &th,
            ));
        }
        // Change requests waiting on the seller's decision.
        let mut routed = Vec::new();
        self.each_page(
            ChangeRequest::KIND,
            ChangeState::AwaitingSeller.as_str(),
            None,
            |rows| {
                routed.extend(rows);
                async { Ok(()) }
            },
        )
        .await?;
        r.records += routed.len();
        for row in routed {
            causes.extend(change_causes(&decode::<ChangeRequest>(&row)?.value, now, &th));
        }
        // Unpaid invoices past their due date (`at` is the due date).
        let due_before = (now - Duration::days(th.overdue_grace_days))
            .date()
            .midnight()
            .assume_utc();
        let mut unpaid = Vec::new();
        self.each_page("invoice", "unpaid", Some(due_before), |rows| {
            unpaid.extend(rows);
            async { Ok(()) }
        })
        .await?;
        r.records += unpaid.len();
        for row in unpaid {
            let inv = decode::<Invoice>(&row)?.value;
            causes.extend(overdue_causes(&inv, now, &th));
        }
        for c in causes {
            if self.raise(c).await? {
                r.raised += 1;
            }
        }
        r.auto_resolved += self.rejudge_active(&mut names).await?;
        Ok(r)
    }

    /// Every active exception's cause judged again; those that no longer hold resolve.
    async fn rejudge_active(&self, names: &mut HashMap<AccountId, Option<Account>>) -> Result<usize> {
        let now = self.now();
        let th = self.thresholds;
        let mut active: Vec<Versioned<Exception>> = Vec::new();
        for s in [ExceptionState::Open, ExceptionState::Acknowledged] {
            self.each_page(Exception::KIND, s.as_str(), None, |rows| {
                for row in &rows {
                    if let Ok(v) = decode::<Exception>(row) {
                        active.push(v);
                    }
                }
                async { Ok(()) }
            })
            .await?;
        }
        let mut by_subject: BTreeMap<Uuid, Vec<Versioned<Exception>>> = BTreeMap::new();
        for e in active {
            by_subject.entry(e.value.subject.id()).or_default().push(e);
        }
        let mut resolved = 0;
        for (_, list) in by_subject {
            let subject = list[0].value.subject;
            let holding: Option<BTreeSet<String>> = match subject {
                Subject::Shipment(id) => match self.app.store.get(id.0).await? {
                    Some(row) if row.kind == "shipment" => {
                        let d = decode::<ShipmentDoc>(&row)?.value;
                        let acct = self.account(names, d.account_id).await?;
                        let to = aftercart_domain::exception::location_name(acct.as_ref(), d.shipment.to);
                        let who = (d.order_id, d.order_number.as_str(), d.account_id);
                        let mut c = shipment_causes(who, &d.shipment, &to, now, &th);
                        c.extend(receipt_causes(who, &d.shipment, &to));
                        Some(c.into_iter().map(|c| c.key).collect())
                    }
                    _ => Some(BTreeSet::new()),
                },
                Subject::Order(id) => match self.app.load_order(&Ctx::system(), id).await {
                    Ok(o) => {
                        let acct = self.account(names, o.value.account_id).await?;
                        Some(
                            order_causes(&o.value, acct.as_ref(), now, &th)
                                .into_iter()
                                .map(|c| c.key)
                                .collect(),
                        )
                    }
                    Err(AppError::NotFound { .. }) => Some(BTreeSet::new()),
                    Err(e) => return Err(e),
                },
                Subject::Invoice(id) => match self.app.invoice_match(&Ctx::system(), id).await {
                    Ok(a) => {
                        let mut c = mismatch_causes(&a.invoice.value, &a.report);
                        c.extend(overdue_causes(&a.invoice.value, now, &th));
                        Some(c.into_iter().map(|c| c.key).collect())
                    }
                    Err(AppError::NotFound { .. }) => Some(BTreeSet::new()),
                    Err(e) => return Err(e),
                },
                Subject::ChangeRequest(id) => match self.app.store.get(id).await? {
                    Some(row) if row.kind == ChangeRequest::KIND => Some(
                        change_causes(&decode::<ChangeRequest>(&row)?.value, now, &th)
                            .into_iter()
                            .map(|c| c.key)
                            .collect(),
                    ),
                    _ => Some(BTreeSet::new()),
                },
            };
            let Some(holding) = holding else { continue };
            for e in list {
                if !holding.contains(&e.value.cause_key) && self.auto_resolve(e).await? {
                    resolved += 1;
                }
            }
        }
        Ok(resolved)
    }

    /// Raises or clears the "waiting on the seller too long" exception of one change request,
    /// as it is now (decided, or gone: cleared).
    pub async fn judge_change_request(&self, request: Uuid) -> Result<DetectReport> {
        let causes = match self.app.store.get(request).await? {
            Some(row) if row.kind == ChangeRequest::KIND => {
                change_causes(&decode::<ChangeRequest>(&row)?.value, self.now(), &self.thresholds)
            }
            _ => Vec::new(),
        };
        let active = self.active_by_key("exception_subject", request.to_string()).await?;
        self.reconcile(active, &[ExceptionKind::ChangeRequestWaiting], causes)
            .await
    }
}

fn change_causes(cr: &ChangeRequest, now: OffsetDateTime, th: &Thresholds) -> Vec<Cause> {
    let since = (cr.state == ChangeState::AwaitingSeller).then_some(cr.requested_at);
    aftercart_domain::exception::change_request_causes(
        cr.id.0,
        &cr.number,
        cr.account_id,
        (cr.order_id, &cr.order_number),
        since,
        now,
        th,
    )
}

// ---------------------------------------------------------------- the queue

impl App {
    pub async fn exception(&self, ctx: &Ctx, id: ExceptionId) -> Result<Versioned<Exception>> {
        self.load::<Exception>(ctx, id.0).await
    }

    /// The queue, newest first. A customer gets only their account's customer-facing subset.
    pub async fn list_exceptions(&self, ctx: &Ctx, f: &ExceptionFilter) -> Result<Page<Versioned<Exception>>> {
        let limit = f.limit.clamp(1, 500) as usize;
        let key = match (&ctx.principal.own_account(), f.kind, f.owner) {
            (Some(a), _, _) => Some(("exception_customer", a.0.to_string())),
            (None, Some(k), Some(o)) if k.owner() != o => {
                return Ok(Page {
                    items: Vec::new(),
                    next: None,
                });
            }
            (None, Some(k), _) => Some(("exception_kind", k.as_str().to_owned())),
            (None, None, Some(o)) => Some(("exception_owner", o.as_str().to_owned())),
            (None, None, None) => None,
        };
        if ctx.principal.supplier_location().is_some() {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        }
        let states: Vec<ExceptionState> = if f.states.is_empty() {
            vec![ExceptionState::Open, ExceptionState::Acknowledged]
        } else {
            f.states.clone()
        };
        let to = f.min_age_days.map(|d| self.clock.now() - Duration::days(d));
        let account = match ctx.principal.own_account() {
            Some(own) if f.account_id.is_some_and(|a| a != own) => {
                return Ok(Page {
                    items: Vec::new(),
                    next: None,
                });
            }
            Some(own) => Some(own),
            None => f.account_id,
        };
        // One indexed query per state, merged newest first: complete down to the highest of
        // the sub-pages' last ids, which becomes the cursor.
        let mut rows = Vec::new();
        let mut cutoff: Option<Uuid> = None;
        for s in states {
            let page = self
                .store
                .list(ListQuery {
                    kind: Exception::KIND,
                    account_id: account.map(|a| a.0),
                    status: Some(s.as_str().into()),
                    key: key.clone(),
                    to,
                    before: f.before,
                    limit: limit as u32 + 1,
                    ..Default::default()
                })
                .await?;
            if page.len() > limit {
                let last = page[limit - 1].id;
                cutoff = Some(cutoff.map_or(last, |c| c.max(last)));
            }
            rows.extend(page.into_iter().take(limit));
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.id));
        if let Some(c) = cutoff {
            rows.retain(|r| r.id >= c);
        }
        let mut next = cutoff;
        if rows.len() > limit {
            rows.truncate(limit);
            next = rows.last().map(|r| r.id);
        }
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            let v = decode::<Exception>(r)?;
            // A customer's list is read through their own key; kind and owner filter here.
            let wanted = f.kind.is_none_or(|k| v.value.kind == k) && f.owner.is_none_or(|o| v.value.owner == o);
            if wanted && v.value.visible_to(&ctx.principal) {
                items.push(v);
            }
        }
        Ok(Page { items, next })
    }

    /// The active exceptions of one order the caller may see (the order page, the 360).
    pub async fn exceptions_of_order(&self, ctx: &Ctx, order: OrderId) -> Result<Vec<Versioned<Exception>>> {
        let mut out = Vec::new();
        for s in [ExceptionState::Open, ExceptionState::Acknowledged] {
            let rows = self
                .store
                .list(ListQuery {
                    kind: Exception::KIND,
                    status: Some(s.as_str().into()),
                    key: Some(("exception_order", order.0.to_string())),
                    limit: 100,
                    ..Default::default()
                })
                .await?;
            for r in &rows {
                let v = decode::<Exception>(r)?;
                if v.value.visible_to(&ctx.principal) {
                    out.push(v);
                }
            }
        }
        out.sort_by_key(|v| std::cmp::Reverse(v.value.id));
        Ok(out)
    }

    /// Acknowledge, assign or resolve one exception (If-Match honoured).
    pub async fn plan_exception_step(
        &self,
        ctx: &Ctx,
        id: ExceptionId,
        step: &ExceptionStep,
    ) -> Result<Planned<Versioned<Exception>>> {
        let mut v = self.load::<Exception>(ctx, id.0).await?;
        check_version(ctx, v.version)?;
        let (docs, events) = self.apply_step(ctx, &mut v, step, None)?;
        v.version += 1;
        Ok(Planned {
            value: v,
            commit: Commit {
                docs: vec![docs],
                events: vec![events],
                ..Default::default()
            },
        })
    }

    fn apply_step(
        &self,
        ctx: &Ctx,
        v: &mut Versioned<Exception>,
        step: &ExceptionStep,
        field: Option<String>,
    ) -> Result<(DocWrite, aftercart_store::EventWrite)> {
        let now = self.clock.now();
        let by = ctx.principal.name.clone();
        let r = match step {
            ExceptionStep::Acknowledge => v.value.acknowledge(&by, now),
            ExceptionStep::Assign(a) => v.value.assign(a.clone(), &by, now),
            ExceptionStep::Resolve(note) => v.value.resolve(&by, note.clone(), now),
        };
        if let Err(mut rej) = r {
            if let Some(f) = field {
                rej.field = f;
            }
            return Err(rej.into());
        }
        let reason = match step {
            ExceptionStep::Resolve(n) => n.clone(),
            ExceptionStep::Assign(a) => a.clone(),
            ExceptionStep::Acknowledge => None,
        };
        let ev = exception_event(
            &v.value,
            &ctx.principal.actor(),
            now,
            &format!("exception.{}", step.name()),
            reason,
        );
        Ok((write(&v.value, WriteMode::Update(v.version))?, ev))
    }

    /// The same step on many exceptions, all or nothing: a refusal names the id's position.
    pub async fn plan_exception_bulk(
        &self,
        ctx: &Ctx,
        ids: &[ExceptionId],
        step: &ExceptionStep,
    ) -> Result<Planned<Vec<Versioned<Exception>>>> {
        let mut commit = Commit::default();
        let mut out = Vec::with_capacity(ids.len());
        let mut seen = BTreeSet::new();
        for (i, id) in ids.iter().enumerate() {
            let field = format!("ids[{i}]");
            if !seen.insert(*id) {
                return Err(Rejection::new(ErrorCode::InvalidValue, field, "this exception is listed twice").into());
            }
            let mut v = match self.load::<Exception>(ctx, id.0).await {
                Err(AppError::NotFound { what, .. }) => return Err(AppError::not_found_field(what, field)),
                r => r?,
            };
            let (d, e) = self.apply_step(ctx, &mut v, step, Some(field))?;
            commit.docs.push(d);
            commit.events.push(e);
            v.version += 1;
            out.push(v);
        }
        Ok(Planned { value: out, commit })
    }
}
