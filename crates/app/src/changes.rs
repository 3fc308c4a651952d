//! Change requests after checkout: a buyer (within their role and location scope) or an agent
//! on their behalf asks for changes to a placed order; the domain applies what it can at once
//! and routes what a warehouse has released to the seller; staff accept or reject that part.
//! Each request is its own document (`CR-…`), listed by order and in the console's queue.

use crate::docs::{Doc, Versioned, write};
use crate::error::{AppError, Result};
use crate::order_docs::Need;
use crate::orders::{OrderLineInput, ProductRef};
use crate::principal::{Action, Principal};
use crate::{App, Ctx, ListFilter, Page, Planned};
use aftercart_domain::account::{Account, FulfilmentLocation};
use aftercart_domain::budget::Impact;
use aftercart_domain::error::{ErrorCode, Rejection};
use aftercart_domain::ids::{AccountId, ChangeRequestId, FulfilmentLocationId, LocationId, OrderId};
use aftercart_domain::money::Money;
use aftercart_domain::order::{Change, ChangeNames, ChangeResult, NewLine, Order, Pending};
use aftercart_domain::product::Product;
use aftercart_domain::quantity::Qty;
use aftercart_store::{KeyWrite, WriteMode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One change as asked for (before products are resolved).
#[derive(Debug, Clone)]
pub enum ChangeInput {
    Quantity { line: u32, quantity: Qty },
    CancelLine { line: u32 },
    CancelOrder,
    ShipTo { line: u32, ship_to: LocationId },
    RequestedDate { line: u32, date: Option<Date> },
    AddLine(OrderLineInput),
}

#[derive(Debug, Clone)]
pub struct RequestChanges {
    pub changes: Vec<ChangeInput>,
    /// Why, in the buyer's words (optional).
    pub reason: Option<String>,
    /// The customer's user an agent asks for (seller staff only), recorded on the request.
    pub on_behalf_of: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeState {
    /// Everything asked was applied at once.
    Completed,
    /// Part of it waits for the seller (goods released to a warehouse floor).
    AwaitingSeller,
    /// The seller did the waiting part.
    Accepted,
    /// The seller could not; the reason says why.
    Rejected,
}

impl ChangeState {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeState::Completed => "completed",
            ChangeState::AwaitingSeller => "awaiting_seller",
            ChangeState::Accepted => "accepted",
            ChangeState::Rejected => "rejected",
        }
    }
}

/// The seller's answer to the waiting part of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeDecision {
    pub accepted: bool,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub reason: Option<String>,
    /// What was done, in words (accepted), or the reason again (rejected).
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRequest {
    pub id: ChangeRequestId,
    pub number: String,
    pub order_id: OrderId,
    pub order_number: String,
    pub account_id: AccountId,
    pub requested_by: String,
    /// The customer's user an agent acted for, when an agent asked on their behalf.
    pub on_behalf_of: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    pub reason: Option<String>,
    pub results: Vec<ChangeResult>,
    pub pending: Vec<Pending>,
    /// Approval reasons the change brought back (the order is on hold until they are decided).
    pub reapproval: Vec<String>,
    pub state: ChangeState,
    pub decision: Option<ChangeDecision>,
    /// The ship-to locations of the lines it touched: a location-scoped user sees only requests
    /// about their locations.
    pub ship_to: Vec<LocationId>,
}

impl Doc for ChangeRequest {
    const KIND: &'static str = "change_request";
    const WHAT: &'static str = "change request";
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
        Some(self.state.as_str().into())
    }
    fn at(&self) -> OffsetDateTime {
        self.requested_at
    }
    fn visible_to(&self, p: &Principal) -> bool {
        p.sees_account(self.account_id) && (self.ship_to.is_empty() || self.ship_to.iter().any(|l| p.sees_location(*l)))
    }
}

/// What a request would do, before it is sent: each change's outcome, the totals before and
/// after at the order's prices (contract prices for added lines), budget impact and whether the
/// order would need approval again.
#[derive(Debug, Clone)]
pub struct ChangePreview {
    pub results: Vec<ChangeResult>,
    pub total_before: Money,
    pub total_after: Money,
    /// (line, goods before, goods after) for every line whose amount moves; an added line's
    /// "before" is zero.
    pub lines: Vec<(u32, Money, Money)>,
    pub budgets: Vec<(aftercart_domain::budget::Budget, Impact)>,
    /// Why approval would be needed again (empty: it would not).
    pub reapproval: Vec<String>,
}

/// A request as recorded, with the order's version after it.
#[derive(Debug, Clone)]
pub struct ChangeOutcome {
    pub request: ChangeRequest,
    pub order_version: i64,
}

fn line_goods(l: &aftercart_domain::order::Line) -> Money {
    l.unit_price.times(l.quantity.saturating_sub(l.cancelled).get())
}

impl App {
    /// The order with the changes applied in memory, and what each did; nothing is written.
    async fn try_changes(
        &self,
        ctx: &Ctx,
        order: &mut Order,
        input: &RequestChanges,
    ) -> Result<(Account, Vec<ChangeResult>)> {
        if input.changes.is_empty() || input.changes.len() > 200 {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "changes",
                format!("ask for 1 to 200 changes (got {})", input.changes.len()),
            )
            .into());
        }
        if let Some(r) = &input.reason {
            aftercart_domain::text::validate(aftercart_domain::text::TextKind::Text, r, "reason")?;
        }
        if let Some(who) = &input.on_behalf_of {
            if !ctx.principal.is_seller() {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    "on_behalf_of",
                    "only the seller's agents ask on someone's behalf",
                )
                .into());
            }
            aftercart_domain::text::validate(aftercart_domain::text::TextKind::Name, who, "on_behalf_of")?;
        }
        let account = self.load::<Account>(&Ctx::system(), order.account_id.0).await?.value;
        // A location-scoped user changes only lines they may see, and only towards their locations.
        let p = &ctx.principal;
        for (i, c) in input.changes.iter().enumerate() {
            let (line, to) = match c {
                ChangeInput::Quantity { line, .. }
                | ChangeInput::CancelLine { line }
                | ChangeInput::RequestedDate { line, .. } => (Some(*line), None),
                ChangeInput::ShipTo { line, ship_to } => (Some(*line), Some(*ship_to)),
                ChangeInput::AddLine(l) => (None, Some(l.ship_to)),
                ChangeInput::CancelOrder => {
                    if order.lines.iter().any(|l| !p.sees_location(l.ship_to)) {
                        return Err(Rejection::new(
                            ErrorCode::OutOfScope,
                            format!("changes[{i}]"),
                            "the order has lines for locations outside your access; change your lines one by one",
                        )
                        .into());
                    }
                    (None, None)
                }
            };
            if let Some(l) = line.and_then(|n| order.line(n))
                && !p.sees_location(l.ship_to)
            {
                // As for any record they cannot see: it does not exist for them.
                return Err(Rejection::new(
                    ErrorCode::UnknownReference,
                    format!("changes[{i}].line"),
                    format!("order {} has no line {}", order.number, l.no),
                )
                .into());
            }
            if let Some(t) = to
                && !p.sees_location(t)
            {
                return Err(Rejection::new(
                    ErrorCode::OutOfScope,
                    format!("changes[{i}].ship_to"),
                    "you may not order for this location",
                )
                .into());
            }
        }
        let mut changes = Vec::with_capacity(input.changes.len());
        for (i, c) in input.changes.iter().enumerate() {
            changes.push(match c {
                ChangeInput::Quantity { line, quantity } => Change::Quantity {
                    line: *line,
                    quantity: *quantity,
                },
                ChangeInput::CancelLine { line } => Change::CancelLine { line: *line },
                ChangeInput::CancelOrder => Change::CancelOrder,
                ChangeInput::ShipTo { line, ship_to } => Change::ShipTo {
                    line: *line,
                    ship_to: *ship_to,
                },
                ChangeInput::RequestedDate { line, date } => Change::RequestedDate {
                    line: *line,
                    date: *date,
                },
                ChangeInput::AddLine(l) => Change::AddLine(Box::new(NewLine {
                    product: self.product_for(ctx, &l.product, &format!("changes[{i}]")).await?,
                    quantity: l.quantity,
                    ship_to: l.ship_to,
                    requested_date: l.requested_date,
                    po_number: l.po_number.clone(),
                    cost_centre: l.cost_centre.clone(),
                    project: l.project.clone(),
                })),
            });
        }
        let book = self.name_book(&account).await?;
        let next = u32::try_from(order.lines.len() + 1).unwrap_or(u32::MAX);
        let results = book.with(|names| order.apply_changes(&account, changes, next, names))?;
        Ok((account, results))
    }

    async fn product_for(&self, ctx: &Ctx, r: &ProductRef, prefix: &str) -> Result<Product> {
        Ok(match r {
            ProductRef::Id(id) => {
                self.load_ref::<Product>(ctx, id.0, &format!("{prefix}.product_id"))
                    .await?
                    .value
            }
            ProductRef::Sku(sku) => {
                let row = self
                    .store
                    .by_number("product", sku.trim())
                    .await?
                    .ok_or_else(|| AppError::not_found_field("product", format!("{prefix}.sku")))?;
                crate::docs::decode::<Product>(&row)?.value
            }
        })
    }

    /// A priced preview of a change request: nothing is written.
    pub async fn preview_changes(&self, ctx: &Ctx, id: OrderId, input: &RequestChanges) -> Result<ChangePreview> {
        let before = self.load_order(ctx, id).await?.value;
        let mut after = before.clone();
        let (_, results) = self.try_changes(ctx, &mut after, input).await?;
        let mut lines = Vec::new();
        for l in &after.lines {
            let was = before.line(l.no).map_or(Money::zero(after.currency), line_goods);
            let now = line_goods(l);
            if was != now {
                lines.push((l.no, was, now));
            }
        }
        let budgets = self.impacts(&after).await?;
        let reapproval = self
            .steps_now_required(&after)
            .await?
            .map(|s| s.into_iter().map(|r| r.reason).collect())
            .unwrap_or_default();
        let total = |o: &Order| {
            let g = o.goods_total();
            g.checked_add(o.freight).unwrap_or(g)
        };
        Ok(ChangePreview {
            results,
            total_before: total(&before),
            total_after: total(&after),
            lines,
            budgets,
            reapproval,
        })
    }

    pub async fn plan_request_changes(
        &self,
        ctx: &Ctx,
        id: OrderId,
        input: &RequestChanges,
    ) -> Result<Planned<ChangeOutcome>> {
        if !ctx.principal.may(Action::OrderChange) {
            return Err(AppError::Forbidden("your role does not allow changing orders".into()));
        }
        let mut d = self.order_draft(ctx, id, Need::All, true).await?;
        let before: Vec<(u32, LocationId)> = d.order.lines.iter().map(|l| (l.no, l.ship_to)).collect();
        let (_, results) = self.try_changes(ctx, &mut d.order, input).await?;
        let (reapproval, approval_events) = self.reapproval(ctx, &mut d.order).await?;
        let pending: Vec<Pending> = results.iter().flat_map(|r| r.pending.clone()).collect();
        let now = self.clock.now();
        let actor = ctx.principal.actor();
        // Where the lines it is about go (before and after), so scoped users see their requests.
        let of_line = |n: u32| before.iter().find(|(x, _)| *x == n).map(|(_, l)| *l);
        let mut ship_to: Vec<LocationId> = Vec::new();
        for c in &input.changes {
            match c {
                ChangeInput::Quantity { line, .. }
                | ChangeInput::CancelLine { line }
                | ChangeInput::RequestedDate { line, .. } => ship_to.extend(of_line(*line)),
                ChangeInput::ShipTo { line, ship_to: t } => {
                    ship_to.extend(of_line(*line));
                    ship_to.push(*t);
                }
                ChangeInput::AddLine(l) => ship_to.push(l.ship_to),
                ChangeInput::CancelOrder => ship_to.extend(before.iter().map(|(_, l)| *l)),
            }
        }
        ship_to.sort();
        ship_to.dedup();
        let number = format!("CR-{}", self.next_number("change_request").await?);
        let request = ChangeRequest {
            id: ChangeRequestId(Uuid::now_v7()),
            number,
            order_id: d.order.id,
            order_number: d.order.number.clone(),
            account_id: d.order.account_id,
            requested_by: actor.name(),
            on_behalf_of: input.on_behalf_of.clone(),
            requested_at: now,
            reason: input.reason.clone(),
            results: results.clone(),
            pending: pending.clone(),
            reapproval: reapproval.clone(),
            state: if pending.is_empty() {
                ChangeState::Completed
            } else {
                ChangeState::AwaitingSeller
            },
            decision: None,
            ship_to,
        };
        let summary: Vec<&str> = results.iter().map(|r| r.summary.as_str()).collect();
        // The lines the request is about (for timelines restricted to some lines).
        let mut touched: Vec<u32> = Vec::new();
        for c in &input.changes {
            match c {
                ChangeInput::Quantity { line, .. }
                | ChangeInput::CancelLine { line }
                | ChangeInput::RequestedDate { line, .. }
                | ChangeInput::ShipTo { line, .. } => touched.push(*line),
                ChangeInput::CancelOrder => touched.extend(before.iter().map(|(n, _)| *n)),
                ChangeInput::AddLine(_) => {}
            }
        }
        touched.extend(results.iter().filter_map(|r| r.added_line));
        touched.sort_unstable();
        touched.dedup();
        let mut events = vec![crate::orders::order_event(
            &actor,
            now,
            &d.order,
            if pending.is_empty() {
                "order.changed"
            } else {
                "order.change_routed"
            },
            input.reason.clone(),
            json!({
                "change_request": request.number,
                "change_request_id": request.id.0,
                "summary": summary,
                "pending": pending.len(),
                "lines": touched,
            }),
        )];
        events.extend(approval_events);
        let mut commit = d.commit(events)?;
        commit.docs.push(write(&request, WriteMode::Insert)?);
        commit.keys.push(KeyWrite {
            kind: "order_change",
            key: d.order.id.0.to_string(),
            doc_id: request.id.0,
        });
        Ok(Planned {
            value: ChangeOutcome {
                request,
                order_version: d.next_version(),
            },
            commit,
        })
    }

    /// The seller accepts or rejects the waiting part of a request. Accepting applies every
    /// pending item or none (if the warehouse shipped meanwhile, accepting is refused and the
    /// request should be rejected with that reason).
    pub async fn plan_decide_change(
        &self,
        ctx: &Ctx,
        id: ChangeRequestId,
        accept: bool,
        reason: Option<String>,
    ) -> Result<Planned<Versioned<ChangeRequest>>> {
        let Versioned {
            value: mut request,
            version,
        } = self.load::<ChangeRequest>(ctx, id.0).await?;
        crate::docs::check_version(ctx, version)?;
        if request.state != ChangeState::AwaitingSeller {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "accept",
                format!(
                    "{} is {}; nothing waits for a decision",
                    request.number,
                    request.state.as_str().replace('_', " ")
                ),
            )
            .into());
        }
        let reason = reason.filter(|r| !r.trim().is_empty());
        if let Some(r) = &reason {
            aftercart_domain::text::validate(aftercart_domain::text::TextKind::Text, r, "reason")?;
        }
        if !accept && reason.is_none() {
            return Err(Rejection::new(ErrorCode::InvalidValue, "reason", "say why the change cannot be made").into());
        }
        let mut d = self
            .order_draft(&ctx.without_if_match(), request.order_id, Need::All, true)
            .await?;
        let now = self.clock.now();
        let actor = ctx.principal.actor();
        let outcome = if accept {
            let account = self.load::<Account>(&Ctx::system(), d.order.account_id.0).await?.value;
            let book = self.name_book(&account).await?;
            let mut done = Vec::new();
            for p in &request.pending {
                let mut r = book.with(|names| d.order.apply_pending(p, names))?;
                if let Some(extra) = &reason {
                    r = format!("{r} ({extra})");
                }
                done.push(r);
            }
            done.join("; ")
        } else {
            reason.clone().unwrap_or_default()
        };
        request.state = if accept {
            ChangeState::Accepted
        } else {
            ChangeState::Rejected
        };
        request.decision = Some(ChangeDecision {
            accepted: accept,
            by: actor.name(),
            at: now,
            reason: reason.clone(),
            outcome: outcome.clone(),
        });
        let ev = crate::orders::order_event(
            &actor,
            now,
            &d.order,
            if accept {
                "order.change_accepted"
            } else {
                "order.change_rejected"
            },
            reason,
            json!({"change_request": request.number, "change_request_id": request.id.0, "outcome": outcome,
                   "lines": request.pending.iter().map(|p| match p { Pending::Cut { line, .. } | Pending::ShipTo { line, .. } => *line }).collect::<Vec<_>>()}),
        );
        let mut commit = d.commit(vec![ev])?;
        commit.docs.push(write(&request, WriteMode::Update(version))?);
        Ok(Planned {
            value: Versioned {
                value: request,
                version: version + 1,
            },
            commit,
        })
    }

    /// A warehouse releases allocated quantity to its floor (picking).
    pub async fn plan_release(
        &self,
        ctx: &Ctx,
        id: OrderId,
        input: &crate::Allocate,
    ) -> Result<Planned<Versioned<Order>>> {
        let mut d = self.order_draft(ctx, id, Need::Lines(vec![input.line]), false).await?;
        let loc = self
            .load_ref::<FulfilmentLocation>(ctx, input.location.0, "fulfilment_location_id")
            .await?
            .value;
        if ctx.principal.supplier_location().is_some_and(|l| l != loc.id) {
            return Err(Rejection::new(
                ErrorCode::OutOfScope,
                "fulfilment_location_id",
                "you may only release at your own location",
            )
            .into());
        }
        d.order.release(input.line, loc.id, input.quantity)?;
        let ev = crate::orders::order_event(
            &ctx.principal.actor(),
            self.clock.now(),
            &d.order,
            "line.released",
            None,
            json!({"line": input.line, "quantity": input.quantity.get(), "fulfilment_location": loc.name}),
        );
        let commit = d.commit(vec![ev])?;
        Ok(Planned {
            value: d.into_versioned(),
            commit,
        })
    }

    pub async fn change_request(&self, ctx: &Ctx, id: ChangeRequestId) -> Result<Versioned<ChangeRequest>> {
        self.load::<ChangeRequest>(ctx, id.0).await
    }

    /// The change requests of an order, newest first.
    pub async fn change_requests_of_order(&self, ctx: &Ctx, id: OrderId) -> Result<Vec<Versioned<ChangeRequest>>> {
        self.load::<crate::order_docs::StoredOrder>(ctx, id.0).await?;
        let ids = self.store.by_key("order_change", &id.0.to_string()).await?;
        let mut v = self.load_many::<ChangeRequest>(ctx, &ids).await?;
        v.sort_by_key(|r| std::cmp::Reverse(r.value.requested_at));
        Ok(v)
    }

    /// Change requests, newest first (`status`: completed, awaiting_seller, accepted, rejected).
    pub async fn list_change_requests(&self, ctx: &Ctx, f: &ListFilter) -> Result<Page<Versioned<ChangeRequest>>> {
        if let Some(s) = &f.status
            && ![
                ChangeState::Completed,
                ChangeState::AwaitingSeller,
                ChangeState::Accepted,
                ChangeState::Rejected,
            ]
            .iter()
            .any(|x| x.as_str() == s)
        {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "status",
                format!("'{s}' is not one of completed, awaiting_seller, accepted, rejected"),
            )
            .into());
        }
        if ctx.principal.supplier_location().is_some() {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        }
        self.list_docs::<ChangeRequest>(ctx, f, None).await
    }
}

/// The names change outcomes are written with (warehouses, the account's locations), read once
/// per command.
struct NameBook {
    fulfilment: HashMap<FulfilmentLocationId, String>,
    locations: HashMap<LocationId, String>,
}

impl NameBook {
    fn with<R>(&self, f: impl FnOnce(&ChangeNames) -> R) -> R {
        let fl = |id: FulfilmentLocationId| {
            self.fulfilment
                .get(&id)
                .cloned()
                .unwrap_or_else(|| "the warehouse".into())
        };
        let l = |id: LocationId| {
            self.locations
                .get(&id)
                .cloned()
                .unwrap_or_else(|| "another location".into())
        };
        f(&ChangeNames {
            fulfilment: &fl,
            location: &l,
        })
    }
}

impl App {
    async fn name_book(&self, account: &Account) -> Result<NameBook> {
        Ok(NameBook {
            fulfilment: self
                .fulfilment_locations(&Ctx::system())
                .await?
                .into_iter()
                .map(|l: FulfilmentLocation| (l.id, l.name))
                .collect(),
            locations: account.locations.iter().map(|l| (l.id, l.name.clone())).collect(),
        })
    }
}
