//! The service console's one search box, and the customer 360.
//!
//! Search answers from indexes only, so its cost does not grow with the number of orders: exact
//! numbers through the documents' unique `number` column (order, invoice, account, product SKU,
//! user email) and secondary keys (`order_po`, `tracking`, `order_sku`, `account_word`), each one
//! indexed lookup. A query is tried as typed and upper-cased (numbers and tracking numbers are
//! usually upper case, people type them in lower case).

use crate::docs::{Doc, Versioned, decode};
use crate::identity::User;
use crate::order_docs::StoredOrder;
use crate::{Action, App, AppError, Ctx, ListFilter, OpenPositionAnswer, Page, Result, ShipmentDoc, TimelineOf};
use aftercart_domain::account::Account;
use aftercart_domain::ids::AccountId;
use aftercart_domain::invoice::{Invoice, Payment};
use aftercart_domain::order::Order;
use aftercart_domain::product::Product;
use aftercart_store::{EventRow, ListQuery};
use uuid::Uuid;

/// Results per group.
pub const SEARCH_LIMIT: usize = 20;
/// The longest query searched.
pub const MAX_QUERY: usize = 200;

#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    pub orders: Vec<Order>,
    pub invoices: Vec<Invoice>,
    /// Shipments found by tracking number, with their order.
    pub shipments: Vec<(ShipmentDoc, Order)>,
    /// Products found by SKU, each with its newest orders.
    pub products: Vec<(Product, Vec<Order>)>,
    pub accounts: Vec<Account>,
    pub users: Vec<User>,
    /// Returns by RMA number (`RMA-1001`).
    pub returns: Vec<aftercart_domain::returns::Return>,
    /// Change requests by number (`CR-1001`).
    pub changes: Vec<crate::changes::ChangeRequest>,
}

impl SearchResults {
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
            && self.invoices.is_empty()
            && self.shipments.is_empty()
            && self.products.is_empty()
            && self.accounts.is_empty()
            && self.users.is_empty()
            && self.returns.is_empty()
            && self.changes.is_empty()
    }
}

/// The words of an account name that search finds it by.
pub(crate) fn name_words(name: &str) -> Vec<String> {
    let mut w: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .collect();
    w.sort();
    w.dedup();
    w
}

impl App {
    /// Searches orders (number, PO), invoices (number), shipments (tracking number), products
    /// (SKU, with their orders), accounts (number or words of the name) and users (email). Seller
    /// staff only.
    pub async fn search(&self, ctx: &Ctx, query: &str) -> Result<SearchResults> {
        if !ctx.principal.is_seller() {
            return Err(AppError::Forbidden("search is for seller staff".into()));
        }
        let q = query.trim();
        let mut out = SearchResults::default();
        if q.is_empty() || q.chars().count() > MAX_QUERY || q.contains('\0') {
            return Ok(out);
        }
        let mut variants = vec![q.to_owned()];
        if q.to_uppercase() != q {
            variants.push(q.to_uppercase());
        }
        let mut order_ids: Vec<Uuid> = Vec::new();
        let mut shipment_ids: Vec<Uuid> = Vec::new();
        for v in &variants {
            if let Some(r) = self.store.by_number("order", v).await? {
                order_ids.push(r.id);
            }
            order_ids.extend(self.store.by_key("order_po", v).await?.into_iter().take(SEARCH_LIMIT));
            if let Some(r) = self.store.by_number("invoice", v).await? {
                out.invoices.push(decode::<Invoice>(&r)?.value);
            }
            shipment_ids.extend(self.store.by_key("tracking", v).await?.into_iter().take(SEARCH_LIMIT));
            if let Some(r) = self.store.by_number("product", v).await? {
                let p = decode::<Product>(&r)?.value;
                let rows = self
                    .store
                    .list(ListQuery {
                        kind: StoredOrder::KIND,
                        key: Some(("order_sku", p.sku.to_uppercase())),
                        limit: 10,
                        ..Default::default()
                    })
                    .await?;
                let orders = self
                    .orders_from_rows(&rows)
                    .await?
                    .into_iter()
                    .map(|v| v.value)
                    .collect();
                out.products.push((p, orders));
            }
            if let Some(r) = self.store.by_number("account", v).await? {
                out.accounts.push(decode::<Account>(&r)?.value);
            }
            if let Some(r) = self.store.by_number("return", v).await? {
                out.returns.push(decode::<aftercart_domain::returns::Return>(&r)?.value);
            }
            if let Some(r) = self.store.by_number("change_request", v).await? {
                out.changes.push(decode::<crate::changes::ChangeRequest>(&r)?.value);
            }
        }
        order_ids.sort();
        order_ids.dedup();
        out.orders = self
            .orders_from_rows(&self.store.get_many(&order_ids).await?)
            .await?
            .into_iter()
            .map(|v| v.value)
            .collect();
        out.orders.sort_by_key(|o| std::cmp::Reverse(o.placed_at));
        shipment_ids.sort();
        shipment_ids.dedup();
        let shipments = self.docs_of::<ShipmentDoc>(&shipment_ids).await?;
        let mut of_ids: Vec<Uuid> = shipments.iter().map(|s| s.order_id.0).collect();
        of_ids.sort();
        of_ids.dedup();
        let orders = self.orders_from_rows(&self.store.get_many(&of_ids).await?).await?;
        for s in shipments {
            if let Some(o) = orders.iter().find(|o| o.value.id == s.order_id) {
                out.shipments.push((s, o.value.clone()));
            }
        }
        // Accounts by name: every word of the query must be a word of the name.
        let words = name_words(q);
        if !words.is_empty() && words.len() <= 8 {
            let mut common: Option<Vec<Uuid>> = None;
            for w in &words {
                let mut ids = self.store.by_key("account_word", w).await?;
                ids.sort();
                common = Some(match common {
                    None => ids,
                    Some(prev) => prev.into_iter().filter(|id| ids.binary_search(id).is_ok()).collect(),
                });
            }
            let ids: Vec<Uuid> = common.unwrap_or_default().into_iter().take(SEARCH_LIMIT * 2).collect();
            for a in self.docs_of::<Account>(&ids).await? {
                // A renamed account keeps its old words' keys: check the name as it is now.
                let now = name_words(&a.name);
                if words.iter().all(|w| now.contains(w)) && !out.accounts.iter().any(|x| x.id == a.id) {
                    out.accounts.push(a);
                }
            }
        }
        out.accounts.truncate(SEARCH_LIMIT);
        if q.contains('@')
            && let Some(r) = self.store.by_number("user", &q.to_lowercase()).await?
        {
            out.users.push(decode::<User>(&r)?.value);
        }
        out.invoices.dedup_by_key(|i| i.id);
        out.returns.dedup_by_key(|r| r.id);
        out.changes.dedup_by_key(|c| c.id);
        out.products.dedup_by_key(|(p, _)| p.id);
        Ok(out)
    }

    async fn docs_of<T: Doc>(&self, ids: &[Uuid]) -> Result<Vec<T>> {
        self.store
            .get_many(ids)
            .await?
            .iter()
            .filter(|r| r.kind == T::KIND)
            .map(|r| decode::<T>(r).map(|v| v.value))
            .collect()
    }

    /// Everything about one customer, for the service console: the account, balances, recent
    /// orders, shipments, invoices and payments, users and the newest timeline events.
    pub async fn customer_360(&self, ctx: &Ctx, id: AccountId) -> Result<Customer360> {
        if !ctx.principal.is_seller() {
            return Err(AppError::Forbidden("the customer page is for seller staff".into()));
        }
        let account = self.account(ctx, id).await?;
        let recent = |limit| ListFilter {
            account_id: Some(id),
            limit,
            ..Default::default()
        };
        let position = self.open_position(ctx, id).await?;
        let orders = self.list_orders(ctx, &recent(10)).await?;
        let shipments = self.list_shipments(ctx, &recent(10)).await?;
        let invoices = self.list_invoices(ctx, &recent(10)).await?;
        let payments = if ctx.principal.may(Action::BillingRead) {
            self.list_payments(ctx, &recent(10)).await?
        } else {
            Page {
                items: Vec::new(),
                next: None,
            }
        };
        let users = self.list_users(ctx, &recent(100)).await?;
        let timeline = self.latest_timeline(ctx, TimelineOf::Account(id), 25).await?;
        Ok(Customer360 {
            account,
            position,
            orders,
            shipments,
            invoices,
            payments,
            users,
            timeline,
        })
    }
}

pub struct Customer360 {
    pub account: Versioned<Account>,
    pub position: OpenPositionAnswer,
    pub orders: Page<Versioned<Order>>,
    pub shipments: Page<Versioned<ShipmentDoc>>,
    pub invoices: Page<Versioned<Invoice>>,
    pub payments: Page<Versioned<Payment>>,
    pub users: Page<Versioned<User>>,
    /// Newest first.
    pub timeline: Vec<EventRow>,
}

/// Keys an order is found by in search that the first release did not write.
pub(crate) fn sku_keys(order: &Order) -> Vec<aftercart_store::KeyWrite> {
    let mut skus: Vec<String> = order.lines.iter().map(|l| l.sku.to_uppercase()).collect();
    skus.sort();
    skus.dedup();
    skus.into_iter()
        .map(|sku| aftercart_store::KeyWrite {
            kind: "order_sku",
            key: sku,
            doc_id: order.id.0,
        })
        .collect()
}

impl App {
    /// Writes the search keys of orders and accounts stored before search existed (SKU and
    /// name words). Idempotent: keys already there are kept as they are, so running it again
    /// changes nothing. Returns (orders, accounts) visited. `aftercart migrate` runs it.
    pub async fn backfill_search_keys(&self) -> Result<(usize, usize)> {
        let ctx = Ctx::system();
        let mut counts = (0, 0);
        let mut f = ListFilter {
            limit: 500,
            ..Default::default()
        };
        loop {
            let page = self.list_accounts(&ctx, &f).await?;
            let keys: Vec<_> = page
                .items
                .iter()
                .flat_map(|a| {
                    name_words(&a.value.name)
                        .into_iter()
                        .map(|w| aftercart_store::KeyWrite {
                            kind: "account_word",
                            key: w,
                            doc_id: a.value.id.0,
                        })
                })
                .collect();
            counts.1 += page.items.len();
            self.store
                .commit(aftercart_store::Commit {
                    keys,
                    ..Default::default()
                })
                .await
                .map_err(|e| AppError::Store(aftercart_store::StoreError::new(e.to_string())))?;
            match page.next {
                Some(n) => f.before = Some(n),
                None => break,
            }
        }
        let mut before = None;
        loop {
            let rows = self
                .store
                .list(ListQuery {
                    kind: StoredOrder::KIND,
                    before,
                    limit: 1000,
                    ..Default::default()
                })
                .await?;
            let mut keys = Vec::new();
            for o in self.orders_from_rows(&rows).await? {
                keys.extend(sku_keys(&o.value));
            }
            counts.0 += rows.len();
            self.store
                .commit(aftercart_store::Commit {
                    keys,
                    ..Default::default()
                })
                .await
                .map_err(|e| AppError::Store(aftercart_store::StoreError::new(e.to_string())))?;
            if rows.len() < 1000 {
                break;
            }
            before = rows.last().map(|r| r.id);
        }
        Ok(counts)
    }
}
