//! E-invoices to write, built the way the app would fill the model: each one a case a receiver
//! sees in practice.

use crate::{ccy, money};
use aftercart_interchange::{
    Address, DocCharge, DocKind, EInvoice, EInvoiceLine, Party, PaymentMeans, TaxCategory, VatCategory,
};
use time::macros::date;

pub fn tax(category: VatCategory, percent_bp: u32) -> TaxCategory {
    TaxCategory {
        category,
        percent_bp,
        exemption_reason: None,
    }
}

pub fn address(lines: &[&str], city: &str, postal: &str, country: &str) -> Address {
    Address {
        lines: lines.iter().map(|l| (*l).to_owned()).collect(),
        city: city.into(),
        postal_code: Some(postal.into()),
        subdivision: None,
        country: country.into(),
    }
}

pub fn line(id: &str, quantity_milli: i64, unit_price: &str, code: &str, tax: TaxCategory) -> EInvoiceLine {
    EInvoiceLine {
        id: id.into(),
        quantity_milli,
        unit_code: "C62".into(),
        unit_price: money(unit_price, code),
        item_name: format!("Item {id}"),
        seller_item_id: None,
        order_line_reference: None,
        tax,
        note: None,
    }
}

/// A UK seller (VAT 20 % standard, 5 % reduced, 0 % zero-rated) invoicing a UK buyer in GBP.
pub fn uk_invoice_with_three_rates() -> EInvoice {
    EInvoice {
        kind: DocKind::Invoice,
        number: "INV-000123".into(),
        issue_date: date!(2026 - 11 - 30),
        due_date: Some(date!(2026 - 12 - 30)),
        currency: ccy("GBP"),
        buyer_reference: Some("PO-REF-7781".into()),
        order_reference: Some("SO-000311".into()),
        billing_reference: None,
        note: Some("Thank you for your order <3 & see you soon".into()),
        seller: Party {
            name: "Aftercart Demo Ltd".into(),
            endpoint_scheme: "9932".into(),
            endpoint_id: "GB123456789".into(),
            vat_id: Some("GB123456789".into()),
            legal_id: Some("09876543".into()),
            address: address(
                &["1 Commercial Road", "Unit 4", "Riverside Estate"],
                "Manchester",
                "M1 1AA",
                "GB",
            ),
            contact_email: Some("billing@aftercart.example".into()),
        },
        buyer: Party {
            name: "Brightside Stores plc".into(),
            endpoint_scheme: "0088".into(),
            endpoint_id: "5012345678900".into(),
            vat_id: Some("GB987654321".into()),
            legal_id: None,
            address: Address {
                subdivision: Some("Greater London".into()),
                ..address(&["22 High Street"], "London", "EC1A 1BB", "GB")
            },
            contact_email: None,
        },
        delivery_date: Some(date!(2026 - 11 - 28)),
        deliver_to: None,
        payment_means: Some(PaymentMeans {
            code: "30".into(),
            remittance_reference: Some("INV-000123".into()),
            iban: Some("GB29NWBK60161331926819".into()),
            bic: Some("NWBKGB2L".into()),
            account_name: Some("Aftercart Demo Ltd".into()),
            mandate_reference: None,
        }),
        payment_terms: Some("30 days net".into()),
        charges: vec![],
        lines: vec![
            EInvoiceLine {
                seller_item_id: Some("SKU-DESK-01".into()),
                order_line_reference: Some("1".into()),
                note: Some("Oak finish".into()),
                ..line("1", 3_000, "249.99", "GBP", tax(VatCategory::S, 2000))
            },
            // 2.5 kg at 3.33/kg = 8.325, rounded half away from zero to 8.33.
            EInvoiceLine {
                unit_code: "KGM".into(),
                item_name: "Coffee beans".into(),
                ..line("2", 2_500, "3.33", "GBP", tax(VatCategory::S, 500))
            },
            EInvoiceLine {
                item_name: "Children's atlas".into(),
                ..line("3", 7_000, "12.49", "GBP", tax(VatCategory::Z, 0))
            },
            line("4", 1_000, "0.07", "GBP", tax(VatCategory::S, 2000)),
        ],
        prepaid: money("0", "GBP"),
    }
}

/// A German seller invoicing in EUR with freight as a document charge, a reduced-rate line, a
/// deposit already paid and a SEPA credit transfer with an RF reference.
pub fn de_invoice_with_freight() -> EInvoice {
    EInvoice {
        kind: DocKind::Invoice,
        number: "INV-000124".into(),
        issue_date: date!(2026 - 12 - 01),
        due_date: Some(date!(2026 - 12 - 15)),
        currency: ccy("EUR"),
        buyer_reference: Some("04011000-12345-03".into()),
        order_reference: None,
        billing_reference: None,
        note: None,
        seller: Party {
            name: "Aftercart Demo GmbH".into(),
            endpoint_scheme: "9930".into(),
            endpoint_id: "DE123456789".into(),
            vat_id: Some("DE123456789".into()),
            legal_id: Some("HRB 12345".into()),
            address: address(&["Hafenstraße 12"], "Hamburg", "20457", "DE"),
            contact_email: Some("rechnung@aftercart.example".into()),
        },
        buyer: Party {
            name: "Müller Maschinenbau GmbH".into(),
            endpoint_scheme: "0204".into(),
            endpoint_id: "04011000-12345-03".into(),
            vat_id: Some("DE987654321".into()),
            legal_id: None,
            address: address(&["Industriestraße 7"], "Stuttgart", "70173", "DE"),
            contact_email: Some("kreditoren@mueller.example".into()),
        },
        delivery_date: Some(date!(2026 - 11 - 27)),
        deliver_to: Some(address(&["Werk 2, Tor 3"], "Esslingen", "73728", "DE")),
        payment_means: Some(PaymentMeans {
            code: "58".into(),
            remittance_reference: Some("RF46INV000124".into()),
            iban: Some("DE89370400440532013000".into()),
            bic: None,
            account_name: None,
            mandate_reference: None,
        }),
        payment_terms: None,
        charges: vec![
            DocCharge {
                reason: "Freight".into(),
                amount: money("45.00", "EUR"),
                tax: tax(VatCategory::S, 1900),
            },
            DocCharge {
                reason: "Packaging".into(),
                amount: money("2.50", "EUR"),
                tax: tax(VatCategory::S, 700),
            },
        ],
        lines: vec![
            line("10", 12_000, "19.95", "EUR", tax(VatCategory::S, 1900)),
            line("20", 4_000, "7.49", "EUR", tax(VatCategory::S, 700)),
            line("30", 1_000, "1000.00", "EUR", tax(VatCategory::S, 1900)),
        ],
        prepaid: money("300.00", "EUR"),
    }
}

/// A credit note correcting the freight invoice: one line returned, freight refunded.
pub fn de_credit_note() -> EInvoice {
    let invoice = de_invoice_with_freight();
    EInvoice {
        kind: DocKind::CreditNote,
        number: "CN-000007".into(),
        issue_date: date!(2026 - 12 - 10),
        due_date: Some(date!(2026 - 12 - 20)),
        billing_reference: Some(("INV-000124".into(), Some(date!(2026 - 12 - 01)))),
        note: Some("Return of 2 units, damaged on arrival".into()),
        payment_means: Some(PaymentMeans {
            code: "30".into(),
            remittance_reference: Some("CN-000007".into()),
            iban: Some("DE44500105175407324931".into()),
            bic: None,
            account_name: Some("Müller Maschinenbau GmbH".into()),
            mandate_reference: None,
        }),
        charges: vec![DocCharge {
            reason: "Freight refund".into(),
            amount: money("7.50", "EUR"),
            tax: tax(VatCategory::S, 1900),
        }],
        lines: vec![line("10", 2_000, "19.95", "EUR", tax(VatCategory::S, 1900))],
        prepaid: money("0", "EUR"),
        ..invoice
    }
}

/// An intra-community supply from Germany to France: K at 0 %, buyer VAT id, delivery.
pub fn intra_community_supply() -> EInvoice {
    let base = de_invoice_with_freight();
    EInvoice {
        number: "INV-000125".into(),
        buyer: Party {
            name: "Atelier Lefèvre SARL".into(),
            endpoint_scheme: "0009".into(),
            endpoint_id: "73282932000074".into(),
            vat_id: Some("FR44732829320".into()),
            legal_id: Some("73282932000074".into()),
            address: address(&["12 rue de la Paix"], "Paris", "75002", "FR"),
            contact_email: None,
        },
        buyer_reference: None,
        order_reference: Some("PO-2026-118".into()),
        deliver_to: Some(address(&["Entrepôt Nord"], "Lille", "59000", "FR")),
        charges: vec![DocCharge {
            reason: "Freight".into(),
            amount: money("80.00", "EUR"),
            tax: tax(VatCategory::K, 0),
        }],
        lines: vec![line("1", 50_000, "12.00", "EUR", tax(VatCategory::K, 0))],
        prepaid: money("0", "EUR"),
        ..base
    }
}

/// Services outside the scope of VAT (O): no VAT ids anywhere, the seller known by its legal id.
pub fn outside_scope() -> EInvoice {
    let mut doc = de_invoice_with_freight();
    doc.number = "INV-000126".into();
    doc.seller.vat_id = None;
    doc.buyer.vat_id = None;
    doc.charges = vec![DocCharge {
        reason: "Travel".into(),
        amount: money("25.00", "EUR"),
        tax: tax(VatCategory::O, 0),
    }];
    doc.prepaid = money("0", "EUR");
    doc.lines = vec![line(
        "1",
        1_000,
        "150.00",
        "EUR",
        TaxCategory {
            exemption_reason: Some("Not subject to VAT".into()),
            ..tax(VatCategory::O, 0)
        },
    )];
    doc
}

/// Exempt (E) and reverse-charged (AE) lines together, in a zero-decimal currency.
pub fn exempt_and_reverse_charge_in_yen() -> EInvoice {
    let mut doc = de_invoice_with_freight();
    doc.number = "INV-000127".into();
    doc.currency = ccy("JPY");
    doc.charges.clear();
    doc.prepaid = money("0", "JPY");
    doc.payment_means = None;
    doc.lines = vec![
        line(
            "1",
            3_000,
            "12500",
            "JPY",
            TaxCategory {
                exemption_reason: Some("Exempt under Article 135(1)(g) of Directive 2006/112/EC".into()),
                ..tax(VatCategory::E, 0)
            },
        ),
        line("2", 2_000, "999", "JPY", tax(VatCategory::AE, 0)),
    ];
    doc
}

/// Paid by SEPA direct debit under a mandate, with terms instead of a due date.
pub fn direct_debit() -> EInvoice {
    let mut doc = de_invoice_with_freight();
    doc.number = "INV-000128".into();
    doc.due_date = None;
    doc.payment_terms = Some("Collected by SEPA direct debit on 2026-12-15".into());
    doc.payment_means = Some(PaymentMeans {
        code: "59".into(),
        remittance_reference: Some("INV-000128".into()),
        iban: None,
        bic: None,
        account_name: None,
        mandate_reference: Some("MANDATE-0042".into()),
    });
    doc
}
