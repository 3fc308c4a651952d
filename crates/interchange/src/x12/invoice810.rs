//! The 810 invoice, written and read.
//!
//! BIG (invoice date and number, the PO it bills), CUR, REF, N1 loops, ITD terms, DTM 011
//! shipped, IT1 lines (quantity, unit, unit price, product ids, PID), TDS total, SAC charges
//! and allowances (freight is `D240`), CTT. TDS01 and SAC05 are `N2`: cents with no decimal
//! point. The writer requires the given total to equal the lines plus charges less allowances
//! ([`Invoice810::computed_total`]), so what is sent always adds up; the reader keeps TDS as sent
//! and [`Invoice810::total_difference`] shows a total that does not (the second invoice of the
//! staedi sample is one: its TDS repeats the first invoice's).

use super::ack855::push_ids;
use super::common::{
    Cursor, Party, ProductId, Reference, Terms, currency_at, date_at, money_at, n2_money_at, opt, opt_date_at, qty_at,
    read_dtm, read_itd, read_party, read_product_ids, read_ref, set_error, u32_at,
};
use super::envelope::TransactionSet;
use super::write::{
    ControlNumbers, El, Envelope, SetWriter, ccyymmdd, decimal_text, interchange, n2_text, present, usd,
};
use super::{WriteError, X12Error};
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::quantity::Qty;
use serde::{Deserialize, Serialize};
use time::Date;

/// One IT1 line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// IT101: the order line billed.
    pub line_id: Option<String>,
    pub quantity: Qty,
    pub unit: String,
    pub unit_price: Money,
    pub product_ids: Vec<ProductId>,
    /// PID05.
    pub description: Option<String>,
}

impl InvoiceLine {
    pub fn amount(&self) -> Option<Money> {
        self.unit_price
            .minor()
            .checked_mul(i64::from(self.quantity.get()))
            .map(|m| Money::from_minor(m, self.unit_price.currency()))
    }
}

/// A SAC charge or allowance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// SAC01 `A` (true) or `C`.
    pub allowance: bool,
    /// SAC02, e.g. `D240` freight, `C310` discount, `H850` tax.
    pub code: String,
    /// SAC05, never negative (`allowance` gives the sign).
    pub amount: Money,
    /// SAC15.
    pub description: Option<String>,
}

impl Charge {
    pub fn freight(amount: Money) -> Charge {
        Charge {
            allowance: false,
            code: "D240".into(),
            amount,
            description: None,
        }
    }
}

/// An 810.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice810 {
    /// BIG01.
    pub invoice_date: Date,
    /// BIG02.
    pub invoice_number: String,
    /// BIG03.
    pub po_date: Option<Date>,
    /// BIG04.
    pub po_number: Option<String>,
    /// CUR02 (written only when not USD).
    pub currency: Currency,
    pub refs: Vec<Reference>,
    pub parties: Vec<Party>,
    pub terms: Vec<Terms>,
    /// DTM 011.
    pub shipped: Option<Date>,
    pub lines: Vec<InvoiceLine>,
    pub charges: Vec<Charge>,
    /// TDS01.
    pub total: Money,
}

impl Invoice810 {
    /// Lines plus charges less allowances; `None` on overflow or a currency mismatch.
    pub fn computed_total(&self) -> Option<Money> {
        let mut sum = Money::zero(self.currency);
        for l in &self.lines {
            sum = sum.checked_add(l.amount()?)?;
        }
        for c in &self.charges {
            sum = if c.allowance {
                sum.checked_sub(c.amount)?
            } else {
                sum.checked_add(c.amount)?
            };
        }
        Some(sum)
    }

    /// TDS01 less the computed total, when they differ (taxes not itemised also show here).
    pub fn total_difference(&self) -> Option<Money> {
        let computed = self.computed_total()?;
        self.total.checked_sub(computed).filter(|d| !d.is_zero())
    }

    /// Writes the 810 in an interchange of its own.
    pub fn write(&self, env: &Envelope, ctl: &ControlNumbers) -> Result<String, WriteError> {
        if self.invoice_number.is_empty() {
            return Err(WriteError::new("invoice_number", "is required"));
        }
        if self.lines.is_empty() {
            return Err(WriteError::new("lines", "an invoice bills at least one line"));
        }
        present("", "po_number", self.po_number.as_ref())?;
        let computed = self
            .computed_total()
            .ok_or_else(|| WriteError::new("lines", "amounts overflow or mix currencies"))?;
        if computed != self.total {
            return Err(WriteError::new(
                "total",
                format!("is {}, but the lines and charges make {}", self.total, computed),
            ));
        }
        let mut w = SetWriter::new(env.version);
        let po_date = self.po_date.map(ccyymmdd).unwrap_or_default();
        w.seg(
            "",
            "BIG",
            &[
                ("invoice_date", &ccyymmdd(self.invoice_date), 8),
                ("invoice_number", &self.invoice_number, 22),
                ("po_date", &po_date, 8),
                ("po_number", self.po_number.as_deref().unwrap_or(""), 22),
            ],
        )?;
        if self.currency != usd() {
            w.seg(
                "",
                "CUR",
                &[("currency", "SE", 3), ("currency", self.currency.code(), 3)],
            )?;
        }
        for (i, r) in self.refs.iter().enumerate() {
            w.reference(&format!("refs[{i}]"), r)?;
        }
        for (i, p) in self.parties.iter().enumerate() {
            w.party(&format!("parties[{i}]"), p)?;
        }
        for (i, t) in self.terms.iter().enumerate() {
            write_terms(&mut w, &format!("terms[{i}]"), t)?;
        }
        if let Some(d) = self.shipped {
            w.seg("", "DTM", &[("shipped", "011", 3), ("shipped", &ccyymmdd(d), 8)])?;
        }
        for (i, line) in self.lines.iter().enumerate() {
            let ctx = format!("lines[{i}]");
            present(&ctx, "line_id", line.line_id.as_ref())?;
            present(&ctx, "description", line.description.as_ref())?;
            if line.unit.is_empty() {
                return Err(WriteError::new(format!("{ctx}.unit"), "is required"));
            }
            if line.unit_price.is_negative() {
                return Err(WriteError::new(
                    format!("{ctx}.unit_price"),
                    "cannot be negative (bill a credit instead)",
                ));
            }
            if line.unit_price.currency() != self.currency {
                return Err(WriteError::new(
                    format!("{ctx}.unit_price"),
                    "is not in the invoice's currency",
                ));
            }
            let q = line.quantity.get().to_string();
            let price = decimal_text(line.unit_price);
            let mut els: Vec<El<'_>> = vec![
                ("line_id", line.line_id.as_deref().unwrap_or(""), 20),
                ("quantity", &q, 10),
                ("unit", &line.unit, 2),
                ("unit_price", &price, 17),
                ("price_basis", "", 2),
            ];
            push_ids(&ctx, &mut els, &line.product_ids)?;
            w.seg(&ctx, "IT1", &els)?;
            if let Some(d) = &line.description {
                w.seg(
                    &ctx,
                    "PID",
                    &[
                        ("kind", "F", 1),
                        ("", "", 1),
                        ("", "", 1),
                        ("", "", 1),
                        ("description", d, 80),
                    ],
                )?;
            }
        }
        w.seg("", "TDS", &[("total", &n2_text("total", self.total)?, 15)])?;
        for (i, c) in self.charges.iter().enumerate() {
            let ctx = format!("charges[{i}]");
            present(&ctx, "description", c.description.as_ref())?;
            if c.code.is_empty() {
                return Err(WriteError::new(format!("{ctx}.code"), "is required"));
            }
            if c.amount.is_negative() {
                return Err(WriteError::new(
                    format!("{ctx}.amount"),
                    "cannot be negative: use an allowance",
                ));
            }
            let amount = n2_text(&format!("{ctx}.amount"), c.amount)?;
            let els: Vec<El<'_>> = [
                ("allowance", if c.allowance { "A" } else { "C" }, 1),
                ("code", c.code.as_str(), 4),
                ("", "", 2),
                ("", "", 10),
                ("amount", amount.as_str(), 15),
            ]
            .into_iter()
            .chain(std::iter::repeat_n(("", "", 1), 9))
            .chain([("description", c.description.as_deref().unwrap_or(""), 80)])
            .collect();
            w.seg(&ctx, "SAC", &els)?;
        }
        w.seg("", "CTT", &[("lines", &self.lines.len().to_string(), 6)])?;
        interchange(env, ctl, "IN", "810", w)
    }

    /// Reads an 810 from its transaction set.
    pub fn read(set: &TransactionSet) -> Result<Invoice810, X12Error> {
        if set.id != "810" {
            return Err(set_error(set, format!("a {} is not an 810 invoice", set.id)));
        }
        let mut c = Cursor::new(&set.segments);
        let big = c
            .next_if("BIG")
            .ok_or_else(|| set_error(set, "the 810 does not start with BIG"))?;
        let mut inv = Invoice810 {
            invoice_date: date_at(big, 1)?,
            invoice_number: big.required(2)?.to_owned(),
            po_date: opt_date_at(big, 3)?,
            po_number: opt(big, 4),
            currency: usd(),
            refs: Vec::new(),
            parties: Vec::new(),
            terms: Vec::new(),
            shipped: None,
            lines: Vec::new(),
            charges: Vec::new(),
            total: Money::zero(usd()),
        };
        let mut tds = false;
        let mut ctt = None;
        while let Some(seg) = c.advance() {
            match seg.id.as_str() {
                "CUR" if inv.lines.is_empty() => inv.currency = currency_at(seg)?,
                "REF" if inv.lines.is_empty() => inv.refs.push(read_ref(seg)),
                "N1" if inv.lines.is_empty() => inv.parties.push(read_party(seg, &mut c)),
                "ITD" if inv.lines.is_empty() => inv.terms.push(read_itd(seg)?),
                "DTM" if inv.lines.is_empty() && seg.get(1) == Some("011") => inv.shipped = Some(read_dtm(seg)?.date),
                "IT1" => {
                    let n = inv.lines.len() + 1;
                    let label = match seg.get(1) {
                        Some(id) => format!("IT1 line '{id}': "),
                        None => format!("IT1 line #{n}: "),
                    };
                    let mut line = InvoiceLine {
                        line_id: opt(seg, 1),
                        quantity: qty_at(seg, 2, &label)?,
                        unit: seg.required(3)?.to_owned(),
                        unit_price: money_at(seg, 4, inv.currency, &label)?
                            .ok_or_else(|| seg.error(4, format!("{label}the unit price is missing")))?,
                        product_ids: read_product_ids(seg, 6),
                        description: None,
                    };
                    while let Some(next) = c.peek() {
                        match next.id.as_str() {
                            "IT1" | "TDS" | "CTT" => break,
                            "PID" if line.description.is_none() => line.description = opt(next, 5),
                            _ => {}
                        }
                        c.advance();
                    }
                    inv.lines.push(line);
                }
                "TDS" => {
                    tds = true;
                    inv.total =
                        n2_money_at(seg, 1, inv.currency)?.ok_or_else(|| seg.error(1, "the total is missing"))?;
                }
                "SAC" => {
                    let allowance = match seg.required(1)? {
                        "A" => true,
                        "C" => false,
                        other => return Err(seg.error(1, format!("'{other}' is neither A nor C"))),
                    };
                    if let Some(amount) = n2_money_at(seg, 5, inv.currency)? {
                        inv.charges.push(Charge {
                            allowance,
                            code: seg.text(2).to_owned(),
                            amount,
                            description: opt(seg, 15),
                        });
                    }
                }
                "CTT" => ctt = u32_at(seg, 1)?.map(|n| (seg, n)),
                _ => {}
            }
        }
        if !tds {
            return Err(set_error(set, "the 810 has no TDS total"));
        }
        if let Some((seg, n)) = ctt
            && n as usize != inv.lines.len()
        {
            return Err(seg.error(
                1,
                format!("says {n} line items, but the invoice has {} IT1", inv.lines.len()),
            ));
        }
        Ok(inv)
    }
}

fn write_terms(w: &mut SetWriter, ctx: &str, t: &Terms) -> Result<(), WriteError> {
    for (label, v) in [
        ("type_code", &t.type_code),
        ("basis_date_code", &t.basis_date_code),
        ("description", &t.description),
    ] {
        present(ctx, label, v.as_ref())?;
    }
    let s = |v: Option<String>| v.unwrap_or_default();
    let pct = s(t.discount_percent.map(|d| d.to_string()));
    let ddays = s(t.discount_days.map(|d| d.to_string()));
    let ndays = s(t.net_days.map(|d| d.to_string()));
    let els: Vec<El<'_>> = vec![
        ("type_code", t.type_code.as_deref().unwrap_or(""), 2),
        ("basis_date_code", t.basis_date_code.as_deref().unwrap_or(""), 2),
        ("discount_percent", &pct, 6),
        ("", "", 8),
        ("discount_days", &ddays, 3),
        ("", "", 8),
        ("net_days", &ndays, 3),
        ("", "", 10),
        ("", "", 10),
        ("", "", 10),
        ("", "", 5),
        ("description", t.description.as_deref().unwrap_or(""), 80),
    ];
    w.seg(ctx, "ITD", &els)
}
