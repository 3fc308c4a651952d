//! Read side: the four answers (status, match, timeline, open invoices) and filtered lists.

use crate::docs::{Doc, ShipmentDoc, Versioned, decode};
use crate::error::Result;
use crate::order_docs::StoredOrder;
use crate::{App, Ctx};
use aftercart_domain::account::{Account, FulfilmentLocation};
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, InvoiceId, LocationId, OrderId};
use aftercart_domain::invoice::{CreditMemo, Invoice, Payment};
use aftercart_domain::matching::MatchReport;
use aftercart_domain::order::Order;
use aftercart_domain::product::Product;
use aftercart_domain::status::{LineStatus, Names, OrderView, order_view};
use aftercart_store::{EventFilter, EventRow, ListQuery};
use time::OffsetDateTime;
use uuid::Uuid;

/// Every value `GET /orders?status=` accepts.
pub const ORDER_STATUSES: [&str; 11] = [
    "awaiting_approval",
    "rejected",
    "pending",
    "backordered",
    "allocated",
    "partially_shipped",
    "shipped",
    "partially_delivered",
    "partially_delivered_partially_shipped",
    "delivered",
    "cancelled",
];

/// A location-scoped user filtering on a location outside their scope is refused, never answered
/// with a partial hit (an order that also has a line there) or a silent empty page.
fn refuse_out_of_scope_location(ctx: &Ctx, f: &ListFilter) -> Result<()> {
    match f.location.filter(|l| !ctx.principal.sees_location(*l)) {
        Some(l) => Err(aftercart_domain::Rejection::new(
            aftercart_domain::ErrorCode::OutOfScope,
            "location_id",
            format!("location {l} is outside the locations your access covers"),
        )
        .into()),
        None => Ok(()),
    }
}

/// One page of a list, newest first; `next` is the cursor for the following page.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Uuid>,
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub account_id: Option<AccountId>,
    pub status: Option<String>,
    pub location: Option<LocationId>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub before: Option<Uuid>,
    pub limit: u32,
}

#[derive(Debug, Clone, Copy)]
pub enum TimelineOf {
    Order(OrderId),
    Invoice(InvoiceId),
    Account(AccountId),
}

pub struct StatusAnswer {
    pub order: Versioned<Order>,
    pub view: OrderView,
    pub at: OffsetDateTime,
}

pub struct MatchAnswer {
    pub invoice: Versioned<Invoice>,
    pub report: MatchReport,
}

impl App {
    pub(crate) async fn list_docs<T: Doc>(
        &self,
        ctx: &Ctx,
        f: &ListFilter,
        key: Option<(&'static str, String)>,
    ) -> Result<Page<Versioned<T>>> {
        let limit = f.limit.clamp(1, 500);
        // A customer lists only their own account: asking for another gives an empty page.
        let mut account = f.account_id;
        if let Some(own) = ctx.principal.own_account() {
            if account.is_some_and(|a| a != own) {
                return Ok(Page {
                    items: Vec::new(),
                    next: None,
                });
            }
            account = Some(own);
        }
        let rows = self
            .store
            .list(ListQuery {
                kind: T::KIND,
                account_id: account.map(|a| a.0),
                status: f.status.clone(),
                key,
                from: f.from,
                to: f.to,
                before: f.before,
                limit: limit + 1,
            })
            .await?;
        let more = rows.len() > limit as usize;
        let mut items = Vec::with_capacity(rows.len().min(limit as usize));
        for r in rows.iter().take(limit as usize) {
            let v = decode::<T>(r)?;
            if v.value.visible_to(&ctx.principal) {
                items.push(v);
            }
        }
        let next = if more {
            rows.get(limit as usize - 1).map(|r| r.id)
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// Every document of a kind matching `f`, all pages: for the few reads that need a whole
    /// account's records (budgets, spend).
    pub(crate) async fn all_docs<T: Doc>(&self, ctx: &Ctx, f: &ListFilter) -> Result<Vec<Versioned<T>>> {
        let mut f = ListFilter {
            limit: 500,
            ..f.clone()
        };
        let mut out = Vec::new();
        loop {
            let page = self.list_docs::<T>(ctx, &f, None).await?;
            out.extend(page.items);
            match page.next {
                Some(n) => f.before = Some(n),
                None => return Ok(out),
            }
        }
    }

    pub async fn list_accounts(&self, ctx: &Ctx, f: &ListFilter) -> Result<Page<Versioned<Account>>> {
        self.list_docs(
            ctx,
            &ListFilter {
                account_id: None,
                ..f.clone()
            },
            None,
        )
        .await
    }

    pub async fn list_products(&self, ctx: &Ctx, f: &ListFilter) -> Result<Page<Versioned<Product>>> {
        self.list_docs(
            ctx,
            &ListFilter {
                account_id: None,
                ..f.clone()
            },
            None,
        )
        .await
    }

    /// Orders, newest first, each as the caller may see it.
    ///
    /// `status` is an approval state (`awaiting_approval`, `rejected`) or a progress status;
    /// `partially_shipped` and `partially_delivered` also find `partially_delivered_partially_shipped`
    /// (see [`LineStatus::matching`]).
    ///
    /// A location-scoped customer never learns about lines outside their scope: a `location`
    /// filter on a location outside it is refused (`out_of_scope` on `location_id`), and the
    /// status filter applies to the order as they see it (their lines only), not to the whole
    /// order, so a page may hold fewer items than `limit` (follow `next`).
    pub async fn list_orders(&self, ctx: &Ctx, f: &ListFilter) -> Result<Page<Versioned<Order>>> {
        let statuses: Option<Vec<String>> = match f.status.as_deref() {
            None => None,
            Some(s @ ("awaiting_approval" | "rejected" | "credit_hold" | "credit_rejected")) => {
                Some(vec![s.to_owned()])
            }
            Some(s) => match LineStatus::matching(s) {
                Some(v) => Some(v.into_iter().map(|x| x.as_str().to_owned()).collect()),
                None => {
                    return Err(aftercart_domain::Rejection::new(
                        aftercart_domain::ErrorCode::InvalidValue,
                        "status",
                        format!("'{s}' is not one of {}", ORDER_STATUSES.join(", ")),
                    )
                    .into());
                }
            },
        };
        let scoped = matches!(
            &ctx.principal.kind,
            crate::PrincipalKind::Customer {
                scope: crate::LocationScope::Only(_),
                ..
            }
        );
        refuse_out_of_scope_location(ctx, f)?;
        // Suppliers list through the orders routed to them; location filters combine by page filter.
        let key = match ctx.principal.supplier_location() {
            Some(loc) => Some(("order_fulfilment", loc.0.to_string())),
            None => f.location.map(|l| ("order_location", l.0.to_string())),
        };
        let stored: Page<Versioned<StoredOrder>> = match &statuses {
            // The stored status is the whole order's; a scoped user filters on their part of it.
            Some(_) if scoped => {
                let all = ListFilter {
                    status: None,
                    ..f.clone()
                };
                self.list_docs(ctx, &all, key).await?
            }
            None => self.list_docs(ctx, f, key).await?,
            Some(v) if v.len() == 1 => self.list_docs(ctx, f, key).await?,
            Some(v) => self.list_docs_any_status(ctx, f, v, key).await?,
        };
        let mut page = Page {
            items: self.orders_from(stored.items).await?,
            next: stored.next,
        };
        if let (Some(l), Some(_)) = (f.location, ctx.principal.supplier_location()) {
            page.items.retain(|o| o.value.lines.iter().any(|x| x.ship_to == l));
        }
        page.items = page.items.into_iter().map(|v| self.order_view(ctx, v)).collect();
        if let (Some(v), true) = (&statuses, scoped) {
            page.items.retain(|o| {
                let seen = crate::governance::approval_status(&o.value)
                    .unwrap_or(aftercart_domain::status::order_progress(&o.value).as_str());
                v.iter().any(|s| s == seen)
            });
        }
        Ok(page)
    }

    /// One page of documents whose stored status is any of `statuses`: one query per status,
    /// merged newest first. The merged page is complete down to the highest of the sub-pages'
    /// cursors, which becomes its own cursor.
    async fn list_docs_any_status<T: Doc>(
        &self,
        ctx: &Ctx,
        f: &ListFilter,
        statuses: &[String],
        key: Option<(&'static str, String)>,
    ) -> Result<Page<Versioned<T>>> {
        let limit = f.limit.clamp(1, 500) as usize;
        let mut items: Vec<Versioned<T>> = Vec::new();
        let mut cutoff: Option<Uuid> = None;
        for s in statuses {
            let one = ListFilter {
                status: Some(s.clone()),
                ..f.clone()
            };
            let p = self.list_docs::<T>(ctx, &one, key.clone()).await?;
            if let Some(n) = p.next {
                cutoff = Some(cutoff.map_or(n, |c| c.max(n)));
            }
            items.extend(p.items);
        }
        items.sort_by_key(|v| std::cmp::Reverse(v.value.doc_id()));
        if let Some(c) = cutoff {
            items.retain(|v| v.value.doc_id() >= c);
        }
        let mut next = cutoff;
        if items.len() > limit {
            items.truncate(limit);
            next = items.last().map(|v| v.value.doc_id());
        }
        Ok(Page { items, next })
    }

    /// Shipments, newest first; a scoped user's `location` outside their scope is refused as for orders.
    pub async fn list_shipments(&self, ctx: &Ctx, f: &ListFilter) -> Result<Page<Versioned<ShipmentDoc>>> {
        refuse_out_of_scope_location(ctx, f)?;
        let key = match ctx.principal.supplier_location() {
            Some(loc) => Some(("shipment_from", loc.0.to_string())),
            None => f.location.map(|l| ("shipment_location", l.0.to_string())),
        };
        self.list_docs(ctx, f, key).await
    }

    /// Invoices; `status` is `open` (any balance), `overdue` (balance past due) or `paid`.
    pub async fn list_invoices(&self, ctx: &Ctx, f: &ListFilter) -> Result<Page<Versioned<Invoice>>> {
        let mut q = f.clone();
        match f.status.as_deref() {
            None => {}
            Some("open") => q.status = Some("unpaid".into()),
            Some("paid") => q.status = Some("paid".into()),
            Some("overdue") => {
                q.status = Some("unpaid".into());
                let today = self.clock.now().date().midnight().assume_utc();
                q.to = Some(q.to.map_or(today, |t| t.min(today)));
            }
            Some(other) => {
                return Err(aftercart_domain::Rejection::new(
                    aftercart_domain::ErrorCode::InvalidValue,
                    "status",
                    format!("'{other}' is not an invoice status filter (open, overdue, paid)"),
                )
                .into());
            }
        }
        self.list_docs(ctx, &q, None).await
    }

    pub async fn list_payments(&self, ctx: &Ctx, f: &ListFilter) -> Result<Page<Versioned<Payment>>> {
        self.list_docs(ctx, f, None).await
    }

    pub async fn list_credit_memos(&self, ctx: &Ctx, f: &ListFilter) -> Result<Page<Versioned<CreditMemo>>> {
        self.list_docs(ctx, f, None).await
    }

    /// The names a status answer shows, from rows already read with the order (the account's,
    /// the fulfilment locations'); whatever is missing from them is read.
    async fn names_from(&self, ctx: &Ctx, order: &Order, rows: &[aftercart_store::DocRow]) -> Result<Names> {
        let locations = match rows
            .iter()
            .find(|r| r.id == order.account_id.0 && r.kind == Account::KIND)
        {
            Some(row) => location_names_of(row)?,
            None => self.location_names(order.account_id).await?,
        };
        let mut fulfilment = std::collections::HashMap::new();
        for r in rows.iter().filter(|r| r.kind == FulfilmentLocation::KIND) {
            let v = decode::<FulfilmentLocation>(r)?;
            if v.value.visible_to(&ctx.principal) {
                fulfilment.insert(v.value.id, v.value.name);
            }
        }
        let missing: Vec<FulfilmentLocationId> = order
            .shipments
            .iter()
            .map(|s| s.from)
            .chain(
                order
                    .lines
                    .iter()
                    .flat_map(|l| l.allocations.iter().map(|a| a.location)),
            )
            .filter(|f| !rows.iter().any(|r| r.id == f.0))
            .collect();
        if !missing.is_empty() {
            fulfilment.extend(self.fulfilment_names(ctx, &missing).await?);
        }
        let mut names = Names { locations, fulfilment };
        // -- dropship --
        if let Some(d) = self.disguise_for(ctx).await? {
            d.names(&mut names);
        }
        // -- /dropship --
        Ok(names)
    }

    /// Location names of an account. The account's row is read on every call, so a renamed
    /// location shows its new name at once, through any process (a cache answering without
    /// asking the store could serve a caller something older than its own last write); only the
    /// decoding — a quarter of a status read with a large account — is skipped while the row is
    /// the one decoded last (same version and same write time: the id alone could name
    /// different rows in two databases opened by one process, as tests do).
    async fn location_names(&self, account: AccountId) -> Result<std::collections::HashMap<LocationId, String>> {
        // Names only: suppliers may not read the account, but may see where their lines go.
        let row = self
            .store
            .get(account.0)
            .await?
            .ok_or_else(|| crate::AppError::not_found(Account::WHAT))?;
        location_names_of(&row)
    }

    /// Names of the fulfilment locations `ids`, read from the store on every call (one indexed
    /// read of just these documents) so a rename shows at once on every process.
    async fn fulfilment_names(
        &self,
        ctx: &Ctx,
        ids: &[FulfilmentLocationId],
    ) -> Result<std::collections::HashMap<FulfilmentLocationId, String>> {
        let mut wanted: Vec<uuid::Uuid> = ids.iter().map(|i| i.0).collect();
        wanted.sort_unstable();
        wanted.dedup();
        Ok(self
            .load_many::<FulfilmentLocation>(ctx, &wanted)
            .await?
            .into_iter()
            .map(|v| (v.value.id, v.value.name))
            .collect())
    }

    /// The order with this number (exact, as printed: `SO-1042`), as the caller may see it; an
    /// order they may not see is "not found", like a number that does not exist. The portal's
    /// order-number search.
    pub async fn order_by_number(&self, ctx: &Ctx, number: &str) -> Result<Versioned<Order>> {
        let Some(row) = self.store.by_number(StoredOrder::KIND, number.trim()).await? else {
            return Err(crate::AppError::not_found_field(StoredOrder::WHAT, "number"));
        };
        let v = self.load_order(ctx, OrderId(row.id)).await?;
        Ok(self.order_view(ctx, v))
    }

    /// "Did this ship?" for an order, derived now.
    pub async fn order_status(&self, ctx: &Ctx, id: OrderId) -> Result<StatusAnswer> {
        // The account (location names) and the fulfilment locations come with the lines.
        let (order, rows) = self
            .load_order_with(ctx, id, |account, fulfilment| {
                std::iter::once(account.0)
                    .chain(fulfilment.iter().map(|f| f.0))
                    .collect()
            })
            .await?;
        let order = self.order_view(ctx, order);
        let names = self.names_from(ctx, &order.value, &rows).await?;
        let at = self.clock.now();
        let view = order_view(&order.value, &names, at);
        Ok(StatusAnswer { order, view, at })
    }

    /// "Why doesn't this match?" for an invoice.
    pub async fn invoice_match(&self, ctx: &Ctx, id: InvoiceId) -> Result<MatchAnswer> {
        let invoice = self.load::<Invoice>(ctx, id.0).await?;
        let order_ids: Vec<Uuid> = invoice.value.order_ids().iter().map(|o| o.0).collect();
        let orders: Vec<Order> = self
            .load_orders(ctx, &order_ids)
            .await?
            .into_iter()
            .map(|v| v.value)
            .collect();
        let mut other_ids: Vec<Uuid> = Vec::new();
        for o in &order_ids {
            other_ids.extend(self.store.by_key("order_invoice", &o.to_string()).await?);
        }
        other_ids.sort();
        other_ids.dedup();
        other_ids.retain(|i| *i != id.0);
        let others: Vec<Invoice> = self
            .load_many::<Invoice>(ctx, &other_ids)
            .await?
            .into_iter()
            .map(|v| v.value)
            .collect();
        // -- returns --
        // Credit memos for returned goods name the lines they credit; matching counts them.
        let credits = self.return_credits_of_invoice(ctx, id).await?;
        let report = aftercart_domain::matching::match_invoice_credited(
            &invoice.value,
            &orders.iter().collect::<Vec<_>>(),
            &others.iter().collect::<Vec<_>>(),
            &credits.iter().collect::<Vec<_>>(),
        );
        // -- /returns --
        Ok(MatchAnswer { invoice, report })
    }

    /// Invoices of an order (for the order view and matching).
    pub async fn invoices_of_order(&self, ctx: &Ctx, id: OrderId) -> Result<Vec<Invoice>> {
        if ctx.principal.supplier_location().is_some() {
            return Ok(Vec::new());
        }
        // Only whether the caller may see the order: its header says.
        self.load::<StoredOrder>(ctx, id.0).await?;
        let ids = self.store.by_key("order_invoice", &id.0.to_string()).await?;
        Ok(self
            .load_many::<Invoice>(ctx, &ids)
            .await?
            .into_iter()
            .map(|v| v.value)
            .collect())
    }

    /// The append-only timeline of an order, invoice or account, oldest first from `after`.
    pub async fn timeline(&self, ctx: &Ctx, of: TimelineOf, after: i64, limit: u32) -> Result<Vec<EventRow>> {
        let filter = match of {
            TimelineOf::Order(id) => {
                let order = self.load_order(ctx, id).await?.value;
                if let Some(lines) = ctx.principal.visible_lines(&order) {
                    let rows = self.restricted_timeline(ctx, &order, &lines, after, limit).await?;
                    return self.disguise_events(ctx, rows).await;
                }
                EventFilter::Subject(id.0)
            }
            TimelineOf::Invoice(id) => {
                self.load::<Invoice>(ctx, id.0).await?;
                EventFilter::Subject(id.0)
            }
            TimelineOf::Account(id) => {
                self.load::<Account>(ctx, id.0).await?;
                // The account timeline spans every location; a location-scoped user may not read it.
                if matches!(
                    &ctx.principal.kind,
                    crate::PrincipalKind::Customer {
                        scope: crate::LocationScope::Only(_),
                        ..
                    }
                ) {
                    return Err(crate::AppError::Forbidden(
                        "your access is limited to some locations".into(),
                    ));
                }
                EventFilter::Account(id.0)
            }
        };
        let rows = self.store.events(filter, after, limit.clamp(1, 500)).await?;
        self.disguise_events(ctx, rows).await
    }

    /// The newest `limit` events of a timeline, newest first (pages show the latest activity;
    /// `timeline` pages forward from the oldest).
    pub async fn latest_timeline(&self, ctx: &Ctx, of: TimelineOf, limit: u32) -> Result<Vec<EventRow>> {
        let limit = limit.clamp(1, 500);
        let restricted = match of {
            TimelineOf::Order(id) => {
                let order = self.load_order(ctx, id).await?.value;
                ctx.principal.visible_lines(&order).is_some()
            }
            _ => false,
        };
        if restricted {
            // Filtered per event: read forward (bounded) and keep the newest.
            let mut all = Vec::new();
            let mut after = 0;
            loop {
                let page = self.timeline(ctx, of, after, 500).await?;
                let done = page.len() < 500 || all.len() >= 20_000;
                after = page.last().map_or(after, |e| e.seq);
                all.extend(page);
                if done {
                    break;
                }
            }
            let start = all.len().saturating_sub(limit as usize);
            let mut newest = all.split_off(start);
            newest.reverse();
            return Ok(newest);
        }
        // Checks visibility (and the account timeline's scope rule) as `timeline` does.
        self.timeline(ctx, of, 0, 1).await?;
        let filter = match of {
            TimelineOf::Order(id) => EventFilter::Subject(id.0),
            TimelineOf::Invoice(id) => EventFilter::Subject(id.0),
            TimelineOf::Account(id) => EventFilter::Account(id.0),
        };
        let rows = self.store.latest_events(filter, limit).await?;
        self.disguise_events(ctx, rows).await
    }

    /// An order's timeline for someone who sees only some of its lines (a location-scoped buyer,
    /// a supplier): events about other lines or their shipments are left out, and so are billing
    /// events for principals without billing access.
    async fn restricted_timeline(
        &self,
        ctx: &Ctx,
        order: &Order,
        lines: &[u32],
        mut after: i64,
        limit: u32,
    ) -> Result<Vec<EventRow>> {
        let mut visible = order.clone();
        crate::principal::restrict_order(&mut visible, lines);
        let shipments: Vec<String> = visible.shipments.iter().map(|s| s.id.0.to_string()).collect();
        let billing = ctx.principal.may(crate::Action::BillingRead);
        let supplier = ctx.principal.supplier_location().is_some();
        let keep = |e: &EventRow| {
            // -- cases --
            // Support cases are between the customer and the seller: never on a supplier's timeline.
            if supplier && e.kind.starts_with("case.") {
                return false;
            }
            // -- /cases --
            let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
            if let Some(l) = data.get("line").and_then(|l| l.as_u64()) {
                return lines.contains(&(l as u32));
            }
            if let Some(s) = data.get("shipment_id").and_then(|s| s.as_str()) {
                return shipments.iter().any(|v| v == s);
            }
            // -- change requests --
            // Change requests and returns are between the customer and the seller.
            if supplier && (e.kind.starts_with("order.change") || e.kind.starts_with("return.")) {
                return false;
            }
            // Events about several lines (`lines`: numbers or objects with `line`): any in view.
            if let Some(ls) = data.get("lines").and_then(|l| l.as_array()) {
                let nos: Vec<u32> = ls
                    .iter()
                    .filter_map(|x| x.as_u64().or_else(|| x.get("line").and_then(|v| v.as_u64())))
                    .filter_map(|n| u32::try_from(n).ok())
                    .collect();
                if !nos.is_empty() {
                    return nos.iter().any(|n| lines.contains(n));
                }
            }
            // -- /change requests --
            if e.kind.starts_with("order.invoiced") {
                return billing;
            }
            !(supplier && (e.kind.starts_with("approval.") || e.kind == "order.released"))
        };
        let limit = limit.clamp(1, 500);
        let mut out = Vec::new();
        loop {
            let page = self
                .store
                .events(EventFilter::Subject(order.id.0), after, limit)
                .await?;
            let done = (page.len() as u32) < limit;
            after = page.last().map_or(after, |e| e.seq);
            out.extend(page.into_iter().filter(|e| keep(e)));
            if done || out.len() as u32 >= limit {
                out.truncate(limit as usize);
                return Ok(out);
            }
        }
    }
}

/// Location names from an account's row; decoding is skipped while the row is the one decoded
/// last (see `App::location_names`).
fn location_names_of(row: &aftercart_store::DocRow) -> Result<std::collections::HashMap<LocationId, String>> {
    type ByLocation = std::collections::HashMap<LocationId, String>;
    type Cache = std::sync::Mutex<std::collections::HashMap<AccountId, ((i64, OffsetDateTime), ByLocation)>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let account = AccountId(row.id);
    let seen = (row.version, row.updated_at);
    if let Some((at, names)) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&account)
        && *at == seen
    {
        return Ok(names.clone());
    }
    let acct = decode::<Account>(row)?.value;
    let names: ByLocation = acct.locations.into_iter().map(|l| (l.id, l.name)).collect();
    let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
    if c.len() > 10_000 {
        c.clear();
    }
    c.insert(account, (seen, names.clone()));
    Ok(names)
}
