//! How aggregates map to stored documents, and the timeline events written beside them.

use crate::error::{AppError, Result};
use crate::principal::{Actor, Principal};
use crate::{App, Ctx};
use aftercart_domain::account::{Account, FulfilmentLocation};
use aftercart_domain::ids::{AccountId, OrderId};
use aftercart_domain::invoice::{CreditMemo, Invoice, Payment};
use aftercart_domain::order::{Order, Shipment};
use aftercart_domain::product::Product;
use aftercart_store::{DocRow, DocWrite, EventWrite, WriteMode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// An aggregate with the version it was read at (the ETag).
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub version: i64,
}

pub(crate) trait Doc: Serialize + DeserializeOwned {
    const KIND: &'static str;
    /// What a person calls it, for "not found" messages.
    const WHAT: &'static str;
    fn doc_id(&self) -> Uuid;
    fn account(&self) -> Option<AccountId>;
    fn number(&self) -> Option<String> {
        None
    }
    /// Stored only so lists can filter on it; always recomputed from the aggregate on write.
    fn status(&self) -> Option<String> {
        None
    }
    /// The business time lists filter on (placed, shipped, due, received).
    fn at(&self) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH
    }
    /// Whether `p` may see this record at all (else it is "not found" to them). By default:
    /// records of an account are visible to that account's users and to seller staff; records
    /// of no account (catalogue, warehouses) to everyone signed in.
    fn visible_to(&self, p: &Principal) -> bool {
        self.account().is_none_or(|a| p.sees_account(a))
    }
}

impl Doc for Account {
    const KIND: &'static str = "account";
    const WHAT: &'static str = "account";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.id)
    }
    fn number(&self) -> Option<String> {
        Some(self.number.clone())
    }
}

impl Doc for Product {
    const KIND: &'static str = "product";
    const WHAT: &'static str = "product";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    fn account(&self) -> Option<AccountId> {
        None
    }
    fn number(&self) -> Option<String> {
        Some(self.sku.clone())
    }
    fn status(&self) -> Option<String> {
        Some(if self.discontinued { "discontinued" } else { "active" }.into())
    }
}

impl Doc for FulfilmentLocation {
    const KIND: &'static str = "fulfilment_location";
    const WHAT: &'static str = "fulfilment location";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    fn account(&self) -> Option<AccountId> {
        None
    }
    fn number(&self) -> Option<String> {
        Some(self.code.clone())
    }
}

/// Settlement state stored for filtering; "overdue" is derived at read time from the due date
/// (stored as `at`), because it changes with the calendar, not with writes.
impl Doc for Invoice {
    const KIND: &'static str = "invoice";
    const WHAT: &'static str = "invoice";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
    fn number(&self) -> Option<String> {
        Some(self.number.clone())
    }
    fn status(&self) -> Option<String> {
        Some(if self.balance().is_positive() { "unpaid" } else { "paid" }.into())
    }
    fn at(&self) -> OffsetDateTime {
        self.due_on.midnight().assume_utc()
    }
}

impl Doc for Payment {
    const KIND: &'static str = "payment";
    const WHAT: &'static str = "payment";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
    fn at(&self) -> OffsetDateTime {
        self.received_at
    }
}

impl Doc for CreditMemo {
    const KIND: &'static str = "credit_memo";
    const WHAT: &'static str = "credit memo";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
    fn number(&self) -> Option<String> {
        Some(self.number.clone())
    }
    fn at(&self) -> OffsetDateTime {
        self.issued_on.midnight().assume_utc()
    }
}

/// One shipment with its tracking and receipt: its own document, written in the same commit as
/// its order's header (see `order_docs`), listed and filtered on its own.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShipmentDoc {
    pub order_id: OrderId,
    pub order_number: String,
    pub account_id: AccountId,
    pub shipment: Shipment,
}

impl Doc for ShipmentDoc {
    const KIND: &'static str = "shipment";
    const WHAT: &'static str = "shipment";
    fn doc_id(&self) -> Uuid {
        self.shipment.id.0
    }
    fn account(&self) -> Option<AccountId> {
        Some(self.account_id)
    }
    fn status(&self) -> Option<String> {
        Some(self.shipment.status().as_str().into())
    }
    fn visible_to(&self, p: &Principal) -> bool {
        match p.supplier_location() {
            Some(loc) => self.shipment.from == loc,
            None => p.sees_account(self.account_id) && p.sees_location(self.shipment.to),
        }
    }
    fn at(&self) -> OffsetDateTime {
        self.shipment.shipped_at
    }
}

pub(crate) fn write<T: Doc>(v: &T, mode: WriteMode) -> Result<DocWrite> {
    Ok(DocWrite {
        id: v.doc_id(),
        kind: T::KIND,
        account_id: v.account().map(|a| a.0),
        number: v.number(),
        status: v.status(),
        at: v.at(),
        mode,
        data: serde_json::to_string(v).map_err(|e| AppError::Corrupt(e.to_string()))?,
    })
}

pub(crate) fn decode<T: Doc>(row: &DocRow) -> Result<Versioned<T>> {
    if row.kind != T::KIND {
        return Err(AppError::not_found(T::WHAT));
    }
    let value =
        serde_json::from_str(&row.data).map_err(|e| AppError::Corrupt(format!("{} {}: {e}", row.kind, row.id)))?;
    Ok(Versioned {
        value,
        version: row.version,
    })
}

// One argument per column of the events table; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub(crate) fn event(
    actor: &Actor,
    at: OffsetDateTime,
    kind: &str,
    subject_kind: &'static str,
    subject_id: Uuid,
    account: Option<AccountId>,
    reason: Option<String>,
    mut data: serde_json::Value,
) -> EventWrite {
    // Through an API key someone else created: the creator is recorded beside the owner.
    if let (Some(via), Some(obj)) = (actor.via_json(), data.as_object_mut()) {
        obj.insert("actor_via".into(), via);
    }
    EventWrite {
        id: Uuid::now_v7(),
        at,
        kind: kind.to_owned(),
        subject_kind,
        subject_id,
        account_id: account.map(|a| a.0),
        actor_kind: actor.kind(),
        actor_id: actor.id(),
        actor_name: actor.name(),
        reason,
        data: data.to_string(),
    }
}

impl App {
    /// Loads an aggregate the principal may see; anything else is "not found".
    pub(crate) async fn load<T: Doc>(&self, ctx: &Ctx, id: Uuid) -> Result<Versioned<T>> {
        let row = self.store.get(id).await?.ok_or_else(|| AppError::not_found(T::WHAT))?;
        let v = decode::<T>(&row)?;
        if !v.value.visible_to(&ctx.principal) {
            return Err(AppError::not_found(T::WHAT));
        }
        Ok(v)
    }

    /// Like `load`, but a missing id is reported against an input field (a reference in a body).
    pub(crate) async fn load_ref<T: Doc>(&self, ctx: &Ctx, id: Uuid, field: &str) -> Result<Versioned<T>> {
        match self.load::<T>(ctx, id).await {
            Err(AppError::NotFound { what, .. }) => Err(AppError::not_found_field(what, field)),
            r => r,
        }
    }

    pub(crate) async fn load_many<T: Doc>(&self, ctx: &Ctx, ids: &[Uuid]) -> Result<Vec<Versioned<T>>> {
        let rows = self.store.get_many(ids).await?;
        let mut out = Vec::with_capacity(rows.len());
        // An id of another kind of document is, for this caller, an id that does not exist.
        for r in rows.iter().filter(|r| r.kind == T::KIND) {
            let v = decode::<T>(r)?;
            if v.value.visible_to(&ctx.principal) {
                out.push(v);
            }
        }
        Ok(out)
    }
}

impl App {
    /// An order as the principal may see it: lines outside their scope (or, for a supplier,
    /// not routed to them) are removed. Only for reads; commands work on the whole order.
    pub(crate) fn order_view(&self, ctx: &Ctx, mut v: Versioned<Order>) -> Versioned<Order> {
        if let Some(lines) = ctx.principal.visible_lines(&v.value) {
            crate::principal::restrict_order(&mut v.value, &lines);
        }
        // -- dropship --
        // Who confirmed an allocation is the seller's or its supplier's person: a customer
        // reads that it was confirmed, and by when it ships, not by whom.
        if ctx.principal.own_account().is_some() {
            for a in v.value.lines.iter_mut().flat_map(|l| l.allocations.iter_mut()) {
                if let Some(c) = a.confirmation.as_mut() {
                    c.by = crate::dropship::CONFIRMED_BY.into();
                }
            }
        }
        // -- /dropship --
        v
    }
}

/// Fails when the client pinned a version (If-Match) that is no longer current.
pub(crate) fn check_version(ctx: &Ctx, current: i64) -> Result<()> {
    match ctx.if_match {
        Some(v) if v != current => Err(AppError::PreconditionFailed(format!(
            "the resource is at version {current}, not {v}; reload it and try again"
        ))),
        _ => Ok(()),
    }
}
