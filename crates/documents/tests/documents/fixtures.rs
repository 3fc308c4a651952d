//! Real-looking documents, as the app would hand them over: everything already formatted.

use aftercart_documents::{
    DocLine, InvoiceDoc, InvoiceKind, Letterhead, Paper, Remittance, StatementDoc, StatementLine,
};

pub const REFERENCE: &str = "RF18 5390 0754 7034";

pub fn letterhead() -> Letterhead {
    Letterhead {
        seller_name: "Northwind Industrial Supply".into(),
        address_lines: vec![
            "1200 Harbor Way, Suite 400".into(),
            "Oakland, CA 94607".into(),
            "United States".into(),
        ],
        tax_id: Some("EIN 12-3456789".into()),
        contact: Some("billing@northwind.example \u{b7} +1 (510) 555-0100".into()),
        brand_rgb: (0x1f, 0x4e, 0x79),
        paper: Paper::Letter,
    }
}

pub fn remittance() -> Remittance {
    Remittance {
        reference: REFERENCE.into(),
        instructions: vec![
            "First Harbor Bank, Oakland".into(),
            "Account 000123456789 \u{b7} Routing 121000358".into(),
            "Please quote the reference with your payment.".into(),
        ],
    }
}

const PRODUCTS: [(&str, &str, &str); 8] = [
    ("HNG-4SS-12", "Stainless hinge 4 in, pack of 12", "$38.40"),
    ("GLV-NIT-L", "Nitrile gloves, large, box of 100", "$12.95"),
    ("FLT-HEPA-20", "HEPA filter 20 x 20 x 1", "$54.00"),
    ("TAPE-DS-50", "Double-sided tape 50 m", "$7.25"),
    ("BOLT-M8-40", "Hex bolt M8 x 40, zinc, 50 pcs", "$9.80"),
    ("LBL-TH-4X6", "Thermal labels 4 x 6 in, 500 per roll", "$21.00"),
    ("CBL-CAT6-305", "Cat 6 cable 305 m, blue", "$119.00"),
    ("SAF-GOG-CL", "Safety goggles, clear, anti-fog", "$6.40"),
];

/// Line `i` of a generated document: SKUs carry the index so every line can be found again.
pub fn line(i: usize) -> DocLine {
    let (sku, description, price) = PRODUCTS[i % PRODUCTS.len()];
    DocLine {
        no: (i + 1).to_string(),
        order: format!("SO-{} / {}", 1042 + i / 5, i % 5 + 1),
        shipment: (i % 3 != 2).then(|| format!("SH-{} \u{b7} 1Z999AA1012345{:04}", 77 + i / 4, i)),
        sku: format!("{sku}-{i:03}"),
        description: description.into(),
        quantity: format!("{}", i % 7 + 1),
        unit_price: price.into(),
        tax_rate: Some("8.25 %".into()),
        amount: format!("${},{:03}.{:02}", 1 + i / 10, (i * 37) % 1000, i % 100),
    }
}

pub fn invoice(lines: usize) -> InvoiceDoc {
    InvoiceDoc {
        kind: InvoiceKind::Invoice,
        number: "INV-1001".into(),
        issued_on: "3 Nov 2026".into(),
        due_on: Some("3 Dec 2026".into()),
        terms: Some("Net 30".into()),
        account_name: "Contoso Facilities LLC".into(),
        account_number: "ACC-20931".into(),
        bill_to: vec![
            "Accounts Payable".into(),
            "88 Market Street".into(),
            "San Francisco, CA 94103".into(),
        ],
        ship_to: vec![
            "Contoso Warehouse 3".into(),
            "4100 Industrial Pkwy".into(),
            "Hayward, CA 94545".into(),
        ],
        purchase_orders: vec!["PO-77812".into(), "PO-77830".into()],
        lines: (0..lines).map(line).collect(),
        totals: vec![
            ("Subtotal".into(), "$1,200.00".into()),
            ("Tax 8.25 %".into(), "$99.00".into()),
            ("Freight".into(), "$45.00".into()),
            ("Total".into(), "$1,344.00".into()),
            ("Paid".into(), "\u{2212}$300.00".into()),
            ("Balance due".into(), "$1,044.00".into()),
        ],
        remittance: Some(remittance()),
        notes: vec!["Thank you for your business. Late payments accrue 1.5 % interest per month.".into()],
        corrects: None,
    }
}

pub fn credit_memo() -> InvoiceDoc {
    InvoiceDoc {
        kind: InvoiceKind::CreditMemo,
        number: "CM-0042".into(),
        due_on: None,
        terms: None,
        lines: vec![DocLine {
            no: "1".into(),
            order: "SO-1042 / 3".into(),
            shipment: Some("SH-77 \u{b7} returned RMA-5531".into()),
            sku: "HNG-4SS-12-002".into(),
            description: "Returned: damaged on receipt".into(),
            quantity: "2".into(),
            unit_price: "$38.40".into(),
            tax_rate: Some("8.25 %".into()),
            amount: "\u{2212}$76.80".into(),
        }],
        totals: vec![
            ("Subtotal".into(), "\u{2212}$76.80".into()),
            ("Tax 8.25 %".into(), "\u{2212}$6.34".into()),
            ("Total credit".into(), "\u{2212}$83.14".into()),
        ],
        remittance: None,
        notes: vec![],
        corrects: Some("Credits invoice INV-1001".into()),
        ..invoice(0)
    }
}

pub fn statement_line(i: usize) -> StatementLine {
    let invoice = i % 3 != 2;
    StatementLine {
        date: format!("{} Nov 2026", i % 30 + 1),
        kind: if invoice { "Invoice" } else { "Payment" }.into(),
        reference: if invoice {
            format!("INV-{}", 2000 + i)
        } else {
            format!("PAY-{}", 5000 + i)
        },
        description: if invoice {
            format!("Order SO-{}", 3000 + i)
        } else {
            "ACH payment, thank you".into()
        },
        debit: if invoice {
            format!("${}.{:02}", 100 + i, i % 100)
        } else {
            String::new()
        },
        credit: if invoice {
            String::new()
        } else {
            format!("${}.00", 150 + i)
        },
        balance: format!("${},{:03}.{:02}", 2 + i / 40, (i * 91) % 1000, (i * 7) % 100),
    }
}

pub fn statement(lines: usize) -> StatementDoc {
    StatementDoc {
        account_name: "Contoso Facilities LLC".into(),
        account_number: "ACC-20931".into(),
        address: vec![
            "Accounts Payable".into(),
            "88 Market Street".into(),
            "San Francisco, CA 94103".into(),
        ],
        period: "1 Nov 2026 \u{2013} 30 Nov 2026".into(),
        generated: "1 Dec 2026".into(),
        opening_balance: "$2,410.00".into(),
        lines: (0..lines).map(statement_line).collect(),
        closing_balance: "$4,982.15".into(),
        aging: vec![
            ("Current".into(), "$3,100.00".into()),
            ("1\u{2013}30 days".into(), "$1,250.15".into()),
            ("31\u{2013}60 days".into(), "$632.00".into()),
            ("61\u{2013}90 days".into(), "$0.00".into()),
            ("Over 90 days".into(), "$0.00".into()),
        ],
        remittance: Some(remittance()),
    }
}

/// The line of `text` that contains `needle`, for checking a label and its value share a row.
pub fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}
