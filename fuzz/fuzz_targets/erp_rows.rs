//! ERP bulk rows (CSV and JSON Lines): never panic; every row the reader hands over is numbered
//! in order; every kind's row checks (orders, products, prices, accounts, locations, shipments,
//! invoices, payments) either pass with quantities above zero or reject naming the row.
#![no_main]

use aftercart_interchange::erp::catalog::{PriceRow, ProductRow};
use aftercart_interchange::erp::invoices::InvoiceLineRow;
use aftercart_interchange::erp::orders::OrderLineRow;
use aftercart_interchange::erp::parties::{AccountRow, LocationRow};
use aftercart_interchange::erp::payments::PaymentRow;
use aftercart_interchange::erp::shipments::ShipmentLineRow;
use aftercart_interchange::erp::{Format, RowReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (format, body) = match data.split_first() {
        Some((b, rest)) if b % 2 == 0 => (Format::Csv, rest),
        Some((_, rest)) => (Format::JsonLines, rest),
        None => return,
    };
    let Ok(mut reader) = RowReader::new(format, body) else {
        return;
    };
    let mut last = 0;
    for _ in 0..10_000 {
        let Some(next) = reader.next_row() else { break };
        let Ok(row) = next else { break };
        match row {
            Ok(raw) => {
                assert!(raw.no > last, "rows are numbered in order");
                last = raw.no;
                match OrderLineRow::from_raw(&raw) {
                    Ok(line) => assert!(line.quantity >= 1),
                    Err(e) => assert_eq!(e.row, raw.no, "a reject names its row"),
                }
                match ShipmentLineRow::from_raw(&raw) {
                    Ok(line) => assert!(line.quantity >= 1),
                    Err(e) => assert_eq!(e.row, raw.no, "a reject names its row"),
                }
                match InvoiceLineRow::from_raw(&raw) {
                    Ok(line) => assert!(line.quantity >= 1 && line.tax_rate_bp.is_none_or(|r| r <= 10_000)),
                    Err(e) => assert_eq!(e.row, raw.no, "a reject names its row"),
                }
                let rejects = [
                    ProductRow::from_raw(&raw).err(),
                    PriceRow::from_raw(&raw).err(),
                    AccountRow::from_raw(&raw).err(),
                    LocationRow::from_raw(&raw).err(),
                    PaymentRow::from_raw(&raw).err(),
                ];
                for e in rejects.into_iter().flatten() {
                    assert_eq!(e.row, raw.no, "a reject names its row");
                }
            }
            Err(e) => {
                assert!(e.row > last);
                last = e.row;
            }
        }
    }
});
