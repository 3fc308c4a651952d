//! Pages, a top-down cursor, wrapping, and writing the file (the paginating table is in
//! `table.rs`).
//!
//! Everything is measured in PDF points from the top-left corner of the page (the PDF's own
//! origin is bottom-left; [`Sheet`] flips it when drawing), because documents are written top
//! to bottom. Page content is kept as it is drawn; the footer ("Page n of m") is added once the
//! last page is known, in [`Sheet::finish`], so no second layout pass is needed.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::fonts::{Font, text_width};

/// The paper size documents are laid out for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Paper {
    /// US Letter, 8.5 × 11 in.
    #[default]
    Letter,
    /// ISO A4, 210 × 297 mm.
    A4,
}

impl Paper {
    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::Letter => (612.0, 792.0),
            Paper::A4 => (595.28, 841.89),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Rgb(pub f32, pub f32, pub f32);

impl Rgb {
    pub(crate) const INK: Rgb = Rgb(0.12, 0.13, 0.15);
    pub(crate) const MUTED: Rgb = Rgb(0.40, 0.42, 0.45);
    pub(crate) const RULE: Rgb = Rgb(0.80, 0.81, 0.83);
    pub(crate) const ZEBRA: Rgb = Rgb(0.965, 0.967, 0.972);

    pub(crate) fn from_u8((r, g, b): (u8, u8, u8)) -> Rgb {
        Rgb(f32::from(r) / 255.0, f32::from(g) / 255.0, f32::from(b) / 255.0)
    }

    /// The colour mixed towards white by `amount` (0 = unchanged, 1 = white).
    pub(crate) fn tint(self, amount: f32) -> Rgb {
        let mix = |c: f32| c + (1.0 - c) * amount;
        Rgb(mix(self.0), mix(self.1), mix(self.2))
    }

    /// A version of a brand colour dark enough for text and rules on white paper: a pale brand
    /// colour (yellow, mint) would otherwise leave the seller's name unreadable.
    pub(crate) fn readable(self) -> Rgb {
        let luminance = 0.2126 * self.0 + 0.7152 * self.1 + 0.0722 * self.2;
        const MAX: f32 = 0.45;
        if luminance <= MAX {
            self
        } else {
            let k = MAX / luminance;
            Rgb(self.0 * k, self.1 * k, self.2 * k)
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    pub font: Font,
    pub size: f32,
    pub color: Rgb,
}

impl Style {
    pub(crate) const fn new(font: Font, size: f32, color: Rgb) -> Style {
        Style { font, size, color }
    }

    pub(crate) fn width(&self, text: &[u8]) -> f32 {
        text_width(self.font, text, self.size)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// What a continuation page shows above its body, so a loose page still says whose and which
/// document it is.
pub(crate) struct Running {
    pub left: Vec<u8>,
    pub right: Vec<u8>,
    pub brand: Rgb,
}

/// The document being laid out: finished pages plus the cursor on the last one.
pub(crate) struct Sheet {
    pub width: f32,
    pub height: f32,
    pub margin: f32,
    /// Distance of the cursor from the top of the current page.
    pub y: f32,
    pages: Vec<Content>,
    running: Option<Running>,
    /// The current page's fill colour and font, so a run of text in one style sets them once:
    /// both outlive BT/ET, and repeating them doubled the size of long statements.
    fill: Option<Rgb>,
    font: Option<(Font, f32)>,
}

pub(crate) const MARGIN: f32 = 48.0;
/// The space kept free at the foot of every page for the footer.
const FOOTER_SPACE: f32 = 56.0;

pub(crate) struct Meta<'a> {
    pub title: &'a str,
    pub author: &'a str,
    pub subject: &'a str,
    pub footer_left: Vec<u8>,
}

impl Sheet {
    pub(crate) fn new(paper: Paper) -> Sheet {
        let (width, height) = paper.size();
        Sheet {
            width,
            height,
            margin: MARGIN,
            y: MARGIN,
            pages: vec![Content::new()],
            running: None,
            fill: None,
            font: None,
        }
    }

    pub(crate) fn set_running(&mut self, running: Running) {
        self.running = Some(running);
    }

    pub(crate) fn left(&self) -> f32 {
        self.margin
    }

    pub(crate) fn right(&self) -> f32 {
        self.width - self.margin
    }

    pub(crate) fn body_width(&self) -> f32 {
        self.right() - self.left()
    }

    /// The lowest point body content may reach.
    pub(crate) fn bottom(&self) -> f32 {
        self.height - FOOTER_SPACE
    }

    pub(crate) fn remaining(&self) -> f32 {
        self.bottom() - self.y
    }

    /// Where the body starts on a continuation page, below the running header.
    fn continuation_top(&self) -> f32 {
        self.margin + if self.running.is_some() { 30.0 } else { 0.0 }
    }

    /// The tallest block a page can hold, so callers can tell a block that must be split from
    /// one that only needs a fresh page.
    pub(crate) fn page_capacity(&self) -> f32 {
        self.bottom() - self.continuation_top()
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(Content::new());
        (self.fill, self.font) = (None, None);
        self.y = self.margin;
        if let Some(running) = self.running.take() {
            let base = self.y + 9.0;
            let name = Style::new(Font::Bold, 9.5, running.brand);
            let doc = Style::new(Font::Regular, 8.5, Rgb::MUTED);
            let right = self.right();
            let width = self.body_width() * 0.5 - 6.0;
            self.text(self.left(), base, &fit(&running.left, name, width), name);
            self.text_right(right, base, &fit(&running.right, doc, width), doc);
            self.hline(self.left(), right, base + 7.0, 0.75, running.brand);
            self.running = Some(running);
        }
        self.y = self.continuation_top();
    }

    /// Starts a new page unless `height` more points fit on this one; true when it did.
    pub(crate) fn keep(&mut self, height: f32) -> bool {
        if height > self.remaining() {
            self.new_page();
            true
        } else {
            false
        }
    }

    fn set_fill(&mut self, color: Rgb) {
        if self.fill != Some(color) {
            self.fill = Some(color);
            let (r, g, b) = (shade(color.0), shade(color.1), shade(color.2));
            self.page().set_fill_rgb(r, g, b);
        }
    }

    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a sheet always has a page")
    }

    pub(crate) fn text(&mut self, x: f32, baseline: f32, text: &[u8], style: Style) {
        if text.is_empty() {
            return;
        }
        let y = self.height - baseline;
        self.set_fill(style.color);
        let font = (style.font, style.size);
        let set_font = self.font != Some(font);
        self.font = Some(font);
        let page = self.page();
        page.begin_text();
        if set_font {
            page.set_font(Name(style.font.resource()), style.size);
        }
        page.next_line(round(x), round(y));
        page.show(Str(text));
        page.end_text();
    }

    pub(crate) fn text_right(&mut self, right: f32, baseline: f32, text: &[u8], style: Style) {
        self.text(right - style.width(text), baseline, text, style);
    }

    pub(crate) fn fill_rect(&mut self, x: f32, top: f32, width: f32, height: f32, color: Rgb) {
        let y = self.height - top - height;
        self.set_fill(color);
        let page = self.page();
        page.rect(round(x), round(y), round(width), round(height));
        page.fill_nonzero();
    }

    pub(crate) fn stroke_rect(&mut self, x: f32, top: f32, width: f32, height: f32, line: f32, color: Rgb) {
        let y = self.height - top - height;
        let page = self.page();
        page.set_stroke_rgb(shade(color.0), shade(color.1), shade(color.2));
        page.set_line_width(line);
        page.rect(round(x), round(y), round(width), round(height));
        page.stroke();
    }

    pub(crate) fn hline(&mut self, x0: f32, x1: f32, y: f32, line: f32, color: Rgb) {
        let y = self.height - y;
        let page = self.page();
        page.set_stroke_rgb(shade(color.0), shade(color.1), shade(color.2));
        page.set_line_width(line);
        page.move_to(round(x0), round(y));
        page.line_to(round(x1), round(y));
        page.stroke();
    }

    /// Adds the footers, now that the page count is known, and writes the file.
    pub(crate) fn finish(mut self, meta: &Meta<'_>) -> Vec<u8> {
        let count = self.pages.len();
        let small = Style::new(Font::Regular, 7.5, Rgb::MUTED);
        let (left, right) = (self.left(), self.right());
        let base = self.height - MARGIN + 16.0;
        let footer_left = fit(&meta.footer_left, small, self.body_width() * 0.7);
        for n in 1..=count {
            let page = &mut self.pages[n - 1];
            let label = format!("Page {n} of {count}");
            // Drawn into the page directly: `text` only writes to the last page.
            for (x, text) in [
                (left, footer_left.as_slice()),
                (right - small.width(label.as_bytes()), label.as_bytes()),
            ] {
                page.set_fill_rgb(small.color.0, small.color.1, small.color.2);
                page.begin_text();
                page.set_font(Name(small.font.resource()), small.size);
                page.next_line(round(x), round(self.height - base));
                page.show(Str(text));
                page.end_text();
            }
            page.set_stroke_rgb(Rgb::RULE.0, Rgb::RULE.1, Rgb::RULE.2);
            page.set_line_width(0.5);
            page.move_to(left, self.height - (base - 11.0));
            page.line_to(right, self.height - (base - 11.0));
            page.stroke();
        }

        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let first_page = 6;
        let page_refs: Vec<Ref> = (0..count).map(|i| Ref::new(first_page + 2 * i as i32)).collect();

        let mut cat = pdf.catalog(catalog);
        cat.pages(tree);
        cat.lang(TextStr("en"));
        cat.viewer_preferences().display_doc_title(true);
        cat.finish();
        pdf.pages(tree).kids(page_refs.iter().copied()).count(count as i32);
        for (font, id) in [(Font::Regular, regular), (Font::Bold, bold)] {
            pdf.type1_font(id)
                .base_font(Name(font.base_font()))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        pdf.document_info(info)
            .title(TextStr(meta.title))
            .author(TextStr(meta.author))
            .subject(TextStr(meta.subject))
            .creator(TextStr("Aftercart"))
            .producer(TextStr("aftercart-documents"));

        let media = Rect::new(0.0, 0.0, self.width, self.height);
        for (page_ref, content) in page_refs.iter().zip(self.pages) {
            let content_ref = Ref::new(page_ref.get() + 1);
            let mut page = pdf.page(*page_ref);
            page.media_box(media).parent(tree).contents(content_ref);
            page.resources()
                .fonts()
                .pair(Name(Font::Regular.resource()), regular)
                .pair(Name(Font::Bold.resource()), bold);
            page.finish();
            pdf.stream(content_ref, &content.finish());
        }
        pdf.finish()
    }
}

/// Coordinates to 1/100 pt, far finer than print, so the file holds "495.08", not "495.08002".
fn round(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}

fn shade(v: f32) -> f32 {
    (v * 1000.0).round() / 1000.0
}

/// Breaks `text` into lines no wider than `width`: at spaces where it can, inside a word only
/// when the word alone is wider than a line (an IBAN, a URL, a tracking number), so nothing ever
/// spills into the next column. A line feed in the text always starts a new line.
pub(crate) fn wrap(text: &[u8], style: Style, width: f32) -> Vec<Vec<u8>> {
    let space = style.width(b" ");
    let mut lines = Vec::new();
    for paragraph in text.split(|&b| b == b'\n') {
        let mut line: Vec<u8> = Vec::new();
        let mut line_width = 0.0;
        for word in paragraph.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
            let word_width = style.width(word);
            if !line.is_empty() && line_width + space + word_width <= width {
                line.push(b' ');
                line.extend_from_slice(word);
                line_width += space + word_width;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if word_width <= width {
                line.extend_from_slice(word);
                line_width = word_width;
                continue;
            }
            let mut rest = word;
            loop {
                let (mut end, mut used) = (0, 0.0);
                for &b in rest {
                    let w = style.width(&[b]);
                    // Always at least one glyph a line, or a column narrower than a glyph loops.
                    if end > 0 && used + w > width {
                        break;
                    }
                    used += w;
                    end += 1;
                }
                if end == rest.len() {
                    line.extend_from_slice(rest);
                    line_width = used;
                    break;
                }
                // Part numbers and URLs read better split after their own separators.
                let cut = rest[..end]
                    .iter()
                    .rposition(|b| b"-/_.,;:".contains(b))
                    .map(|p| p + 1)
                    .filter(|&p| p * 2 >= end)
                    .unwrap_or(end);
                lines.push(rest[..cut].to_vec());
                rest = &rest[cut..];
            }
        }
        lines.push(line);
    }
    // A trailing empty paragraph ("text\n") adds nothing a reader would miss.
    while lines.len() > 1 && lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// Shortens one-line text (headers, footers) to `width`, ending it with an ellipsis.
pub(crate) fn fit(text: &[u8], style: Style, width: f32) -> Vec<u8> {
    if style.width(text) <= width {
        return text.to_vec();
    }
    let budget = width - style.width(b"\x85");
    let mut out = Vec::new();
    let mut used = 0.0;
    for &b in text {
        let w = style.width(&[b]);
        if used + w > budget {
            break;
        }
        used += w;
        out.push(b);
    }
    out.push(0x85);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fonts::encode;
    use crate::table::CELL;

    fn widest(lines: &[Vec<u8>], style: Style) -> f32 {
        lines.iter().map(|l| style.width(l)).fold(0.0, f32::max)
    }

    #[test]
    fn wraps_at_spaces_within_the_width() {
        let text = encode("Heavy-duty stainless steel hinge, 4 in, satin finish, pack of 12");
        let lines = wrap(&text, CELL, 80.0);
        assert!(lines.len() > 1);
        assert!(widest(&lines, CELL) <= 80.0);
        assert_eq!(lines.join(&b' '), text);
    }

    #[test]
    fn hard_breaks_a_token_wider_than_the_line() {
        let token = b"1Z999AA10123456784X1Z999AA10123456784X1Z999AA10123456784".to_vec();
        let lines = wrap(&token, CELL, 50.0);
        assert!(lines.len() >= 3);
        assert!(widest(&lines, CELL) <= 50.0);
        assert_eq!(lines.concat(), token);
    }

    #[test]
    fn hard_breaks_prefer_a_separator_inside_the_token() {
        let token = b"DWG-88213-REV-C-ALU4040-1250-M8-TAPPED-BOTHENDS".to_vec();
        let lines = wrap(&token, CELL, 120.0);
        assert!(lines.len() >= 2);
        assert!(lines[..lines.len() - 1].iter().all(|l| l.ends_with(b"-")), "{lines:?}");
        assert!(widest(&lines, CELL) <= 120.0);
        assert_eq!(lines.concat(), token);
    }

    #[test]
    fn a_column_narrower_than_a_glyph_still_terminates() {
        let lines = wrap(b"WWW", CELL, 1.0);
        assert_eq!(lines, vec![b"W".to_vec(), b"W".to_vec(), b"W".to_vec()]);
    }

    #[test]
    fn keeps_line_feeds_and_empty_text() {
        assert_eq!(wrap(b"a\nb\n", CELL, 100.0), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(wrap(b"", CELL, 100.0), vec![Vec::<u8>::new()]);
    }

    #[test]
    fn fit_shortens_with_an_ellipsis() {
        let long = b"Northwind Industrial Supply Company of the Greater Metropolitan Area";
        let short = fit(long, CELL, 60.0);
        assert!(CELL.width(&short) <= 60.0);
        assert_eq!(short.last(), Some(&0x85));
        assert_eq!(fit(b"Short", CELL, 60.0), b"Short");
    }

    #[test]
    fn readable_darkens_only_pale_colours() {
        let navy = Rgb::from_u8((20, 40, 110));
        assert_eq!(navy.readable(), navy);
        let yellow = Rgb::from_u8((255, 230, 0)).readable();
        assert!(0.2126 * yellow.0 + 0.7152 * yellow.1 + 0.0722 * yellow.2 <= 0.4501);
    }
}
