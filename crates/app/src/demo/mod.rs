//! Deterministic demo data: a distributor with three warehouses and a dropship supplier, a
//! catalogue of facility supplies, five customer accounts with contract prices, ~220 orders in
//! every state an order can be in, and the invoices, credit memos and payments that follow.
//!
//! Everything goes through the normal application commands, so every change has its timeline
//! events. Random choices come from a fixed seed and every business time is derived from the
//! App's clock, so two loads with the same clock give the same names, numbers and states (only
//! the random ids differ).
//!
//! The load runs in two phases:
//! 1. a script of every command with its business time (orders over the last 90 days, their
//!    allocations, backorders, shipments, carrier scans and receipts, then invoices, credit memos
//!    and payments) is drawn from the seeded generator: pure data, no I/O;
//! 2. the commands run in time order, each on an [`App`] over the same store whose clock stands
//!    at the command's business time, so timeline events, receipts, backorder changes and
//!    invoice records carry the time they happened and the event log reads chronologically.
//!    Runs of consecutive commands that touch distinct orders run concurrently, so SQLite's
//!    group commit amortises the disk flushes.
//!
//! Order, invoice and account numbers are taken from the caller's numbering, so orders created
//! afterwards follow on (SO-221, …).

mod billing;
mod catalogue;
mod run;
mod script;

use billing::*;
use catalogue::*;
use run::*;
use script::*;

// -- approvals and spend --
mod governance;
// -- reorder and saved lists --
mod lists;
// -- supplier portal and shipments --
mod supplier;
// -- returns --
mod returns;
// -- /returns --
// -- cases --
mod cases;
// -- /cases --
// -- change requests --
mod changes;
// -- /change requests --
// -- receivables --
mod receivables;
pub use receivables::DEMO_SELLER;
// -- /receivables --

use crate::error::{AppError, Result};
use crate::{
    Allocate, App, BackorderInput, CancelInput, Ctx, FixedClock, InvoiceLineInput, IssueCreditMemo, IssueInvoice,
    NewAccount, NewFulfilmentLocation, NewLocation, NewProduct, OrderLineInput, PlaceOrder, Principal, ProductRef,
    ReceiveInput, ReceivePayment, Reschedule, ShipInput, ShipmentRef, TrackingInput,
};
use aftercart_domain::account::{FulfilmentKind, LocationKind, PaymentTerms};
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, InvoiceId, LocationId, OrderId, ProductId, ShipmentId};
use aftercart_domain::invoice::{PaymentApplication, PaymentMethod};
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::order::{Channel, ReceiptLine};
use aftercart_domain::quantity::Qty;
use aftercart_domain::tracking::TrackingStatus;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use time::{Date, Duration, OffsetDateTime, Time};

/// What [`load`] created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub accounts: usize,
    pub orders: usize,
    pub invoices: usize,
    pub payments: usize,
    pub shipments: usize,
}

/// Loads the demo dataset through the application commands. Does nothing (and returns an
/// all-zero summary) when the store already has orders, so it is safe to call on every start.
/// Password of the demo's sample users (printed by `aftercart demo`; never use it elsewhere).
pub const DEMO_PASSWORD: &str = "northwind-demo-2026";

/// Sample users of the first demo account, to sign in as each role: (email, name, roles).
pub const DEMO_USERS: [(&str, &str, &[crate::CustomerRole]); 4] = [
    (
        "alex@northwind.example",
        "Alex Morgan",
        &[crate::CustomerRole::AccountAdmin],
    ),
    ("bea@northwind.example", "Bea Buyer", &[crate::CustomerRole::Buyer]),
    (
        "ana@northwind.example",
        "Ana Approver",
        &[crate::CustomerRole::Approver],
    ),
    (
        "fin@northwind.example",
        "Frank Finance",
        &[crate::CustomerRole::Finance],
    ),
];

/// A seller staff user (service agent) and a dropship supplier's user, to sign in to the
/// service console and the supplier's view of the portal: (email, name).
pub const DEMO_AGENT: (&str, &str) = ("sam@aftercart-demo.example", "Sam Agent");
pub const DEMO_SUPPLIER: (&str, &str) = ("sue@acme-lighting.example", "Sue Supplier");

/// Users of every customer role for the first account, and a policy that sends its orders over
/// USD 5,000 to an approver, so governance can be tried at once.
async fn people(app: &App, account: AccountId, usd: Currency) -> Result<()> {
    use aftercart_domain::approval::{ApprovalCondition, ApprovalPolicy, ApprovalRule, Approver};
    let ctx = Ctx::system();
    for (email, name, roles) in DEMO_USERS {
        let new = crate::NewUser {
            email: email.into(),
            name: name.into(),
            kind: crate::UserKind::Customer {
                account_id: account,
                roles: roles.to_vec(),
                scope: crate::LocationScope::All,
            },
        };
        let invitation = app.run(&ctx, || app.plan_invite_user(&ctx, &new)).await?;
        // The system inviting always holds the token.
        let token = invitation.token.as_deref().unwrap_or_default();
        app.accept_invitation(token, DEMO_PASSWORD).await?;
    }
    let supplier = app
        .fulfilment_locations(&ctx)
        .await?
        .into_iter()
        .find(|l| l.kind == FulfilmentKind::DropshipSupplier);
    let mut others = vec![(
        DEMO_AGENT,
        crate::UserKind::Staff {
            role: crate::StaffRole::Agent,
        },
    )];
    if let Some(l) = supplier {
        others.push((
            DEMO_SUPPLIER,
            crate::UserKind::Supplier {
                fulfilment_location_id: l.id,
            },
        ));
    }
    for ((email, name), kind) in others {
        let new = crate::NewUser {
            email: email.into(),
            name: name.into(),
            kind,
        };
        let invitation = app.run(&ctx, || app.plan_invite_user(&ctx, &new)).await?;
        let token = invitation.token.as_deref().unwrap_or_default();
        app.accept_invitation(token, DEMO_PASSWORD).await?;
    }
    let policy = ApprovalPolicy {
        rules: vec![ApprovalRule {
            id: aftercart_domain::ids::ApprovalRuleId(uuid::Uuid::now_v7()),
            name: "Orders over USD 5,000".into(),
            condition: ApprovalCondition::OrderTotalOver(Money::from_minor(500_000, usd)),
            levels: vec![Approver::Role],
            active: true,
        }],
        remind_after_hours: 24,
        escalate_after_hours: 72,
    };
    app.run(&ctx, || app.plan_set_approval_policy(&ctx, account, &policy))
        .await?;
    Ok(())
}

pub async fn load(app: &App) -> Result<DemoSummary> {
    if app.store.count("order").await? > 0 {
        return Ok(DemoSummary::default());
    }
    let now = app.clock.now();
    let usd = Currency::parse("USD", "currency")?;
    let actors = Actors {
        system: Ctx::system(),
        ops: Ctx::new(Principal::staff("demo-ops", "Dana Ops")),
        cs: Ctx::new(Principal::staff("demo-cs", "Sam Rivera")),
        ar: Ctx::new(Principal::staff("demo-ar", "Priya Shah")),
    };
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(42),
        now,
        today: now.date(),
        contracts: Vec::new(),
    };
    let world = setup(app, &actors, &mut g, usd).await?;
    let scripts = g.orders();
    let billing = g.billing(&scripts);
    // Numbers come from the caller's numbering (so its next order follows on), in time order.
    let mut order_numbers = Vec::with_capacity(scripts.len());
    for _ in &scripts {
        order_numbers.push(format!("SO-{}", app.next_number("order").await?));
    }
    let mut by_time: Vec<usize> = (0..billing.invoices.len()).collect();
    by_time.sort_by_key(|&j| billing.invoices[j].at);
    let mut invoice_numbers = vec![String::new(); billing.invoices.len()];
    for j in by_time {
        invoice_numbers[j] = format!("INV-{}", app.next_number("invoice").await?);
    }
    let demo = Demo {
        app,
        actors,
        world,
        scripts,
        billing,
        order_numbers,
        invoice_numbers,
        memo_stage: Stage::new(app, now),
        usd,
    };
    demo.run_all().await?;
    people(app, demo.world.accounts[0].id, usd).await?;
    // -- supplier portal and shipments --
    supplier::supplier_work(app, demo.world.accounts[0].id).await?;
    // -- approvals and spend --
    governance::load(app, demo.world.accounts[0].id, usd).await?;
    // -- reorder and saved lists --
    lists::saved_lists(app, demo.world.accounts[0].id, usd).await?;
    // -- returns --
    returns::returns(app, demo.world.accounts[0].id).await?;
    // -- /returns --
    // -- cases --
    cases::cases(app, demo.world.accounts[0].id).await?;
    // -- /cases --
    // -- change requests --
    changes::changes(app, demo.world.accounts[0].id).await?;
    // -- /change requests --
    // -- receivables --
    let mismatched: Vec<String> = demo
        .billing
        .invoices
        .iter()
        .zip(&demo.invoice_numbers)
        .filter(|(plan, _)| !plan.payable)
        .map(|(_, number)| number.clone())
        .collect();
    receivables::receivables(app, &demo.world, &mismatched).await?;
    // -- /receivables --
    // -- exceptions --
    // One detector pass over what was loaded, so the queue and the customer's pages show the
    // exceptions the demo's late, stalled and short deliveries cause (as `serve` would).
    app.detect_exceptions_once().await?;
    // -- /exceptions --
    let count =
        async |kind: &'static str| -> Result<usize> { Ok(usize::try_from(app.store.count(kind).await?).unwrap_or(0)) };
    Ok(DemoSummary {
        accounts: count("account").await?,
        orders: count("order").await?,
        invoices: count("invoice").await?,
        payments: count("payment").await?,
        shipments: count("shipment").await?,
    })
}
