//! Invoices and credit memos: one layout, two titles.

use crate::blocks::{Party, RemittanceBox, Totals, letterhead, notes, parties};
use crate::fonts::{Font, encode};
use crate::layout::{Align, Meta, Rgb, Running, Sheet, Style, wrap};
use crate::table::{CELL, CELL_BOLD, CELL_MUTED, Table, Width};
use crate::{Letterhead, Remittance};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum InvoiceKind {
    #[default]
    Invoice,
    CreditMemo,
}

impl InvoiceKind {
    fn title(self) -> &'static str {
        match self {
            InvoiceKind::Invoice => "Invoice",
            InvoiceKind::CreditMemo => "Credit memo",
        }
    }
}

/// One billed (or credited) line, every field already formatted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocLine {
    /// The line's position on the document ("1", "2", …).
    pub no: String,
    /// The order number and order line it bills, e.g. "SO-1042 / 3".
    pub order: String,
    /// The shipment it bills, e.g. "SH-77 · 1Z999AA10123456784".
    pub shipment: Option<String>,
    pub sku: String,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    /// "8.25 %"; the tax column is left out when no line has a rate.
    pub tax_rate: Option<String>,
    pub amount: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvoiceDoc {
    pub kind: InvoiceKind,
    pub number: String,
    pub issued_on: String,
    pub due_on: Option<String>,
    pub terms: Option<String>,
    pub account_name: String,
    pub account_number: String,
    pub bill_to: Vec<String>,
    pub ship_to: Vec<String>,
    pub purchase_orders: Vec<String>,
    pub lines: Vec<DocLine>,
    /// ("Subtotal", "$1,200.00"), ("Tax 8.25 %", …), …, ("Balance due", …): the last row is
    /// printed in bold.
    pub totals: Vec<(String, String)>,
    pub remittance: Option<Remittance>,
    pub notes: Vec<String>,
    /// On a credit memo, what it corrects: "Credits invoice INV-1001".
    pub corrects: Option<String>,
}

const TOTALS_WIDTH: f32 = 228.0;
const GAP: f32 = 20.0;

/// Renders an invoice or credit memo as a PDF file.
pub fn invoice_pdf(head: &Letterhead, doc: &InvoiceDoc) -> Vec<u8> {
    let brand = Rgb::from_u8(head.brand_rgb).readable();
    let title = doc.kind.title();
    let mut sheet = Sheet::new(head.paper);

    let number_label = match doc.kind {
        InvoiceKind::Invoice => "Invoice no.",
        InvoiceKind::CreditMemo => "Credit memo no.",
    };
    let mut facts = vec![(number_label, doc.number.as_str()), ("Issued", doc.issued_on.as_str())];
    if let Some(due) = &doc.due_on {
        facts.push(("Due", due));
    }
    if let Some(terms) = &doc.terms {
        facts.push(("Terms", terms));
    }
    facts.push(("Account", &doc.account_number));
    letterhead(&mut sheet, head, title, &facts);

    let mut bill_to = vec![doc.account_name.as_str()];
    bill_to.extend(doc.bill_to.iter().map(String::as_str));
    let po_label = if doc.purchase_orders.len() > 1 {
        "Purchase orders"
    } else {
        "Purchase order"
    };
    let blocks = [
        Party {
            label: "Bill to",
            bold_first: true,
            lines: bill_to,
        },
        Party {
            label: "Ship to",
            bold_first: false,
            lines: doc.ship_to.iter().map(String::as_str).collect(),
        },
        Party {
            label: po_label,
            bold_first: false,
            lines: doc.purchase_orders.iter().map(String::as_str).collect(),
        },
    ];
    let width = sheet.body_width();
    sheet.y += parties(&mut sheet, width, &blocks) + 16.0;

    if let Some(corrects) = &doc.corrects {
        corrects_band(&mut sheet, corrects, brand);
    }

    sheet.set_running(Running {
        left: encode(&head.seller_name),
        right: encode(&format!("{title} {} (continued)", doc.number)),
        brand,
    });
    lines_table(&mut sheet, brand, &doc.lines);
    closing(&mut sheet, brand, &doc.totals, doc.remittance.as_ref());
    notes(&mut sheet, "Notes", &doc.notes);

    let doc_title = format!("{title} {}", doc.number);
    sheet.finish(&Meta {
        title: &doc_title,
        author: &head.seller_name,
        subject: &format!("{doc_title} for {}", doc.account_name),
        footer_left: encode(&format!("{} \u{b7} {doc_title}", head.seller_name)),
    })
}

/// The credit memo's link to what it corrects, on a tinted band so it cannot be missed.
fn corrects_band(sheet: &mut Sheet, text: &str, brand: Rgb) {
    let style = Style::new(Font::Bold, 9.5, Rgb::INK);
    let lines = wrap(&encode(text), style, sheet.body_width() - 20.0);
    let height = 10.0 + lines.len() as f32 * 12.0;
    let (left, top) = (sheet.left(), sheet.y);
    sheet.fill_rect(left, top, sheet.body_width(), height, brand.tint(0.9));
    sheet.fill_rect(left, top, 3.0, height, brand);
    for (i, line) in lines.iter().enumerate() {
        sheet.text(left + 12.0, top + 5.0 + 12.0 * i as f32 + 9.0, line, style);
    }
    sheet.y += height + 14.0;
}

fn lines_table(sheet: &mut Sheet, brand: Rgb, lines: &[DocLine]) {
    let taxed = lines.iter().any(|l| l.tax_rate.is_some());
    let mut spec = vec![
        (b"#".to_vec(), Width::Fixed(20.0), Align::Left),
        (b"Item".to_vec(), Width::Rest, Align::Left),
        // Wide enough for "SH-1234 · " and an 18-character UPS tracking number on one line.
        (b"Order / shipment".to_vec(), Width::Fixed(126.0), Align::Left),
        (b"Qty".to_vec(), Width::Fixed(36.0), Align::Right),
        (b"Unit price".to_vec(), Width::Fixed(60.0), Align::Right),
    ];
    if taxed {
        spec.push((b"Tax".to_vec(), Width::Fixed(40.0), Align::Right));
    }
    spec.push((b"Amount".to_vec(), Width::Fixed(68.0), Align::Right));
    let mut table = Table::new(sheet, brand, spec);
    table.start(sheet);
    if lines.is_empty() {
        let empty: Vec<_> = (0..if taxed { 7 } else { 6 }).map(|_| Vec::new()).collect();
        let mut cells = empty;
        cells[1] = table.cell(1, &[(b"No lines.", CELL_MUTED)]);
        table.row(sheet, &cells);
    }
    for line in lines {
        let (sku, description) = (encode(&line.sku), encode(&line.description));
        let (order, shipment) = (
            encode(&line.order),
            line.shipment.as_deref().map(encode).unwrap_or_default(),
        );
        let mut cells = vec![
            table.cell(0, &[(&encode(&line.no), CELL_MUTED)]),
            table.cell(1, &[(&sku, CELL_BOLD), (&description, CELL)]),
            table.cell(2, &[(&order, CELL), (&shipment, CELL_MUTED)]),
            table.cell(3, &[(&encode(&line.quantity), CELL)]),
            table.cell(4, &[(&encode(&line.unit_price), CELL)]),
        ];
        if taxed {
            let rate = line.tax_rate.as_deref().map(encode).unwrap_or_default();
            cells.push(table.cell(5, &[(&rate, CELL)]));
        }
        cells.push(table.cell(cells.len(), &[(&encode(&line.amount), CELL)]));
        table.row(sheet, &cells);
    }
}

/// Totals on the right and the remittance box on the left, kept together on one page.
fn closing(sheet: &mut Sheet, brand: Rgb, totals: &[(String, String)], remittance: Option<&Remittance>) {
    let totals = (!totals.is_empty()).then(|| Totals::prepare(totals, TOTALS_WIDTH));
    let remit_width = sheet.body_width() - TOTALS_WIDTH - GAP;
    let remittance = remittance.map(|r| RemittanceBox::prepare(r, remit_width));
    let height = totals
        .as_ref()
        .map_or(0.0, |t| t.height)
        .max(remittance.as_ref().map_or(0.0, |r| r.height));
    if height == 0.0 {
        return;
    }
    sheet.y += 14.0;
    sheet.keep(height);
    let top = sheet.y;
    if let Some(totals) = &totals {
        totals.draw(sheet, sheet.right() - TOTALS_WIDTH, top, brand);
    }
    if let Some(remittance) = &remittance {
        remittance.draw(sheet, sheet.left(), top, brand);
    }
    sheet.y = top + height + 10.0;
}
