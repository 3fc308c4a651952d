//! Documents a customer files: each invoice and credit memo as a PDF and as UBL 2.1 / Peppol
//! BIS Billing 3.0 XML, and statements as PDF and CSV. The app gathers the records and the two
//! format crates render them (`aftercart-documents` PDFs, `aftercart-interchange` UBL).

use super::profile::{AccountBilling, SellerProfile};
use crate::docs::Versioned;
use crate::{App, AppError, Ctx, Result};
use aftercart_documents as pdf;
use aftercart_domain::account::{Account, Location};
use aftercart_domain::ids::{AccountId, CreditMemoId, InvoiceId};
use aftercart_domain::invoice::{CreditMemo, Invoice, percent_string};
use aftercart_domain::money::Money;
use aftercart_domain::order::Order;
use aftercart_domain::receivables::aging::Bucket;
use aftercart_domain::receivables::remittance::{grouped, rf_reference};
use aftercart_domain::receivables::statement::Statement;
use aftercart_domain::{ErrorCode, Rejection};
use aftercart_interchange::ubl;
use time::Date;
use uuid::Uuid;

/// "USD 1,234.56": amounts on documents, with the code so no reader guesses the currency.
pub fn money_text(m: Money) -> String {
    let s = m.amount_string();
    let (neg, s) = s.strip_prefix('-').map_or((false, s.as_str()), |r| (true, r));
    let (int, frac) = s.split_once('.').map_or((s, None), |(a, b)| (a, Some(b)));
    let mut grouped_int = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped_int.push(',');
        }
        grouped_int.push(c);
    }
    format!(
        "{}{} {}{}",
        if neg { "-" } else { "" },
        m.currency().code(),
        grouped_int,
        frac.map(|f| format!(".{f}")).unwrap_or_default()
    )
}

fn date_text(d: Date) -> String {
    format!("{} {} {}", d.day(), &format!("{}", d.month())[..3], d.year())
}

/// The remittance reference of an invoice (ISO 11649), as printed.
pub fn remittance_reference(invoice_number: &str) -> String {
    rf_reference(invoice_number).map_or_else(|| invoice_number.to_owned(), |r| grouped(&r))
}

fn letterhead(s: &SellerProfile) -> pdf::Letterhead {
    let mut address_lines = s.address.lines.clone();
    let city = [
        Some(s.address.city.clone()),
        s.address.subdivision.clone(),
        s.address.postal_code.clone(),
    ]
    .into_iter()
    .flatten()
    .filter(|x| !x.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    if !city.is_empty() {
        address_lines.push(format!("{city}, {}", s.address.country));
    }
    pdf::Letterhead {
        seller_name: s.legal_name.clone(),
        address_lines,
        tax_id: s.tax_id.as_ref().map(|t| format!("Tax ID {t}")),
        contact: s.email.clone(),
        brand_rgb: (0x1d, 0x4e, 0x89),
        paper: pdf::Paper::Letter,
    }
}

fn location_lines(l: &Location) -> Vec<String> {
    [
        l.name.clone(),
        l.address.clone(),
        format!("{} {}", l.postcode, l.city).trim().to_owned(),
        l.country.clone(),
    ]
    .into_iter()
    .filter(|x| !x.trim().is_empty())
    .collect()
}

impl App {
    async fn invoice_context(
        &self,
        ctx: &Ctx,
        id: InvoiceId,
    ) -> Result<(Invoice, Account, Vec<Order>, SellerProfile, AccountBilling)> {
        let inv = self.load::<Invoice>(ctx, id.0).await?.value;
        let account = self.load::<Account>(&Ctx::system(), inv.account_id.0).await?.value;
        let ids: Vec<Uuid> = inv.order_ids().iter().map(|o| o.0).collect();
        let orders: Vec<Order> = self
            .load_orders(&Ctx::system(), &ids)
            .await?
            .into_iter()
            .map(|v| v.value)
            .collect();
        let seller = self.seller_profile().await?;
        let billing = self.billing_profile_unchecked(inv.account_id).await?.value;
        Ok((inv, account, orders, seller, billing))
    }

    /// The invoice as a PDF.
    pub async fn invoice_pdf(&self, ctx: &Ctx, id: InvoiceId) -> Result<(String, Vec<u8>)> {
        let (inv, account, orders, seller, _) = self.invoice_context(ctx, id).await?;
        let number_of = |o: aftercart_domain::ids::OrderId| orders.iter().find(|x| x.id == o);
        let mut lines = Vec::with_capacity(inv.lines.len());
        for l in &inv.lines {
            let order = number_of(l.order_id);
            let shipment =
                l.shipment_id
                    .and_then(|s| order.and_then(|o| o.shipment(s)))
                    .map(|s| match &s.tracking_number {
                        Some(t) => format!("{} · {t}", s.carrier),
                        None => s.carrier.clone(),
                    });
            lines.push(pdf::DocLine {
                no: l.no.to_string(),
                order: format!("{} / {}", order.map_or("?", |o| o.number.as_str()), l.order_line),
                shipment,
                sku: l.sku.clone(),
                description: l.description.clone(),
                quantity: l.quantity.get().to_string(),
                unit_price: money_text(l.unit_price),
                tax_rate: l.tax_rate_bp.map(|r| format!("{} %", percent_string(r))),
                amount: money_text(l.amount()),
            });
        }
        let mut totals = vec![("Subtotal".to_owned(), money_text(inv.subtotal()))];
        match inv.tax_breakdown() {
            Some(groups) => {
                for (rate, _, tax) in groups {
                    totals.push((format!("Tax {} %", percent_string(rate)), money_text(tax)));
                }
            }
            None => totals.push(("Tax".into(), money_text(inv.tax))),
        }
        if inv.freight.is_positive() {
            totals.push(("Freight".into(), money_text(inv.freight)));
        }
        totals.push(("Total".into(), money_text(inv.total())));
        if inv.settled().is_positive() {
            totals.push(("Paid and credited".into(), money_text(inv.settled())));
        }
        totals.push(("Balance due".into(), money_text(inv.balance())));
        let bill_to = orders
            .first()
            .and_then(|o| account.location(o.bill_to))
            .map(location_lines)
            .unwrap_or_default();
        let ship_to: Vec<String> = {
            let mut v: Vec<String> = orders
                .iter()
                .flat_map(|o| o.ship_to_locations())
                .filter_map(|l| account.location(l).map(|x| x.name.clone()))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let mut pos: Vec<String> = orders.iter().filter_map(|o| o.po_number.clone()).collect();
        pos.sort();
        pos.dedup();
        let doc = pdf::InvoiceDoc {
            kind: pdf::InvoiceKind::Invoice,
            number: inv.number.clone(),
            issued_on: date_text(inv.issued_on),
            due_on: Some(date_text(inv.due_on)),
            terms: Some(account.terms.label()),
            account_name: account.name.clone(),
            account_number: account.number.clone(),
            bill_to,
            ship_to,
            purchase_orders: pos,
            lines,
            totals,
            remittance: Some(pdf::Remittance {
                reference: remittance_reference(&inv.number),
                instructions: {
                    let mut v = seller.remittance_lines();
                    v.push("Quote the reference with your payment so it is applied to this invoice.".into());
                    v
                },
            }),
            notes: inv
                .replaced_by
                .map(|_| "This invoice was replaced by a corrected invoice.".to_owned())
                .into_iter()
                .collect(),
            corrects: None,
        };
        Ok((
            format!("{}.pdf", inv.number),
            pdf::invoice_pdf(&letterhead(&seller), &doc),
        ))
    }

    pub async fn credit_memo_pdf(&self, ctx: &Ctx, id: CreditMemoId) -> Result<(String, Vec<u8>)> {
        let memo = self.load::<CreditMemo>(ctx, id.0).await?.value;
        let account = self.load::<Account>(&Ctx::system(), memo.account_id.0).await?.value;
        let seller = self.seller_profile().await?;
        let invoice = match memo.invoice_id {
            Some(i) => Some(self.load::<Invoice>(&Ctx::system(), i.0).await?.value),
            None => None,
        };
        let mut lines = Vec::new();
        if let Some(r) = &memo.for_return {
            for (i, l) in r.lines.iter().enumerate() {
                let il = invoice
                    .as_ref()
                    .and_then(|inv| inv.lines.iter().find(|x| x.no == l.invoice_line));
                lines.push(pdf::DocLine {
                    no: (i + 1).to_string(),
                    order: format!("line {}", l.order_line),
                    shipment: None,
                    sku: il.map_or(String::new(), |x| x.sku.clone()),
                    description: il.map_or(memo.reason.clone(), |x| x.description.clone()),
                    quantity: l.quantity.get().to_string(),
                    unit_price: money_text(l.unit_price),
                    tax_rate: None,
                    amount: money_text(l.amount()),
                });
            }
        }
        if lines.is_empty() {
            lines.push(pdf::DocLine {
                no: "1".into(),
                order: invoice.as_ref().map_or("—".into(), |i| i.number.clone()),
                shipment: None,
                sku: String::new(),
                description: memo.reason.clone(),
                quantity: "1".into(),
                unit_price: money_text(memo.amount),
                tax_rate: None,
                amount: money_text(memo.amount),
            });
        }
        let doc = pdf::InvoiceDoc {
            kind: pdf::InvoiceKind::CreditMemo,
            number: memo.number.clone(),
            issued_on: date_text(memo.issued_on),
            due_on: None,
            terms: None,
            account_name: account.name.clone(),
            account_number: account.number.clone(),
            bill_to: vec![],
            ship_to: vec![],
            purchase_orders: vec![],
            lines,
            totals: vec![("Credit".into(), money_text(memo.amount))],
            remittance: None,
            notes: vec![memo.reason.clone()],
            corrects: invoice.as_ref().map(|i| format!("Credits invoice {}", i.number)),
        };
        Ok((
            format!("{}.pdf", memo.number),
            pdf::invoice_pdf(&letterhead(&seller), &doc),
        ))
    }

    pub async fn statement_pdf(
        &self,
        ctx: &Ctx,
        account: AccountId,
        from: Date,
        to: Date,
    ) -> Result<(String, Vec<u8>)> {
        let (acc, st) = self.statement(ctx, account, from, to).await?;
        let aging = self.account_aging(ctx, account).await?;
        let seller = self.seller_profile().await?;
        let doc = pdf::StatementDoc {
            account_name: acc.name.clone(),
            account_number: acc.number.clone(),
            address: acc
                .locations
                .iter()
                .find(|l| l.kind.can_be_billed())
                .map(location_lines)
                .unwrap_or_default(),
            period: format!("{} – {}", date_text(from), date_text(to)),
            generated: date_text(self.clock.now().date()),
            opening_balance: money_text(st.opening_balance),
            lines: statement_lines(&st),
            closing_balance: money_text(st.closing_balance),
            aging: Bucket::ALL
                .iter()
                .map(|b| (b.label().to_owned(), money_text(aging.get(*b))))
                .collect(),
            remittance: Some(pdf::Remittance {
                reference: acc.number.clone(),
                instructions: {
                    let mut v = seller.remittance_lines();
                    v.push("Quote each invoice's own reference to have it applied to that invoice.".into());
                    v
                },
            }),
        };
        Ok((
            format!("statement-{}-{from}-{to}.pdf", acc.number),
            pdf::statement_pdf(&letterhead(&seller), &doc),
        ))
    }

    pub async fn statement_csv(&self, ctx: &Ctx, account: AccountId, from: Date, to: Date) -> Result<(String, String)> {
        let (acc, st) = self.statement(ctx, account, from, to).await?;
        let mut w = csv_writer();
        let row = |w: &mut Vec<Vec<String>>, v: [&str; 7]| w.push(v.iter().map(|s| (*s).to_owned()).collect());
        row(
            &mut w,
            ["date", "kind", "reference", "description", "debit", "credit", "balance"],
        );
        row(
            &mut w,
            [
                &from.to_string(),
                "opening_balance",
                "",
                "Opening balance",
                "",
                "",
                &st.opening_balance.amount_string(),
            ],
        );
        for i in &st.items {
            row(
                &mut w,
                [
                    &i.date.to_string(),
                    i.kind.as_str(),
                    &i.reference,
                    &i.description,
                    &if i.debit.is_zero() {
                        String::new()
                    } else {
                        i.debit.amount_string()
                    },
                    &if i.credit.is_zero() {
                        String::new()
                    } else {
                        i.credit.amount_string()
                    },
                    &i.balance.amount_string(),
                ],
            );
        }
        row(
            &mut w,
            [
                &to.to_string(),
                "closing_balance",
                "",
                "Closing balance",
                "",
                "",
                &st.closing_balance.amount_string(),
            ],
        );
        Ok((format!("statement-{}-{from}-{to}.csv", acc.number), to_csv(&w)))
    }

    /// The invoice as UBL 2.1 (Peppol BIS Billing 3.0).
    pub async fn invoice_ubl(&self, ctx: &Ctx, id: InvoiceId) -> Result<(String, String)> {
        let (inv, account, orders, seller, billing) = self.invoice_context(ctx, id).await?;
        let doc = einvoice_of(&inv, &account, &orders, &seller, &billing)?;
        let xml = ubl::write(&doc).map_err(ubl_error)?;
        Ok((format!("{}.xml", inv.number), xml))
    }

    /// A credit memo as a UBL 2.1 CreditNote naming the invoice it credits.
    pub async fn credit_memo_ubl(&self, ctx: &Ctx, id: CreditMemoId) -> Result<(String, String)> {
        let memo = self.load::<CreditMemo>(ctx, id.0).await?.value;
        let Some(inv_id) = memo.invoice_id.or(memo.for_return.as_ref().map(|r| r.invoice_id)) else {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "invoice_id",
                "a credit memo issued on account names no invoice, which a UBL credit note needs",
            )
            .into());
        };
        let (inv, account, orders, seller, billing) = self.invoice_context(&Ctx::system(), inv_id).await?;
        let mut doc = einvoice_of(&inv, &account, &orders, &seller, &billing)?;
        let tax = doc
            .lines
            .first()
            .map(|l| l.tax.clone())
            .ok_or_else(|| AppError::Corrupt("invoice without lines".into()))?;
        // The memo's amount includes tax at the invoice's (first) rate: split it back out.
        let net = net_of(memo.amount, tax.percent_bp);
        doc.kind = ubl::DocKind::CreditNote;
        doc.number = memo.number.clone();
        doc.issue_date = memo.issued_on;
        doc.due_date = None;
        doc.billing_reference = Some((inv.number.clone(), Some(inv.issued_on)));
        doc.note = Some(memo.reason.clone());
        doc.charges.clear();
        doc.prepaid = Money::zero(inv.currency);
        doc.payment_terms = Some("Credited to the account; nothing to pay".into());
        doc.lines = vec![ubl::EInvoiceLine {
            id: "1".into(),
            quantity_milli: 1000,
            unit_code: "C62".into(),
            unit_price: net,
            item_name: memo.reason.clone(),
            seller_item_id: None,
            order_line_reference: None,
            tax,
            note: None,
        }];
        let xml = ubl::write(&doc).map_err(ubl_error)?;
        Ok((format!("{}.xml", memo.number), xml))
    }

    pub async fn invoice_versioned(&self, ctx: &Ctx, id: InvoiceId) -> Result<Versioned<Invoice>> {
        self.load(ctx, id.0).await
    }
}

/// The part of a tax-inclusive amount that is net at `rate_bp`, rounded to the minor unit.
fn net_of(gross: Money, rate_bp: u32) -> Money {
    let g = i128::from(gross.minor()) * 10_000;
    let d = 10_000 + i128::from(rate_bp);
    Money::from_minor(i64::try_from((g + d / 2) / d).unwrap_or(0), gross.currency())
}

fn ubl_error(e: ubl::UblError) -> AppError {
    Rejection::new(
        ErrorCode::InvalidState,
        format!("einvoice.{}", e.field),
        format!("cannot write this as a Peppol e-invoice: {}", e.reason),
    )
    .into()
}

fn statement_lines(st: &Statement) -> Vec<pdf::StatementLine> {
    st.items
        .iter()
        .map(|i| pdf::StatementLine {
            date: date_text(i.date),
            kind: i.kind.label().into(),
            reference: i.reference.clone(),
            description: i.description.clone(),
            debit: if i.debit.is_zero() {
                String::new()
            } else {
                money_text(i.debit)
            },
            credit: if i.credit.is_zero() {
                String::new()
            } else {
                money_text(i.credit)
            },
            balance: money_text(i.balance),
        })
        .collect()
}

fn csv_writer() -> Vec<Vec<String>> {
    Vec::new()
}

fn to_csv(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .map(|c| {
                // A leading = + - @ would be a formula to a spreadsheet: quoted and prefixed.
                let c = if c.starts_with(['=', '+', '@']) {
                    format!("'{c}")
                } else {
                    c.clone()
                };
                if c.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

fn party_address(
    lines: &[String],
    city: &str,
    postal: Option<String>,
    subdivision: Option<String>,
    country: &str,
) -> ubl::Address {
    ubl::Address {
        lines: lines.iter().filter(|l| !l.trim().is_empty()).take(3).cloned().collect(),
        city: city.to_owned(),
        postal_code: postal.filter(|p| !p.trim().is_empty()),
        subdivision: subdivision.filter(|s| !s.trim().is_empty()),
        country: country.to_owned(),
    }
}

/// The invoice as the e-invoice model: line rates become VAT categories (S above zero, Z at
/// zero); an invoice issued with one tax amount and no rates is written only when one rate
/// states it exactly.
pub(crate) fn einvoice_of(
    inv: &Invoice,
    account: &Account,
    orders: &[Order],
    seller: &SellerProfile,
    billing: &AccountBilling,
) -> Result<ubl::EInvoice> {
    let cat = |bp: u32| ubl::TaxCategory {
        category: if bp > 0 {
            ubl::VatCategory::S
        } else {
            ubl::VatCategory::Z
        },
        percent_bp: bp,
        exemption_reason: None,
    };
    let (line_rate, freight_rate): (Box<dyn Fn(usize) -> u32>, u32) = match inv.tax_breakdown() {
        Some(_) => (
            Box::new(|i: usize| inv.lines[i].tax_rate_bp.unwrap_or(0)),
            inv.freight_tax_rate_bp.unwrap_or(0),
        ),
        None => {
            let base = i128::from(inv.subtotal().minor()) + i128::from(inv.freight.minor());
            let t = i128::from(inv.tax.minor()) * 10_000;
            let bp = if inv.tax.is_zero() {
                0
            } else if base > 0 && t % base == 0 {
                u32::try_from(t / base).unwrap_or(0)
            } else {
                // Try the rates a tax amount rounds from.
                (1..=10_000u32)
                    .find(|bp| aftercart_domain::invoice::tax_at(inv.subtotal(), *bp).checked_add(aftercart_domain::invoice::tax_at(inv.freight, *bp)) == Some(inv.tax))
                    .ok_or_else(|| {
                        AppError::from(Rejection::new(
                            ErrorCode::InvalidState,
                            "tax",
                            format!("invoice {} was issued with one tax amount ({}) that no single rate gives; it cannot be written as an e-invoice", inv.number, inv.tax),
                        ))
                    })?
            };
            (Box::new(move |_| bp), bp)
        }
    };
    let bill_to = orders
        .first()
        .and_then(|o| account.location(o.bill_to))
        .or_else(|| account.locations.iter().find(|l| l.kind.can_be_billed()));
    let country_of = |c: &str| {
        if c.len() == 2 {
            c.to_ascii_uppercase()
        } else {
            "US".to_owned()
        }
    };
    let buyer_addr = match bill_to {
        Some(l) => party_address(
            std::slice::from_ref(&l.address),
            &l.city,
            Some(l.postcode.clone()).filter(|p| !p.is_empty()),
            None,
            &country_of(&l.country),
        ),
        None => party_address(&[], "", None, None, "US"),
    };
    let mut pos: Vec<String> = orders.iter().filter_map(|o| o.po_number.clone()).collect();
    pos.sort();
    pos.dedup();
    let seller_ep = seller.einvoice.clone().ok_or_else(|| {
        AppError::from(Rejection::new(
            ErrorCode::InvalidState,
            "seller.einvoice",
            "the seller's Peppol endpoint is not set (seller profile)",
        ))
    })?;
    let buyer_ep = billing.einvoice.clone().ok_or_else(|| {
        AppError::from(Rejection::new(
            ErrorCode::InvalidState,
            "account.einvoice",
            format!(
                "account {} has no Peppol endpoint in its billing profile",
                account.number
            ),
        ))
    })?;
    let lines = inv
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| ubl::EInvoiceLine {
            id: l.no.to_string(),
            quantity_milli: i64::from(l.quantity.get()) * 1000,
            unit_code: "C62".into(),
            unit_price: l.unit_price,
            item_name: l.description.clone(),
            seller_item_id: Some(l.sku.clone()),
            order_line_reference: Some(l.order_line.to_string()),
            tax: cat(line_rate(i)),
            note: None,
        })
        .collect();
    let charges = if inv.freight.is_positive() {
        vec![ubl::DocCharge {
            reason: "Freight".into(),
            amount: inv.freight,
            tax: cat(freight_rate),
        }]
    } else {
        vec![]
    };
    let doc = ubl::EInvoice {
        kind: ubl::DocKind::Invoice,
        number: inv.number.clone(),
        issue_date: inv.issued_on,
        due_date: Some(inv.due_on),
        currency: inv.currency,
        buyer_reference: billing
            .buyer_reference
            .clone()
            .or_else(|| pos.first().cloned())
            .or_else(|| Some(account.number.clone())),
        order_reference: pos.first().cloned(),
        billing_reference: None,
        note: None,
        seller: ubl::Party {
            name: seller.legal_name.clone(),
            endpoint_scheme: seller_ep.scheme,
            endpoint_id: seller_ep.id,
            vat_id: seller.tax_id.clone(),
            legal_id: seller.company_id.clone(),
            address: party_address(
                &seller.address.lines,
                &seller.address.city,
                seller.address.postal_code.clone(),
                seller.address.subdivision.clone(),
                &seller.address.country,
            ),
            contact_email: seller.email.clone(),
        },
        buyer: ubl::Party {
            name: account.name.clone(),
            endpoint_scheme: buyer_ep.scheme,
            endpoint_id: buyer_ep.id,
            vat_id: billing.tax_id.clone(),
            legal_id: None,
            address: buyer_addr,
            contact_email: None,
        },
        delivery_date: None,
        deliver_to: None,
        payment_means: Some(ubl::PaymentMeans {
            code: if seller.iban.is_some() {
                "58".into()
            } else {
                "30".into()
            },
            remittance_reference: rf_reference(&inv.number),
            iban: seller.iban.clone().or_else(|| seller.account_number.clone()),
            bic: seller.bic.clone(),
            account_name: seller.account_name.clone(),
            mandate_reference: None,
        }),
        payment_terms: Some(account.terms.label()),
        charges,
        lines,
        prepaid: inv.settled(),
    };
    // The stored tax must be what the e-invoice's arithmetic gives, or the receiver's checks fail.
    let totals = ubl::totals(&doc).map_err(ubl_error)?;
    if totals.tax != inv.tax {
        return Err(Rejection::new(
            ErrorCode::InvalidState,
            "tax",
            format!(
                "invoice {} carries tax {} but its rates give {}; it cannot be written as an e-invoice",
                inv.number, inv.tax, totals.tax
            ),
        )
        .into());
    }
    Ok(doc)
}
