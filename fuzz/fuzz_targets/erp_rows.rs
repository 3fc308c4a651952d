//! ERP bulk rows (CSV and JSON Lines): never panic; every row the reader hands over is numbered
//! in order; an order line that passes its column checks has a whole quantity above zero, and a
//! reject names a column.
#![no_main]

use aftercart_interchange::erp::orders::OrderLineRow;
use aftercart_interchange::erp::{Format, RowReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (format, body) = match data.split_first() {
        Some((b, rest)) if b % 2 == 0 => (Format::Csv, rest),
        Some((_, rest)) => (Format::JsonLines, rest),
        None => return,
    };
    let Ok(mut reader) = RowReader::new(format, body) else { return };
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
            }
            Err(e) => {
                assert!(e.row > last);
                last = e.row;
            }
        }
    }
});
