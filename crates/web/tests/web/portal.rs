//! The customer portal and the staff views: orders, the order page, invoices and the match,
//! the dashboard, the console — and isolation (not yours = the same 404 as missing).

use crate::both_stores;
use crate::harness::{AGENT, APPROVER, BUYER, FINANCE, OTHER, SCOPED, SUPPLIER, TestWeb};
use aftercart_app::{Ctx, ListFilter};
use aftercart_domain::account::Account;
use aftercart_domain::invoice::Invoice;
use aftercart_domain::order::Order;
use axum::http::StatusCode;

async fn invoices_of(t: &TestWeb, a: &Account) -> Vec<Invoice> {
    t.app
        .list_invoices(
            &Ctx::system(),
            &ListFilter {
                account_id: Some(a.id),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .expect("invoices")
        .items
        .into_iter()
        .map(|i| i.value)
        .collect()
}

/// A Northwind order split over several shipments, with a backorder if there is one.
fn split_order(orders: &[Order]) -> &Order {
    orders
        .iter()
        .filter(|o| o.shipments.len() >= 2)
        .max_by_key(|o| o.lines.iter().filter(|l| l.backorder.is_some()).count())
        .expect("a Northwind order with two shipments")
}

async fn buyer_reads_orders_and_did_this_ship(t: TestWeb) {
    let nw = t.account_named("Northwind Clinics").await;
    let orders = t.orders_of(&Ctx::system(), &nw).await;
    let s = t.sign_in(BUYER).await;

    // The list: newest first, 25 a page, the next page continues where this one stopped.
    let p = t.get("/orders", &s).await.ok();
    let numbers = p.texts("#orders tbody tr td:first-child");
    assert_eq!(numbers.len(), 25.min(orders.len()));
    assert_eq!(numbers[0], orders[0].number);
    let next = p.attrs("a[rel=next]", "href").pop().expect("a next page");
    let p2 = t.get(&next, &s).await.ok();
    let more = p2.texts("#orders tbody tr td:first-child");
    assert_eq!(more[0], orders[25].number, "page two starts after page one");

    // Filters: status and ship-to location; the chosen values stay selected.
    let p = t.get("/orders?status=delivered", &s).await.ok();
    let tags = p.texts("#orders tbody tr td:nth-child(4) .tag:first-child");
    assert!(!tags.is_empty());
    assert!(tags.iter().all(|t| t == "Delivered"), "{tags:?}");
    assert_eq!(
        p.attrs("#status option[selected]", "value"),
        vec!["delivered".to_owned()]
    );
    let loc = &nw
        .locations
        .iter()
        .find(|l| orders.iter().any(|o| o.lines.iter().any(|x| x.ship_to == l.id)))
        .expect("a used location");
    let p = t.get(&format!("/orders?location={}", loc.id.0), &s).await.ok();
    let want: Vec<&str> = orders
        .iter()
        .filter(|o| o.lines.iter().any(|l| l.ship_to == loc.id))
        .take(25)
        .map(|o| o.number.as_str())
        .collect();
    assert_eq!(p.texts("#orders tbody tr td:first-child"), want);

    // Bad filter values re-render the form with the error beside the field and the value kept.
    let p = t.get("/orders?from=2026-13-45&status=nonsense", &s).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    let summary: Vec<String> = p.error_summary().into_iter().map(|(h, _)| h).collect();
    assert_eq!(summary, vec!["#status".to_owned(), "#from".to_owned()]);
    assert!(p.field_error("from").unwrap_or_default().contains("real date"));
    assert_eq!(p.attrs("#from", "value"), vec!["2026-13-45".to_owned()]);
    let p = t.get("/orders?from=2026-11-10&to=2026-11-01", &s).await;
    assert!(p.field_error("to").is_some(), "to before from");

    // Going to an order by its number; a number that is not theirs is as unknown as a typo.
    let p = t.get(&format!("/orders?number={}", orders[3].number), &s).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), format!("/orders/{}", orders[3].id.0));
    let p = t.get("/orders?number=SO-NOPE", &s).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p.error_summary()[0].0, "#number");
    assert_eq!(p.attrs("#number", "value"), vec!["SO-NOPE".to_owned()]);
    let other = t.sign_in(crate::harness::OTHER).await;
    let p = t.get(&format!("/orders?number={}", orders[3].number), &other).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("number").unwrap_or_default().contains("no order"));

    // The order page: the status sentence, per-line numbers by location, shipments, timeline.
    let o = split_order(&orders);
    let answer = t.app.order_status(&Ctx::system(), o.id).await.expect("status");
    let p = t.get(&format!("/orders/{}", o.id.0), &s).await.ok();
    assert_eq!(
        p.text("h1").split_whitespace().take(2).collect::<Vec<_>>().join(" "),
        format!("Order {}", o.number)
    );
    assert_eq!(
        p.text("#status-sentence"),
        answer.view.sentence.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    for lv in &answer.view.lines {
        let row = format!("tr[data-line='{}']", lv.line);
        let num = |class: &str| p.text(&format!("{row} td.{class}"));
        assert_eq!(num("ordered"), lv.ledger.ordered.get().to_string(), "line {}", lv.line);
        assert_eq!(num("shipped"), lv.ledger.shipped.get().to_string());
        assert_eq!(num("delivered"), lv.ledger.delivered.get().to_string());
        assert_eq!(num("backordered"), lv.ledger.backordered.get().to_string());
        let remaining = lv.ledger.unallocated + lv.ledger.backordered + lv.ledger.allocated;
        assert_eq!(num("remaining"), remaining.get().to_string());
    }
    let captions = p.texts("table.lines caption");
    let mut ship_tos: Vec<String> = Vec::new();
    for l in &answer.view.lines {
        if !ship_tos.contains(&l.ship_to) {
            ship_tos.push(l.ship_to.clone());
        }
    }
    assert_eq!(captions, ship_tos, "one table per ship-to location");
    let shipment_rows = p.texts("#shipments + p, #shipments + .table-wrap tbody tr");
    assert_eq!(shipment_rows.len(), o.shipments.len());
    for sh in &o.shipments {
        if let Some(n) = &sh.tracking_number {
            assert!(shipment_rows.iter().any(|r| r.contains(n.as_str())), "tracking {n}");
        }
    }
    assert!(!p.texts("ol.timeline li").is_empty());
    // A buyer does not see invoices.
    assert!(p.texts("#invoices").is_empty());
}

async fn finance_reads_why_an_invoice_does_not_match(t: TestWeb) {
    let nw = t.account_named("Northwind Clinics").await;
    let invoices = invoices_of(&t, &nw).await;
    let mut odd = None;
    for i in &invoices {
        let m = t.app.invoice_match(&Ctx::system(), i.id).await.expect("match");
        if !m.report.matches && m.report.lines.iter().any(|l| !l.discrepancies.is_empty()) {
            odd = Some(m);
            break;
        }
    }
    let m = odd.expect("a Northwind invoice that does not match");
    let s = t.sign_in(FINANCE).await;
    let p = t.get(&format!("/invoices/{}", m.invoice.value.id.0), &s).await.ok();
    assert!(
        p.text("#match-summary").contains(&m.report.summary),
        "{}",
        p.text("#match-summary")
    );
    assert!(p.text("#match-summary").starts_with("Does not match"));
    for lm in &m.report.lines {
        let row = format!("#match-lines tr[data-line='{}']", lm.invoice_line);
        assert_eq!(
            p.text(&format!("{row} td.billed")),
            lm.billed_quantity.get().to_string()
        );
        assert_eq!(p.text(&format!("{row} td.shipped")), lm.shipped.get().to_string());
        let why = p.text(&format!("{row} td.why"));
        for d in &lm.discrepancies {
            assert!(why.contains(&d.explanation), "{why} has {}", d.explanation);
        }
        if lm.discrepancies.is_empty() {
            assert_eq!(why, "Matches");
        }
    }
    assert_eq!(
        p.text("#balance"),
        aftercart_web::format::money(m.invoice.value.balance())
    );
    // Linked to the order it bills.
    let href = format!("/orders/{}", m.report.lines[0].order_id.0);
    assert!(p.attrs("#match-lines a", "href").contains(&href));

    // The list: status filters; every overdue row says so in words.
    let p = t.get("/invoices?status=overdue", &s).await.ok();
    let tags = p.texts("#invoices tbody .tag");
    assert!(tags.iter().all(|t| t == "Overdue"), "{tags:?}");
    let p = t.get("/invoices?status=bogus", &s).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("status").is_some());

    // The finance dashboard lists overdue and non-matching invoices, each a link.
    let d = t.get("/dashboard", &s).await.ok();
    let mismatched = d.attrs("section[aria-labelledby=mismatched] a", "href");
    if m.invoice.value.balance().is_positive() {
        assert!(
            mismatched.contains(&format!("/invoices/{}#match", m.invoice.value.id.0)),
            "{mismatched:?}"
        );
    }
    assert!(d.texts("section[aria-labelledby=overdue] h2").len() == 1);
    // A buyer's dashboard has no invoice sections.
    let b = t.sign_in(BUYER).await;
    let d = t.get("/dashboard", &b).await.ok();
    assert!(d.texts("#overdue").is_empty() && d.texts("#mismatched").is_empty());
    assert!(d.texts("#approvals").is_empty(), "a buyer approves nothing");
    let a = t.sign_in(APPROVER).await;
    let d = t.get("/dashboard", &a).await.ok();
    assert_eq!(d.texts("#approvals"), vec!["Approvals waiting for you".to_owned()]);
}

async fn records_not_yours_are_the_same_404_as_missing(t: TestWeb) {
    let nw = t.account_named("Northwind Clinics").await;
    let orders = t.orders_of(&Ctx::system(), &nw).await;
    let invoices = invoices_of(&t, &nw).await;
    let other = t.sign_in(OTHER).await;
    let missing = t.get("/orders/0193a0b0-0000-7000-8000-000000000000", &other).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let theirs = t.get(&format!("/orders/{}", orders[0].id.0), &other).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(theirs.text("main"), missing.text("main"), "the same page");
    let junk = t.get("/orders/not-an-id", &other).await;
    assert_eq!(junk.status, StatusCode::NOT_FOUND);
    let inv = t.get(&format!("/invoices/{}", invoices[0].id.0), &other).await;
    assert_eq!(inv.status, StatusCode::NOT_FOUND);
    // Their own list never shows Northwind's orders.
    let list = t.get("/orders", &other).await.ok();
    let mine = list.texts("#orders tbody tr td:first-child");
    assert!(mine.iter().all(|n| !orders.iter().any(|o| &o.number == n)), "{mine:?}");

    // A location-scoped user: an order wholly elsewhere is missing; a mixed one shows their lines.
    let scoped_loc = {
        let s = t.sign_in(SCOPED).await;
        let p = t.get("/orders", &s).await.ok();
        let locs = p.texts("#location option");
        assert_eq!(locs.len(), 2, "'All locations' and their one location: {locs:?}");
        (s, locs[1].clone())
    };
    let (s, loc_name) = scoped_loc;
    let loc = nw
        .locations
        .iter()
        .find(|l| l.name == loc_name)
        .expect("scoped location")
        .id;
    if let Some(elsewhere) = orders.iter().find(|o| o.lines.iter().all(|l| l.ship_to != loc)) {
        let p = t.get(&format!("/orders/{}", elsewhere.id.0), &s).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        assert_eq!(p.text("main"), missing.text("main"));
    }
    if let Some(mixed) = orders
        .iter()
        .find(|o| o.lines.iter().any(|l| l.ship_to == loc) && o.lines.iter().any(|l| l.ship_to != loc))
    {
        let p = t.get(&format!("/orders/{}", mixed.id.0), &s).await.ok();
        assert_eq!(p.texts("table.lines caption"), vec![loc_name.clone()]);
        let want = mixed.lines.iter().filter(|l| l.ship_to == loc).count();
        assert_eq!(p.texts("table.lines tr[data-line]").len(), want);
    }
    // Another location in the filter is refused beside the field, not answered with nothing.
    let outside = nw.locations.iter().find(|l| l.id != loc).expect("another location").id;
    let p = t.get(&format!("/orders?location={}", outside.0), &s).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("location").is_some());

    // A supplier sees only orders routed to it, and only the lines it ships.
    let sup = t.sign_in(SUPPLIER).await;
    let supplier_loc = t
        .app
        .fulfilment_locations(&Ctx::system())
        .await
        .expect("locations")
        .into_iter()
        .find(|l| l.name.contains("dropship"))
        .expect("supplier")
        .id;
    let routed = |o: &&Order| {
        o.lines
            .iter()
            .any(|l| l.allocations.iter().any(|a| a.location == supplier_loc))
    };
    if let Some(not_routed) = orders.iter().find(|o| !routed(o)) {
        let p = t.get(&format!("/orders/{}", not_routed.id.0), &sup).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
    }
    let all: Vec<Order> = {
        let mut v = Vec::new();
        for name in [
            "Northwind Clinics",
            "Cascade Property Management",
            "Great Lakes Fabrication",
        ] {
            v.extend(t.orders_of(&Ctx::system(), &t.account_named(name).await).await);
        }
        v
    };
    if let Some(o) = all.iter().find(routed) {
        let p = t.get(&format!("/orders/{}", o.id.0), &sup).await.ok();
        let want = o
            .lines
            .iter()
            .filter(|l| l.allocations.iter().any(|a| a.location == supplier_loc))
            .count();
        assert_eq!(p.texts("table.lines tr[data-line]").len(), want);
        assert!(p.texts("#approvals").is_empty() && p.texts("#invoices").is_empty());
    }
}

async fn staff_see_every_account_and_the_same_answers(t: TestWeb) {
    let nw = t.account_named("Northwind Clinics").await;
    let orders = t.orders_of(&Ctx::system(), &nw).await;
    let invoices = invoices_of(&t, &nw).await;
    let s = t.sign_in(AGENT).await;
    let p = t.get("/console", &s).await.ok();
    assert_eq!(p.text(".who-role"), "Service agent");
    let names = p.texts("#accounts tbody tr td:first-child");
    assert!(
        names.len() >= 5 && names.contains(&"Northwind Clinics".to_owned()),
        "{names:?}"
    );
    let link = format!("/orders?account={}", nw.id.0);
    assert!(p.attrs("#accounts a", "href").contains(&link));
    // The account's orders, with the customer named on each row.
    let p = t.get(&link, &s).await.ok();
    assert_eq!(p.texts("#orders tbody tr td:first-child")[0], orders[0].number);
    assert!(
        p.texts("#orders tbody tr td:nth-child(2)")
            .iter()
            .all(|n| n == "Northwind Clinics")
    );
    // The same order page a customer sees, with the account named.
    let o = split_order(&orders);
    let answer = t.app.order_status(&Ctx::system(), o.id).await.expect("status");
    let p = t.get(&format!("/orders/{}", o.id.0), &s).await.ok();
    assert!(p.text(".caption").starts_with("Northwind Clinics"));
    assert_eq!(
        p.text("#status-sentence"),
        answer.view.sentence.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    let p = t.get(&format!("/invoices/{}", invoices[0].id.0), &s).await.ok();
    assert_eq!(p.text(".caption"), "Northwind Clinics");
    // A bogus account in the filter is an error beside the field.
    let p = t
        .get("/invoices?account=0193a0b0-0000-7000-8000-000000000000", &s)
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.field_error("account").is_some());
}

both_stores!(
    buyer_reads_orders_and_did_this_ship,
    finance_reads_why_an_invoice_does_not_match,
    records_not_yours_are_the_same_404_as_missing,
    staff_see_every_account_and_the_same_answers
);

/// The principal behind a signed-in test session (to act through the app as that user).
async fn principal_of(t: &TestWeb, s: &crate::harness::Session) -> aftercart_app::Principal {
    let token = s.cookie.split_once('=').map(|(_, v)| v).unwrap_or("");
    t.app
        .authenticate_session(token)
        .await
        .expect("session")
        .expect("a live session")
        .0
}

async fn approver_sees_what_waits_and_everyone_sees_who_approved(t: TestWeb) {
    let nw = t.account_named("Northwind Clinics").await;
    let orders = t.orders_of(&Ctx::system(), &nw).await;
    let line = &orders[0].lines[0];
    let buyer = t.sign_in(BUYER).await;
    let bea = Ctx::new(principal_of(&t, &buyer).await);
    // Over the demo policy's USD 5,000: it waits for an approver.
    let qty = (500_000 / line.unit_price.minor().max(1) + 1) as i64;
    let input = aftercart_app::PlaceOrder {
        account_id: nw.id,
        number: None,
        bill_to: None,
        po_number: Some("PO-BIG-1".into()),
        channel: aftercart_domain::order::Channel::Portal,
        freight: None,
        placed_at: None,
        lines: vec![aftercart_app::OrderLineInput {
            product: aftercart_app::ProductRef::Sku(line.sku.clone()),
            quantity: aftercart_domain::quantity::Qty::positive(qty, "quantity").expect("qty"),
            ship_to: line.ship_to,
            requested_date: None,
            po_number: None,
            cost_centre: None,
            project: None,
        }],
    };
    let placed = t
        .app
        .run(&bea, || t.app.plan_place_order(&bea, &input))
        .await
        .expect("placed");
    let id = placed.value.id;

    let approver = t.sign_in(APPROVER).await;
    let d = t.get("/dashboard", &approver).await.ok();
    let waiting = d.attrs("section[aria-labelledby=approvals] a", "href");
    let link = format!("/orders/{}#approvals", id.0);
    // The demo has orders waiting for her already; this one joins them.
    assert!(waiting.contains(&link), "{waiting:?}");
    // The buyer who placed it is not asked to approve it.
    let d = t.get("/dashboard", &buyer).await.ok();
    assert!(d.texts("#approvals").is_empty());

    let p = t.get(&format!("/orders/{}", id.0), &buyer).await.ok();
    assert!(p.text("h1").contains("Awaiting approval"), "{}", p.text("h1"));
    assert!(
        p.text(".approval-explained").contains("waiting for an approver"),
        "{}",
        p.text(".approval-explained")
    );
    assert!(
        p.texts("#approvals + p + .table-wrap tbody tr")
            .iter()
            .any(|r| r.contains("Waiting"))
    );

    let ana = Ctx::new(principal_of(&t, &approver).await);
    t.app
        .run(&ana, || t.app.plan_decide(&ana, id, true, Some("ok for Q4".into())))
        .await
        .expect("approved");
    let p = t.get(&format!("/orders/{}", id.0), &buyer).await.ok();
    let steps = p.texts("#approvals + p + .table-wrap tbody tr");
    assert!(
        steps
            .iter()
            .any(|r| r.contains("Approved by Ana Approver") && r.contains("ok for Q4")),
        "{steps:?}"
    );
    let explained = p.text(".approval-explained");
    assert!(
        explained.to_lowercase().contains("approved by ana approver"),
        "{explained}"
    );
    let d = t.get("/dashboard", &approver).await.ok();
    let still = d.attrs("section[aria-labelledby=approvals] a", "href");
    assert!(!still.contains(&link), "decided, so no longer waiting: {still:?}");
    assert_eq!(still.len(), waiting.len() - 1, "the others still wait");
    // With nothing waiting, the section says so.
    let other = t.sign_in(OTHER).await;
    let d = t.get("/dashboard", &other).await.ok();
    assert_eq!(
        d.text("section[aria-labelledby=approvals] .empty"),
        "Nothing is waiting for your approval."
    );
}

both_stores!(approver_sees_what_waits_and_everyone_sees_who_approved);

/// The dashboard asks the inbox's question: an order assigned to a named approver waits on the
/// dashboard of whoever stands in for them today.
async fn a_delegate_sees_what_waits_for_the_approver_they_stand_in_for(t: TestWeb) {
    use aftercart_domain::approval::{ApprovalCondition, ApprovalPolicy, ApprovalRule, Approver, Delegation};
    let nw = t.account_named("Northwind Clinics").await;
    let orders = t.orders_of(&Ctx::system(), &nw).await;
    let line = &orders[0].lines[0];
    let approver = t.sign_in(APPROVER).await;
    let ana = principal_of(&t, &approver).await;
    let admin = t.sign_in(crate::harness::ADMIN).await;
    let alex = principal_of(&t, &admin).await;
    let user = |p: &aftercart_app::Principal| aftercart_domain::ids::UserId(p.id.parse().expect("user id"));
    let sys = Ctx::system();
    let policy = ApprovalPolicy {
        rules: vec![ApprovalRule {
            id: aftercart_domain::ids::ApprovalRuleId(uuid::Uuid::now_v7()),
            name: "Over USD 5,000: Ana".into(),
            condition: ApprovalCondition::OrderTotalOver(aftercart_domain::money::Money::from_minor(
                500_000,
                line.unit_price.currency(),
            )),
            levels: vec![Approver::User(user(&ana))],
            active: true,
        }],
        remind_after_hours: 24,
        escalate_after_hours: 72,
    };
    t.app
        .run(&sys, || t.app.plan_set_approval_policy(&sys, nw.id, &policy))
        .await
        .expect("policy");
    let today = t.app.clock.now().date();
    let d = Delegation {
        id: aftercart_domain::ids::DelegationId(uuid::Uuid::nil()),
        from: user(&ana),
        to: user(&alex),
        from_date: today,
        until: today + time::Duration::days(7),
        ended_at: None,
    };
    t.app
        .run(&sys, || t.app.plan_set_delegation(&sys, nw.id, &d))
        .await
        .expect("delegation");
    let buyer = t.sign_in(BUYER).await;
    let bea = Ctx::new(principal_of(&t, &buyer).await);
    let qty = (500_000 / line.unit_price.minor().max(1) + 1) as i64;
    let input = aftercart_app::PlaceOrder {
        account_id: nw.id,
        number: None,
        bill_to: None,
        po_number: Some("PO-DELEGATED".into()),
        channel: aftercart_domain::order::Channel::Portal,
        freight: None,
        placed_at: None,
        lines: vec![aftercart_app::OrderLineInput {
            product: aftercart_app::ProductRef::Sku(line.sku.clone()),
            quantity: aftercart_domain::quantity::Qty::positive(qty, "quantity").expect("qty"),
            ship_to: line.ship_to,
            requested_date: None,
            po_number: None,
            cost_centre: None,
            project: None,
        }],
    };
    let placed = t
        .app
        .run(&bea, || t.app.plan_place_order(&bea, &input))
        .await
        .expect("placed");
    let link = format!("/orders/{}#approvals", placed.value.id.0);
    for (who, s) in [
        ("Ana, the named approver", &approver),
        ("Alex, standing in for her", &admin),
    ] {
        let page = t.get("/dashboard", s).await.ok();
        let waiting = page.attrs("section[aria-labelledby=approvals] a", "href");
        assert!(waiting.contains(&link), "{who}: {waiting:?}");
    }
    // The buyer who placed it is never asked.
    let page = t.get("/dashboard", &buyer).await.ok();
    assert!(!page.attrs("a", "href").contains(&link));
}

both_stores!(a_delegate_sees_what_waits_for_the_approver_they_stand_in_for);
