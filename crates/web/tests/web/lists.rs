//! Saved lists and reorder pages: create, edit and delete a list (read back through the app),
//! bad input re-renders with errors beside the fields and saves nothing, the reorder preview
//! says what changed and places an order whose lines match, and access (another account's list
//! or order is 404, a role that may not place orders gets 403 on every form post).

use crate::both_stores;
use crate::harness::{APPROVER, BUYER, FINANCE, OTHER, SCOPED, TestWeb};
use aftercart_app::{
    AppError, Ctx, ListFilter, NewSavedList, ProductRef, ReorderSource, SavedListId, SavedListLineInput,
};
use aftercart_domain::account::{Account, LocationKind};
use aftercart_domain::ids::LocationId;
use aftercart_domain::money::Money;
use aftercart_domain::order::Order;
use aftercart_domain::quantity::Qty;
use axum::http::StatusCode;
use uuid::Uuid;

fn ship_tos(a: &Account) -> Vec<LocationId> {
    a.locations
        .iter()
        .filter(|l| l.kind == LocationKind::ShipTo)
        .map(|l| l.id)
        .collect()
}

async fn list_count(t: &TestWeb, a: &Account) -> usize {
    t.app
        .list_saved_lists(
            &Ctx::system(),
            &ListFilter {
                account_id: Some(a.id),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .expect("lists")
        .items
        .len()
}

async fn order_count(t: &TestWeb) -> i64 {
    t.app.store.count("order").await.expect("count")
}

/// A Northwind list made through the app (lines to the given ship-tos).
async fn make_list(t: &TestWeb, a: &Account, name: &str, lines: &[(&str, u32, LocationId)]) -> SavedListId {
    let ctx = Ctx::system();
    let input = NewSavedList {
        account_id: a.id,
        name: name.into(),
        lines: lines
            .iter()
            .map(|(sku, q, to)| SavedListLineInput {
                product: ProductRef::Sku((*sku).into()),
                quantity: Qty::new(*q),
                ship_to: *to,
                cost_centre: None,
            })
            .collect(),
    };
    t.app
        .run(&ctx, || t.app.plan_create_saved_list(&ctx, &input))
        .await
        .expect("list")
        .value
        .id
}

fn id_in(location: &str, prefix: &str) -> Uuid {
    let rest = location.strip_prefix(prefix).unwrap_or_else(|| panic!("{location}"));
    Uuid::parse_str(rest.split(['?', '/']).next().unwrap_or("")).expect("an id")
}

async fn buyer_creates_edits_and_deletes_a_list(t: TestWeb) {
    let nw = t.account_named("Northwind Clinics").await;
    let tos = ship_tos(&nw);
    assert!(tos.len() >= 2, "Northwind has two ship-to locations");
    let (a, b) = (tos[0].0.to_string(), tos[1].0.to_string());
    let s = t.sign_in(BUYER).await;

    let p = t.get("/lists", &s).await.ok();
    assert!(p.texts(".nav a").contains(&"Saved lists".to_owned()));
    let form = t.get("/lists/new", &s).await.ok();
    assert_eq!(form.attrs("input[name=rows]", "value"), vec!["5".to_owned()]);
    assert!(form.texts("label").iter().any(|l| l == "Line 1 product SKU"));

    // Two filled rows and three blank ones: the blank ones are ignored.
    let before = list_count(&t, &nw).await;
    let p = t
        .post(
            "/lists/new",
            &s,
            &[
                ("name", "  Monday restock "),
                ("rows", "5"),
                ("sku-0", "GLV-NIT-M"),
                ("quantity-0", "12"),
                ("ship_to-0", &a),
                ("sku-1", "GLV-NIT-L"),
                ("quantity-1", "1,000"),
                ("ship_to-1", &b),
                ("ship_to-2", &a),
                ("ship_to-3", &a),
                ("ship_to-4", &a),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let id = SavedListId(id_in(p.location(), "/lists/"));
    assert_eq!(list_count(&t, &nw).await, before + 1);
    let saved = t.app.saved_list(&Ctx::system(), id).await.expect("saved").value;
    assert_eq!(saved.name, "Monday restock");
    assert_eq!(saved.account_id, nw.id);
    assert_eq!(saved.created_by, "Bea Buyer");
    let lines: Vec<(&str, u32, LocationId)> = saved
        .lines
        .iter()
        .map(|l| (l.sku.as_str(), l.quantity.get(), l.ship_to))
        .collect();
    assert_eq!(lines, vec![("GLV-NIT-M", 12, tos[0]), ("GLV-NIT-L", 1000, tos[1])]);

    // The list page: lines with today's price and availability.
    let p = t.get(p.location(), &s).await.ok();
    assert_eq!(p.text("h1"), "Monday restock");
    assert_eq!(p.text("[role=status]"), "The saved list was saved.");
    assert_eq!(p.texts("#list-lines tbody td.quantity"), vec!["12", "1,000"]);
    let preview = t
        .app
        .reorder_preview(&Ctx::system(), ReorderSource::List(id))
        .await
        .expect("preview");
    let price = preview.lines[0].new_unit_price.expect("a price");
    assert_eq!(
        p.texts("#list-lines tbody td.price")[0],
        aftercart_web::format::money(price)
    );
    assert_eq!(p.texts("#list-lines .tag"), vec!["Same price", "Same price"]);
    let list_page = t.get("/lists", &s).await.ok();
    assert!(list_page.texts("#lists td a").contains(&"Monday restock".to_owned()));

    // Edit: rename, change a quantity, remove the first line, add a new one in a blank row.
    let form = t.get(&format!("/lists/{}/edit", id.0), &s).await.ok();
    assert_eq!(form.attrs("#name", "value"), vec!["Monday restock".to_owned()]);
    assert_eq!(form.attrs("#line-1-quantity", "value"), vec!["1000".to_owned()]);
    assert_eq!(form.attrs("input[name=version]", "value"), vec!["1".to_owned()]);
    assert_eq!(form.attrs("input[type=checkbox]", "name"), vec!["remove-0", "remove-1"]);
    let p = t
        .post(
            &format!("/lists/{}/edit", id.0),
            &s,
            &[
                ("name", "Monday and Thursday restock"),
                ("version", "1"),
                ("rows", "5"),
                ("sku-0", "GLV-NIT-M"),
                ("quantity-0", "12"),
                ("ship_to-0", &a),
                ("existing-0", "1"),
                ("remove-0", "1"),
                ("sku-1", "GLV-NIT-L"),
                ("quantity-1", "40"),
                ("ship_to-1", &b),
                ("existing-1", "1"),
                ("sku-2", "GLV-NIT-XL"),
                ("quantity-2", "3"),
                ("ship_to-2", &a),
                ("ship_to-3", &a),
                ("ship_to-4", &a),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), format!("/lists/{}?saved=1", id.0));
    let v = t.app.saved_list(&Ctx::system(), id).await.expect("saved");
    assert_eq!(v.version, 2);
    assert_eq!(v.value.name, "Monday and Thursday restock");
    let lines: Vec<(&str, u32, LocationId)> = v
        .value
        .lines
        .iter()
        .map(|l| (l.sku.as_str(), l.quantity.get(), l.ship_to))
        .collect();
    assert_eq!(lines, vec![("GLV-NIT-L", 40, tos[1]), ("GLV-NIT-XL", 3, tos[0])]);

    // The form opened at version 1 is stale now: refused, nothing changed.
    let p = t
        .post(
            &format!("/lists/{}/edit", id.0),
            &s,
            &[
                ("name", "Stale"),
                ("version", "1"),
                ("rows", "1"),
                ("sku-0", "GLV-NIT-M"),
                ("quantity-0", "1"),
                ("ship_to-0", &a),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.field_error("name")
            .unwrap_or_default()
            .contains("Someone else changed")
    );
    assert_eq!(p.attrs("#name", "value"), vec!["Stale".to_owned()]);
    assert_eq!(t.app.saved_list(&Ctx::system(), id).await.expect("kept").version, 2);

    // Delete: a confirmation page, then the list is gone (404 to the page and to the app).
    let p = t.get(&format!("/lists/{}/delete", id.0), &s).await.ok();
    assert_eq!(p.text("h1"), "Delete saved list Monday and Thursday restock?");
    assert_eq!(p.attrs("input[name=version]", "value"), vec!["2".to_owned()]);
    let p = t
        .post(&format!("/lists/{}/delete", id.0), &s, &[("version", "2")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), "/lists?deleted=1");
    let p = t.get(p.location(), &s).await.ok();
    assert_eq!(p.text("[role=status]"), "The saved list was deleted.");
    assert!(
        !p.texts("#lists td a")
            .contains(&"Monday and Thursday restock".to_owned())
    );
    for path in ["", "/edit", "/delete", "/reorder"] {
        let p = t.get(&format!("/lists/{}{path}", id.0), &s).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(p.text("h1"), "Page not found");
    }
    assert!(matches!(
        t.app.saved_list(&Ctx::system(), id).await,
        Err(AppError::NotFound { .. })
    ));
    assert_eq!(list_count(&t, &nw).await, before);
}

async fn bad_list_input_re_renders_and_saves_nothing(t: TestWeb) {
    let nw = t.account_named("Northwind Clinics").await;
    let a = ship_tos(&nw)[0].0.to_string();
    let s = t.sign_in(BUYER).await;
    let before = list_count(&t, &nw).await;

    // Faults the page finds itself: all at once, each beside its field, values kept.
    let p = t
        .post(
            "/lists/new",
            &s,
            &[
                ("name", " "),
                ("rows", "4"),
                ("sku-0", "GLV-NIT-M"),
                ("quantity-0", "0"),
                ("ship_to-0", &a),
                ("sku-1", "GLV-NIT-L"),
                ("quantity-1", "lots"),
                ("ship_to-1", &a),
                ("sku-2", "GLV-NIT-XL"),
                ("quantity-2", "100000001"),
                ("ship_to-2", &a),
                ("sku-3", "GLV-NIT-XL"),
                ("quantity-3", "2"),
                ("ship_to-3", &Uuid::nil().to_string()),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    let hrefs: Vec<String> = p.error_summary().into_iter().map(|(h, _)| h).collect();
    assert_eq!(
        hrefs,
        vec![
            "#name",
            "#line-0-quantity",
            "#line-1-quantity",
            "#line-2-quantity",
            "#line-3-ship_to"
        ]
    );
    assert_eq!(
        p.field_error("name").unwrap_or_default(),
        "Error: Enter a name for the list"
    );
    assert!(
        p.field_error("line-0-quantity")
            .unwrap_or_default()
            .contains("at least 1")
    );
    assert!(
        p.field_error("line-1-quantity")
            .unwrap_or_default()
            .contains("whole number")
    );
    assert!(
        p.field_error("line-2-quantity")
            .unwrap_or_default()
            .contains("at most 100,000,000")
    );
    assert_eq!(p.attrs("#line-1-quantity", "value"), vec!["lots".to_owned()]);
    assert_eq!(p.attrs("#line-2-sku", "value"), vec!["GLV-NIT-XL".to_owned()]);

    // Faults only the app can find (an unknown SKU on the second row): named on that row.
    let p = t
        .post(
            "/lists/new",
            &s,
            &[
                ("name", "Typo"),
                ("rows", "2"),
                ("sku-0", "GLV-NIT-M"),
                ("quantity-0", "1"),
                ("ship_to-0", &a),
                ("sku-1", "NO-SUCH-SKU"),
                ("quantity-1", "1"),
                ("ship_to-1", &a),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert_eq!(p.error_summary()[0].0, "#line-1-sku");
    assert!(p.field_error("line-1-sku").unwrap_or_default().contains("Line 2"));
    assert_eq!(p.attrs("#line-1-sku", "value"), vec!["NO-SUCH-SKU".to_owned()]);
    // No lines at all.
    let p = t
        .post("/lists/new", &s, &[("name", "Empty"), ("rows", "1"), ("ship_to-0", &a)])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p.error_summary()[0].0, "#line-0-sku");
    assert_eq!(list_count(&t, &nw).await, before, "nothing saved");
}

/// The newest Northwind order whose every line can be reordered today.
async fn reorderable_order(t: &TestWeb, a: &Account) -> Order {
    let p = t
        .app
        .list_orders(
            &Ctx::system(),
            &ListFilter {
                account_id: Some(a.id),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .expect("orders");
    for o in p.items {
        let pv = t
            .app
            .reorder_preview(&Ctx::system(), ReorderSource::Order(o.value.id))
            .await
            .expect("preview");
        if o.value.lines.len() >= 2 && pv.lines.iter().all(|l| l.orderable()) {
            return o.value;
        }
    }
    panic!("no reorderable Northwind order");
}

async fn reorder_shows_what_changed_and_places_the_order(t: TestWeb) {
    let nw = t.account_named("Northwind Clinics").await;
    let o = reorderable_order(&t, &nw).await;
    let ctx = Ctx::system();
    let first = &o.lines[0];
    // The first product's contract price goes up by 1.00 today.
    let new_price = Money::from_minor(first.unit_price.minor() + 100, first.unit_price.currency());
    t.app
        .run(&ctx, || {
            t.app.plan_set_contract_price(&ctx, nw.id, first.product_id, new_price)
        })
        .await
        .expect("price");
    let s = t.sign_in(BUYER).await;

    // The order page links to its reorder preview.
    let page = t.get(&format!("/orders/{}", o.id.0), &s).await.ok();
    let link = page.attrs("a.reorder-link", "href").pop().expect("a Reorder link");
    assert_eq!(link, format!("/orders/{}/reorder", o.id.0));

    let p = t.get(&link, &s).await.ok();
    assert_eq!(p.text("h1"), format!("Reorder order {}", o.number));
    let row = format!("#reorder-lines tr[data-line='{}']", first.no);
    assert_eq!(p.text(&format!("{row} .tag")), "Price up");
    assert_eq!(
        p.text(&format!("{row} .note")),
        format!("price went from {} to {}", first.unit_price, new_price)
    );
    assert_eq!(
        p.text(&format!("{row} td.was")),
        aftercart_web::format::money(first.unit_price)
    );
    assert_eq!(
        p.text(&format!("{row} td.now")),
        aftercart_web::format::money(new_price)
    );
    assert_eq!(
        p.attrs(&format!("#qty-{}", first.no), "value"),
        vec![first.quantity.get().to_string()]
    );
    assert!(
        p.text("#reorder-summary").contains("price change"),
        "{}",
        p.text("#reorder-summary")
    );

    // A zero and a nonsense quantity: re-rendered beside the fields, nothing placed.
    let orders_before = order_count(&t).await;
    let second = &o.lines[1];
    let (f1, f2) = (format!("qty-{}", first.no), format!("qty-{}", second.no));
    let p = t
        .post(
            &format!("/orders/{}/reorder", o.id.0),
            &s,
            &[(f1.as_str(), "0"), (f2.as_str(), "many")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    let hrefs: Vec<String> = p.error_summary().into_iter().map(|(h, _)| h).collect();
    assert_eq!(hrefs, vec![format!("#{f1}"), format!("#{f2}")]);
    assert!(p.field_error(&f1).unwrap_or_default().contains("at least 1"));
    assert_eq!(p.attrs(&format!("#{f2}"), "value"), vec!["many".to_owned()]);
    assert_eq!(order_count(&t).await, orders_before);

    // Placed with a new quantity for the first line and a PO number.
    let p = t
        .post(
            &format!("/orders/{}/reorder", o.id.0),
            &s,
            &[(f1.as_str(), "3"), ("po_number", "PO-REORDER-7")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let new_id = id_in(p.location(), "/orders/");
    assert_ne!(new_id, o.id.0);
    let placed = t
        .app
        .order(&ctx, aftercart_domain::ids::OrderId(new_id))
        .await
        .expect("placed")
        .value;
    assert_eq!(placed.po_number.as_deref(), Some("PO-REORDER-7"));
    assert_eq!(placed.account_id, nw.id);
    let got: Vec<(String, u32, LocationId)> = placed
        .lines
        .iter()
        .map(|l| (l.sku.clone(), l.quantity.get(), l.ship_to))
        .collect();
    let want: Vec<(String, u32, LocationId)> = o
        .lines
        .iter()
        .map(|l| {
            let q = if l.no == first.no { 3 } else { l.quantity.get() };
            (l.sku.clone(), q, l.ship_to)
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(placed.lines[0].unit_price, new_price);
    assert_eq!(order_count(&t).await, orders_before + 1);
    let p = t.get(p.location(), &s).await.ok();
    assert!(p.text("h1").starts_with(&format!("Order {}", placed.number)));

    // A list whose only product is discontinued: nothing to place, said in words.
    let to = ship_tos(&nw)[0];
    let lid = make_list(&t, &nw, "Old kit", &[("GLV-NIT-XL", 2, to)]).await;
    let xl = t.app.saved_list(&ctx, lid).await.expect("list").value.lines[0].product_id;
    t.app
        .run(&ctx, || t.app.plan_discontinue_product(&ctx, xl))
        .await
        .expect("discontinue");
    let p = t.get(&format!("/lists/{}/reorder", lid.0), &s).await.ok();
    assert_eq!(p.text("#reorder-lines tr[data-line='1'] .tag"), "Discontinued");
    assert_eq!(p.text("#reorder-lines tr[data-line='1'] td.line-total"), "Left out");
    assert!(p.texts("button[type=submit]").iter().all(|b| b != "Place the order"));
    let p = t.post(&format!("/lists/{}/reorder", lid.0), &s, &[]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert_eq!(p.error_summary()[0].0, "#lines");
    assert!(
        p.field_error("lines")
            .unwrap_or_default()
            .contains("nothing from saved list")
    );
    assert_eq!(order_count(&t).await, orders_before + 1);
    let p = t.get(&format!("/lists/{}", lid.0), &s).await.ok();
    assert_eq!(p.text("#list-lines .tag"), "Discontinued");
}

async fn reorder_from_a_list_places_its_lines(t: TestWeb) {
    let nw = t.account_named("Northwind Clinics").await;
    let tos = ship_tos(&nw);
    let lid = make_list(
        &t,
        &nw,
        "Two lines",
        &[("GLV-NIT-M", 4, tos[0]), ("GLV-NIT-L", 6, tos[1])],
    )
    .await;
    let s = t.sign_in(BUYER).await;
    let p = t.get(&format!("/lists/{}/reorder", lid.0), &s).await.ok();
    assert_eq!(p.texts("#reorder-lines .tag"), vec!["Same price", "Same price"]);
    let p = t
        .post(
            &format!("/lists/{}/reorder", lid.0),
            &s,
            &[("qty-1", "4"), ("qty-2", "7")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let placed = t
        .app
        .order(
            &Ctx::system(),
            aftercart_domain::ids::OrderId(id_in(p.location(), "/orders/")),
        )
        .await
        .expect("placed")
        .value;
    let got: Vec<(&str, u32, LocationId)> = placed
        .lines
        .iter()
        .map(|l| (l.sku.as_str(), l.quantity.get(), l.ship_to))
        .collect();
    assert_eq!(got, vec![("GLV-NIT-M", 4, tos[0]), ("GLV-NIT-L", 7, tos[1])]);

    // Northwind's policy sends orders over USD 5,000 to an approver: the preview says so first.
    let p = t.get(&format!("/lists/{}/reorder", lid.0), &s).await.ok();
    assert!(
        p.texts("#reorder-approval").is_empty(),
        "a small order needs no approval"
    );
    let big = make_list(&t, &nw, "Big", &[("GLV-NIT-M", 500, tos[0])]).await;
    let orders_before = t.app.store.count("order").await.expect("count");
    let p = t.get(&format!("/lists/{}/reorder", big.0), &s).await.ok();
    let warning = p.text("#reorder-approval");
    assert!(warning.starts_with("This order will wait for approval"), "{warning}");
    assert!(warning.contains("is over"), "{warning}");
    assert_eq!(
        t.app.store.count("order").await.expect("count"),
        orders_before,
        "asking changes nothing"
    );
}

async fn others_get_404_and_roles_that_may_not_order_get_403(t: TestWeb) {
    let nw = t.account_named("Northwind Clinics").await;
    let tos = ship_tos(&nw);
    let lid = make_list(&t, &nw, "Northwind only", &[("GLV-NIT-M", 1, tos[0])]).await;
    // A list only for the second location: outside the scoped buyer's scope.
    let far = make_list(&t, &nw, "Far away", &[("GLV-NIT-M", 1, tos[1])]).await;
    let o = reorderable_order(&t, &nw).await;

    // A buyer of another account: every Northwind list and reorder page is "not found".
    let other = t.sign_in(OTHER).await;
    let paths = [
        format!("/lists/{}", lid.0),
        format!("/lists/{}/edit", lid.0),
        format!("/lists/{}/delete", lid.0),
        format!("/lists/{}/reorder", lid.0),
        format!("/orders/{}/reorder", o.id.0),
    ];
    for path in &paths {
        let p = t.get(path, &other).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(p.text("h1"), "Page not found");
    }
    let before = order_count(&t).await;
    for path in [
        format!("/lists/{}/edit", lid.0),
        format!("/lists/{}/delete", lid.0),
        format!("/lists/{}/reorder", lid.0),
        format!("/orders/{}/reorder", o.id.0),
    ] {
        let p = t.post(&path, &other, &[("version", "1"), ("rows", "0")]).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    let mine = t.get("/lists", &other).await.ok();
    assert!(!mine.texts("#lists td a").contains(&"Northwind only".to_owned()));

    // Finance and approver may read lists but not change them or place orders.
    for who in [FINANCE, APPROVER] {
        let s = t.sign_in(who).await;
        let p = t.get("/lists", &s).await.ok();
        assert!(
            !p.texts(".nav a").contains(&"Saved lists".to_owned()),
            "{who}: no nav item"
        );
        assert!(p.attrs("a[href='/lists/new']", "href").is_empty());
        t.get(&format!("/lists/{}", lid.0), &s).await.ok();
        for path in [
            "/lists/new".to_owned(),
            format!("/lists/{}/edit", lid.0),
            format!("/lists/{}/delete", lid.0),
            format!("/lists/{}/reorder", lid.0),
            format!("/orders/{}/reorder", o.id.0),
        ] {
            let p = t
                .post(&path, &s, &[("version", "1"), ("name", "x"), ("rows", "0")])
                .await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{who} POST {path}");
            assert_eq!(p.text("h1"), "You cannot use this page");
            let p = t.get(&path, &s).await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{who} GET {path}");
        }
        let page = t.get(&format!("/orders/{}", o.id.0), &s).await.ok();
        assert!(
            page.attrs("a.reorder-link", "href").is_empty(),
            "{who}: no Reorder link"
        );
    }
    assert_eq!(order_count(&t).await, before);
    assert_eq!(t.app.saved_list(&Ctx::system(), lid).await.expect("kept").version, 1);

    // A location-scoped buyer sees only lists with lines in their scope.
    let scoped = t.sign_in(SCOPED).await;
    t.get(&format!("/lists/{}", lid.0), &scoped).await.ok();
    let p = t.get(&format!("/lists/{}", far.0), &scoped).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = t.get("/lists", &scoped).await.ok();
    let names = p.texts("#lists td a");
    assert!(names.contains(&"Northwind only".to_owned()), "{names:?}");
    assert!(!names.contains(&"Far away".to_owned()), "{names:?}");
    // Their form offers only their own ship-to.
    let form = t.get("/lists/new", &scoped).await.ok();
    assert_eq!(
        form.attrs("#line-0-ship_to option", "value"),
        vec![tos[0].0.to_string()]
    );
}

both_stores!(
    buyer_creates_edits_and_deletes_a_list,
    bad_list_input_re_renders_and_saves_nothing,
    reorder_shows_what_changed_and_places_the_order,
    reorder_from_a_list_places_its_lines,
    others_get_404_and_roles_that_may_not_order_get_403,
);
