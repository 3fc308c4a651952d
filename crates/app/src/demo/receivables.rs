//! Receivables in the demo, through the same commands finance ops and customers use: the
//! seller's profile (legal name, tax id, Peppol endpoint, US bank details for transfers),
//! e-invoicing details for every account, disputes (a short shipment prefilled from a real
//! match discrepancy and a price difference, both open — one answered by the seller —, and a
//! damaged case credited by a memo), a small bank statement (CSV) that applies four receipts
//! (by remittance reference, by invoice number, by exact amount, one part payment), queues one
//! nobody can place and skips a bank fee, and an order held for credit review after the
//! account's limit was lowered. No payment provider: customers pay by bank transfer.
//!
//! Every choice is made from the loaded data in a fixed order (invoices by number), so two
//! loads with the same clock make the same disputes, payments and hold. Everything happens at
//! the load's "now", after the scripted history.

use super::World;
use crate::error::Result;
use crate::payments::{EInvoiceAddress, OpenDispute, PostalAddress, Resolve, SellerProfile};
use crate::{AccountPatch, App, Ctx, ListFilter, OrderLineInput, PlaceOrder, Principal, ProductRef};
use aftercart_domain::account::Account;
use aftercart_domain::ids::{AccountId, InvoiceId, UserId};
use aftercart_domain::invoice::Invoice;
use aftercart_domain::money::Money;
use aftercart_domain::order::Channel;
use aftercart_domain::quantity::Qty;
use aftercart_domain::receivables::dispute::{DisputeReason, DisputedLine};
use aftercart_domain::receivables::remittance::rf_reference;
use time::Duration;

/// The seller, as printed on invoices, statements and e-invoices.
pub const DEMO_SELLER: &str = "Aftercart Demo Supply Co.";

/// Peppol participant ids (scheme 0088, GLN, with valid check digits) and US tax ids of the
/// demo accounts, in the order of `catalogue::ACCOUNTS`, with the reference each asks to see
/// on its invoices.
const ACCOUNT_EINVOICING: [(&str, &str, &str); 5] = [
    ("0614141000029", "91-4471205", "NWC-AP"),
    ("0614141000036", "93-2208841", "CPM-FIN"),
    ("0614141000043", "38-1659320", "GLF-AP"),
    ("0614141000050", "74-6001234", "BISD-BUS"),
    ("0614141000067", "33-0918276", "HHG-FIN"),
];

fn seller_profile() -> SellerProfile {
    SellerProfile {
        legal_name: DEMO_SELLER.into(),
        address: PostalAddress {
            lines: vec!["2100 Commerce Street".into(), "Suite 400".into()],
            city: "Dallas".into(),
            postal_code: Some("75201".into()),
            subdivision: Some("TX".into()),
            country: "US".into(),
        },
        tax_id: Some("75-2948163".into()),
        company_id: None,
        einvoice: Some(EInvoiceAddress {
            scheme: "0088".into(),
            id: "0614141000012".into(),
        }),
        email: Some("ar@aftercart-demo.example".into()),
        bank_name: Some("Lone Star Commerce Bank (demo)".into()),
        account_name: Some(DEMO_SELLER.into()),
        iban: None,
        bic: None,
        // A made-up ABA number (its check digit adds up) and account number.
        routing_number: Some("123456780".into()),
        account_number: Some("000123456789".into()),
    }
}

/// "INV-12" before "INV-101": by length, then text.
fn by_number(a: &Invoice, b: &Invoice) -> std::cmp::Ordering {
    (a.number.len(), &a.number).cmp(&(b.number.len(), &b.number))
}

/// The unpaid invoices of the book (the demo's few hundred), by number.
async fn unpaid(app: &App) -> Result<Vec<Invoice>> {
    let ctx = Ctx::system();
    let mut out = Vec::new();
    let mut f = ListFilter {
        status: Some("open".into()),
        limit: 500,
        ..Default::default()
    };
    loop {
        let page = app.list_invoices(&ctx, &f).await?;
        out.extend(
            page.items
                .into_iter()
                .map(|v| v.value)
                .filter(|i| i.replaced_by.is_none()),
        );
        match page.next {
            Some(n) => f.before = Some(n),
            None => break,
        }
    }
    out.sort_by(by_number);
    Ok(out)
}

/// A demo user as they sign in, or `None` when the demo has no such user.
async fn user(app: &App, email: &str) -> Result<Option<Ctx>> {
    let Some(row) = app.store.by_number("user", email).await? else {
        return Ok(None);
    };
    let u = app.user(&Ctx::system(), UserId(row.id)).await?.value;
    Ok(Some(Ctx::new(u.principal())))
}

fn money_csv(m: i64) -> String {
    let sign = if m < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", m.abs() / 100, m.abs() % 100)
}

/// `mismatched`: the numbers of the invoices the billing script made with a discrepancy (the
/// only ones whose match can suggest a dispute), so the load asks for the match of those alone.
pub(super) async fn receivables(app: &App, world: &World, mismatched: &[String]) -> Result<()> {
    let system = Ctx::system();
    // Accounts receivable, as in the scripted history.
    let ar = Ctx::new(Principal::staff("demo-ar", "Priya Shah"));
    let accounts: Vec<AccountId> = world.accounts.iter().map(|a| a.id).collect();

    // The seller's profile and every account's e-invoicing details.
    let profile = seller_profile();
    app.run(&system, || app.plan_set_seller_profile(&system, &profile))
        .await?;
    for (&account, (gln, tax_id, buyer_ref)) in accounts.iter().zip(ACCOUNT_EINVOICING) {
        let address = EInvoiceAddress {
            scheme: "0088".into(),
            id: gln.into(),
        };
        app.run(&ar, || {
            app.plan_set_einvoicing(
                &ar,
                account,
                address.clone(),
                Some(tax_id.into()),
                Some(buyer_ref.into()),
            )
        })
        .await?;
    }

    // Disputes, on Northwind's invoices first (its finance user opens them), else on another
    // account's (opened by accounts receivable, as taken on the phone).
    let northwind = accounts.first().copied();
    let frank = user(app, super::DEMO_USERS[3].0).await?;
    let mut open = unpaid(app).await?;
    open.sort_by_key(|i| Some(i.account_id) != northwind);
    let mut disputed: Vec<InvoiceId> = Vec::new();
    let opener = |inv: &Invoice| match (&frank, Some(inv.account_id) == northwind) {
        (Some(f), true) => f.clone(),
        _ => ar.clone(),
    };
    for (reason, ask) in [
        (DisputeReason::ShortShipped, "a credit for the units that never arrived"),
        (DisputeReason::PriceDiffers, "the contract price"),
    ] {
        let mut found = None;
        for inv in open
            .iter()
            .filter(|i| !disputed.contains(&i.id) && mismatched.contains(&i.number))
        {
            let s = app.dispute_suggestions(&system, inv.id).await?;
            if let Some(s) = s.into_iter().find(|s| s.reason == reason) {
                found = Some((inv, s));
                break;
            }
        }
        let Some((inv, s)) = found else { continue };
        let who = opener(inv);
        let input = OpenDispute {
            invoice_id: inv.id,
            reason,
            lines: vec![DisputedLine {
                invoice_line: s.invoice_line,
                quantity: s.quantity,
                amount: s.amount,
            }],
            amount: None,
            shipment_id: s.shipment_id,
            return_id: None,
            message: if Some(inv.account_id) == northwind && frank.is_some() {
                format!("{} Please send us {ask}.", s.explanation)
            } else {
                format!(
                    "Called in by the customer's accounts payable: {} They ask for {ask}.",
                    s.explanation
                )
            },
        };
        let d = app.run(&who, || app.plan_open_dispute(&who, &input)).await?.value;
        disputed.push(inv.id);
        if reason == DisputeReason::ShortShipped {
            app.run(&ar, || {
                app.plan_dispute_message(
                    &ar,
                    d.id,
                    "Thanks — we are checking the packing records at the warehouse and will come back to you by Friday.",
                )
            })
            .await?;
        }
    }
    // A damaged case, credited by a memo.
    if let Some(inv) = open.iter().find(|i| {
        !disputed.contains(&i.id)
            && i.lines
                .first()
                .is_some_and(|l| l.unit_price.minor() <= i.balance().minor())
    }) {
        let line = &inv.lines[0];
        let who = opener(inv);
        let input = OpenDispute {
            invoice_id: inv.id,
            reason: DisputeReason::Damaged,
            lines: vec![DisputedLine {
                invoice_line: line.no,
                quantity: Some(Qty::new(1)),
                amount: line.unit_price,
            }],
            amount: None,
            shipment_id: line.shipment_id,
            return_id: None,
            message: "One case arrived crushed and the contents are unusable (photos sent to our rep).".into(),
        };
        let d = app.run(&who, || app.plan_open_dispute(&who, &input)).await?.value;
        disputed.push(inv.id);
        app.run(&ar, || {
            app.plan_dispute_message(
                &ar,
                d.id,
                "Sorry about that. We are crediting the case; no need to send it back.",
            )
        })
        .await?;
        let how = Resolve::Credit {
            amount: line.unit_price,
        };
        app.run(&ar, || app.plan_resolve_dispute(&ar, d.id, &how)).await?;
    }

    // A day's bank statement (the bank's CSV export): four receipts the rules apply, one they
    // cannot place (left in the unapplied-cash queue) and a bank fee (a debit, skipped).
    let all_open = unpaid(app).await?;
    // Every open balance (disputed invoices too: the matching sees them all).
    let balances: Vec<i64> = all_open.iter().map(|i| i.balance().minor()).collect();
    let unique = |m: i64| balances.iter().filter(|&&b| b == m).count() == 1;
    let open: Vec<&Invoice> = all_open.iter().filter(|i| !disputed.contains(&i.id)).collect();
    let first_of = |k: usize, pred: &dyn Fn(&Invoice) -> bool| -> Option<Invoice> {
        let account = accounts.get(k)?;
        open.iter()
            .find(|i| i.account_id == *account && pred(i))
            .map(|i| (*i).clone())
    };
    let today = app.clock.now().date();
    let mut rows: Vec<(i64, String, String)> = Vec::new();
    if let Some(i) = first_of(0, &|_| true) {
        rows.push((
            i.balance().minor(),
            rf_reference(&i.number).unwrap_or_default(),
            "Northwind Clinics".into(),
        ));
    }
    if let Some(i) = first_of(1, &|_| true) {
        rows.push((
            i.balance().minor(),
            format!("Payment for invoice {}", i.number),
            "Cascade Property Management".into(),
        ));
    }
    if let Some(i) = first_of(2, &|i| unique(i.balance().minor())) {
        rows.push((
            i.balance().minor(),
            "ACH CREDIT GREAT LAKES FAB".into(),
            "Great Lakes Fabrication".into(),
        ));
    }
    if let Some(i) = first_of(3, &|i| i.balance().minor() >= 200) {
        let part = i.balance().minor() / 2;
        rows.push((
            part,
            rf_reference(&i.number).unwrap_or_default(),
            "Bluebonnet ISD".into(),
        ));
    }
    let mut stray = 125_000;
    while balances.contains(&stray) {
        stray += 1;
    }
    rows.push((
        stray,
        "WIRE HARBOR HOSPITALITY REMITTANCE ADVICE TO FOLLOW".into(),
        "Harbor Hospitality Group".into(),
    ));
    rows.push((-3_500, "MONTHLY SERVICE FEE".into(), "Lone Star Commerce Bank".into()));
    let ymd = super::ymd(today);
    let mut csv = String::from("Booking date,Amount,Currency,Reference,Payer,Bank reference\n");
    for (n, (amount, reference, payer)) in rows.iter().enumerate() {
        csv.push_str(&format!(
            "{today},{},USD,{reference},{payer},LSCB-{ymd}-{:04}\n",
            money_csv(*amount),
            n + 1
        ));
    }
    app.import_bank_statement(&ar, csv.as_bytes(), Some(&format!("lone-star-{ymd}.csv")))
        .await?;

    // Harbor Hospitality's limit lowered to just over what it owes, then an order that would
    // take it over: held for credit review.
    if let Some(harbor) = world.accounts.get(4) {
        let account: Account = app.account(&system, harbor.id).await?.value;
        let exposure = app.credit_exposure(&account).await?.total().minor().max(0);
        let limit = Money::from_minor((exposure + 9_999) / 10_000 * 10_000 + 100_000, account.currency);
        let patch = AccountPatch {
            credit_limit: Some(limit),
            ..Default::default()
        };
        app.run(&ar, || app.plan_update_account(&ar, harbor.id, &patch)).await?;
        if let Some(&ship_to) = harbor.receiving.first() {
            let line = |sku: &str, n: u32| OrderLineInput {
                product: ProductRef::Sku(sku.into()),
                quantity: Qty::new(n),
                ship_to,
                requested_date: Some(today + Duration::days(7)),
                po_number: None,
                cost_centre: Some("HK Housekeeping".into()),
                project: None,
            };
            let order = PlaceOrder {
                account_id: harbor.id,
                number: None,
                bill_to: None,
                po_number: Some("HHG-40112".into()),
                channel: Channel::Api,
                freight: None,
                placed_at: None,
                lines: vec![line("TP-2PLY-96", 24), line("TWL-MULTI-4000", 20)],
            };
            app.run(&system, || app.plan_place_order(&system, &order)).await?;
        }
    }
    Ok(())
}
