//! The page access matrix, like the API's isolation matrix: every page route × every persona ×
//! whose record it is (the viewer's own account, another account, outside the viewer's location
//! scope, routed to a supplier). The test fails when a registered page has no row here, so a new
//! page cannot ship without its rule being written down and tried.
//!
//! Cells: `O` 200 page, `S` sent to sign in, `R` redirected elsewhere (a signed-in person's start
//! page), `F` 403 "You cannot use this page", `N` 404 "Page not found" (not yours = missing),
//! `U` 422, the page saying what is wrong with the request (a query or a document that cannot be
//! made), `P` either (200, or 422 with the reason: a download that depends on the data),
//! `-` not tried here (a permitted form post: its effect is tried in the page's own tests).
//! Form posts are sent with the persona's CSRF token and no fields, so a permitted one would at
//! most refuse the empty form; denied ones must be refused before the handler runs.

use crate::both_stores;
use crate::harness::{ADMIN, AGENT, APPROVER, BUYER, FINANCE, OTHER, SCOPED, SUPPLIER, Session, TestWeb};
use aftercart_app::{Ctx, ListFilter, NewSavedList, ProductRef, SavedListLineInput};
use aftercart_domain::account::LocationKind;
use aftercart_domain::order::Order;
use aftercart_domain::quantity::Qty;
use axum::http::StatusCode;
use std::collections::HashMap;

/// Personas, in the order of a row's cells.
const PERSONAS: [&str; 9] = ["anon", BUYER, APPROVER, FINANCE, ADMIN, SCOPED, OTHER, AGENT, SUPPLIER];

/// Which record a `{id}` stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Rec {
    Plain,
    /// A Northwind order shipping to the scoped user's location, not routed to the supplier.
    Order,
    /// A Northwind order shipping only outside the scoped user's locations.
    OrderOutOfScope,
    /// A Northwind order with a line routed to the dropship supplier.
    OrderRouted,
    Invoice,
    Account,
    User,
    Location,
    Key,
    List,
    /// A shipment from the dropship supplier.
    SupplierShipment,
    // -- returns --
    /// A return of a Northwind order shipping to the scoped user's location.
    Return,
    // -- /returns --
    // -- cases --
    /// A case about `Order` (the scoped user sees it), and one about `OrderOutOfScope`.
    Case,
    CaseOutOfScope,
    // -- /cases --
    // -- exceptions --
    /// An open exception the detector raised over the demo (the console's alone).
    Exception,
    // -- /exceptions --
    // -- change requests --
    /// A change request the demo made on a Northwind order (the console decides it).
    Change,
    // -- /change requests --
    // -- notifications --
    /// A notification of the buyer's (a shipment of a Northwind order, fanned out).
    Notification,
    /// A webhook endpoint of Northwind's.
    Endpoint,
    /// A product with a setup guide (post-delivery help).
    Product,
    // -- /notifications --
    // -- receivables --
    /// A dispute on a Northwind invoice.
    Dispute,
    /// An online payment of Northwind's (paid through localstripe).
    OnlinePayment,
    /// A method Northwind saved at the payment provider.
    Method,
    /// A Northwind credit memo.
    CreditMemo,
    /// A bank statement import, and the receipt it left unapplied (the seller's alone).
    BankImport,
    Receipt,
    // -- /receivables --
}

use Rec::*;

/// (method, route pattern, record, query string, cells).
const MATRIX: &[(&str, &str, Rec, &str, &str)] = &[
    //                                                         anon buy app fin adm sco oth agt sup
    ("GET", "/", Plain, "", "SRRRRRRRR"),
    ("GET", "/sign-in", Plain, "", "ORRRRRRRR"),
    ("POST", "/sign-in", Plain, "", "---------"),
    ("POST", "/sign-out", Plain, "", "S--------"),
    ("GET", "/invitations/accept", Plain, "token=x", "OOOOOOOOO"),
    ("POST", "/invitations/accept", Plain, "", "---------"),
    ("GET", "/static/{file}", Plain, "", "OOOOOOOOO"),
    ("GET", "/dashboard", Plain, "", "SOOOOOOFF"),
    ("GET", "/orders", Plain, "", "SOOOOOOOO"),
    ("GET", "/orders/{id}", Order, "", "SOOOOONON"),
    ("GET", "/orders/{id}", OrderOutOfScope, "", "SOOOONNON"),
    ("GET", "/orders/{id}", OrderRouted, "", "SOOOO-NOO"),
    ("GET", "/invoices", Plain, "", "SFOOOOOOF"),
    ("GET", "/invoices/{id}", Invoice, "", "SFOOOONOF"),
    ("GET", "/console", Plain, "", "SFFFFFFOF"),
    ("GET", "/approvals", Plain, "", "SFOFOFOFF"),
    ("POST", "/approvals/{id}", Order, "", "SF-F-FNFF"),
    ("GET", "/spend", Plain, "", "SFOOOOOFF"),
    ("GET", "/admin", Plain, "", "SFFFOFOFF"),
    ("GET", "/admin/users", Plain, "", "SFFFOFOFF"),
    ("GET", "/admin/users/invite", Plain, "", "SFFFOFOFF"),
    ("POST", "/admin/users/invite", Plain, "", "SFFF-F-FF"),
    ("GET", "/admin/users/{id}", User, "", "SFFFOFNFF"),
    ("POST", "/admin/users/{id}", User, "", "SFFF-FNFF"),
    ("GET", "/admin/users/{id}/deactivate", User, "", "SFFFOFNFF"),
    ("POST", "/admin/users/{id}/deactivate", User, "", "SFFF-FNFF"),
    ("POST", "/admin/users/{id}/invitation", User, "", "SFFF-FNFF"),
    ("GET", "/admin/locations", Plain, "", "SFFFOFOFF"),
    ("GET", "/admin/locations/new", Plain, "", "SFFFOFOFF"),
    ("POST", "/admin/locations/new", Plain, "", "SFFF-F-FF"),
    ("GET", "/admin/locations/{id}", Location, "", "SFFFOFNFF"),
    ("POST", "/admin/locations/{id}", Location, "", "SFFF-FNFF"),
    ("GET", "/admin/keys", Plain, "", "SFFFOFOFF"),
    ("POST", "/admin/keys", Plain, "", "SFFF-F-FF"),
    ("POST", "/admin/keys/{id}/revoke", Key, "", "SFFF-FNFF"),
    ("GET", "/admin/policy", Plain, "", "SFFFOFOFF"),
    ("POST", "/admin/policy", Plain, "", "SFFF-F-FF"),
    ("GET", "/admin/budgets", Plain, "", "SFFFOFOFF"),
    ("POST", "/admin/budgets", Plain, "", "SFFF-F-FF"),
    ("GET", "/lists", Plain, "", "SOOOOOOFF"),
    ("GET", "/lists/new", Plain, "", "SOFFOOOFF"),
    ("POST", "/lists/new", Plain, "", "S-FF---FF"),
    ("GET", "/lists/{id}", List, "", "SOOOOONFF"),
    ("GET", "/lists/{id}/edit", List, "", "SOFFOONFF"),
    ("POST", "/lists/{id}/edit", List, "", "S-FF--NFF"),
    ("GET", "/lists/{id}/delete", List, "", "SOFFOONFF"),
    ("POST", "/lists/{id}/delete", List, "", "S-FF--NFF"),
    ("GET", "/lists/{id}/reorder", List, "", "SOFFOONFF"),
    ("POST", "/lists/{id}/reorder", List, "", "S-FF--NFF"),
    ("GET", "/orders/{id}/reorder", Order, "", "SOFFOONFF"),
    ("POST", "/orders/{id}/reorder", Order, "", "S-FF--NFF"),
    ("GET", "/supplier", Plain, "", "SFFFFFFFO"),
    ("POST", "/supplier/orders/{id}/confirm", OrderRouted, "", "SFFFFFFF-"),
    ("GET", "/supplier/orders/{id}/ship", OrderRouted, "", "SFFFFFFFO"),
    ("POST", "/supplier/orders/{id}/ship", OrderRouted, "", "SFFFFFFF-"),
    // -- dropship --
    ("GET", "/supplier/orders/{id}/reject", OrderRouted, "", "SFFFFFFFO"),
    ("POST", "/supplier/orders/{id}/reject", OrderRouted, "", "SFFFFFFF-"),
    // -- /dropship --
    (
        "GET",
        "/supplier/shipments/{id}/tracking",
        SupplierShipment,
        "",
        "SFFFFFFFO",
    ),
    (
        "POST",
        "/supplier/shipments/{id}/tracking",
        SupplierShipment,
        "",
        "SFFFFFFF-",
    ),
    ("GET", "/shipments", Plain, "", "SOOOOOOOO"),
    ("GET", "/forgot-password", Plain, "", "ORRRRRRRR"),
    ("POST", "/forgot-password", Plain, "", "---------"),
    ("GET", "/reset-password", Plain, "token=x", "NNNNNNNNN"),
    ("POST", "/reset-password", Plain, "", "---------"),
    ("POST", "/users/{id}/password-reset", User, "", "SFFF-FN-F"),
    ("GET", "/track", Plain, "", "OOOOOOOOO"),
    ("POST", "/track", Plain, "", "---------"),
    ("GET", "/search", Plain, "q=northwind", "SFFFFFFOF"),
    ("GET", "/console/accounts/{id}", Account, "", "SFFFFFFOF"),
    ("GET", "/orders.csv", Plain, "", "SOOOOOOOO"),
    ("GET", "/invoices.csv", Plain, "", "SFOOOOOOF"),
    // -- returns --
    ("GET", "/orders/{id}/return", Order, "", "SOFFOONOF"),
    ("POST", "/orders/{id}/return", Order, "", "S-FF--N-F"),
    ("GET", "/returns", Plain, "", "SOOOOOOFF"),
    ("GET", "/returns/{id}", Return, "", "SOOOOONFF"),
    ("POST", "/returns/{id}/shipment", Return, "", "S-FF--NFF"),
    ("GET", "/console/returns", Plain, "", "SFFFFFFOF"),
    ("GET", "/console/returns/{id}", Return, "", "SFFFFFFOF"),
    ("POST", "/console/returns/{id}/decision", Return, "", "SFFFFFF-F"),
    ("POST", "/console/returns/{id}/shipment", Return, "", "SFFFFFF-F"),
    ("POST", "/console/returns/{id}/receipt", Return, "", "SFFFFFF-F"),
    // -- /returns --
    // -- cases --
    ("GET", "/cases", Plain, "", "SOOOOOOFF"),
    ("GET", "/cases/new", Order, "about=order:{id}", "SOOOOONOF"),
    ("GET", "/cases/new", OrderOutOfScope, "about=order:{id}", "SOOOONNOF"),
    ("POST", "/cases/new", Plain, "", "S-------F"),
    ("GET", "/cases/{id}", Case, "", "SOOOOONFF"),
    ("GET", "/cases/{id}", CaseOutOfScope, "", "SOOOONNFF"),
    ("POST", "/cases/{id}/reply", Case, "", "S-----NFF"),
    ("POST", "/cases/{id}/status", Case, "", "S-----NFF"),
    ("GET", "/console/cases", Plain, "", "SFFFFFFOF"),
    ("GET", "/console/cases/{id}", Case, "", "SFFFFFFOF"),
    ("POST", "/console/cases/{id}/reply", Case, "", "SFFFFFF-F"),
    ("POST", "/console/cases/{id}/assign", Case, "", "SFFFFFF-F"),
    ("POST", "/console/cases/{id}/status", Case, "", "SFFFFFF-F"),
    // -- /cases --
    // -- exceptions --
    ("GET", "/console/exceptions", Plain, "", "SFFFFFFOF"),
    (
        "GET",
        "/console/exceptions",
        Plain,
        "kind=tracking_stalled&age=1",
        "SFFFFFFOF",
    ),
    ("POST", "/console/exceptions/bulk", Plain, "", "SFFFFFF-F"),
    ("GET", "/console/exceptions/{id}", Exception, "", "SFFFFFFOF"),
    (
        "POST",
        "/console/exceptions/{id}/acknowledge",
        Exception,
        "",
        "SFFFFFF-F",
    ),
    ("POST", "/console/exceptions/{id}/assign", Exception, "", "SFFFFFF-F"),
    ("POST", "/console/exceptions/{id}/resolve", Exception, "", "SFFFFFF-F"),
    // -- /exceptions --
    // -- change requests --
    ("GET", "/orders/{id}/change", Order, "", "SOFFOONOF"),
    ("GET", "/orders/{id}/change", OrderOutOfScope, "", "SOFFONNOF"),
    ("POST", "/orders/{id}/change", Order, "", "S-FF--N-F"),
    ("GET", "/console/changes", Plain, "", "SFFFFFFOF"),
    ("GET", "/console/changes/{id}", Change, "", "SFFFFFFOF"),
    ("POST", "/console/changes/{id}", Change, "", "SFFFFFF-F"),
    // -- /change requests --
    // -- notifications --
    // Everyone signed in has their own notifications; another's is not found.
    ("GET", "/notifications", Plain, "", "SOOOOOOOO"),
    ("GET", "/notifications", Plain, "before=not-a-cursor", "SOOOOOOOO"),
    ("POST", "/notifications/{id}/read", Notification, "", "S-NNNNNNN"),
    ("POST", "/notifications/read-all", Plain, "", "SRRRRRRRR"),
    ("GET", "/settings/notifications", Plain, "", "SOOOOOOOO"),
    ("POST", "/settings/notifications", Plain, "", "S--------"),
    // Public: the signed token is the credential; a token that is not ours is not found.
    ("GET", "/unsubscribe", Plain, "token=x", "NNNNNNNNN"),
    // A help link that is not ours records nothing and is not found, signed in or not.
    ("GET", "/h/{token}", Plain, "", "NNNNNNNNN"),
    // The guides are catalogue content: everyone signed in who sees the catalogue.
    ("GET", "/help/{id}", Product, "", "SOOOOOOOO"),
    ("POST", "/unsubscribe", Plain, "token=x.y", "NNNNNNNNN"),
    // -- punchout --
    // No sign-in: the OCI call's USERNAME/PASSWORD, then the session's token, are the key. A
    // call without its fields says what is missing; a token that is not a session is not found.
    ("GET", "/punchout/oci", Plain, "", "UUUUUUUUU"),
    ("POST", "/punchout/oci", Plain, "", "UUUUUUUUU"),
    ("GET", "/punchout/{token}", Plain, "", "NNNNNNNNN"),
    ("POST", "/punchout/{token}/cart", Plain, "", "NNNNNNNNN"),
    ("POST", "/punchout/{token}/return", Plain, "", "NNNNNNNNN"),
    // -- /punchout --
    ("GET", "/admin/notifications", Plain, "", "SFFFOFOFF"),
    ("POST", "/admin/notifications", Plain, "", "SFFF-F-FF"),
    // A customer's account admin: their own company's endpoints; another's is not found.
    ("GET", "/admin/webhooks", Plain, "", "SFFFOFOFF"),
    ("POST", "/admin/webhooks", Plain, "", "SFFF-F-FF"),
    ("GET", "/admin/webhooks/{id}", Endpoint, "", "SFFFOFNFF"),
    ("POST", "/admin/webhooks/{id}/rotate", Endpoint, "", "SFFF-FNFF"),
    ("POST", "/admin/webhooks/{id}/state", Endpoint, "", "SFFF-FNFF"),
    ("POST", "/admin/webhooks/{id}/replay", Endpoint, "", "SFFF-FNFF"),
    ("POST", "/admin/webhooks/{id}/replay-since", Endpoint, "", "SFFF-FNFF"),
    // The seller's admins only (the agent persona is refused; tests/web/notifications.rs
    // walks these pages as a seller admin).
    ("GET", "/console/webhooks", Plain, "", "SFFFFFFFF"),
    ("POST", "/console/webhooks", Plain, "", "SFFFFFFFF"),
    ("GET", "/console/webhooks/{id}", Endpoint, "", "SFFFFFFFF"),
    ("POST", "/console/webhooks/{id}/rotate", Endpoint, "", "SFFFFFFFF"),
    ("POST", "/console/webhooks/{id}/state", Endpoint, "", "SFFFFFFFF"),
    ("POST", "/console/webhooks/{id}/replay", Endpoint, "", "SFFFFFFFF"),
    ("POST", "/console/webhooks/{id}/replay-since", Endpoint, "", "SFFFFFFFF"),
    ("GET", "/console/deliveries", Plain, "", "SFFFFFFFF"),
    ("POST", "/console/deliveries/{id}/replay", Endpoint, "", "SFFFFFFFF"),
    // -- /notifications --
    // -- receivables --
    // The invoice's documents are the invoice's. The e-invoice is the XML, or the invoice page
    // saying why it cannot be made (the demo's US tax ids fail a Peppol rule today).
    ("GET", "/invoices/{id}/pdf", Invoice, "", "SFOOOONOF"),
    ("GET", "/invoices/{id}/ubl", Invoice, "", "SFPPPPNPF"),
    ("GET", "/credit-memos/{id}/pdf", CreditMemo, "", "SFOOOONOF"),
    // Paying, methods and autopay: the account's own finance users and admins.
    ("GET", "/pay", Plain, "", "SFFOOOOFF"),
    ("GET", "/pay", Plain, "due=1", "SFFOOOOFF"),
    ("POST", "/pay", Plain, "", "SFF----FF"),
    ("GET", "/payments/online/{id}", OnlinePayment, "", "SFOOOONOF"),
    ("GET", "/settings/payments", Plain, "", "SFFOOOOFF"),
    ("POST", "/settings/payments/methods", Plain, "", "SFF----FF"),
    (
        "POST",
        "/settings/payments/methods/{id}/remove",
        Method,
        "",
        "SFF---NFF",
    ),
    ("POST", "/settings/payments/autopay", Plain, "", "SFF----FF"),
    // Disputes: read with billing access, argued with `Dispute`; staff open one from the invoice.
    ("GET", "/disputes", Plain, "", "SFOOOOOFF"),
    ("GET", "/disputes/{id}", Dispute, "", "SFOOOONFF"),
    ("POST", "/disputes/{id}/messages", Dispute, "", "SFF---NFF"),
    ("GET", "/invoices/{id}/dispute", Invoice, "", "SFFOOONOF"),
    ("POST", "/invoices/{id}/dispute", Invoice, "", "SFF---N-F"),
    ("GET", "/statement", Plain, "", "SFOOOOOFF"),
    ("GET", "/statement", Plain, "from=2026-11-30&to=2026-11-01", "SFUUUUUFF"),
    (
        "GET",
        "/statement.pdf",
        Plain,
        "from=2026-11-01&to=2026-11-30",
        "SFOOOOOFF",
    ),
    ("GET", "/statement.csv", Plain, "", "SFOOOOOFF"),
    // The console: staff read; finance ops (no persona here; tests/web/receivables.rs) act.
    ("GET", "/console/receivables", Plain, "", "SFFFFFFFF"),
    ("GET", "/console/bank-statements", Plain, "", "SFFFFFFFF"),
    ("POST", "/console/bank-statements", Plain, "", "SFFFFFFFF"),
    ("GET", "/console/bank-statements/{id}", BankImport, "", "SFFFFFFFF"),
    ("GET", "/console/unapplied", Plain, "", "SFFFFFFFF"),
    ("GET", "/console/unapplied/{id}", Receipt, "", "SFFFFFFFF"),
    ("POST", "/console/unapplied/{id}", Receipt, "", "SFFFFFFFF"),
    ("GET", "/console/credit-holds", Plain, "", "SFFFFFFFF"),
    ("POST", "/console/credit-holds/{id}", Order, "", "SFFFFFFFF"),
    ("GET", "/console/disputes", Plain, "", "SFFFFFFOF"),
    ("GET", "/console/disputes/{id}", Dispute, "", "SFFFFFFOF"),
    ("POST", "/console/disputes/{id}/messages", Dispute, "", "SFFFFFF-F"),
    ("POST", "/console/disputes/{id}/resolution", Dispute, "", "SFFFFFFFF"),
    ("GET", "/console/seller-profile", Plain, "", "SFFFFFFOF"),
    ("POST", "/console/seller-profile", Plain, "", "SFFFFFFFF"),
    // -- /receivables --
];

#[test]
fn every_page_has_a_row_in_the_matrix() {
    let mut missing = Vec::new();
    for (m, p) in aftercart_web::page_routes() {
        if !MATRIX.iter().any(|(rm, rp, ..)| *rm == m.as_str() && *rp == p) {
            missing.push(format!("{m} {p}"));
        }
    }
    assert!(
        missing.is_empty(),
        "pages without a row in the access matrix: {missing:?}"
    );
    for (m, p, _, _, cells) in MATRIX {
        assert_eq!(cells.len(), PERSONAS.len(), "{m} {p}");
        assert!(
            aftercart_web::page_routes()
                .iter()
                .any(|(rm, rp)| rm.as_str() == *m && rp == p),
            "the matrix has a row for {m} {p}, which is not a page"
        );
    }
}

/// A concrete record id for each kind.
async fn records(t: &TestWeb) -> HashMap<Rec, String> {
    let ctx = Ctx::system();
    let nw = t.northwind().await;
    let scoped_loc = nw
        .locations
        .iter()
        .find(|l| l.kind == LocationKind::ShipTo)
        .expect("the scoped user's location")
        .id;
    let supplier = t
        .app
        .fulfilment_locations(&ctx)
        .await
        .expect("fulfilment locations")
        .into_iter()
        .find(|f| f.kind == aftercart_domain::account::FulfilmentKind::DropshipSupplier)
        .expect("the dropship supplier")
        .id;
    let mut orders: Vec<Order> = Vec::new();
    let mut f = ListFilter {
        account_id: Some(nw.id),
        limit: 500,
        ..Default::default()
    };
    loop {
        let p = t.app.list_orders(&ctx, &f).await.expect("orders");
        orders.extend(p.items.into_iter().map(|o| o.value));
        match p.next {
            Some(n) => f.before = Some(n),
            None => break,
        }
    }
    let routed = |o: &Order| {
        o.lines
            .iter()
            .any(|l| l.allocations.iter().any(|a| a.location == supplier))
    };
    let in_scope = |o: &Order| o.lines.iter().all(|l| l.ship_to == scoped_loc);
    let outside = |o: &Order| o.lines.iter().all(|l| l.ship_to != scoped_loc);
    let mut m = HashMap::new();
    let pick = |p: &dyn Fn(&Order) -> bool, what: &str| {
        orders
            .iter()
            .find(|o| p(o))
            .unwrap_or_else(|| panic!("the demo has no Northwind order {what}"))
            .id
            .0
            .to_string()
    };
    m.insert(Order, pick(&|o| in_scope(o) && !routed(o), "in scope, not routed"));
    m.insert(
        OrderOutOfScope,
        pick(&|o| outside(o) && !routed(o), "outside the scope"),
    );
    m.insert(OrderRouted, pick(&|o| routed(o), "routed to the supplier"));
    let shipment = orders
        .iter()
        .flat_map(|o| o.shipments.iter())
        .find(|s| s.from == supplier)
        .expect("a shipment from the supplier");
    m.insert(SupplierShipment, shipment.id.0.to_string());
    let invoice = t
        .app
        .list_invoices(
            &ctx,
            &ListFilter {
                account_id: Some(nw.id),
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .expect("invoices")
        .items
        .remove(0)
        .value;
    m.insert(Invoice, invoice.id.0.to_string());
    m.insert(Account, nw.id.0.to_string());
    m.insert(Location, scoped_loc.0.to_string());
    let users = t
        .app
        .list_users(
            &ctx,
            &ListFilter {
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .expect("users")
        .items;
    let buyer = users
        .iter()
        .find(|u| u.value.email == BUYER)
        .expect("buyer")
        .value
        .clone();
    m.insert(User, buyer.id.0.to_string());
    let key = t
        .app
        .run(&ctx, || t.app.plan_create_api_key(&ctx, buyer.id, "matrix"))
        .await
        .expect("a key");
    m.insert(Key, key.key.id.to_string());
    let product = orders[0].lines[0].product_id;
    let new_list = NewSavedList {
        account_id: nw.id,
        name: "Matrix list".into(),
        lines: vec![SavedListLineInput {
            product: ProductRef::Id(product),
            quantity: Qty::new(2),
            ship_to: scoped_loc,
            cost_centre: None,
        }],
    };
    let list = t
        .app
        .run(&ctx, || t.app.plan_create_saved_list(&ctx, &new_list))
        .await
        .expect("a saved list");
    m.insert(List, list.value.id.0.to_string());
    // -- returns --
    let delivered = orders
        .iter()
        .find_map(|o| {
            let l = o
                .lines
                .iter()
                .find(|l| l.ship_to == scoped_loc && !o.ledger(l).delivered.is_zero())?;
            (in_scope(o) && !routed(o)).then_some((o.id, l.no))
        })
        .expect("a delivered Northwind order to the scoped user's location");
    let ask = aftercart_app::RequestReturn {
        order_id: delivered.0,
        reason: aftercart_domain::returns::ReturnReason::NotNeeded,
        note: None,
        description: None,
        lines: vec![(delivered.1, Qty::new(1))],
    };
    let ret = t
        .app
        .run(&ctx, || t.app.plan_request_return(&ctx, &ask))
        .await
        .expect("a return");
    m.insert(Return, ret.value.id.0.to_string());
    // -- /returns --
    // -- cases --
    for (rec, about) in [(Case, Order), (CaseOutOfScope, OrderOutOfScope)] {
        let open = aftercart_app::OpenCase {
            about_kind: aftercart_domain::case::AboutKind::Order,
            about_id: m[&about].parse().expect("order id"),
            subject: String::new(),
            body: "The matrix asks.".into(),
        };
        let c = t
            .app
            .run(&ctx, || t.app.plan_open_case(&ctx, &open))
            .await
            .expect("a case");
        m.insert(rec, c.case.id.0.to_string());
    }
    // -- /cases --
    // -- exceptions --
    let open = t
        .app
        .list_exceptions(
            &ctx,
            &aftercart_app::ExceptionFilter {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .expect("exceptions")
        .items;
    m.insert(
        Exception,
        open.first().expect("the demo raises exceptions").value.id.0.to_string(),
    );
    // -- /exceptions --
    // -- change requests --
    let changes = t
        .app
        .list_change_requests(
            &ctx,
            &ListFilter {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .expect("change requests")
        .items;
    m.insert(
        Change,
        changes
            .first()
            .expect("the demo asks for changes")
            .value
            .id
            .0
            .to_string(),
    );
    // -- /change requests --
    // -- notifications --
    t.ship_one_unit().await;
    t.app.fan_out_all().await.expect("fan-out");
    let bea = Ctx::new(buyer.principal());
    let note = t
        .app
        .notifications(&bea, true, None, 1)
        .await
        .expect("the buyer's notifications")
        .into_iter()
        .next()
        .expect("the shipment reached the buyer");
    m.insert(Notification, note.value.id.to_string());
    let usd = aftercart_domain::Currency::parse("USD", "currency").expect("usd");
    let guide = aftercart_app::NewProduct {
        sku: "MTX-HELP".into(),
        name: "Matrix lamp".into(),
        category: "equipment".into(),
        list_price: aftercart_domain::Money::from_minor(9_000, usd),
        setup_guide: Some("Mount the arm.".into()),
        care_instructions: None,
    };
    let staff = Ctx::new(aftercart_app::Principal::staff("matrix", "Matrix"));
    let product = t
        .app
        .run(&staff, async || t.app.plan_create_product(&staff, &guide).await)
        .await
        .expect("product");
    m.insert(Product, product.value.id.0.to_string());
    let ep = aftercart_app::notify::EndpointInput {
        url: "https://hooks.example.com/matrix".into(),
        description: None,
        event_types: vec!["*".into()],
        account_id: Some(nw.id),
    };
    let ep = t
        .app
        .run(&ctx, || t.app.plan_create_endpoint(&ctx, &ep))
        .await
        .expect("an endpoint");
    m.insert(Endpoint, ep.id.to_string());
    // -- /notifications --
    // -- receivables --
    receivable_records(t, &nw, &mut m).await;
    // -- /receivables --
    m
}

/// A dispute, an online payment (with its saved method), a credit memo, a bank import and the
/// receipt it queued, on Northwind's records.
async fn receivable_records(t: &TestWeb, nw: &aftercart_domain::account::Account, m: &mut HashMap<Rec, String>) {
    use aftercart_app::payments::{OpenDispute, PayInput, PayRequest, ShortPayDetail};
    use aftercart_domain::receivables::online::ShortReason;
    let ctx = Ctx::system();
    let open = t.app.open_position(&ctx, nw.id).await.expect("open position").invoices;
    assert!(open.len() >= 2, "the demo has open Northwind invoices");
    let cents = |n| aftercart_domain::Money::from_minor(n, nw.currency);
    let method = t
        .app
        .add_payment_method(&ctx, nw.id, "pm_card_visa")
        .await
        .expect("a saved card (localstripe: scripts/localstripe.sh)");
    m.insert(Method, method.id.0.to_string());
    let pay = PayInput {
        account_id: nw.id,
        method_id: method.id,
        invoices: vec![PayRequest {
            invoice_id: open[0].value.id,
            amount: cents(100),
            short: Some(ShortReason::Later),
            detail: ShortPayDetail::default(),
        }],
        excess_to_credit: false,
    };
    let paid = t
        .app
        .pay_invoices(&ctx, &pay, |_| (200, String::new()))
        .await
        .expect("paid online");
    m.insert(OnlinePayment, paid.payment.value.id.0.to_string());
    let ask = OpenDispute {
        invoice_id: open[1].value.id,
        reason: aftercart_domain::receivables::dispute::DisputeReason::Damaged,
        lines: vec![],
        amount: Some(cents(100)),
        shipment_id: None,
        return_id: None,
        message: "The matrix disputes a dollar.".into(),
    };
    let d = t
        .app
        .run(&ctx, || t.app.plan_open_dispute(&ctx, &ask))
        .await
        .expect("a dispute");
    m.insert(Dispute, d.value.id.0.to_string());
    let memos = t
        .app
        .list_credit_memos(
            &ctx,
            &ListFilter {
                account_id: Some(nw.id),
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .expect("credit memos")
        .items;
    let memo = match memos.first() {
        Some(c) => c.value.id.0.to_string(),
        None => {
            // None in the demo: a second dispute, credited.
            let second = t
                .app
                .run(&ctx, || t.app.plan_open_dispute(&ctx, &ask))
                .await
                .expect("a dispute");
            let how = aftercart_app::payments::Resolve::Credit { amount: cents(100) };
            let done = t
                .app
                .run(&ctx, || t.app.plan_resolve_dispute(&ctx, second.value.id, &how))
                .await
                .expect("credited");
            match done.value.resolution.map(|r| r.outcome) {
                Some(aftercart_domain::receivables::dispute::Outcome::Credited { credit_memo_id, .. }) => {
                    credit_memo_id.0.to_string()
                }
                other => panic!("a credit memo, not {other:?}"),
            }
        }
    };
    m.insert(CreditMemo, memo);
    let csv = "date,amount,currency,reference\n2026-11-19,77.71,USD,the matrix pays nothing we know\n";
    let imp = t
        .app
        .import_bank_statement(&ctx, csv.as_bytes(), Some("matrix.csv"))
        .await
        .expect("a bank import");
    m.insert(BankImport, imp.value.id.0.to_string());
    m.insert(
        Receipt,
        imp.value
            .unapplied
            .first()
            .expect("the receipt was queued")
            .0
            .to_string(),
    );
}

fn expect(cell: char, p: &crate::harness::Page) -> Result<(), String> {
    let signin = p.status == StatusCode::SEE_OTHER && p.location().starts_with("/sign-in");
    let ok = match cell {
        'O' => p.status == StatusCode::OK,
        'S' => signin,
        'R' => p.status == StatusCode::SEE_OTHER && !signin,
        'F' => p.status == StatusCode::FORBIDDEN,
        'N' => p.status == StatusCode::NOT_FOUND,
        'U' => p.status == StatusCode::UNPROCESSABLE_ENTITY,
        'P' => matches!(p.status, StatusCode::OK | StatusCode::UNPROCESSABLE_ENTITY),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected {cell}, got {} (location {:?})",
            p.status,
            p.location()
        ))
    }
}

async fn every_page_answers_every_persona_as_the_matrix_says(t: TestWeb) {
    let ids = records(&t).await;
    let mut sessions: Vec<Session> = vec![Session::default()];
    for email in &PERSONAS[1..] {
        sessions.push(t.sign_in(email).await);
    }
    let mut wrong = Vec::new();
    for (method, path, rec, q, cells) in MATRIX {
        let mut url = path.replace("{file}", "app.css");
        if path.starts_with("/static/") {
            url = aftercart_web::assets::css_url();
        }
        if *rec != Plain {
            url = url.replace("{id}", &ids[rec]);
        }
        if !q.is_empty() {
            // -- cases --
            // A query may name the record too (`/cases/new?about=order:{id}`).
            let q = if *rec != Plain {
                q.replace("{id}", &ids[rec])
            } else {
                q.to_string()
            };
            // -- /cases --
            url = format!("{url}?{q}");
        }
        for (i, cell) in cells.chars().enumerate() {
            if cell == '-' {
                continue;
            }
            let s = &sessions[i];
            let p = if *method == "GET" {
                t.get(&url, s).await
            } else {
                t.post(&url, s, &[]).await
            };
            assert!(
                p.status.as_u16() < 500,
                "{method} {url} as {}: {}",
                PERSONAS[i],
                p.status
            );
            if let Err(e) = expect(cell, &p) {
                wrong.push(format!("{method} {path} [{rec:?}] as {}: {e}", PERSONAS[i]));
            }
        }
    }
    assert!(wrong.is_empty(), "{} cells differ:\n{}", wrong.len(), wrong.join("\n"));
}

both_stores!(every_page_answers_every_persona_as_the_matrix_says);
