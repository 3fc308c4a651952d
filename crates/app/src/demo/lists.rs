//! Saved lists for the first demo account, made by its buyer through the same commands the
//! portal uses: a weekly restock whose prices can be compared with today's, and an exam-room
//! list with a product that was discontinued after the list was saved (so a reorder leaves it
//! out and says why).

use crate::error::Result;
use crate::{
    App, Ctx, CustomerRole, ListFilter, LocationScope, NewProduct, NewSavedList, Principal, PrincipalKind, ProductRef,
    SavedListLineInput, UserKind,
};
use aftercart_domain::ids::AccountId;
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::quantity::Qty;

/// The buyer of the account, as a principal (the lists are theirs on the timeline).
async fn buyer(app: &App, account: AccountId) -> Result<Ctx> {
    let users = app
        .list_users(
            &Ctx::system(),
            &ListFilter {
                account_id: Some(account),
                limit: 500,
                ..Default::default()
            },
        )
        .await?
        .items;
    let bea = users
        .into_iter()
        .map(|u| u.value)
        .find(|u| matches!(&u.kind, UserKind::Customer { roles, .. } if roles.contains(&CustomerRole::Buyer)));
    Ok(match bea {
        Some(u) => Ctx::new(Principal {
            id: u.id.0.to_string(),
            name: u.name,
            kind: PrincipalKind::Customer {
                account,
                roles: vec![CustomerRole::Buyer],
                scope: LocationScope::All,
            },
            via: None,
        }),
        None => Ctx::system(),
    })
}

pub(super) async fn saved_lists(app: &App, account: AccountId, usd: Currency) -> Result<()> {
    let system = Ctx::system();
    let a = app.account(&system, account).await?.value;
    let to: Vec<_> = a
        .locations
        .iter()
        .filter(|l| l.kind.can_receive())
        .map(|l| l.id)
        .collect();
    let (Some(&first), Some(&second)) = (to.first(), to.get(1).or(to.first())) else {
        return Ok(());
    };
    // A product of the old catalogue, still on an exam-room list.
    let old = NewProduct {
        sku: "EXM-PPR-18-OLD".into(),
        name: "Exam Table Paper, 18 in, Crepe (old style, 12 rolls)".into(),
        category: "Medical".into(),
        list_price: Money::from_minor(3150, usd),
        setup_guide: None,
        care_instructions: None,
    };
    let old = app.run(&system, || app.plan_create_product(&system, &old)).await?.value;
    let ctx = buyer(app, account).await?;
    let line = |sku: &str, q: u32, to| SavedListLineInput {
        product: ProductRef::Sku(sku.into()),
        quantity: Qty::new(q),
        ship_to: to,
        cost_centre: None,
    };
    let lists = [
        NewSavedList {
            account_id: account,
            name: "Weekly clinic restock".into(),
            lines: vec![
                line("GLV-NIT-M", 20, first),
                line("GLV-NIT-L", 10, first),
                line("SAN-GEL-1GAL", 6, second),
                line("WIPE-DISINF-800", 4, second),
            ],
        },
        NewSavedList {
            account_id: account,
            name: "Exam room supplies".into(),
            lines: vec![
                line("EXM-PPR-18-OLD", 2, first),
                line("MSK-N95", 5, first),
                line("SOAP-FOAM-1L", 2, second),
            ],
        },
    ];
    for l in &lists {
        app.run(&ctx, || app.plan_create_saved_list(&ctx, l)).await?;
    }
    app.run(&system, || app.plan_discontinue_product(&system, old.id))
        .await?;
    Ok(())
}
