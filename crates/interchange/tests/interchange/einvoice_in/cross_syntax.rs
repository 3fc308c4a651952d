//! The EN 16931 examples give the same invoice in UBL and in CII: both readers must agree on
//! everything the two syntaxes both carry. (Item names and unit codes differ between the
//! published files, e.g. `PKAAS` / `KAAS`, `EA` / `H87`, so they are not compared.)

use super::read;
use aftercart_interchange::einvoice_in::{InboundInvoice, Syntax};

/// What both syntaxes of one invoice must agree on, as comparable text.
fn projection(inv: &InboundInvoice) -> Vec<String> {
    let mut out = vec![
        format!("number {}", inv.number),
        format!("type {} {:?}", inv.type_code, inv.kind),
        format!("issued {} due {:?}", inv.issue_date, inv.due_date),
        format!("currency {} tax currency {:?}", inv.currency, inv.tax_currency),
        format!(
            "order {:?} buyer ref {:?} preceding {:?}",
            inv.order_reference, inv.buyer_reference, inv.preceding_invoice
        ),
        format!("payment ref {:?}", inv.payment_reference),
        format!(
            "seller {:?} {:?} {:?}",
            inv.seller.name, inv.seller.vat_id, inv.seller.legal_id
        ),
        format!("buyer {:?} {:?}", inv.buyer.name, inv.buyer.vat_id),
        format!("totals {:?}", inv.totals),
    ];
    for l in &inv.lines {
        out.push(format!(
            "line {} qty {} net {} price {:?} tax {:?} order line {:?} seller item {:?} ac {:?}",
            l.id,
            l.quantity.value,
            l.net_amount,
            l.price.map(|p| p.net.to_string()),
            l.tax,
            l.order_line_reference,
            l.seller_item_id,
            l.allowances_charges
                .iter()
                .map(|a| (a.charge, a.amount))
                .collect::<Vec<_>>()
        ));
    }
    for a in &inv.allowances_charges {
        out.push(format!("doc ac {} {} {:?} {:?}", a.charge, a.amount, a.reason, a.tax));
    }
    for s in &inv.tax_subtotals {
        out.push(format!("vat {:?} {} {}", s.tax, s.taxable, s.amount));
    }
    out
}

fn same_invoice(ubl: &str, cii: &str) {
    let (u, c) = (read(ubl), read(cii));
    assert_eq!((u.syntax, c.syntax), (Syntax::Ubl, Syntax::Cii));
    let (pu, pc) = (projection(&u), projection(&c));
    for (a, b) in pu.iter().zip(&pc) {
        assert_eq!(a, b, "{ubl} vs {cii}");
    }
    assert_eq!(pu.len(), pc.len());
}

#[test]
fn invoice_12115118_reads_the_same_from_ubl_and_cii() {
    same_invoice("ubl-invoice/ubl-tc434-example1.xml", "cii-invoice/CII_example1.xml");
    let (u, c) = (
        read("ubl-invoice/ubl-tc434-example1.xml"),
        read("cii-invoice/CII_example1.xml"),
    );
    assert_eq!(u.number, "12115118");
    assert_eq!((u.lines.len(), c.lines.len()), (20, 20));
    assert_eq!(u.totals, c.totals);
    assert_eq!(u.totals.line_extension, crate::money("229.60", "EUR"));
    assert_eq!(u.totals.tax, Some(crate::money("20.73", "EUR")));
    assert_eq!(c.totals.payable, crate::money("250.33", "EUR"));
}

#[test]
fn invoice_tosl110_reads_the_same_from_ubl_and_cii() {
    same_invoice("ubl-invoice/ubl-tc434-example5.xml", "cii-invoice/CII_example5.xml");
}
