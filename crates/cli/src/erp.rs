//! `aftercart import` and `aftercart erp-sample`: ERP bulk files from the command line. Import
//! runs in process on the store the URL names (no server needed), with a progress bar on a
//! terminal, a summary on stderr (and as one JSON line on stdout) and a rejects file.

use aftercart_app::erp::{ImportKind, ImportOptions, file_sha256};
use aftercart_app::{App, Ctx, NewAccount, NewLocation, NewProduct, SystemClock};
use aftercart_domain::account::{LocationKind, PaymentTerms};
use aftercart_domain::money::{Currency, Money};
use aftercart_interchange::erp::{Format, RowReader, write_rejects};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{BufReader, IsTerminal, Write};
use std::sync::Arc;

#[derive(clap::Args)]
pub struct ImportArgs {
    /// What the file holds: `accounts` (one row per account number), `locations` (one per
    /// account and location name), `products` (one per SKU), `prices` (one contract price per
    /// account and SKU), `orders` (one row per order line), `allocations` (one per line and
    /// fulfilment location), `shipments` (one row per shipped
    /// line), `invoices` (one row per invoice line) or `payments` (one row per amount applied).
    kind: String,
    /// The file: CSV with a header row, or JSON Lines (`.jsonl` / `.ndjson`).
    file: String,
    /// Database URL: `sqlite:path/to/file.db` or `postgres://…`.
    #[arg(long, env = "AFTERCART_DB")]
    db: String,
    /// `csv` or `jsonl`; by default from the file's extension.
    #[arg(long)]
    format: Option<String>,
    /// Where the rejects go (CSV: row, column, reason, original); default `<file>.rejects.csv`.
    #[arg(long)]
    rejects: Option<String>,
    /// Rows per commit (and per checkpoint).
    #[arg(long, default_value_t = 1000)]
    batch: usize,
}

/// Exit code when the import finished but rejected rows (see README).
pub const EXIT_REJECTS: u8 = 2;

pub async fn import(a: ImportArgs) -> Result<u8, String> {
    let Some(kind) = ImportKind::parse(&a.kind) else {
        return Err(format!(
            "import {}: unknown kind; the kinds are: {}",
            a.kind,
            ImportKind::names()
        ));
    };
    if !(1..=100_000).contains(&a.batch) {
        return Err("--batch must be from 1 to 100000".into());
    }
    let format = match &a.format {
        Some(f) => Format::parse(f).ok_or("--format must be csv or jsonl")?,
        None => Format::from_path(&a.file),
    };
    let open = || std::fs::File::open(&a.file).map_err(|e| format!("cannot open {}: {e}", a.file));
    let (sha, lines) = file_sha256(open()?).map_err(|e| format!("reading {}: {e}", a.file))?;
    let store = aftercart_store::Store::open(&a.db)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", a.db))?;
    store.migrate().await.map_err(|e| format!("migrating {}: {e}", a.db))?;
    let app = App::new(store, Arc::new(SystemClock));
    let ctx = Ctx::system();
    let cp = app.import_checkpoint(&a.kind, &sha).await.map_err(|e| e.to_string())?;
    if cp.rows_done > 0 {
        eprintln!("resuming an interrupted import of this file after row {}", cp.rows_done);
    }
    let mut reader =
        RowReader::new(format, BufReader::with_capacity(1 << 16, open()?)).map_err(|e| format!("{}: {e}", a.file))?;
    // A CSV's header line is not a row; JSON Lines may end without a newline: close enough
    // for an ETA.
    let total = if format == Format::Csv {
        lines.saturating_sub(1)
    } else {
        lines
    };
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {per_sec}  ETA {eta}").map_err(|e| e.to_string())?,
    );
    bar.set_position(cp.rows_done);
    let t = std::time::Instant::now();
    let progress = |n: u64| bar.set_position(n);
    let opts = ImportOptions { batch_rows: a.batch };
    let done = app.import(&ctx, kind, &mut reader, cp, &opts, &progress).await;
    let (summary, rejects) = done.map_err(|e| format!("import stopped (re-run the same command to continue): {e}"))?;
    bar.finish_and_clear();
    let secs = t.elapsed().as_secs_f64();
    let path = a.rejects.clone().unwrap_or_else(|| format!("{}.rejects.csv", a.file));
    if summary.rejected > 0 {
        let f = std::fs::File::create(&path).map_err(|e| format!("cannot write {path}: {e}"))?;
        write_rejects(std::io::BufWriter::new(f), &rejects).map_err(|e| format!("writing {path}: {e}"))?;
    }
    let applied = summary.read - summary.rejected;
    eprintln!(
        "read {} rows: {} created, {} updated, {} unchanged, {} rejected{} in {secs:.1}s ({:.0} rows/s)",
        summary.read,
        summary.created,
        summary.updated,
        summary.unchanged,
        summary.rejected,
        if summary.rejected > 0 {
            format!(" (see {path})")
        } else {
            String::new()
        },
        (summary.read - summary.resumed_after.min(summary.read)) as f64 / secs.max(1e-9),
    );
    let line = serde_json::json!({
        "read": summary.read, "created": summary.created, "updated": summary.updated,
        "unchanged": summary.unchanged, "rejected": summary.rejected, "applied": applied,
        "resumed_after": summary.resumed_after, "seconds": secs,
    });
    println!("{line}");
    Ok(if summary.rejected > 0 { EXIT_REJECTS } else { 0 })
}

#[derive(clap::Args)]
pub struct SampleArgs {
    /// Order lines to write (four per order).
    #[arg(long, default_value_t = 10_000)]
    lines: u64,
    /// The file to write (CSV).
    #[arg(long)]
    out: String,
    /// Database URL: the sample's accounts (ERP-1 … ERP-10) and products (ERP-SKU-1 … 50) are
    /// created there if missing, so the file imports cleanly.
    #[arg(long, env = "AFTERCART_DB")]
    db: String,
}

/// Writes a sample orders file and creates what it refers to: for tests and BENCHMARKS.md.
pub async fn sample(a: SampleArgs) -> Result<u8, String> {
    let store = aftercart_store::Store::open(&a.db)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", a.db))?;
    store.migrate().await.map_err(|e| format!("migrating {}: {e}", a.db))?;
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let ctx = Ctx::system();
    let usd = Currency::parse("USD", "currency").map_err(|e| e.to_string())?;
    let money = |s: &str| Money::parse(s, usd, "amount").map_err(|e| e.to_string());
    for p in 1..=50u32 {
        let sku = format!("ERP-SKU-{p}");
        if store
            .by_number("product", &sku)
            .await
            .map_err(|e| e.to_string())?
            .is_none()
        {
            let input = NewProduct {
                sku,
                name: format!("ERP sample product {p}"),
                category: "Sample".into(),
                list_price: money(&format!("{}.25", 3 + p))?,
                setup_guide: None,
                care_instructions: None,
            };
            app.run(&ctx, || app.plan_create_product(&ctx, &input))
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    for n in 1..=10u32 {
        let number = format!("ERP-{n}");
        if store
            .by_number("account", &number)
            .await
            .map_err(|e| e.to_string())?
            .is_none()
        {
            let loc = |kind, name: &str| NewLocation {
                kind,
                name: name.into(),
                address: "1 Sample Road".into(),
                city: "Austin".into(),
                postcode: "78701".into(),
                country: "US".into(),
            };
            let input = NewAccount {
                number: Some(number),
                name: format!("ERP sample buyer {n}"),
                currency: usd,
                terms: PaymentTerms { net_days: 30 },
                credit_limit: money("100000000000.00")?,
                locations: vec![
                    loc(LocationKind::Both, "Head office"),
                    loc(LocationKind::ShipTo, "Dock 2"),
                ],
            };
            app.run(&ctx, || app.plan_create_account(&ctx, &input))
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    let f = std::fs::File::create(&a.out).map_err(|e| format!("cannot write {}: {e}", a.out))?;
    let mut w = std::io::BufWriter::new(f);
    let header = aftercart_interchange::erp::orders::COLUMNS.join(",");
    writeln!(w, "{header}").map_err(|e| e.to_string())?;
    for i in 0..a.lines {
        let order = i / 4;
        let line = i % 4;
        writeln!(
            w,
            "PO-{order},,ERP-{},{},ERP-SKU-{},{},,,",
            order % 10 + 1,
            if line % 2 == 0 { "Head office" } else { "Dock 2" },
            (order * 7 + line) % 50 + 1,
            1 + (i % 9),
        )
        .map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())?;
    eprintln!("wrote {} order lines to {}", a.lines, a.out);
    Ok(0)
}
