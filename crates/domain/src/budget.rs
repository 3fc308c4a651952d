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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{Location, LocationKind, PaymentTerms};
    use crate::ids::{InvoiceId, ProductId};
    use crate::order::Channel;
    use crate::quantity::Qty;
    use proptest::prelude::*;
    use time::OffsetDateTime;
    use time::macros::{date, datetime};
    use uuid::Uuid;

    // ------------------------------------------------------------ fixture

    fn id<T: From<Uuid>>(n: u128) -> T {
        Uuid::from_u128(n).into()
    }

    fn usd() -> Currency {
        Currency::parse("USD", "currency").unwrap()
    }

    fn eur() -> Currency {
        Currency::parse("EUR", "currency").unwrap()
    }

    fn usd_amt(s: &str) -> Money {
        Money::parse(s, usd(), "amount").unwrap()
    }

    const DOCK: u128 = 102;
    const STORE: u128 = 103;

    fn account() -> Account {
        let loc = |n: u128, kind, name: &str| Location {
            id: id(n),
            kind,
            name: name.into(),
            address: format!("{n} Commerce St"),
            city: "Dallas".into(),
            postcode: "75201".into(),
            country: "US".into(),
        };
        Account {
            id: id(1),
            number: "ACME-001".into(),
            name: "Acme Offices Inc.".into(),
            currency: usd(),
            terms: PaymentTerms { net_days: 30 },
            credit_limit: usd_amt("50000.00"),
            locations: vec![
                loc(101, LocationKind::BillTo, "Head office"),
                loc(DOCK, LocationKind::ShipTo, "Receiving dock"),
                loc(STORE, LocationKind::Both, "Uptown store"),
            ],
            contract_prices: Vec::new(),
        }
    }

    fn new_budget(dimension: BudgetDimension, period: Period, starts_on: Date, amount: &str) -> NewBudget {
        NewBudget {
            id: id(700),
            dimension,
            period,
            starts_on,
            amount: usd_amt(amount),
        }
    }

    fn cc(code: &str) -> BudgetDimension {
        BudgetDimension::CostCentre(code.into())
    }

    /// CC-42, November 2026, USD 10,000.00.
    fn nov_cc42() -> Budget {
        Budget::new(
            &account(),
            new_budget(cc("CC-42"), Period::Month, date!(2026 - 11 - 01), "10000.00"),
        )
        .unwrap()
    }

    fn line(no: u32, cost_centre: Option<&str>, ship_to: u128, qty: u32, cancelled: u32, price: &str) -> Line {
        Line {
            no,
            product_id: id::<ProductId>(300 + u128::from(no)),
            sku: format!("SKU-{no}"),
            description: "Thing".into(),
            category: "Furniture".into(),
            quantity: Qty::new(qty),
            unit_price: usd_amt(price),
            ship_to: id(ship_to),
            requested_date: None,
            po_number: None,
            cost_centre: cost_centre.map(Into::into),
            project: None,
            cancelled: Qty::new(cancelled),
            backorder: None,
            allocations: Vec::new(),
            shipments: Vec::new(),
            returns: Vec::new(),
            supplier_rejections: Vec::new(),
        }
    }

    fn order(n: u128, placed_at: OffsetDateTime, lines: Vec<Line>) -> Order {
        Order {
            credit_hold: None,
            id: id(n),
            number: format!("SO-{n}"),
            account_id: id(1),
            currency: usd(),
            bill_to: id(101),
            po_number: None,
            channel: Channel::Portal,
            placed_at,
            freight: usd_amt("75.00"),
            lines,
            shipments: Vec::new(),
            approval: None,
        }
    }

    /// Bills `(order, line, qty, unit price)`.
    fn invoice(n: u128, issued_on: Date, lines: Vec<(&Order, u32, u32, &str)>) -> Invoice {
        Invoice {
            freight_tax_rate_bp: None,
            replaced_by: None,
            id: id::<InvoiceId>(n),
            number: format!("INV-{n}"),
            account_id: id(1),
            currency: usd(),
            issued_on,
            due_on: issued_on,
            lines: lines
                .into_iter()
                .enumerate()
                .map(|(i, (o, l, q, p))| InvoiceLine {
                    tax_rate_bp: None,
                    no: i as u32 + 1,
                    order_id: o.id,
                    order_line: l,
                    shipment_id: None,
                    sku: format!("SKU-{l}"),
                    description: "Thing".into(),
                    quantity: Qty::new(q),
                    unit_price: usd_amt(p),
                })
                .collect(),
            tax: usd_amt("10.00"),
            freight: usd_amt("20.00"),
            applications: Vec::new(),
            recorded_at: datetime!(2026-11-01 00:00 UTC),
        }
    }

    const NOV: OffsetDateTime = datetime!(2026-11-10 10:00 UTC);
    const OCT: OffsetDateTime = datetime!(2026-10-31 23:00 UTC);

    fn refused<T: std::fmt::Debug>(r: Result<T>, code: ErrorCode, field: &str) -> Rejection {
        let e = r.unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (code, field), "{e}");
        e
    }

    // ------------------------------------------------------------ budgets

    #[test]
    fn budgets_start_on_the_first_day_of_their_period() {
        let a = account();
        for (period, day, ok) in [
            (Period::Month, date!(2026 - 11 - 01), true),
            (Period::Month, date!(2026 - 11 - 02), false),
            (Period::Quarter, date!(2026 - 10 - 01), true),
            (Period::Quarter, date!(2026 - 04 - 01), true),
            (Period::Quarter, date!(2026 - 11 - 01), false),
            (Period::Quarter, date!(2026 - 10 - 02), false),
            (Period::Year, date!(2026 - 01 - 01), true),
            (Period::Year, date!(2026 - 02 - 01), false),
            (Period::Year, date!(2026 - 01 - 02), false),
        ] {
            let r = Budget::new(&a, new_budget(cc("CC-42"), period, day, "100.00"));
            if ok {
                let b = r.unwrap();
                assert_eq!((b.account_id, b.period, b.starts_on), (a.id, period, day));
            } else {
                refused(r, ErrorCode::InvalidValue, "starts_on");
            }
        }
    }

    #[test]
    fn a_budget_is_a_positive_amount_in_the_account_currency() {
        let a = account();
        let d = date!(2026 - 11 - 01);
        for amount in ["0", "-5.00"] {
            refused(
                Budget::new(&a, new_budget(cc("CC-42"), Period::Month, d, amount)),
                ErrorCode::InvalidValue,
                "amount",
            );
        }
        let mut nb = new_budget(cc("CC-42"), Period::Month, d, "1.00");
        nb.amount = Money::from_minor(100, eur());
        refused(Budget::new(&a, nb), ErrorCode::CurrencyMismatch, "amount.currency");
    }

    #[test]
    fn a_budget_names_its_dimension() {
        let a = account();
        let d = date!(2026 - 11 - 01);
        for dim in [
            cc(" "),
            BudgetDimension::Department(String::new()),
            BudgetDimension::Project("\t".into()),
        ] {
            refused(
                Budget::new(&a, new_budget(dim, Period::Month, d, "1.00")),
                ErrorCode::InvalidValue,
                "dimension",
            );
        }
        refused(
            Budget::new(
                &a,
                new_budget(BudgetDimension::Location(id(999)), Period::Month, d, "1.00"),
            ),
            ErrorCode::ForeignAccount,
            "dimension",
        );
        let e = refused(
            Budget::new(
                &a,
                new_budget(BudgetDimension::Location(id(101)), Period::Month, d, "1.00"),
            ),
            ErrorCode::InvalidValue,
            "dimension",
        );
        assert!(e.message.contains("Head office"));
        Budget::new(
            &a,
            new_budget(BudgetDimension::Location(id(STORE)), Period::Month, d, "1.00"),
        )
        .unwrap();
    }

    #[test]
    fn periods_end_on_their_last_day() {
        let a = account();
        let b = |p, d| Budget::new(&a, new_budget(cc("CC-42"), p, d, "1.00")).unwrap();
        assert_eq!(b(Period::Month, date!(2028 - 02 - 01)).ends_on(), date!(2028 - 02 - 29));
        assert_eq!(b(Period::Month, date!(2026 - 02 - 01)).ends_on(), date!(2026 - 02 - 28));
        assert_eq!(b(Period::Month, date!(2026 - 12 - 01)).ends_on(), date!(2026 - 12 - 31));
        assert_eq!(
            b(Period::Quarter, date!(2026 - 01 - 01)).ends_on(),
            date!(2026 - 03 - 31)
        );
        assert_eq!(
            b(Period::Quarter, date!(2026 - 04 - 01)).ends_on(),
            date!(2026 - 06 - 30)
        );
        assert_eq!(
            b(Period::Quarter, date!(2026 - 10 - 01)).ends_on(),
            date!(2026 - 12 - 31)
        );
        assert_eq!(b(Period::Year, date!(2026 - 01 - 01)).ends_on(), date!(2026 - 12 - 31));
        let q4 = b(Period::Quarter, date!(2026 - 10 - 01));
        assert!(!q4.covers(date!(2026 - 09 - 30)));
        assert!(q4.covers(date!(2026 - 10 - 01)));
        assert!(q4.covers(date!(2026 - 12 - 31)));
        assert!(!q4.covers(date!(2027 - 01 - 01)));
        assert_eq!(q4.period_label(), "Q4 2026");
        assert_eq!(b(Period::Month, date!(2026 - 11 - 01)).period_label(), "November 2026");
        assert_eq!(b(Period::Year, date!(2026 - 01 - 01)).period_label(), "2026");
        assert_eq!(nov_cc42().label(), "the cost centre 'CC-42' budget for November 2026");
        // A stored, misaligned quarter still ends after it starts.
        let odd = Budget {
            starts_on: date!(2026 - 11 - 01),
            ..q4
        };
        assert_eq!(odd.ends_on(), date!(2027 - 01 - 31));
    }

    #[test]
    fn lines_match_by_cost_centre_tag_or_ship_to() {
        let l = |c: Option<&str>| line(1, c, DOCK, 1, 0, "1.00");
        assert!(cc("CC-42").matches(&l(Some(" cc-42 "))));
        assert!(!cc("CC-42").matches(&l(Some("CC-421"))));
        assert!(!cc("CC-42").matches(&l(None)));
        let dept = BudgetDimension::Department("Marketing".into());
        assert!(dept.matches(&l(Some("dept:Marketing"))));
        assert!(dept.matches(&l(Some(" DEPT : marketing"))));
        assert!(!dept.matches(&l(Some("proj:Marketing"))));
        assert!(!dept.matches(&l(Some("Marketing"))));
        let proj = BudgetDimension::Project("P-7".into());
        assert!(proj.matches(&l(Some("proj:P-7"))));
        assert!(!proj.matches(&l(Some("dept:P-7"))));
        assert!(!proj.matches(&l(None)));
        let dock = BudgetDimension::Location(id(DOCK));
        assert!(dock.matches(&l(None)));
        assert!(!BudgetDimension::Location(id(STORE)).matches(&l(None)));
        // A cost-centre budget compares the whole text, tag included.
        assert!(cc("dept:Marketing").matches(&l(Some("dept:marketing"))));
    }

    // ------------------------------------------------------------ use

    #[test]
    fn committed_is_approved_orders_not_yet_invoiced_and_invoiced_is_by_issue_date() {
        let b = nov_cc42();
        // 8 × 500 = 4,000 on CC-42 (2 of 10 cancelled); line 2 is another cost centre.
        let approved = order(
            900,
            NOV,
            vec![
                line(1, Some("CC-42"), DOCK, 10, 2, "500.00"),
                line(2, Some("CC-7"), DOCK, 5, 0, "100.00"),
            ],
        );
        // Pending approval: not committed.
        let pending = order(901, NOV, vec![line(1, Some("CC-42"), DOCK, 1, 0, "3000.00")]);
        // Placed in October: not this budget.
        let october = order(902, OCT, vec![line(1, Some("CC-42"), DOCK, 1, 0, "700.00")]);
        let orders = [(&approved, true), (&pending, false), (&october, true)];
        let u = budget_use(&b, &orders, &[]).unwrap();
        assert_eq!(u.committed, usd_amt("4000.00"));
        assert_eq!(u.invoiced, usd_amt("0"));
        assert_eq!(u.remaining, usd_amt("6000.00"));
        assert!(!u.over);

        // 3 units of line 1 invoiced in November (at a different price: the invoice counts as
        // billed), line 2 too (another cost centre: not attributed), the October order invoiced in
        // November, and the pending order invoiced in December (not this period).
        let nov_inv = invoice(
            800,
            date!(2026 - 11 - 20),
            vec![
                (&approved, 1, 3, "510.00"),
                (&approved, 2, 5, "100.00"),
                (&october, 1, 1, "700.00"),
            ],
        );
        let dec_inv = invoice(801, date!(2026 - 12 - 02), vec![(&pending, 1, 1, "3000.00")]);
        let u = budget_use(&b, &orders, &[&nov_inv, &dec_inv]).unwrap();
        assert_eq!(u.committed, usd_amt("2470.00"));
        assert_eq!(u.invoiced, usd_amt("2230.00"));
        assert_eq!(u.remaining, usd_amt("5300.00"));

        // An invoice billing more than the line never makes the commitment negative.
        let over_inv = invoice(802, date!(2026 - 12 - 05), vec![(&approved, 1, 20, "500.00")]);
        let u = budget_use(&b, &orders, &[&nov_inv, &over_inv]).unwrap();
        assert_eq!(u.committed, usd_amt("0"));
        assert_eq!(u.invoiced, usd_amt("2230.00"));
    }

    #[test]
    fn over_when_use_passes_the_amount() {
        let b = nov_cc42();
        let big = order(900, NOV, vec![line(1, Some("CC-42"), DOCK, 3, 0, "4000.00")]);
        let u = budget_use(&b, &[(&big, true)], &[]).unwrap();
        assert_eq!(u.remaining, usd_amt("-2000.00"));
        assert!(u.over);
        let exact = order(901, NOV, vec![line(1, Some("CC-42"), DOCK, 2, 0, "5000.00")]);
        let u = budget_use(&b, &[(&exact, true)], &[]).unwrap();
        assert_eq!(u.remaining, usd_amt("0"));
        assert!(!u.over);
    }

    #[test]
    fn budget_use_refuses_foreign_mixed_or_duplicate_inputs() {
        let b = nov_cc42();
        let o = order(900, NOV, vec![line(1, Some("CC-42"), DOCK, 1, 0, "1.00")]);
        let mut foreign = o.clone();
        foreign.account_id = id(2);
        refused(
            budget_use(&b, &[(&foreign, true)], &[]),
            ErrorCode::ForeignAccount,
            "orders[0]",
        );
        let mut euro = o.clone();
        euro.currency = eur();
        refused(
            budget_use(&b, &[(&o, true), (&euro, true)], &[]),
            ErrorCode::CurrencyMismatch,
            "orders[1].currency",
        );
        refused(
            budget_use(&b, &[(&o, true), (&o, false)], &[]),
            ErrorCode::InvalidValue,
            "orders[1]",
        );

        let inv = invoice(800, date!(2026 - 11 - 20), vec![(&o, 1, 1, "1.00")]);
        let mut foreign_inv = inv.clone();
        foreign_inv.account_id = id(2);
        refused(
            budget_use(&b, &[(&o, true)], &[&foreign_inv]),
            ErrorCode::ForeignAccount,
            "invoices[0]",
        );
        let mut euro_inv = inv.clone();
        euro_inv.currency = eur();
        refused(
            budget_use(&b, &[(&o, true)], &[&euro_inv]),
            ErrorCode::CurrencyMismatch,
            "invoices[0].currency",
        );
        let mut euro_line = inv.clone();
        euro_line.lines[0].unit_price = Money::from_minor(100, eur());
        refused(
            budget_use(&b, &[(&o, true)], &[&euro_line]),
            ErrorCode::CurrencyMismatch,
            "invoices[0].lines[0].unit_price",
        );
        refused(
            budget_use(&b, &[(&o, true)], &[&inv, &inv]),
            ErrorCode::InvalidValue,
            "invoices[1]",
        );
    }

    #[test]
    fn an_invoice_in_the_period_must_bill_a_given_order() {
        let b = nov_cc42();
        let o = order(900, NOV, vec![line(1, Some("CC-42"), DOCK, 1, 0, "1.00")]);
        let other = order(901, NOV, vec![line(1, Some("CC-42"), DOCK, 1, 0, "1.00")]);
        let inv = invoice(800, date!(2026 - 11 - 20), vec![(&other, 1, 1, "1.00")]);
        refused(
            budget_use(&b, &[(&o, true)], &[&inv]),
            ErrorCode::UnknownReference,
            "invoices[0].lines[0].order_id",
        );
        let bad_line = invoice(801, date!(2026 - 11 - 20), vec![(&o, 9, 1, "1.00")]);
        refused(
            budget_use(&b, &[(&o, true)], &[&bad_line]),
            ErrorCode::UnknownReference,
            "invoices[0].lines[0].order_line",
        );
        // Outside the period it only reduces its own order's commitment, so it needs no order.
        let later = invoice(802, date!(2026 - 12 - 20), vec![(&other, 1, 1, "1.00")]);
        let u = budget_use(&b, &[(&o, true)], &[&later]).unwrap();
        assert_eq!(u.committed, usd_amt("1.00"));
    }

    #[test]
    fn department_project_and_location_budgets_attribute_their_lines() {
        let a = account();
        let d = date!(2026 - 10 - 01);
        let mk = |dim| Budget::new(&a, new_budget(dim, Period::Quarter, d, "1000.00")).unwrap();
        let o = order(
            900,
            NOV,
            vec![
                line(1, Some("dept:Marketing"), DOCK, 1, 0, "100.00"),
                line(2, Some("proj:P-7"), STORE, 1, 0, "200.00"),
                line(3, None, STORE, 1, 0, "400.00"),
            ],
        );
        let used = |b: &Budget| budget_use(b, &[(&o, true)], &[]).unwrap().committed;
        assert_eq!(
            used(&mk(BudgetDimension::Department("marketing".into()))),
            usd_amt("100.00")
        );
        assert_eq!(used(&mk(BudgetDimension::Project("P-7".into()))), usd_amt("200.00"));
        assert_eq!(used(&mk(BudgetDimension::Location(id(STORE)))), usd_amt("600.00"));
        assert_eq!(used(&mk(BudgetDimension::Location(id(DOCK)))), usd_amt("100.00"));
    }

    #[test]
    fn affected_budgets_are_those_the_order_touches() {
        let a = account();
        let budgets = vec![
            nov_cc42(),
            Budget::new(&a, new_budget(cc("CC-7"), Period::Month, date!(2026 - 11 - 01), "1.00")).unwrap(),
            Budget::new(
                &a,
                new_budget(cc("CC-42"), Period::Month, date!(2026 - 12 - 01), "1.00"),
            )
            .unwrap(),
            Budget::new(&a, new_budget(cc("CC-42"), Period::Year, date!(2026 - 01 - 01), "1.00")).unwrap(),
        ];
        let o = order(900, NOV, vec![line(1, Some("CC-42"), DOCK, 1, 0, "1.00")]);
        let hit: Vec<Period> = affected(&budgets, &o).iter().map(|b| b.period).collect();
        assert_eq!(hit, [Period::Month, Period::Year]);
        let mut foreign = o.clone();
        foreign.account_id = id(2);
        assert!(affected(&budgets, &foreign).is_empty());
    }

    // ------------------------------------------------------------ impact

    #[test]
    fn impact_shows_what_an_order_does_to_the_budget() {
        let b = nov_cc42();
        let placed = order(900, NOV, vec![line(1, Some("CC-42"), DOCK, 6, 0, "1000.00")]);
        let inv = invoice(800, date!(2026 - 11 - 12), vec![(&placed, 1, 1, "1000.00")]);
        let current = budget_use(&b, &[(&placed, true)], &[&inv]).unwrap();
        assert_eq!(current.remaining, usd_amt("4000.00"));

        let small = order(901, NOV, vec![line(1, Some("CC-42"), DOCK, 3, 1, "1250.00")]);
        let i = budget_impact(&b, &current, &small).unwrap();
        assert_eq!(i.order_amount, usd_amt("2500.00"));
        assert_eq!(i.after_remaining, usd_amt("1500.00"));
        assert!(!i.would_exceed);
        assert_eq!(i.before, current);
        assert_eq!(
            i.sentence,
            "This order adds USD 2,500.00 to the cost centre 'CC-42' budget for November 2026 (USD 10,000.00 \
             budgeted, USD 5,000.00 committed, USD 1,000.00 invoiced); USD 1,500.00 would remain."
        );

        let big = order(902, NOV, vec![line(1, Some("CC-42"), DOCK, 1, 0, "4500.00")]);
        let i = budget_impact(&b, &current, &big).unwrap();
        assert!(i.would_exceed);
        assert!(i.sentence.ends_with("; it would go USD 500.00 over."), "{}", i.sentence);

        let already = BudgetUse {
            remaining: usd_amt("-200.00"),
            over: true,
            ..current
        };
        let i = budget_impact(&b, &already, &small).unwrap();
        assert!(i.would_exceed);
        assert!(
            i.sentence
                .ends_with("; the budget is already USD 200.00 over and would be USD 2,700.00 over."),
            "{}",
            i.sentence
        );

        // Another cost centre, or another month: no impact, even on a budget already over.
        for elsewhere in [
            order(903, NOV, vec![line(1, Some("CC-7"), DOCK, 1, 0, "99999.00")]),
            order(904, OCT, vec![line(1, Some("CC-42"), DOCK, 1, 0, "99999.00")]),
        ] {
            let i = budget_impact(&b, &already, &elsewhere).unwrap();
            assert_eq!(i.order_amount, usd_amt("0"));
            assert_eq!(i.after_remaining, usd_amt("-200.00"));
            assert!(!i.would_exceed);
            assert_eq!(
                i.sentence,
                "This order does not touch the cost centre 'CC-42' budget for November 2026."
            );
        }
    }

    #[test]
    fn impact_refuses_foreign_orders_and_mixed_currencies() {
        let b = nov_cc42();
        let current = budget_use(&b, &[], &[]).unwrap();
        assert_eq!(current.remaining, b.amount);
        let mut o = order(900, NOV, vec![line(1, Some("CC-42"), DOCK, 1, 0, "1.00")]);
        o.account_id = id(2);
        refused(budget_impact(&b, &current, &o), ErrorCode::ForeignAccount, "order");
        o.account_id = id(1);
        o.currency = eur();
        refused(
            budget_impact(&b, &current, &o),
            ErrorCode::CurrencyMismatch,
            "order.currency",
        );
        o.currency = usd();
        let euro_use = BudgetUse {
            invoiced: Money::zero(eur()),
            ..current
        };
        refused(budget_impact(&b, &euro_use, &o), ErrorCode::CurrencyMismatch, "current");
    }

    #[test]
    fn sums_are_exact_and_refuse_to_overflow() {
        let a = account();
        let mut nb = new_budget(cc("CC-42"), Period::Month, date!(2026 - 11 - 01), "1.00");
        nb.amount = Money::from_minor(i64::MAX, usd());
        let b = Budget::new(&a, nb).unwrap();
        let huge = |n| order(n, NOV, vec![line(1, Some("CC-42"), DOCK, 100_000_000, 0, "1.00")]);
        let mut o1 = huge(900);
        o1.lines[0].unit_price = Money::from_minor(i64::MAX / 2, usd());
        let e = refused(budget_use(&b, &[(&o1, true)], &[]), ErrorCode::InvalidValue, "orders");
        assert!(e.message.contains("too large"));
    }

    #[test]
    fn a_budget_round_trips_as_a_storage_snapshot() {
        let b = Budget::new(
            &account(),
            new_budget(
                BudgetDimension::Location(id(DOCK)),
                Period::Quarter,
                date!(2026 - 10 - 01),
                "1.00",
            ),
        )
        .unwrap();
        let json = serde_json::to_string(&b).unwrap();
        assert!(json.contains(r#""period":"quarter""#), "{json}");
        assert_eq!(serde_json::from_str::<Budget>(&json).unwrap(), b);
    }

    // ------------------------------------------------------------ properties

    proptest! {
        /// Committed never exceeds what committed orders attribute to the budget; when invoices
        /// bill no more than each line and fall in the period, committed + invoiced of committed
        /// orders is exactly their attributed total; remaining is always amount − committed −
        /// invoiced.
        #[test]
        fn committed_plus_invoiced_never_exceeds_the_attributed_orders(
            orders in prop::collection::vec(
                (
                    any::<bool>(),
                    prop::collection::vec(
                        (
                            prop_oneof![Just(Some("CC-42")), Just(Some("cc-42 ")), Just(Some("CC-7")), Just(None)],
                            1u32..50,
                            0u32..50,
                            1i64..1_000_000,
                            0u32..60,
                        ),
                        1..5,
                    ),
                ),
                0..6,
            ),
        ) {
            let b = nov_cc42();
            let built: Vec<(Order, bool)> = orders
                .iter()
                .enumerate()
                .map(|(i, (committed, lines))| {
                    let lines = lines
                        .iter()
                        .enumerate()
                        .map(|(j, (c, qty, cancel, price, _))| {
                            let mut l = line(j as u32 + 1, *c, DOCK, *qty, (*cancel).min(*qty), "0");
                            l.unit_price = Money::from_minor(*price, usd());
                            l
                        })
                        .collect();
                    (order(900 + i as u128, NOV, lines), *committed)
                })
                .collect();
            // Bill part (or, when `billed` > the line's net quantity, all) of each line in November.
            let invoices: Vec<Invoice> = built
                .iter()
                .enumerate()
                .filter_map(|(i, (o, _))| {
                    let lines: Vec<InvoiceLine> = o
                        .lines
                        .iter()
                        .zip(&orders[i].1)
                        .filter_map(|(l, (_, _, _, _, billed))| {
                            let q = (*billed).min(l.quantity.saturating_sub(l.cancelled).get());
                            (q > 0).then(|| InvoiceLine { tax_rate_bp: None,
                                no: l.no,
                                order_id: o.id,
                                order_line: l.no,
                                shipment_id: None,
                                sku: l.sku.clone(),
                                description: l.description.clone(),
                                quantity: Qty::new(q),
                                unit_price: l.unit_price,
                            })
                        })
                        .collect();
                    (!lines.is_empty()).then(|| {
                        let mut inv = invoice(800 + i as u128, date!(2026 - 11 - 25), vec![]);
                        inv.lines = lines;
                        inv
                    })
                })
                .collect();
            let order_refs: Vec<(&Order, bool)> = built.iter().map(|(o, c)| (o, *c)).collect();
            let invoice_refs: Vec<&Invoice> = invoices.iter().collect();
            let u = budget_use(&b, &order_refs, &invoice_refs).unwrap();

            let attributed = |only_committed: bool| -> i64 {
                built
                    .iter()
                    .filter(|(_, c)| *c || !only_committed)
                    .map(|(o, _)| b.order_amount(o).unwrap().minor())
                    .sum()
            };
            let invoiced_of_uncommitted: i64 = built
                .iter()
                .filter(|(_, c)| !*c)
                .flat_map(|(o, _)| invoices.iter().flat_map(|inv| &inv.lines).filter(move |l| l.order_id == o.id).map(move |l| (o, l)))
                .filter(|(o, l)| b.dimension.matches(o.line(l.order_line).unwrap()))
                .map(|(_, l)| l.amount().minor())
                .sum();
            prop_assert!(u.committed.minor() >= 0 && u.invoiced.minor() >= 0);
            prop_assert!(u.committed.minor() <= attributed(true));
            prop_assert!(u.committed.minor() + u.invoiced.minor() <= attributed(false));
            prop_assert_eq!(u.committed.minor() + u.invoiced.minor() - invoiced_of_uncommitted, attributed(true));
            prop_assert_eq!(u.remaining.minor(), b.amount.minor() - u.committed.minor() - u.invoiced.minor());
            prop_assert_eq!(u.over, u.remaining.is_negative());
        }
    }
}
