//! SAP OCI: the inbound call read into a setup (functions, control fields, unknown fields kept),
//! the cart written as `NEW_ITEM-…` fields and read back, OCI's field lengths, and the return
//! page. OCI has no public samples: its "documents" are form fields, built here.

use crate::money;
use aftercart_interchange::cxml::{Decimal, parse_urlencoded};
use aftercart_interchange::oci::*;

pub const COVERED: &[&str] = &[];

fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn setup() -> OciSetup {
    parse_setup(&fields(&[
        (
            "HOOK_URL",
            "https://srm.example/sap/bc/bsp/sap/bbp_oci?sap-client=100&x=1",
        ),
        ("USERNAME", "buyer01"),
        ("PASSWORD", "pa&ss"),
        ("~TARGET", "_top"),
        ("~OkCode", "ADDI"),
        ("~CALLER", "CTLG"),
        ("CUSTOM_COSTCENTER", "4711"),
    ]))
    .unwrap()
}

fn items() -> Vec<OciItem> {
    let mut chair = OciItem::new(
        "Bürostuhl „Ergo“ – Netzrücken, anthrazit, höhenverstellbar",
        2,
        "PCE",
        money("249.00", "EUR"),
    );
    chair.vendor_mat = Some("CH-100".into());
    chair.mat_group = Some("OFFICE".into());
    chair.lead_time_days = Some(5);
    chair.vendor = Some("100042".into());
    chair.manufact_mat = Some("ERGO-9".into());
    chair.ext_product_id = Some("sku:CH-100:anthracite".into());
    chair.contract = Some("4600000123".into());
    // 300 characters, non-ASCII included: three 132-character chunks (132 + 132 + 36).
    chair.long_text = Some("Ä€ß ".repeat(75));
    chair.extra = vec![("CUST_FIELD1".into(), "Kostenstelle 4711".into())];
    let mut screws = OciItem::new(
        "Screws 4x40",
        Decimal::parse("2.5").unwrap(),
        "KGM",
        money("4.50", "EUR"),
    );
    screws.price_unit = Some(100);
    let yen = OciItem::new("書類ケース", 1, "EA", money("1200", "JPY"));
    vec![chair, screws, yen]
}

#[test]
fn the_inbound_call() {
    let s = setup();
    assert_eq!(
        s.hook_url,
        "https://srm.example/sap/bc/bsp/sap/bbp_oci?sap-client=100&x=1"
    );
    assert_eq!(s.username.as_deref(), Some("buyer01"));
    assert!(s.password_matches("pa&ss") && !s.password_matches("pa&s") && !s.password_matches(""));
    assert_eq!(
        (s.target.as_deref(), s.ok_code.as_deref(), s.caller.as_deref()),
        (Some("_top"), Some("ADDI"), Some("CTLG"))
    );
    assert_eq!(s.function, OciFunction::Browse);
    assert!(!s.bypass_inbound_handler);
    assert_eq!(s.other, [("CUSTOM_COSTCENTER".to_string(), "4711".to_string())]);
    assert_eq!(s.field("custom_costcenter"), Some("4711"));

    // From a query string, names in another case, OCI 5.0 functions.
    let q =
        "?hook_url=https%3A%2F%2Fsrm.example%2Foci&FUNCTION=validate&PRODUCTID=sku%3A1&QUANTITY=3&BYPASS_INB_HANDLER=X";
    let s = parse_setup_query(q).unwrap();
    assert_eq!(s.hook_url, "https://srm.example/oci");
    assert_eq!(
        s.function,
        OciFunction::Validate {
            product_id: "sku:1".into(),
            quantity: Some(Decimal::from(3))
        }
    );
    assert!(s.bypass_inbound_handler);
    let s = parse_setup_query("HOOK_URL=http://srm/x&FUNCTION=DETAIL&PRODUCTID=42").unwrap();
    assert_eq!(
        s.function,
        OciFunction::Detail {
            product_id: "42".into()
        }
    );
    let s = parse_setup_query("HOOK_URL=http://srm/x&FUNCTION=BACKGROUND_SEARCH&SEARCHSTRING=desk+chair").unwrap();
    assert_eq!(
        s.function,
        OciFunction::BackgroundSearch {
            search_string: "desk chair".into()
        }
    );

    let refused = [
        ("USERNAME=a", "HOOK_URL"),
        ("HOOK_URL=javascript:alert(1)", "HOOK_URL"),
        ("HOOK_URL=https://srm/x&FUNCTION=DETAIL", "PRODUCTID"),
        (
            "HOOK_URL=https://srm/x&FUNCTION=VALIDATE&PRODUCTID=1&QUANTITY=lots",
            "QUANTITY",
        ),
    ];
    for (q, field) in refused {
        let e = parse_setup_query(q).unwrap_err();
        assert_eq!(e.field, field, "{q}: {e}");
    }
}

#[test]
fn cart_round_trip_with_long_text_and_non_ascii() {
    let items = items();
    let f = cart_fields(&items).unwrap();
    let get = |name: &str| {
        f.iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    // Cut at 40 characters, not bytes, and never inside a character.
    let d = get("NEW_ITEM-DESCRIPTION[1]")[0];
    assert_eq!(d.chars().count(), 40);
    assert_eq!(d, "Bürostuhl „Ergo“ – Netzrücken, anthrazit");
    assert_eq!(get("NEW_ITEM-QUANTITY[2]"), ["2.5"]);
    assert_eq!(get("NEW_ITEM-PRICE[1]"), ["249.00"]);
    assert_eq!(get("NEW_ITEM-PRICE[3]"), ["1200"]);
    assert_eq!(get("NEW_ITEM-CURRENCY[3]"), ["JPY"]);
    assert_eq!(get("NEW_ITEM-PRICEUNIT[2]"), ["100"]);
    assert_eq!(get("NEW_ITEM-UNIT[2]"), ["KGM"]);
    assert_eq!(get("NEW_ITEM-LEADTIME[1]"), ["5"]);
    assert_eq!(get("NEW_ITEM-CUST_FIELD1[1]"), ["Kostenstelle 4711"]);
    let chunks = get("NEW_ITEM-LONGTEXT_1:132[]");
    assert_eq!(
        chunks.iter().map(|c| c.chars().count()).collect::<Vec<_>>(),
        [132, 132, 36]
    );
    assert!(get("NEW_ITEM-LONGTEXT_2:132[]").is_empty());

    let back = read_cart(&f).unwrap();
    let mut expected = items.clone();
    expected[0].description = d.to_owned();
    assert_eq!(back, expected);

    // Through the return page's form encoding and back.
    let s = setup();
    let ret = cart_return_fields(&s, &items).unwrap();
    assert!(ret.contains(&("~OkCode".into(), "ADDI".into())));
    assert!(ret.contains(&("~TARGET".into(), "_top".into())));
    assert!(ret.contains(&("~CALLER".into(), "CTLG".into())));
    let body = ret
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    assert_eq!(read_cart(&parse_urlencoded(&body)).unwrap(), expected);
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn codes_that_would_be_cut_are_errors() {
    let base = || OciItem::new("ok", 1, "EA", money("1.00", "EUR"));
    let cases: Vec<(OciItem, &str)> = vec![
        (
            OciItem {
                unit: "PIECE".into(),
                ..base()
            },
            "NEW_ITEM-UNIT[2]",
        ),
        (
            OciItem {
                mat_group: Some("MATERIALGRP1".into()),
                ..base()
            },
            "NEW_ITEM-MATGROUP[2]",
        ),
        (
            OciItem {
                vendor: Some("12345678901".into()),
                ..base()
            },
            "NEW_ITEM-VENDOR[2]",
        ),
        (
            OciItem {
                contract: Some("C".repeat(11)),
                ..base()
            },
            "NEW_ITEM-CONTRACT[2]",
        ),
        (
            OciItem {
                vendor_mat: Some("V".repeat(41)),
                ..base()
            },
            "NEW_ITEM-VENDORMAT[2]",
        ),
        (
            OciItem {
                ext_product_id: Some("é".repeat(41)),
                ..base()
            },
            "NEW_ITEM-EXT_PRODUCT_ID[2]",
        ),
        (
            OciItem {
                price_unit: Some(100_000),
                ..base()
            },
            "NEW_ITEM-PRICEUNIT[2]",
        ),
        (
            OciItem {
                lead_time_days: Some(123_456),
                ..base()
            },
            "NEW_ITEM-LEADTIME[2]",
        ),
        (
            OciItem {
                quantity: Decimal::parse("12345678901234.5").unwrap(),
                ..base()
            },
            "NEW_ITEM-QUANTITY[2]",
        ),
        (
            OciItem {
                quantity: Decimal::ZERO,
                ..base()
            },
            "NEW_ITEM-QUANTITY[2]",
        ),
        (
            OciItem {
                description: "  ".into(),
                ..base()
            },
            "NEW_ITEM-DESCRIPTION[2]",
        ),
        (
            OciItem {
                extra: vec![("PRICE".into(), "0".into())],
                ..base()
            },
            "NEW_ITEM-PRICE",
        ),
    ];
    for (bad, field) in cases {
        let e = cart_fields(&[base(), bad]).unwrap_err();
        assert_eq!((e.item, e.field.as_str()), (Some(2), field), "{e}");
    }
    // At the limits exactly: accepted.
    let edge = OciItem {
        unit: "KGM".into(),
        mat_group: Some("M".repeat(10)),
        vendor_mat: Some("ü".repeat(40)),
        price_unit: Some(99_999),
        lead_time_days: Some(99_999),
        description: "d".repeat(40),
        ..base()
    };
    assert_eq!(
        read_cart(&cart_fields(std::slice::from_ref(&edge)).unwrap()).unwrap(),
        [edge]
    );
}

#[test]
fn buyer_side_reading() {
    // As a buyer's system might post it: lower-case names, a decimal comma, SAP's three decimals,
    // items out of order, an unknown field.
    let f = fields(&[
        ("~OkCode", "ADDI"),
        ("new_item-description[2]", "Second"),
        ("NEW_ITEM-QUANTITY[2]", "1,5"),
        ("NEW_ITEM-UNIT[2]", "KGM"),
        ("NEW_ITEM-PRICE[2]", "10.000"),
        ("NEW_ITEM-CURRENCY[2]", "eur"),
        ("NEW_ITEM-DESCRIPTION[1]", "First"),
        ("NEW_ITEM-QUANTITY[1]", "3.000"),
        ("NEW_ITEM-UNIT[1]", "EA"),
        ("NEW_ITEM-PRICE[1]", "0.99"),
        ("NEW_ITEM-CURRENCY[1]", "USD"),
        ("NEW_ITEM-MATNR[1]", "000000000000012345"),
        ("NEW_ITEM-LONGTEXT_1:132[]", "part one, "),
        ("NEW_ITEM-LONGTEXT_1:132[]", "part two"),
    ]);
    let items = read_cart(&f).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0].description.as_str(), items[0].quantity),
        ("First", Decimal::from(3))
    );
    assert_eq!(items[0].long_text.as_deref(), Some("part one, part two"));
    assert_eq!(
        items[0].extra,
        [("MATNR".to_string(), "000000000000012345".to_string())]
    );
    assert_eq!(items[1].quantity, Decimal::parse("1.5").unwrap());
    assert_eq!(items[1].price, money("10.00", "EUR"));

    let missing = fields(&[
        ("NEW_ITEM-DESCRIPTION[1]", "x"),
        ("NEW_ITEM-QUANTITY[1]", "1"),
        ("NEW_ITEM-UNIT[1]", "EA"),
        ("NEW_ITEM-PRICE[1]", "1"),
    ]);
    let e = read_cart(&missing).unwrap_err();
    assert_eq!((e.item, e.field.as_str()), (Some(1), "NEW_ITEM-CURRENCY[1]"));
    let bad_price = fields(&[
        ("NEW_ITEM-DESCRIPTION[1]", "x"),
        ("NEW_ITEM-QUANTITY[1]", "1"),
        ("NEW_ITEM-UNIT[1]", "EA"),
        ("NEW_ITEM-PRICE[1]", "1.234"),
        ("NEW_ITEM-CURRENCY[1]", "EUR"),
    ]);
    assert_eq!(read_cart(&bad_price).unwrap_err().field, "NEW_ITEM-PRICE[1]");
    assert!(read_cart(&fields(&[("NEW_ITEM-DESCRIPTION[0]", "x")])).is_err());
}

#[test]
fn the_return_page() {
    let s = setup();
    let page = cart_return_html(&s, &items()).unwrap();
    assert!(page.contains("action=\"https://srm.example/sap/bc/bsp/sap/bbp_oci?sap-client=100&amp;x=1\""));
    assert!(page.contains("target=\"_top\""));
    assert!(page.contains("name=\"NEW_ITEM-LONGTEXT_1:132[]\""));
    assert!(page.contains("name=\"~OkCode\" value=\"ADDI\""));
    assert!(page.contains("value=\"Bürostuhl „Ergo“ – Netzrücken, anthrazit\""));
    let mut evil = items();
    evil[1].description = "\"><script>alert(1)</script>".into();
    let page = cart_return_html(&s, &evil).unwrap();
    assert!(!page.contains("<script>alert"), "values are escaped");
    assert!(page.contains("&quot;&gt;&lt;script&gt;"));
}
