//! Support cases in the demo, on Northwind, through the same commands the portal uses: the
//! buyer asking where a shipment is (answered by the demo agent, with an internal note and an
//! assignee), a question about an invoice nobody has answered yet (so the console's queue has
//! something waiting on us), and one the agent opened for the customer and solved.

use crate::error::Result;
use crate::{App, CaseWrite, Ctx, CustomerRole, ListFilter, LocationScope, OpenCase, Principal, PrincipalKind};
use aftercart_domain::case::{AboutKind, CaseStatus};
use aftercart_domain::ids::AccountId;

/// The account's buyer, and the demo's service agent, as principals (as they sign in).
async fn people(app: &App, account: AccountId) -> Result<Option<(Ctx, Ctx)>> {
    let system = Ctx::system();
    let Some(bea) = app.store.by_number("user", super::DEMO_USERS[1].0).await? else {
        return Ok(None);
    };
    let Some(sam) = app.store.by_number("user", super::DEMO_AGENT.0).await? else {
        return Ok(None);
    };
    let bea = app.user(&system, aftercart_domain::ids::UserId(bea.id)).await?.value;
    let sam = app.user(&system, aftercart_domain::ids::UserId(sam.id)).await?.value;
    let buyer = Ctx::new(Principal {
        kind: PrincipalKind::Customer {
            account,
            roles: vec![CustomerRole::Buyer],
            scope: LocationScope::All,
        },
        ..bea.principal()
    });
    Ok(Some((buyer, Ctx::new(sam.principal()))))
}

pub(super) async fn cases(app: &App, account: AccountId) -> Result<()> {
    let Some((buyer, agent)) = people(app, account).await? else {
        return Ok(());
    };
    let system = Ctx::system();
    let all = |limit| ListFilter {
        account_id: Some(account),
        limit,
        ..Default::default()
    };
    let orders = app.list_orders(&system, &all(100)).await?.items;
    let Some(shipped) = orders.iter().map(|o| &o.value).find(|o| !o.shipments.is_empty()) else {
        return Ok(());
    };
    let open = |ctx: Ctx, kind: AboutKind, id: uuid::Uuid, subject: &str, body: &str| {
        let input = OpenCase {
            about_kind: kind,
            about_id: id,
            subject: subject.to_owned(),
            body: body.to_owned(),
        };
        async move { app.run(&ctx, || app.plan_open_case(&ctx, &input)).await }
    };
    let write = |ctx: Ctx, id, body: &str, internal: bool, solve: bool| {
        let input = CaseWrite {
            body: body.to_owned(),
            internal,
            solve,
        };
        async move { app.run(&ctx, || app.plan_write_case(&ctx, id, &input)).await }
    };

    let c = open(
        buyer.clone(),
        AboutKind::Shipment,
        shipped.shipments[0].id.0,
        "Where is this delivery?",
        "Our receiving dock has not seen this parcel yet. Can you check with the carrier?",
    )
    .await?
    .case;
    let agent_id = aftercart_domain::ids::UserId(uuid::Uuid::parse_str(&agent.principal.id).unwrap_or_default());
    app.run(&agent, || app.plan_assign_case(&agent, c.id, Some(agent_id)))
        .await?;
    write(
        agent.clone(),
        c.id,
        "Carrier portal shows a missed scan at the hub; asked for a trace (ref TR-5521).",
        true,
        false,
    )
    .await?;
    write(
        agent.clone(),
        c.id,
        "It is at the carrier's hub and goes out for delivery tomorrow morning. We will keep an eye on it.",
        false,
        false,
    )
    .await?;

    if let Some(inv) = app.list_invoices(&system, &all(1)).await?.items.first() {
        open(
            buyer.clone(),
            AboutKind::Invoice,
            inv.value.id.0,
            "Freight on this invoice",
            "We did not expect freight on this invoice. Is that right?",
        )
        .await?;
    }

    let c = open(
        agent.clone(),
        AboutKind::Order,
        shipped.id.0,
        "",
        "Your order ships in two parts; the second part leaves our Reno warehouse next week.",
    )
    .await?
    .case;
    write(buyer, c.id, "Thanks, that works for us.", false, false).await?;
    app.run(&agent, || app.plan_case_status(&agent, c.id, CaseStatus::Solved))
        .await?;
    Ok(())
}
