//! Post-delivery help: after a delivery, the people told of it get the setup guide and care
//! instructions of what was delivered — once per product per delivery location, a configurable
//! delay later. Engagement is measured without tracking pixels: the email's links go through a
//! signed redirect that records the click, and the seller's report sets clicks beside repeat
//! orders of the same customers.

use super::{LinkPurpose, now_ms, queues};
use crate::docs::decode;
use crate::{App, AppError, Ctx, Result};
use aftercart_domain::ids::{AccountId, LocationId, OrderId, ProductId, UserId};
use aftercart_domain::product::Product;
use aftercart_store::{Commit, EventFilter, EventRow, JobQuery, JobState, JobWrite, ListQuery};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HelpRecipient {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HelpJob {
    pub account_id: AccountId,
    pub location_id: LocationId,
    pub order_id: OrderId,
    pub order_number: String,
    pub product_id: ProductId,
    pub product_name: String,
    pub setup_guide: Option<String>,
    pub care_instructions: Option<String>,
    pub recipients: Vec<HelpRecipient>,
}

/// How long after a delivery the help goes out (`AFTERCART_HELP_DELAY_HOURS`, default 24).
pub fn help_delay() -> time::Duration {
    let hours = std::env::var("AFTERCART_HELP_DELAY_HOURS")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|h| (0..=24 * 90).contains(h))
        .unwrap_or(24);
    time::Duration::hours(hours)
}

/// One product's help engagement, for the seller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpStats {
    pub product_id: ProductId,
    pub product: String,
    /// Help emails sent (one per product, location and delivery).
    pub sent: usize,
    /// Clicks on the help links (every one counted).
    pub clicks: usize,
    /// Distinct people who clicked.
    pub readers: usize,
    /// Customer accounts that clicked and ordered again afterwards.
    pub repeat_accounts: usize,
    pub clicking_accounts: usize,
}

impl App {
    /// The help jobs for a delivery event: one per product of the delivered parcel that has a
    /// guide, unique per (product, location), so a second delivery of the same product to the
    /// same place sends nothing.
    pub(crate) async fn help_jobs(&self, e: &EventRow, recipients: Vec<HelpRecipient>) -> Result<Vec<JobWrite>> {
        if recipients.is_empty() || !self.notify.email {
            return Ok(Vec::new());
        }
        let d: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
        let Some(sid) = d["shipment_id"].as_str().and_then(|s| Uuid::parse_str(s).ok()) else {
            return Ok(Vec::new());
        };
        let order = self.load_order(&Ctx::system(), OrderId(e.subject_id)).await?.value;
        let Some(shipment) = order.shipments.iter().find(|s| s.id.0 == sid) else {
            return Ok(Vec::new());
        };
        let products: BTreeSet<ProductId> = shipment
            .lines
            .iter()
            .filter_map(|sl| order.lines.iter().find(|l| l.no == sl.line))
            .map(|l| l.product_id)
            .collect();
        let ids: Vec<Uuid> = products.iter().map(|p| p.0).collect();
        let rows = self.store.get_many(&ids).await?;
        let due = now_ms(self.clock.now() + help_delay());
        let mut jobs = Vec::new();
        for r in rows.iter().filter(|r| r.kind == "product") {
            let p = decode::<Product>(r)?.value;
            if p.setup_guide.is_none() && p.care_instructions.is_none() {
                continue;
            }
            let job = HelpJob {
                account_id: order.account_id,
                location_id: shipment.to,
                order_id: order.id,
                order_number: order.number.clone(),
                product_id: p.id,
                product_name: p.name.clone(),
                setup_guide: p.setup_guide.clone(),
                care_instructions: p.care_instructions.clone(),
                recipients: recipients.clone(),
            };
            jobs.push(JobWrite {
                id: Uuid::now_v7(),
                queue: queues::HELP,
                unique_key: Some(format!("{}:{}", p.id.0, shipment.to.0)),
                account_id: Some(order.account_id.0),
                owner: Some(p.id.0.to_string()),
                due_at: due,
                payload: serde_json::to_string(&job).unwrap_or_default(),
            });
        }
        Ok(jobs)
    }

    /// Which of these products have a setup guide or care instructions (the order page links
    /// them on delivered lines); one batched read.
    pub async fn products_with_help(&self, ids: &[ProductId]) -> Result<BTreeSet<ProductId>> {
        let ids: Vec<Uuid> = ids.iter().map(|p| p.0).collect::<BTreeSet<_>>().into_iter().collect();
        let rows = self.store.get_many(&ids).await?;
        let mut out = BTreeSet::new();
        for r in rows.iter().filter(|r| r.kind == "product") {
            let p = decode::<Product>(r)?.value;
            if p.setup_guide.is_some() || p.care_instructions.is_some() {
                out.insert(p.id);
            }
        }
        Ok(out)
    }

    /// The tracked link to a product's help for one reader (absolute URL).
    pub async fn help_link(&self, user: UserId, product: ProductId, account: AccountId) -> Result<String> {
        let token = self
            .sign_link(LinkPurpose::Help, &format!("{}:{}:{}", user.0, product.0, account.0))
            .await?;
        Ok(format!("{}/h/{token}", self.notify.portal_url))
    }

    /// Records a click on a help link and answers the product it is about; None for a link
    /// that is not ours (nothing recorded).
    pub async fn record_help_click(&self, token: &str) -> Result<Option<ProductId>> {
        let Some(payload) = self.verify_link(LinkPurpose::Help, token).await? else {
            return Ok(None);
        };
        let parts: Vec<Uuid> = payload.split(':').filter_map(|p| Uuid::parse_str(p).ok()).collect();
        let [user, product, account] = parts[..] else {
            return Ok(None);
        };
        let now = self.clock.now();
        let commit = Commit {
            events: vec![crate::docs::event(
                &crate::Actor::System,
                now,
                "help.clicked",
                "product",
                product,
                Some(AccountId(account)),
                None,
                json!({"user_id": user}),
            )],
            ..Default::default()
        };
        self.store.commit(commit).await.map_err(crate::error::commit_error)?;
        Ok(Some(ProductId(product)))
    }

    /// Help engagement per product, for seller staff: sent, clicks, readers, and the customers
    /// who clicked and then ordered again. Reads the help log and each product's events: fine
    /// for a catalogue of guides, not yet a projection.
    pub async fn help_engagement(&self, ctx: &Ctx) -> Result<Vec<HelpStats>> {
        if !ctx.principal.is_seller() {
            return Err(AppError::Forbidden("help engagement is the seller's report".into()));
        }
        let mut sent: BTreeMap<Uuid, (String, usize)> = BTreeMap::new();
        let mut before = None;
        loop {
            let jobs = self
                .store
                .list_jobs(JobQuery {
                    queue: Some(queues::HELP),
                    state: Some(JobState::Done),
                    before,
                    limit: 500,
                    ..JobQuery::default()
                })
                .await?;
            before = jobs.last().map(|j| j.id);
            for j in &jobs {
                if let Ok(h) = serde_json::from_str::<HelpJob>(&j.payload) {
                    let e = sent.entry(h.product_id.0).or_insert((h.product_name.clone(), 0));
                    e.1 += 1;
                }
            }
            if jobs.len() < 500 {
                break;
            }
        }
        let mut out = Vec::new();
        for (product, (name, n)) in sent {
            let mut clicks = 0;
            let mut readers = BTreeSet::new();
            let mut first_click: BTreeMap<Uuid, OffsetDateTime> = BTreeMap::new();
            let mut after = 0;
            loop {
                let page = self.store.events(EventFilter::Subject(product), after, 500).await?;
                after = page.last().map_or(after, |e| e.seq);
                for e in page.iter().filter(|e| e.kind == "help.clicked") {
                    clicks += 1;
                    let d: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
                    if let Some(u) = d["user_id"].as_str() {
                        readers.insert(u.to_owned());
                    }
                    if let Some(a) = e.account_id {
                        first_click.entry(a).or_insert(e.at);
                    }
                }
                if page.len() < 500 {
                    break;
                }
            }
            let mut repeat = 0;
            for (account, at) in &first_click {
                let later = self
                    .store
                    .list(ListQuery {
                        kind: "order",
                        account_id: Some(*account),
                        // Strictly after the first click.
                        from: Some(*at + time::Duration::milliseconds(1)),
                        limit: 1,
                        ..ListQuery::default()
                    })
                    .await?;
                repeat += usize::from(!later.is_empty());
            }
            out.push(HelpStats {
                product_id: ProductId(product),
                product: name,
                sent: n,
                clicks,
                readers: readers.len(),
                repeat_accounts: repeat,
                clicking_accounts: first_click.len(),
            });
        }
        Ok(out)
    }
}
