//! `aftercart export`: what changed since the last export, as CSV or JSON Lines, streamed page
//! by page to a file or stdout, with the cursor to pass next time.

use aftercart_app::{App, Ctx, SystemClock};
use aftercart_interchange::erp::Format;
use aftercart_interchange::erp::export::{ExportKind, ExportWriter};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{BufWriter, IsTerminal, Write};
use std::sync::Arc;

#[derive(clap::Args)]
pub struct ExportArgs {
    /// `orders` (one row per order line), `shipments` (per shipment line) or `invoices` (per invoice line).
    kind: String,
    /// Database URL: `sqlite:path/to/file.db` or `postgres://…`.
    #[arg(long, env = "AFTERCART_DB")]
    db: String,
    /// The cursor the previous export ended at (0: everything).
    #[arg(long, default_value_t = 0)]
    since: i64,
    /// `csv` (default) or `jsonl`.
    #[arg(long, default_value = "csv")]
    format: String,
    /// Where to write; stdout when absent.
    #[arg(long)]
    out: Option<String>,
    /// Events read per page (memory is bounded by one page).
    #[arg(long, default_value_t = 5000)]
    page: u32,
}

pub async fn export(a: ExportArgs) -> Result<u8, String> {
    let kind = ExportKind::parse(&a.kind).ok_or_else(|| {
        format!(
            "export {}: unknown kind; the kinds are: orders, shipments, invoices",
            a.kind
        )
    })?;
    let format = Format::parse(&a.format).ok_or("--format must be csv or jsonl")?;
    if a.since < 0 {
        return Err("--since must be a cursor from a previous export (0 or more)".into());
    }
    if !(1..=50_000).contains(&a.page) {
        return Err("--page must be from 1 to 50000".into());
    }
    let store = aftercart_store::Store::open(&a.db)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", a.db))?;
    store.migrate().await.map_err(|e| format!("migrating {}: {e}", a.db))?;
    let app = App::new(store, Arc::new(SystemClock));
    let ctx = Ctx::system();
    let out: Box<dyn Write> = match &a.out {
        Some(p) => Box::new(std::fs::File::create(p).map_err(|e| format!("cannot write {p}: {e}"))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = ExportWriter::new(kind, format, BufWriter::with_capacity(1 << 16, out))?;
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(ProgressStyle::with_template("{spinner} {pos} rows  {per_sec}  {msg}").map_err(|e| e.to_string())?);
    let t = std::time::Instant::now();
    let (mut cursor, mut records) = (a.since, 0usize);
    loop {
        let page = app
            .export_page(&ctx, kind, cursor, a.page)
            .await
            .map_err(|e| format!("export stopped at cursor {cursor} (re-run with --since {cursor}): {e}"))?;
        for r in &page.rows {
            w.write(r).map_err(|e| format!("writing: {e}"))?;
        }
        records += page.records;
        cursor = page.cursor;
        bar.set_position(w.rows());
        bar.set_message(format!("cursor {cursor}"));
        if page.done {
            break;
        }
    }
    let rows = w.rows();
    w.finish()?.flush().map_err(|e| format!("writing: {e}"))?;
    bar.finish_and_clear();
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "exported {rows} {} rows of {records} records in {secs:.1}s; next time: --since {cursor}",
        kind.as_str()
    );
    if a.out.is_some() {
        println!(
            "{}",
            serde_json::json!({"kind": kind.as_str(), "rows": rows, "records": records, "cursor": cursor, "seconds": secs})
        );
    }
    Ok(0)
}
