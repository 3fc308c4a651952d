//! One order for the customer: unless the seller chose to show them, the names of dropship
//! suppliers never reach a customer. Where a line ships from reads "our fulfilment partner";
//! events written by a supplier's users carry that name as their actor; a supplier's refusal
//! is the seller's business and is left out of the customer's timeline altogether.
//!
//! Applied where the app answers a customer (status names, timelines, fulfilment locations), so
//! the API and the portal show the same thing.

use crate::docs::{Doc, decode};
use crate::error::Result;
use crate::identity::{User, UserKind};
use crate::{App, Ctx, EventRow};
use aftercart_domain::account::{FulfilmentKind, FulfilmentLocation};
use aftercart_domain::ids::FulfilmentLocationId;
use aftercart_domain::status::Names;
use std::collections::HashMap;
use uuid::Uuid;

/// What a customer reads in place of a supplier's name.
pub const NEUTRAL: &str = "our fulfilment partner";

/// Events only the seller (and the supplier concerned) read.
const SELLER_ONLY: &[&str] = &["line.supplier_rejected"];

/// Event data fields that are the seller's alone (which of its rules routed a line).
const SELLER_FIELDS: &[&str] = &["routing_rule"];

/// Event data fields that may hold a fulfilment location's name.
const NAME_FIELDS: &[&str] = &["fulfilment_location", "from"];

/// The suppliers to hide from one customer request.
pub(crate) struct Disguise {
    suppliers: HashMap<FulfilmentLocationId, String>,
}

impl Disguise {
    pub(crate) fn names(&self, names: &mut Names) {
        for (id, name) in &mut names.fulfilment {
            if self.suppliers.contains_key(id) {
                *name = NEUTRAL.into();
            }
        }
    }

    pub(crate) fn location(&self, l: &mut FulfilmentLocation) {
        if self.suppliers.contains_key(&l.id) {
            l.name = NEUTRAL.into();
            l.code = String::new();
            l.city = String::new();
        }
    }

    fn is_supplier_name(&self, s: &str) -> bool {
        self.suppliers.values().any(|n| n == s)
    }
}

impl App {
    /// `Some` when `ctx` is a customer and the seller has not chosen to show supplier names.
    pub(crate) async fn disguise_for(&self, ctx: &Ctx) -> Result<Option<Disguise>> {
        if ctx.principal.own_account().is_none() {
            return Ok(None);
        }
        self.customer_disguise().await
    }

    /// What every customer is kept from, whoever asks (`None`: the seller shows the names).
    pub(crate) async fn customer_disguise(&self) -> Result<Option<Disguise>> {
        if self.dropship_settings().await?.show_supplier_names {
            return Ok(None);
        }
        let ids = self.store.by_key("fulfilment_location", "all").await?;
        let suppliers = self
            .load_many::<FulfilmentLocation>(&Ctx::system(), &ids)
            .await?
            .into_iter()
            .map(|v| v.value)
            .filter(|l| l.kind == FulfilmentKind::DropshipSupplier)
            .map(|l| (l.id, l.name))
            .collect();
        Ok(Some(Disguise { suppliers }))
    }

    /// A timeline as `ctx` may read it: for a customer, suppliers' refusals left out and
    /// suppliers' names (in the data, and as the actor) replaced.
    pub(crate) async fn disguise_events(&self, ctx: &Ctx, rows: Vec<EventRow>) -> Result<Vec<EventRow>> {
        match self.disguise_for(ctx).await? {
            Some(d) => self.disguise_rows(&d, rows).await,
            None => Ok(rows),
        }
    }

    /// `rows` as a customer may read them under `d`.
    pub(crate) async fn disguise_rows(&self, d: &Disguise, mut rows: Vec<EventRow>) -> Result<Vec<EventRow>> {
        rows.retain(|e| !SELLER_ONLY.contains(&e.kind.as_str()));
        let mut actors: Vec<Uuid> = rows
            .iter()
            .filter(|e| e.actor_kind == "user")
            .filter_map(|e| e.actor_id.as_deref().and_then(|a| Uuid::parse_str(a).ok()))
            .collect();
        actors.sort();
        actors.dedup();
        let mut supplier_users = Vec::new();
        for row in self.store.get_many(&actors).await? {
            if row.kind == User::KIND
                && let Ok(u) = decode::<User>(&row)
                && matches!(u.value.kind, UserKind::Supplier { .. })
            {
                supplier_users.push(u.value.id.0.to_string());
            }
        }
        for e in &mut rows {
            if e.actor_id.as_ref().is_some_and(|a| supplier_users.contains(a)) {
                e.actor_name = NEUTRAL.into();
            }
            let Ok(mut data) = serde_json::from_str::<serde_json::Value>(&e.data) else {
                continue;
            };
            let mut changed = false;
            if let Some(o) = data.as_object_mut() {
                for f in SELLER_FIELDS {
                    changed |= o.remove(*f).is_some();
                }
                for f in NAME_FIELDS {
                    if o.get(*f)
                        .and_then(|v| v.as_str())
                        .is_some_and(|s| d.is_supplier_name(s))
                    {
                        o.insert((*f).into(), NEUTRAL.into());
                        changed = true;
                    }
                }
            }
            if changed {
                e.data = data.to_string();
            }
        }
        Ok(rows)
    }
}
