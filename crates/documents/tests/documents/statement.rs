use aftercart_documents::{Letterhead, Paper, StatementDoc, statement_pdf};

use crate::fixtures::{REFERENCE, letterhead, line_with, statement};
use crate::poppler::{info, info_field, layout_text, page_count, pages, png_page_one};

#[test]
fn a_long_statement_repeats_its_header_and_numbers_every_page() {
    let doc = statement(150);
    let pdf = statement_pdf(&letterhead(), &doc);
    let pages = pages("statement-150", &pdf);
    // Under page 1's letterhead the opening row and 28 lines fit, 38 rows on each continuation
    // page: 28 + 3 × 38 = 142, so page 5 takes the last 8 lines, the closing row, the aging and
    // the remittance box.
    assert_eq!(pages.len(), 5);
    let per_page: Vec<usize> = pages
        .iter()
        .map(|p| {
            doc.lines
                .iter()
                .filter(|l| p.contains(&format!("{} ", l.reference)))
                .count()
        })
        .collect();
    assert_eq!(per_page, [28, 38, 38, 38, 8]);
    assert!(pages[4].contains("AGING OF OPEN ITEMS") && pages[4].contains(REFERENCE));
    assert_eq!(page_count("statement-150", &pdf), pages.len());

    for (k, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("Page {} of {}", k + 1, pages.len())),
            "page {k} footer:\n{page}"
        );
        assert!(
            page.contains("Northwind Industrial Supply"),
            "page {k} says whose it is"
        );
        if k > 0 {
            assert!(line_with(page, "(continued)").contains("ACC-20931"), "page {k}");
        }
        let rows = doc.lines.iter().filter(|l| page.contains(&l.reference)).count();
        if rows > 0 {
            let header = line_with(page, "Reference");
            for title in ["Date", "Type", "Description", "Debit", "Credit", "Balance"] {
                assert!(header.contains(title), "page {k} header lacks {title}: {header}");
            }
        }
    }

    let text = pages.concat();
    for l in &doc.lines {
        let row = line_with(&text, &format!("{} ", l.reference));
        assert!(
            row.contains(&l.date) && row.contains(&l.kind) && row.contains(&l.description),
            "{row}"
        );
        assert!(
            row.contains(&l.balance) && row.contains(if l.debit.is_empty() { &l.credit } else { &l.debit }),
            "{row}"
        );
        assert_eq!(
            text.matches(&format!("{} ", l.reference)).count(),
            1,
            "{} once",
            l.reference
        );
    }
    assert!(line_with(pages[0].as_str(), "Opening balance").contains("$2,410.00"));
    let closing: Vec<&str> = text.lines().filter(|l| l.contains("Closing balance")).collect();
    assert_eq!(closing.len(), 2, "summary on page 1 and the table's last row");
    assert!(closing.iter().all(|l| l.contains("$4,982.15")));
    let aging = line_with(&text, "Current");
    for label in ["1–30 days", "31–60 days", "61–90 days", "Over 90 days"] {
        assert!(aging.contains(label), "{aging}");
    }
    assert!(line_with(&text, "$3,100.00").contains("$1,250.15"));
    assert!(text.contains(REFERENCE));
    assert!(pages[0].contains("1 Nov 2026 – 30 Nov 2026"));
    assert!(line_with(&pages[0], "Statement date").contains("1 Dec 2026"));
}

#[test]
fn a_thousand_lines_render() {
    let doc = statement(1000);
    let pdf = statement_pdf(&letterhead(), &doc);
    let pages = page_count("statement-1000", &pdf);
    // As above: 28 lines on page 1, 38 on each further page; 1 + ⌈(1000 − 28 + 1) / 38⌉ = 27 with
    // the closing row, and the aging and remittance fit under it.
    assert_eq!(pages, 27);
    let text = layout_text("statement-1000", &pdf);
    assert!(text.contains(&doc.lines[999].reference));
    assert!(text.contains(&format!("Page {pages} of {pages}")));
}

#[test]
fn a_quiet_period_still_makes_a_statement() {
    let doc = StatementDoc {
        account_name: "Fabrikam Ltd".into(),
        account_number: "ACC-1".into(),
        period: "October 2026".into(),
        opening_balance: "£0.00".into(),
        closing_balance: "£0.00".into(),
        ..StatementDoc::default()
    };
    let head = Letterhead {
        paper: Paper::A4,
        brand_rgb: (255, 221, 0),
        ..letterhead()
    };
    let pdf = statement_pdf(&head, &doc);
    let text = layout_text("statement-empty", &pdf);
    assert!(text.contains("No activity in this period."));
    assert!(line_with(&text, "Opening balance").contains("£0.00"));
    assert!(!text.contains("AGING") && !text.contains("PAYMENT REFERENCE"));
    let info = info("statement-empty", &pdf);
    assert_eq!(info_field(&info, "Pages"), "1");
    assert_eq!(info_field(&info, "Title"), "Statement ACC-1 October 2026");
    assert_eq!(info_field(&info, "Creator"), "Aftercart");
    assert!(info_field(&info, "Page size").contains("(A4)"));
}

#[test]
fn statement_page_one_renders_to_png() {
    let pdf = statement_pdf(&letterhead(), &statement(40));
    let png = png_page_one("statement-sample", &pdf);
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn statements_are_deterministic() {
    let doc = statement(80);
    assert_eq!(statement_pdf(&letterhead(), &doc), statement_pdf(&letterhead(), &doc));
}
