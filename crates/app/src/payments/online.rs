//! Paying online: a customer's finance user pays invoices with a method saved at the payment
//! provider. The request is recorded before the provider is asked (so a crash in between leaves a
//! record a reconciliation pass finishes, asking again under the same idempotency key), the
//! invoices' balances are reserved while it is in flight (so they cannot be paid twice and
//! dunning waits), and money is applied only when the provider confirms it.

use super::profile::{AccountBilling, SavedMethodRec};
use super::provider::{Charge, ChargeRequest, ChargeStatus, PaymentProvider, ProviderError, WebhookError};
use crate::docs::{Doc, Versioned, event, write};
use crate::queries::ListFilter;
use crate::{App, AppError, Ctx, Planned, Result};
use aftercart_domain::account::Account;
use aftercart_domain::ids::{AccountId, DisputeId, InvoiceId, OnlinePaymentId, PaymentId, SavedMethodId};
use aftercart_domain::invoice::{Invoice, Payment};
use aftercart_domain::money::Money;
use aftercart_domain::receivables::dispute::{Dispute, DisputedLine, NewDispute};
use aftercart_domain::receivables::online::{self, OnlinePayment, OnlineState, PayInvoice, ShortReason};
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_store::{Commit, KeyWrite, WriteMode};
use serde_json::json;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

/// Invoice → online payments touching it (for reservations).
pub(crate) const ONLINE_INVOICE: &str = "online_invoice";
/// Provider's charge id → the online payment.
const ONLINE_PROVIDER: &str = "online_provider";

impl Doc for OnlinePayment {
    const KIND: &'static str = "online_payment";
    const WHAT: &'static str = "payment";
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
        self.created_at
    }
}

/// Details for an invoice paid short with a dispute reason.
#[derive(Debug, Clone, Default)]
pub struct ShortPayDetail {
    pub lines: Vec<DisputedLine>,
    pub shipment_id: Option<aftercart_domain::ids::ShipmentId>,
    pub return_id: Option<aftercart_domain::ids::ReturnId>,
    pub message: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PayRequest {
    pub invoice_id: InvoiceId,
    pub amount: Money,
    pub short: Option<ShortReason>,
    pub detail: ShortPayDetail,
}

#[derive(Debug, Clone)]
pub struct PayInput {
    pub account_id: AccountId,
    pub method_id: SavedMethodId,
    pub invoices: Vec<PayRequest>,
    /// The user said: keep what exceeds the balances as account credit.
    pub excess_to_credit: bool,
}

/// What a pay request came to.
#[derive(Debug, Clone)]
pub struct PayOutcome {
    pub payment: Versioned<OnlinePayment>,
    pub disputes: Vec<Dispute>,
}

impl App {
    pub(crate) fn provider(&self) -> Result<Arc<dyn PaymentProvider>> {
        // Not configured is a lasting state of this installation, not an outage: 409, so a
        // client does not retry what can only succeed after the seller sets a provider up.
        self.payments.provider.clone().ok_or_else(|| {
            AppError::Rejected(aftercart_domain::Rejection::new(
                aftercart_domain::ErrorCode::InvalidState,
                "method",
                "online payment is not configured here; pay by bank transfer with the invoice's remittance reference",
            ))
        })
    }

    /// What other online payments in flight reserve, and what open disputes hold, per invoice.
    pub(crate) async fn reservations(
        &self,
        invoices: &[InvoiceId],
    ) -> Result<(Vec<(InvoiceId, Money)>, Vec<(InvoiceId, Money)>)> {
        let ctx = Ctx::system();
        let (mut flying, mut disputed) = (Vec::new(), Vec::new());
        for id in invoices {
            for p in self.online_payments_of(&ctx, *id).await? {
                let r = p.value.reserved_on(*id);
                if r.is_positive() {
                    flying.push((*id, r));
                }
            }
            for d in self.disputes_of(&ctx, *id).await? {
                if d.value.is_open() {
                    disputed.push((*id, d.value.held()));
                }
            }
        }
        Ok((flying, disputed))
    }

    pub(crate) async fn online_payments_of(
        &self,
        ctx: &Ctx,
        invoice: InvoiceId,
    ) -> Result<Vec<Versioned<OnlinePayment>>> {
        let f = ListFilter {
            limit: 500,
            ..Default::default()
        };
        Ok(self
            .list_docs::<OnlinePayment>(ctx, &f, Some((ONLINE_INVOICE, invoice.0.to_string())))
            .await?
            .items)
    }

    /// Step one of paying: checks everything and records the request (and the disputes of a
    /// short-pay). Nothing is charged yet.
    async fn plan_pay_request(
        &self,
        ctx: &Ctx,
        input: &PayInput,
    ) -> Result<Planned<(Versioned<OnlinePayment>, Vec<Dispute>)>> {
        let provider = self.provider()?;
        let account = self
            .load_ref::<Account>(ctx, input.account_id.0, "account_id")
            .await?
            .value;
        let billing = self.account_billing(ctx, account.id).await?;
        let method = billing
            .value
            .method(input.method_id)
            .cloned()
            .ok_or_else(|| AppError::not_found_field("payment method", "method_id"))?;
        let ids: Vec<Uuid> = input.invoices.iter().map(|r| r.invoice_id.0).collect();
        let loaded = self.load_many::<Invoice>(ctx, &ids).await?;
        if let Some(i) = input
            .invoices
            .iter()
            .position(|r| !loaded.iter().any(|v| v.value.id == r.invoice_id))
        {
            return Err(AppError::not_found_field(
                "invoice",
                format!("invoices[{i}].invoice_id"),
            ));
        }
        let invoice_ids: Vec<InvoiceId> = input.invoices.iter().map(|r| r.invoice_id).collect();
        let (flying, disputed) = self.reservations(&invoice_ids).await?;
        let refs: Vec<&Invoice> = loaded.iter().map(|v| &v.value).collect();
        let requests: Vec<PayInvoice> = input
            .invoices
            .iter()
            .map(|r| PayInvoice {
                invoice_id: r.invoice_id,
                amount: r.amount,
                short: r.short,
            })
            .collect();
        // Evidence named for a short-pay must be the caller's, of the invoice's account.
        for (i, r) in input.invoices.iter().enumerate() {
            if let Some(inv) = refs.iter().find(|v| v.id == r.invoice_id) {
                self.check_dispute_refs(
                    ctx,
                    inv,
                    r.detail.shipment_id,
                    r.detail.return_id,
                    &format!("invoices[{i}]."),
                )
                .await?;
            }
        }
        let (allocations, excess) = online::allocate(
            account.id,
            account.currency,
            &refs,
            &flying,
            &disputed,
            &requests,
            input.excess_to_credit,
        )?;
        let now = self.clock.now();
        let actor = ctx.principal.actor();
        let id = OnlinePaymentId(Uuid::now_v7());
        let amount = allocations
            .iter()
            .fold(excess, |a, x| a.checked_add(x.amount).unwrap_or(a));
        let number = format!("PAY-{}", self.next_number("online_payment").await?);
        // Short-pays with a dispute reason open their disputes now: the customer's word stands
        // whatever the provider answers.
        let mut disputes = Vec::new();
        for (i, (a, r)) in allocations.iter().zip(&input.invoices).enumerate() {
            let Some(ShortReason::Dispute(reason)) = a.short else {
                continue;
            };
            let inv = refs
                .iter()
                .find(|v| v.id == a.invoice_id)
                .expect("allocated from these");
            let held = disputed
                .iter()
                .filter(|(x, _)| *x == inv.id)
                .fold(Money::zero(inv.currency), |s, (_, m)| s.checked_add(*m).unwrap_or(s));
            let open = inv.balance().checked_sub(held).unwrap_or(inv.balance());
            let short = open.checked_sub(a.amount).unwrap_or(open);
            let message = r
                .detail
                .message
                .clone()
                .filter(|m| !m.trim().is_empty())
                .unwrap_or_else(|| format!("Paid {} of {}: {}.", a.amount, open, reason.label().to_lowercase()));
            let dispute = Dispute::open(
                inv,
                held,
                NewDispute {
                    id: DisputeId(Uuid::now_v7()),
                    number: format!("DSP-{}", self.next_number("dispute").await?),
                    reason,
                    lines: r.detail.lines.clone(),
                    amount: Some(short),
                    shipment_id: r.detail.shipment_id,
                    return_id: r.detail.return_id,
                    payment_id: None,
                    message,
                    opened_by: actor.name(),
                    at: now,
                },
            )
            .map_err(|e| prefix(e, &format!("invoices[{i}].")))?;
            disputes.push(dispute);
        }
        let payment = OnlinePayment {
            id,
            number,
            account_id: account.id,
            method_id: method.id,
            method_kind: method.kind,
            method_label: method.describe(),
            amount,
            allocations,
            to_credit: excess,
            provider: provider.name().into(),
            provider_id: None,
            state: OnlineState::Requested,
            autopay: false,
            created_by: actor.name(),
            created_at: now,
            updated_at: now,
        };
        let mut commit = Commit {
            docs: vec![write(&payment, WriteMode::Insert)?],
            keys: payment
                .allocations
                .iter()
                .map(|a| KeyWrite {
                    kind: ONLINE_INVOICE,
                    key: a.invoice_id.0.to_string(),
                    doc_id: id.0,
                })
                .collect(),
            ..Default::default()
        };
        for d in &disputes {
            commit.docs.push(write(d, WriteMode::Insert)?);
            commit.keys.push(KeyWrite {
                kind: super::disputes::DISPUTE_INVOICE,
                key: d.invoice_id.0.to_string(),
                doc_id: d.id.0,
            });
            commit.events.push(super::disputes::opened_event(&actor, now, d));
        }
        Ok(Planned {
            value: (
                Versioned {
                    value: payment,
                    version: 1,
                },
                disputes,
            ),
            commit,
        })
    }

    /// Pays invoices online: records the request, asks the provider, and records its answer —
    /// applied at once for a card that succeeded, in flight for a bank debit, failed with the
    /// provider's reason. `render` gives the stored response for idempotent replays.
    pub async fn pay_invoices(
        &self,
        ctx: &Ctx,
        input: &PayInput,
        render: impl Fn(&PayOutcome) -> (u16, String),
    ) -> Result<PayOutcome> {
        // The request commits without the client's idempotency record; the outcome carries it.
        let bare = Ctx {
            idempotency: None,
            ..ctx.clone()
        };
        let (payment, disputes) = self
            .execute(&bare, || self.plan_pay_request(ctx, input), |_| (201, String::new()))
            .await?;
        let billing = self.billing_profile_unchecked(payment.value.account_id).await?;
        let outcome = self.charge_and_record(ctx, payment, &billing.value).await?;
        let out = PayOutcome {
            payment: outcome,
            disputes,
        };
        if ctx.idempotency.is_some() {
            let (status, body) = render(&out);
            self.record_response(ctx, status, body).await?;
        }
        Ok(out)
    }

    /// Asks the provider for a recorded request (again, after a crash: the same key never
    /// charges twice) and records the answer.
    async fn charge_and_record(
        &self,
        ctx: &Ctx,
        payment: Versioned<OnlinePayment>,
        billing: &AccountBilling,
    ) -> Result<Versioned<OnlinePayment>> {
        let provider = self.provider()?;
        let method = billing
            .method(payment.value.method_id)
            .cloned()
            .ok_or_else(|| AppError::not_found_field("payment method", "method_id"))?;
        let customer = billing
            .provider_customer
            .clone()
            .ok_or_else(|| AppError::not_found_field("payment method", "method_id"))?;
        let req = ChargeRequest {
            idempotency_key: payment.value.id.0.to_string(),
            customer,
            method: method.provider_id.clone(),
            amount_minor: payment.value.amount.minor(),
            currency: payment.value.amount.currency().code().to_owned(),
            description: format!("{} for {}", payment.value.number, invoice_list(&payment.value)),
            metadata: vec![
                ("online_payment".into(), payment.value.id.0.to_string()),
                ("number".into(), payment.value.number.clone()),
            ],
            off_session: payment.value.autopay,
        };
        let charge = match provider.charge(&req).await {
            Ok(c) => c,
            Err(ProviderError::Refused { code, message }) => Charge {
                provider_id: String::new(),
                status: ChargeStatus::Failed { code, message },
                amount_minor: req.amount_minor,
                metadata: vec![],
            },
            // Left `requested`: the reconciliation pass asks again under the same key.
            Err(ProviderError::Unavailable(m)) => {
                tracing::warn!(payment = %payment.value.number, error = %m, "payment provider unavailable");
                return Err(AppError::Unavailable(format!(
                    "the payment provider did not answer; payment {} is recorded and will be completed or released shortly — nothing was charged twice",
                    payment.value.number
                )));
            }
        };
        let id = payment.value.id;
        let _ = ctx;
        self.execute(
            &Ctx::system(),
            || self.plan_charge_result(id, &charge),
            |_| (200, String::new()),
        )
        .await
    }

    /// Records what the provider said about a charge (its immediate answer, a webhook, a poll).
    async fn plan_charge_result(
        &self,
        id: OnlinePaymentId,
        charge: &Charge,
    ) -> Result<Planned<Versioned<OnlinePayment>>> {
        let ctx = Ctx::system();
        let mut p = self.load::<OnlinePayment>(&ctx, id.0).await?;
        let now = self.clock.now();
        let actor = crate::Actor::Integration {
            name: format!("{} (payment provider)", p.value.provider),
        };
        let mut commit = Commit::default();
        if p.value.provider_id.is_none() && !charge.provider_id.is_empty() {
            p.value.provider_id = Some(charge.provider_id.clone());
            commit.keys.push(KeyWrite {
                kind: ONLINE_PROVIDER,
                key: charge.provider_id.clone(),
                doc_id: id.0,
            });
        }
        let account = Some(p.value.account_id);
        let number = p.value.number.clone();
        match &charge.status {
            ChargeStatus::Succeeded if p.value.state.in_flight() => {
                let ids: Vec<Uuid> = p.value.allocations.iter().map(|a| a.invoice_id.0).collect();
                let loaded = self.load_many::<Invoice>(&ctx, &ids).await?;
                let versions: Vec<(InvoiceId, i64)> = loaded.iter().map(|v| (v.value.id, v.version)).collect();
                let mut invoices: Vec<Invoice> = loaded.into_iter().map(|v| v.value).collect();
                let payment = p.value.settle(PaymentId(Uuid::now_v7()), &mut invoices, now)?;
                commit.docs.push(write(&payment, WriteMode::Insert)?);
                commit.events.push(event(
                    &actor,
                    now,
                    "payment.received",
                    "payment",
                    payment.id.0,
                    account,
                    None,
                    json!({"amount": payment.amount.to_string(), "method": payment.method.as_str(), "reference": number, "online_payment": id.0}),
                ));
                for inv in &invoices {
                    let v = versions.iter().find(|(x, _)| *x == inv.id).map_or(0, |(_, v)| *v);
                    commit.docs.push(write(inv, WriteMode::Update(v))?);
                    let applied = payment
                        .applications
                        .iter()
                        .find(|a| a.invoice_id == inv.id)
                        .map(|a| a.amount.to_string());
                    commit.events.push(event(
                        &actor,
                        now,
                        "invoice.payment_applied",
                        "invoice",
                        inv.id.0,
                        account,
                        None,
                        json!({"payment_id": payment.id.0, "amount": applied, "balance": inv.balance().to_string(), "online_payment": number}),
                    ));
                }
            }
            ChargeStatus::Processing => {
                if p.value.report(OnlineState::Processing, now) {
                    for a in &p.value.allocations {
                        commit.events.push(event(
                            &actor,
                            now,
                            "invoice.payment_processing",
                            "invoice",
                            a.invoice_id.0,
                            account,
                            None,
                            json!({"online_payment": number, "amount": a.amount.to_string(), "method": p.value.method_label}),
                        ));
                    }
                }
            }
            ChargeStatus::RequiresAction => {
                p.value.report(OnlineState::RequiresAction, now);
            }
            ChargeStatus::Failed { code, message } => {
                if let OnlineState::Succeeded { .. } = p.value.state {
                    // Settled, then returned (an ACH return): reverse the payment.
                    let payment_id = p.value.reversed(code, message, now)?;
                    let pv = self.load::<Payment>(&ctx, payment_id.0).await?;
                    let mut payment = pv.value;
                    let ids: Vec<Uuid> = payment.applications.iter().map(|a| a.invoice_id.0).collect();
                    let loaded = self.load_many::<Invoice>(&ctx, &ids).await?;
                    let versions: Vec<(InvoiceId, i64)> = loaded.iter().map(|v| (v.value.id, v.version)).collect();
                    let mut invoices: Vec<Invoice> = loaded.into_iter().map(|v| v.value).collect();
                    payment.reverse(
                        &mut invoices,
                        aftercart_domain::invoice::Reversal {
                            at: now,
                            code: Some(code.clone()),
                            reason: message.clone(),
                        },
                    )?;
                    commit.docs.push(write(&payment, WriteMode::Update(pv.version))?);
                    for inv in &invoices {
                        let v = versions.iter().find(|(x, _)| *x == inv.id).map_or(0, |(_, v)| *v);
                        commit.docs.push(write(inv, WriteMode::Update(v))?);
                        commit.events.push(event(
                            &actor,
                            now,
                            "invoice.payment_reversed",
                            "invoice",
                            inv.id.0,
                            account,
                            Some(message.clone()),
                            json!({"online_payment": number, "code": code, "balance": inv.balance().to_string()}),
                        ));
                    }
                    commit.events.push(event(
                        &actor,
                        now,
                        "payment.reversed",
                        "payment",
                        payment.id.0,
                        account,
                        Some(message.clone()),
                        json!({"online_payment": number, "code": code, "amount": payment.amount.to_string()}),
                    ));
                } else if p.value.report(
                    OnlineState::Failed {
                        code: code.clone(),
                        message: message.clone(),
                    },
                    now,
                ) {
                    for a in &p.value.allocations {
                        commit.events.push(event(
                            &actor,
                            now,
                            "invoice.payment_failed",
                            "invoice",
                            a.invoice_id.0,
                            account,
                            Some(message.clone()),
                            json!({"online_payment": number, "code": code, "amount": a.amount.to_string()}),
                        ));
                    }
                    commit.events.push(event(
                        &actor,
                        now,
                        "payment.failed",
                        "online_payment",
                        id.0,
                        account,
                        Some(message.clone()),
                        json!({"number": number, "code": code, "amount": p.value.amount.to_string()}),
                    ));
                }
            }
            ChargeStatus::Succeeded => {}
        }
        commit.docs.insert(0, write(&p.value, WriteMode::Update(p.version))?);
        p.version += 1;
        Ok(Planned { value: p, commit })
    }

    /// A provider webhook: verified on the raw body, handled once per provider event id.
    /// Returns the online payment it moved, if any.
    pub async fn provider_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Option<Versioned<OnlinePayment>>> {
        // Without a provider there is no webhook to receive: the address does not exist here.
        let provider = self.provider().map_err(|_| AppError::not_found("provider webhook"))?;
        // Freshness is the wall clock's business, not the business clock's: the provider signs
        // with its own time, and a replayed old webhook is old whatever day the books say it is.
        let ev = match provider.verify_webhook(signature, body, OffsetDateTime::now_utc().unix_timestamp()) {
            Ok(ev) => ev,
            Err(WebhookError::Ignored(_)) => return Ok(None),
            Err(e) => return Err(AppError::Unauthenticated(format!("provider webhook refused: {e}"))),
        };
        let target = match ev
            .charge
            .metadata
            .iter()
            .find(|(k, _)| k == "online_payment")
            .and_then(|(_, v)| Uuid::parse_str(v).ok())
        {
            Some(id) => Some(id),
            None => self
                .store
                .by_key(ONLINE_PROVIDER, &ev.charge.provider_id)
                .await?
                .first()
                .copied(),
        };
        let Some(id) = target else {
            tracing::info!(event = %ev.event_id, "provider event for no payment of ours");
            return Ok(None);
        };
        let dedup_key = format!("provider_event:{}", ev.event_id);
        let charge = ev.charge.clone();
        let plan = || async {
            let mut planned = self.plan_charge_result(OnlinePaymentId(id), &charge).await?;
            planned.commit.dedup.push((id, dedup_key.clone()));
            Ok(planned)
        };
        match self.execute(&Ctx::system(), plan, |_| (200, String::new())).await {
            Ok(p) => Ok(Some(p)),
            Err(AppError::Duplicate) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Finishes requests the provider never answered (a crash, a timeout) by asking again under
    /// the same idempotency key, and polls bank debits in flight in case a webhook was lost.
    /// Returns how many moved.
    pub async fn reconcile_online_payments(&self) -> Result<usize> {
        let Ok(provider) = self.provider() else { return Ok(0) };
        let ctx = Ctx::system();
        let mut moved = 0;
        for state in ["requested", "processing"] {
            let f = ListFilter {
                status: Some(state.into()),
                limit: 200,
                ..Default::default()
            };
            let page = self.list_docs::<OnlinePayment>(&ctx, &f, None).await?;
            for p in page.items {
                let age = self.clock.now() - p.value.updated_at;
                if age < time::Duration::minutes(1) {
                    continue;
                }
                let before = p.value.state.clone();
                let after = match (&p.value.state, &p.value.provider_id) {
                    (OnlineState::Processing, Some(pid)) => match provider.retrieve(pid).await {
                        Ok(charge) => {
                            let id = p.value.id;
                            self.execute(&ctx, || self.plan_charge_result(id, &charge), |_| (200, String::new()))
                                .await?
                        }
                        Err(_) => continue,
                    },
                    (OnlineState::Requested, _) => {
                        let billing = self.billing_profile_unchecked(p.value.account_id).await?;
                        match self.charge_and_record(&ctx, p, &billing.value).await {
                            Ok(v) => v,
                            Err(AppError::Unavailable(_)) => continue,
                            Err(e) => return Err(e),
                        }
                    }
                    _ => continue,
                };
                if after.value.state != before {
                    moved += 1;
                }
            }
        }
        Ok(moved)
    }

    pub async fn online_payment(&self, ctx: &Ctx, id: OnlinePaymentId) -> Result<Versioned<OnlinePayment>> {
        self.load(ctx, id.0).await
    }

    pub async fn list_online_payments(
        &self,
        ctx: &Ctx,
        f: &ListFilter,
    ) -> Result<crate::Page<Versioned<OnlinePayment>>> {
        self.list_docs(ctx, f, None).await
    }

    /// Saves a method the customer tokenised at the provider, creating the provider's customer
    /// on first use.
    pub async fn add_payment_method(&self, ctx: &Ctx, account: AccountId, token: &str) -> Result<SavedMethodRec> {
        let acc = self.load::<Account>(ctx, account.0).await?.value;
        let provider = self.provider()?;
        let token = token.trim();
        if token.is_empty() || token.len() > 255 || !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "token",
                "a payment method id from the provider, like pm_…",
            )
            .into());
        }
        let billing = self.account_billing(ctx, account).await?;
        let customer = match &billing.value.provider_customer {
            Some(c) => c.clone(),
            None => provider
                .create_customer(&acc.number, &acc.name)
                .await
                .map_err(provider_error)?,
        };
        let saved = provider.attach_method(&customer, token).await.map_err(provider_error)?;
        let now = self.clock.now();
        let rec = SavedMethodRec {
            id: SavedMethodId(Uuid::now_v7()),
            provider_id: saved.provider_id,
            kind: saved.kind.into(),
            label: saved.label,
            last4: saved.last4,
            expires: saved.expires,
            added_by: ctx.principal.actor().name(),
            added_at: now,
        };
        let actor = ctx.principal.actor();
        let r = rec.clone();
        self.execute(
            ctx,
            || async {
                let mut b = self.billing_profile_unchecked(account).await?;
                if b.value.provider_customer.is_none() {
                    b.value.provider_customer = Some(customer.clone());
                }
                if !b.value.methods.iter().any(|m| m.provider_id == r.provider_id) {
                    b.value.methods.push(r.clone());
                }
                Ok(Planned {
                    value: (),
                    commit: Commit {
                        docs: vec![App::write_billing(&b)?],
                        events: vec![event(
                            &actor,
                            now,
                            "account.payment_method_added",
                            "account",
                            account.0,
                            Some(account),
                            None,
                            json!({"method": r.describe()}),
                        )],
                        ..Default::default()
                    },
                })
            },
            |_| (201, String::new()),
        )
        .await?;
        Ok(rec)
    }

    /// Removes a saved method (detached at the provider too); autopay using it is switched off.
    pub async fn remove_payment_method(&self, ctx: &Ctx, account: AccountId, method: SavedMethodId) -> Result<()> {
        let billing = self.account_billing(ctx, account).await?;
        let rec = billing
            .value
            .method(method)
            .cloned()
            .ok_or_else(|| AppError::not_found("payment method"))?;
        if let Ok(p) = self.provider()
            && let Err(e) = p.detach_method(&rec.provider_id).await
        {
            tracing::warn!(error = %e, "detaching at the provider failed; removed here anyway");
        }
        let now = self.clock.now();
        let actor = ctx.principal.actor();
        self.execute(
            ctx,
            || async {
                let mut b = self.billing_profile_unchecked(account).await?;
                b.value.methods.retain(|m| m.id != method);
                if b.value.autopay.as_ref().is_some_and(|a| a.method_id == method) {
                    b.value.autopay = None;
                }
                Ok(Planned {
                    value: (),
                    commit: Commit {
                        docs: vec![App::write_billing(&b)?],
                        events: vec![event(
                            &actor,
                            now,
                            "account.payment_method_removed",
                            "account",
                            account.0,
                            Some(account),
                            None,
                            json!({"method": rec.describe()}),
                        )],
                        ..Default::default()
                    },
                })
            },
            |_| (204, String::new()),
        )
        .await
    }

    /// Sets or clears autopay for an account.
    pub async fn plan_set_autopay(
        &self,
        ctx: &Ctx,
        account: AccountId,
        autopay: Option<online::Autopay>,
    ) -> Result<Planned<Versioned<AccountBilling>>> {
        let acc = self.load::<Account>(ctx, account.0).await?.value;
        let mut b = self.billing_profile_unchecked(account).await?;
        if let Some(a) = &autopay {
            a.validate(acc.currency)?;
            if b.value.method(a.method_id).is_none() {
                return Err(AppError::not_found_field("payment method", "method_id"));
            }
        }
        b.value.autopay = autopay.clone();
        let now = self.clock.now();
        let commit = Commit {
            docs: vec![App::write_billing(&b)?],
            events: vec![event(
                &ctx.principal.actor(),
                now,
                if autopay.as_ref().is_some_and(|a| a.enabled) {
                    "account.autopay_on"
                } else {
                    "account.autopay_off"
                },
                "account",
                account.0,
                Some(account),
                None,
                json!({"days_before_due": autopay.as_ref().map(|a| a.days_before_due), "max_amount": autopay.as_ref().map(|a| a.max_amount.to_string())}),
            )],
            ..Default::default()
        };
        b.version += 1;
        Ok(Planned { value: b, commit })
    }

    /// One autopay pass: for every account with autopay on, pays what falls due in its window
    /// (open − disputed − in flight), up to its maximum. Returns the payments made.
    pub async fn run_autopay(&self) -> Result<Vec<Versioned<OnlinePayment>>> {
        let Ok(_) = self.provider() else { return Ok(vec![]) };
        let ctx = Ctx::system();
        let today = self.clock.now().date();
        let f = ListFilter {
            limit: 500,
            ..Default::default()
        };
        let profiles = self.all_docs::<AccountBilling>(&ctx, &f).await?;
        let mut made = Vec::new();
        for b in profiles {
            let Some(auto) = b.value.autopay.clone().filter(|a| a.enabled) else {
                continue;
            };
            let inv_f = ListFilter {
                account_id: Some(b.value.account_id),
                status: Some("unpaid".into()),
                limit: 500,
                ..Default::default()
            };
            let invoices = self.all_docs::<Invoice>(&ctx, &inv_f).await?;
            let ids: Vec<InvoiceId> = invoices.iter().map(|v| v.value.id).collect();
            let (flying, disputed) = self.reservations(&ids).await?;
            let sum = |v: &[(InvoiceId, Money)], id: InvoiceId, cur| {
                v.iter()
                    .filter(|(x, _)| *x == id)
                    .fold(Money::zero(cur), |a: Money, (_, m)| a.checked_add(*m).unwrap_or(a))
            };
            let candidates: Vec<(InvoiceId, time::Date, Money)> = invoices
                .iter()
                .map(|v| {
                    let i = &v.value;
                    let payable = i
                        .balance()
                        .checked_sub(sum(&flying, i.id, i.currency))
                        .and_then(|m| m.checked_sub(sum(&disputed, i.id, i.currency)))
                        .unwrap_or(Money::zero(i.currency));
                    (i.id, i.due_on, payable)
                })
                .collect();
            let (pay, _skipped) = auto.select(&candidates, today);
            if pay.is_empty() {
                continue;
            }
            let input = PayInput {
                account_id: b.value.account_id,
                method_id: auto.method_id,
                invoices: pay
                    .iter()
                    .map(|(id, amount)| PayRequest {
                        invoice_id: *id,
                        amount: *amount,
                        short: None,
                        detail: ShortPayDetail::default(),
                    })
                    .collect(),
                excess_to_credit: false,
            };
            let planned = self
                .execute(
                    &ctx,
                    || async {
                        let mut p = self.plan_pay_request(&ctx, &input).await?;
                        p.value.0.value.autopay = true;
                        p.commit.docs[0] = write(&p.value.0.value, WriteMode::Insert)?;
                        Ok(p)
                    },
                    |_| (201, String::new()),
                )
                .await;
            let (payment, _) = match planned {
                Ok(v) => v,
                Err(AppError::Rejected(r)) => {
                    tracing::info!(account = %b.value.account_id, reason = %r.message, "autopay skipped");
                    continue;
                }
                Err(e) => return Err(e),
            };
            match self.charge_and_record(&ctx, payment, &b.value).await {
                Ok(v) => made.push(v),
                Err(AppError::Unavailable(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(made)
    }
}

fn invoice_list(p: &OnlinePayment) -> String {
    p.allocations
        .iter()
        .map(|a| a.invoice_number.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn prefix(mut r: Rejection, p: &str) -> Rejection {
    r.field = format!("{p}{}", r.field);
    r
}

fn provider_error(e: ProviderError) -> AppError {
    match e {
        ProviderError::Unavailable(m) => AppError::Unavailable(format!("the payment provider did not answer: {m}")),
        ProviderError::Refused { code, message } => Rejection::new(
            ErrorCode::InvalidValue,
            "token",
            format!("the payment provider refused it ({code}): {message}"),
        )
        .into(),
    }
}
