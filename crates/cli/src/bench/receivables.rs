//! `aftercart bench receivables`: cash application and aging at scale, in process (no server).
//!
//! **Cash application** (`--cash-db`, a fresh database: the import pays its invoices): a book of
//! `--book` open invoices over `--accounts` accounts is seeded in bulk, then one bank statement
//! of `--entries` credit entries (camt.053 by default, `--format csv`) is generated whose
//! receipts match the invoices by structured remittance reference (ISO 11649 RF), by an RF
//! reference in the free text, by invoice numbers in the text (one or two invoices of one
//! account), by exact amount, by reference for part of the balance, and some that match
//! nothing. Timed: `App::import_bank_statement` end to end (parse, open book, matching, one
//! commit); the same file imported again (refused as imported already: parse + SHA-256 + one
//! lookup, i.e. the parse); the pure matching (`Book::new` over the candidates, then
//! `Book::apply` per receipt) on the same data; the open-book scan paged to the end (what the
//! import reads when it reads every open invoice); and 10,000 single receipt-key lookups (the
//! import's per-entry de-duplication check).
//!
//! **Aging** (`--aging-db`, reused when it already holds the invoices): `--aging-invoices`
//! unpaid invoices over `--aging-accounts` accounts, seeded in bulk once (a rerun on the same
//! database skips the seeding). Timed: `App::book_aging` (twice); the unpaid scan it does,
//! paged to the end, split into store reads, JSON decoding of each invoice and the sums; the
//! same scan decoding only the fields aging needs; the DSO's sales scan; and the pure
//! `Aging::add` loop over as many in-memory values.
//!
//! Invoices are written as the app writes them (`docs::write`: kind `invoice`, the account,
//! the number, status `unpaid`, `at` = the due date, the `Invoice` as JSON) in commits of
//! `--batch` documents without outbox jobs; they have lines but no orders behind them, so they
//! serve matching and aging, not invoice matching. Accounts are created through
//! `App::plan_create_account`. Loopback databases only; bounded by the counts' ceilings.

use super::client::check_db_loopback;
use super::mix;
use aftercart_app::{App, Ctx, NewAccount, NewLocation, SystemClock};
use aftercart_domain::account::{LocationKind, PaymentTerms};
use aftercart_domain::ids::{AccountId, InvoiceId, OrderId};
use aftercart_domain::invoice::{Application, Invoice, InvoiceLine, SettlementSource};
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::quantity::Qty;
use aftercart_domain::receivables::aging::Aging;
use aftercart_domain::receivables::cash::{Book, Candidate, Outcome, Receipt};
use aftercart_domain::receivables::remittance::{grouped, rf_reference};
use aftercart_store::{Commit, DocWrite, ListQuery, Store, WriteMode};
use serde::Deserialize;
use serde_json::json;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

const MAX_ENTRIES: usize = 100_000;
const MAX_BOOK: usize = 2_000_000;
const MAX_AGING: usize = 5_000_000;
/// The store's largest page (both backends clamp a list's limit to this).
const PAGE: u32 = 1000;
/// Commits being written at once while the next batch is encoded.
const IN_FLIGHT: usize = 2;

#[derive(clap::Args)]
pub struct ReceivablesArgs {
    /// Database for cash application: a fresh one (`sqlite:path` or `postgres://…` on loopback).
    #[arg(long)]
    cash_db: Option<String>,
    /// Database for aging: seeded once with `--aging-invoices` unpaid invoices, reused after.
    #[arg(long)]
    aging_db: Option<String>,
    /// Credit entries in the bank statement (1 to 100,000).
    #[arg(long, default_value_t = 10_000)]
    entries: usize,
    /// Open invoices in the cash book (1 to 2,000,000).
    #[arg(long, default_value_t = 20_000)]
    book: usize,
    /// Accounts the cash book's invoices belong to.
    #[arg(long, default_value_t = 200)]
    accounts: usize,
    /// The statement's format: camt (camt.053.001.08) or csv.
    #[arg(long, default_value = "camt")]
    format: String,
    /// Unpaid invoices in the aging database (1 to 5,000,000).
    #[arg(long, default_value_t = 1_000_000)]
    aging_invoices: usize,
    /// Accounts the aging invoices belong to.
    #[arg(long, default_value_t = 1_000)]
    aging_accounts: usize,
    /// Invoice documents per seeding commit.
    #[arg(long, default_value_t = 2_000)]
    batch: usize,
    /// Only seed the aging database (when it is empty) and stop: on PostgreSQL, run `ANALYZE`
    /// before timing a freshly seeded database (the bench script does), as autovacuum would.
    #[arg(long)]
    seed_only: bool,
}

fn usd() -> Currency {
    Currency::parse("USD", "currency").expect("USD is a currency")
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn per_s(n: usize, s: f64) -> f64 {
    if s > 0.0 { n as f64 / s } else { 0.0 }
}

fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

async fn open(url: &str) -> Result<Store, String> {
    check_db_loopback(url)?;
    let store = Store::open(url)
        .await
        .map_err(|e| format!("cannot open database {url}: {e}"))?;
    store.migrate().await.map_err(|e| format!("migrating {url}: {e}"))?;
    Ok(store)
}

/// `n` accounts numbered `{prefix}-00001…`, created through the app in commits of 500.
async fn seed_accounts(app: &App, prefix: &str, n: usize) -> Result<Vec<AccountId>, String> {
    let ctx = Ctx::system();
    let usd = usd();
    let mut ids = Vec::with_capacity(n);
    let mut commits = Vec::new();
    for k in 0..n {
        let input = NewAccount {
            number: Some(format!("{prefix}-{:05}", k + 1)),
            name: format!("Bench receivables customer {}", k + 1),
            currency: usd,
            terms: PaymentTerms { net_days: 30 },
            credit_limit: Money::zero(usd),
            locations: vec![NewLocation {
                kind: LocationKind::BillTo,
                name: "Accounts payable".into(),
                address: format!("{} Main Street", 100 + k),
                city: "Austin".into(),
                postcode: "78701".into(),
                country: "US".into(),
            }],
        };
        let mut p = app
            .plan_create_account(&ctx, &input)
            .await
            .map_err(|e| format!("planning account {}: {e}", k + 1))?;
        p.commit.no_outbox = true;
        ids.push(p.value.value.id);
        commits.push(p.commit);
        if commits.len() == 500 || k + 1 == n {
            app.store
                .commit_all(std::mem::take(&mut commits))
                .await
                .map_err(|e| format!("committing accounts: {e}"))?;
        }
    }
    Ok(ids)
}

/// The i-th seeded invoice: five lines (about 1.4 KB of JSON, as the demo's invoices average)
/// totalling 100.00 + 0.03 × i (every total distinct, so
/// an exact amount names one invoice), issued 0–209 days ago on net 30 (every aging bucket),
/// of account `accounts[(i / 4) % len]` (four invoices in a row share an account). With
/// `partial`, one invoice in ten has 30 % paid already.
fn invoice(
    i: usize,
    number: String,
    accounts: &[AccountId],
    today: Date,
    recorded: OffsetDateTime,
    partial: bool,
) -> Invoice {
    let usd = usd();
    let h = mix(i as u64);
    let total = 10_000 + 3 * i as i64;
    let issued_on = today - Duration::days((h % 210) as i64);
    let order = OrderId(Uuid::from_u64_pair(0xBE4C_0000_0000_0000 | (i as u64 >> 16), i as u64));
    let line = |no: u32, qty: u32, cents: i64| InvoiceLine {
        no,
        order_id: order,
        order_line: no,
        shipment_id: None,
        sku: format!("BENCH-P{no:02}"),
        description: format!("Bench product {no}, case of 12"),
        quantity: Qty::new(qty),
        unit_price: Money::from_minor(cents, usd),
        tax_rate_bp: None,
    };
    let id = InvoiceId(Uuid::now_v7());
    let applications = if partial && h.is_multiple_of(10) {
        vec![Application {
            source: SettlementSource::Payment(aftercart_domain::ids::PaymentId(Uuid::now_v7())),
            amount: Money::from_minor(total * 3 / 10, usd),
            at: recorded,
        }]
    } else {
        Vec::new()
    };
    Invoice {
        id,
        number,
        account_id: accounts[(i / 4) % accounts.len()],
        currency: usd,
        issued_on,
        due_on: issued_on + Duration::days(30),
        lines: vec![
            line(1, 1, total - 3_500),
            line(2, 2, 500),
            line(3, 1, 1_000),
            line(4, 3, 200),
            line(5, 1, 900),
        ],
        tax: Money::zero(usd),
        freight: Money::zero(usd),
        freight_tax_rate_bp: None,
        applications,
        recorded_at: recorded,
        replaced_by: None,
    }
}

/// What `docs::write` makes of an invoice.
fn invoice_doc(inv: &Invoice) -> Result<DocWrite, String> {
    Ok(DocWrite {
        id: inv.id.0,
        kind: "invoice",
        account_id: Some(inv.account_id.0),
        number: Some(inv.number.clone()),
        status: Some(if inv.balance().is_positive() { "unpaid" } else { "paid" }.into()),
        at: inv.due_on.midnight().assume_utc(),
        mode: WriteMode::Insert,
        data: serde_json::to_string(inv).map_err(|e| e.to_string())?,
    })
}

/// Seeds `n` invoices (numbered by `number(i)`), `batch` per commit, `IN_FLIGHT` commits being
/// written while the next is encoded. Returns the invoices when `keep` (the cash book).
async fn seed_invoices(
    store: &Store,
    n: usize,
    batch: usize,
    accounts: &[AccountId],
    number: impl Fn(usize) -> String,
    partial: bool,
    keep: bool,
) -> Result<Vec<Invoice>, String> {
    let now = OffsetDateTime::now_utc();
    let today = now.date();
    let t0 = Instant::now();
    let mut last = Instant::now();
    let mut kept = Vec::new();
    let mut inflight = VecDeque::new();
    let mut done = 0usize;
    let mut start = 0;
    while start < n {
        let end = (start + batch).min(n);
        let mut docs = Vec::with_capacity(end - start);
        for i in start..end {
            let inv = invoice(i, number(i), accounts, today, now, partial);
            docs.push(invoice_doc(&inv)?);
            if keep {
                kept.push(inv);
            }
        }
        let store = store.clone();
        let c = Commit {
            docs,
            no_outbox: true,
            ..Commit::default()
        };
        let k = end - start;
        inflight.push_back(tokio::spawn(async move { store.commit(c).await.map(|()| k) }));
        while inflight.len() > IN_FLIGHT {
            if let Some(h) = inflight.pop_front() {
                done += h
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| format!("committing invoices: {e}"))?;
            }
        }
        if last.elapsed().as_secs() >= 10 {
            last = Instant::now();
            let s = secs(t0);
            eprintln!("  {done} / {n} invoices, {s:.0} s, {:.0} invoices/s", per_s(done, s));
        }
        start = end;
    }
    for h in inflight {
        done += h
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("committing invoices: {e}"))?;
    }
    let s = secs(t0);
    eprintln!("seeded {done} invoices in {s:.1} s: {:.0} invoices/s", per_s(done, s));
    Ok(kept)
}

// ---------------------------------------------------------------------------------------------
// The bank statement.
// ---------------------------------------------------------------------------------------------

/// How a generated receipt is meant to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Kind {
    /// Structured RF reference, the full balance.
    Structured,
    /// An RF reference in the text, grouped in fours, the full balance.
    ReferenceInText,
    /// One invoice number in the text, the full balance.
    OneNumber,
    /// Two invoice numbers of one account in the text, their sum.
    TwoNumbers,
    /// No reference or number; the amount is exactly one open invoice's.
    ExactAmount,
    /// Structured reference, half the balance.
    Partial,
    /// Nothing that names an invoice, an amount no invoice owes.
    Unmatched,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Structured => "structured_reference",
            Kind::ReferenceInText => "reference_in_text",
            Kind::OneNumber => "one_invoice_number",
            Kind::TwoNumbers => "two_invoice_numbers",
            Kind::ExactAmount => "exact_amount",
            Kind::Partial => "partial_by_reference",
            Kind::Unmatched => "unmatched",
        }
    }
}

/// Per 20 receipts: 8 structured references, 2 references in the text, 3 one invoice number,
/// 1 two invoice numbers, 3 exact amounts, 1 partial, 2 unmatched.
const PATTERN: [Kind; 20] = [
    Kind::Structured,
    Kind::OneNumber,
    Kind::Structured,
    Kind::ExactAmount,
    Kind::Structured,
    Kind::ReferenceInText,
    Kind::Unmatched,
    Kind::Structured,
    Kind::OneNumber,
    Kind::Structured,
    Kind::TwoNumbers,
    Kind::ExactAmount,
    Kind::Structured,
    Kind::Partial,
    Kind::ReferenceInText,
    Kind::Structured,
    Kind::OneNumber,
    Kind::Unmatched,
    Kind::ExactAmount,
    Kind::Structured,
];

struct Entry {
    kind: Kind,
    minor: i64,
    structured: Option<String>,
    text: String,
    payer: String,
    /// How many invoices the receipt is meant to touch.
    invoices: usize,
}

/// About half of `balance`, leaving a remainder no full invoice total equals (totals are
/// 1 modulo 3, the remainder is not), so exact-amount receipts still name one invoice each.
fn part_payment(balance: i64) -> i64 {
    let mut rest = balance / 2;
    while rest % 3 == 1 {
        rest -= 1;
    }
    balance - rest
}

fn amount_text(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// The receipts: each matching kind takes the next unused invoice(s); when the book runs out,
/// the rest are unmatched.
fn entries(book: &[Invoice], n: usize) -> Vec<Entry> {
    let mut next = 0usize;
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let mut kind = PATTERN[k % PATTERN.len()];
        let need = if kind == Kind::TwoNumbers { 2 } else { 1 };
        if kind != Kind::Unmatched
            && (next + need > book.len() || (need == 2 && book[next].account_id != book[next + 1].account_id))
        {
            // Two invoices of one account are not next to each other here: name one.
            kind = if need == 2 && next < book.len() {
                Kind::OneNumber
            } else {
                Kind::Unmatched
            };
        }
        let payer = format!("Bench customer {}", k % 997);
        let e = match kind {
            Kind::Unmatched => Entry {
                kind,
                // Below every balance (the smallest half-paid one is 50.00).
                minor: 100 + (k as i64 * 7) % 4_800,
                structured: None,
                text: "PAYMENT BATCH ACME TREASURY".to_owned(),
                payer,
                invoices: 0,
            },
            Kind::TwoNumbers => {
                let (a, b) = (&book[next], &book[next + 1]);
                next += 2;
                Entry {
                    kind,
                    minor: a.balance().minor() + b.balance().minor(),
                    structured: None,
                    text: format!("Invoices {} and {}", a.number, b.number),
                    payer,
                    invoices: 2,
                }
            }
            _ => {
                let inv = &book[next];
                next += 1;
                let rf = rf_reference(&inv.number).unwrap_or_default();
                let balance = inv.balance().minor();
                let (minor, structured, text) = match kind {
                    Kind::Structured => (balance, Some(rf), "Thank you".to_owned()),
                    Kind::Partial => (part_payment(balance), Some(rf), "Part payment".to_owned()),
                    Kind::ReferenceInText => (balance, None, format!("Ref {} november", grouped(&rf))),
                    Kind::OneNumber => (balance, None, format!("Payment for invoice {}", inv.number)),
                    _ => (balance, None, "Monthly supplies".to_owned()),
                };
                Entry {
                    kind,
                    minor,
                    structured,
                    text,
                    payer,
                    invoices: 1,
                }
            }
        };
        out.push(e);
    }
    out
}

fn camt(entries: &[Entry], tag: &str, booked: Date) -> String {
    let mut x = String::with_capacity(entries.len() * 700 + 1_000);
    x.push_str(&format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
<BkToCstmrStmt><GrpHdr><MsgId>BENCH-{tag}</MsgId><CreDtTm>{booked}T22:00:00Z</CreDtTm></GrpHdr>
<Stmt><Id>BENCH-{tag}-{booked}</Id><Acct><Id><Othr><Id>BENCH-US-0001</Id></Othr></Id><Ccy>USD</Ccy></Acct>
"#
    ));
    for (i, e) in entries.iter().enumerate() {
        let strd = e
            .structured
            .as_ref()
            .map(|r| {
                format!(
                    "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{r}</Ref></CdtrRefInf></Strd>"
                )
            })
            .unwrap_or_default();
        x.push_str(&format!(
            "<Ntry><Amt Ccy=\"USD\">{amt}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>\n\
<BookgDt><Dt>{booked}</Dt></BookgDt><ValDt><Dt>{booked}</Dt></ValDt><AcctSvcrRef>{tag}-{i:06}</AcctSvcrRef>\n\
<NtryDtls><TxDtls><Refs><AcctSvcrRef>{tag}-{i:06}-1</AcctSvcrRef><EndToEndId>E2E-{tag}-{i:06}</EndToEndId></Refs>\
<Amt Ccy=\"USD\">{amt}</Amt><CdtDbtInd>CRDT</CdtDbtInd>\n\
<RltdPties><Dbtr><Pty><Nm>{payer}</Nm></Pty></Dbtr></RltdPties>\n\
<RmtInf><Ustrd>{text}</Ustrd>{strd}</RmtInf></TxDtls></NtryDtls></Ntry>\n",
            amt = amount_text(e.minor),
            payer = e.payer,
            text = e.text,
        ));
    }
    x.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    x
}

fn csv(entries: &[Entry], tag: &str, booked: Date) -> String {
    let mut x = String::from("Booking date,Amount,Currency,Reference,Details,Payer,Bank reference\n");
    for (i, e) in entries.iter().enumerate() {
        x.push_str(&format!(
            "{booked},{},USD,{},{},{},{tag}-{i:06}\n",
            amount_text(e.minor),
            e.structured.as_deref().unwrap_or(""),
            e.text,
            e.payer
        ));
    }
    x
}

/// What the import reads as its candidates: every unpaid invoice, paged to the end.
async fn scan_open_book(store: &Store) -> Result<(usize, f64), String> {
    let t = Instant::now();
    let mut n = 0;
    let mut before = None;
    loop {
        let rows = store
            .list(ListQuery {
                kind: "invoice",
                status: Some("unpaid".into()),
                before,
                limit: PAGE,
                ..ListQuery::default()
            })
            .await
            .map_err(|e| e.to_string())?;
        before = rows.last().map(|r| r.id);
        for r in &rows {
            let inv: Invoice = serde_json::from_str(&r.data).map_err(|e| e.to_string())?;
            if inv.balance().is_positive() && inv.replaced_by.is_none() {
                let _ = std::hint::black_box(rf_reference(&inv.number));
                n += 1;
            }
        }
        if rows.len() < PAGE as usize {
            return Ok((n, secs(t)));
        }
    }
}

async fn cash(a: &ReceivablesArgs, url: &str) -> Result<serde_json::Value, String> {
    let store = open(url).await?;
    let existing = store.count("invoice").await.map_err(|e| e.to_string())?;
    if existing > 0 {
        return Err(format!(
            "--cash-db {url} has {existing} invoices already: give a fresh database (the import pays its invoices)"
        ));
    }
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let ctx = Ctx::system();
    let tag = super::run_tag();
    eprintln!(
        "cash application on {}: {} open invoices over {} accounts, a {}-entry {} statement",
        store.backend(),
        a.book,
        a.accounts,
        a.entries,
        a.format
    );
    let t = Instant::now();
    let accounts = seed_accounts(&app, "BENCH-CA", a.accounts).await?;
    let accounts_s = secs(t);
    let t = Instant::now();
    let book = seed_invoices(
        &store,
        a.book,
        a.batch,
        &accounts,
        |i| format!("INV-B{:07}", i + 1),
        false,
        true,
    )
    .await?;
    let seed_s = secs(t);

    let today = OffsetDateTime::now_utc().date();
    let entries = entries(&book, a.entries);
    let file = if a.format == "csv" {
        csv(&entries, &tag, today)
    } else {
        camt(&entries, &tag, today)
    };
    let mut by_kind: HashMap<Kind, usize> = HashMap::new();
    for e in &entries {
        *by_kind.entry(e.kind).or_default() += 1;
    }
    let expected_applied = entries.iter().filter(|e| e.kind != Kind::Unmatched).count();
    let expected_invoices: usize = entries.iter().map(|e| e.invoices).sum();
    eprintln!(
        "statement: {} entries, {:.1} MB ({}); {} meant to apply (to {} invoices), {} to match nothing",
        entries.len(),
        file.len() as f64 / 1e6,
        PATTERN
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter_map(|k| by_kind.get(&k).map(|n| format!("{} {n}", k.as_str())))
            .collect::<Vec<_>>()
            .join(", "),
        expected_applied,
        expected_invoices,
        entries.len() - expected_applied
    );

    // The pure matching, on the same candidates the import builds and the same receipts.
    let candidates: Vec<Candidate> = book
        .iter()
        .map(|inv| Candidate {
            invoice_id: inv.id,
            account_id: inv.account_id,
            remittance_reference: rf_reference(&inv.number).unwrap_or_default(),
            balance: inv.balance(),
            due_on: inv.due_on,
            number: inv.number.clone(),
        })
        .collect();
    let receipts: Vec<Receipt> = entries
        .iter()
        .map(|e| Receipt {
            amount: Money::from_minor(e.minor, usd()),
            structured_reference: e.structured.clone(),
            text: vec![e.text.clone()],
            payer_name: Some(e.payer.clone()),
        })
        .collect();
    let t = Instant::now();
    let mut pure_book = Book::new(candidates);
    let book_new_s = secs(t);
    let t = Instant::now();
    let mut pure_applied = 0;
    for r in &receipts {
        if let Outcome::Apply { .. } = pure_book.apply(r) {
            pure_applied += 1;
        }
    }
    let apply_s = secs(t);
    eprintln!(
        "pure matching: Book::new over {} candidates {:.1} ms; {} receipts applied in {:.1} ms ({:.0} receipts/s): {pure_applied} applied, {} unapplied",
        book.len(),
        book_new_s * 1e3,
        receipts.len(),
        apply_s * 1e3,
        per_s(receipts.len(), apply_s),
        receipts.len() - pure_applied
    );

    // What the import reads when it reads the whole open book, and its per-entry key lookups.
    let (open_n, open_s) = scan_open_book(&store).await?;
    eprintln!(
        "open book paged to the end (list unpaid, decode each invoice, its RF reference): {open_n} invoices in {:.1} ms ({:.0} invoices/s)",
        open_s * 1e3,
        per_s(open_n, open_s)
    );
    let lookups = entries.len().min(10_000);
    let t = Instant::now();
    for k in 0..lookups {
        let key = format!("{:064x}", mix(k as u64) as u128 * 0x1_0000_0001);
        let _ = store.by_number("bank_receipt", &key).await.map_err(|e| e.to_string())?;
    }
    let lookup_s = secs(t);
    eprintln!(
        "{lookups} receipt-key lookups one by one (the import's de-duplication check per entry): {:.1} ms ({:.1} µs each)",
        lookup_s * 1e3,
        lookup_s * 1e6 / lookups as f64
    );

    // End to end.
    let load1 = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let t = Instant::now();
    let imp = app
        .import_bank_statement(&ctx, file.as_bytes(), Some("bench-statement"))
        .await
        .map_err(|e| format!("importing the statement: {e}"))?
        .value;
    let import_s = secs(t);
    let applied = imp.applied.len();
    let unapplied = imp.unapplied.len();
    let applied_invoices: usize = imp.applied.iter().map(|r| r.invoices.len()).sum();
    let mut rules: HashMap<String, usize> = HashMap::new();
    for r in &imp.applied {
        *rules.entry(r.rule.clone()).or_default() += 1;
    }
    let mut rules: Vec<(String, usize)> = rules.into_iter().collect();
    rules.sort();
    eprintln!(
        "import_bank_statement ({}): {} entries in {:.2} s = {:.0} entries/s; applied {applied} (to {applied_invoices} invoices; {}), unapplied {unapplied}, duplicates {} (load1 before: {})",
        store.backend(),
        imp.entries,
        import_s,
        per_s(imp.entries, import_s),
        rules
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        imp.duplicates,
        load1.split_whitespace().next().unwrap_or("?")
    );
    if applied != expected_applied {
        eprintln!(
            "  NOTE: {expected_applied} receipts were meant to apply and the pure matching applied {pure_applied}; the import applied {applied}"
        );
    }
    let t = Instant::now();
    let again = app
        .import_bank_statement(&ctx, file.as_bytes(), Some("bench-statement"))
        .await;
    let reimport_s = secs(t);
    let refused = again.is_err();
    eprintln!(
        "the same file again ({}): {:.1} ms (parse + SHA-256 + one lookup)",
        if refused { "refused as imported" } else { "NOT refused" },
        reimport_s * 1e3
    );
    let paid = store.count("payment").await.map_err(|e| e.to_string())?;
    let queued = store.count("unapplied_receipt").await.map_err(|e| e.to_string())?;
    Ok(json!({
        "backend": store.backend(), "format": a.format, "entries": imp.entries, "bytes": file.len(),
        "book": a.book, "accounts": a.accounts,
        "seed_accounts_s": r3(accounts_s), "seed_invoices_s": r3(seed_s),
        "import_s": r3(import_s), "entries_per_s": per_s(imp.entries, import_s).round(),
        "applied": applied, "applied_invoices": applied_invoices, "unapplied": unapplied, "duplicates": imp.duplicates,
        "expected_applied": expected_applied, "expected_invoices": expected_invoices,
        "rules": rules.iter().map(|(r, n)| json!([r, n])).collect::<Vec<_>>(),
        "payments_stored": paid, "unapplied_stored": queued,
        "reimport_refused": refused, "reimport_ms": r1(reimport_s * 1e3),
        "pure_book_new_ms": r1(book_new_s * 1e3), "pure_apply_ms": r1(apply_s * 1e3), "pure_applied": pure_applied,
        "open_book_full_ms": r1(open_s * 1e3), "open_book_full_invoices": open_n,
        "key_lookups": lookups, "key_lookups_ms": r1(lookup_s * 1e3),
    }))
}

// ---------------------------------------------------------------------------------------------
// Aging.
// ---------------------------------------------------------------------------------------------

/// Only what aging reads from an invoice (serde skips the rest of the JSON).
#[derive(Deserialize)]
struct LeanInvoice {
    account_id: AccountId,
    currency: Currency,
    due_on: Date,
    lines: Vec<LeanLine>,
    tax: Money,
    freight: Money,
    applications: Vec<LeanApplication>,
}

#[derive(Deserialize)]
struct LeanLine {
    quantity: Qty,
    unit_price: Money,
}

#[derive(Deserialize)]
struct LeanApplication {
    amount: Money,
}

impl LeanInvoice {
    fn balance(&self) -> Money {
        let goods: i64 = self
            .lines
            .iter()
            .map(|l| l.unit_price.minor() * i64::from(l.quantity.get()))
            .sum();
        let paid: i64 = self.applications.iter().map(|a| a.amount.minor()).sum();
        Money::from_minor(goods + self.tax.minor() + self.freight.minor() - paid, self.currency)
    }
}

#[derive(Default)]
struct Split {
    rows: usize,
    bytes: usize,
    store_s: f64,
    decode_s: f64,
    sum_s: f64,
}

/// The unpaid scan of `book_aging`, paged to the end, with its time split three ways.
async fn aging_scan(store: &Store, today: Date, lean: bool) -> Result<(Split, Aging, usize), String> {
    let mut s = Split::default();
    let mut per: HashMap<AccountId, Aging> = HashMap::new();
    let mut total = Aging::new(usd());
    let mut before = None;
    loop {
        let t = Instant::now();
        let rows = store
            .list(ListQuery {
                kind: "invoice",
                status: Some("unpaid".into()),
                before,
                limit: PAGE,
                ..ListQuery::default()
            })
            .await
            .map_err(|e| e.to_string())?;
        s.store_s += secs(t);
        before = rows.last().map(|r| r.id);
        s.rows += rows.len();
        s.bytes += rows.iter().map(|r| r.data.len()).sum::<usize>();
        let t = Instant::now();
        let decoded: Vec<(AccountId, Money, Date)> = if lean {
            rows.iter()
                .map(|r| {
                    serde_json::from_str::<LeanInvoice>(&r.data)
                        .map(|i| (i.account_id, i.balance(), i.due_on))
                        .map_err(|e| e.to_string())
                })
                .collect::<Result<_, _>>()?
        } else {
            rows.iter()
                .map(|r| {
                    serde_json::from_str::<Invoice>(&r.data)
                        .map(|i| (i.account_id, i.balance(), i.due_on))
                        .map_err(|e| e.to_string())
                })
                .collect::<Result<_, _>>()?
        };
        s.decode_s += secs(t);
        let t = Instant::now();
        for (account, balance, due) in decoded {
            per.entry(account)
                .or_insert_with(|| Aging::new(balance.currency()))
                .add(balance, due, today);
            total.add(balance, due, today);
        }
        s.sum_s += secs(t);
        if rows.len() < PAGE as usize {
            return Ok((s, total, per.len()));
        }
    }
}

/// The DSO's sales scan of `book_aging` (invoices due from 90 days ago to a year after), paged
/// to the end.
async fn sales_scan(store: &Store, today: Date) -> Result<(usize, f64), String> {
    let t = Instant::now();
    let from = (today - Duration::days(90)).midnight().assume_utc();
    let mut n = 0;
    let mut before = None;
    loop {
        let rows = store
            .list(ListQuery {
                kind: "invoice",
                from: Some(from),
                to: Some(from + Duration::days(455)),
                before,
                limit: PAGE,
                ..ListQuery::default()
            })
            .await
            .map_err(|e| e.to_string())?;
        before = rows.last().map(|r| r.id);
        for r in &rows {
            let inv: Invoice = serde_json::from_str(&r.data).map_err(|e| e.to_string())?;
            std::hint::black_box(inv.total());
            n += 1;
        }
        if rows.len() < PAGE as usize {
            return Ok((n, secs(t)));
        }
    }
}

async fn aging(a: &ReceivablesArgs, url: &str) -> Result<serde_json::Value, String> {
    let store = open(url).await?;
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let ctx = Ctx::system();
    let existing = store.count("invoice").await.map_err(|e| e.to_string())? as usize;
    let mut seeded = None;
    if existing == 0 {
        eprintln!(
            "aging on {}: seeding {} unpaid invoices over {} accounts (one in ten 30 % paid)",
            store.backend(),
            a.aging_invoices,
            a.aging_accounts
        );
        let t = Instant::now();
        let accounts = seed_accounts(&app, "BENCH-AR", a.aging_accounts).await?;
        seed_invoices(
            &store,
            a.aging_invoices,
            a.batch,
            &accounts,
            |i| format!("INV-A{:08}", i + 1),
            true,
            false,
        )
        .await?;
        seeded = Some(secs(t));
    } else if existing >= a.aging_invoices {
        eprintln!(
            "aging on {}: reusing the {existing} invoices of {url} (not seeded again)",
            store.backend()
        );
    } else {
        return Err(format!(
            "--aging-db {url} has {existing} invoices, fewer than --aging-invoices {}: give a fresh database or a smaller count",
            a.aging_invoices
        ));
    }
    let invoices = store.count("invoice").await.map_err(|e| e.to_string())? as usize;
    if a.seed_only {
        return Ok(json!({"backend": store.backend(), "invoices": invoices, "seed_s": seeded.map(r1)}));
    }
    let today = OffsetDateTime::now_utc().date();

    let mut runs = Vec::new();
    let mut counted = 0;
    for k in 0..2 {
        let t = Instant::now();
        let b = app.book_aging(&ctx).await.map_err(|e| format!("book_aging: {e}"))?;
        let s = secs(t);
        counted = b.total.invoices as usize;
        eprintln!(
            "App::book_aging run {}: {:.2} s; it aged {} invoices (total {}, overdue {}) over {} accounts, DSO {}",
            k + 1,
            s,
            b.total.invoices,
            b.total.total,
            b.total.overdue(),
            b.accounts.len(),
            b.dso_tenths
                .map_or("—".to_owned(), |d| format!("{:.1} days", d as f64 / 10.0))
        );
        runs.push(s);
    }
    if counted < invoices {
        eprintln!("  NOTE: the database holds {invoices} unpaid invoices; book_aging aged {counted} of them");
    }

    let (full, total, per_accounts) = aging_scan(&store, today, false).await?;
    let full_s = full.store_s + full.decode_s + full.sum_s;
    eprintln!(
        "unpaid scan paged to the end, full decode: {} invoices ({:.0} MB of JSON) in {:.2} s = {:.0} invoices/s: store reads {:.2} s, JSON decode {:.2} s, sums {:.3} s; total {}, {} accounts",
        full.rows,
        full.bytes as f64 / 1e6,
        full_s,
        per_s(full.rows, full_s),
        full.store_s,
        full.decode_s,
        full.sum_s,
        total.total,
        per_accounts
    );
    let (lean, lean_total, _) = aging_scan(&store, today, true).await?;
    let lean_s = lean.store_s + lean.decode_s + lean.sum_s;
    eprintln!(
        "the same, decoding only what aging needs: {:.2} s = {:.0} invoices/s: store reads {:.2} s, decode {:.2} s, sums {:.3} s (same total: {})",
        lean_s,
        per_s(lean.rows, lean_s),
        lean.store_s,
        lean.decode_s,
        lean.sum_s,
        lean_total == total
    );
    let (sales_n, sales_s) = sales_scan(&store, today).await?;
    eprintln!(
        "DSO sales scan paged to the end (due-date range, full decode): {sales_n} invoices in {:.2} s = {:.0} invoices/s",
        sales_s,
        per_s(sales_n, sales_s)
    );

    // The pure accumulator over as many values, from memory.
    let usd = usd();
    let values: Vec<(AccountId, Money, Date)> = (0..invoices)
        .map(|i| {
            let h = mix(i as u64);
            (
                AccountId(Uuid::from_u64_pair(0, (i / 4 % a.aging_accounts.max(1)) as u64)),
                Money::from_minor(10_000 + 3 * i as i64, usd),
                today - Duration::days((h % 210) as i64 - 30),
            )
        })
        .collect();
    let t = Instant::now();
    let mut pure = Aging::new(usd);
    for (_, m, d) in &values {
        pure.add(*m, *d, today);
    }
    std::hint::black_box(&pure);
    let pure_s = secs(t);
    let t = Instant::now();
    let mut per: HashMap<AccountId, Aging> = HashMap::new();
    for (acc, m, d) in &values {
        per.entry(*acc).or_insert_with(|| Aging::new(usd)).add(*m, *d, today);
    }
    std::hint::black_box(&per);
    let pure_per_s = secs(t);
    eprintln!(
        "pure Aging::add over {} values: {:.1} ms ({:.0} M/s); with a per-account map: {:.1} ms",
        values.len(),
        pure_s * 1e3,
        per_s(values.len(), pure_s) / 1e6,
        pure_per_s * 1e3
    );
    Ok(json!({
        "backend": store.backend(), "invoices": invoices, "seed_s": seeded.map(r1),
        "book_aging_s": runs.iter().map(|s| r3(*s)).collect::<Vec<_>>(), "book_aging_counted": counted,
        "scan_s": r3(full_s), "scan_invoices_per_s": per_s(full.rows, full_s).round(), "scan_store_s": r3(full.store_s),
        "scan_decode_s": r3(full.decode_s), "scan_sum_s": r3(full.sum_s), "scan_mb": r1(full.bytes as f64 / 1e6),
        "lean_scan_s": r3(lean_s), "lean_decode_s": r3(lean.decode_s),
        "sales_scan_s": r3(sales_s), "sales_scan_invoices": sales_n,
        "pure_add_ms": r1(pure_s * 1e3), "pure_add_per_account_ms": r1(pure_per_s * 1e3),
    }))
}

pub async fn run(a: ReceivablesArgs) -> Result<(), String> {
    if a.cash_db.is_none() && a.aging_db.is_none() {
        return Err("give --cash-db (cash application), --aging-db (aging) or both".into());
    }
    if !(1..=MAX_ENTRIES).contains(&a.entries) {
        return Err(format!("--entries must be 1 to {MAX_ENTRIES}"));
    }
    if !(1..=MAX_BOOK).contains(&a.book) {
        return Err(format!("--book must be 1 to {MAX_BOOK}"));
    }
    if !(1..=MAX_AGING).contains(&a.aging_invoices) {
        return Err(format!("--aging-invoices must be 1 to {MAX_AGING}"));
    }
    if !(1..=100_000).contains(&a.accounts) || !(1..=100_000).contains(&a.aging_accounts) {
        return Err("--accounts and --aging-accounts must be 1 to 100000".into());
    }
    if !(1..=10_000).contains(&a.batch) {
        return Err("--batch must be 1 to 10000".into());
    }
    if a.format != "camt" && a.format != "csv" {
        return Err("--format must be camt or csv".into());
    }
    let mut out = serde_json::Map::new();
    if a.seed_only && a.aging_db.is_none() {
        return Err("--seed-only seeds the --aging-db".into());
    }
    if let Some(url) = a.cash_db.as_ref().filter(|_| !a.seed_only) {
        out.insert("cash".into(), cash(&a, url).await?);
    }
    if let Some(url) = &a.aging_db {
        out.insert("aging".into(), aging(&a, url).await?);
    }
    println!("{}", serde_json::Value::Object(out));
    Ok(())
}
