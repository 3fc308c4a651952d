//! Suppliers' stock and lead-time feeds: one document per supplier holding its latest feed,
//! replaced whole by each feed (checked whole first, so a bad row writes nothing).

use crate::docs::{Doc, decode, event, write};
use crate::error::{AppError, Result};
use crate::principal::Principal;
use crate::{Action, App, Ctx, Planned, Versioned};
use aftercart_domain::account::{FulfilmentKind, FulfilmentLocation};
use aftercart_domain::dropship::stock::StockMap;
use aftercart_domain::dropship::{StockRow, SupplierStock};
use aftercart_domain::ids::{AccountId, FulfilmentLocationId};
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_store::{Commit, WriteMode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

/// A supplier's feed, stored under an id derived from the supplier's: two first feeds racing
/// meet as a version conflict on one id (and the loser re-plans as an update), never as two
/// documents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StockDoc {
    pub id: Uuid,
    pub stock: SupplierStock,
}

impl Doc for StockDoc {
    const KIND: &'static str = "supplier_stock";
    const WHAT: &'static str = "supplier stock";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        None
    }
    fn at(&self) -> time::OffsetDateTime {
        self.stock.updated_at
    }
    /// The seller, and the supplier itself; no other supplier learns what a competitor holds.
    fn visible_to(&self, p: &Principal) -> bool {
        p.is_seller() || p.supplier_location() == Some(self.stock.location)
    }
}

/// Marks the ids of stock documents, so one never equals its supplier's own id.
const STOCK_ID_SALT: u128 = 0x7375_7070_6c69_6572_5f73_746f_636b_0001;

fn stock_doc_id(location: FulfilmentLocationId) -> Uuid {
    Uuid::from_u128(location.0.as_u128() ^ STOCK_ID_SALT)
}

impl App {
    /// Who may feed or read `location`'s stock: the supplier for its own location, or seller
    /// staff who fulfil orders. Another supplier's location is "not found" to a supplier.
    async fn stock_location(&self, ctx: &Ctx, location: FulfilmentLocationId) -> Result<FulfilmentLocation> {
        let p = &ctx.principal;
        match p.supplier_location() {
            Some(own) if own != location => return Err(AppError::not_found(FulfilmentLocation::WHAT)),
            Some(_) => {}
            None if p.is_seller() && p.may(Action::OrderFulfil) => {}
            None => {
                return Err(AppError::Forbidden(
                    "a supplier feeds its own stock; seller operations may feed it on its behalf".into(),
                ));
            }
        }
        let loc = self.load::<FulfilmentLocation>(ctx, location.0).await?.value;
        if loc.kind != FulfilmentKind::DropshipSupplier {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "location",
                format!("{} is not a dropship supplier", loc.name),
            )
            .into());
        }
        Ok(loc)
    }

    async fn stock_doc(&self, location: FulfilmentLocationId) -> Result<Option<Versioned<StockDoc>>> {
        match self.store.get(stock_doc_id(location)).await? {
            Some(row) => Ok(Some(decode::<StockDoc>(&row)?)),
            None => Ok(None),
        }
    }

    /// Replaces `location`'s stock list with `rows` (SKUs trimmed).
    pub async fn plan_feed_stock(
        &self,
        ctx: &Ctx,
        location: FulfilmentLocationId,
        rows: Vec<StockRow>,
    ) -> Result<Planned<SupplierStock>> {
        let loc = self.stock_location(ctx, location).await?;
        SupplierStock::check_rows(&rows)?;
        let now = self.clock.now();
        let stock = SupplierStock {
            location,
            rows: rows
                .into_iter()
                .map(|r| StockRow {
                    sku: r.sku.trim().to_owned(),
                    ..r
                })
                .collect(),
            updated_at: now,
            updated_by: ctx.principal.actor().name(),
        };
        let (doc, mode) = match self.stock_doc(location).await? {
            Some(v) => (
                StockDoc {
                    id: v.value.id,
                    stock: stock.clone(),
                },
                WriteMode::Update(v.version),
            ),
            None => (
                StockDoc {
                    id: stock_doc_id(location),
                    stock: stock.clone(),
                },
                WriteMode::Insert,
            ),
        };
        let ev = event(
            &ctx.principal.actor(),
            now,
            "supplier_stock.fed",
            StockDoc::KIND,
            doc.id,
            None,
            None,
            json!({"fulfilment_location": loc.name, "rows": stock.rows.len()}),
        );
        Ok(Planned {
            value: stock,
            commit: Commit {
                docs: vec![write(&doc, mode)?],
                events: vec![ev],
                ..Default::default()
            },
        })
    }

    /// `location`'s latest feed (empty until it sends one).
    pub async fn supplier_stock(&self, ctx: &Ctx, location: FulfilmentLocationId) -> Result<SupplierStock> {
        self.stock_location(ctx, location).await?;
        Ok(match self.stock_doc(location).await? {
            Some(v) => v.value.stock,
            None => SupplierStock {
                location,
                rows: Vec::new(),
                updated_at: time::OffsetDateTime::UNIX_EPOCH,
                updated_by: String::new(),
            },
        })
    }

    /// Reported stock of `suppliers`, for routing: one read per supplier.
    pub(crate) async fn stock_of(&self, suppliers: &[FulfilmentLocationId]) -> Result<StockMap> {
        let mut map = StockMap::new();
        for s in suppliers {
            if let Some(v) = self.stock_doc(*s).await? {
                v.value.stock.levels_into(&mut map);
            }
        }
        Ok(map)
    }
}
