//! Budgets per cost centre, department, project or ship-to location, per month, quarter or year,
//! and what orders and invoices have used of them.
//!
//! How spend is attributed to a budget:
//!
//! - A line counts when it matches the budget's dimension:
//!   - cost centre: the line's `cost_centre` equals the budget's code;
//!   - department / project: an order line carries a single allocation code, its `cost_centre`,
//!     so a department or project is written there with a tag: `dept:<name>` or `proj:<code>`
//!     (e.g. `dept:Marketing`, `proj:P-7`). A department budget matches lines whose cost centre
//!     is `dept:` followed by its name, a project budget `proj:` followed by its code;
//!   - location: the line ships to the location.
//!
//!   Text is compared ignoring surrounding spaces and ASCII case (the tag too).
//! - Orders count in the period of their placed date (in the offset they were recorded with);
//!   invoices in the period of their issue date. An invoice line is attributed through the order
//!   line it bills.
//! - An order line's amount is its unit price × (quantity − cancelled). Freight and tax are not
//!   attributed (they belong to no line); credit memos are not deducted.
//! - *Committed* is what approved (or not-needing-approval) orders still owe: per line, its amount
//!   minus what invoices (of any period) have already billed against that line, never below
//!   zero. *Invoiced* is the invoice line amounts issued in the period. So an order placed in
//!   December and invoiced in January leaves December's budget and lands in January's.
//! - Sums are exact (integer minor units, in 128 bits); currencies are never mixed.

use crate::account::Account;
use crate::approval::fmt_money;
use crate::error::{ErrorCode, Rejection, Result};
use crate::ids::{AccountId, BudgetId, LocationId, OrderId};
use crate::invoice::{Invoice, InvoiceLine};
use crate::money::{Currency, Money};
use crate::order::{Line, Order};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::{Date, Month};

/// What a budget is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum BudgetDimension {
    CostCentre(String),
    /// Matches lines whose cost centre is `dept:<name>`.
    Department(String),
    /// Matches lines whose cost centre is `proj:<code>`.
    Project(String),
    /// Matches lines shipping to this location.
    Location(LocationId),
}

impl BudgetDimension {
    /// Whether an order line's spend belongs to this dimension.
    pub fn matches(&self, line: &Line) -> bool {
        let cc = line.cost_centre.as_deref();
        match self {
            BudgetDimension::CostCentre(code) => cc.is_some_and(|c| same_text(c, code)),
            BudgetDimension::Department(name) => cc.and_then(|c| tagged(c, "dept")).is_some_and(|d| same_text(d, name)),
            BudgetDimension::Project(code) => cc.and_then(|c| tagged(c, "proj")).is_some_and(|p| same_text(p, code)),
            BudgetDimension::Location(id) => line.ship_to == *id,
        }
    }

    pub fn label(&self) -> String {
        match self {
            BudgetDimension::CostCentre(c) => format!("cost centre '{}'", c.trim()),
            BudgetDimension::Department(d) => format!("department '{}'", d.trim()),
            BudgetDimension::Project(p) => format!("project '{}'", p.trim()),
            BudgetDimension::Location(l) => format!("location {l}"),
        }
    }
}

/// `dept:Marketing` with tag `dept` → `Marketing`.
fn tagged<'a>(cost_centre: &'a str, tag: &str) -> Option<&'a str> {
    let (t, rest) = cost_centre.trim().split_once(':')?;
    t.trim().eq_ignore_ascii_case(tag).then(|| rest.trim())
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Month,
    Quarter,
    Year,
}

impl Period {
    /// Whether `date` is the first day of a period of this kind.
    pub fn is_start(self, date: Date) -> bool {
        date.day() == 1
            && match self {
                Period::Month => true,
                Period::Quarter => matches!(
                    date.month(),
                    Month::January | Month::April | Month::July | Month::October
                ),
                Period::Year => date.month() == Month::January,
            }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    pub id: BudgetId,
    pub account_id: AccountId,
    pub dimension: BudgetDimension,
    pub period: Period,
    /// First day of the period.
    pub starts_on: Date,
    pub amount: Money,
}

/// A budget as entered, validated by [`Budget::new`].
#[derive(Debug, Clone)]
pub struct NewBudget {
    pub id: BudgetId,
    pub dimension: BudgetDimension,
    pub period: Period,
    pub starts_on: Date,
    pub amount: Money,
}

impl Budget {
    /// A budget of `account`: a positive amount in the account's currency, starting on the first
    /// day of its period, for a named cost centre / department / project or one of the account's
    /// ship-to locations.
    pub fn new(account: &Account, new: NewBudget) -> Result<Budget> {
        match &new.dimension {
            BudgetDimension::CostCentre(t) | BudgetDimension::Department(t) | BudgetDimension::Project(t) => {
                if t.trim().is_empty() {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "dimension",
                        "name the cost centre, department or project",
                    ));
                }
            }
            BudgetDimension::Location(id) => match account.location(*id) {
                Some(l) if l.kind.can_receive() => {}
                Some(l) => {
                    return Err(Rejection::new(
                        ErrorCode::InvalidValue,
                        "dimension",
                        format!(
                            "{} does not receive goods, so no order line can be charged to it",
                            l.name
                        ),
                    ));
                }
                None => {
                    return Err(Rejection::new(
                        ErrorCode::ForeignAccount,
                        "dimension",
                        "the location does not belong to the account",
                    ));
                }
            },
        }
        if !new.period.is_start(new.starts_on) {
            let expected = match new.period {
                Period::Month => "the 1st of a month",
                Period::Quarter => "the first day of a quarter (Jan 1, Apr 1, Jul 1 or Oct 1)",
                Period::Year => "January 1",
            };
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "starts_on",
                format!("a budget of this period starts on {expected}, not {}", new.starts_on),
            ));
        }
        if new.amount.currency() != account.currency {
            return Err(Rejection::new(
                ErrorCode::CurrencyMismatch,
                "amount.currency",
                format!(
                    "the account is billed in {}, not {}",
                    account.currency,
                    new.amount.currency()
                ),
            ));
        }
        if !new.amount.is_positive() {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "amount",
                "a budget must be greater than zero",
            ));
        }
        Ok(Budget {
            id: new.id,
            account_id: account.id,
            dimension: new.dimension,
            period: new.period,
            starts_on: new.starts_on,
            amount: new.amount,
        })
    }

    pub fn currency(&self) -> Currency {
        self.amount.currency()
    }

    /// Last day of the period (inclusive).
    pub fn ends_on(&self) -> Date {
        let (y, m) = (self.starts_on.year(), self.starts_on.month());
        let (year, month) = match self.period {
            Period::Month => (y, m),
            Period::Quarter => {
                // `starts_on` is a quarter start when built by `new`; a stored odd start still
                // yields an end after it.
                let n = u8::from(m) + 2;
                let (year, n) = if n > 12 { (y + 1, n - 12) } else { (y, n) };
                (year, Month::try_from(n).unwrap_or(Month::December))
            }
            Period::Year => (y, Month::December),
        };
        Date::from_calendar_date(year, month, month.length(year)).unwrap_or(Date::MAX)
    }

    /// Whether `date` falls in the budget's period.
    pub fn covers(&self, date: Date) -> bool {
        self.starts_on <= date && date <= self.ends_on()
    }

    /// "November 2026", "Q4 2026" or "2026".
    pub fn period_label(&self) -> String {
        let (y, m) = (self.starts_on.year(), self.starts_on.month());
        match self.period {
            Period::Month => format!("{m} {y}"),
            Period::Quarter => format!("Q{} {y}", (u8::from(m) - 1) / 3 + 1),
            Period::Year => format!("{y}"),
        }
    }

    /// E.g. "the cost centre 'CC-42' budget for November 2026".
    pub fn label(&self) -> String {
        format!("the {} budget for {}", self.dimension.label(), self.period_label())
    }

    /// What `order` puts on this budget: its matching lines' amounts (net of cancellations) when
    /// the order was placed in the period, else zero.
    pub fn order_amount(&self, order: &Order) -> Result<Money> {
        self.check_order(order, "order")?;
        let minor = if self.covers(order.placed_at.date()) {
            order
                .lines
                .iter()
                .filter(|l| self.dimension.matches(l))
                .map(line_minor)
                .sum()
        } else {
            0
        };
        to_money(minor, self.currency(), "order")
    }

    fn check_order(&self, order: &Order, field: &str) -> Result<()> {
        if order.account_id != self.account_id {
            return Err(Rejection::new(
                ErrorCode::ForeignAccount,
                field,
                format!("order {} belongs to another account than the budget", order.number),
            ));
        }
        if order.currency != self.currency() {
            return Err(Rejection::new(
                ErrorCode::CurrencyMismatch,
                format!("{field}.currency"),
                format!(
                    "order {} is in {}, the budget in {}",
                    order.number,
                    order.currency,
                    self.currency()
                ),
            ));
        }
        Ok(())
    }
}

/// The budgets among `budgets` that `order` touches: same account, period covering the placed
/// date, at least one matching line.
pub fn affected<'a>(budgets: &'a [Budget], order: &Order) -> Vec<&'a Budget> {
    budgets
        .iter()
        .filter(|b| {
            b.account_id == order.account_id
                && b.covers(order.placed_at.date())
                && order.lines.iter().any(|l| b.dimension.matches(l))
        })
        .collect()
}

/// How much of a budget is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetUse {
    /// Approved (or not-needing-approval) orders' matching lines, not yet invoiced.
    pub committed: Money,
    /// Matching invoice lines issued in the period.
    pub invoiced: Money,
    /// Amount − committed − invoiced; negative when over.
    pub remaining: Money,
    pub over: bool,
}

/// What a budget has used. `orders` are the account's orders that may touch the budget, each
/// with whether it counts as committed (approved, or needing no approval); pass pending and
/// rejected orders too (with `false`) when their invoices are passed. `invoices` are the
/// account's invoices; an invoice issued in the period must only bill orders that are in
/// `orders`, and invoices of other periods reduce what their orders still commit.
///
/// Refused: an order or invoice of another account, another currency, listed twice, or an
/// invoice line in the period billing an order (line) not given.
pub fn budget_use(budget: &Budget, orders: &[(&Order, bool)], invoices: &[&Invoice]) -> Result<BudgetUse> {
    let currency = budget.currency();
    for (i, (order, _)) in orders.iter().enumerate() {
        budget.check_order(order, &format!("orders[{i}]"))?;
        if orders[..i].iter().any(|(o, _)| o.id == order.id) {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                format!("orders[{i}]"),
                format!("order {} is listed twice", order.number),
            ));
        }
    }
    for (i, inv) in invoices.iter().enumerate() {
        if inv.account_id != budget.account_id {
            return Err(Rejection::new(
                ErrorCode::ForeignAccount,
                format!("invoices[{i}]"),
                format!("invoice {} belongs to another account than the budget", inv.number),
            ));
        }
        if let Some((j, l)) = inv
            .lines
            .iter()
            .enumerate()
            .find(|(_, l)| l.unit_price.currency() != currency)
        {
            return Err(Rejection::new(
                ErrorCode::CurrencyMismatch,
                format!("invoices[{i}].lines[{j}].unit_price"),
                format!(
                    "invoice {} line {} is in {}, the budget in {currency}",
                    inv.number,
                    l.no,
                    l.unit_price.currency()
                ),
            ));
        }
        if inv.currency != currency {
            return Err(Rejection::new(
                ErrorCode::CurrencyMismatch,
                format!("invoices[{i}].currency"),
                format!(
                    "invoice {} is in {}, the budget in {currency}",
                    inv.number, inv.currency
                ),
            ));
        }
        if invoices[..i].iter().any(|o| o.id == inv.id) {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                format!("invoices[{i}]"),
                format!("invoice {} is listed twice", inv.number),
            ));
        }
    }

    let mut billed: HashMap<(OrderId, u32), i128> = HashMap::new();
    let mut invoiced: i128 = 0;
    for (i, inv) in invoices.iter().enumerate() {
        let in_period = budget.covers(inv.issued_on);
        for (j, il) in inv.lines.iter().enumerate() {
            *billed.entry((il.order_id, il.order_line)).or_default() += invoice_line_minor(il);
            if !in_period {
                continue;
            }
            let field = |f: &str| format!("invoices[{i}].lines[{j}].{f}");
            let (order, _) = orders.iter().find(|(o, _)| o.id == il.order_id).ok_or_else(|| {
                Rejection::new(
                    ErrorCode::UnknownReference,
                    field("order_id"),
                    format!(
                        "invoice {} bills an order that was not given, so its line cannot be attributed",
                        inv.number
                    ),
                )
            })?;
            let line = order.line(il.order_line).ok_or_else(|| {
                Rejection::new(
                    ErrorCode::UnknownReference,
                    field("order_line"),
                    format!("order {} has no line {}", order.number, il.order_line),
                )
            })?;
            if budget.dimension.matches(line) {
                invoiced += invoice_line_minor(il);
            }
        }
    }

    let mut committed: i128 = 0;
    for (order, _) in orders
        .iter()
        .filter(|(o, counts)| *counts && budget.covers(o.placed_at.date()))
    {
        for line in order.lines.iter().filter(|l| budget.dimension.matches(l)) {
            let done = billed.get(&(order.id, line.no)).copied().unwrap_or(0);
            committed += (line_minor(line) - done).max(0);
        }
    }

    let remaining = i128::from(budget.amount.minor()) - committed - invoiced;
    Ok(BudgetUse {
        committed: to_money(committed, currency, "orders")?,
        invoiced: to_money(invoiced, currency, "invoices")?,
        remaining: to_money(remaining, currency, "amount")?,
        over: remaining < 0,
    })
}

/// What an order would do to a budget, shown to the approver before deciding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impact {
    pub before: BudgetUse,
    /// What the order adds to the budget (zero when it does not touch it).
    pub order_amount: Money,
    pub after_remaining: Money,
    /// The order adds to the budget and leaves it below zero.
    pub would_exceed: bool,
    pub sentence: String,
}

/// The impact of `order` on `budget`, given the budget's `current` use computed *without* this
/// order (or with it passed as not committed), so it is not counted twice.
pub fn budget_impact(budget: &Budget, current: &BudgetUse, order: &Order) -> Result<Impact> {
    let currency = budget.currency();
    if [current.committed, current.invoiced, current.remaining]
        .iter()
        .any(|m| m.currency() != currency)
    {
        return Err(Rejection::new(
            ErrorCode::CurrencyMismatch,
            "current",
            format!("the budget use is not in the budget's currency ({currency})"),
        ));
    }
    let order_amount = budget.order_amount(order)?;
    let after = i128::from(current.remaining.minor()) - i128::from(order_amount.minor());
    let after_remaining = to_money(after, currency, "order")?;
    let would_exceed = order_amount.is_positive() && after < 0;
    let label = budget.label();
    let sentence = if order_amount.is_zero() {
        format!("This order does not touch {label}.")
    } else {
        let base = format!(
            "This order adds {} to {label} ({} budgeted, {} committed, {} invoiced)",
            fmt_money(order_amount),
            fmt_money(budget.amount),
            fmt_money(current.committed),
            fmt_money(current.invoiced)
        );
        if !would_exceed {
            format!("{base}; {} would remain.", fmt_money(after_remaining))
        } else if current.over {
            format!(
                "{base}; the budget is already {} over and would be {} over.",
                fmt_money(current.remaining.negate()),
                fmt_money(after_remaining.negate())
            )
        } else {
            format!("{base}; it would go {} over.", fmt_money(after_remaining.negate()))
        }
    };
    Ok(Impact {
        before: *current,
        order_amount,
        after_remaining,
        would_exceed,
        sentence,
    })
}

fn line_minor(line: &Line) -> i128 {
    i128::from(line.unit_price.minor()) * i128::from(line.quantity.saturating_sub(line.cancelled).get())
}

fn invoice_line_minor(line: &InvoiceLine) -> i128 {
    i128::from(line.unit_price.minor()) * i128::from(line.quantity.get())
}

fn to_money(minor: i128, currency: Currency, field: &str) -> Result<Money> {
    i64::try_from(minor)
        .map(|m| Money::from_minor(m, currency))
        .map_err(|_| Rejection::new(ErrorCode::InvalidValue, field, "amounts too large to add up exactly"))
}
