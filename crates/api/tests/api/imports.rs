//! `POST /api/v1/imports/{kind}` on both stores: products, contract prices and orders posted as
//! files, the same file twice changing nothing, bad rows named while good ones are applied, and
//! an imported order priced by the imported contract price; bad requests refused on their field.

use crate::harness::{KEY, Resp, TestApp};
use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::Value;

async fn post_file(t: &TestApp, path: &str, content_type: &str, body: &str) -> Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("authorization", format!("Bearer {KEY}"))
        .header("content-type", content_type)
        .body(Body::from(body.to_owned()))
        .unwrap();
    t.raw(req).await
}

fn totals(v: &Value) -> (u64, u64, u64, u64) {
    let n = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"));
    (n("created"), n("updated"), n("unchanged"), n("rejected"))
}

async fn products_prices_and_orders_by_file(t: TestApp) {
    let w = t.world().await;
    let products = "sku,name,category,list_price\n\
                    API-SKU-1,Imported gloves,safety,20.00\n\
                    API-SKU-2,,safety,3.00\n\
                    GLV-NIT-M,Nitrile gloves (M) box of 100,safety,14.50\n";
    let r = post_file(&t, "/api/v1/imports/products", "text/csv", products)
        .await
        .ok();
    assert_eq!(totals(&r.body), (1, 1, 0, 1), "{}", r.body);
    assert_eq!(r.body["rejects"][0]["row"], 2);
    assert_eq!(r.body["rejects"][0]["column"], "name");
    let again = post_file(&t, "/api/v1/imports/products", "text/csv", products)
        .await
        .ok();
    assert_eq!(totals(&again.body), (0, 0, 2, 1), "{}", again.body);
    let listed = t.get("/api/v1/products?limit=100").await.ok().body;
    let gloves = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sku"] == "GLV-NIT-M")
        .cloned()
        .unwrap();
    assert_eq!(gloves["list_price"]["amount"], "14.50", "{gloves}");

    let prices = "{\"account\":\"C-1001\",\"sku\":\"API-SKU-1\",\"unit_price\":\"17.00\"}\n\
                  {\"account\":\"C-9999\",\"sku\":\"API-SKU-1\",\"unit_price\":\"1.00\"}\n";
    let r = post_file(&t, "/api/v1/imports/prices", "application/x-ndjson", prices)
        .await
        .ok();
    assert_eq!(totals(&r.body), (1, 0, 0, 1), "{}", r.body);
    assert_eq!(r.body["rejects"][0]["column"], "account");

    let orders = "order_ref,account,ship_to,sku,quantity,po_number\n\
                  ERP-77,C-1001,Main St receiving dock,API-SKU-1,4,PO-ERP-77\n";
    let r = post_file(&t, "/api/v1/imports/orders", "text/csv", orders).await.ok();
    assert_eq!(totals(&r.body), (1, 0, 0, 0), "{}", r.body);
    let list = t
        .get(&format!("/api/v1/orders?limit=100&account_id={}", w.account))
        .await
        .ok()
        .body;
    let order = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["po_number"] == "PO-ERP-77")
        .cloned()
        .expect("the imported order");
    let order = t
        .get(&format!("/api/v1/orders/{}", order["id"].as_str().unwrap()))
        .await
        .ok()
        .body;
    assert_eq!(order["channel"], "erp");
    assert_eq!(
        order["lines"][0]["unit_price"]["amount"], "17.00",
        "the imported contract price"
    );
    assert_eq!(order["lines"][0]["ship_to"], w.dock.as_str());
}

/// A new customer onboarded from files: its account, then its locations, then an order to one of
/// them. The same files again change nothing; a changed row updates; a currency cannot change.
async fn accounts_and_locations_by_file(t: TestApp) {
    // The world's catalogue (GLV-NIT-M) for the order at the end.
    t.world().await;
    let accounts = "number,name,currency,payment_terms_days,credit_limit\n\
                    ERP-NEW-1,Fjord Clinics,USD,45,25000.00\n\
                    ERP-NEW-2,Bad Terms Ltd,USD,forever,0\n";
    let r = post_file(&t, "/api/v1/imports/accounts", "text/csv", accounts)
        .await
        .ok();
    assert_eq!(totals(&r.body), (1, 0, 0, 1), "{}", r.body);
    assert_eq!(r.body["rejects"][0]["column"], "payment_terms_days");
    let again = post_file(&t, "/api/v1/imports/accounts", "text/csv", accounts)
        .await
        .ok();
    assert_eq!(totals(&again.body), (0, 0, 1, 1), "{}", again.body);

    let locations = "account,name,kind,address,city,postcode,country\n\
                     ERP-NEW-1,Oslo dock,ship_to,Kaigata 1,Oslo,0150,NO\n\
                     ERP-NEW-1,Finance,bill_to,,Oslo,,NO\n\
                     ERP-NOPE,Dock,ship_to,,,,\n";
    let r = post_file(&t, "/api/v1/imports/locations", "text/csv", locations)
        .await
        .ok();
    assert_eq!(totals(&r.body), (2, 0, 0, 1), "{}", r.body);
    assert_eq!(r.body["rejects"][0]["column"], "account");

    // A changed row updates: the dock moved, the account renamed with a higher limit.
    let moved = "account,name,kind,address,city,postcode,country\n\
                 ERP-NEW-1,OSLO DOCK,ship_to,Kaigata 9,Oslo,0151,NO\n\
                 ERP-NEW-1,Finance,bill_to,,Oslo,,NO\n";
    let r = post_file(&t, "/api/v1/imports/locations", "text/csv", moved).await.ok();
    assert_eq!(totals(&r.body), (0, 1, 1, 0), "{}", r.body);
    let renamed = "number,name,currency,payment_terms_days,credit_limit\n\
                   ERP-NEW-1,Fjord Clinics AS,USD,30,30000.00\n";
    let r = post_file(&t, "/api/v1/imports/accounts", "text/csv", renamed)
        .await
        .ok();
    assert_eq!(totals(&r.body), (0, 1, 0, 0), "{}", r.body);
    let euro = "number,name,currency\nERP-NEW-1,Fjord Clinics AS,EUR\n";
    let r = post_file(&t, "/api/v1/imports/accounts", "text/csv", euro).await.ok();
    assert_eq!(totals(&r.body), (0, 0, 0, 1), "{}", r.body);
    assert_eq!(r.body["rejects"][0]["column"], "currency");

    let list = t.get("/api/v1/accounts?limit=100").await.ok().body;
    let id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["number"] == "ERP-NEW-1")
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .expect("the imported account");
    let account = t.get(&format!("/api/v1/accounts/{id}")).await.ok().body;
    assert_eq!(account["name"], "Fjord Clinics AS");
    assert_eq!(account["currency"], "USD");
    assert_eq!(account["payment_terms_days"], 30);
    assert_eq!(account["credit_limit"]["amount"], "30000.00");
    let locs = account["locations"].as_array().unwrap();
    assert_eq!(locs.len(), 2, "{account}");
    let dock = locs.iter().find(|l| l["kind"] == "ship_to").expect("the dock");
    assert_eq!(
        (dock["name"].as_str(), dock["address"].as_str()),
        (Some("OSLO DOCK"), Some("Kaigata 9"))
    );

    let orders = "order_ref,account,ship_to,sku,quantity\nFJ-1,ERP-NEW-1,Oslo dock,GLV-NIT-M,3\n";
    let r = post_file(&t, "/api/v1/imports/orders", "text/csv", orders).await.ok();
    assert_eq!(totals(&r.body), (1, 0, 0, 0), "{}", r.body);
    let placed = t
        .get(&format!("/api/v1/orders?limit=10&account_id={id}"))
        .await
        .ok()
        .body;
    let order_id = placed["items"][0]["id"].as_str().expect("the order").to_owned();
    let order = t.get(&format!("/api/v1/orders/{order_id}")).await.ok().body;
    assert_eq!(order["lines"][0]["ship_to"], dock["id"], "{order}");
}

async fn bad_import_requests_are_refused_on_their_field(t: TestApp) {
    post_file(&t, "/api/v1/imports/orders", "text/csv", "")
        .await
        .refused(422, "invalid_value", "body");
    post_file(&t, "/api/v1/imports/orders?format=xml", "text/csv", "a\n1\n")
        .await
        .refused(422, "invalid_value", "format");
    post_file(&t, "/api/v1/imports/orders?batch=0", "text/csv", "a\n1\n")
        .await
        .refused(422, "invalid_value", "batch");
    let r = post_file(&t, "/api/v1/imports/invoices", "text/csv", "a\n1\n").await;
    assert_eq!(r.status.as_u16(), 404, "{}", r.body);
    // An unknown column rejects the row, naming it; nothing is applied.
    let r = post_file(
        &t,
        "/api/v1/imports/products",
        "text/csv",
        "sku,name,list_price,colour\nX,Y,1.00,red\n",
    )
    .await
    .ok();
    assert_eq!(totals(&r.body), (0, 0, 0, 1), "{}", r.body);
    assert_eq!(r.body["rejects"][0]["column"], "colour");
}

both_stores!(
    products_prices_and_orders_by_file,
    accounts_and_locations_by_file,
    bad_import_requests_are_refused_on_their_field,
);
