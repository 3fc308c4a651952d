//! Summaries of the three EDIFACT messages Aftercart meets: ORDERS (an order in), DESADV (a
//! despatch advice) and INVOIC (an invoice), enough to match them against orders and invoices.
//!
//! The three share their skeleton, so one walker reads it: a header (BGM, DTM, RFF, NAD with
//! the RFFs of its group, CUX), line groups opened by LIN (PIA, IMD, QTY, PRI, MOA, RFF), CPS
//! packages in a DESADV, and after `UNS+S` the summary (MOA totals, CNT). Amounts, prices and
//! quantities are exact [`Decimal`]s, not money: a summary reports what was sent (the D97B
//! invoice prices a widget at 1.179 USD, finer than a cent), and [`Invoic::total_money`]
//! converts a total when it fits its currency. EDIFACT may use `,` or `.` as decimal mark;
//! both are read.

use super::EdifactError;
use super::envelope::Message;
use super::syntax::Segment;
use crate::x12::decimal::Decimal;
use aftercart_domain::money::Money;
use serde::{Deserialize, Serialize};
use time::Date;

/// A DTM C507: qualifier (`137` document date, `2` delivery requested, `11` despatched, …),
/// value and format (`102` CCYYMMDD, `203` CCYYMMDDHHMM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdiDate {
    pub qualifier: String,
    pub value: String,
    pub format: Option<String>,
}

impl EdiDate {
    /// The calendar date, for formats 102 and 203.
    pub fn date(&self) -> Option<Date> {
        match self.format.as_deref() {
            Some("102") | Some("203") | None if self.value.len() >= 8 => super::envelope::parse_date(&self.value[..8]),
            _ => None,
        }
    }
}

/// A NAD party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NadParty {
    /// NAD01: `BY` buyer, `SU` supplier, `SE` seller, `DP` delivery party, `IV` invoicee, …
    pub role: String,
    /// NAD02 party id (a GLN, for instance) and its agency code (`9` GS1).
    pub id: Option<String>,
    pub id_agency: Option<String>,
    /// NAD04 (or the NAD03 free text), components joined by a space.
    pub name: Option<String>,
    pub street: Vec<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    /// RFFs of the party's group (VAT number `VA`, …): (qualifier, value).
    pub refs: Vec<(String, String)>,
}

/// A LIN line group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemLine {
    /// LIN01.
    pub number: String,
    /// LIN03: item id and its type (`EN` EAN, `SA` supplier's article, `IN` buyer's).
    pub item_id: Option<String>,
    pub item_id_type: Option<String>,
    /// PIA ids: (id, type).
    pub extra_ids: Vec<(String, Option<String>)>,
    /// IMD descriptions.
    pub descriptions: Vec<String>,
    /// QTY: (qualifier, quantity, unit). `21` ordered, `12` despatched, `47` invoiced.
    pub quantities: Vec<(String, Decimal, Option<String>)>,
    /// PRI: (qualifier, price). `AAA` net, `AAB` gross, `INV` invoice price.
    pub prices: Vec<(String, Decimal)>,
    /// MOA: (qualifier, amount). `203` line amount, `66` goods item total.
    pub amounts: Vec<(String, Decimal)>,
    pub refs: Vec<(String, String)>,
}

impl ItemLine {
    pub fn quantity(&self, qualifier: &str) -> Option<Decimal> {
        self.quantities.iter().find(|q| q.0 == qualifier).map(|q| q.1)
    }

    pub fn price(&self, qualifier: &str) -> Option<Decimal> {
        self.prices.iter().find(|p| p.0 == qualifier).map(|p| p.1)
    }

    /// MOA 203 (line amount), else MOA 66 (older directories).
    pub fn line_amount(&self) -> Option<Decimal> {
        ["203", "66"]
            .iter()
            .find_map(|q| self.amounts.iter().find(|a| a.0 == *q).map(|a| a.1))
    }
}

/// A CPS package of a DESADV with the lines packed in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub id: String,
    pub parent: Option<String>,
    pub lines: Vec<ItemLine>,
}

/// What every summary shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// UNH01.
    pub reference: String,
    /// BGM01: `220` order, `351` despatch advice, `380` invoice, `381` credit note.
    pub document_code: String,
    /// BGM02.
    pub number: String,
    pub dates: Vec<EdiDate>,
    pub refs: Vec<(String, String)>,
    pub parties: Vec<NadParty>,
    /// CUX reference currency (qualifier 2).
    pub currency: Option<String>,
}

impl Header {
    pub fn party(&self, role: &str) -> Option<&NadParty> {
        self.parties.iter().find(|p| p.role == role)
    }

    pub fn date(&self, qualifier: &str) -> Option<&EdiDate> {
        self.dates.iter().find(|d| d.qualifier == qualifier)
    }

    pub fn reference(&self, qualifier: &str) -> Option<&str> {
        self.refs.iter().find(|r| r.0 == qualifier).map(|r| r.1.as_str())
    }
}

/// An ORDERS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Orders {
    pub header: Header,
    pub lines: Vec<ItemLine>,
    /// CNT 2 (number of lines), as sent.
    pub line_count: Option<Decimal>,
}

/// A DESADV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desadv {
    pub header: Header,
    pub packages: Vec<Package>,
    /// Lines outside any CPS.
    pub lines: Vec<ItemLine>,
}

/// An INVOIC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoic {
    pub header: Header,
    pub lines: Vec<ItemLine>,
    /// MOAs of the summary section, in order (`79` lines total, `9` amount due, `86` message
    /// total, `124` tax, `125` taxable, `128` total, …; tax subtotals repeat qualifiers).
    pub totals: Vec<(String, Decimal)>,
}

impl Invoic {
    /// The first summary MOA with this qualifier.
    pub fn total(&self, qualifier: &str) -> Option<Decimal> {
        self.totals.iter().find(|t| t.0 == qualifier).map(|t| t.1)
    }

    /// A summary MOA as money in the invoice currency, when it fits it exactly.
    pub fn total_money(&self, qualifier: &str) -> Option<Money> {
        let currency = crate::iso4217(self.header.currency.as_deref()?)?;
        self.total(qualifier)?.to_money(currency).ok()
    }

    /// The sum of the lines' amounts.
    pub fn lines_total(&self) -> Option<Decimal> {
        let mut units: i64 = 0;
        let scale = self
            .lines
            .iter()
            .filter_map(|l| l.line_amount())
            .map(|d| d.scale())
            .max()
            .unwrap_or(0);
        for l in &self.lines {
            let d = l.line_amount()?;
            units = units.checked_add(d.units().checked_mul(10i64.checked_pow(scale - d.scale())?)?)?;
        }
        Some(Decimal::new(units, scale))
    }
}

/// The shared walk over a message.
struct Walk {
    header: Header,
    lines: Vec<ItemLine>,
    packages: Vec<Package>,
    totals: Vec<(String, Decimal)>,
    count: Option<Decimal>,
}

fn number(seg: &Segment, n: usize, k: usize) -> Result<Option<Decimal>, EdifactError> {
    seg.get(n, k)
        .map(|t| Decimal::parse_with_mark(t, &['.', ',']).map_err(|e| seg.error(n, e)))
        .transpose()
}

fn joined(seg: &Segment, n: usize) -> Option<String> {
    let parts: Vec<&str> = seg
        .elements
        .get(n - 1)?
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn walk(msg: &Message, kind: &str) -> Result<Walk, EdifactError> {
    if msg.kind != kind {
        return Err(EdifactError::new(
            msg.position,
            msg.line,
            "UNH",
            format!("a {} message is not {kind}", msg.kind),
        ));
    }
    let mut w = Walk {
        header: Header {
            reference: msg.reference.clone(),
            document_code: String::new(),
            number: String::new(),
            dates: Vec::new(),
            refs: Vec::new(),
            parties: Vec::new(),
            currency: None,
        },
        lines: Vec::new(),
        packages: Vec::new(),
        totals: Vec::new(),
        count: None,
    };
    let mut bgm = false;
    let mut summary = false;
    let mut in_party = false;
    for seg in &msg.segments {
        let line_open = !w.lines.is_empty() || w.packages.iter().any(|p| !p.lines.is_empty());
        let party_group = matches!(seg.tag.as_str(), "RFF" | "CTA" | "COM" | "FII" | "LOC");
        in_party = in_party && party_group;
        let current = if let Some(p) = w.packages.last_mut() {
            p.lines.last_mut()
        } else {
            w.lines.last_mut()
        };
        match seg.tag.as_str() {
            "BGM" => {
                bgm = true;
                w.header.document_code = seg.text(1, 1).to_owned();
                w.header.number = seg.text(2, 1).to_owned();
            }
            "DTM" if !line_open => w.header.dates.push(EdiDate {
                qualifier: seg.text(1, 1).to_owned(),
                value: seg.text(1, 2).to_owned(),
                format: seg.get(1, 3).map(str::to_owned),
            }),
            "RFF" => {
                let r = (seg.text(1, 1).to_owned(), seg.text(1, 2).to_owned());
                match (in_party, current) {
                    (true, _) if !line_open => {
                        if let Some(p) = w.header.parties.last_mut() {
                            p.refs.push(r);
                        }
                    }
                    (_, Some(line)) => line.refs.push(r),
                    _ => w.header.refs.push(r),
                }
            }
            "NAD" if !line_open => {
                in_party = true;
                w.header.parties.push(NadParty {
                    role: seg.text(1, 1).to_owned(),
                    id: seg.get(2, 1).map(str::to_owned),
                    id_agency: seg.get(2, 3).map(str::to_owned),
                    name: joined(seg, 4).or_else(|| joined(seg, 3)),
                    street: seg
                        .elements
                        .get(4)
                        .map(|e| e.iter().filter(|s| !s.is_empty()).cloned().collect())
                        .unwrap_or_default(),
                    city: seg.get(6, 1).map(str::to_owned),
                    postal_code: seg.get(8, 1).map(str::to_owned),
                    country: seg.get(9, 1).map(str::to_owned),
                    refs: Vec::new(),
                });
            }
            "CUX" if w.header.currency.is_none() => w.header.currency = seg.get(1, 2).map(str::to_owned),
            "CPS" => w.packages.push(Package {
                id: seg.text(1, 1).to_owned(),
                parent: seg.get(2, 1).map(str::to_owned),
                lines: Vec::new(),
            }),
            "LIN" => {
                let line = ItemLine {
                    number: seg.text(1, 1).to_owned(),
                    item_id: seg.get(3, 1).map(str::to_owned),
                    item_id_type: seg.get(3, 2).map(str::to_owned),
                    extra_ids: Vec::new(),
                    descriptions: Vec::new(),
                    quantities: Vec::new(),
                    prices: Vec::new(),
                    amounts: Vec::new(),
                    refs: Vec::new(),
                };
                match w.packages.last_mut() {
                    Some(p) => p.lines.push(line),
                    None => w.lines.push(line),
                }
            }
            "UNS" => summary = seg.get(1, 1) == Some("S"),
            "MOA" if summary => {
                if let Some(d) = number(seg, 1, 2)? {
                    w.totals.push((seg.text(1, 1).to_owned(), d));
                }
            }
            "CNT" if seg.get(1, 1) == Some("2") => w.count = number(seg, 1, 2)?,
            tag => {
                if let (Some(line), false) = (current, summary) {
                    read_line_segment(seg, tag, line)?;
                }
            }
        }
    }
    if !bgm {
        return Err(EdifactError::new(
            msg.position,
            msg.line,
            "UNH",
            format!("the {kind} has no BGM"),
        ));
    }
    Ok(w)
}

fn read_line_segment(seg: &Segment, tag: &str, line: &mut ItemLine) -> Result<(), EdifactError> {
    match tag {
        "PIA" => {
            for n in 2..=seg.elements.len() {
                if let Some(id) = seg.get(n, 1) {
                    line.extra_ids.push((id.to_owned(), seg.get(n, 2).map(str::to_owned)));
                }
            }
        }
        "IMD" => line.descriptions.extend(
            (4..=5)
                .filter_map(|k| seg.get(3, k))
                .map(|s| s.trim().to_owned())
                .reduce(|a, b| format!("{a} {b}")),
        ),
        "QTY" => {
            if let Some(q) = number(seg, 1, 2)? {
                line.quantities
                    .push((seg.text(1, 1).to_owned(), q, seg.get(1, 3).map(str::to_owned)));
            }
        }
        "PRI" => {
            if let Some(p) = number(seg, 1, 2)? {
                line.prices.push((seg.text(1, 1).to_owned(), p));
            }
        }
        "MOA" => {
            if let Some(a) = number(seg, 1, 2)? {
                line.amounts.push((seg.text(1, 1).to_owned(), a));
            }
        }
        _ => {}
    }
    Ok(())
}

impl Orders {
    pub fn read(msg: &Message) -> Result<Orders, EdifactError> {
        let w = walk(msg, "ORDERS")?;
        Ok(Orders {
            header: w.header,
            lines: w.lines,
            line_count: w.count,
        })
    }
}

impl Desadv {
    pub fn read(msg: &Message) -> Result<Desadv, EdifactError> {
        let w = walk(msg, "DESADV")?;
        Ok(Desadv {
            header: w.header,
            packages: w.packages,
            lines: w.lines,
        })
    }

    /// Every line, packed or not.
    pub fn all_lines(&self) -> impl Iterator<Item = &ItemLine> {
        self.lines
            .iter()
            .chain(self.packages.iter().flat_map(|p| p.lines.iter()))
    }
}

impl Invoic {
    pub fn read(msg: &Message) -> Result<Invoic, EdifactError> {
        let w = walk(msg, "INVOIC")?;
        Ok(Invoic {
            header: w.header,
            lines: w.lines,
            totals: w.totals,
        })
    }
}
