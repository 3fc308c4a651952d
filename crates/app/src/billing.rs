//! Invoices, credit memos and payments.

use crate::docs::{Versioned, event, write};
use crate::error::{AppError, Result};
use crate::{App, Ctx, Planned};
use aftercart_domain::account::Account;
use aftercart_domain::error::{ErrorCode, Rejection};
use aftercart_domain::ids::{AccountId, CreditMemoId, InvoiceId, OrderId, PaymentId, ShipmentId};
use aftercart_domain::invoice::{
    CreditMemo, Invoice, NewInvoice, NewInvoiceLine, Payment, PaymentApplication, PaymentMethod,
};
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::order::Order;
use aftercart_domain::quantity::Qty;
use aftercart_store::{Commit, KeyWrite, WriteMode};
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct InvoiceLineInput {
    pub order_id: OrderId,
    pub order_line: u32,
    pub shipment_id: Option<ShipmentId>,
    pub quantity: Qty,
    pub unit_price: Money,
    /// Basis points (2000 = 20 %); give every line a rate, or none.
    pub tax_rate_bp: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct IssueInvoice {
    pub account_id: AccountId,
    pub number: Option<String>,
    pub currency: Currency,
    pub issued_on: Option<Date>,
    pub lines: Vec<InvoiceLineInput>,
    /// The tax amount; computed from the lines' rates when they carry them and it is `None`.
    pub tax: Option<Money>,
    pub freight: Money,
    pub freight_tax_rate_bp: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct IssueCreditMemo {
    pub account_id: AccountId,
    pub invoice_id: Option<InvoiceId>,
    pub amount: Money,
    pub reason: String,
    pub issued_on: Option<Date>,
}

#[derive(Debug, Clone)]
pub struct ReceivePayment {
    pub account_id: AccountId,
    pub method: PaymentMethod,
    pub amount: Money,
    pub reference: Option<String>,
    pub received_at: Option<OffsetDateTime>,
    pub applications: Vec<PaymentApplication>,
}

impl App {
    pub async fn plan_issue_invoice(&self, ctx: &Ctx, input: &IssueInvoice) -> Result<Planned<Versioned<Invoice>>> {
        let account = self
            .load_ref::<Account>(ctx, input.account_id.0, "account_id")
            .await?
            .value;
        let mut order_ids: Vec<OrderId> = input.lines.iter().map(|l| l.order_id).collect();
        order_ids.sort();
        order_ids.dedup();
        let uuids: Vec<Uuid> = order_ids.iter().map(|o| o.0).collect();
        let orders: Vec<Order> = self
            .load_orders(ctx, &uuids)
            .await?
            .into_iter()
            .map(|v| v.value)
            .collect();
        if let Some(i) = input
            .lines
            .iter()
            .position(|l| !orders.iter().any(|o| o.id == l.order_id))
        {
            return Err(AppError::not_found_field("order", format!("lines[{i}].order_id")));
        }
        let now = self.clock.now();
        let number = match &input.number {
            Some(n) if n.trim().is_empty() => {
                return Err(Rejection::new(ErrorCode::InvalidValue, "number", "must not be empty").into());
            }
            Some(n) => n.trim().to_owned(),
            None => format!("INV-{}", self.next_number("invoice").await?),
        };
        let refs: Vec<&Order> = orders.iter().collect();
        let invoice = Invoice::issue(
            &account,
            &refs,
            NewInvoice {
                freight_tax_rate_bp: input.freight_tax_rate_bp,
                id: InvoiceId(Uuid::now_v7()),
                number,
                currency: input.currency,
                issued_on: input.issued_on.unwrap_or(now.date()),
                lines: input
                    .lines
                    .iter()
                    .map(|l| NewInvoiceLine {
                        tax_rate_bp: l.tax_rate_bp,
                        order_id: l.order_id,
                        order_line: l.order_line,
                        shipment_id: l.shipment_id,
                        quantity: l.quantity,
                        unit_price: l.unit_price,
                    })
                    .collect(),
                tax: input.tax,
                freight: input.freight,
                recorded_at: now,
            },
        )?;
        let actor = ctx.principal.actor();
        let mut events = vec![event(
            &actor,
            now,
            "invoice.issued",
            "invoice",
            invoice.id.0,
            Some(account.id),
            None,
            json!({"number": invoice.number, "total": invoice.total().to_string(), "due_on": invoice.due_on.to_string()}),
        )];
        for o in &orders {
            events.push(event(
                &actor,
                now,
                "order.invoiced",
                "order",
                o.id.0,
                Some(account.id),
                None,
                json!({"invoice_id": invoice.id.0, "invoice_number": invoice.number}),
            ));
        }
        // Orders invoiced for the first time stop counting as uninvoiced against the credit limit.
        let ids: Vec<String> = order_ids.iter().map(|o| o.0.to_string()).collect();
        let before = self.store.by_keys("order_invoice", &ids).await?;
        let counters = orders
            .iter()
            .filter(|o| !before.iter().any(|(k, _)| *k == o.id.0.to_string()))
            .map(|o| crate::payments::credit::uninvoiced_move(o, -1))
            .collect();
        let keys = order_ids
            .iter()
            .map(|o| KeyWrite {
                kind: "order_invoice",
                key: o.0.to_string(),
                doc_id: invoice.id.0,
            })
            .collect();
        let commit = Commit {
            docs: vec![write(&invoice, WriteMode::Insert)?],
            keys,
            events,
            counters,
            ..Default::default()
        };
        Ok(Planned {
            value: Versioned {
                value: invoice,
                version: 1,
            },
            commit,
        })
    }

    pub async fn plan_issue_credit_memo(
        &self,
        ctx: &Ctx,
        input: &IssueCreditMemo,
    ) -> Result<Planned<Versioned<CreditMemo>>> {
        let account = self
            .load_ref::<Account>(ctx, input.account_id.0, "account_id")
            .await?
            .value;
        let mut invoice = match input.invoice_id {
            Some(id) => Some(self.load_ref::<Invoice>(ctx, id.0, "invoice_id").await?),
            None => None,
        };
        let now = self.clock.now();
        let memo = CreditMemo {
            applied: Vec::new(),
            id: CreditMemoId(Uuid::now_v7()),
            number: format!("CM-{}", self.next_number("credit_memo").await?),
            account_id: account.id,
            invoice_id: input.invoice_id,
            amount: input.amount,
            reason: input.reason.clone(),
            issued_on: input.issued_on.unwrap_or(now.date()),
            for_return: None,
        };
        let memo = CreditMemo::issue(&account, memo, invoice.as_mut().map(|v| &mut v.value), now)?;
        let actor = ctx.principal.actor();
        let mut commit = Commit {
            docs: vec![write(&memo, WriteMode::Insert)?],
            events: vec![event(
                &actor,
                now,
                "credit_memo.issued",
                "credit_memo",
                memo.id.0,
                Some(account.id),
                Some(memo.reason.clone()),
                json!({"number": memo.number, "amount": memo.amount.to_string()}),
            )],
            ..Default::default()
        };
        if let Some(inv) = &invoice {
            commit.docs.push(write(&inv.value, WriteMode::Update(inv.version))?);
            commit.events.push(event(
                &actor,
                now,
                "invoice.credited",
                "invoice",
                inv.value.id.0,
                Some(account.id),
                Some(memo.reason.clone()),
                json!({"credit_memo": memo.number, "amount": memo.amount.to_string(), "balance": inv.value.balance().to_string()}),
            ));
        }
        Ok(Planned {
            value: Versioned {
                value: memo,
                version: 1,
            },
            commit,
        })
    }

    pub async fn plan_receive_payment(&self, ctx: &Ctx, input: &ReceivePayment) -> Result<Planned<Versioned<Payment>>> {
        let account = self
            .load_ref::<Account>(ctx, input.account_id.0, "account_id")
            .await?
            .value;
        let ids: Vec<Uuid> = input.applications.iter().map(|a| a.invoice_id.0).collect();
        for (i, a) in input.applications.iter().enumerate() {
            if input.applications[..i].iter().any(|b| b.invoice_id == a.invoice_id) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    format!("applications[{i}].invoice_id"),
                    "the same invoice appears twice; apply one amount per invoice",
                )
                .into());
            }
        }
        let loaded = self.load_many::<Invoice>(ctx, &ids).await?;
        if let Some(i) = input
            .applications
            .iter()
            .position(|a| !loaded.iter().any(|v| v.value.id == a.invoice_id))
        {
            return Err(AppError::not_found_field(
                "invoice",
                format!("applications[{i}].invoice_id"),
            ));
        }
        let versions: Vec<(InvoiceId, i64)> = loaded.iter().map(|v| (v.value.id, v.version)).collect();
        let mut invoices: Vec<Invoice> = loaded.into_iter().map(|v| v.value).collect();
        let now = self.clock.now();
        let payment = Payment::receive(
            &account,
            Payment {
                reversal: None,
                id: PaymentId(Uuid::now_v7()),
                account_id: account.id,
                method: input.method,
                amount: input.amount,
                reference: input.reference.clone(),
                received_at: input.received_at.unwrap_or(now),
                applications: input.applications.clone(),
            },
            &mut invoices,
        )?;
        let actor = ctx.principal.actor();
        let mut commit = Commit {
            docs: vec![write(&payment, WriteMode::Insert)?],
            events: vec![event(
                &actor,
                now,
                "payment.received",
                "payment",
                payment.id.0,
                Some(account.id),
                None,
                json!({"amount": payment.amount.to_string(), "method": format!("{:?}", payment.method).to_lowercase(), "reference": payment.reference}),
            )],
            ..Default::default()
        };
        for inv in &invoices {
            let version = versions
                .iter()
                .find(|(id, _)| *id == inv.id)
                .map(|(_, v)| *v)
                .unwrap_or(0);
            let applied = payment
                .applications
                .iter()
                .find(|a| a.invoice_id == inv.id)
                .map(|a| a.amount);
            commit.docs.push(write(inv, WriteMode::Update(version))?);
            commit.events.push(event(
                &actor,
                now,
                "invoice.payment_applied",
                "invoice",
                inv.id.0,
                Some(account.id),
                None,
                json!({"payment_id": payment.id.0, "amount": applied.map(|m| m.to_string()), "balance": inv.balance().to_string()}),
            ));
        }
        Ok(Planned {
            value: Versioned {
                value: payment,
                version: 1,
            },
            commit,
        })
    }

    pub async fn invoice(&self, ctx: &Ctx, id: InvoiceId) -> Result<Versioned<Invoice>> {
        self.load(ctx, id.0).await
    }

    pub async fn payment(&self, ctx: &Ctx, id: PaymentId) -> Result<Versioned<Payment>> {
        self.load(ctx, id.0).await
    }

    pub async fn credit_memo(&self, ctx: &Ctx, id: CreditMemoId) -> Result<Versioned<CreditMemo>> {
        self.load(ctx, id.0).await
    }
}
