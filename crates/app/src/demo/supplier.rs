//! Work for the demo's dropship supplier (Acme Lighting, signed in as `DEMO_SUPPLIER`): two
//! fresh Northwind orders with lines routed to Acme — one waiting for Acme's confirmation (beside
//! a line the distributor's own warehouse ships), one confirmed with a ship-by date and waiting
//! to ship — so the supplier portal has something to confirm, ship and track at once.

use crate::error::Result;
use crate::{Allocate, App, ConfirmInput, Ctx, OrderLineInput, PlaceOrder, Principal, PrincipalKind, ProductRef};
use aftercart_domain::account::{Account, FulfilmentKind};
use aftercart_domain::ids::{AccountId, FulfilmentLocationId, OrderId};
use aftercart_domain::order::{Channel, ConfirmLine};
use aftercart_domain::quantity::Qty;
use time::Duration;

/// Places the supplier's demo orders for `account` (the first demo account).
pub(super) async fn supplier_work(app: &App, account: AccountId) -> Result<()> {
    let ctx = Ctx::system();
    let sites = app.fulfilment_locations(&ctx).await?;
    let (Some(acme), Some(warehouse)) = (
        sites.iter().find(|l| l.kind == FulfilmentKind::DropshipSupplier),
        sites.iter().find(|l| l.kind == FulfilmentKind::Warehouse),
    ) else {
        return Ok(());
    };
    let acct: Account = app.account(&ctx, account).await?.value;
    let receiving: Vec<_> = acct.locations.iter().filter(|l| l.kind.can_receive()).collect();
    let Some(first) = receiving.first() else {
        return Ok(());
    };
    let second = receiving.get(1).unwrap_or(first);
    let today = app.clock.now().date();
    let line = |sku: &str, qty: u32, ship_to, days: i64| OrderLineInput {
        product: ProductRef::Sku(sku.into()),
        quantity: Qty::new(qty),
        ship_to,
        requested_date: Some(today + Duration::days(days)),
        po_number: None,
        cost_centre: None,
        project: None,
    };
    let place = |po: &str, lines: Vec<OrderLineInput>| PlaceOrder {
        account_id: account,
        number: None,
        bill_to: None,
        po_number: Some(po.into()),
        channel: Channel::Portal,
        freight: None,
        placed_at: None,
        lines,
    };
    // To confirm: two lighting lines for Acme and gloves from the warehouse, one ship-to.
    let a = place(
        "NW-LIGHT-2211",
        vec![
            line("LED-HIGHBAY-150", 4, first.id, 10),
            line("LED-WALLPACK-60", 2, first.id, 10),
            line("GLV-NIT-M", 20, first.id, 5),
        ],
    );
    let a = app.run(&ctx, || app.plan_place_order(&ctx, &a)).await?.value.id;
    allocate(app, a, &[(1, acme.id, 4), (2, acme.id, 2), (3, warehouse.id, 20)]).await?;
    // Confirmed by Acme with a ship-by date, waiting to ship.
    let b = place("NW-LIGHT-2212", vec![line("LED-TROFFER-2X2", 6, second.id, 12)]);
    let b = app.run(&ctx, || app.plan_place_order(&ctx, &b)).await?.value.id;
    allocate(app, b, &[(1, acme.id, 6)]).await?;
    let sue = Ctx::new(Principal {
        id: "demo-supplier".into(),
        name: super::DEMO_SUPPLIER.1.into(),
        kind: PrincipalKind::Supplier { location: acme.id },
        via: None,
    });
    let confirm = ConfirmInput {
        location: None,
        lines: vec![ConfirmLine {
            line: 1,
            ship_by: Some(today + Duration::days(3)),
        }],
    };
    app.run(&sue, || app.plan_confirm_allocations(&sue, b, &confirm))
        .await?;
    Ok(())
}

async fn allocate(app: &App, order: OrderId, parts: &[(u32, FulfilmentLocationId, u32)]) -> Result<()> {
    let ops = Ctx::new(Principal::staff("demo-ops", "Dana Ops"));
    for &(line, location, qty) in parts {
        let input = Allocate {
            line,
            location,
            quantity: Qty::new(qty),
        };
        app.run(&ops, || app.plan_allocate(&ops, order, &input)).await?;
    }
    Ok(())
}
