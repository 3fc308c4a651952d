//! A table whose header row is drawn again on every page it continues on, with wrapped cells
//! and rows kept whole where a page can hold them.

use crate::fonts::Font;
use crate::layout::{Align, Rgb, Sheet, Style, fit, wrap};

/// One line of a cell, in its own style (a bold SKU above a regular description).
#[derive(Clone, Debug)]
pub(crate) struct Line {
    pub text: Vec<u8>,
    pub style: Style,
}

pub(crate) type Cell = Vec<Line>;

pub(crate) struct Column {
    pub title: Vec<u8>,
    pub width: f32,
    pub align: Align,
}

/// How a column's width is given when the table is built.
pub(crate) enum Width {
    Fixed(f32),
    /// Takes what the fixed columns leave (one such column per table).
    Rest,
}

/// A table whose header row is drawn again at the top of every page it continues on.
pub(crate) struct Table {
    columns: Vec<Column>,
    x: Vec<f32>,
    rows: usize,
    brand: Rgb,
}

const PAD_X: f32 = 4.0;
const PAD_Y: f32 = 3.0;
const LEADING: f32 = 10.5;
const HEADER_HEIGHT: f32 = 18.0;
pub(crate) const CELL: Style = Style::new(Font::Regular, 8.0, Rgb::INK);
pub(crate) const CELL_BOLD: Style = Style::new(Font::Bold, 8.0, Rgb::INK);
pub(crate) const CELL_MUTED: Style = Style::new(Font::Regular, 7.5, Rgb::MUTED);

impl Table {
    pub(crate) fn new(sheet: &Sheet, brand: Rgb, spec: Vec<(Vec<u8>, Width, Align)>) -> Table {
        let fixed: f32 = spec
            .iter()
            .map(|(_, w, _)| if let Width::Fixed(w) = w { *w } else { 0.0 })
            .sum();
        let rest = (sheet.body_width() - fixed).max(40.0);
        let columns: Vec<Column> = spec
            .into_iter()
            .map(|(title, width, align)| {
                let width = match width {
                    Width::Fixed(w) => w,
                    Width::Rest => rest,
                };
                Column { title, width, align }
            })
            .collect();
        let mut x = Vec::with_capacity(columns.len());
        let mut at = sheet.left();
        for c in &columns {
            x.push(at);
            at += c.width;
        }
        Table {
            columns,
            x,
            rows: 0,
            brand,
        }
    }

    fn inner(&self, col: usize) -> f32 {
        self.columns[col].width - 2.0 * PAD_X
    }

    /// Wraps paragraphs, each in its own style, into a cell of column `col`.
    pub(crate) fn cell(&self, col: usize, paragraphs: &[(&[u8], Style)]) -> Cell {
        let width = self.inner(col);
        let mut cell = Vec::new();
        for (text, style) in paragraphs {
            if text.is_empty() {
                continue;
            }
            cell.extend(
                wrap(text, *style, width)
                    .into_iter()
                    .map(|text| Line { text, style: *style }),
            );
        }
        cell
    }

    pub(crate) fn width(&self) -> f32 {
        self.columns.iter().map(|c| c.width).sum()
    }

    fn left(&self) -> f32 {
        self.x[0]
    }

    /// The height of the header and one row, for a caller that keeps them together.
    pub(crate) fn height_with_header(&self, cells: &[Cell]) -> f32 {
        let lines = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
        HEADER_HEIGHT + 2.0 * PAD_Y + lines as f32 * LEADING
    }

    fn draw_header(&self, sheet: &mut Sheet) {
        let top = sheet.y;
        sheet.fill_rect(self.left(), top, self.width(), HEADER_HEIGHT, self.brand.tint(0.88));
        let style = Style::new(Font::Bold, 7.5, Rgb::INK);
        let base = top + HEADER_HEIGHT / 2.0 + 2.7;
        for (i, c) in self.columns.iter().enumerate() {
            let title = fit(&c.title, style, self.inner(i));
            match c.align {
                Align::Left => sheet.text(self.x[i] + PAD_X, base, &title, style),
                Align::Right => sheet.text_right(self.x[i] + c.width - PAD_X, base, &title, style),
            }
        }
        sheet.hline(
            self.left(),
            self.left() + self.width(),
            top + HEADER_HEIGHT,
            0.75,
            self.brand,
        );
        sheet.y = top + HEADER_HEIGHT;
    }

    /// Draws the header, first moving to a new page unless it and one row fit here: a header
    /// alone at the foot of a page says nothing.
    pub(crate) fn start(&mut self, sheet: &mut Sheet) {
        sheet.keep(HEADER_HEIGHT + 2.0 * PAD_Y + 2.0 * LEADING);
        self.draw_header(sheet);
    }

    /// Draws one row, moving to a new page (with the header again) when it does not fit. A row
    /// taller than a whole page is split between lines; any other row stays on one page.
    pub(crate) fn row(&mut self, sheet: &mut Sheet, cells: &[Cell]) {
        let total = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let height = |lines: usize| 2.0 * PAD_Y + lines as f32 * LEADING;
        let zebra = self.rows % 2 == 1;
        self.rows += 1;
        let mut from = 0;
        while from < total {
            let mut fits = ((sheet.remaining() - 2.0 * PAD_Y) / LEADING).floor().max(0.0) as usize;
            let whole_page_fits = height(total - from) <= sheet.page_capacity() - HEADER_HEIGHT;
            if fits < total - from && (whole_page_fits || fits == 0) {
                sheet.new_page();
                self.draw_header(sheet);
                fits = ((sheet.remaining() - 2.0 * PAD_Y) / LEADING).floor().max(1.0) as usize;
            }
            let to = total.min(from + fits);
            let top = sheet.y;
            let h = height(to - from);
            if zebra {
                sheet.fill_rect(self.left(), top, self.width(), h, Rgb::ZEBRA);
            }
            for (i, cell) in cells.iter().enumerate() {
                let c = &self.columns[i];
                for (k, line) in cell.iter().enumerate().take(to).skip(from) {
                    let base = top + PAD_Y + (k - from) as f32 * LEADING + LEADING * 0.74;
                    match c.align {
                        Align::Left => sheet.text(self.x[i] + PAD_X, base, &line.text, line.style),
                        Align::Right => sheet.text_right(self.x[i] + c.width - PAD_X, base, &line.text, line.style),
                    }
                }
            }
            sheet.y = top + h;
            sheet.hline(self.left(), self.left() + self.width(), sheet.y, 0.3, Rgb::RULE);
            from = to;
        }
    }
}
