//! The dropship network, seller side: routing rules (`rules`), suppliers' stock feeds
//! (`stock`), routing an order and a supplier rejecting a line (`route`), the on-time record
//! (`sla`), the seller's settings (here), and keeping the network out of the customer's view
//! (`disguise`).
//!
//! Rules, feeds and settings are documents like every other record; allocations they cause go
//! through the same order step as a manual allocation (`orders::allocate_onto`).

mod disguise;
mod route;
mod rules;
mod sla;
mod stock;

pub use route::{RejectAnswer, RejectInput, RejectOutcome, RouteAnswer};
pub use rules::RuleInput;
pub use sla::{SlaAnswer, SlaRow};

use crate::docs::{Doc, decode, write};
use crate::error::{AppError, Result};
use crate::principal::Principal;
use crate::{Action, App, Ctx, Planned};
use aftercart_domain::ids::AccountId;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who confirmed an allocation, as a customer reads it.
pub const CONFIRMED_BY: &str = "our fulfilment team";

/// What the seller chose for its network. One document, under a fixed id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropshipSettings {
    /// Customers see the supplier's name where a line ships from (off: "our fulfilment partner").
    #[serde(default)]
    pub show_supplier_names: bool,
    /// Route every order by the rules as soon as it may be fulfilled (placed without approval or
    /// credit hold).
    #[serde(default)]
    pub route_at_placement: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SettingsDoc {
    pub id: Uuid,
    pub settings: DropshipSettings,
}

/// The one settings document's id: a fixed id, so two first writes racing meet as a version
/// conflict (the loser re-plans as an update).
const SETTINGS_ID: Uuid = Uuid::from_u128(0x6472_6f70_7368_6970_5f73_6574_7469_6e67);

impl Doc for SettingsDoc {
    const KIND: &'static str = "dropship_settings";
    const WHAT: &'static str = "dropship settings";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        None
    }
    fn visible_to(&self, p: &Principal) -> bool {
        p.is_seller()
    }
}

/// Seller staff who route orders: operations (or admins, or the system).
pub(crate) fn require_operations(p: &Principal, what: &str) -> Result<()> {
    if p.is_seller() && p.may(Action::OrderFulfil) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "{what} is for the seller's operations staff"
        )))
    }
}

impl App {
    /// The seller's dropship settings (defaults until first set); read as the system, since
    /// what the customer is shown depends on them.
    pub async fn dropship_settings(&self) -> Result<DropshipSettings> {
        Ok(self.settings_doc().await?.map(|(d, _)| d.settings).unwrap_or_default())
    }

    /// The settings, for the seller's operations staff who change them.
    pub async fn dropship_settings_as(&self, ctx: &Ctx) -> Result<DropshipSettings> {
        require_operations(&ctx.principal, "the dropship settings")?;
        self.dropship_settings().await
    }

    async fn settings_doc(&self) -> Result<Option<(SettingsDoc, i64)>> {
        match self.store.get(SETTINGS_ID).await? {
            Some(row) => {
                let v = decode::<SettingsDoc>(&row)?;
                Ok(Some((v.value, v.version)))
            }
            None => Ok(None),
        }
    }

    pub async fn plan_set_dropship_settings(
        &self,
        ctx: &Ctx,
        settings: &DropshipSettings,
    ) -> Result<Planned<DropshipSettings>> {
        require_operations(&ctx.principal, "changing the dropship settings")?;
        let (doc, mode) = match self.settings_doc().await? {
            Some((d, version)) => (
                SettingsDoc {
                    id: d.id,
                    settings: settings.clone(),
                },
                aftercart_store::WriteMode::Update(version),
            ),
            None => (
                SettingsDoc {
                    id: SETTINGS_ID,
                    settings: settings.clone(),
                },
                aftercart_store::WriteMode::Insert,
            ),
        };
        let ev = crate::docs::event(
            &ctx.principal.actor(),
            self.clock.now(),
            "dropship_settings.changed",
            SettingsDoc::KIND,
            doc.id,
            None,
            None,
            serde_json::json!({"show_supplier_names": settings.show_supplier_names,
                               "route_at_placement": settings.route_at_placement}),
        );
        Ok(Planned {
            value: settings.clone(),
            commit: aftercart_store::Commit {
                docs: vec![write(&doc, mode)?],
                events: vec![ev],
                ..Default::default()
            },
        })
    }
}
