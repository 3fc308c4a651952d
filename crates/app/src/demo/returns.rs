//! Returns in the demo: on Northwind, one return for goods the customer reported damaged,
//! carried through to the warehouse receipt and its credit memo, and one asking to send back
//! goods no longer needed, waiting in the console's queue — so both ends of the flow show.

use crate::error::Result;
use crate::{App, Ctx, ListFilter, ReceiveReturn, RequestReturn};
use aftercart_domain::ids::AccountId;
use aftercart_domain::order::Order;
use aftercart_domain::quantity::Qty;
use aftercart_domain::returns::{ReturnCondition, ReturnReason, ReturnState};

/// The delivered lines of `o` with at least 3 units delivered (a return of 1 or 2 leaves some
/// for a person trying the form).
fn roomy_line(o: &Order) -> Option<(u32, Qty)> {
    o.lines
        .iter()
        .map(|l| (l.no, o.ledger(l).delivered))
        .find(|(_, d)| d.get() >= 3)
}

pub(super) async fn returns(app: &App, account: AccountId) -> Result<()> {
    let ctx = Ctx::system();
    let orders: Vec<Order> = app
        .list_orders(
            &ctx,
            &ListFilter {
                account_id: Some(account),
                limit: 500,
                ..Default::default()
            },
        )
        .await?
        .items
        .into_iter()
        .map(|v| v.value)
        .collect();
    // Damaged on receipt (the shipment's receipt says so), else any delivered line.
    let damaged = orders.iter().find_map(|o| {
        o.shipments.iter().find_map(|s| {
            let r = s.receipt.as_ref().filter(|_| s.is_delivered())?;
            let l = r.lines.iter().find(|l| {
                !l.damaged.is_zero() && o.line(l.line).is_some_and(|ol| o.ledger(ol).delivered >= l.damaged)
            })?;
            Some((o, l.line, l.damaged))
        })
    });
    let mut used = Vec::new();
    let first = match damaged {
        Some((o, line, q)) => Some((o, line, q, ReturnReason::Damaged)),
        None => orders
            .iter()
            .find_map(|o| roomy_line(o).map(|(l, _)| (o, l, Qty::new(2), ReturnReason::Defective))),
    };
    if let Some((o, line, qty, reason)) = first {
        used.push(o.id);
        let ask = RequestReturn {
            order_id: o.id,
            reason,
            note: Some("Outer cartons crushed on arrival".into()),
            description: Some("Boxes split open; contents unusable".into()),
            lines: vec![(line, qty)],
        };
        let r = app.run(&ctx, || app.plan_request_return(&ctx, &ask)).await?.value;
        let r = if r.state() == ReturnState::Requested {
            app.run(&ctx, || {
                app.plan_decide_return(
                    &ctx,
                    r.id,
                    &crate::DecideReturn {
                        approve: true,
                        reason: None,
                    },
                )
            })
            .await?
            .value
        } else {
            r
        };
        let ship = crate::ShipReturn {
            carrier: "UPS".into(),
            tracking_number: Some("1ZRETURN0001".into()),
        };
        app.run(&ctx, || app.plan_ship_return(&ctx, r.id, &ship)).await?;
        let receipt = ReceiveReturn {
            lines: vec![(line, ReturnCondition::Damaged)],
        };
        app.run(&ctx, || app.plan_receive_return(&ctx, r.id, &receipt)).await?;
    }
    // Not needed, waiting for a decision.
    if let Some((o, line)) = orders
        .iter()
        .filter(|o| !used.contains(&o.id))
        .find_map(|o| roomy_line(o).map(|(l, _)| (o, l)))
    {
        let ask = RequestReturn {
            order_id: o.id,
            reason: ReturnReason::NotNeeded,
            note: Some("Ordered twice by mistake".into()),
            description: None,
            lines: vec![(line, Qty::new(1))],
        };
        app.run(&ctx, || app.plan_request_return(&ctx, &ask)).await?;
    }
    Ok(())
}
