//! Account statements: the period's activity between an opening and a closing balance, the
//! aging of what is open, and how to pay.

use crate::blocks::{Party, RemittanceBox, Totals, letterhead, parties};
use crate::fonts::{Font, encode};
use crate::layout::{Align, Meta, Rgb, Running, Sheet, Style};
use crate::table::{CELL, CELL_BOLD, CELL_MUTED, Cell, Table, Width};
use crate::{Letterhead, Remittance};

/// One entry of the period's activity; `debit` or `credit` is usually empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatementLine {
    pub date: String,
    /// "Invoice", "Payment", "Credit memo", …
    pub kind: String,
    pub reference: String,
    pub description: String,
    pub debit: String,
    pub credit: String,
    /// The running balance after this entry.
    pub balance: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatementDoc {
    pub account_name: String,
    pub account_number: String,
    pub address: Vec<String>,
    /// "1 Nov 2026 – 30 Nov 2026"
    pub period: String,
    /// The statement's date, from the caller so the same input gives the same file.
    pub generated: String,
    pub opening_balance: String,
    pub lines: Vec<StatementLine>,
    pub closing_balance: String,
    /// ("Current", …), ("1–30 days", …), …, ("Over 90 days", …), printed as one row of columns.
    pub aging: Vec<(String, String)>,
    pub remittance: Option<Remittance>,
}

const SUMMARY_WIDTH: f32 = 228.0;

/// Renders an account statement as a PDF file.
pub fn statement_pdf(head: &Letterhead, doc: &StatementDoc) -> Vec<u8> {
    let brand = Rgb::from_u8(head.brand_rgb).readable();
    let mut sheet = Sheet::new(head.paper);
    let facts = [
        ("Account", doc.account_number.as_str()),
        ("Period", doc.period.as_str()),
        ("Statement date", doc.generated.as_str()),
    ];
    letterhead(&mut sheet, head, "Statement", &facts);

    let mut address = vec![doc.account_name.as_str()];
    address.extend(doc.address.iter().map(String::as_str));
    let width = sheet.body_width() - SUMMARY_WIDTH - 24.0;
    let top = sheet.y;
    let party_height = parties(
        &mut sheet,
        width,
        &[Party {
            label: "Account",
            bold_first: true,
            lines: address,
        }],
    );
    let summary = Totals::prepare(
        &[
            ("Opening balance".to_owned(), doc.opening_balance.clone()),
            ("Closing balance".to_owned(), doc.closing_balance.clone()),
        ],
        SUMMARY_WIDTH,
    );
    let x = sheet.right() - SUMMARY_WIDTH;
    summary.draw(&mut sheet, x, top - 4.0, brand);
    sheet.y = top + party_height.max(summary.height - 4.0) + 18.0;

    sheet.set_running(Running {
        left: encode(&head.seller_name),
        right: encode(&format!(
            "Statement {} \u{b7} {} (continued)",
            doc.account_number, doc.period
        )),
        brand,
    });
    activity(&mut sheet, brand, doc);
    aging(&mut sheet, brand, &doc.aging);
    if let Some(remittance) = &doc.remittance {
        let remittance = RemittanceBox::prepare(remittance, sheet.body_width() * 0.6);
        sheet.y += 16.0;
        sheet.keep(remittance.height);
        let (x, y) = (sheet.left(), sheet.y);
        remittance.draw(&mut sheet, x, y, brand);
        sheet.y += remittance.height;
    }

    let title = format!("Statement {} {}", doc.account_number, doc.period);
    sheet.finish(&Meta {
        title: &title,
        author: &head.seller_name,
        subject: &format!("Statement of account for {}, {}", doc.account_name, doc.period),
        footer_left: encode(&format!(
            "{} \u{b7} Statement for {} ({})",
            head.seller_name, doc.account_name, doc.account_number
        )),
    })
}

fn activity(sheet: &mut Sheet, brand: Rgb, doc: &StatementDoc) {
    let spec = vec![
        (b"Date".to_vec(), Width::Fixed(58.0), Align::Left),
        (b"Type".to_vec(), Width::Fixed(60.0), Align::Left),
        (b"Reference".to_vec(), Width::Fixed(74.0), Align::Left),
        (b"Description".to_vec(), Width::Rest, Align::Left),
        (b"Debit".to_vec(), Width::Fixed(64.0), Align::Right),
        (b"Credit".to_vec(), Width::Fixed(64.0), Align::Right),
        (b"Balance".to_vec(), Width::Fixed(70.0), Align::Right),
    ];
    let mut table = Table::new(sheet, brand, spec);
    table.start(sheet);
    let balance_row = |table: &Table, label: &[u8], amount: &str| -> Vec<Cell> {
        let mut cells: Vec<Cell> = vec![Vec::new(); 7];
        cells[3] = table.cell(3, &[(label, CELL_BOLD)]);
        cells[6] = table.cell(6, &[(&encode(amount), CELL_BOLD)]);
        cells
    };
    table.row(sheet, &balance_row(&table, b"Opening balance", &doc.opening_balance));
    if doc.lines.is_empty() {
        let mut cells: Vec<Cell> = vec![Vec::new(); 7];
        cells[3] = table.cell(3, &[(b"No activity in this period.", CELL_MUTED)]);
        table.row(sheet, &cells);
    }
    for line in &doc.lines {
        let cells = [
            table.cell(0, &[(&encode(&line.date), CELL)]),
            table.cell(1, &[(&encode(&line.kind), CELL)]),
            table.cell(2, &[(&encode(&line.reference), CELL)]),
            table.cell(3, &[(&encode(&line.description), CELL)]),
            table.cell(4, &[(&encode(&line.debit), CELL)]),
            table.cell(5, &[(&encode(&line.credit), CELL)]),
            table.cell(6, &[(&encode(&line.balance), CELL)]),
        ];
        table.row(sheet, &cells);
    }
    table.row(sheet, &balance_row(&table, b"Closing balance", &doc.closing_balance));
}

/// The aging buckets as one row of equal columns, kept together with its heading.
fn aging(sheet: &mut Sheet, brand: Rgb, buckets: &[(String, String)]) {
    if buckets.is_empty() {
        return;
    }
    let each = sheet.body_width() / buckets.len() as f32;
    let spec = buckets
        .iter()
        .map(|(label, _)| (encode(label), Width::Fixed(each), Align::Right))
        .collect();
    let mut table = Table::new(sheet, brand, spec);
    let value = Style::new(Font::Bold, 9.0, Rgb::INK);
    let cells: Vec<Cell> = buckets
        .iter()
        .enumerate()
        .map(|(i, (_, v))| table.cell(i, &[(&encode(v), value)]))
        .collect();
    sheet.y += 18.0;
    sheet.keep(14.0 + table.height_with_header(&cells));
    sheet.text(
        sheet.left(),
        sheet.y + 7.0,
        b"AGING OF OPEN ITEMS",
        Style::new(Font::Bold, 7.0, Rgb::MUTED),
    );
    sheet.y += 14.0;
    table.start(sheet);
    table.row(sheet, &cells);
}
