//! Returns (RMA): request, decide, ship back, receive at the warehouse — and on receipt the
//! order's ledger moves (delivered → returned) and a credit memo is issued automatically against
//! the invoice lines that billed the goods, in the same commit.
//!
//! A request rewrites the order's header (nothing else of it): two requests racing for the
//! same delivered units then conflict on the order's version and the second is planned again,
//! seeing the first's claim. Who sees a return: its account's users whose location scope holds
//! every line's ship-to, and seller staff; never suppliers.

use crate::docs::{Doc, Versioned, check_version, decode, event, write};
use crate::error::Result;
use crate::order_docs::Need;
use crate::principal::Principal;
use crate::queries::{ListFilter, Page};
use crate::{App, Ctx, Planned};
use aftercart_domain::account::Account;
use aftercart_domain::ids::{AccountId, CreditMemoId, InvoiceId, OrderId, ReturnId};
use aftercart_domain::invoice::{CreditLine, CreditMemo, Invoice, ReturnCredit};
use aftercart_domain::money::Money;
use aftercart_domain::quantity::Qty;
use aftercart_domain::returns::{
    NewReturn, NewReturnLine, Return, ReturnCondition, ReturnCreditRef, ReturnReason, ReturnState,
};
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_store::{Commit, EventWrite, KeyWrite, WriteMode};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// Secondary key: an order's returns.
const ORDER_KEY: &str = "order_return";
/// Secondary key: the credit memos naming an invoice's lines (applied to it or not).
pub(crate) const INVOICE_CREDIT_KEY: &str = "invoice_credit";

impl Doc for Return {
    const KIND: &'static str = "return";
    const WHAT: &'static str = "return";
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
        Some(self.state().as_str().into())
    }
    fn at(&self) -> OffsetDateTime {
        self.requested_at
    }
    fn visible_to(&self, p: &Principal) -> bool {
        p.sees_account(self.account_id) && self.lines.iter().all(|l| p.sees_location(l.ship_to))
    }
}

#[derive(Debug, Clone)]
pub struct RequestReturn {
    pub order_id: OrderId,
    pub reason: ReturnReason,
    pub note: Option<String>,
    pub description: Option<String>,
    /// (order line, quantity)
    pub lines: Vec<(u32, Qty)>,
}

#[derive(Debug, Clone)]
pub struct DecideReturn {
    pub approve: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ShipReturn {
    pub carrier: String,
    pub tracking_number: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ReceiveReturn {
    /// (order line, condition)
    pub lines: Vec<(u32, ReturnCondition)>,
}

/// Which returns to list.
#[derive(Debug, Clone, Default)]
pub struct ReturnFilter {
    pub account_id: Option<AccountId>,
    pub order_id: Option<OrderId>,
    pub state: Option<ReturnState>,
    pub before: Option<Uuid>,
    pub limit: u32,
}

fn return_event(
    ctx: &Ctx,
    r: &Return,
    kind: &str,
    at: OffsetDateTime,
    reason: Option<String>,
    data: serde_json::Value,
) -> [EventWrite; 2] {
    let actor = ctx.principal.actor();
    let mut data = data;
    if let Some(o) = data.as_object_mut() {
        o.insert("return_id".into(), json!(r.id.0));
        o.insert("return_number".into(), json!(r.number));
        o.insert("state".into(), json!(r.state().as_str()));
        // The order lines it is about, so a restricted timeline (a location-scoped user, who
        // may see the order but not these lines) leaves the event out.
        if !o.contains_key("lines") {
            let nos: Vec<u32> = r.lines.iter().map(|l| l.order_line).collect();
            o.insert("lines".into(), json!(nos));
        }
    }
    // On the order (its timeline is where the customer looks) and on the return itself.
    [
        event(
            &actor,
            at,
            kind,
            "order",
            r.order_id.0,
            Some(r.account_id),
            reason.clone(),
            data.clone(),
        ),
        event(&actor, at, kind, "return", r.id.0, Some(r.account_id), reason, data),
    ]
}

impl App {
    /// Every return of an order, whoever may see them: the claims on delivered units count
    /// whatever the caller's scope.
    async fn returns_of_order_unchecked(&self, order: OrderId) -> Result<Vec<Return>> {
        let ids = self.store.by_key(ORDER_KEY, &order.0.to_string()).await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.store
            .get_many(&ids)
            .await?
            .iter()
            .filter(|r| r.kind == Return::KIND)
            .map(|r| decode::<Return>(r).map(|v| v.value))
            .collect()
    }

    pub async fn plan_request_return(&self, ctx: &Ctx, input: &RequestReturn) -> Result<Planned<Versioned<Return>>> {
        let lines: Vec<u32> = input.lines.iter().map(|(l, _)| *l).collect();
        let d = self.order_draft(ctx, input.order_id, Need::Lines(lines), true).await?;
        // A scoped user asks only about lines they may see; others do not exist for them.
        if let Some(visible) = ctx.principal.visible_lines(&d.order)
            && let Some(i) = input.lines.iter().position(|(l, _)| !visible.contains(l))
        {
            return Err(Rejection::new(
                ErrorCode::UnknownReference,
                format!("lines[{i}].line"),
                format!("order {} has no line {}", d.order.number, input.lines[i].0),
            )
            .into());
        }
        let others = self.returns_of_order_unchecked(input.order_id).await?;
        let now = self.clock.now();
        let r = Return::request(
            &d.order,
            &others.iter().collect::<Vec<_>>(),
            NewReturn {
                id: ReturnId(Uuid::now_v7()),
                number: format!("RMA-{}", self.next_number("return").await?),
                reason: input.reason,
                note: input.note.clone(),
                description: input.description.clone(),
                lines: input
                    .lines
                    .iter()
                    .map(|(l, q)| NewReturnLine {
                        order_line: *l,
                        quantity: *q,
                    })
                    .collect(),
                requested_by: ctx.principal.actor().name(),
                on_behalf: ctx.principal.is_seller(),
                at: now,
            },
        )?;
        let mut events = Vec::new();
        let lines_json: Vec<_> = r
            .lines
            .iter()
            .map(|l| json!({"line": l.order_line, "sku": l.sku, "quantity": l.quantity.get()}))
            .collect();
        events.extend(return_event(
            ctx,
            &r,
            "return.requested",
            now,
            r.note.clone(),
            json!({"reason": r.reason.as_str(), "lines": lines_json, "on_behalf": r.on_behalf}),
        ));
        if let Some(dec) = r.decision.as_ref().filter(|d| d.automatic) {
            let mut auto = return_event(
                ctx,
                &r,
                "return.approved",
                now,
                dec.reason.clone(),
                json!({"automatic": true}),
            );
            for e in &mut auto {
                e.actor_kind = "system";
                e.actor_id = None;
                e.actor_name = "system".into();
            }
            events.extend(auto);
        }
        let mut commit = d.commit(events)?;
        commit.docs.push(write(&r, WriteMode::Insert)?);
        commit.keys.push(KeyWrite {
            kind: ORDER_KEY,
            key: r.order_id.0.to_string(),
            doc_id: r.id.0,
        });
        Ok(Planned {
            value: Versioned { value: r, version: 1 },
            commit,
        })
    }

    pub async fn plan_decide_return(
        &self,
        ctx: &Ctx,
        id: ReturnId,
        input: &DecideReturn,
    ) -> Result<Planned<Versioned<Return>>> {
        let v = self.load::<Return>(ctx, id.0).await?;
        check_version(ctx, v.version)?;
        let mut r = v.value;
        let now = self.clock.now();
        r.decide(input.approve, input.reason.clone(), &ctx.principal.actor().name(), now)?;
        let kind = if input.approve {
            "return.approved"
        } else {
            "return.rejected"
        };
        let events = return_event(
            ctx,
            &r,
            kind,
            now,
            r.decision.as_ref().and_then(|d| d.reason.clone()),
            json!({}),
        );
        self.return_written(r, v.version, events.into())
    }

    pub async fn plan_ship_return(
        &self,
        ctx: &Ctx,
        id: ReturnId,
        input: &ShipReturn,
    ) -> Result<Planned<Versioned<Return>>> {
        let v = self.load::<Return>(ctx, id.0).await?;
        check_version(ctx, v.version)?;
        let mut r = v.value;
        let now = self.clock.now();
        r.ship_back(
            &input.carrier,
            input.tracking_number.clone(),
            &ctx.principal.actor().name(),
            now,
        )?;
        let s = r.shipment.as_ref();
        let events = return_event(
            ctx,
            &r,
            "return.shipped",
            now,
            None,
            json!({"carrier": s.map(|s| &s.carrier), "tracking_number": s.and_then(|s| s.tracking_number.as_ref())}),
        );
        self.return_written(r, v.version, events.into())
    }

    fn return_written(&self, r: Return, version: i64, events: Vec<EventWrite>) -> Result<Planned<Versioned<Return>>> {
        let commit = Commit {
            docs: vec![write(&r, WriteMode::Update(version))?],
            events,
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned {
                value: r,
                version: version + 1,
            },
            commit,
        })
    }

    /// The warehouse received the goods: conditions recorded, the order's ledger moves the units
    /// from delivered to returned, and credit memos are issued for what was invoiced of them
    /// (one per invoice, at the billed price, applied to the invoice's open balance when it
    /// fits, else left on the account), all in one commit.
    pub async fn plan_receive_return(
        &self,
        ctx: &Ctx,
        id: ReturnId,
        input: &ReceiveReturn,
    ) -> Result<Planned<Versioned<Return>>> {
        let v = self.load::<Return>(ctx, id.0).await?;
        check_version(ctx, v.version)?;
        let mut r = v.value;
        let now = self.clock.now();
        let by = ctx.principal.actor().name();
        r.receive(&input.lines, &by, now)?;
        // The If-Match named the return's version, not the order's.
        let order_ctx = ctx.without_if_match();
        let lines: Vec<u32> = r.lines.iter().map(|l| l.order_line).collect();
        let mut d = self
            .order_draft(&order_ctx, r.order_id, Need::Lines(lines), true)
            .await?;
        for (i, l) in r.lines.iter().enumerate() {
            let condition = l.condition.map_or("unknown", |c| c.as_str());
            d.order
                .receive_return(l.order_line, l.quantity, r.id, condition, now)
                .map_err(|e| Rejection::new(e.code, format!("lines[{i}].line"), e.message))?;
        }
        let account = self.load_ref::<Account>(ctx, r.account_id.0, "account_id").await?.value;
        let (memos, invoices) = self.credits_for_return(ctx, &account, &mut r, now).await?;
        if r.credits.is_empty() {
            r.nothing_to_credit = true;
        }
        let actor = ctx.principal.actor();
        let conditions: Vec<_> = r
            .lines
            .iter()
            .map(|l| json!({"line": l.order_line, "quantity": l.quantity.get(), "condition": l.condition.map(|c| c.as_str())}))
            .collect();
        let mut events: Vec<EventWrite> =
            return_event(ctx, &r, "return.received", now, None, json!({"lines": conditions})).into();
        for m in &memos {
            let inv = m.for_return.as_ref().map(|c| c.invoice_id);
            events.extend(return_event(
                ctx,
                &r,
                "return.credited",
                now,
                None,
                json!({"credit_memo_id": m.id.0, "credit_memo": m.number, "amount": m.amount.to_string(), "invoice_id": inv.map(|i| i.0)}),
            ));
            events.push(event(
                &actor,
                now,
                "credit_memo.issued",
                "credit_memo",
                m.id.0,
                Some(account.id),
                Some(m.reason.clone()),
                json!({"number": m.number, "amount": m.amount.to_string(), "return_id": r.id.0, "return_number": r.number}),
            ));
        }
        for (inv, _, applied) in &invoices {
            let memo = memos
                .iter()
                .find(|m| m.for_return.as_ref().is_some_and(|c| c.invoice_id == inv.id));
            if let Some(m) = memo {
                events.push(event(
                    &actor,
                    now,
                    "invoice.credited",
                    "invoice",
                    inv.id.0,
                    Some(account.id),
                    Some(m.reason.clone()),
                    json!({"credit_memo": m.number, "amount": m.amount.to_string(), "applied": applied, "balance": inv.balance().to_string(), "return_number": r.number}),
                ));
            }
        }
        let mut commit = d.commit(events)?;
        commit.docs.push(write(&r, WriteMode::Update(v.version))?);
        for m in &memos {
            commit.docs.push(write(m, WriteMode::Insert)?);
            if let Some(c) = &m.for_return {
                commit.keys.push(KeyWrite {
                    kind: INVOICE_CREDIT_KEY,
                    key: c.invoice_id.0.to_string(),
                    doc_id: m.id.0,
                });
            }
        }
        for (inv, version, applied) in &invoices {
            if *applied {
                commit.docs.push(write(inv, WriteMode::Update(*version))?);
            }
        }
        Ok(Planned {
            value: Versioned {
                value: r,
                version: v.version + 1,
            },
            commit,
        })
    }

    /// Credit memos of an invoice's lines for returned goods (applied to it or left on the account).
    pub(crate) async fn return_credits_of_invoice(&self, ctx: &Ctx, invoice: InvoiceId) -> Result<Vec<CreditMemo>> {
        let ids = self.store.by_key(INVOICE_CREDIT_KEY, &invoice.0.to_string()).await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .load_many::<CreditMemo>(ctx, &ids)
            .await?
            .into_iter()
            .map(|v| v.value)
            .collect())
    }

    /// Builds the credit memos for a received return: each returned unit is credited against
    /// an invoice line that billed it and is not yet credited (the line naming the return's
    /// shipment first, then the oldest invoice), one memo per invoice. Units never invoiced are
    /// not credited. Returns the memos and every touched invoice with its version and whether
    /// the memo was applied to it.
    async fn credits_for_return(
        &self,
        ctx: &Ctx,
        account: &Account,
        r: &mut Return,
        now: OffsetDateTime,
    ) -> Result<(Vec<CreditMemo>, Vec<(Invoice, i64, bool)>)> {
        let ids = self.store.by_key("order_invoice", &r.order_id.0.to_string()).await?;
        let mut loaded = self.load_many::<Invoice>(ctx, &ids).await?;
        loaded.sort_by_key(|v| (v.value.issued_on, v.value.recorded_at, v.value.id.0));
        // What each invoice line has already had credited for returns.
        let mut credited: Vec<(InvoiceId, u32, Qty)> = Vec::new();
        for inv in &loaded {
            for m in self.return_credits_of_invoice(ctx, inv.value.id).await? {
                for c in m.for_return.iter().filter(|c| c.invoice_id == inv.value.id) {
                    credited.extend(c.lines.iter().map(|l| (inv.value.id, l.invoice_line, l.quantity)));
                }
            }
        }
        let already = |credited: &[(InvoiceId, u32, Qty)], inv: InvoiceId, line: u32| -> Qty {
            credited
                .iter()
                .filter(|(i, l, _)| *i == inv && *l == line)
                .map(|(_, _, q)| *q)
                .sum()
        };
        let mut per_invoice: Vec<(usize, Vec<CreditLine>)> = Vec::new();
        for rl in &r.lines {
            let mut left = rl.quantity;
            // Candidates: (invoice index, invoice line), the return's shipment first.
            let mut cands: Vec<(usize, u32, bool)> = Vec::new();
            for (ii, inv) in loaded.iter().enumerate() {
                for il in inv
                    .value
                    .lines
                    .iter()
                    .filter(|il| il.order_id == r.order_id && il.order_line == rl.order_line)
                {
                    let same = il.shipment_id.is_some() && il.shipment_id == rl.shipment_id;
                    cands.push((ii, il.no, same));
                }
            }
            cands.sort_by_key(|(ii, _, same)| (!*same, *ii));
            for (ii, no, _) in cands {
                if left.is_zero() {
                    break;
                }
                let inv = &loaded[ii].value;
                let Some(il) = inv.lines.iter().find(|l| l.no == no) else {
                    continue;
                };
                let open = il.quantity.saturating_sub(already(&credited, inv.id, no));
                let take = if open < left { open } else { left };
                if take.is_zero() {
                    continue;
                }
                left = left.saturating_sub(take);
                credited.push((inv.id, no, take));
                let line = CreditLine {
                    invoice_line: no,
                    order_line: rl.order_line,
                    shipment_id: il.shipment_id.or(rl.shipment_id),
                    quantity: take,
                    unit_price: il.unit_price,
                };
                match per_invoice.iter_mut().find(|(i, _)| *i == ii) {
                    Some((_, v)) => v.push(line),
                    None => per_invoice.push((ii, vec![line])),
                }
            }
        }
        let mut memos = Vec::new();
        let mut touched = Vec::new();
        for (ii, lines) in per_invoice {
            let inv = &mut loaded[ii];
            let amount = lines
                .iter()
                .map(CreditLine::amount)
                .try_fold(Money::zero(inv.value.currency), |a, m| a.checked_add(m))
                .ok_or_else(|| Rejection::new(ErrorCode::CurrencyMismatch, "lines", "mixed currencies"))?;
            let fits = amount.minor() <= inv.value.balance().minor();
            let memo = CreditMemo {
                applied: Vec::new(),
                id: CreditMemoId(Uuid::now_v7()),
                number: format!("CM-{}", self.next_number("credit_memo").await?),
                account_id: account.id,
                invoice_id: fits.then_some(inv.value.id),
                amount,
                reason: format!(
                    "Return {} of order {}: {}",
                    r.number,
                    r.order_number,
                    r.reason.label().to_lowercase()
                ),
                issued_on: now.date(),
                for_return: Some(ReturnCredit {
                    return_id: r.id,
                    return_number: r.number.clone(),
                    order_id: r.order_id,
                    invoice_id: inv.value.id,
                    lines,
                }),
            };
            let memo = CreditMemo::issue(account, memo, if fits { Some(&mut inv.value) } else { None }, now)?;
            r.credits.push(ReturnCreditRef {
                credit_memo_id: memo.id,
                number: memo.number.clone(),
                invoice_id: inv.value.id,
                invoice_number: inv.value.number.clone(),
                amount: memo.amount,
            });
            touched.push((inv.value.clone(), inv.version, fits));
            memos.push(memo);
        }
        Ok((memos, touched))
    }

    pub async fn return_of(&self, ctx: &Ctx, id: ReturnId) -> Result<Versioned<Return>> {
        self.load(ctx, id.0).await
    }

    /// Returns newest first. With `order_id`, only that order's (the order must be visible).
    pub async fn list_returns(&self, ctx: &Ctx, f: &ReturnFilter) -> Result<Page<Versioned<Return>>> {
        let key = match f.order_id {
            Some(o) => {
                self.load_order(ctx, o).await?;
                Some((ORDER_KEY, o.0.to_string()))
            }
            None => None,
        };
        let lf = ListFilter {
            account_id: f.account_id,
            status: f.state.map(|s| s.as_str().to_owned()),
            location: None,
            from: None,
            to: None,
            before: f.before,
            limit: if f.limit == 0 { 50 } else { f.limit },
        };
        self.list_docs::<Return>(ctx, &lf, key).await
    }

    /// The staff queue: requested returns first (oldest waiting first), then the rest newest first.
    pub async fn return_queue(&self, ctx: &Ctx, limit: u32) -> Result<Vec<Versioned<Return>>> {
        let mut waiting = self
            .list_returns(
                ctx,
                &ReturnFilter {
                    state: Some(ReturnState::Requested),
                    limit,
                    ..Default::default()
                },
            )
            .await?
            .items;
        waiting.reverse();
        let rest = self
            .list_returns(
                ctx,
                &ReturnFilter {
                    limit,
                    ..Default::default()
                },
            )
            .await?
            .items;
        waiting.extend(rest.into_iter().filter(|v| v.value.state() != ReturnState::Requested));
        waiting.truncate(limit.max(1) as usize);
        Ok(waiting)
    }

    /// For the return form: per visible line of an order, what may still be returned
    /// (delivered, less what open returns already claim).
    pub async fn returnable_lines(
        &self,
        ctx: &Ctx,
        order: OrderId,
    ) -> Result<(Versioned<aftercart_domain::order::Order>, Vec<(u32, Qty)>)> {
        let v = self.load_order(ctx, order).await?;
        let v = self.order_view(ctx, v);
        let others = self.returns_of_order_unchecked(order).await?;
        let mut out = Vec::new();
        for l in &v.value.lines {
            let claimed: Qty = others
                .iter()
                .filter(|r| r.state().is_open())
                .flat_map(|r| r.lines.iter())
                .filter(|rl| rl.order_line == l.no)
                .map(|rl| rl.quantity)
                .sum();
            out.push((l.no, v.value.returnable(l.no).saturating_sub(claimed)));
        }
        Ok((v, out))
    }
}
