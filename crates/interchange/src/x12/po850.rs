//! The 850 purchase order, read: what a buyer's system sends when it orders.
//!
//! Only reading is needed (Aftercart receives orders; it answers with 855/856/810). The header
//! (BEG, CUR, REF, PER, ITD, DTM, TD5, N1 loops) comes before the first PO1; each PO1 opens a
//! line whose PID, DTM and N1 (a per-line ship-to) follow it; CTT and AMT close the set. Unit
//! prices become [`Money`] in the order's currency (CUR02, USD when there is no CUR): the
//! domain prices lines in minor units, so a price like `12.505` USD cannot be taken without
//! rounding and is refused, naming the line and element (`12.500` is exact and taken). CTT01,
//! when present, must count the PO1 lines: a mismatch means lines were lost.

use super::X12Error;
use super::common::{
    Contact, Cursor, DateRef, Party, ProductId, Reference, Terms, currency_at, date_at, id_for, money_at, opt, qty_at,
    read_dtm, read_itd, read_party, read_per, read_product_ids, read_ref, set_error, u32_at,
};
use super::envelope::TransactionSet;
use super::segments::Segment;
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::quantity::Qty;
use serde::{Deserialize, Serialize};
use time::Date;

/// One 850 purchase order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Po850 {
    /// ST02 of the set it came in.
    pub set_control: String,
    /// BEG01: `00` original, `01` cancellation, `05` replace, `06` confirmation.
    pub purpose: String,
    /// BEG02: `SA` stand-alone, `DS` dropship, `NE` new order, `RL` release, …
    pub order_type: String,
    /// BEG03.
    pub po_number: String,
    /// BEG04.
    pub release: Option<String>,
    /// BEG05.
    pub po_date: Date,
    /// BEG06.
    pub contract: Option<String>,
    /// CUR02; USD when the order has no CUR.
    pub currency: Currency,
    pub refs: Vec<Reference>,
    pub contacts: Vec<Contact>,
    pub terms: Vec<Terms>,
    pub dates: Vec<DateRef>,
    /// TD503 when TD502 is `2` (a SCAC).
    pub carrier_scac: Option<String>,
    /// TD505 free-text routing.
    pub routing: Option<String>,
    /// MSG01 and NTE02 texts.
    pub notes: Vec<String>,
    /// Header N1 loops.
    pub parties: Vec<Party>,
    pub lines: Vec<PoLine>,
    /// CTT01 as sent (checked against the lines).
    pub line_count: Option<u32>,
    /// AMT (qualifier, amount), e.g. (`TT`, total) or (`1`, line item total).
    pub amounts: Vec<(String, Money)>,
}

/// One PO1 line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoLine {
    /// 1-based position among the PO1 segments (PO101 is optional in 4010).
    pub position: usize,
    /// PO101.
    pub line_id: Option<String>,
    /// PO102.
    pub quantity: Qty,
    /// PO103, e.g. `EA`, `CA`.
    pub unit: String,
    /// PO104 in the order's currency.
    pub unit_price: Option<Money>,
    /// PO105, e.g. `PE` price per each, `TE` contract price per each.
    pub price_basis: Option<String>,
    /// PO106/PO107 … pairs.
    pub product_ids: Vec<ProductId>,
    /// PID05 texts.
    pub descriptions: Vec<String>,
    pub dates: Vec<DateRef>,
    /// N1 loops under the line (a per-line ship-to, for instance).
    pub parties: Vec<Party>,
}

impl PoLine {
    /// The product id for a qualifier (`VP`, `BP`, `UP`, `IN`, …).
    pub fn product_id(&self, qualifier: &str) -> Option<&str> {
        id_for(&self.product_ids, qualifier)
    }

    /// How an error names the line: PO101, else its position.
    pub fn label(&self) -> String {
        match &self.line_id {
            Some(id) => format!("line '{id}'"),
            None => format!("line #{}", self.position),
        }
    }

    /// The line's ship-to, if it has its own.
    pub fn ship_to(&self) -> Option<&Party> {
        self.parties.iter().find(|p| p.role == "ST")
    }
}

impl Po850 {
    pub fn party(&self, role: &str) -> Option<&Party> {
        self.parties.iter().find(|p| p.role == role)
    }

    pub fn ship_to(&self) -> Option<&Party> {
        self.party("ST")
    }

    pub fn bill_to(&self) -> Option<&Party> {
        self.party("BT")
    }

    pub fn buyer(&self) -> Option<&Party> {
        self.party("BY")
    }

    pub fn reference(&self, qualifier: &str) -> Option<&str> {
        self.refs
            .iter()
            .find(|r| r.qualifier == qualifier)
            .map(|r| r.value.as_str())
    }

    /// The sum of quantity × unit price over priced lines; `None` on overflow.
    pub fn lines_total(&self) -> Option<Money> {
        self.lines
            .iter()
            .try_fold(Money::zero(self.currency), |acc, l| match l.unit_price {
                Some(p) => p
                    .minor()
                    .checked_mul(i64::from(l.quantity.get()))
                    .and_then(|m| acc.checked_add(Money::from_minor(m, self.currency))),
                None => Some(acc),
            })
    }

    /// Reads an 850 from its transaction set.
    pub fn read(set: &TransactionSet) -> Result<Po850, X12Error> {
        if set.id != "850" {
            return Err(set_error(set, format!("a {} is not an 850 purchase order", set.id)));
        }
        let mut c = Cursor::new(&set.segments);
        let mut beg: Option<&Segment> = None;
        let mut po = Po850 {
            set_control: set.control_number.clone(),
            purpose: String::new(),
            order_type: String::new(),
            po_number: String::new(),
            release: None,
            po_date: Date::MIN,
            contract: None,
            currency: super::write::usd(),
            refs: Vec::new(),
            contacts: Vec::new(),
            terms: Vec::new(),
            dates: Vec::new(),
            carrier_scac: None,
            routing: None,
            notes: Vec::new(),
            parties: Vec::new(),
            lines: Vec::new(),
            line_count: None,
            amounts: Vec::new(),
        };
        let mut ctt: Option<&Segment> = None;
        while let Some(seg) = c.advance() {
            match seg.id.as_str() {
                "BEG" => {
                    po.purpose = seg.required(1)?.to_owned();
                    po.order_type = seg.required(2)?.to_owned();
                    po.po_number = seg.required(3)?.to_owned();
                    po.release = opt(seg, 4);
                    po.po_date = date_at(seg, 5)?;
                    po.contract = opt(seg, 6);
                    beg = Some(seg);
                }
                "CUR" => {
                    if !po.lines.is_empty() {
                        return Err(seg.error(0, "CUR after the first PO1: the lines' currency would be ambiguous"));
                    }
                    po.currency = currency_at(seg)?;
                }
                "REF" => po.refs.push(read_ref(seg)),
                "PER" => po.contacts.push(read_per(seg)),
                "ITD" => po.terms.push(read_itd(seg)?),
                "DTM" => po.dates.push(read_dtm(seg)?),
                "TD5" => {
                    if seg.get(2) == Some("2") {
                        po.carrier_scac = opt(seg, 3);
                    }
                    po.routing = po.routing.take().or_else(|| opt(seg, 5));
                }
                "MSG" => po.notes.extend(opt(seg, 1)),
                "NTE" => po.notes.extend(opt(seg, 2)),
                "N1" => po.parties.push(read_party(seg, &mut c)),
                "PO1" => {
                    let line = read_line(seg, po.lines.len() + 1, po.currency, &mut c)?;
                    po.lines.push(line);
                }
                "CTT" => {
                    po.line_count = u32_at(seg, 1)?;
                    ctt = Some(seg);
                }
                "AMT" => {
                    if let Some(m) = money_at(seg, 2, po.currency, "")? {
                        po.amounts.push((seg.text(1).to_owned(), m));
                    }
                }
                _ => {}
            }
        }
        if beg.is_none() {
            return Err(set_error(set, "the 850 has no BEG segment"));
        }
        if let (Some(seg), Some(n)) = (ctt, po.line_count)
            && n as usize != po.lines.len()
        {
            return Err(seg.error(
                1,
                format!("says {n} line items, but the order has {} PO1", po.lines.len()),
            ));
        }
        Ok(po)
    }
}

fn read_line(po1: &Segment, position: usize, currency: Currency, c: &mut Cursor<'_>) -> Result<PoLine, X12Error> {
    let line_id = opt(po1, 1);
    let label = match &line_id {
        Some(id) => format!("PO1 line '{id}': "),
        None => format!("PO1 line #{position}: "),
    };
    let mut line = PoLine {
        position,
        quantity: qty_at(po1, 2, &label)?,
        unit: po1
            .required(3)
            .map_err(|e| po1.error(3, format!("{label}{}", e.reason)))?
            .to_owned(),
        unit_price: money_at(po1, 4, currency, &label)?,
        price_basis: opt(po1, 5),
        product_ids: read_product_ids(po1, 6),
        line_id,
        descriptions: Vec::new(),
        dates: Vec::new(),
        parties: Vec::new(),
    };
    if line.unit_price.is_some_and(|p| p.is_negative()) {
        return Err(po1.error(4, format!("{label}a unit price cannot be negative")));
    }
    while let Some(seg) = c.peek() {
        match seg.id.as_str() {
            "PO1" | "CTT" | "AMT" => break,
            "PID" => line.descriptions.extend(opt(seg, 5)),
            "DTM" => line.dates.push(read_dtm(seg)?),
            "N1" => {
                c.advance();
                line.parties.push(read_party(seg, c));
                continue;
            }
            _ => {}
        }
        c.advance();
    }
    Ok(line)
}
