//! Spend reporting across an account: by ship-to location, cost centre, category or month, on
//! what was ordered or on what was invoiced. The portal draws its charts from this.
//!
//! The report is computed on read from the account's orders or invoices (paged through
//! `list_docs`), which is fine at today's scale: a few thousand documents per account. For large
//! accounts the next step is a spend projection table written in the same commit as each order
//! and invoice, keyed by (account, month, location, cost centre, category).

use crate::docs::Versioned;
use crate::error::{AppError, Result};
use crate::queries::ListFilter;
use crate::{App, Ctx};
use aftercart_domain::account::Account;
use aftercart_domain::approval::ApprovalState;
use aftercart_domain::error::{ErrorCode, Rejection};
use aftercart_domain::ids::{AccountId, OrderId};
use aftercart_domain::invoice::Invoice;
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::order::{Line, Order};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use time::{Date, Duration};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpendGroup {
    Location,
    CostCentre,
    Category,
    Month,
}

impl SpendGroup {
    pub fn as_str(self) -> &'static str {
        match self {
            SpendGroup::Location => "location",
            SpendGroup::CostCentre => "cost_centre",
            SpendGroup::Category => "category",
            SpendGroup::Month => "month",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpendBasis {
    /// What was ordered: unit price × (quantity − cancelled), by the date the order was placed;
    /// orders rejected in approval are left out, those still waiting are counted.
    Ordered,
    /// What was invoiced: invoice line amounts (before tax and freight), by issue date.
    Invoiced,
}

impl SpendBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            SpendBasis::Ordered => "ordered",
            SpendBasis::Invoiced => "invoiced",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SpendRow {
    /// Stable key: a location id, a cost centre, a category, or `YYYY-MM`.
    pub key: String,
    /// What a person reads: the location's name, the cost centre, the category, or `2026-11`.
    pub label: String,
    pub amount: Money,
    /// Orders (ordered basis) or invoices (invoiced basis) contributing to the group.
    pub count: usize,
}

#[derive(Debug, Clone)]
pub struct SpendReport {
    pub account_id: AccountId,
    pub currency: Currency,
    pub group_by: SpendGroup,
    pub basis: SpendBasis,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub total: Money,
    /// By amount, largest first (by month, oldest first, when grouped by month).
    pub groups: Vec<SpendRow>,
}

/// Key of the group for lines with no cost centre or category.
const NONE_KEY: &str = "none";

struct Acc {
    label: String,
    amount: Money,
    docs: BTreeSet<Uuid>,
}

struct Groups {
    currency: Currency,
    by_key: HashMap<String, Acc>,
}

impl Groups {
    fn add(&mut self, key: String, label: String, amount: Money, doc: Uuid) -> Result<()> {
        let currency = self.currency;
        let acc = self.by_key.entry(key).or_insert_with(|| Acc {
            label,
            amount: Money::zero(currency),
            docs: BTreeSet::new(),
        });
        acc.amount = acc
            .amount
            .checked_add(amount)
            .ok_or_else(|| AppError::Corrupt(format!("amount {amount} does not add to {}", acc.amount)))?;
        acc.docs.insert(doc);
        Ok(())
    }
}

fn month_key(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

/// The group a line falls in: (key, label).
fn group_of(group_by: SpendGroup, account: &Account, line: &Line, day: Date) -> (String, String) {
    let named = |v: &str, none: &str| {
        let v = v.trim();
        if v.is_empty() {
            (NONE_KEY.to_owned(), none.to_owned())
        } else {
            (v.to_owned(), v.to_owned())
        }
    };
    match group_by {
        SpendGroup::Location => (
            line.ship_to.0.to_string(),
            account
                .location(line.ship_to)
                .map_or_else(|| "Unknown location".to_owned(), |l| l.name.clone()),
        ),
        SpendGroup::CostCentre => named(line.cost_centre.as_deref().unwrap_or(""), "No cost centre"),
        SpendGroup::Category => named(&line.category, "Uncategorised"),
        SpendGroup::Month => {
            let m = month_key(day);
            (m.clone(), m)
        }
    }
}

impl App {
    /// Every document of `T` of the account the caller may see, placed/dated in [from, to).
    async fn all_of_account<T: crate::docs::Doc>(
        &self,
        ctx: &Ctx,
        account: AccountId,
        from: Option<time::OffsetDateTime>,
        to: Option<time::OffsetDateTime>,
    ) -> Result<Vec<Versioned<T>>> {
        self.all_docs::<T>(
            ctx,
            &ListFilter {
                account_id: Some(account),
                from,
                to,
                ..Default::default()
            },
        )
        .await
    }

    /// Spend of an account grouped by location, cost centre, category or month, between `from`
    /// and `to` (both inclusive, whole days, UTC). A location-scoped user sees only its
    /// locations' lines. Amounts exclude tax and freight; credit memos are not netted off.
    pub async fn spend(
        &self,
        ctx: &Ctx,
        account: AccountId,
        group_by: SpendGroup,
        from: Option<Date>,
        to: Option<Date>,
        basis: SpendBasis,
    ) -> Result<SpendReport> {
        let acct = self.load::<Account>(ctx, account.0).await?.value;
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return Err(Rejection::new(ErrorCode::InvalidValue, "to", format!("{t} is before from ({f})")).into());
        }
        let in_range = |d: Date| from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t);
        let mut groups = Groups {
            currency: acct.currency,
            by_key: HashMap::new(),
        };
        match basis {
            SpendBasis::Ordered => {
                let start = from.map(|d| d.midnight().assume_utc());
                let end = to.map(|d| (d + Duration::days(1)).midnight().assume_utc());
                let stored = self
                    .all_of_account::<crate::order_docs::StoredOrder>(ctx, account, start, end)
                    .await?;
                let orders = self.orders_from(stored).await?;
                for v in orders {
                    let order = self.order_view(ctx, v).value;
                    // A rejected order was never bought; one waiting for approval is counted.
                    if matches!(
                        order.approval.as_ref().map(|a| a.state()),
                        Some(ApprovalState::Rejected)
                    ) {
                        continue;
                    }
                    let day = order.placed_at.to_offset(time::UtcOffset::UTC).date();
                    if !in_range(day) {
                        continue;
                    }
                    for l in &order.lines {
                        let net = l.quantity.saturating_sub(l.cancelled).get();
                        if net == 0 {
                            continue;
                        }
                        let (key, label) = group_of(group_by, &acct, l, day);
                        groups.add(key, label, l.unit_price.times(net), order.id.0)?;
                    }
                }
            }
            SpendBasis::Invoiced => {
                // Invoices are stored with their due date as business time; filter on issue date here.
                let invoices: Vec<Invoice> = self
                    .all_of_account::<Invoice>(ctx, account, None, None)
                    .await?
                    .into_iter()
                    .map(|v| v.value)
                    .filter(|i| in_range(i.issued_on))
                    .collect();
                let ids: BTreeSet<OrderId> = invoices
                    .iter()
                    .flat_map(|i| i.lines.iter().map(|l| l.order_id))
                    .collect();
                let uuids: Vec<Uuid> = ids.iter().map(|o| o.0).collect();
                // The caller's view of each order: lines outside a scoped user's locations are gone,
                // so invoice lines against them are left out.
                let orders: BTreeMap<OrderId, Order> = self
                    .load_orders(ctx, &uuids)
                    .await?
                    .into_iter()
                    .map(|v| {
                        let o = self.order_view(ctx, v).value;
                        (o.id, o)
                    })
                    .collect();
                for inv in &invoices {
                    for il in &inv.lines {
                        let Some(line) = orders.get(&il.order_id).and_then(|o| o.line(il.order_line)) else {
                            continue;
                        };
                        let (key, label) = group_of(group_by, &acct, line, inv.issued_on);
                        groups.add(key, label, il.amount(), inv.id.0)?;
                    }
                }
            }
        }
        let mut rows: Vec<SpendRow> = groups
            .by_key
            .into_iter()
            .map(|(key, a)| SpendRow {
                key,
                label: a.label,
                amount: a.amount,
                count: a.docs.len(),
            })
            .collect();
        match group_by {
            SpendGroup::Month => rows.sort_by(|a, b| a.key.cmp(&b.key)),
            _ => rows.sort_by(|a, b| {
                b.amount
                    .minor()
                    .cmp(&a.amount.minor())
                    .then_with(|| a.label.cmp(&b.label))
            }),
        }
        let total = Money::sum(acct.currency, rows.iter().map(|r| &r.amount))
            .ok_or_else(|| AppError::Corrupt("spend groups in different currencies".into()))?;
        Ok(SpendReport {
            account_id: account,
            currency: acct.currency,
            group_by,
            basis,
            from,
            to,
            total,
            groups: rows,
        })
    }
}
