//! Pieces every X12 document shares: the N1 party loop, REF, PER, DTM, ITD terms, product id
//! pairs, dates and times, and the cursor the typed readers walk a set with.
//!
//! The readers are deliberately tolerant of segments they do not model (PKG, PO4, SCH, …): they
//! skip them, because trading partners add optional segments freely and refusing them would
//! refuse real orders. What they do model is checked: a quantity must be whole units, an amount
//! must fit the currency, a date must be a date, and each error names the segment and element.

use super::X12Error;
use super::decimal::Decimal;
use super::segments::Segment;
use aftercart_domain::money::{Currency, Money};
use aftercart_domain::quantity::Qty;
use serde::{Deserialize, Serialize};
use time::{Date, Month, Time};

pub use super::envelope::functional_id_for;

/// A street address (N3 lines, N4 city/state/postal code/country).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// N301/N302 of each N3, in order.
    pub lines: Vec<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

/// A PER contact: function code (N101-like, e.g. `OC` order contact, `IC` information contact),
/// name, and (qualifier, number) pairs such as (`TE`, phone) or (`EM`, e-mail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub function: String,
    pub name: Option<String>,
    pub channels: Vec<(String, String)>,
}

/// A REF reference: qualifier (`BM` bill of lading, `CN` carrier reference, `CO` customer
/// order, `VR` vendor id, …), value and optional description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub qualifier: String,
    pub value: String,
    pub description: Option<String>,
}

/// A DTM date: qualifier (`002` delivery requested, `011` shipped, `010` requested ship, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRef {
    pub qualifier: String,
    pub date: Date,
    pub time: Option<Time>,
}

/// An N1 loop: a party by role (N101: `ST` ship-to, `BT` bill-to, `BY` buyer, `SE` seller,
/// `VN` vendor, `SF` ship-from, `RE` remit-to, …) with its id and address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub role: String,
    pub name: Option<String>,
    /// N103, e.g. `1` DUNS, `9` DUNS+4, `92` assigned by buyer, `UL` GLN, `ZZ` mutually defined.
    pub id_qualifier: Option<String>,
    pub id: Option<String>,
    /// N2 names.
    pub extra_names: Vec<String>,
    pub address: Address,
    pub refs: Vec<Reference>,
    pub contacts: Vec<Contact>,
}

impl Party {
    /// A party with a role and name only.
    pub fn named(role: &str, name: &str) -> Party {
        Party {
            role: role.to_owned(),
            name: Some(name.to_owned()),
            id_qualifier: None,
            id: None,
            extra_names: Vec::new(),
            address: Address::default(),
            refs: Vec::new(),
            contacts: Vec::new(),
        }
    }
}

/// A product id pair of PO1/IT1/LIN: qualifier (`VP` vendor part, `BP` buyer part, `UP` UPC,
/// `IN` buyer item, `VN` vendor item, `SK` SKU, `EN` EAN, `CB` buyer catalog, …) and value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductId {
    pub qualifier: String,
    pub value: String,
}

impl ProductId {
    pub fn new(qualifier: &str, value: &str) -> ProductId {
        ProductId {
            qualifier: qualifier.to_owned(),
            value: value.to_owned(),
        }
    }
}

/// The value for `qualifier` among product ids.
pub(crate) fn id_for<'a>(ids: &'a [ProductId], qualifier: &str) -> Option<&'a str> {
    ids.iter().find(|p| p.qualifier == qualifier).map(|p| p.value.as_str())
}

/// ITD terms of sale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    /// ITD01, e.g. `01` basic, `05` discount not applicable, `14` previously agreed.
    pub type_code: Option<String>,
    /// ITD02, e.g. `3` invoice date.
    pub basis_date_code: Option<String>,
    pub discount_percent: Option<Decimal>,
    pub discount_days: Option<u32>,
    pub net_days: Option<u32>,
    /// ITD12.
    pub description: Option<String>,
}

/// CCYYMMDD, or YYMMDD (ISA09 and pre-4010 sets: 00–49 is 20xx, 50–99 is 19xx).
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |s: &str| s.parse::<u32>().ok();
    let (year, rest) = match text.len() {
        8 => (n(&text[..4])? as i32, &text[4..]),
        6 => {
            let yy = n(&text[..2])? as i32;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &text[2..])
        }
        _ => return None,
    };
    let month = Month::try_from(n(&rest[..2])? as u8).ok()?;
    Date::from_calendar_date(year, month, n(&rest[2..])? as u8).ok()
}

/// HHMM, HHMMSS, or HHMMSS with decimal seconds (dropped).
pub(crate) fn parse_time(text: &str) -> Option<Time> {
    if !matches!(text.len(), 4 | 6 | 7 | 8) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text[r].parse::<u8>().ok();
    let seconds = if text.len() >= 6 { n(4..6)? } else { 0 };
    Time::from_hms(n(0..2)?, n(2..4)?, seconds).ok()
}

/// How a typed reader walks a set's body segments.
pub(crate) struct Cursor<'a> {
    segs: &'a [Segment],
    i: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(segs: &'a [Segment]) -> Cursor<'a> {
        Cursor { segs, i: 0 }
    }

    pub fn peek(&self) -> Option<&'a Segment> {
        self.segs.get(self.i)
    }

    pub fn at(&self, id: &str) -> bool {
        self.peek().is_some_and(|s| s.id == id)
    }

    pub fn next_if(&mut self, id: &str) -> Option<&'a Segment> {
        if self.at(id) { self.advance() } else { None }
    }

    pub fn advance(&mut self) -> Option<&'a Segment> {
        let s = self.segs.get(self.i)?;
        self.i += 1;
        Some(s)
    }
}

/// An error not tied to one segment of a set: named after its ST.
pub(crate) fn set_error(set: &super::TransactionSet, reason: impl Into<String>) -> X12Error {
    X12Error::new(set.position, "ST", None, reason)
}

/// Element `n` as owned text, `None` when empty.
pub(crate) fn opt(seg: &Segment, n: usize) -> Option<String> {
    seg.get(n).map(str::to_owned)
}

pub(crate) fn date_at(seg: &Segment, n: usize) -> Result<Date, X12Error> {
    let t = seg.required(n)?;
    parse_date(t).ok_or_else(|| seg.error(n, format!("'{t}' is not a CCYYMMDD date")))
}

pub(crate) fn opt_date_at(seg: &Segment, n: usize) -> Result<Option<Date>, X12Error> {
    seg.get(n).map(|_| date_at(seg, n)).transpose()
}

pub(crate) fn opt_time_at(seg: &Segment, n: usize) -> Result<Option<Time>, X12Error> {
    match seg.get(n) {
        None => Ok(None),
        Some(t) => parse_time(t)
            .map(Some)
            .ok_or_else(|| seg.error(n, format!("'{t}' is not an HHMM time"))),
    }
}

pub(crate) fn decimal_at(seg: &Segment, n: usize, context: &str) -> Result<Option<Decimal>, X12Error> {
    seg.get(n)
        .map(|t| Decimal::parse(t).map_err(|e| seg.error(n, format!("{context}{e}"))))
        .transpose()
}

/// A whole, non-negative quantity (a domain [`Qty`]); `context` names the line, e.g. "line 3: ".
pub(crate) fn qty_at(seg: &Segment, n: usize, context: &str) -> Result<Qty, X12Error> {
    let text = seg.required(n).map_err(|e| X12Error {
        reason: format!("{context}{}", e.reason),
        ..e
    })?;
    let d = Decimal::parse(text).map_err(|e| seg.error(n, format!("{context}{e}")))?;
    match d.to_integer() {
        Some(q) if (0..=i64::from(Qty::MAX_INPUT)).contains(&q) => Ok(Qty::new(q as u32)),
        Some(_) => Err(seg.error(n, format!("{context}quantity {d} is out of range"))),
        None => Err(seg.error(n, format!("{context}quantity {d} is not a whole number of units"))),
    }
}

pub(crate) fn opt_qty_at(seg: &Segment, n: usize, context: &str) -> Result<Option<Qty>, X12Error> {
    seg.get(n).map(|_| qty_at(seg, n, context)).transpose()
}

/// A decimal amount in `currency`, refused when it needs more decimals than the currency has.
pub(crate) fn money_at(seg: &Segment, n: usize, currency: Currency, context: &str) -> Result<Option<Money>, X12Error> {
    match decimal_at(seg, n, context)? {
        None => Ok(None),
        Some(d) => d
            .to_money(currency)
            .map(Some)
            .map_err(|e| seg.error(n, format!("{context}{e}"))),
    }
}

/// An `N2` amount (two implied decimals, as TDS01 and SAC05) in `currency`.
pub(crate) fn n2_money_at(seg: &Segment, n: usize, currency: Currency) -> Result<Option<Money>, X12Error> {
    match seg.get(n) {
        None => Ok(None),
        Some(t) => Decimal::parse_implied(t, 2)
            .and_then(|d| d.to_money(currency))
            .map(Some)
            .map_err(|e| seg.error(n, e)),
    }
}

pub(crate) fn u32_at(seg: &Segment, n: usize) -> Result<Option<u32>, X12Error> {
    match seg.get(n) {
        None => Ok(None),
        Some(t) => t
            .parse::<u32>()
            .map(Some)
            .map_err(|_| seg.error(n, format!("'{t}' is not a whole number"))),
    }
}

/// CUR02 as a known ISO 4217 currency.
pub(crate) fn currency_at(seg: &Segment) -> Result<Currency, X12Error> {
    let code = seg.required(2)?;
    crate::iso4217(code).ok_or_else(|| seg.error(2, format!("'{code}' is not an ISO 4217 currency")))
}

pub(crate) fn read_ref(seg: &Segment) -> Reference {
    Reference {
        qualifier: seg.text(1).to_owned(),
        value: seg.text(2).to_owned(),
        description: opt(seg, 3),
    }
}

pub(crate) fn read_per(seg: &Segment) -> Contact {
    let mut channels = Vec::new();
    let mut n = 3;
    while n < seg.elements.len() + 1 {
        if let (Some(q), Some(v)) = (seg.get(n), seg.get(n + 1)) {
            channels.push((q.to_owned(), v.to_owned()));
        }
        n += 2;
    }
    Contact {
        function: seg.text(1).to_owned(),
        name: opt(seg, 2),
        channels,
    }
}

pub(crate) fn read_dtm(seg: &Segment) -> Result<DateRef, X12Error> {
    Ok(DateRef {
        qualifier: seg.required(1)?.to_owned(),
        date: date_at(seg, 2)?,
        time: opt_time_at(seg, 3)?,
    })
}

pub(crate) fn read_itd(seg: &Segment) -> Result<Terms, X12Error> {
    Ok(Terms {
        type_code: opt(seg, 1),
        basis_date_code: opt(seg, 2),
        discount_percent: decimal_at(seg, 3, "")?,
        discount_days: u32_at(seg, 5)?,
        net_days: u32_at(seg, 7)?,
        description: opt(seg, 12),
    })
}

/// Product id pairs from element `first` on (PO106/PO107 …, IT106 …, LIN02 …).
pub(crate) fn read_product_ids(seg: &Segment, first: usize) -> Vec<ProductId> {
    let mut ids = Vec::new();
    let mut n = first;
    while n <= seg.elements.len() {
        if let (Some(q), Some(v)) = (seg.get(n), seg.get(n + 1)) {
            ids.push(ProductId::new(q, v));
        }
        n += 2;
    }
    ids
}

/// An N1 loop: the N1 just taken, then N2*, N3*, N4, REF*, PER* from the cursor.
pub(crate) fn read_party(n1: &Segment, c: &mut Cursor<'_>) -> Party {
    let mut party = Party {
        role: n1.text(1).to_owned(),
        name: opt(n1, 2),
        id_qualifier: opt(n1, 3),
        id: opt(n1, 4),
        extra_names: Vec::new(),
        address: Address::default(),
        refs: Vec::new(),
        contacts: Vec::new(),
    };
    while let Some(seg) = c.peek() {
        match seg.id.as_str() {
            "N2" => party
                .extra_names
                .extend([opt(seg, 1), opt(seg, 2)].into_iter().flatten()),
            "N3" => party
                .address
                .lines
                .extend([opt(seg, 1), opt(seg, 2)].into_iter().flatten()),
            "N4" => {
                party.address.city = opt(seg, 1);
                party.address.state = opt(seg, 2);
                party.address.postal_code = opt(seg, 3);
                party.address.country = opt(seg, 4);
            }
            "REF" => party.refs.push(read_ref(seg)),
            "PER" => party.contacts.push(read_per(seg)),
            _ => break,
        }
        c.advance();
    }
    party
}
