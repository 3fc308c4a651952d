//! The 855 purchase order acknowledgement: the seller's answer to an 850, written and read.
//!
//! BAK carries the answer for the whole order (AC accepted with changes, AD accepted as is, AK
//! accepted without detail, RJ rejected); with detail (AC/AD) every PO1 line is echoed with one
//! or more ACK segments: IA accepted, IB backordered (with the date it is expected to ship,
//! ACK04 `068`), IR rejected, IQ accepted with a changed quantity. The writer refuses an answer
//! that contradicts itself (AD with a backordered line, AK/RJ with lines, IB without a date) so
//! a buyer never gets an acknowledgement its own rules would bounce. [`Ack855::accept_all`]
//! builds the common answer from the 850 it replies to.

use super::common::{
    Cursor, Party, ProductId, Reference, currency_at, date_at, opt, opt_date_at, qty_at, read_party, read_product_ids,
    read_ref, set_error, u32_at,
};
use super::envelope::TransactionSet;
use super::po850::Po850;
use super::segments::Segment;
use super::write::{ControlNumbers, El, Envelope, SetWriter, ccyymmdd, decimal_text, interchange, present, usd};
use super::{WriteError, X12Error};
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::quantity::Qty;
use serde::{Deserialize, Serialize};
use time::Date;

/// BAK02: the answer for the order as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AckType {
    /// AC: accepted, with line detail and changes.
    AcceptedWithChanges,
    /// AD: accepted, with line detail, no change.
    AcceptedNoChanges,
    /// AK: accepted, no detail.
    AcceptedNoDetail,
    /// RJ: rejected, no detail.
    Rejected,
    /// Any other code read (RD, AE, …); not written.
    Other(String),
}

impl AckType {
    pub fn code(&self) -> &str {
        match self {
            AckType::AcceptedWithChanges => "AC",
            AckType::AcceptedNoChanges => "AD",
            AckType::AcceptedNoDetail => "AK",
            AckType::Rejected => "RJ",
            AckType::Other(c) => c,
        }
    }

    fn from_code(c: &str) -> AckType {
        match c {
            "AC" => AckType::AcceptedWithChanges,
            "AD" => AckType::AcceptedNoChanges,
            "AK" => AckType::AcceptedNoDetail,
            "RJ" => AckType::Rejected,
            other => AckType::Other(other.to_owned()),
        }
    }

    /// AD when every line is accepted in full, else AC.
    pub fn for_lines(lines: &[AckLine]) -> AckType {
        if lines.iter().all(AckLine::accepted_as_ordered) {
            AckType::AcceptedNoChanges
        } else {
            AckType::AcceptedWithChanges
        }
    }
}

/// ACK01: what happens to (part of) a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LineStatus {
    /// IA.
    Accepted,
    /// IB: the date is when it is expected to ship.
    Backordered,
    /// IR.
    Rejected,
    /// IQ: accepted with the quantity in the ACK.
    QuantityChanged,
    /// Any other code read (IC, IP, …); not written.
    Other(String),
}

impl LineStatus {
    pub fn code(&self) -> &str {
        match self {
            LineStatus::Accepted => "IA",
            LineStatus::Backordered => "IB",
            LineStatus::Rejected => "IR",
            LineStatus::QuantityChanged => "IQ",
            LineStatus::Other(c) => c,
        }
    }

    fn from_code(c: &str) -> LineStatus {
        match c {
            "IA" => LineStatus::Accepted,
            "IB" => LineStatus::Backordered,
            "IR" => LineStatus::Rejected,
            "IQ" => LineStatus::QuantityChanged,
            other => LineStatus::Other(other.to_owned()),
        }
    }
}

/// One ACK: a status for a quantity of the line, with a date where it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineAck {
    pub status: LineStatus,
    /// ACK02 (the line's quantity when the ACK gives none).
    pub quantity: Qty,
    /// ACK05 with ACK04 `068` (current schedule ship): required for IB.
    pub ship_date: Option<Date>,
}

/// One PO1 line as acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckLine {
    /// PO101 of the order line.
    pub line_id: Option<String>,
    /// PO102: the quantity ordered.
    pub quantity: Qty,
    pub unit: String,
    pub unit_price: Option<Money>,
    /// PO105, echoed from the order (`PE`, `TE`, …).
    pub price_basis: Option<String>,
    pub product_ids: Vec<ProductId>,
    /// PID05.
    pub description: Option<String>,
    pub acks: Vec<LineAck>,
}

impl AckLine {
    /// One IA for the whole quantity.
    pub fn accepted_as_ordered(&self) -> bool {
        matches!(self.acks.as_slice(), [a] if a.status == LineStatus::Accepted && a.quantity == self.quantity)
    }
}

/// An 855.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack855 {
    /// BAK01: `00` original.
    pub purpose: String,
    pub ack_type: AckType,
    /// BAK03: the buyer's PO number.
    pub po_number: String,
    /// BAK04.
    pub po_date: Date,
    /// BAK08: the seller's order number.
    pub seller_order_number: Option<String>,
    /// BAK09: when the acknowledgement was made.
    pub ack_date: Option<Date>,
    /// CUR02 (written only when not USD).
    pub currency: Currency,
    pub refs: Vec<Reference>,
    pub parties: Vec<Party>,
    pub lines: Vec<AckLine>,
}

impl Ack855 {
    /// Every line of `po` accepted as ordered (AD), echoing its ids, prices and descriptions.
    pub fn accept_all(po: &Po850, ack_date: Date, seller_order_number: Option<String>) -> Ack855 {
        let lines = po
            .lines
            .iter()
            .map(|l| AckLine {
                line_id: l.line_id.clone(),
                quantity: l.quantity,
                unit: l.unit.clone(),
                unit_price: l.unit_price,
                price_basis: l.price_basis.clone(),
                product_ids: l.product_ids.clone(),
                description: l.descriptions.first().cloned(),
                acks: vec![LineAck {
                    status: LineStatus::Accepted,
                    quantity: l.quantity,
                    ship_date: None,
                }],
            })
            .collect();
        Ack855 {
            purpose: "00".into(),
            ack_type: AckType::AcceptedNoChanges,
            po_number: po.po_number.clone(),
            po_date: po.po_date,
            seller_order_number,
            ack_date: Some(ack_date),
            currency: po.currency,
            refs: Vec::new(),
            parties: po.ship_to().cloned().into_iter().collect(),
            lines,
        }
    }

    /// Writes the 855 in an interchange of its own.
    pub fn write(&self, env: &Envelope, ctl: &ControlNumbers) -> Result<String, WriteError> {
        self.check()?;
        let mut w = SetWriter::new(env.version);
        let po_date = ccyymmdd(self.po_date);
        let ack_date = self.ack_date.map(ccyymmdd).unwrap_or_default();
        present("", "seller_order_number", self.seller_order_number.as_ref())?;
        w.seg(
            "",
            "BAK",
            &[
                ("purpose", &self.purpose, 2),
                ("ack_type", self.ack_type.code(), 2),
                ("po_number", &self.po_number, 22),
                ("po_date", &po_date, 8),
                ("release", "", 30),
                ("request_reference", "", 45),
                ("contract", "", 30),
                (
                    "seller_order_number",
                    self.seller_order_number.as_deref().unwrap_or(""),
                    50,
                ),
                ("ack_date", &ack_date, 8),
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
        let mut hash: u64 = 0;
        for (i, line) in self.lines.iter().enumerate() {
            let ctx = format!("lines[{i}]");
            write_line(&mut w, &ctx, line)?;
            hash += u64::from(line.quantity.get());
        }
        if !self.lines.is_empty() {
            w.seg(
                "",
                "CTT",
                &[
                    ("lines", &self.lines.len().to_string(), 6),
                    ("lines", &hash.to_string(), 10),
                ],
            )?;
        }
        interchange(env, ctl, "PR", "855", w)
    }

    fn check(&self) -> Result<(), WriteError> {
        for (label, v) in [("purpose", &self.purpose), ("po_number", &self.po_number)] {
            if v.is_empty() {
                return Err(WriteError::new(label, "is required"));
            }
        }
        match &self.ack_type {
            AckType::Other(c) => {
                return Err(WriteError::new(
                    "ack_type",
                    format!("'{c}' is not written: use AC, AD, AK or RJ"),
                ));
            }
            AckType::AcceptedNoDetail | AckType::Rejected if !self.lines.is_empty() => {
                return Err(WriteError::new(
                    "lines",
                    format!(
                        "BAK02 {} means no line detail: leave the lines out",
                        self.ack_type.code()
                    ),
                ));
            }
            AckType::AcceptedWithChanges | AckType::AcceptedNoChanges if self.lines.is_empty() => {
                return Err(WriteError::new(
                    "lines",
                    format!(
                        "BAK02 {} acknowledges with line detail: give the lines",
                        self.ack_type.code()
                    ),
                ));
            }
            _ => {}
        }
        for (i, line) in self.lines.iter().enumerate() {
            if line.acks.is_empty() {
                return Err(WriteError::new(
                    format!("lines[{i}].acks"),
                    "every line needs an ACK status",
                ));
            }
            for (k, a) in line.acks.iter().enumerate() {
                let field = format!("lines[{i}].acks[{k}]");
                match (&a.status, a.ship_date) {
                    (LineStatus::Other(c), _) => {
                        return Err(WriteError::new(
                            field,
                            format!("'{c}' is not written: use IA, IB, IR or IQ"),
                        ));
                    }
                    (LineStatus::Backordered, None) => {
                        return Err(WriteError::new(
                            format!("{field}.ship_date"),
                            "a backordered line (IB) needs the date it ships",
                        ));
                    }
                    _ => {}
                }
            }
            if self.ack_type == AckType::AcceptedNoChanges && !line.accepted_as_ordered() {
                return Err(WriteError::new(
                    format!("lines[{i}].acks"),
                    "BAK02 AD (no changes) but this line is not accepted as ordered: use AC",
                ));
            }
        }
        Ok(())
    }

    /// Reads an 855 from its transaction set.
    pub fn read(set: &TransactionSet) -> Result<Ack855, X12Error> {
        if set.id != "855" {
            return Err(set_error(set, format!("a {} is not an 855 acknowledgement", set.id)));
        }
        let mut c = Cursor::new(&set.segments);
        let bak = c
            .next_if("BAK")
            .ok_or_else(|| set_error(set, "the 855 does not start with BAK"))?;
        let mut ack = Ack855 {
            purpose: bak.required(1)?.to_owned(),
            ack_type: AckType::from_code(bak.required(2)?),
            po_number: bak.required(3)?.to_owned(),
            po_date: date_at(bak, 4)?,
            seller_order_number: opt(bak, 8),
            ack_date: opt_date_at(bak, 9)?,
            currency: usd(),
            refs: Vec::new(),
            parties: Vec::new(),
            lines: Vec::new(),
        };
        let mut ctt: Option<(&Segment, u32)> = None;
        while let Some(seg) = c.advance() {
            match seg.id.as_str() {
                "CUR" => ack.currency = currency_at(seg)?,
                "REF" if ack.lines.is_empty() => ack.refs.push(read_ref(seg)),
                "N1" if ack.lines.is_empty() => ack.parties.push(read_party(seg, &mut c)),
                "PO1" => {
                    let line = read_line(seg, ack.lines.len() + 1, ack.currency, &mut c)?;
                    ack.lines.push(line);
                }
                "CTT" => ctt = u32_at(seg, 1)?.map(|n| (seg, n)),
                _ => {}
            }
        }
        if let Some((seg, n)) = ctt
            && n as usize != ack.lines.len()
        {
            return Err(seg.error(
                1,
                format!("says {n} line items, but the 855 has {} PO1", ack.lines.len()),
            ));
        }
        Ok(ack)
    }
}

fn write_line(w: &mut SetWriter, ctx: &str, line: &AckLine) -> Result<(), WriteError> {
    present(ctx, "line_id", line.line_id.as_ref())?;
    present(ctx, "description", line.description.as_ref())?;
    present(ctx, "price_basis", line.price_basis.as_ref())?;
    if line.unit.is_empty() {
        return Err(WriteError::new(format!("{ctx}.unit"), "is required"));
    }
    if line.unit_price.is_some_and(|p| p.is_negative()) {
        return Err(WriteError::new(format!("{ctx}.unit_price"), "cannot be negative"));
    }
    let qty = line.quantity.get().to_string();
    let price = line.unit_price.map(decimal_text).unwrap_or_default();
    let mut els: Vec<El<'_>> = vec![
        ("line_id", line.line_id.as_deref().unwrap_or(""), 20),
        ("quantity", &qty, 15),
        ("unit", &line.unit, 2),
        ("unit_price", &price, 17),
        ("price_basis", line.price_basis.as_deref().unwrap_or(""), 2),
    ];
    push_ids(ctx, &mut els, &line.product_ids)?;
    w.seg(ctx, "PO1", &els)?;
    if let Some(d) = &line.description {
        w.seg(
            ctx,
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
    for (k, a) in line.acks.iter().enumerate() {
        let q = a.quantity.get().to_string();
        let date = a.ship_date.map(ccyymmdd).unwrap_or_default();
        let qualifier = if a.ship_date.is_some() { "068" } else { "" };
        w.seg(
            &format!("{ctx}.acks[{k}]"),
            "ACK",
            &[
                ("status", a.status.code(), 2),
                ("quantity", &q, 15),
                ("unit", &line.unit, 2),
                ("ship_date", qualifier, 3),
                ("ship_date", &date, 8),
            ],
        )?;
    }
    Ok(())
}

/// Product id pairs as elements (PO106 …, IT106 …, LIN02 …): at most ten pairs.
pub(crate) fn push_ids<'a>(ctx: &str, els: &mut Vec<El<'a>>, ids: &'a [ProductId]) -> Result<(), WriteError> {
    if ids.len() > 10 {
        return Err(WriteError::new(
            format!("{ctx}.product_ids"),
            "at most ten product id pairs",
        ));
    }
    for (i, p) in ids.iter().enumerate() {
        for (label, v) in [("qualifier", &p.qualifier), ("value", &p.value)] {
            if v.is_empty() {
                return Err(WriteError::new(format!("{ctx}.product_ids[{i}].{label}"), "is empty"));
            }
        }
        els.push(("product_ids.qualifier", &p.qualifier, 2));
        els.push(("product_ids.value", &p.value, 48));
    }
    Ok(())
}

fn read_line(po1: &Segment, position: usize, currency: Currency, c: &mut Cursor<'_>) -> Result<AckLine, X12Error> {
    let line_id = opt(po1, 1);
    let label = match &line_id {
        Some(id) => format!("PO1 line '{id}': "),
        None => format!("PO1 line #{position}: "),
    };
    let quantity = qty_at(po1, 2, &label)?;
    let mut line = AckLine {
        line_id,
        quantity,
        unit: po1.text(3).to_owned(),
        unit_price: super::common::money_at(po1, 4, currency, &label)?,
        price_basis: opt(po1, 5),
        product_ids: read_product_ids(po1, 6),
        description: None,
        acks: Vec::new(),
    };
    while let Some(seg) = c.peek() {
        match seg.id.as_str() {
            "PO1" | "CTT" => break,
            "PID" if line.description.is_none() => line.description = opt(seg, 5),
            "ACK" => line.acks.push(LineAck {
                status: LineStatus::from_code(seg.required(1)?),
                quantity: super::common::opt_qty_at(seg, 2, &label)?.unwrap_or(quantity),
                ship_date: match seg.get(4) {
                    Some(_) => opt_date_at(seg, 5)?,
                    None => None,
                },
            }),
            _ => {}
        }
        c.advance();
    }
    Ok(line)
}
