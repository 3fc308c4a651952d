//! Cash application: a bank statement (camt.053 or CSV) is parsed whole — a malformed file is
//! refused naming its line, and nothing is applied — then every receipt is matched against the
//! book's open invoices (remittance reference, invoice numbers in the text, exact amount). What
//! matches with confidence becomes a payment applied to its invoices, any excess kept as account
//! credit; the rest goes to the unapplied-cash queue, where finance ops apply it by hand. One
//! commit for the file; a file already imported is recognised by its hash, and a receipt seen
//! before (same bank, reference, amount and date) is never applied twice.

use crate::docs::{Doc, Versioned, event, write};
use crate::queries::ListFilter;
use crate::{Actor, App, AppError, Ctx, Planned, Result};
use aftercart_domain::account::Account;
use aftercart_domain::ids::{AccountId, BankImportId, CreditMemoId, InvoiceId, PaymentId, UnappliedReceiptId};
use aftercart_domain::invoice::{CreditMemo, Invoice, Payment, PaymentApplication, PaymentMethod};
use aftercart_domain::money::Money;
use aftercart_domain::receivables::cash::{Book, Candidate, Outcome, Receipt};
use aftercart_domain::receivables::remittance::rf_reference;
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_interchange::bank::{BankEntry, Direction, parse_statement};
use aftercart_store::{Commit, CommitError, ListQuery, WriteMode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ReceiptState {
    Open,
    Applied { payment_id: PaymentId, by: String },
}

/// A receipt no rule could apply with confidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnappliedReceipt {
    pub id: UnappliedReceiptId,
    pub import_id: BankImportId,
    pub line: usize,
    pub amount: Money,
    pub booked_on: Date,
    pub bank_reference: Option<String>,
    pub payer_name: Option<String>,
    pub text: Vec<String>,
    pub reason: String,
    pub state: ReceiptState,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

impl Doc for UnappliedReceipt {
    const KIND: &'static str = "unapplied_receipt";
    const WHAT: &'static str = "receipt";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    /// The seller's own bank's money, not yet any account's.
    fn account(&self) -> Option<AccountId> {
        None
    }
    fn status(&self) -> Option<String> {
        Some(match self.state {
            ReceiptState::Open => "open".into(),
            ReceiptState::Applied { .. } => "applied".into(),
        })
    }
    fn at(&self) -> OffsetDateTime {
        self.recorded_at
    }
    fn visible_to(&self, p: &crate::Principal) -> bool {
        p.is_seller()
    }
}

/// One imported statement: what happened to every entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankImport {
    pub id: BankImportId,
    pub number: String,
    pub file_name: Option<String>,
    /// SHA-256 of the file: the same file twice is one import.
    pub sha256: String,
    pub format: String,
    pub statement_id: Option<String>,
    pub entries: usize,
    pub debits_skipped: usize,
    pub applied: Vec<AppliedReceipt>,
    pub unapplied: Vec<UnappliedReceiptId>,
    /// Entries seen in an earlier import (by bank, reference, amount and date).
    pub duplicates: usize,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedReceipt {
    pub line: usize,
    pub payment_id: PaymentId,
    pub account_id: AccountId,
    pub rule: String,
    pub amount: Money,
    pub invoices: Vec<String>,
    pub excess: Money,
}

impl Doc for BankImport {
    const KIND: &'static str = "bank_import";
    const WHAT: &'static str = "bank import";
    fn doc_id(&self) -> Uuid {
        self.id.0
    }
    fn account(&self) -> Option<AccountId> {
        None
    }
    fn number(&self) -> Option<String> {
        Some(self.sha256.clone())
    }
    fn at(&self) -> OffsetDateTime {
        self.at
    }
    fn visible_to(&self, p: &crate::Principal) -> bool {
        p.is_seller()
    }
}

/// Why a bank file was refused: the line and what is wrong there.
#[derive(Debug, Clone)]
pub struct BankFileError {
    pub line: usize,
    pub field: String,
    pub reason: String,
}

/// Rows per store page when reading the whole open book (the stores cap a page at 1,000).
const PAGE: u32 = 1000;

impl App {
    /// The candidates for matching: every unpaid invoice of the book, with its reference.
    async fn open_book(&self) -> Result<Vec<Candidate>> {
        let mut out = Vec::new();
        let mut before = None;
        loop {
            let rows = self
                .store
                .list(ListQuery {
                    kind: "invoice",
                    status: Some("unpaid".into()),
                    before,
                    limit: PAGE,
                    ..ListQuery::default()
                })
                .await?;
            before = rows.last().map(|r| r.id);
            for r in &rows {
                let inv: Invoice = serde_json::from_str(&r.data).map_err(|e| AppError::Corrupt(e.to_string()))?;
                if inv.balance().is_positive() && inv.replaced_by.is_none() {
                    out.push(Candidate {
                        invoice_id: inv.id,
                        account_id: inv.account_id,
                        remittance_reference: rf_reference(&inv.number).unwrap_or_default(),
                        balance: inv.balance(),
                        due_on: inv.due_on,
                        number: inv.number,
                    });
                }
            }
            if rows.len() < PAGE as usize {
                return Ok(out);
            }
        }
    }

    /// Imports a bank statement (finance ops). A malformed file is refused with its line and
    /// nothing is applied; a file imported before is refused as such.
    pub async fn import_bank_statement(
        &self,
        ctx: &Ctx,
        bytes: &[u8],
        file_name: Option<&str>,
    ) -> Result<Versioned<BankImport>> {
        if !ctx.principal.is_seller() {
            return Err(AppError::Forbidden("finance ops import bank statements".into()));
        }
        let st = parse_statement(bytes).map_err(|e| {
            AppError::Rejected(Rejection::new(
                ErrorCode::InvalidValue,
                "file",
                format!("{e}; nothing was applied"),
            ))
        })?;
        let sha = hex::encode(Sha256::digest(bytes));
        if self.store.by_number(BankImport::KIND, &sha).await?.is_some() {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "file",
                "this file was imported already; nothing was applied again",
            )
            .into());
        }
        let now = self.clock.now();
        let actor = ctx.principal.actor();
        let mut book = Book::new(self.open_book().await?);
        let import_id = BankImportId(Uuid::now_v7());
        let number = format!("BNK-{}", self.next_number("bank_import").await?);
        let mut import = BankImport {
            id: import_id,
            number,
            file_name: file_name.map(str::to_owned),
            sha256: sha,
            format: format!("{:?}", st.format).to_lowercase(),
            statement_id: st.statement_id.clone(),
            entries: st.entries.len(),
            debits_skipped: 0,
            applied: Vec::new(),
            unapplied: Vec::new(),
            duplicates: 0,
            by: actor.name(),
            at: now,
        };
        // Payments and the invoices they touch, accumulated so two receipts for one invoice
        // write it once.
        let mut payments: Vec<Payment> = Vec::new();
        let mut receipts: Vec<UnappliedReceipt> = Vec::new();
        let mut dedup = Vec::new();
        for e in &st.entries {
            if e.direction == Direction::Debit {
                import.debits_skipped += 1;
                continue;
            }
            if !e.amount.is_positive() {
                continue;
            }
            let key = entry_key(st.account.as_deref(), e);
            if self.store.by_number("bank_receipt", &key).await?.is_some() {
                import.duplicates += 1;
                continue;
            }
            dedup.push(key);
            let receipt = Receipt {
                amount: e.amount,
                structured_reference: e.structured_reference.clone(),
                text: e.remittance_text.clone(),
                payer_name: e.payer_name.clone(),
            };
            match book.apply(&receipt) {
                Outcome::Apply {
                    rule,
                    account_id,
                    applications,
                    excess,
                } => {
                    let pid = PaymentId(Uuid::now_v7());
                    import.applied.push(AppliedReceipt {
                        line: e.line,
                        payment_id: pid,
                        account_id,
                        rule: rule.as_str().into(),
                        amount: e.amount,
                        invoices: Vec::new(),
                        excess,
                    });
                    payments.push(Payment {
                        id: pid,
                        account_id,
                        method: PaymentMethod::Wire,
                        amount: e.amount,
                        reference: e.bank_reference.clone().or(e.end_to_end_id.clone()),
                        received_at: e.booked_on.midnight().assume_utc(),
                        applications: applications
                            .iter()
                            .map(|a| PaymentApplication {
                                invoice_id: a.invoice_id,
                                amount: a.amount,
                            })
                            .collect(),
                        reversal: None,
                    });
                }
                Outcome::Unapplied { reason } => {
                    let r = UnappliedReceipt {
                        id: UnappliedReceiptId(Uuid::now_v7()),
                        import_id,
                        line: e.line,
                        amount: e.amount,
                        booked_on: e.booked_on,
                        bank_reference: e.bank_reference.clone(),
                        payer_name: e.payer_name.clone(),
                        text: e.remittance_text.clone(),
                        reason,
                        state: ReceiptState::Open,
                        recorded_at: now,
                    };
                    import.unapplied.push(r.id);
                    receipts.push(r);
                }
            }
        }
        // Apply to the invoices as stored (the book only decided amounts).
        let ids: Vec<Uuid> = {
            let mut v: Vec<Uuid> = payments
                .iter()
                .flat_map(|p| p.applications.iter().map(|a| a.invoice_id.0))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let loaded = self.load_many::<Invoice>(&Ctx::system(), &ids).await?;
        let versions: Vec<(InvoiceId, i64)> = loaded.iter().map(|v| (v.value.id, v.version)).collect();
        let mut invoices: Vec<Invoice> = loaded.into_iter().map(|v| v.value).collect();
        let mut commit = Commit::default();
        let bank = Actor::Integration {
            name: format!("Bank statement {}", import.number),
        };
        for (p, a) in payments.iter().zip(import.applied.iter_mut()) {
            for app in &p.applications {
                let inv = invoices
                    .iter_mut()
                    .find(|i| i.id == app.invoice_id)
                    .ok_or_else(|| AppError::Corrupt("an applied invoice vanished".into()))?;
                inv.apply(
                    aftercart_domain::invoice::SettlementSource::Payment(p.id),
                    app.amount,
                    p.received_at,
                    "amount",
                )?;
                a.invoices.push(inv.number.clone());
                commit.events.push(event(
                    &bank,
                    now,
                    "invoice.payment_applied",
                    "invoice",
                    inv.id.0,
                    Some(inv.account_id),
                    Some(format!("bank receipt, line {}", a.line)),
                    json!({"payment_id": p.id.0, "amount": app.amount.to_string(), "balance": inv.balance().to_string(), "rule": a.rule}),
                ));
            }
            commit.docs.push(write(p, WriteMode::Insert)?);
            commit.events.push(event(
                &bank,
                now,
                "payment.received",
                "payment",
                p.id.0,
                Some(p.account_id),
                None,
                json!({"amount": p.amount.to_string(), "method": "wire", "reference": p.reference, "excess": a.excess.to_string()}),
            ));
        }
        for inv in &invoices {
            let v = versions.iter().find(|(x, _)| *x == inv.id).map_or(0, |(_, v)| *v);
            commit.docs.push(write(inv, WriteMode::Update(v))?);
        }
        for r in &receipts {
            commit.docs.push(write(r, WriteMode::Insert)?);
        }
        for k in &dedup {
            commit.docs.push(write(
                &ReceiptSeen {
                    id: Uuid::now_v7(),
                    key: k.clone(),
                    import_id,
                },
                WriteMode::Insert,
            )?);
        }
        commit.docs.insert(0, write(&import, WriteMode::Insert)?);
        commit.events.push(event(
            &actor,
            now,
            "bank_import.applied",
            "bank_import",
            import_id.0,
            None,
            None,
            json!({"number": import.number, "entries": import.entries, "applied": import.applied.len(), "unapplied": import.unapplied.len(), "duplicates": import.duplicates}),
        ));
        match self.store.commit(commit).await {
            Ok(()) => Ok(Versioned { value: import, version: 1 }),
            // Another process imported it (or an invoice moved) meanwhile: nothing was applied.
            Err(CommitError::NumberTaken { .. }) => Err(Rejection::new(ErrorCode::InvalidState, "file", "this file (or one of its receipts) was imported meanwhile; nothing was applied — import it again to apply the rest").into()),
            Err(CommitError::Conflict(_)) => Err(AppError::Conflict("invoices changed while the statement was applied; nothing was applied — import it again".into())),
            Err(e) => Err(crate::error::commit_error(e)),
        }
    }

    pub async fn bank_import(&self, ctx: &Ctx, id: BankImportId) -> Result<Versioned<BankImport>> {
        self.load(ctx, id.0).await
    }

    pub async fn list_bank_imports(&self, ctx: &Ctx, f: &ListFilter) -> Result<crate::Page<Versioned<BankImport>>> {
        self.list_docs(ctx, f, None).await
    }

    pub async fn unapplied_receipts(
        &self,
        ctx: &Ctx,
        f: &ListFilter,
    ) -> Result<crate::Page<Versioned<UnappliedReceipt>>> {
        self.list_docs(ctx, f, None).await
    }

    pub async fn unapplied_receipt(&self, ctx: &Ctx, id: UnappliedReceiptId) -> Result<Versioned<UnappliedReceipt>> {
        self.load(ctx, id.0).await
    }

    /// Finance ops apply a queued receipt by hand: to an account, across some of its invoices;
    /// what is not applied stays on that account as credit.
    pub async fn plan_apply_receipt(
        &self,
        ctx: &Ctx,
        id: UnappliedReceiptId,
        account: AccountId,
        applications: &[PaymentApplication],
    ) -> Result<Planned<Versioned<Payment>>> {
        let mut r = self.load::<UnappliedReceipt>(ctx, id.0).await?;
        if r.value.state != ReceiptState::Open {
            return Err(Rejection::new(ErrorCode::InvalidState, "receipt", "the receipt was applied already").into());
        }
        let acc = self.load_ref::<Account>(ctx, account.0, "account_id").await?.value;
        let ids: Vec<Uuid> = applications.iter().map(|a| a.invoice_id.0).collect();
        let loaded = self.load_many::<Invoice>(ctx, &ids).await?;
        if let Some(i) = applications
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
        let actor = ctx.principal.actor();
        let payment = Payment::receive(
            &acc,
            Payment {
                id: PaymentId(Uuid::now_v7()),
                account_id: acc.id,
                method: PaymentMethod::Wire,
                amount: r.value.amount,
                reference: r.value.bank_reference.clone(),
                received_at: r.value.booked_on.midnight().assume_utc(),
                applications: applications.to_vec(),
                reversal: None,
            },
            &mut invoices,
        )?;
        r.value.state = ReceiptState::Applied {
            payment_id: payment.id,
            by: actor.name(),
        };
        let mut commit = Commit {
            docs: vec![
                write(&r.value, WriteMode::Update(r.version))?,
                write(&payment, WriteMode::Insert)?,
            ],
            events: vec![event(
                &actor,
                now,
                "payment.received",
                "payment",
                payment.id.0,
                Some(acc.id),
                Some("applied by hand from the unapplied-cash queue".into()),
                json!({"amount": payment.amount.to_string(), "method": "wire", "reference": payment.reference, "unapplied": payment.unapplied().to_string()}),
            )],
            ..Default::default()
        };
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
                Some(acc.id),
                None,
                json!({"payment_id": payment.id.0, "amount": applied, "balance": inv.balance().to_string()}),
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

    /// Applies account credit (an overpayment, a payment on account, a memo issued on account)
    /// to an invoice of the same account.
    pub async fn plan_apply_credit(
        &self,
        ctx: &Ctx,
        source: CreditSource,
        invoice: InvoiceId,
        amount: Money,
    ) -> Result<Planned<Versioned<Invoice>>> {
        let mut inv = self.load::<Invoice>(ctx, invoice.0).await?;
        let now = self.clock.now();
        let actor = ctx.principal.actor();
        let mut commit = Commit::default();
        let label = match source {
            CreditSource::Payment(id) => {
                let mut p = self.load_ref::<Payment>(ctx, id.0, "source_id").await?;
                p.value.apply_more(&mut inv.value, amount, now)?;
                commit.docs.push(write(&p.value, WriteMode::Update(p.version))?);
                format!(
                    "payment {}",
                    p.value.reference.clone().unwrap_or_else(|| id.0.to_string())
                )
            }
            CreditSource::CreditMemo(id) => {
                let mut m = self.load_ref::<CreditMemo>(ctx, id.0, "source_id").await?;
                m.value.apply_more(&mut inv.value, amount, now)?;
                commit.docs.push(write(&m.value, WriteMode::Update(m.version))?);
                format!("credit memo {}", m.value.number)
            }
        };
        commit.docs.push(write(&inv.value, WriteMode::Update(inv.version))?);
        commit.events.push(event(
            &actor,
            now,
            "invoice.credit_applied",
            "invoice",
            inv.value.id.0,
            Some(inv.value.account_id),
            Some(format!("account credit from {label}")),
            json!({"amount": amount.to_string(), "balance": inv.value.balance().to_string(), "from": label}),
        ));
        inv.version += 1;
        Ok(Planned { value: inv, commit })
    }
}

#[derive(Debug, Clone, Copy)]
pub enum CreditSource {
    Payment(PaymentId),
    CreditMemo(CreditMemoId),
}

/// A receipt applied or queued once: its key is unique, so an overlapping statement imported
/// later skips it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ReceiptSeen {
    id: Uuid,
    key: String,
    import_id: BankImportId,
}

impl Doc for ReceiptSeen {
    const KIND: &'static str = "bank_receipt";
    const WHAT: &'static str = "receipt";
    fn doc_id(&self) -> Uuid {
        self.id
    }
    fn account(&self) -> Option<AccountId> {
        None
    }
    fn number(&self) -> Option<String> {
        Some(self.key.clone())
    }
    fn visible_to(&self, p: &crate::Principal) -> bool {
        p.is_seller()
    }
}

/// What identifies a receipt across statements: the bank account, the bank's reference (or the
/// payer's end-to-end id), amount and booking date — and the line, when the bank gives neither
/// reference (then only the same file repeats it, which the file hash already catches).
fn entry_key(account: Option<&str>, e: &BankEntry) -> String {
    let reference = e.bank_reference.as_deref();
    let base = format!(
        "{}|{}|{}|{}|{}|{}",
        account.unwrap_or("-"),
        reference.unwrap_or("-"),
        e.end_to_end_id.as_deref().unwrap_or("-"),
        e.amount.minor(),
        e.amount.currency().code(),
        e.booked_on
    );
    let base = if e.end_to_end_id.is_none() {
        format!("{base}|line{}", e.line)
    } else {
        base
    };
    hex::encode(Sha256::digest(base.as_bytes()))
}
