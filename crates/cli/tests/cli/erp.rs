//! `aftercart import orders` on the real binary, on SQLite and on PostgreSQL: a 10,000-line file
//! with 3 bad rows (each named by row, column and reason; the 9,997 others applied), the same
//! file twice (nothing changes), a changed row (one update), and an import SIGKILLed halfway and
//! re-run (it resumes and ends with the totals of one uninterrupted run); then products and
//! contract prices imported twice and changed, bad rows named, and an order priced by them.

use super::{bin, temp_dir};
use serde_json::Value;
use std::time::{Duration, Instant};

fn pg_url() -> String {
    std::env::var("AFTERCART_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Writes the sample file (10,000 lines) and breaks rows 17, 5,000 and 9,999 of it.
fn sample(db: &str, dir: &std::path::Path) -> std::path::PathBuf {
    let file = dir.join("orders.csv");
    let out = bin()
        .args(["erp-sample", "--lines", "10000", "--db", db, "--out"])
        .arg(&file)
        .output()
        .expect("run erp-sample");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&file).expect("read sample");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // Data row n is line n (line 0 is the header).
    let f: Vec<&str> = lines[17].split(',').collect();
    lines[17] = format!("{},{},{},,{},{},,,", f[0], f[1], f[2], f[4], f[5]);
    let f: Vec<&str> = lines[5000].split(',').collect();
    lines[5000] = format!("{},{},{},{},{},zero,,,", f[0], f[1], f[2], f[3], f[4]);
    let f: Vec<&str> = lines[9999].split(',').collect();
    lines[9999] = format!("{},{},{},{},{},{},2026-13-40,,", f[0], f[1], f[2], f[3], f[4], f[5]);
    std::fs::write(&file, lines.join("\n") + "\n").expect("write sample");
    file
}

fn import(db: &str, file: &std::path::Path, extra: &[&str]) -> (i32, Value) {
    let out = bin()
        .args(["import", "orders", "--db", db])
        .args(extra)
        .arg(file)
        .output()
        .expect("run import");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "summary line ({e}): {stdout} / {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), summary)
}

/// `aftercart export orders --since <cursor>` into a file: its rows (as column → value maps)
/// and the summary line.
fn export(db: &str, dir: &std::path::Path, since: u64, format: &str) -> (Vec<Value>, Value) {
    let out_file = dir.join(format!("export-{since}.{format}"));
    let out = bin()
        .args(["export", "orders", "--db", db, "--format", format, "--page", "700"])
        .args(["--since", &since.to_string(), "--out"])
        .arg(&out_file)
        .output()
        .expect("run export");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).expect("summary");
    let text = std::fs::read_to_string(&out_file).expect("export file");
    let rows = if format == "csv" {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header = r.headers().expect("header").clone();
        r.records()
            .map(|x| {
                let x = x.expect("row");
                Value::Object(
                    header
                        .iter()
                        .zip(x.iter())
                        .map(|(k, v)| (k.to_owned(), Value::from(v)))
                        .collect(),
                )
            })
            .collect()
    } else {
        text.lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    };
    (rows, summary)
}

fn count(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"))
}

fn story(db: &str, dir: &std::path::Path) {
    let file = sample(db, dir);
    let (code, s) = import(db, &file, &[]);
    assert_eq!(code, 2, "rejects give exit code 2: {s}");
    assert_eq!(
        (count(&s, "read"), count(&s, "created"), count(&s, "rejected")),
        (10_000, 9_997, 3),
        "{s}"
    );
    let rejects = std::fs::read_to_string(format!("{}.rejects.csv", file.display())).expect("rejects file");
    let mut r = csv::Reader::from_reader(rejects.as_bytes());
    let rows: Vec<(String, String, String)> = r
        .records()
        .map(|x| {
            let x = x.expect("reject row");
            (x[0].to_owned(), x[1].to_owned(), x[2].to_owned())
        })
        .collect();
    let named: Vec<(&str, &str)> = rows.iter().map(|(a, b, _)| (a.as_str(), b.as_str())).collect();
    assert_eq!(
        named,
        [("17", "ship_to"), ("5000", "quantity"), ("9999", "requested_date")],
        "{rejects}"
    );
    assert!(rows.iter().all(|(_, _, reason)| !reason.is_empty()));

    // Everything exported: one row per order line, in pages of 700 events.
    let (rows, e) = export(db, dir, 0, "csv");
    assert_eq!(rows.len(), 9_997, "{e}");
    assert_eq!(count(&e, "rows"), 9_997);
    assert!(
        rows.iter()
            .all(|r| r["channel"] == "erp" && r["order_number"].as_str().is_some_and(|n| !n.is_empty()))
    );
    let cursor = count(&e, "cursor");
    assert!(cursor > 0, "{e}");

    // The same file again: nothing created or updated.
    let (_, s) = import(db, &file, &[]);
    assert_eq!(
        (count(&s, "created"), count(&s, "updated"), count(&s, "unchanged")),
        (0, 0, 9_997),
        "{s}"
    );
    // … so nothing changed since the cursor either.
    let (rows, e) = export(db, dir, cursor, "jsonl");
    assert!(rows.is_empty(), "{e}");
    assert_eq!(count(&e, "cursor"), cursor);

    // One quantity changed: one row updated, the rest unchanged.
    let text = std::fs::read_to_string(&file).expect("read");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let f: Vec<&str> = lines[2].split(',').collect();
    let q: u32 = f[5].parse().expect("qty");
    let sku = f[4].to_owned();
    lines[2] = format!("{},{},{},{},{},{},,,", f[0], f[1], f[2], f[3], f[4], q + 5);
    let changed = dir.join("changed.csv");
    std::fs::write(&changed, lines.join("\n") + "\n").expect("write");
    let (_, s) = import(db, &changed, &[]);
    assert_eq!(
        (count(&s, "created"), count(&s, "updated"), count(&s, "unchanged")),
        (0, 1, 9_996),
        "{s}"
    );
    // The incremental export has that one order alone, with the new quantity.
    let (rows, e) = export(db, dir, cursor, "jsonl");
    assert!(!rows.is_empty(), "{e}");
    let number = rows[0]["order_number"].clone();
    assert!(rows.iter().all(|r| r["order_number"] == number), "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r["sku"] == sku.as_str() && r["quantity"].as_str() == Some(&*(q + 5).to_string())),
        "{rows:?}"
    );
    assert!(count(&e, "cursor") > cursor);

    // A fresh file (new order refs) killed halfway, then re-run.
    let text = std::fs::read_to_string(&file).expect("read");
    let moved = text.replace("PO-", "PO2-");
    let second = dir.join("second.csv");
    std::fs::write(&second, moved).expect("write");
    let mut child = bin()
        .args(["import", "orders", "--batch", "200", "--db", db])
        .arg(&second)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn import");
    let t = Instant::now();
    // Killed once some batches committed (or after a while at most); the re-run must be right
    // either way.
    std::thread::sleep(Duration::from_millis(1500));
    let finished = child.try_wait().expect("wait").is_some();
    let _ = child.kill();
    let _ = child.wait();
    let (_, s) = import(db, &second, &["--batch", "200"]);
    assert_eq!(
        (
            count(&s, "read"),
            count(&s, "created"),
            count(&s, "unchanged"),
            count(&s, "rejected")
        ),
        (10_000, 9_997, 0, 3),
        "after a kill at {:?} (finished before the kill: {finished}): {s}",
        t.elapsed()
    );
    eprintln!("resumed after row {} of 10000", count(&s, "resumed_after"));
    catalog_story(db, dir);
    parties_story(db, dir);
}

fn import_kind(db: &str, kind: &str, file: &std::path::Path) -> (i32, Value) {
    let out = bin()
        .args(["import", kind, "--db", db])
        .arg(file)
        .output()
        .expect("run import");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("summary ({e}): {stdout} / {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), summary)
}

fn totals(s: &Value) -> (u64, u64, u64, u64) {
    (
        count(s, "created"),
        count(s, "updated"),
        count(s, "unchanged"),
        count(s, "rejected"),
    )
}

/// Products and contract prices, each imported twice and then changed; the prices then apply
/// to an imported order. Runs after `story` (its sample made ERP-1…10 and ERP-SKU-1…50).
fn catalog_story(db: &str, dir: &std::path::Path) {
    let products = dir.join("products.csv");
    std::fs::write(
        &products,
        "sku,name,category,list_price,currency\n\
         ERP-SKU-1,Renamed by the ERP,Sample,4.25,USD\n\
         ERP-SKU-2,ERP sample product 2,Sample,5.25,USD\n\
         NEW-SKU-1,Brand new,Fresh,12.00,\n\
         NEW-SKU-2,Brand new too,Fresh,abc,USD\n\
         NEW-SKU-1,Twice in one file,Fresh,1.00,USD\n\
         NEW-SKU-3,Third,,0.50,USD\n",
    )
    .expect("write");
    let (code, s) = import_kind(db, "products", &products);
    assert_eq!(code, 2, "{s}");
    assert_eq!(totals(&s), (2, 1, 1, 2), "{s}");
    let rejects = std::fs::read_to_string(dir.join("products.csv.rejects.csv")).expect("rejects file");
    assert!(rejects.contains("4,list_price,"), "{rejects}");
    assert!(rejects.contains("5,sku,appeared earlier"), "{rejects}");
    let (_, s) = import_kind(db, "products", &products);
    assert_eq!(totals(&s), (0, 0, 4, 2), "the same file again changes nothing: {s}");

    let prices = dir.join("prices.csv");
    let write_prices = |first: &str| {
        std::fs::write(
            &prices,
            format!(
                "account,sku,unit_price\nERP-1,NEW-SKU-1,{first}\nERP-1,ERP-SKU-3,1.00\nERP-2,NEW-SKU-1,9.00\n\
                 NOPE,NEW-SKU-1,1.00\nERP-1,NO-SUCH-SKU,1.00\nERP-1,new-sku-1,2.00\n"
            ),
        )
        .expect("write")
    };
    write_prices("9.50");
    let (code, s) = import_kind(db, "prices", &prices);
    assert_eq!(code, 2, "{s}");
    assert_eq!(totals(&s), (3, 0, 0, 3), "{s}");
    let rejects = std::fs::read_to_string(dir.join("prices.csv.rejects.csv")).expect("rejects file");
    for want in ["4,account,no account", "5,sku,no product", "6,sku,appeared earlier"] {
        assert!(rejects.contains(want), "{want} in {rejects}");
    }
    let (_, s) = import_kind(db, "prices", &prices);
    assert_eq!(totals(&s), (0, 0, 3, 3), "{s}");
    write_prices("9.25");
    let (_, s) = import_kind(db, "prices", &prices);
    assert_eq!(totals(&s), (0, 1, 2, 3), "{s}");

    // An order imported now is priced at the imported contract price.
    let (_, before) = export(db, dir, 0, "jsonl");
    let cursor = count(&before, "cursor");
    let order = dir.join("catalog-order.csv");
    std::fs::write(
        &order,
        "order_ref,account,ship_to,sku,quantity\nCAT-1,ERP-1,Head office,NEW-SKU-1,2\nCAT-1,ERP-1,Head office,NEW-SKU-3,1\n",
    )
    .expect("write");
    let (code, s) = import(db, &order, &[]);
    assert_eq!((code, count(&s, "created")), (0, 2), "{s}");
    let (rows, _) = export(db, dir, cursor, "jsonl");
    let price = |sku: &str| {
        rows.iter()
            .find(|r| r["sku"] == sku)
            .map(|r| r["unit_price"].clone())
            .unwrap_or_else(|| panic!("{sku} in {rows:?}"))
    };
    assert_eq!(price("NEW-SKU-1"), "9.25", "the contract price");
    assert_eq!(price("NEW-SKU-3"), "0.50", "the list price: no contract price");
}

/// Accounts and their locations from files: imported twice (nothing changes), then changed, with
/// a bad row of each; an order imported to the new location.
fn parties_story(db: &str, dir: &std::path::Path) {
    let accounts = dir.join("accounts.jsonl");
    std::fs::write(
        &accounts,
        "{\"number\":\"ERP-ACME\",\"name\":\"Acme Dental\",\"currency\":\"USD\",\"payment_terms_days\":30}\n\
         {\"number\":\"ERP-1\",\"name\":\"ERP sample account 1\",\"currency\":\"EUR\"}\n\
         {\"number\":\"ERP-BAD\",\"name\":\"\",\"currency\":\"USD\"}\n",
    )
    .expect("write");
    let (code, s) = import_kind(db, "accounts", &accounts);
    assert_eq!(code, 2, "{s}");
    assert_eq!(totals(&s), (1, 0, 0, 2), "{s}");
    let rejects = std::fs::read_to_string(dir.join("accounts.jsonl.rejects.csv")).expect("rejects file");
    assert!(
        rejects.contains("2,currency,an account's currency cannot change"),
        "{rejects}"
    );
    assert!(rejects.contains("3,name,is required"), "{rejects}");
    let (_, s) = import_kind(db, "accounts", &accounts);
    assert_eq!(totals(&s), (0, 0, 1, 2), "the same file again changes nothing: {s}");

    let locations = dir.join("locations.csv");
    let write_locations = |street: &str| {
        std::fs::write(
            &locations,
            format!(
                "account,name,kind,address,city,postcode,country\n\
                 ERP-ACME,Main surgery,both,{street},Leeds,LS1 4AP,GB\n\
                 ERP-ACME,Annex,,2 Side St,Leeds,LS2,GB\n\
                 ERP-ACME,Annex,,3 Side St,Leeds,LS2,GB\n\
                 ERP-ACME,Store,depot,,,,\n"
            ),
        )
        .expect("write")
    };
    write_locations("1 Park Row");
    let (code, s) = import_kind(db, "locations", &locations);
    assert_eq!(code, 2, "{s}");
    assert_eq!(totals(&s), (2, 0, 0, 2), "{s}");
    let (_, s) = import_kind(db, "locations", &locations);
    assert_eq!(totals(&s), (0, 0, 2, 2), "{s}");
    write_locations("9 Park Row");
    let (_, s) = import_kind(db, "locations", &locations);
    assert_eq!(totals(&s), (0, 1, 1, 2), "{s}");

    let (_, before) = export(db, dir, 0, "jsonl");
    let cursor = count(&before, "cursor");
    let order = dir.join("acme-order.csv");
    std::fs::write(
        &order,
        "order_ref,account,ship_to,sku,quantity\nACME-1,ERP-ACME,Annex,NEW-SKU-3,5\n\
         ACME-1,ERP-ACME,Main surgery,NEW-SKU-3,1\nACME-2,ERP-ACME,Store,NEW-SKU-3,1\n",
    )
    .expect("write");
    let (code, s) = import(db, &order, &[]);
    assert_eq!((code, count(&s, "created"), count(&s, "rejected")), (2, 2, 1), "{s}");
    let (rows, _) = export(db, dir, cursor, "jsonl");
    let to: Vec<_> = rows
        .iter()
        .filter(|r| r["account"] == "ERP-ACME")
        .map(|r| (r["quantity"].clone(), r["ship_to"].clone()))
        .collect();
    assert_eq!(to.len(), 2, "{rows:?}");
    assert_ne!(to[0].1, to[1].1, "two imported locations: {to:?}");
    let out = bin()
        .args(["import", "suppliers", "--db", db])
        .arg(&order)
        .output()
        .expect("run import");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("the kinds are: accounts, locations"),
        "{err}"
    );
}

#[test]
fn sqlite_import_story() {
    let dir = temp_dir("erp-sqlite");
    let db = format!("sqlite:{}", dir.join("erp.db").display());
    story(&db, &dir);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_import_story() {
    let dir = temp_dir("erp-pg");
    let schema = format!("erp_{}", std::process::id());
    let (client, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {} is required for this test: {e}", pg_url()));
    tokio::spawn(conn);
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .await
        .expect("create schema");
    let sep = if pg_url().contains('?') { '&' } else { '?' };
    let db = format!("{}{sep}options=-csearch_path%3D{schema}", pg_url());
    let d2 = dir.clone();
    let outcome = tokio::task::spawn_blocking(move || story(&db, &d2)).await;
    let _ = client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await;
    let _ = std::fs::remove_dir_all(dir);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
