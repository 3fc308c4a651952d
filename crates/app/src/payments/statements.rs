//! Statements and aging: an account's statement for any period (the domain computes it from
//! the account's invoices, credit memos and payments), aging buckets per account and across the
//! seller's book, and days sales outstanding.

use crate::queries::ListFilter;
use crate::{App, Ctx, Result};
use aftercart_domain::account::Account;
use aftercart_domain::ids::AccountId;
use aftercart_domain::invoice::{CreditMemo, Invoice, Payment};
use aftercart_domain::money::Money;
use aftercart_domain::receivables::aging::{Aging, dso_tenths};
use aftercart_domain::receivables::statement::{Statement, statement};
use aftercart_store::ListQuery;
use time::{Date, Duration};

/// One account's line in the book's aging.
#[derive(Debug, Clone)]
pub struct AccountAging {
    pub account_id: AccountId,
    pub aging: Aging,
}

#[derive(Debug, Clone)]
pub struct BookAging {
    pub total: Aging,
    /// Largest balance first.
    pub accounts: Vec<AccountAging>,
    /// Days sales outstanding over the last 90 days, in tenths of a day.
    pub dso_tenths: Option<u64>,
}

/// Rows per store page when reading the whole open book (the stores cap a page at 1,000).
const PAGE: u32 = 1000;

impl App {
    pub async fn statement(&self, ctx: &Ctx, account: AccountId, from: Date, to: Date) -> Result<(Account, Statement)> {
        let acc = self.load::<Account>(ctx, account.0).await?.value;
        let f = ListFilter {
            account_id: Some(account),
            limit: 500,
            ..Default::default()
        };
        let invoices = self.all_docs::<Invoice>(ctx, &f).await?;
        let memos = self.all_docs::<CreditMemo>(ctx, &f).await?;
        let payments = self.all_docs::<Payment>(ctx, &f).await?;
        let s = statement(
            acc.currency,
            &invoices.iter().map(|v| &v.value).collect::<Vec<_>>(),
            &memos.iter().map(|v| &v.value).collect::<Vec<_>>(),
            &payments.iter().map(|v| &v.value).collect::<Vec<_>>(),
            from,
            to,
        )?;
        Ok((acc, s))
    }

    /// The account's open invoices by age, as of today.
    pub async fn account_aging(&self, ctx: &Ctx, account: AccountId) -> Result<Aging> {
        let acc = self.load::<Account>(ctx, account.0).await?.value;
        let today = self.clock.now().date();
        let f = ListFilter {
            account_id: Some(account),
            status: Some("unpaid".into()),
            limit: 500,
            ..Default::default()
        };
        let mut a = Aging::new(acc.currency);
        for v in self.all_docs::<Invoice>(ctx, &f).await? {
            a.add(v.value.balance(), v.value.due_on, today);
        }
        Ok(a)
    }

    /// The seller's whole book by age (unpaid invoices only, read through their status index),
    /// per account and in total, with DSO over the last 90 days. Accounts in another currency
    /// than the book's first are kept in their own rows and left out of the total.
    pub async fn book_aging(&self, ctx: &Ctx) -> Result<BookAging> {
        if !ctx.principal.is_seller() {
            return Err(crate::AppError::Forbidden("the book's aging is the seller's".into()));
        }
        let today = self.clock.now().date();
        let mut per: std::collections::HashMap<AccountId, Aging> = std::collections::HashMap::new();
        let mut total: Option<Aging> = None;
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
                let inv: Invoice =
                    serde_json::from_str(&r.data).map_err(|e| crate::AppError::Corrupt(e.to_string()))?;
                let bal = inv.balance();
                if !bal.is_positive() {
                    continue;
                }
                per.entry(inv.account_id)
                    .or_insert_with(|| Aging::new(inv.currency))
                    .add(bal, inv.due_on, today);
                let t = total.get_or_insert_with(|| Aging::new(inv.currency));
                if t.currency == inv.currency {
                    t.add(bal, inv.due_on, today);
                }
            }
            if rows.len() < PAGE as usize {
                break;
            }
        }
        let total = match total {
            Some(t) => t,
            None => Aging::new(aftercart_domain::money::Currency::parse("USD", "currency")?),
        };
        let sales = self.sales_since(today - Duration::days(90), total.currency).await?;
        let dso = dso_tenths(total.total, sales, 90);
        let mut accounts: Vec<AccountAging> = per
            .into_iter()
            .map(|(account_id, aging)| AccountAging { account_id, aging })
            .collect();
        accounts.sort_by_key(|a| std::cmp::Reverse(a.aging.total.minor()));
        Ok(BookAging {
            total,
            accounts,
            dso_tenths: dso,
        })
    }

    /// Invoiced since `from` (credit sales), by the invoices' due-date index widened by the
    /// longest terms we expect (a year), then filtered on the issue date.
    async fn sales_since(&self, from: Date, currency: aftercart_domain::money::Currency) -> Result<Money> {
        let mut sum = Money::zero(currency);
        let mut before = None;
        let from_t = from.midnight().assume_utc();
        loop {
            let rows = self
                .store
                .list(ListQuery {
                    kind: "invoice",
                    from: Some(from_t),
                    to: Some(from_t + Duration::days(455)),
                    before,
                    limit: PAGE,
                    ..ListQuery::default()
                })
                .await?;
            before = rows.last().map(|r| r.id);
            for r in &rows {
                let inv: Invoice =
                    serde_json::from_str(&r.data).map_err(|e| crate::AppError::Corrupt(e.to_string()))?;
                if inv.issued_on >= from && inv.currency == currency {
                    sum = sum.checked_add(inv.total()).unwrap_or(sum);
                }
            }
            if rows.len() < PAGE as usize {
                return Ok(sum);
            }
        }
    }
}
