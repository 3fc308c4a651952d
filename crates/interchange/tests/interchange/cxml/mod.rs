//! cXML: every public sample read with assertions on its content (`public_samples`), each
//! written document read back by the reader (`roundtrip`), the reader's leniency and its
//! refusals (`lenient`), and what is written checked against the DTDs' element order — by
//! `xmllint --dtdvalid` when `AFTERCART_CXML_DTD` names a folder of cXML 1.2 DTDs, and always
//! against a table of the DTDs' content models (`dtd`).

mod dtd;
mod lenient;
mod public_samples;
mod roundtrip;

use crate::money;
use aftercart_interchange::cxml::*;
use time::OffsetDateTime;
use time::macros::datetime;

pub const COVERED: &[&str] = &[
    "cxml/OrderRequest.xml",
    "cxml/PunchOutSetupRequest.xml",
    "cxml/PunchoutOrderMessage.xml",
    "cxml/PunchoutOrderMessageAdvancedPricing.xml",
    "cxml/ShipNoticeRequest.xml",
    "cxml/StatusUpdateRequest.xml",
    "cxml/invoice_backed_by_multiple_pos.xml",
    "cxml/invoice_taxes_at_line.xml",
    "cxml/invoice_taxes_at_line_multiple_taxes.xml",
    "cxml/order_request.xml",
    "cxml/punch_out_setup_request_doc_coupa.xml",
    "cxml/punch_out_setup_request_doc_with_ship_to.xml",
    "cxml/punchout_order_message_global_industrial.xml",
    "cxml/punchoutorder4-message.xml",
    "cxml/punchoutsetup1-request.xml",
    "cxml/punchoutsetup1-response.xml",
    "cxml/purchase_order_request_200.xml",
    "cxml/response_status_200.xml",
];

pub fn at(t: OffsetDateTime) -> Timestamp {
    Timestamp::new(t)
}

pub fn dec(s: &str) -> Decimal {
    Decimal::parse(s).unwrap()
}

/// The supplier's envelope to a buyer: NetworkId credentials, a secret on the Sender.
pub fn envelope(payload: &str) -> Envelope {
    let mut env = Envelope::new(payload, at(datetime!(2024-05-01 10:15:30 +02:00)));
    env.from = vec![
        Credential::new("NetworkId", "AN-SUPPLIER-1"),
        Credential::new("DUNS", "123456789"),
    ];
    env.to = vec![Credential::new("NetworkId", "AN-BUYER-9")];
    env.sender = vec![Credential::new("NetworkId", "AN-SUPPLIER-1").with_secret("s3cret & <more>")];
    env.user_agent = Some("Aftercart 1.0".into());
    env
}

pub fn order_ref() -> OrderRef {
    OrderRef {
        order_id: Some("PO-4711".into()),
        order_date: Some(at(datetime!(2024-04-30 09:00:00 -05:00))),
        payload_id: Some("1714485600.42@buyer.example".into()),
    }
}

pub fn cart() -> OrderMessageOut {
    let mut chair = CartItemOut::new(
        2,
        "CH-100",
        money("249.00", "EUR"),
        "Desk chair \"Ergo\" <mesh> & steel",
        "EA",
        Classification::unspsc("56112102"),
    );
    chair.line_number = Some(1);
    chair.supplier_part_auxiliary_id = Some("cart-7f3a:line-1".into());
    chair.short_name = Some("Desk chair".into());
    chair.manufacturer_part_id = Some("ERGO-9".into());
    chair.manufacturer_name = Some("Sitwell GmbH".into());
    chair.url = Some("https://shop.example/p/CH-100".into());
    chair.lead_time_days = Some(5);
    chair.extrinsics = vec![Extrinsic::new("Colour", "anthracite")];
    let mut screws = CartItemOut::new(
        300,
        "SC-8",
        money("4.50", "EUR"),
        "Wood screws 4×40, box of 100",
        "EA",
        Classification::unspsc("31161500"),
    );
    screws.price_basis = Some(PriceBasis {
        quantity: Decimal::from(100),
        conversion_factor: Decimal::from(1),
        unit_of_measure: "EA".into(),
        description: Some("price per 100 pieces".into()),
    });
    OrderMessageOut {
        buyer_cookie: "1CX3L4843PPZO".into(),
        operation_allowed: Operation::Edit,
        total: money("511.50", "EUR"),
        shipping: Some(ChargeOut {
            amount: money("9.90", "EUR"),
            description: "Parcel".into(),
        }),
        tax: Some(ChargeOut {
            amount: money("97.19", "EUR"),
            description: "VAT 19 %".into(),
        }),
        supplier_order_id: Some("CART-7f3a".into()),
        items: vec![chair, screws],
    }
}

pub fn confirmation() -> ConfirmationOut {
    ConfirmationOut {
        confirm_id: Some("CONF-1".into()),
        operation: DocumentOperation::New,
        kind: ConfirmationType::Detail,
        notice_date: at(datetime!(2024-05-01 10:00:00 +00:00)),
        order: order_ref(),
        total: Some(money("85.00", "EUR")),
        comments: Some("Partly backordered".into()),
        items: vec![
            ConfirmationItemOut {
                line_number: 1,
                quantity: Decimal::from(10),
                unit_of_measure: "EA".into(),
                statuses: vec![
                    LineStatusOut {
                        kind: LineStatusType::Accept,
                        quantity: Decimal::from(6),
                        shipment_date: Some(at(datetime!(2024-05-02 08:00:00 +02:00))),
                        delivery_date: Some(at(datetime!(2024-05-03 12:00:00 +02:00))),
                        unit_price: None,
                        comments: None,
                    },
                    LineStatusOut {
                        kind: LineStatusType::Backordered,
                        quantity: Decimal::from(4),
                        shipment_date: None,
                        delivery_date: Some(at(datetime!(2024-05-20 12:00:00 +02:00))),
                        unit_price: Some(money("2.10", "EUR")),
                        comments: Some("back in stock on the 18th".into()),
                    },
                ],
            },
            ConfirmationItemOut {
                line_number: 2,
                quantity: Decimal::from(20),
                unit_of_measure: "EA".into(),
                statuses: vec![LineStatusOut {
                    kind: LineStatusType::Reject,
                    quantity: Decimal::from(20),
                    shipment_date: None,
                    delivery_date: None,
                    unit_price: None,
                    comments: Some("discontinued".into()),
                }],
            },
        ],
    }
}

pub fn ship_notice() -> ShipNoticeOut {
    ShipNoticeOut {
        shipment_id: "SHIP-2024-0001".into(),
        operation: DocumentOperation::New,
        notice_date: at(datetime!(2024-05-02 09:00:00 +02:00)),
        shipment_date: Some(at(datetime!(2024-05-02 08:30:00 +02:00))),
        delivery_date: Some(at(datetime!(2024-05-03 12:00:00 +02:00))),
        comments: Some("Two parcels".into()),
        controls: vec![ShipControlOut {
            scac: Some("UPSN".into()),
            carrier_name: Some("UPS".into()),
            tracking_numbers: vec!["1Z999AA10123456784".into(), "1Z999AA10123456785".into()],
            tracking_url: Some("https://track.example/?n=1Z999AA10123456784&lang=en".into()),
        }],
        portions: vec![ShipNoticePortionOut {
            order: order_ref(),
            items: vec![
                ShipNoticeItemOut {
                    line_number: 1,
                    quantity: Decimal::from(6),
                    unit_of_measure: "EA".into(),
                    supplier_part_id: Some("1233244".into()),
                },
                ShipNoticeItemOut {
                    line_number: 2,
                    quantity: dec("2.5"),
                    unit_of_measure: "KGM".into(),
                    supplier_part_id: None,
                },
            ],
        }],
    }
}

pub fn invoice() -> InvoiceOut {
    let vat = |amount: &str, base: &str| TaxOut {
        amount: money(amount, "EUR"),
        description: "VAT".into(),
        details: vec![TaxDetailOut {
            category: "vat".into(),
            purpose: Some("tax".into()),
            percentage_rate: Some(Decimal::from(19)),
            taxable: Some(money(base, "EUR")),
            amount: money(amount, "EUR"),
            location: Some("DE".into()),
        }],
    };
    let line = |n: u32, q: &str, price: &str, sub: &str, tax: &str| InvoiceLineOut {
        invoice_line_number: n,
        quantity: dec(q),
        unit_of_measure: "EA".into(),
        unit_price: money(price, "EUR"),
        order_line_number: n,
        supplier_part_id: Some(format!("P-{n}")),
        description: Some(format!("Part {n}")),
        subtotal: money(sub, "EUR"),
        tax: Some(vat(tax, sub)),
    };
    InvoiceOut {
        invoice_id: "INV-2024-0042".into(),
        invoice_date: at(datetime!(2024-05-05 00:00:00 +00:00)),
        purpose: InvoicePurpose::Standard,
        operation: DocumentOperation::New,
        payment_term_days: Some(30),
        comments: Some("Thank you".into()),
        orders: vec![
            InvoiceOrderOut {
                order: order_ref(),
                lines: vec![line(1, "10", "2.10", "21.00", "3.99")],
            },
            InvoiceOrderOut {
                order: OrderRef {
                    order_id: Some("PO-4712".into()),
                    order_date: None,
                    payload_id: None,
                },
                lines: vec![line(1, "2.5", "3.33", "8.33", "1.58")],
            },
        ],
        tax: vat("5.57", "29.33"),
        special_handling: Some(money("1.00", "EUR")),
        shipping: Some(money("5.00", "EUR")),
        discount: Some(money("0.33", "EUR")),
    }
}

pub fn status_update() -> StatusUpdateOut {
    StatusUpdateOut {
        document_payload_id: "1714485600.42@buyer.example".into(),
        status: Status::new(200, "OK").with_message("Shipped in full"),
        extension: Some(StatusExtension::Document {
            kind: "shipped".into(),
            comments: vec!["all lines".into()],
        }),
        extrinsics: vec![Extrinsic::new("Warehouse", "Leipzig")],
    }
}

/// Every kind of document the writers produce, with its DTD: what the DTD checks run on.
pub fn written_documents() -> Vec<(&'static str, DtdFile, String)> {
    let env = envelope("1714550130.1@aftercart.example");
    vec![
        (
            "Response",
            DtdFile::Cxml,
            write_response(&env, &Status::new(401, "Unauthorized")).unwrap(),
        ),
        (
            "PunchOutSetupResponse",
            DtdFile::Cxml,
            write_punchout_setup_response(&env, "https://shop.example/punchout/start?s=abc&t=1").unwrap(),
        ),
        (
            "PunchOutOrderMessage",
            DtdFile::Cxml,
            write_order_message(&env, &cart()).unwrap(),
        ),
        (
            "StatusUpdateRequest",
            DtdFile::Cxml,
            write_status_update(&env, &status_update()).unwrap(),
        ),
        (
            "ConfirmationRequest",
            DtdFile::Fulfill,
            write_confirmation(&env, &confirmation()).unwrap(),
        ),
        (
            "ShipNoticeRequest",
            DtdFile::Fulfill,
            write_ship_notice(&env, &ship_notice()).unwrap(),
        ),
        (
            "InvoiceDetailRequest",
            DtdFile::InvoiceDetail,
            write_invoice(&env, &invoice()).unwrap(),
        ),
        // The same kinds with only what the DTDs require.
        (
            "minimal PunchOutOrderMessage",
            DtdFile::Cxml,
            write_order_message(&env, &minimal_cart()).unwrap(),
        ),
        (
            "IntegrationStatus",
            DtdFile::Cxml,
            write_status_update(&env, &integration_update()).unwrap(),
        ),
        (
            "accept-all ConfirmationRequest",
            DtdFile::Fulfill,
            write_confirmation(&env, &accept_all()).unwrap(),
        ),
        (
            "bare ShipNoticeRequest",
            DtdFile::Fulfill,
            write_ship_notice(&env, &bare_notice()).unwrap(),
        ),
        (
            "minimal InvoiceDetailRequest",
            DtdFile::InvoiceDetail,
            write_invoice(&env, &minimal_invoice()).unwrap(),
        ),
    ]
}

fn minimal_cart() -> OrderMessageOut {
    let item = CartItemOut::new(1, "X", money("0.10", "USD"), "x", "EA", Classification::unspsc("1"));
    OrderMessageOut {
        buyer_cookie: "c".into(),
        operation_allowed: Operation::Create,
        total: money("0.10", "USD"),
        shipping: None,
        tax: None,
        supplier_order_id: None,
        items: vec![item],
    }
}

fn integration_update() -> StatusUpdateOut {
    StatusUpdateOut {
        document_payload_id: "p".into(),
        status: Status::new(200, "OK"),
        extension: Some(StatusExtension::Integration {
            document_status: "customerReceived".into(),
        }),
        extrinsics: Vec::new(),
    }
}

fn accept_all() -> ConfirmationOut {
    ConfirmationOut {
        confirm_id: None,
        kind: ConfirmationType::Accept,
        total: None,
        comments: None,
        items: Vec::new(),
        order: OrderRef {
            order_id: None,
            order_date: None,
            payload_id: Some("p".into()),
        },
        ..confirmation()
    }
}

fn bare_notice() -> ShipNoticeOut {
    ShipNoticeOut {
        shipment_id: "S".into(),
        operation: DocumentOperation::Delete,
        notice_date: at(datetime!(2024-05-02 09:00:00 UTC)),
        shipment_date: None,
        delivery_date: None,
        comments: None,
        controls: Vec::new(),
        portions: Vec::new(),
    }
}

fn minimal_invoice() -> InvoiceOut {
    let zero_tax = TaxOut {
        amount: money("0", "JPY"),
        description: "none".into(),
        details: Vec::new(),
    };
    InvoiceOut {
        invoice_id: "I".into(),
        invoice_date: at(datetime!(2024-05-05 00:00:00 UTC)),
        purpose: InvoicePurpose::CreditMemo,
        operation: DocumentOperation::New,
        payment_term_days: None,
        comments: None,
        orders: vec![InvoiceOrderOut {
            order: OrderRef {
                order_id: Some("PO".into()),
                order_date: None,
                payload_id: None,
            },
            lines: vec![InvoiceLineOut {
                invoice_line_number: 1,
                quantity: Decimal::from(3),
                unit_of_measure: "EA".into(),
                unit_price: money("1200", "JPY"),
                order_line_number: 1,
                supplier_part_id: None,
                description: None,
                subtotal: money("3600", "JPY"),
                tax: None,
            }],
        }],
        tax: zero_tax,
        special_handling: None,
        shipping: None,
        discount: None,
    }
}
