//! Change requests in the demo: one Northwind order whose warehouse had already started picking
//! a line when the buyer cut it — part cancelled at once, the rest waiting in the console's
//! queue — and one change done at once (a new wanted-by date), so both outcomes show.

use crate::error::Result;
use crate::{Allocate, App, ChangeInput, Ctx, ListFilter, RequestChanges};
use aftercart_domain::ids::AccountId;
use aftercart_domain::quantity::Qty;
use time::Duration;

pub(super) async fn changes(app: &App, account: AccountId) -> Result<()> {
    let ctx = Ctx::system();
    // The buyer asks (so the order page reads "by Bea Buyer"); the warehouse release is the
    // system's.
    let buyer = match app.store.by_number("user", super::DEMO_USERS[1].0).await? {
        Some(row) => Ctx::new(
            app.user(&ctx, aftercart_domain::ids::UserId(row.id))
                .await?
                .value
                .principal(),
        ),
        None => ctx.clone(),
    };
    let orders = app
        .list_orders(
            &ctx,
            &ListFilter {
                account_id: Some(account),
                status: Some("allocated".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await?;
    // Orders with a line allocated (at least 2), nothing of it shipped: the warehouse releases
    // half of the first, the buyer then cancels the line.
    let mut picked = orders.items.iter().filter_map(|o| {
        let o = &o.value;
        o.lines.iter().find_map(|l| {
            let led = o.ledger(l);
            let a = l.allocations.first()?;
            (led.shipped.is_zero() && led.allocated.get() >= 2 && a.quantity.get() >= 2)
                .then_some((o.id, l.no, a.location, a.quantity))
        })
    });
    if let Some((order, line, location, allocated)) = picked.next() {
        let release = Allocate {
            line,
            location,
            quantity: Qty::new(allocated.get() / 2),
        };
        app.run(&ctx, || app.plan_release(&ctx, order, &release)).await?;
        let cut = RequestChanges {
            changes: vec![ChangeInput::CancelLine { line }],
            reason: Some("Project on hold".into()),
            on_behalf_of: None,
        };
        app.run(&buyer, || app.plan_request_changes(&buyer, order, &cut))
            .await?;
    }
    if let Some((order, line, _, _)) = picked.next() {
        let later = RequestChanges {
            changes: vec![ChangeInput::RequestedDate {
                line,
                date: Some(app.clock.now().date() + Duration::days(21)),
            }],
            reason: Some("Site opens later".into()),
            on_behalf_of: None,
        };
        app.run(&buyer, || app.plan_request_changes(&buyer, order, &later))
            .await?;
    }
    Ok(())
}
