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

/// What a WMS shipped, as a file: lines not yet allocated are allocated at the origin and
/// shipped in one commit; the same file again changes nothing; a shipment that left cannot
/// change; bad rows are named while the good shipment is applied.
async fn shipments_by_file(t: TestApp) {
    let w = t.world().await;
    let orders = "order_ref,account,ship_to,sku,quantity\n\
                  ERP-S1,C-1001,Main St receiving dock,GLV-NIT-M,10\n\
                  ERP-S1,C-1001,Round Rock store,GLV-NIT-M,5\n\
                  ERP-S1,C-1001,Main St receiving dock,TWL-C-12,4\n";
    let r = post_file(&t, "/api/v1/imports/orders", "text/csv", orders).await.ok();
    assert_eq!(totals(&r.body), (3, 0, 0, 0), "{}", r.body);
    let shipments = "shipment_ref,order,from,sku,ship_to,quantity,carrier,tracking_number,shipped_at\n\
                     PK-1,ERP-S1,DAL,GLV-NIT-M,Main St receiving dock,6,UPS,1ZERP0000001,2026-12-01T09:30:00Z\n\
                     PK-1,ERP-S1,DAL,TWL-C-12,,4,UPS,1ZERP0000001,2026-12-01T09:30:00Z\n\
                     PK-2,ERP-S1,DAL,GLV-NIT-M,,1,UPS,,\n\
                     PK-3,ERP-S1,NOPE,TWL-C-12,,1,UPS,,\n\
                     PK-4,NO-SUCH-ORDER,DAL,TWL-C-12,,1,UPS,,\n\
                     PK-5,ERP-S1,DAL,GLV-NIT-M,Round Rock store,50,UPS,,\n\
                     PK-6,ERP-S1,DAL,GLV-NIT-M,Round Rock store,1,UPS,,\n\
                     PK-6,ERP-S1,DAL,TWL-C-12,,1,UPS,,\n";
    let r = post_file(&t, "/api/v1/imports/shipments", "text/csv", shipments)
        .await
        .ok();
    assert_eq!(totals(&r.body), (2, 0, 0, 6), "{}", r.body);
    let rejects: Vec<(u64, String)> = r.body["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["row"].as_u64().unwrap(), x["column"].as_str().unwrap().to_owned()))
        .collect();
    for want in [
        (3, "ship_to"),
        (4, "from"),
        (5, "order"),
        (6, "quantity"),
        (8, "ship_to"),
    ] {
        assert!(rejects.contains(&(want.0, want.1.to_owned())), "{want:?} in {}", r.body);
    }
    let again = post_file(&t, "/api/v1/imports/shipments", "text/csv", shipments)
        .await
        .ok();
    assert_eq!(totals(&again.body), (0, 0, 2, 6), "{}", again.body);

    let list = t
        .get(&format!("/api/v1/orders?limit=100&account_id={}", w.account))
        .await
        .ok()
        .body;
    let id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["number"] == "ERP-S1")
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .expect("the imported order");
    let order = t.get(&format!("/api/v1/orders/{id}")).await.ok().body;
    let shipped: Vec<(String, String, u64, u64)> = order["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["sku"].as_str().unwrap().to_owned(),
                l["ship_to"].as_str().unwrap().to_owned(),
                l["ledger"]["allocated"].as_u64().unwrap(),
                l["ledger"]["shipped"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        shipped.contains(&("GLV-NIT-M".into(), w.dock.clone(), 0, 6)),
        "{shipped:?}"
    );
    assert!(
        shipped.contains(&("GLV-NIT-M".into(), w.store.clone(), 0, 0)),
        "{shipped:?}"
    );
    assert!(
        shipped.contains(&("TWL-C-12".into(), w.dock.clone(), 0, 4)),
        "{shipped:?}"
    );
    let shipments = t.get("/api/v1/shipments?limit=100").await.ok().body;
    let pk1 = shipments["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["tracking_number"] == "1ZERP0000001")
        .cloned()
        .expect("the shipment");
    assert_eq!(
        (pk1["carrier"].as_str(), pk1["from_location_id"].as_str()),
        (Some("UPS"), Some(w.dallas.as_str()))
    );
    assert_eq!(pk1["lines"].as_array().unwrap().len(), 2, "{pk1}");

    // A shipment that left cannot change: the same ref with another quantity is a reject.
    let changed = "shipment_ref,order,from,sku,ship_to,quantity,carrier,tracking_number,shipped_at\n\
                   PK-1,ERP-S1,DAL,GLV-NIT-M,Main St receiving dock,7,UPS,1ZERP0000001,2026-12-01T09:30:00Z\n\
                   PK-1,ERP-S1,DAL,TWL-C-12,,4,UPS,1ZERP0000001,2026-12-01T09:30:00Z\n";
    let r = post_file(&t, "/api/v1/imports/shipments", "text/csv", changed)
        .await
        .ok();
    assert_eq!(totals(&r.body), (0, 0, 0, 2), "{}", r.body);
    assert!(
        r.body["rejects"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("cannot change"),
        "{}",
        r.body
    );

    // The ERP bills what shipped, with tax by rate and freight; then its cash application pays
    // the invoice in part and leaves the rest of the payment unapplied.
    let invoices = "invoice_number,account,issued_on,order,sku,ship_to,quantity,unit_price,tax_rate,freight\n\
                    INV-ERP-1,C-1001,2026-12-02,ERP-S1,GLV-NIT-M,Main St receiving dock,6,11.75,10,15.00\n\
                    INV-ERP-1,C-1001,2026-12-02,ERP-S1,TWL-C-12,,4,32.50,10,15.00\n\
                    INV-ERP-2,C-2002,2026-12-02,ERP-S1,TWL-C-12,,1,32.50,,\n\
                    INV-ERP-3,C-1001,2026-12-02,ERP-S1,GLV-NIT-M,,1,1.00,,\n\
                    INV-ERP-4,C-1001,2026-12-02,ERP-S1,TWL-C-12,,1,1.005,,\n";
    let r = post_file(&t, "/api/v1/imports/invoices", "text/csv", invoices)
        .await
        .ok();
    assert_eq!(totals(&r.body), (2, 0, 0, 3), "{}", r.body);
    let rejects: Vec<(u64, String)> = r.body["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["row"].as_u64().unwrap(), x["column"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        rejects,
        [
            (3, "order".to_owned()),
            (4, "ship_to".to_owned()),
            (5, "unit_price".to_owned())
        ],
        "{}",
        r.body
    );
    let again = post_file(&t, "/api/v1/imports/invoices", "text/csv", invoices)
        .await
        .ok();
    assert_eq!(totals(&again.body), (0, 0, 2, 3), "{}", again.body);
    let find_invoice = |list: &Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["number"] == "INV-ERP-1")
            .cloned()
            .expect("the imported invoice")
    };
    let inv = find_invoice(&t.get("/api/v1/invoices?limit=100").await.ok().body);
    assert_eq!(inv["issued_on"], "2026-12-02");
    assert_eq!(inv["subtotal"]["amount"], "200.50", "{inv}");
    assert_eq!(inv["tax"]["amount"], "20.05", "{inv}");
    assert_eq!(inv["total"]["amount"], "235.55", "{inv}");

    let payments = "payment_ref,account,method,received_at,reference,invoice,amount\n\
                    PAY-ERP-1,C-1001,ach,2026-12-03T08:00:00Z,ACH 7781,INV-ERP-1,200.00\n\
                    PAY-ERP-1,C-1001,ach,2026-12-03T08:00:00Z,ACH 7781,,10.00\n\
                    PAY-ERP-2,C-1001,wire,,,INV-ERP-1,500.00\n\
                    PAY-ERP-3,C-1001,barter,,,INV-ERP-1,1.00\n\
                    PAY-ERP-4,C-1001,ach,,,INV-NOPE,1.00\n";
    let r = post_file(&t, "/api/v1/imports/payments", "text/csv", payments)
        .await
        .ok();
    assert_eq!(totals(&r.body), (2, 0, 0, 3), "{}", r.body);
    let columns: Vec<&str> = r.body["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["column"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["amount", "method", "invoice"], "{}", r.body);
    let again = post_file(&t, "/api/v1/imports/payments", "text/csv", payments)
        .await
        .ok();
    assert_eq!(totals(&again.body), (0, 0, 2, 3), "{}", again.body);
    let inv = find_invoice(&t.get("/api/v1/invoices?limit=100").await.ok().body);
    assert_eq!(inv["paid"]["amount"], "200.00", "{inv}");
    assert_eq!(inv["balance"]["amount"], "35.55", "{inv}");
    let paid = t.get("/api/v1/payments?limit=100").await.ok().body;
    let pay = paid["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["reference"] == "ACH 7781")
        .cloned()
        .expect("the imported payment");
    assert_eq!(pay["amount"]["amount"], "210.00", "{pay}");
}

/// Allocations as totals per line and location: below what is allocated the difference is
/// allocated, equal is unchanged, above or beyond the line a reject; bad rows do not hold back
/// their order's good ones.
async fn allocations_by_file(t: TestApp) {
    t.world().await;
    let orders = "order_ref,account,ship_to,sku,quantity\nERP-A1,C-1001,Main St receiving dock,GLV-NIT-M,10\n";
    let r = post_file(&t, "/api/v1/imports/orders", "text/csv", orders).await.ok();
    assert_eq!(totals(&r.body), (1, 0, 0, 0), "{}", r.body);
    let allocations = "order,sku,from,quantity\n\
                       ERP-A1,GLV-NIT-M,DAL,6\n\
                       ERP-A1,TWL-C-12,DAL,1\n\
                       ERP-A1,GLV-NIT-M,NOPE,1\n\
                       ERP-A1,GLV-NIT-M,RNO,4\n\
                       NO-SUCH-ORDER,GLV-NIT-M,DAL,1\n";
    let r = post_file(&t, "/api/v1/imports/allocations", "text/csv", allocations)
        .await
        .ok();
    assert_eq!(totals(&r.body), (2, 0, 0, 3), "{}", r.body);
    let columns: Vec<(u64, &str)> = r.body["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["row"].as_u64().unwrap(), x["column"].as_str().unwrap()))
        .collect();
    assert_eq!(columns, [(2, "sku"), (3, "from"), (5, "order")], "{}", r.body);
    let again = post_file(&t, "/api/v1/imports/allocations", "text/csv", allocations)
        .await
        .ok();
    assert_eq!(totals(&again.body), (0, 0, 2, 3), "{}", again.body);
    // More than the line has left, and less than is allocated: both refused, nothing moves.
    let changed = "order,sku,from,quantity\nERP-A1,GLV-NIT-M,DAL,7\nERP-A1,GLV-NIT-M,RNO,3\n";
    let r = post_file(&t, "/api/v1/imports/allocations", "text/csv", changed)
        .await
        .ok();
    assert_eq!(totals(&r.body), (0, 0, 0, 2), "{}", r.body);
    assert!(
        r.body["rejects"][1]["reason"]
            .as_str()
            .unwrap()
            .contains("does not take allocations back"),
        "{}",
        r.body
    );
    let list = t.get("/api/v1/orders?limit=100").await.ok().body;
    let id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["number"] == "ERP-A1")
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .expect("the order");
    let order = t.get(&format!("/api/v1/orders/{id}")).await.ok().body;
    assert_eq!(order["lines"][0]["ledger"]["allocated"], 10, "{order}");
    assert_eq!(order["lines"][0]["ledger"]["unallocated"], 0, "{order}");
}

/// A reader whose source fails after `ok` bytes, as a connection dropping mid-file would.
struct CutOff {
    data: Vec<u8>,
    pos: usize,
    ok: usize,
}

impl std::io::Read for CutOff {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.ok {
            return Err(std::io::Error::other("connection reset"));
        }
        let n = buf.len().min(self.ok - self.pos).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A shipments import cut off midway continues from its checkpoint: the second run skips what
/// the first committed, and the two end with the totals of one run and no shipment twice.
async fn a_cut_off_ledger_import_resumes(t: TestApp) {
    use aftercart_app::erp::{ImportKind, ImportOptions, LedgerKind, RowReader, file_sha256};
    t.world().await;
    let mut orders = String::from("order_ref,account,ship_to,sku,quantity\n");
    let mut shipments = String::from("shipment_ref,order,from,sku,quantity,carrier\n");
    for i in 1..=6 {
        orders.push_str(&format!("ERP-R{i},C-1001,Main St receiving dock,GLV-NIT-M,2\n"));
        shipments.push_str(&format!("PK-R{i},ERP-R{i},DAL,GLV-NIT-M,2,UPS\n"));
        if i == 2 {
            shipments.push_str("PK-BAD,ERP-R2,NOWHERE,GLV-NIT-M,1,UPS\n");
        }
    }
    let r = post_file(&t, "/api/v1/imports/orders", "text/csv", &orders).await.ok();
    assert_eq!(totals(&r.body), (6, 0, 0, 0), "{}", r.body);
    let bytes = shipments.into_bytes();
    let (sha, _) = file_sha256(&bytes[..]).unwrap();
    let kind = ImportKind::Ledger(LedgerKind::Shipments);
    let ctx = aftercart_app::Ctx::system();
    let opts = ImportOptions { batch_rows: 1 };
    // Cut a few bytes into the sixth data row: the first three rows are committed by then.
    let cut = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(5).unwrap().0 + 5;
    let source = std::io::BufReader::with_capacity(
        16,
        CutOff {
            data: bytes.clone(),
            pos: 0,
            ok: cut,
        },
    );
    let mut reader = RowReader::new(aftercart_app::erp::ExportFormat::Csv, source).unwrap();
    let cp = t.app.import_checkpoint(kind.as_str(), &sha).await.unwrap();
    let first = t.app.import(&ctx, kind, &mut reader, cp, &opts, &|_| {}).await;
    assert!(first.is_err(), "the cut-off import stops: {first:?}");

    let cp = t.app.import_checkpoint(kind.as_str(), &sha).await.unwrap();
    assert!(
        cp.rows_done >= 2,
        "the first run committed some documents: {}",
        cp.rows_done
    );
    let mut reader = RowReader::new(aftercart_app::erp::ExportFormat::Csv, &bytes[..]).unwrap();
    let (summary, rejects) = t.app.import(&ctx, kind, &mut reader, cp, &opts, &|_| {}).await.unwrap();
    assert_eq!(
        (summary.read, summary.created, summary.unchanged, summary.rejected),
        (7, 6, 0, 1),
        "{summary:?}"
    );
    assert!(summary.resumed_after >= 2, "{summary:?}");
    assert_eq!(
        (rejects.len(), rejects[0].row, rejects[0].column.as_str()),
        (1, 3, "from")
    );
    let listed = t.get("/api/v1/shipments?limit=100").await.ok().body;
    let mut refs: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["packing_slip"].as_str())
        .collect();
    refs.sort();
    assert_eq!(refs, ["PK-R1", "PK-R2", "PK-R3", "PK-R4", "PK-R5", "PK-R6"]);
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
    let r = post_file(&t, "/api/v1/imports/suppliers", "text/csv", "a\n1\n").await;
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
    shipments_by_file,
    allocations_by_file,
    a_cut_off_ledger_import_resumes,
    bad_import_requests_are_refused_on_their_field,
);
