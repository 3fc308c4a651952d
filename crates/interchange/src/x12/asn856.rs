//! The 856 ship notice (ASN): what left the warehouse, in which cartons, for which orders.
//!
//! An 856 is a tree of HL levels, each naming its parent (HL02): shipment `S` (carrier TD5,
//! TD1 lading, REF BM bill of lading and CN tracking, DTM 011 shipped, N1 parties) → order `O`
//! (PRF: the buyer's PO) → pack `P` (MAN: GM SSCC-18 label, CP carrier package id) → item `I`
//! (LIN product ids, SN1 quantity shipped, PID). Items may also hang directly under the order
//! (no carton detail). The reader rebuilds the tree from HL01/HL02 rather than from segment
//! order, and refuses a level whose parent is unknown or of the wrong kind, naming the HL; the
//! writer numbers the levels depth-first and counts them in CTT01 (with the shipped units as
//! CTT02), which the reader checks. One shipment per 856, as Aftercart sends them.

use super::ack855::push_ids;
use super::common::{
    Cursor, DateRef, Party, ProductId, Reference, date_at, decimal_at, opt, opt_date_at, parse_time, qty_at, read_dtm,
    read_party, read_product_ids, read_ref, set_error, u32_at,
};
use super::decimal::Decimal;
use super::envelope::TransactionSet;
use super::segments::Segment;
use super::write::{ControlNumbers, El, Envelope, SetWriter, ccyymmdd, hhmm, interchange, present};
use super::{WriteError, X12Error};
use aftercart_domain::quantity::Qty;
use serde::{Deserialize, Serialize};
use time::{Date, Time};

/// A carton mark (MAN).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mark {
    /// MAN01 `GM`: the 18-digit SSCC (written with its application identifier `00`).
    Sscc(String),
    /// MAN01 `CP`: the carrier's package id (a parcel tracking number).
    CarrierPackageId(String),
    Other {
        qualifier: String,
        value: String,
    },
}

/// An item shipped (HL `I`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsnItem {
    /// LIN01 / SN101: the order line it ships.
    pub line_id: Option<String>,
    pub product_ids: Vec<ProductId>,
    /// SN102.
    pub quantity: Qty,
    /// SN103.
    pub unit: String,
    /// PID05.
    pub description: Option<String>,
}

/// A carton or pallet (HL `P`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsnPack {
    pub marks: Vec<Mark>,
    pub items: Vec<AsnItem>,
}

/// An order shipped (HL `O`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsnOrder {
    /// PRF01.
    pub po_number: String,
    /// PRF02.
    pub release: Option<String>,
    /// PRF04.
    pub po_date: Option<Date>,
    pub packs: Vec<AsnPack>,
    /// Items directly under the order (no carton detail).
    pub items: Vec<AsnItem>,
}

/// The shipment level (HL `S`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// TD101, e.g. `CTN`, `PLT`, `PCS`.
    pub package_code: Option<String>,
    /// TD102: lading quantity.
    pub packages: Option<Qty>,
    /// TD107 (gross weight, TD106 `G`).
    pub weight: Option<Decimal>,
    /// TD108, e.g. `LB`, `KG`.
    pub weight_unit: Option<String>,
    /// TD503 when TD502 is `2`.
    pub carrier_scac: Option<String>,
    /// TD504, e.g. `M` motor, `U` private parcel.
    pub transport_method: Option<String>,
    /// TD505.
    pub routing: Option<String>,
    /// REF BM.
    pub bill_of_lading: Option<String>,
    /// REF CN, in order.
    pub tracking_numbers: Vec<String>,
    /// Other REFs.
    pub refs: Vec<Reference>,
    /// DTM 011.
    pub shipped: Option<Date>,
    /// Other DTMs (e.g. 017 estimated delivery).
    pub dates: Vec<DateRef>,
    pub parties: Vec<Party>,
}

/// An 856.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asn856 {
    /// BSN01: `00` original, `14` advance notification.
    pub purpose: String,
    /// BSN02.
    pub shipment_id: String,
    pub date: Date,
    pub time: Time,
    /// BSN05 as read (`0001` S-O-P-I, `0004` S-O-I); computed on write, and a given value must
    /// agree.
    pub structure: Option<String>,
    pub shipment: Shipment,
    pub orders: Vec<AsnOrder>,
}

impl Asn856 {
    /// Every item of the notice, under packs or not.
    pub fn items(&self) -> impl Iterator<Item = &AsnItem> {
        self.orders
            .iter()
            .flat_map(|o| o.items.iter().chain(o.packs.iter().flat_map(|p| p.items.iter())))
    }

    /// The BSN05 the writer puts: `0001` when any order has packs, else `0004`.
    pub fn structure_code(&self) -> &'static str {
        if self.orders.iter().any(|o| !o.packs.is_empty()) {
            "0001"
        } else {
            "0004"
        }
    }

    /// Writes the 856 in an interchange of its own.
    pub fn write(&self, env: &Envelope, ctl: &ControlNumbers) -> Result<String, WriteError> {
        let code = self.structure_code();
        if let Some(s) = &self.structure
            && s != code
        {
            return Err(WriteError::new(
                "structure",
                format!("is {s}, but the levels written make {code}"),
            ));
        }
        for (label, v) in [("purpose", &self.purpose), ("shipment_id", &self.shipment_id)] {
            if v.is_empty() {
                return Err(WriteError::new(label, "is required"));
            }
        }
        if self.orders.is_empty() {
            return Err(WriteError::new("orders", "an 856 ships at least one order"));
        }
        let mut w = SetWriter::new(env.version);
        let (d, t) = (ccyymmdd(self.date), hhmm(self.time));
        w.seg(
            "",
            "BSN",
            &[
                ("purpose", &self.purpose, 2),
                ("shipment_id", &self.shipment_id, 30),
                ("date", &d, 8),
                ("time", &t, 8),
                ("structure", code, 4),
            ],
        )?;
        let mut hl = Hl::default();
        let s_id = hl.open(&mut w, None, "S")?;
        write_shipment(&mut w, &self.shipment)?;
        for (o, order) in self.orders.iter().enumerate() {
            let ctx = format!("orders[{o}]");
            if order.po_number.is_empty() {
                return Err(WriteError::new(format!("{ctx}.po_number"), "is required"));
            }
            if order.packs.is_empty() && order.items.is_empty() {
                return Err(WriteError::new(ctx, "an order level needs packs or items"));
            }
            present(&ctx, "release", order.release.as_ref())?;
            let o_id = hl.open(&mut w, Some(s_id), "O")?;
            let po_date = order.po_date.map(ccyymmdd).unwrap_or_default();
            w.seg(
                &ctx,
                "PRF",
                &[
                    ("po_number", &order.po_number, 22),
                    ("release", order.release.as_deref().unwrap_or(""), 30),
                    ("", "", 8),
                    ("po_date", &po_date, 8),
                ],
            )?;
            for (i, item) in order.items.iter().enumerate() {
                hl.open(&mut w, Some(o_id), "I")?;
                hl.units += write_item(&mut w, &format!("{ctx}.items[{i}]"), item)?;
            }
            for (p, pack) in order.packs.iter().enumerate() {
                let ctx = format!("{ctx}.packs[{p}]");
                if pack.items.is_empty() {
                    return Err(WriteError::new(format!("{ctx}.items"), "a pack level needs items"));
                }
                let p_id = hl.open(&mut w, Some(o_id), "P")?;
                for (m, mark) in pack.marks.iter().enumerate() {
                    write_mark(&mut w, &format!("{ctx}.marks[{m}]"), mark)?;
                }
                for (i, item) in pack.items.iter().enumerate() {
                    hl.open(&mut w, Some(p_id), "I")?;
                    hl.units += write_item(&mut w, &format!("{ctx}.items[{i}]"), item)?;
                }
            }
        }
        w.seg(
            "",
            "CTT",
            &[
                ("levels", &hl.next.to_string(), 6),
                ("units", &hl.units.to_string(), 10),
            ],
        )?;
        interchange(env, ctl, "SH", "856", w)
    }

    /// Reads an 856 from its transaction set.
    pub fn read(set: &TransactionSet) -> Result<Asn856, X12Error> {
        if set.id != "856" {
            return Err(set_error(set, format!("a {} is not an 856 ship notice", set.id)));
        }
        let mut c = Cursor::new(&set.segments);
        let bsn = c
            .next_if("BSN")
            .ok_or_else(|| set_error(set, "the 856 does not start with BSN"))?;
        let time = bsn.required(4)?;
        let mut asn = Asn856 {
            purpose: bsn.required(1)?.to_owned(),
            shipment_id: bsn.required(2)?.to_owned(),
            date: date_at(bsn, 3)?,
            time: parse_time(time).ok_or_else(|| bsn.error(4, format!("'{time}' is not an HHMM time")))?,
            structure: opt(bsn, 5),
            shipment: Shipment::default(),
            orders: Vec::new(),
        };
        // HL01 → (level, index path) of what was built so far.
        let mut levels: Vec<(String, char, usize, usize)> = Vec::new();
        let mut shipment_seen = false;
        let mut ctt: Option<(&Segment, u32)> = None;
        while let Some(seg) = c.advance() {
            match seg.id.as_str() {
                "HL" => {
                    let id = seg.required(1)?.to_owned();
                    if levels.iter().any(|l| l.0 == id) {
                        return Err(seg.error(1, format!("HL {id} is used twice")));
                    }
                    let parent = match seg.get(2) {
                        None => None,
                        Some(p) => Some(
                            levels
                                .iter()
                                .find(|l| l.0 == p)
                                .cloned()
                                .ok_or_else(|| seg.error(2, format!("parent HL {p} is not an earlier level")))?,
                        ),
                    };
                    let code = seg.required(3)?;
                    let kind = parent.as_ref().map(|p| p.1);
                    let wrong = |what: &str| seg.error(3, format!("a level {code} {what}"));
                    let entry = match (code, kind) {
                        ("S", None) if !shipment_seen => {
                            shipment_seen = true;
                            read_shipment(&mut c, &mut asn.shipment)?;
                            (id, 'S', 0, 0)
                        }
                        ("S", None) => return Err(wrong("is a second shipment (one per 856 is read)")),
                        ("O", Some('S')) => {
                            asn.orders.push(read_order(&mut c)?);
                            (id, 'O', asn.orders.len() - 1, 0)
                        }
                        ("P", Some('O')) => {
                            let o = parent.as_ref().map_or(0, |p| p.2);
                            let marks = read_marks(&mut c);
                            asn.orders[o].packs.push(AsnPack {
                                marks,
                                items: Vec::new(),
                            });
                            (id, 'P', o, asn.orders[o].packs.len() - 1)
                        }
                        ("I", Some('O' | 'P')) => {
                            let item = read_item(seg, &mut c)?;
                            match parent {
                                Some((_, 'P', o, p)) => asn.orders[o].packs[p].items.push(item),
                                Some((_, _, o, _)) => asn.orders[o].items.push(item),
                                None => {}
                            }
                            (id, 'I', 0, 0)
                        }
                        ("S" | "O" | "P" | "I", _) => {
                            return Err(wrong(&format!(
                                "cannot sit under {}",
                                kind.map_or("nothing".to_owned(), |k| format!("a level {k}"))
                            )));
                        }
                        _ => return Err(wrong("is not read (S, O, P and I are)")),
                    };
                    levels.push(entry);
                }
                "CTT" => ctt = u32_at(seg, 1)?.map(|n| (seg, n)),
                _ => {}
            }
        }
        if !shipment_seen {
            return Err(set_error(set, "the 856 has no shipment level (HL S)"));
        }
        let hl_count = set.segments.iter().filter(|s| s.id == "HL").count();
        if let Some((seg, n)) = ctt
            && n as usize != hl_count
        {
            return Err(seg.error(1, format!("says {n} levels, but the 856 has {hl_count} HL")));
        }
        Ok(asn)
    }
}

#[derive(Default)]
struct Hl {
    next: u32,
    units: u64,
}

impl Hl {
    fn open(&mut self, w: &mut SetWriter, parent: Option<u32>, code: &str) -> Result<u32, WriteError> {
        self.next += 1;
        let parent = parent.map(|p| p.to_string()).unwrap_or_default();
        w.seg(
            "",
            "HL",
            &[("hl", &self.next.to_string(), 12), ("hl", &parent, 12), ("hl", code, 2)],
        )?;
        Ok(self.next)
    }
}

fn write_shipment(w: &mut SetWriter, s: &Shipment) -> Result<(), WriteError> {
    let ctx = "shipment";
    for (label, v) in [
        ("package_code", &s.package_code),
        ("weight_unit", &s.weight_unit),
        ("carrier_scac", &s.carrier_scac),
        ("transport_method", &s.transport_method),
        ("routing", &s.routing),
        ("bill_of_lading", &s.bill_of_lading),
    ] {
        present(ctx, label, v.as_ref())?;
    }
    if s.weight.is_some() != s.weight_unit.is_some() {
        return Err(WriteError::new(
            "shipment.weight_unit",
            "a weight needs its unit (TD107/TD108)",
        ));
    }
    if s.package_code.is_some() || s.packages.is_some() || s.weight.is_some() {
        let n = s.packages.map(|q| q.get().to_string()).unwrap_or_default();
        let weight = s.weight.map(|d| d.to_string()).unwrap_or_default();
        let g = if s.weight.is_some() { "G" } else { "" };
        let els: [El<'_>; 8] = [
            ("package_code", s.package_code.as_deref().unwrap_or(""), 5),
            ("packages", &n, 7),
            ("", "", 1),
            ("", "", 1),
            ("", "", 1),
            ("weight", g, 2),
            ("weight", &weight, 10),
            ("weight_unit", s.weight_unit.as_deref().unwrap_or(""), 2),
        ];
        w.seg(ctx, "TD1", &els)?;
    }
    if s.carrier_scac.is_some() || s.transport_method.is_some() || s.routing.is_some() {
        if let Some(scac) = &s.carrier_scac
            && !(2..=4).contains(&scac.len())
        {
            return Err(WriteError::new(
                "shipment.carrier_scac",
                "TD503: a SCAC is 2 to 4 characters",
            ));
        }
        let q = if s.carrier_scac.is_some() { "2" } else { "" };
        w.seg(
            ctx,
            "TD5",
            &[
                ("routing_sequence", "", 2),
                ("carrier_scac", q, 2),
                ("carrier_scac", s.carrier_scac.as_deref().unwrap_or(""), 4),
                ("transport_method", s.transport_method.as_deref().unwrap_or(""), 2),
                ("routing", s.routing.as_deref().unwrap_or(""), 35),
            ],
        )?;
    }
    if let Some(bm) = &s.bill_of_lading {
        w.seg(ctx, "REF", &[("bill_of_lading", "BM", 3), ("bill_of_lading", bm, 50)])?;
    }
    for (i, t) in s.tracking_numbers.iter().enumerate() {
        present(ctx, &format!("tracking_numbers[{i}]"), Some(t))?;
        w.seg(
            &format!("{ctx}.tracking_numbers[{i}]"),
            "REF",
            &[("qualifier", "CN", 3), ("value", t, 50)],
        )?;
    }
    for (i, r) in s.refs.iter().enumerate() {
        w.reference(&format!("{ctx}.refs[{i}]"), r)?;
    }
    if let Some(d) = s.shipped {
        w.seg(ctx, "DTM", &[("shipped", "011", 3), ("shipped", &ccyymmdd(d), 8)])?;
    }
    for (i, d) in s.dates.iter().enumerate() {
        let time = d.time.map(hhmm).unwrap_or_default();
        w.seg(
            &format!("{ctx}.dates[{i}]"),
            "DTM",
            &[
                ("qualifier", &d.qualifier, 3),
                ("date", &ccyymmdd(d.date), 8),
                ("time", &time, 8),
            ],
        )?;
    }
    for (i, p) in s.parties.iter().enumerate() {
        w.party(&format!("{ctx}.parties[{i}]"), p)?;
    }
    Ok(())
}

fn write_mark(w: &mut SetWriter, ctx: &str, m: &Mark) -> Result<(), WriteError> {
    match m {
        Mark::Sscc(s) => {
            if !valid_sscc(s) {
                return Err(WriteError::new(
                    ctx,
                    format!("MAN02: '{s}' is not an SSCC (18 digits, GS1 check digit)"),
                ));
            }
            let v = format!("00{s}");
            w.seg(ctx, "MAN", &[("qualifier", "GM", 2), ("sscc", &v, 48)])
        }
        Mark::CarrierPackageId(t) => {
            present(ctx, "tracking", Some(t))?;
            w.seg(ctx, "MAN", &[("qualifier", "CP", 2), ("tracking", t, 48)])
        }
        Mark::Other { qualifier, value } => {
            present(ctx, "qualifier", Some(qualifier))?;
            present(ctx, "value", Some(value))?;
            w.seg(ctx, "MAN", &[("qualifier", qualifier, 2), ("value", value, 48)])
        }
    }
}

/// 18 digits whose last is the GS1 mod-10 check digit of the first 17.
pub(crate) fn valid_sscc(s: &str) -> bool {
    if s.len() != 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = s.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = digits[..17]
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == digits[17]
}

fn write_item(w: &mut SetWriter, ctx: &str, item: &AsnItem) -> Result<u64, WriteError> {
    present(ctx, "line_id", item.line_id.as_ref())?;
    present(ctx, "description", item.description.as_ref())?;
    if item.unit.is_empty() {
        return Err(WriteError::new(format!("{ctx}.unit"), "is required"));
    }
    if item.product_ids.is_empty() {
        return Err(WriteError::new(
            format!("{ctx}.product_ids"),
            "LIN needs at least one product id",
        ));
    }
    let line = item.line_id.as_deref().unwrap_or("");
    let mut els: Vec<El<'_>> = vec![("line_id", line, 20)];
    push_ids(ctx, &mut els, &item.product_ids)?;
    w.seg(ctx, "LIN", &els)?;
    let q = item.quantity.get().to_string();
    w.seg(
        ctx,
        "SN1",
        &[("line_id", line, 20), ("quantity", &q, 10), ("unit", &item.unit, 2)],
    )?;
    if let Some(d) = &item.description {
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
    Ok(u64::from(item.quantity.get()))
}

/// The shipment level's segments, up to the next HL.
fn read_shipment(c: &mut Cursor<'_>, s: &mut Shipment) -> Result<(), X12Error> {
    while let Some(seg) = c.peek() {
        match seg.id.as_str() {
            "HL" | "CTT" => break,
            "TD1" => {
                s.package_code = opt(seg, 1);
                s.packages = super::common::opt_qty_at(seg, 2, "")?;
                s.weight = decimal_at(seg, 7, "")?;
                s.weight_unit = opt(seg, 8);
            }
            "TD5" => {
                if seg.get(2) == Some("2") {
                    s.carrier_scac = opt(seg, 3);
                }
                s.transport_method = opt(seg, 4);
                s.routing = opt(seg, 5);
            }
            "REF" => match (seg.get(1), seg.get(2)) {
                (Some("BM"), Some(v)) => s.bill_of_lading = Some(v.to_owned()),
                (Some("CN"), Some(v)) => s.tracking_numbers.push(v.to_owned()),
                _ => s.refs.push(read_ref(seg)),
            },
            "DTM" if seg.get(1) == Some("011") => s.shipped = Some(date_at(seg, 2)?),
            "DTM" => s.dates.push(read_dtm(seg)?),
            "N1" => {
                c.advance();
                s.parties.push(read_party(seg, c));
                continue;
            }
            _ => {}
        }
        c.advance();
    }
    Ok(())
}

fn read_order(c: &mut Cursor<'_>) -> Result<AsnOrder, X12Error> {
    let mut order = AsnOrder {
        po_number: String::new(),
        release: None,
        po_date: None,
        packs: Vec::new(),
        items: Vec::new(),
    };
    while let Some(seg) = c.peek() {
        if seg.id == "HL" || seg.id == "CTT" {
            break;
        }
        if seg.id == "PRF" {
            order.po_number = seg.required(1)?.to_owned();
            order.release = opt(seg, 2);
            order.po_date = opt_date_at(seg, 4)?;
        }
        c.advance();
    }
    Ok(order)
}

fn read_marks(c: &mut Cursor<'_>) -> Vec<Mark> {
    let mut marks = Vec::new();
    while let Some(seg) = c.peek() {
        if seg.id == "HL" || seg.id == "CTT" {
            break;
        }
        if seg.id == "MAN" {
            let value = seg.text(2);
            marks.push(match seg.text(1) {
                "GM" => Mark::Sscc(
                    value
                        .strip_prefix("00")
                        .filter(|s| s.len() == 18)
                        .unwrap_or(value)
                        .to_owned(),
                ),
                "CP" => Mark::CarrierPackageId(value.to_owned()),
                q => Mark::Other {
                    qualifier: q.to_owned(),
                    value: value.to_owned(),
                },
            });
        }
        c.advance();
    }
    marks
}

fn read_item(hl: &Segment, c: &mut Cursor<'_>) -> Result<AsnItem, X12Error> {
    let label = format!("item HL {}: ", hl.text(1));
    let mut item = AsnItem {
        line_id: None,
        product_ids: Vec::new(),
        quantity: Qty::ZERO,
        unit: String::new(),
        description: None,
    };
    let mut sn1 = false;
    while let Some(seg) = c.peek() {
        match seg.id.as_str() {
            "HL" | "CTT" => break,
            "LIN" => {
                item.line_id = opt(seg, 1);
                item.product_ids = read_product_ids(seg, 2);
            }
            "SN1" => {
                sn1 = true;
                item.line_id = item.line_id.take().or_else(|| opt(seg, 1));
                item.quantity = qty_at(seg, 2, &label)?;
                item.unit = seg.required(3)?.to_owned();
            }
            "PID" if item.description.is_none() => item.description = opt(seg, 5),
            _ => {}
        }
        c.advance();
    }
    if !sn1 {
        return Err(hl.error(0, format!("{label}an item level has no SN1 (quantity shipped)")));
    }
    Ok(item)
}
