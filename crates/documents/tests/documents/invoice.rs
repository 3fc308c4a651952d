use aftercart_documents::{DocLine, InvoiceDoc, Letterhead, Paper, invoice_pdf};

use crate::fixtures::{REFERENCE, credit_memo, invoice, letterhead, line, line_with};
use crate::poppler::{info, info_field, layout_text, page_count, pages, png_page_one, raw_text, words};

#[test]
fn an_invoice_shows_every_line_its_totals_and_the_reference() {
    let doc = invoice(12);
    let pdf = invoice_pdf(&letterhead(), &doc);
    let text = layout_text("invoice-12", &pdf);

    for needle in [
        "Northwind Industrial Supply",
        "EIN 12-3456789",
        "Invoice",
        "INV-1001",
        "3 Dec 2026",
        "Net 30",
    ] {
        assert!(text.contains(needle), "{needle:?} missing:\n{text}");
    }
    assert!(line_with(&text, "Invoice no.").contains("INV-1001"));
    assert!(line_with(&text, "Account").contains("ACC-20931"));
    for needle in [
        "Contoso Facilities LLC",
        "Contoso Warehouse 3",
        "PO-77812",
        "PO-77830",
        "BILL TO",
        "SHIP TO",
    ] {
        assert!(text.contains(needle), "{needle:?} missing:\n{text}");
    }
    for line in &doc.lines {
        let row = line_with(&text, &line.sku);
        assert!(
            row.contains(&line.amount),
            "amount {} not on the row of {}: {row}",
            line.amount,
            line.sku
        );
        assert!(row.contains(&line.unit_price) && row.contains(&line.order), "{row}");
        assert!(text.contains(&line.description), "{} missing", line.description);
    }
    for (label, value) in &doc.totals {
        let row = line_with(&text, label);
        let value = value.replace('\u{2212}', "-");
        assert!(row.contains(&value), "total {label:?} should read {value:?}: {row:?}");
    }
    assert!(text.contains(REFERENCE), "remittance reference missing");
    assert!(text.contains("PAYMENT REFERENCE") && text.contains("Routing 121000358"));
    assert!(text.contains("Late payments accrue 1.5 % interest"));
    assert!(line_with(&text, "Page 1 of 1").contains("INV-1001"));

    let info = info("invoice-12", &pdf);
    assert_eq!(info_field(&info, "Pages"), "1");
    assert_eq!(info_field(&info, "Title"), "Invoice INV-1001");
    assert_eq!(info_field(&info, "Creator"), "Aftercart");
    assert_eq!(info_field(&info, "Author"), "Northwind Industrial Supply");
    assert!(info_field(&info, "Page size").starts_with("612 x 792"), "{info:?}");
}

#[test]
fn a_long_description_wraps_inside_its_column_and_is_all_there() {
    let description = "Custom-cut aluminium extrusion profile, 40 x 40 mm, anodised black, cut to 1,250 mm \
                       with both ends tapped M8, deburred, bagged and labelled per assembly station; \
                       drawing ref DWG-88213-REV-C-ALU4040-1250-M8-TAPPED-BOTHENDS-ANODISED-BLACK \
                       supersedes all earlier revisions";
    let mut doc = invoice(3);
    doc.lines[1].description = description.into();
    let pdf = invoice_pdf(&letterhead(), &doc);

    // Content-stream order keeps a cell's lines together: the whole description, hard-broken
    // token included, comes back once whitespace is ignored.
    let raw: String = raw_text("invoice-long-description", &pdf).split_whitespace().collect();
    let squeezed: String = description.split_whitespace().collect();
    assert!(raw.contains(&squeezed), "description not intact in:\n{raw}");

    // Every word sits inside the Item column: right of its header and left of the next one.
    let (words, widths) = words("invoice-long-description", &pdf);
    let header = |t: &str| {
        words
            .iter()
            .find(|w| w.text == t)
            .unwrap_or_else(|| panic!("header {t}"))
            .clone()
    };
    let (item, order) = (header("Item"), header("Order"));
    let top = words.iter().find(|w| w.text == "Custom-cut").expect("first word").y_min - 1.0;
    let first_word = description.split_whitespace().next().unwrap();
    let last_word = description.split_whitespace().last().unwrap();
    let bottom = words.iter().find(|w| w.text == last_word).expect("last word").y_max + 1.0;
    let cell: Vec<_> = words
        .iter()
        .filter(|w| w.y_min >= top && w.y_max <= bottom && w.x_min >= item.x_min - 1.0 && w.x_min < order.x_min)
        .collect();
    assert!(cell.iter().any(|w| w.text == first_word));
    assert!(cell.len() >= description.split_whitespace().count());
    for w in &cell {
        assert!(
            w.x_max < order.x_min - 2.0,
            "{w:?} runs into the order column at {}",
            order.x_min
        );
    }
    let rows: std::collections::BTreeSet<i32> = cell.iter().map(|w| w.y_min.round() as i32).collect();
    assert!(
        rows.len() >= 5,
        "expected the description to wrap onto several lines, got {rows:?}"
    );

    // And nothing anywhere overlaps another word or leaves the page.
    for (i, a) in words.iter().enumerate() {
        assert!(a.x_min >= 0.0 && a.x_max <= widths[a.page - 1], "{a:?} is off the page");
        for b in &words[i + 1..] {
            let same_row = a.page == b.page && a.y_min < b.y_max - 1.0 && b.y_min < a.y_max - 1.0;
            assert!(
                !(same_row && a.x_min < b.x_max - 0.5 && b.x_min < a.x_max - 0.5),
                "{a:?} overlaps {b:?}"
            );
        }
    }
}

#[test]
fn text_outside_ascii_extracts_and_cjk_becomes_a_question_mark() {
    let mut head = letterhead();
    head.seller_name = "Société Générale d’Équipement".into();
    head.address_lines = vec!["Hauptstraße 5".into(), "80331 München".into()];
    let mut doc = invoice(2);
    doc.account_name = "Café Müller GmbH".into();
    doc.lines[0].description = "“Premium” Kaffeebohnen – 1 kg, Größe L".into();
    doc.lines[0].amount = "1.234,50 €".into();
    doc.lines[1].description = "Teekanne aus 東京".into();
    doc.totals = vec![("Gesamt".into(), "1.234,50 €".into())];
    let pdf = invoice_pdf(&head, &doc);
    let text = layout_text("invoice-unicode", &pdf);

    for needle in [
        "Société Générale d’Équipement",
        "Hauptstraße 5",
        "80331 München",
        "Café Müller GmbH",
        "“Premium” Kaffeebohnen – 1 kg, Größe L",
        "1.234,50 €",
        "Teekanne aus ??",
    ] {
        assert!(text.contains(needle), "{needle:?} missing:\n{text}");
    }
    assert!(!text.contains('東'));
    assert!(aftercart_documents::encodable("Größe “x” – 5 €"));
    assert!(!aftercart_documents::encodable("東京"));
}

#[test]
fn a_credit_memo_says_what_it_is_and_what_it_corrects() {
    let pdf = invoice_pdf(&letterhead(), &credit_memo());
    let text = layout_text("credit-memo", &pdf);
    assert!(text.contains("Credit memo"), "{text}");
    assert!(line_with(&text, "Credit memo no.").contains("CM-0042"));
    assert!(text.contains("Credits invoice INV-1001"));
    assert!(line_with(&text, "Total credit").contains("-$83.14"));
    assert!(!text.contains("Due"), "a credit memo has no due date:\n{text}");
    assert!(!text.contains("PAYMENT REFERENCE"));
    assert_eq!(info_field(&info("credit-memo", &pdf), "Title"), "Credit memo CM-0042");
}

#[test]
fn the_totals_block_is_never_split_across_pages() {
    let head = letterhead();
    let mut moved = 0;
    // Enough line counts that the block meets the foot of page 1 and of page 2 at every offset.
    for n in 20..=75 {
        let doc = invoice(n);
        let pdf = invoice_pdf(&head, &doc);
        let pages = pages(&format!("invoice-totals-{n}"), &pdf);
        let on = |needle: &str| pages.iter().position(|p| p.contains(needle));
        let subtotal = on("Subtotal").unwrap_or_else(|| panic!("{n} lines: no subtotal"));
        assert_eq!(on("Balance due"), Some(subtotal), "{n} lines: totals split");
        assert_eq!(
            on(REFERENCE),
            Some(subtotal),
            "{n} lines: remittance box apart from the totals"
        );
        let last_line = on(&line(n - 1).sku).expect("last line");
        assert!(subtotal >= last_line, "{n} lines: totals before the last line");
        if subtotal > last_line {
            moved += 1;
            assert!(
                pages[subtotal].contains("(continued)"),
                "a totals-only page still says whose it is"
            );
        }
        for (k, page) in pages.iter().enumerate() {
            assert!(
                page.contains(&format!("Page {} of {}", k + 1, pages.len())),
                "{n} lines, page {k}"
            );
        }
        assert_eq!(page_count(&format!("invoice-totals-{n}"), &pdf), pages.len());
    }
    assert!(
        moved > 0,
        "no line count pushed the totals to their own page: the test proves nothing"
    );
}

#[test]
fn a_multi_page_invoice_repeats_the_table_header() {
    let doc = invoice(60);
    let pdf = invoice_pdf(&letterhead(), &doc);
    let pages = pages("invoice-60", &pdf);
    assert!(pages.len() >= 2);
    for (k, page) in pages.iter().enumerate() {
        let has_lines = doc.lines.iter().any(|l| page.contains(&l.sku));
        if has_lines {
            let header = line_with(page, "Unit price");
            assert!(
                header.contains("Item") && header.contains("Amount") && header.contains("Qty"),
                "page {k}"
            );
        }
    }
    for l in &doc.lines {
        let count: usize = pages.iter().map(|p| p.matches(&l.sku).count()).sum();
        assert_eq!(count, 1, "{} should appear exactly once", l.sku);
    }
}

#[test]
fn without_tax_rates_there_is_no_tax_column() {
    let mut doc = invoice(2);
    for l in &mut doc.lines {
        l.tax_rate = None;
    }
    let text = layout_text("invoice-untaxed", &invoice_pdf(&letterhead(), &doc));
    assert!(!line_with(&text, "Unit price").contains("Tax"));
    assert!(!line_with(&text, &doc.lines[0].sku).contains("8.25 %"));
}

#[test]
fn an_invoice_without_lines_or_extras_still_renders() {
    let doc = InvoiceDoc {
        number: "INV-0".into(),
        account_name: "Nobody".into(),
        ..InvoiceDoc::default()
    };
    let pdf = invoice_pdf(&Letterhead::default(), &doc);
    let text = layout_text("invoice-empty", &pdf);
    assert!(text.contains("No lines.") && text.contains("Page 1 of 1"));
}

#[test]
fn output_is_deterministic_and_paper_is_honoured() {
    let doc = invoice(30);
    let a = invoice_pdf(&letterhead(), &doc);
    assert_eq!(a, invoice_pdf(&letterhead(), &doc));

    let a4 = Letterhead {
        paper: Paper::A4,
        ..letterhead()
    };
    let pdf = invoice_pdf(&a4, &doc);
    let size = info_field(&info("invoice-a4", &pdf), "Page size");
    assert!(size.contains("(A4)"), "{size}");
    let text = layout_text("invoice-a4", &pdf);
    for l in &doc.lines {
        assert!(line_with(&text, &l.sku).contains(&l.amount));
    }
}

#[test]
fn page_one_renders_to_png() {
    let pdf = invoice_pdf(&letterhead(), &invoice(12));
    let png = png_page_one("invoice-sample", &pdf);
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: Letter at 80 dpi is 8.5 × 80 by 11 × 80 pixels.
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (680, 880));
    assert!(
        png.len() > 20_000,
        "a page of text compresses to more than a blank page: {} bytes",
        png.len()
    );
}

#[test]
fn a_row_taller_than_a_page_is_split_not_lost() {
    let mut doc = invoice(2);
    let words: Vec<String> = (0..1500).map(|i| format!("w{i}")).collect();
    doc.lines[0] = DocLine {
        description: words.join(" "),
        ..doc.lines[0].clone()
    };
    let pdf = invoice_pdf(&letterhead(), &doc);
    let raw: Vec<String> = raw_text("invoice-huge-row", &pdf)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let start = raw.iter().position(|w| w == "w0").expect("first word");
    assert_eq!(
        raw.iter()
            .filter(|w| w.starts_with('w') && w[1..].parse::<u32>().is_ok())
            .count(),
        1500
    );
    assert_eq!(raw[start], "w0");
    assert!(page_count("invoice-huge-row", &pdf) >= 2);
}
