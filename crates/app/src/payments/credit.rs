//! Credit holds: at placement an order that would take the account over its credit limit is
//! held for review (the order is placed — the buyer sees it and why — but fulfilment waits);
//! finance ops release it or reject it with a reason the buyer reads.

use crate::docs::Versioned;
use crate::order_docs::Need;
use crate::queries::ListFilter;
use crate::{App, AppError, Ctx, Planned, Result};
use aftercart_domain::account::Account;
use aftercart_domain::ids::OrderId;
use aftercart_domain::invoice::Invoice;
use aftercart_domain::money::Money;
use aftercart_domain::order::Order;
use aftercart_domain::receivables::credit::{self, CreditCheck, CreditDecision, CreditHold, Exposure, HoldState};
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_store::{CounterAdd, EventWrite};
use serde_json::json;

/// The running total of an account's orders placed and not yet invoiced (minor units).
pub(crate) const UNINVOICED: &str = "credit_uninvoiced";

/// What an order adds to (or, once invoiced or rejected, takes from) the uninvoiced total.
pub(crate) fn uninvoiced_move(order: &Order, sign: i64) -> CounterAdd {
    let total = order
        .goods_total()
        .checked_add(order.freight)
        .unwrap_or(order.goods_total());
    CounterAdd {
        name: UNINVOICED,
        key: order.account_id.0.to_string(),
        delta: sign * total.minor(),
    }
}

impl App {
    /// What `account` owes and has committed to now: its open invoice balances (read through
    /// the unpaid-status index) and its orders not yet invoiced (a running total moved by
    /// placement, invoicing and rejection in their own commits, so placement reads one row).
    /// Unapplied cash is not netted: a hold errs on the side of review.
    pub async fn credit_exposure(&self, account: &Account) -> Result<Exposure> {
        let ctx = Ctx::system();
        let zero = Money::zero(account.currency);
        let unpaid = ListFilter {
            account_id: Some(account.id),
            status: Some("unpaid".into()),
            limit: 500,
            ..Default::default()
        };
        let invoices = self.all_docs::<Invoice>(&ctx, &unpaid).await?;
        let open_invoices = invoices
            .iter()
            .fold(zero, |a, v| a.checked_add(v.value.balance()).unwrap_or(a));
        let uninvoiced = self.store.counter(UNINVOICED, &account.id.0.to_string()).await?.max(0);
        Ok(Exposure {
            open_invoices,
            uninvoiced_orders: Money::from_minor(uninvoiced, account.currency),
            unapplied: zero,
        })
    }

    /// Holds a new order when it takes the account over its limit; returns the event to record.
    pub(crate) async fn check_credit(&self, account: &Account, order: &mut Order) -> Result<Option<EventWrite>> {
        if !account.credit_limit.is_positive() {
            return Ok(None);
        }
        let exposure = self.credit_exposure(account).await?;
        let total = order
            .goods_total()
            .checked_add(order.freight)
            .unwrap_or(order.goods_total());
        let CreditCheck::Over {
            limit,
            exposure,
            order_total,
        } = credit::check(account.credit_limit, exposure, total)
        else {
            return Ok(None);
        };
        let now = self.clock.now();
        let hold = CreditHold {
            limit,
            exposure,
            order_total,
            held_at: now,
            decision: None,
        };
        let reason = hold.reason();
        order.credit_hold = Some(hold);
        Ok(Some(crate::docs::event(
            &crate::Actor::System,
            now,
            "order.credit_hold",
            "order",
            order.id.0,
            Some(account.id),
            Some(reason),
            json!({"number": order.number, "limit": limit.to_string(), "exposure": exposure.to_string(), "order_total": order_total.to_string()}),
        )))
    }

    /// Finance ops' decision on a held order.
    pub async fn plan_credit_decision(
        &self,
        ctx: &Ctx,
        id: OrderId,
        release: bool,
        note: Option<String>,
    ) -> Result<Planned<Versioned<Order>>> {
        if !ctx.principal.is_seller() {
            return Err(AppError::Forbidden("finance ops decide credit holds".into()));
        }
        let mut d = self.order_draft(ctx, id, Need::Lines(vec![]), true).await?;
        crate::docs::check_version(ctx, d.version)?;
        let now = self.clock.now();
        let actor = ctx.principal.actor();
        let hold = d.order.credit_hold.as_mut().ok_or_else(|| {
            Rejection::new(
                ErrorCode::InvalidState,
                "credit_hold",
                "the order is not held for credit",
            )
        })?;
        hold.decide(CreditDecision {
            released: release,
            by: actor.name(),
            at: now,
            note: note.clone().filter(|n| !n.trim().is_empty()),
        })?;
        let state = hold.state();
        let ev = crate::orders::order_event(
            &actor,
            now,
            &d.order,
            if state == HoldState::Released {
                "order.credit_released"
            } else {
                "order.credit_rejected"
            },
            note.clone(),
            json!({"number": d.order.number}),
        );
        let mut commit = d.commit(vec![ev])?;
        if state == HoldState::Rejected {
            // A rejected order will not be invoiced: it no longer counts against the limit.
            commit.counters.push(uninvoiced_move(&d.order, -1));
        }
        let version = d.version + 1;
        Ok(Planned {
            value: Versioned {
                value: d.order,
                version,
            },
            commit,
        })
    }

    /// Orders waiting for credit review, oldest first.
    pub async fn credit_holds(&self, ctx: &Ctx) -> Result<Vec<Versioned<Order>>> {
        let f = ListFilter {
            limit: 500,
            ..Default::default()
        };
        let f = ListFilter {
            status: Some("credit_hold".into()),
            ..f
        };
        let mut orders: Vec<Versioned<Order>> = self
            .list_orders(ctx, &f)
            .await?
            .items
            .into_iter()
            .filter(|o| {
                o.value
                    .credit_hold
                    .as_ref()
                    .is_some_and(|h| h.state() == HoldState::Held)
            })
            .collect();
        orders.sort_by_key(|o| o.value.placed_at);
        Ok(orders)
    }
}
