//! Aftercart's application layer: every command and query the API, CLI and demo use.
//!
//! A command is planned (load aggregates, run domain rules, build one [`Commit`]) and then
//! committed atomically with its timeline events and idempotency record. When another writer got
//! there first (version conflict) the command is planned again, unless the caller pinned a
//! version with `If-Match`, in which case it fails with `PreconditionFailed`.

pub mod clock;
pub mod demo;
mod docs;
pub mod dropship;
pub mod erp;
mod error;
mod governance;
mod identity;
mod ingest;
mod numbers;
mod order_docs;
mod principal;
mod procurement;

mod accounts;
mod batch;
mod billing;
mod carriers;
mod changes;
mod orders;
mod public_tracking;
mod queries;
mod reorder;
mod reports;
mod search;
mod supplier;
// -- exceptions --
mod exceptions;
pub use exceptions::*;
// -- /exceptions --
// -- cases --
mod cases;
pub use cases::*;
// -- /cases --
// -- notifications --
pub mod notify;
pub use notify::NotifySettings;
// -- /notifications --
// -- payments --
pub mod payments;
// -- /payments --
// -- returns --
mod returns;
pub use returns::*;
// -- /returns --

pub use accounts::*;
pub use aftercart_interchange::tracking::Provider as CarrierProvider;
pub use aftercart_store::EventRow;
pub use batch::*;
pub use billing::*;
pub use carriers::{CarrierOutcome, CarrierSettings};
pub use changes::*;
pub use clock::{Clock, FixedClock, SystemClock};
pub use docs::{ShipmentDoc, Versioned};
pub use error::{AppError, Result};
pub use governance::*;
pub use identity::*;
pub use orders::*;
pub use principal::{
    Action, Actor, CustomerRole, KeyVia, LocationScope, Principal, PrincipalKind, StaffRole, restrict_order,
};
pub use procurement::{
    CXML_QUEUE, CartReturn, CxmlAnswer, CxmlDocument, CxmlJob, CxmlTarget, LinkInput, OciStart, PunchoutProduct,
    X12_QUEUE, X12Answer, X12Document, X12Job,
};
pub use public_tracking::*;
pub use queries::*;
pub use reorder::*;
pub use reports::*;
pub use search::*;
pub use supplier::*;

use aftercart_store::{Commit, CommitError, IdempotencyRecord, Store};
use numbers::Numbers;
use std::sync::Arc;

/// What the command needs to know about the request besides its input.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub principal: Principal,
    /// Version the client last saw (`If-Match`); the command fails if the aggregate moved on.
    pub if_match: Option<i64>,
    pub idempotency: Option<IdempotencyKey>,
    /// The caller wants no representation back (`Prefer: return=minimal`), so a command may
    /// load only the part of an aggregate it changes.
    pub minimal: bool,
}

impl Ctx {
    pub fn new(principal: Principal) -> Ctx {
        Ctx {
            principal,
            if_match: None,
            idempotency: None,
            minimal: false,
        }
    }
    pub fn system() -> Ctx {
        Ctx::new(Principal::system())
    }

    /// The same request without its If-Match: for steps that never pin a version (carrier scans).
    pub fn without_if_match(&self) -> Ctx {
        Ctx {
            if_match: None,
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    /// Hash of method, path and body: the same key with a different request is refused.
    pub request_hash: String,
}

/// A planned command: its result and everything to commit for it.
pub struct Planned<T> {
    pub value: T,
    pub commit: Commit,
}

#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    numbers: Arc<Numbers>,
    /// What notifications can be sent through (see `notify`).
    pub notify: Arc<NotifySettings>,
    /// The payment provider and seller defaults for receivables (see `payments`).
    pub payments: Arc<payments::PaymentSettings>,
    /// The carrier webhooks' secrets (see `carriers`).
    carriers: Arc<CarrierSettings>,
    link_key: Arc<std::sync::OnceLock<Vec<u8>>>,
}

/// Retries of a command that lost an optimistic-concurrency race.
const MAX_ATTEMPTS: usize = 8;

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> App {
        App {
            store,
            clock,
            numbers: Arc::new(Numbers::default()),
            notify: Arc::new(NotifySettings::default()),
            payments: Arc::new(payments::PaymentSettings::default()),
            carriers: Arc::new(CarrierSettings::default()),
            link_key: Arc::default(),
        }
    }

    /// The same app paying through `settings.provider`.
    pub fn with_payments(mut self, settings: payments::PaymentSettings) -> App {
        self.payments = Arc::new(settings);
        self
    }

    /// The same app sending through the configured channels.
    pub fn with_notify(mut self, settings: NotifySettings) -> App {
        self.notify = Arc::new(settings);
        self
    }

    /// Plans and commits a command, replanning on version conflicts. `render` turns the result
    /// into the (status, body) stored for idempotent replays.
    pub async fn execute<T, F, Fut>(&self, ctx: &Ctx, mut plan: F, render: impl Fn(&T) -> (u16, String)) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Planned<T>>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let Planned { value, mut commit } = plan().await?;
            if let Some(k) = &ctx.idempotency {
                let (status, body) = render(&value);
                commit.idempotency = Some(IdempotencyRecord {
                    principal: ctx.principal.id.clone(),
                    key: k.key.clone(),
                    request_hash: k.request_hash.clone(),
                    status,
                    body,
                });
            }
            match self.store.commit(commit).await {
                Ok(()) => return Ok(value),
                Err(CommitError::Conflict(id)) => {
                    if ctx.if_match.is_some() {
                        return Err(AppError::PreconditionFailed(format!(
                            "{id} was changed by someone else"
                        )));
                    }
                    if attempt >= MAX_ATTEMPTS {
                        return Err(AppError::Conflict(format!(
                            "{id} is being changed by others; try again"
                        )));
                    }
                }
                Err(CommitError::NumberTaken { kind, number }) => {
                    return Err(AppError::Rejected(aftercart_domain::Rejection::new(
                        aftercart_domain::ErrorCode::InvalidValue,
                        "number",
                        format!("{kind} number {number} is already taken"),
                    )));
                }
                Err(CommitError::IdempotencyKeyTaken) => {
                    // The other request's commit is durable by now (the key's unique index only
                    // refuses this one once it is), so its response can be replayed at once.
                    if let Some(k) = &ctx.idempotency
                        && let Some(rec) = self.store.idempotency(&ctx.principal.id, &k.key).await?
                        && rec.request_hash == k.request_hash
                    {
                        return Err(AppError::Replay {
                            status: rec.status,
                            body: rec.body,
                        });
                    }
                    return Err(AppError::IdempotencyRace);
                }
                Err(CommitError::Duplicate) => return Err(AppError::Duplicate),
                Err(CommitError::Store(e)) => return Err(AppError::Store(e)),
            }
        }
    }

    /// Records the response of a request made of several commands (a tracking batch, whose
    /// events each commit on their own), under the request's `Idempotency-Key`, so a retry
    /// replays it. Nothing to do without a key. A concurrent retry that recorded it first is
    /// fine: both ran the same de-duplicated commands.
    pub async fn record_response(&self, ctx: &Ctx, status: u16, body: String) -> Result<()> {
        let Some(k) = &ctx.idempotency else {
            return Ok(());
        };
        let commit = Commit {
            idempotency: Some(IdempotencyRecord {
                principal: ctx.principal.id.clone(),
                key: k.key.clone(),
                request_hash: k.request_hash.clone(),
                status,
                body,
            }),
            ..Default::default()
        };
        match self.store.commit(commit).await {
            Ok(()) | Err(CommitError::IdempotencyKeyTaken) => Ok(()),
            Err(e) => Err(AppError::Store(aftercart_store::StoreError::new(e.to_string()))),
        }
    }

    /// `execute` without idempotency rendering (CLI, demo, tests).
    pub async fn run<T, F, Fut>(&self, ctx: &Ctx, plan: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Planned<T>>>,
    {
        self.execute(ctx, plan, |_| (200, String::new())).await
    }

    pub async fn next_number(&self, counter: &'static str) -> Result<i64> {
        self.numbers.next(&self.store, counter).await
    }

    /// One cheap round trip to the store (`SELECT 1` on a pooled connection): what
    /// `GET /api/v1/ping` does after authenticating, so the benchmarks can measure the floor
    /// beneath every request (HTTP, authentication, one store call) through the same stack.
    pub async fn ping(&self) -> Result<()> {
        Ok(self.store.ping().await?)
    }
}
