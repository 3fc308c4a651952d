//! Disputes: opened on invoice lines (by a short-pay or on their own), a thread with the seller,
//! and finance ops' resolution — a credit memo, a corrected invoice, or a rejection with its
//! reason. Events are recorded on the invoice, so its timeline tells the whole story.

use crate::docs::{Doc, Versioned, event, write};
use crate::queries::ListFilter;
use crate::{Actor, App, AppError, Ctx, Planned, Result};
use aftercart_domain::account::Account;
use aftercart_domain::ids::{AccountId, CreditMemoId, DisputeId, InvoiceId, ReturnId, ShipmentId};
use aftercart_domain::invoice::{CreditMemo, Invoice, NewInvoice, NewInvoiceLine};
use aftercart_domain::matching::DiscrepancyKind;
use aftercart_domain::money::Money;
use aftercart_domain::quantity::Qty;
use aftercart_domain::receivables::dispute::{Dispute, DisputeReason, DisputedLine, NewDispute, Outcome};
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_store::{Commit, EventWrite, KeyWrite, WriteMode};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// Invoice → its disputes.
pub(crate) const DISPUTE_INVOICE: &str = "dispute_invoice";

impl Doc for Dispute {
    const KIND: &'static str = "dispute";
    const WHAT: &'static str = "dispute";
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
        Some(if self.is_open() { "open" } else { "resolved" }.into())
    }
    fn at(&self) -> OffsetDateTime {
        self.opened_at
    }
}

pub(crate) fn opened_event(actor: &Actor, at: OffsetDateTime, d: &Dispute) -> EventWrite {
    event(
        actor,
        at,
        "invoice.disputed",
        "invoice",
        d.invoice_id.0,
        Some(d.account_id),
        Some(d.reason.label().into()),
        json!({"dispute_id": d.id.0, "number": d.number, "reason": d.reason.as_str(), "amount": d.amount().to_string(),
               "lines": d.lines.iter().filter(|l| l.invoice_line > 0).map(|l| l.invoice_line).collect::<Vec<_>>()}),
    )
}

#[derive(Debug, Clone)]
pub struct OpenDispute {
    pub invoice_id: InvoiceId,
    pub reason: DisputeReason,
    pub lines: Vec<DisputedLine>,
    pub amount: Option<Money>,
    pub shipment_id: Option<ShipmentId>,
    pub return_id: Option<ReturnId>,
    pub message: String,
}

/// A suggested disputed line, from the invoice's match discrepancies ("billed 100, shipped 60").
#[derive(Debug, Clone)]
pub struct DisputeSuggestion {
    pub invoice_line: u32,
    pub reason: DisputeReason,
    pub quantity: Option<Qty>,
    pub amount: Money,
    pub shipment_id: Option<ShipmentId>,
    pub explanation: String,
}

/// How finance ops end a dispute.
#[derive(Debug, Clone)]
pub enum Resolve {
    /// Credit this much (at most the disputed amount) on a credit memo against the invoice.
    Credit {
        amount: Money,
    },
    /// Replace the invoice: the disputed lines re-billed at these quantities and prices.
    Correct {
        lines: Vec<(u32, Qty, Money)>,
    },
    Reject {
        reason: String,
    },
}

impl App {
    pub(crate) async fn disputes_of(&self, ctx: &Ctx, invoice: InvoiceId) -> Result<Vec<Versioned<Dispute>>> {
        let f = ListFilter {
            limit: 500,
            ..Default::default()
        };
        Ok(self
            .list_docs::<Dispute>(ctx, &f, Some((DISPUTE_INVOICE, invoice.0.to_string())))
            .await?
            .items)
    }

    pub async fn invoice_disputes(&self, ctx: &Ctx, invoice: InvoiceId) -> Result<Vec<Versioned<Dispute>>> {
        self.load::<Invoice>(ctx, invoice.0).await?;
        self.disputes_of(ctx, invoice).await
    }

    pub async fn dispute(&self, ctx: &Ctx, id: DisputeId) -> Result<Versioned<Dispute>> {
        self.load(ctx, id.0).await
    }

    pub async fn list_disputes(&self, ctx: &Ctx, f: &ListFilter) -> Result<crate::Page<Versioned<Dispute>>> {
        self.list_docs(ctx, f, None).await
    }

    /// What the invoice's match says could be disputed, to prefill a short-pay or a dispute.
    pub async fn dispute_suggestions(&self, ctx: &Ctx, invoice: InvoiceId) -> Result<Vec<DisputeSuggestion>> {
        let m = self.invoice_match(ctx, invoice).await?;
        let mut out = Vec::new();
        for l in &m.report.lines {
            for d in &l.discrepancies {
                let reason = match d.kind {
                    DiscrepancyKind::BilledMoreThanShipped => DisputeReason::ShortShipped,
                    DiscrepancyKind::BilledBeforeShipped | DiscrepancyKind::BilledMoreThanReceived => {
                        DisputeReason::NotReceived
                    }
                    DiscrepancyKind::PriceVariance => DisputeReason::PriceDiffers,
                    DiscrepancyKind::BilledTwice => DisputeReason::Duplicate,
                    DiscrepancyKind::FreightNotOnOrder => continue,
                };
                if !d.amount.is_positive() {
                    continue;
                }
                out.push(DisputeSuggestion {
                    invoice_line: l.invoice_line,
                    reason,
                    quantity: d.quantity,
                    amount: d.amount,
                    shipment_id: l.shipment_id,
                    explanation: d.explanation.clone(),
                });
            }
        }
        Ok(out)
    }

    /// A dispute's shipment and return must be records the caller may see, of the invoice's
    /// account (a shipment of one of the invoice's orders, a return of the same account).
    pub(crate) async fn check_dispute_refs(
        &self,
        ctx: &Ctx,
        inv: &Invoice,
        shipment: Option<ShipmentId>,
        ret: Option<ReturnId>,
        prefix: &str,
    ) -> Result<()> {
        if let Some(s) = shipment {
            let field = format!("{prefix}shipment_id");
            let doc = self.load_ref::<crate::ShipmentDoc>(ctx, s.0, &field).await?.value;
            if doc.account_id != inv.account_id || !inv.order_ids().contains(&doc.order_id) {
                // Visible, but evidence of something else: a wrong value, not an unknown one.
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    field,
                    format!("the shipment is not one of invoice {}'s orders", inv.number),
                )
                .into());
            }
        }
        if let Some(r) = ret {
            let field = format!("{prefix}return_id");
            let doc = self
                .load_ref::<aftercart_domain::returns::Return>(ctx, r.0, &field)
                .await?
                .value;
            if doc.account_id != inv.account_id {
                return Err(Rejection::new(ErrorCode::InvalidValue, field, "the return is another account's").into());
            }
        }
        Ok(())
    }

    pub async fn plan_open_dispute(&self, ctx: &Ctx, input: &OpenDispute) -> Result<Planned<Versioned<Dispute>>> {
        let inv = self
            .load_ref::<Invoice>(ctx, input.invoice_id.0, "invoice_id")
            .await?
            .value;
        self.check_dispute_refs(ctx, &inv, input.shipment_id, input.return_id, "")
            .await?;
        let held = self
            .disputes_of(&Ctx::system(), inv.id)
            .await?
            .iter()
            .fold(Money::zero(inv.currency), |a, d| {
                a.checked_add(d.value.held()).unwrap_or(a)
            });
        let now = self.clock.now();
        let actor = ctx.principal.actor();
        let d = Dispute::open(
            &inv,
            held,
            NewDispute {
                id: DisputeId(Uuid::now_v7()),
                number: format!("DSP-{}", self.next_number("dispute").await?),
                reason: input.reason,
                lines: input.lines.clone(),
                amount: input.amount,
                shipment_id: input.shipment_id,
                return_id: input.return_id,
                payment_id: None,
                message: input.message.clone(),
                opened_by: actor.name(),
                at: now,
            },
        )?;
        let commit = Commit {
            docs: vec![write(&d, WriteMode::Insert)?],
            keys: vec![KeyWrite {
                kind: DISPUTE_INVOICE,
                key: inv.id.0.to_string(),
                doc_id: d.id.0,
            }],
            events: vec![opened_event(&actor, now, &d)],
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned { value: d, version: 1 },
            commit,
        })
    }

    pub async fn plan_dispute_message(
        &self,
        ctx: &Ctx,
        id: DisputeId,
        text: &str,
    ) -> Result<Planned<Versioned<Dispute>>> {
        let mut d = self.load::<Dispute>(ctx, id.0).await?;
        crate::docs::check_version(ctx, d.version)?;
        let now = self.clock.now();
        let actor = ctx.principal.actor();
        d.value.post(&actor.name(), ctx.principal.is_seller(), text, now)?;
        let commit = Commit {
            docs: vec![write(&d.value, WriteMode::Update(d.version))?],
            events: vec![event(
                &actor,
                now,
                "invoice.dispute_message",
                "invoice",
                d.value.invoice_id.0,
                Some(d.value.account_id),
                None,
                json!({"dispute_id": d.value.id.0, "number": d.value.number, "staff": ctx.principal.is_seller()}),
            )],
            ..Default::default()
        };
        d.version += 1;
        Ok(Planned { value: d, commit })
    }

    /// Ends a dispute (finance ops). A credit issues a credit memo against the invoice; a
    /// correction credits what the original still owes and issues the corrected invoice (only
    /// for an invoice nothing was paid on — a paid-on invoice is corrected by a credit); a
    /// rejection puts the amount back into dunning. All in one commit.
    pub async fn plan_resolve_dispute(
        &self,
        ctx: &Ctx,
        id: DisputeId,
        how: &Resolve,
    ) -> Result<Planned<Versioned<Dispute>>> {
        if !ctx.principal.is_seller() {
            return Err(AppError::Forbidden("the seller resolves disputes".into()));
        }
        let mut d = self.load::<Dispute>(ctx, id.0).await?;
        crate::docs::check_version(ctx, d.version)?;
        if !d.value.is_open() {
            return Err(Rejection::new(ErrorCode::InvalidState, "dispute", "the dispute was already resolved").into());
        }
        let inv_v = self.load::<Invoice>(ctx, d.value.invoice_id.0).await?;
        let account = self.load::<Account>(ctx, d.value.account_id.0).await?.value;
        let mut inv = inv_v.value.clone();
        let now = self.clock.now();
        let actor = ctx.principal.actor();
        let mut commit = Commit::default();
        let acc = Some(account.id);
        let outcome = match how {
            Resolve::Reject { reason } => Outcome::Rejected {
                reason: reason.trim().to_owned(),
            },
            Resolve::Credit { amount } => {
                if amount.minor() > d.value.amount().minor() || !amount.is_positive() {
                    return Err(Rejection::new(
                        ErrorCode::OverApplication,
                        "amount",
                        format!("credit more than zero and at most the disputed {}", d.value.amount()),
                    )
                    .into());
                }
                let memo = self.dispute_memo(&account, &mut inv, *amount, &d.value, now).await?;
                commit.docs.push(write(&memo, WriteMode::Insert)?);
                commit.events.push(event(
                    &actor,
                    now,
                    "credit_memo.issued",
                    "credit_memo",
                    memo.id.0,
                    acc,
                    Some(memo.reason.clone()),
                    json!({"number": memo.number, "amount": memo.amount.to_string(), "dispute": d.value.number}),
                ));
                commit.events.push(event(
                    &actor,
                    now,
                    "invoice.credited",
                    "invoice",
                    inv.id.0,
                    acc,
                    Some(memo.reason.clone()),
                    json!({"credit_memo": memo.number, "amount": memo.amount.to_string(), "balance": inv.balance().to_string()}),
                ));
                Outcome::Credited {
                    credit_memo_id: memo.id,
                    number: memo.number.clone(),
                    amount: memo.amount,
                }
            }
            Resolve::Correct { lines } => {
                if inv.settled().is_positive() {
                    return Err(Rejection::new(
                        ErrorCode::InvalidState,
                        "resolution",
                        format!(
                            "invoice {} has payments or credits applied; resolve with a credit instead",
                            inv.number
                        ),
                    )
                    .into());
                }
                let oids: Vec<Uuid> = inv.order_ids().iter().map(|o| o.0).collect();
                let orders: Vec<aftercart_domain::order::Order> = self
                    .load_orders(&Ctx::system(), &oids)
                    .await?
                    .into_iter()
                    .map(|v| v.value)
                    .collect();
                let refs: Vec<&aftercart_domain::order::Order> = orders.iter().collect();
                let mut new_lines = Vec::new();
                for (i, l) in inv.lines.iter().enumerate() {
                    let (q, p) = match lines.iter().find(|(no, _, _)| *no == l.no) {
                        Some((_, q, p)) => (*q, *p),
                        None => (l.quantity, l.unit_price),
                    };
                    if q.is_zero() {
                        continue;
                    }
                    let _ = i;
                    new_lines.push(NewInvoiceLine {
                        order_id: l.order_id,
                        order_line: l.order_line,
                        shipment_id: l.shipment_id,
                        quantity: q,
                        unit_price: p,
                        tax_rate_bp: l.tax_rate_bp,
                    });
                }
                if let Some((no, _, _)) = lines.iter().find(|(no, _, _)| !inv.lines.iter().any(|l| l.no == *no)) {
                    return Err(Rejection::new(
                        ErrorCode::UnknownReference,
                        "lines",
                        format!("invoice {} has no line {no}", inv.number),
                    )
                    .into());
                }
                let rated = new_lines.iter().any(|l| l.tax_rate_bp.is_some());
                // Without rates the original's tax is scaled to the corrected subtotal.
                let tax = if rated {
                    None
                } else {
                    let new_sub: i128 = new_lines
                        .iter()
                        .map(|l| i128::from(l.unit_price.minor()) * i128::from(l.quantity.get()))
                        .sum();
                    let old_sub = i128::from(inv.subtotal().minor()).max(1);
                    Some(Money::from_minor(
                        i64::try_from((i128::from(inv.tax.minor()) * new_sub + old_sub / 2) / old_sub).unwrap_or(0),
                        inv.currency,
                    ))
                };
                let corrected = Invoice::issue(
                    &account,
                    &refs,
                    NewInvoice {
                        id: InvoiceId(Uuid::now_v7()),
                        number: format!("{}-C", inv.number),
                        currency: inv.currency,
                        issued_on: now.date(),
                        lines: new_lines,
                        tax,
                        freight: inv.freight,
                        freight_tax_rate_bp: inv.freight_tax_rate_bp,
                        recorded_at: now,
                    },
                )?;
                let memo_amount = inv.balance();
                let memo = self
                    .dispute_memo(&account, &mut inv, memo_amount, &d.value, now)
                    .await?;
                inv.replaced_by = Some(corrected.id);
                commit.docs.push(write(&memo, WriteMode::Insert)?);
                commit.docs.push(write(&corrected, WriteMode::Insert)?);
                commit.keys.extend(corrected.order_ids().iter().map(|o| KeyWrite {
                    kind: "order_invoice",
                    key: o.0.to_string(),
                    doc_id: corrected.id.0,
                }));
                commit.events.push(event(
                    &actor,
                    now,
                    "invoice.issued",
                    "invoice",
                    corrected.id.0,
                    acc,
                    Some(format!("corrects {}", inv.number)),
                    json!({"number": corrected.number, "total": corrected.total().to_string(), "due_on": corrected.due_on.to_string(), "corrects": inv.number}),
                ));
                commit.events.push(event(
                    &actor,
                    now,
                    "invoice.replaced",
                    "invoice",
                    inv.id.0,
                    acc,
                    Some(format!("replaced by {}", corrected.number)),
                    json!({"by": corrected.number, "credit_memo": memo.number}),
                ));
                Outcome::Corrected {
                    invoice_id: corrected.id,
                    number: corrected.number.clone(),
                    credit_memo_id: memo.id,
                }
            }
        };
        d.value.resolve(outcome.clone(), &actor.name(), now)?;
        if inv != inv_v.value {
            commit.docs.push(write(&inv, WriteMode::Update(inv_v.version))?);
        }
        let (label, detail) = match &outcome {
            Outcome::Credited { number, amount, .. } => ("credited", format!("credit memo {number} for {amount}")),
            Outcome::Corrected { number, .. } => ("corrected", format!("replaced by corrected invoice {number}")),
            Outcome::Rejected { reason } => ("rejected", reason.clone()),
        };
        commit.events.push(event(
            &actor,
            now,
            "invoice.dispute_resolved",
            "invoice",
            inv.id.0,
            acc,
            Some(detail.clone()),
            json!({"dispute_id": d.value.id.0, "number": d.value.number, "outcome": label, "detail": detail}),
        ));
        commit.docs.insert(0, write(&d.value, WriteMode::Update(d.version))?);
        d.version += 1;
        Ok(Planned { value: d, commit })
    }

    async fn dispute_memo(
        &self,
        account: &Account,
        inv: &mut Invoice,
        amount: Money,
        d: &Dispute,
        now: OffsetDateTime,
    ) -> Result<CreditMemo> {
        let memo = CreditMemo {
            id: CreditMemoId(Uuid::now_v7()),
            number: format!("CM-{}", self.next_number("credit_memo").await?),
            account_id: account.id,
            invoice_id: Some(inv.id),
            amount,
            reason: format!("Dispute {} ({})", d.number, d.reason.label().to_lowercase()),
            issued_on: now.date(),
            for_return: None,
            applied: Vec::new(),
        };
        Ok(CreditMemo::issue(account, memo, Some(inv), now)?)
    }
}
