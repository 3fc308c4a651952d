//! ERP order-line rows: CSV and JSON Lines read the same, and each bad value is named by row,
//! column and reason.

use aftercart_interchange::erp::orders::OrderLineRow;
use aftercart_interchange::erp::{Format, RowError, RowReader};

fn rows(format: Format, text: &str) -> Vec<Result<OrderLineRow, RowError>> {
    let mut r = RowReader::new(format, text.as_bytes()).expect("header");
    let mut out = Vec::new();
    while let Some(row) = r.next_row() {
        out.push(row.expect("no I/O error").and_then(|raw| OrderLineRow::from_raw(&raw)));
    }
    out
}

#[test]
fn csv_and_json_lines_give_the_same_row() {
    let csv = "order_ref,account,ship_to,sku,quantity,requested_date\nPO-1,ACME,Dock 2,SKU-1,3,2026-12-24\n";
    let jsonl = "{\"order_ref\":\"PO-1\",\"account\":\"ACME\",\"ship_to\":\"Dock 2\",\"sku\":\"SKU-1\",\"quantity\":3,\"requested_date\":\"2026-12-24\"}\n\n";
    let a = rows(Format::Csv, csv);
    let b = rows(Format::JsonLines, jsonl);
    assert_eq!(a.len(), 1);
    assert_eq!(a, b);
    let row = a[0].as_ref().expect("valid");
    assert_eq!((row.quantity, row.order_number.as_deref()), (3, None));
}

#[test]
fn bad_values_are_named_by_row_and_column() {
    let csv = "order_ref,account,ship_to,sku,quantity,colour\n\
               PO-1,ACME,Dock,SKU-1,0,\n\
               PO-1,ACME,Dock,SKU-1,2,red\n\
               PO-2,,Dock,SKU-1,2\n\
               PO-3,ACME,Dock,SKU-1,x,\n";
    let got: Vec<(u64, String)> = rows(Format::Csv, csv)
        .into_iter()
        .map(|r| {
            let e = r.expect_err("each row is bad");
            assert!(!e.reason.is_empty() && !e.original.is_empty(), "{e:?}");
            (e.row, e.column)
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "colour".to_owned()),
            (2, "colour".to_owned()),
            (3, String::new()),
            (4, "colour".to_owned())
        ]
    );
    let known = "order_ref,account,ship_to,sku,quantity\nPO-1,ACME,Dock,SKU-1,0\nPO-2,,Dock,SKU-1,2\n";
    let got: Vec<String> = rows(Format::Csv, known)
        .into_iter()
        .map(|r| r.expect_err("bad").column)
        .collect();
    assert_eq!(got, ["quantity", "account"]);
    let bad_json = rows(Format::JsonLines, "not json\n{\"quantity\":[1]}\n");
    assert_eq!(bad_json[0].as_ref().expect_err("bad").row, 1);
    assert_eq!(bad_json[1].as_ref().expect_err("bad").column, "quantity");
}
