//! The pieces invoices and statements share: the letterhead, the parties, a block of totals,
//! the remittance box and notes. Each block that must not be split is measured first
//! (`prepare`), so the caller can move it to a new page whole, then drawn.

use crate::fonts::{Font, encode};
use crate::layout::{Rgb, Sheet, Style, wrap};
use crate::{Letterhead, Remittance};

const SELLER: f32 = 15.0;
const TITLE: f32 = 20.0;
const SMALL: Style = Style::new(Font::Regular, 8.5, Rgb::MUTED);
const LABEL: Style = Style::new(Font::Bold, 7.0, Rgb::MUTED);
const BODY: Style = Style::new(Font::Regular, 9.0, Rgb::INK);
const BODY_BOLD: Style = Style::new(Font::Bold, 9.0, Rgb::INK);
const LEADING: f32 = 11.5;

/// The letterhead on the left in the brand colour, the document's title and its key facts
/// (number, dates, account) on the right, and a rule below both.
pub(crate) fn letterhead(sheet: &mut Sheet, head: &Letterhead, title: &str, facts: &[(&str, &str)]) {
    let brand = Rgb::from_u8(head.brand_rgb).readable();
    let top = sheet.y;
    let half = sheet.body_width() * 0.5 - 12.0;

    let mut y = top;
    let name = Style::new(Font::Bold, SELLER, brand);
    for line in wrap(&encode(&head.seller_name), name, half) {
        y += SELLER * 1.15;
        sheet.text(sheet.left(), y - SELLER * 0.22, &line, name);
    }
    y += 3.0;
    let extra = head.tax_id.iter().chain(head.contact.iter());
    for text in head.address_lines.iter().chain(extra) {
        for line in wrap(&encode(text), SMALL, half) {
            y += 10.5;
            sheet.text(sheet.left(), y, &line, SMALL);
        }
    }
    let left_end = y;

    let title_style = Style::new(Font::Bold, TITLE, brand);
    let mut r = top + TITLE * 0.78;
    sheet.text_right(sheet.right(), r, &encode(title), title_style);
    r += 8.0;
    let value_style = Style::new(Font::Regular, 8.5, Rgb::INK);
    let label_style = Style::new(Font::Regular, 8.5, Rgb::MUTED);
    let facts: Vec<(Vec<u8>, Vec<u8>)> = facts
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(l, v)| (encode(l), encode(v)))
        .collect();
    let label_width = facts.iter().map(|(l, _)| label_style.width(l)).fold(0.0, f32::max);
    // As wide as the longest value, so short labels sit next to their values, not far left.
    let widest = facts.iter().map(|(_, v)| value_style.width(v)).fold(0.0, f32::max);
    let value_width = widest.min(half - label_width - 10.0).max(40.0);
    for (label, value) in &facts {
        let lines = wrap(value, value_style, value_width);
        r += 12.0;
        sheet.text_right(sheet.right() - value_width - 10.0, r, label, label_style);
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                r += 10.5;
            }
            sheet.text_right(sheet.right(), r, line, value_style);
        }
    }

    sheet.y = left_end.max(r) + 12.0;
    sheet.hline(sheet.left(), sheet.right(), sheet.y, 1.5, brand);
    sheet.y += 18.0;
}

/// One labelled block of the parties row ("Bill to" and its lines).
pub(crate) struct Party<'a> {
    pub label: &'a str,
    /// The first line is set in bold (the account's name).
    pub bold_first: bool,
    pub lines: Vec<&'a str>,
}

/// Up to three party blocks side by side, in `width` from the left margin.
pub(crate) fn parties(sheet: &mut Sheet, width: f32, blocks: &[Party<'_>]) -> f32 {
    let blocks: Vec<&Party<'_>> = blocks.iter().filter(|b| !b.lines.is_empty()).collect();
    if blocks.is_empty() {
        return 0.0;
    }
    let gap = 18.0;
    let col = (width - gap * (blocks.len() as f32 - 1.0)) / blocks.len() as f32;
    let top = sheet.y;
    let mut end = top;
    for (i, block) in blocks.iter().enumerate() {
        let x = sheet.left() + i as f32 * (col + gap);
        let mut y = top + 7.0;
        sheet.text(x, y, &encode(&block.label.to_uppercase()), LABEL);
        y += 3.0;
        for (k, text) in block.lines.iter().enumerate() {
            let style = if k == 0 && block.bold_first { BODY_BOLD } else { BODY };
            for line in wrap(&encode(text), style, col) {
                y += LEADING;
                sheet.text(x, y, &line, style);
            }
        }
        end = end.max(y);
    }
    end - top
}

/// Label/value rows, the last in bold on a tinted band (the total, the balance due).
pub(crate) struct Totals {
    rows: Vec<TotalRow>,
    width: f32,
    pub height: f32,
}

struct TotalRow {
    label: Vec<Vec<u8>>,
    value: Vec<Vec<u8>>,
    last: bool,
}

const TOTAL_ROW: Style = Style::new(Font::Regular, 9.0, Rgb::INK);
const TOTAL_LAST: Style = Style::new(Font::Bold, 10.0, Rgb::INK);
const TOTAL_LEADING: f32 = 12.0;
const TOTAL_PAD: f32 = 2.5;

impl Totals {
    pub(crate) fn prepare(rows: &[(String, String)], width: f32) -> Totals {
        let label_width = width * 0.56 - 8.0;
        let value_width = width * 0.44 - 8.0;
        let mut height = 0.0;
        let rows: Vec<_> = rows
            .iter()
            .enumerate()
            .map(|(i, (label, value))| {
                let last = i + 1 == rows.len();
                let style = if last { TOTAL_LAST } else { TOTAL_ROW };
                let label = wrap(&encode(label), style, label_width);
                let value = wrap(&encode(value), style, value_width);
                height += row_height(label.len().max(value.len()), last);
                TotalRow { label, value, last }
            })
            .collect();
        Totals { rows, width, height }
    }

    pub(crate) fn draw(&self, sheet: &mut Sheet, x: f32, top: f32, brand: Rgb) {
        let mut y = top;
        for TotalRow { label, value, last } in &self.rows {
            let last = *last;
            let lines = label.len().max(value.len());
            let h = row_height(lines, last);
            let style = if last { TOTAL_LAST } else { TOTAL_ROW };
            if last {
                sheet.fill_rect(x, y + 2.0, self.width, h - 2.0, brand.tint(0.9));
                sheet.hline(x, x + self.width, y + 2.0, 1.0, brand);
            }
            let pad = if last { 5.0 } else { 0.0 };
            for (k, line) in label.iter().enumerate() {
                sheet.text(
                    x + 8.0,
                    y + pad + TOTAL_PAD + TOTAL_LEADING * (k as f32 + 0.8),
                    line,
                    style,
                );
            }
            for (k, line) in value.iter().enumerate() {
                let base = y + pad + TOTAL_PAD + TOTAL_LEADING * (k as f32 + 0.8);
                sheet.text_right(x + self.width - 8.0, base, line, style);
            }
            y += h;
        }
    }
}

fn row_height(lines: usize, last: bool) -> f32 {
    lines as f32 * TOTAL_LEADING + 2.0 * TOTAL_PAD + if last { 10.0 } else { 0.0 }
}

/// The box that tells the customer how to pay, the reference large enough to copy by eye.
pub(crate) struct RemittanceBox {
    reference: Vec<Vec<u8>>,
    instructions: Vec<Vec<u8>>,
    width: f32,
    pub height: f32,
}

const REF_STYLE: Style = Style::new(Font::Bold, 13.0, Rgb::INK);
const REF_LEADING: f32 = 16.0;
const INSTRUCTION: Style = Style::new(Font::Regular, 8.5, Rgb::INK);
const BOX_PAD: f32 = 10.0;

impl RemittanceBox {
    pub(crate) fn prepare(remittance: &Remittance, width: f32) -> RemittanceBox {
        let inner = width - 2.0 * BOX_PAD;
        let reference = wrap(&encode(&remittance.reference), REF_STYLE, inner);
        let instructions: Vec<Vec<u8>> = remittance
            .instructions
            .iter()
            .flat_map(|text| wrap(&encode(text), INSTRUCTION, inner))
            .collect();
        let height = 2.0 * BOX_PAD
            + 10.0
            + reference.len() as f32 * REF_LEADING
            + if instructions.is_empty() {
                0.0
            } else {
                4.0 + instructions.len() as f32 * 11.0
            };
        RemittanceBox {
            reference,
            instructions,
            width,
            height,
        }
    }

    pub(crate) fn draw(&self, sheet: &mut Sheet, x: f32, top: f32, brand: Rgb) {
        sheet.fill_rect(x, top, self.width, self.height, brand.tint(0.94));
        sheet.stroke_rect(x, top, self.width, self.height, 0.8, brand);
        let left = x + BOX_PAD;
        let mut y = top + BOX_PAD + 6.0;
        sheet.text(left, y, b"PAYMENT REFERENCE", LABEL);
        for line in &self.reference {
            y += REF_LEADING;
            sheet.text(left, y - 1.0, line, REF_STYLE);
        }
        y += 4.0;
        for line in &self.instructions {
            y += 11.0;
            sheet.text(left, y, line, INSTRUCTION);
        }
    }
}

/// Free-text paragraphs under a heading; they may run across pages, one line at a time.
pub(crate) fn notes(sheet: &mut Sheet, heading: &str, paragraphs: &[String]) {
    if paragraphs.is_empty() {
        return;
    }
    let width = sheet.body_width();
    let wrapped: Vec<Vec<Vec<u8>>> = paragraphs.iter().map(|p| wrap(&encode(p), BODY, width)).collect();
    // The heading never sits alone at a page's foot.
    let first = wrapped.first().map_or(0, Vec::len).min(2) as f32;
    sheet.keep(12.0 + first * LEADING);
    sheet.y += 9.0;
    sheet.text(sheet.left(), sheet.y, &encode(&heading.to_uppercase()), LABEL);
    sheet.y += 3.0;
    for (i, lines) in wrapped.iter().enumerate() {
        if i > 0 {
            sheet.y += 4.0;
        }
        for line in lines {
            sheet.keep(LEADING);
            sheet.y += LEADING;
            sheet.text(sheet.left(), sheet.y - 2.5, line, BODY);
        }
    }
}
