//! Demo governance for the first account (Northwind Clinics): three orders the buyer placed
//! after the approval policy existed, so they wait for the approver, and budgets for the current
//! month and quarter that they draw on — one of the orders would take its clinic's budget over.
//!
//! Deterministic: the orders are placed at the App's clock, and each budget's amount is derived
//! from what the account already spent in its period (computed with the domain's own rules) plus
//! a headroom fixed relative to the waiting orders, so the same clock gives the same budgets and
//! the same "over / within" answers.

use crate::docs::Versioned;
use crate::error::{AppError, Result};
use crate::{App, Ctx, ListFilter, OrderLineInput, PlaceOrder, ProductRef, UserKind};
use aftercart_domain::account::Account;
use aftercart_domain::budget::{Budget, BudgetDimension, NewBudget, Period, budget_use};
use aftercart_domain::ids::{AccountId, BudgetId, LocationId};
use aftercart_domain::invoice::Invoice;
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::order::{Channel, Order};
use aftercart_domain::quantity::Qty;
use time::{Date, Month};

const BUYER: &str = "bea@northwind.example";
const AUSTIN: &str = "Austin Central Clinic";
const ROUND_ROCK: &str = "Round Rock Clinic";
const CEDAR_PARK: &str = "Cedar Park Clinic";
const CLINICAL: &str = "CC-4100 Clinical Supplies";
const FACILITIES: &str = "CC-4200 Facilities";
const ENVIRONMENTAL: &str = "CC-4300 Environmental Services";

/// (PO, lines: (SKU, quantity, ship-to location name, cost centre)). Every order is over the
/// policy's USD 5,000 even at the deepest contract discount (18 %).
type OrderSpec = (&'static str, &'static [(&'static str, u32, &'static str, &'static str)]);

const ORDERS: [OrderSpec; 3] = [
    (
        "NWC-APR-7001",
        &[
            ("GLV-NIT-M", 400, AUSTIN, CLINICAL),
            ("MSK-N95", 120, AUSTIN, CLINICAL),
            ("SAN-GEL-1GAL", 60, AUSTIN, CLINICAL),
        ],
    ),
    (
        "NWC-APR-7002",
        &[
            ("FLT-MERV11-20X25", 50, ROUND_ROCK, FACILITIES),
            ("MAT-ENTR-3X5", 20, ROUND_ROCK, FACILITIES),
            ("KIT-SPILL-20", 6, ROUND_ROCK, FACILITIES),
        ],
    ),
    (
        "NWC-APR-7003",
        &[
            ("TWL-MULTI-4000", 30, AUSTIN, ENVIRONMENTAL),
            ("TP-2PLY-96", 60, CEDAR_PARK, ENVIRONMENTAL),
            ("BAG-33GAL-250", 30, CEDAR_PARK, ENVIRONMENTAL),
            ("WIPE-DISINF-800", 20, CEDAR_PARK, ENVIRONMENTAL),
        ],
    ),
];

fn location(account: &Account, name: &str) -> Result<LocationId> {
    account
        .locations
        .iter()
        .find(|l| l.name == name)
        .map(|l| l.id)
        .ok_or_else(|| AppError::not_found("demo location"))
}

/// `minor` rounded up to a multiple of `step` minor units.
fn round_up(minor: i64, step: i64) -> i64 {
    (minor + step - 1).div_euclid(step) * step
}

/// Places the waiting orders as the buyer, then sets the budgets.
pub(super) async fn load(app: &App, account: AccountId, usd: Currency) -> Result<()> {
    let sys = Ctx::system();
    let acct = app.account(&sys, account).await?.value;
    let users = app
        .list_users(
            &sys,
            &ListFilter {
                account_id: Some(account),
                limit: 100,
                ..Default::default()
            },
        )
        .await?;
    let bea = users
        .items
        .iter()
        .find(|u| u.value.email == BUYER && matches!(u.value.kind, UserKind::Customer { .. }))
        .ok_or_else(|| AppError::not_found("demo buyer"))?;
    let buyer = Ctx::new(bea.value.principal());

    let mut placed: Vec<Order> = Vec::new();
    for (po, lines) in ORDERS {
        let mut input = PlaceOrder {
            account_id: account,
            number: None,
            bill_to: None,
            po_number: Some(po.into()),
            channel: Channel::Portal,
            freight: None,
            placed_at: None,
            lines: Vec::new(),
        };
        for &(sku, qty, to, cc) in lines {
            input.lines.push(OrderLineInput {
                product: ProductRef::Sku(sku.into()),
                quantity: Qty::new(qty),
                ship_to: location(&acct, to)?,
                requested_date: None,
                po_number: None,
                cost_centre: Some(cc.into()),
                project: None,
            });
        }
        let o = app.run(&buyer, || app.plan_place_order(&buyer, &input)).await?;
        placed.push(o.value);
    }

    // What the account has used of each budget so far (orders waiting for approval are not
    // committed, exactly as the budget page counts them).
    let all = ListFilter {
        account_id: Some(account),
        ..Default::default()
    };
    let stored = app.all_docs::<crate::order_docs::StoredOrder>(&sys, &all).await?;
    let orders: Vec<Order> = app.orders_from(stored).await?.into_iter().map(|v| v.value).collect();
    let invoices: Vec<Invoice> = app
        .all_docs::<Invoice>(&sys, &all)
        .await?
        .into_iter()
        .map(|v: Versioned<Invoice>| v.value)
        .collect();
    let committed: Vec<(&Order, bool)> = orders
        .iter()
        .map(|o| (o, o.approval.as_ref().is_none_or(|a| a.is_approved())))
        .collect();
    let inv: Vec<&Invoice> = invoices.iter().collect();

    let today = app.clock.now().date();
    let month =
        Date::from_calendar_date(today.year(), today.month(), 1).map_err(|e| AppError::Corrupt(e.to_string()))?;
    let quarter_month =
        Month::try_from((u8::from(today.month()) - 1) / 3 * 3 + 1).map_err(|e| AppError::Corrupt(e.to_string()))?;
    let quarter =
        Date::from_calendar_date(today.year(), quarter_month, 1).map_err(|e| AppError::Corrupt(e.to_string()))?;

    // (dimension, period, start, headroom over what is used, given what the waiting orders add
    // to the budget, rounding step in cents).
    let austin = BudgetDimension::Location(location(&acct, AUSTIN)?);
    let round_rock = BudgetDimension::Location(location(&acct, ROUND_ROCK)?);
    let clinical = BudgetDimension::CostCentre(CLINICAL.into());
    let facilities = BudgetDimension::CostCentre(FACILITIES.into());
    type Headroom = fn(&[i64]) -> i64;
    let plans: [(BudgetDimension, Period, Date, Headroom, i64); 4] = [
        // The clinic's month: 80 % of its largest waiting order, so that order would go over
        // and the smaller ones stay within.
        (
            austin,
            Period::Month,
            month,
            |adds| adds.iter().max().copied().unwrap_or(0) * 4 / 5,
            10_000,
        ),
        (
            clinical,
            Period::Quarter,
            quarter,
            |adds| adds.iter().sum::<i64>() + 2_000_000,
            100_000,
        ),
        (
            round_rock,
            Period::Month,
            month,
            |adds| adds.iter().sum::<i64>() + 400_000,
            10_000,
        ),
        (
            facilities,
            Period::Month,
            month,
            |adds| adds.iter().sum::<i64>() + 150_000,
            10_000,
        ),
    ];
    for (dimension, period, starts_on, headroom, step) in plans {
        let probe = Budget::new(
            &acct,
            NewBudget {
                id: BudgetId(uuid::Uuid::nil()),
                dimension: dimension.clone(),
                period,
                starts_on,
                amount: Money::from_minor(100, usd),
            },
        )?;
        let used = 100 - budget_use(&probe, &committed, &inv)?.remaining.minor();
        let adds = placed
            .iter()
            .map(|o| probe.order_amount(o).map(|m| m.minor()))
            .collect::<std::result::Result<Vec<i64>, _>>()?;
        let amount = round_up(used + headroom(&adds), step).max(step);
        let new = NewBudget {
            id: BudgetId(uuid::Uuid::nil()),
            dimension,
            period,
            starts_on,
            amount: Money::from_minor(amount, usd),
        };
        app.run(&sys, || app.plan_create_budget(&sys, account, new.clone()))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::round_up;

    #[test]
    fn rounds_up_to_the_step() {
        assert_eq!(round_up(1, 100), 100);
        assert_eq!(round_up(100, 100), 100);
        assert_eq!(round_up(101, 100), 200);
        assert_eq!(round_up(0, 100), 0);
    }
}
