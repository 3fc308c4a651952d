//! Writing X12: the envelopes around one transaction set, and the element checks every writer
//! goes through.
//!
//! The ISA is fixed width (ids padded to 15, ISA13 nine digits), so a receiver that reads it by
//! offset gets the same delimiters a counting reader does. Control numbers are given by the
//! caller ([`ControlNumbers`]): the app keeps the sequences, this crate never invents one. SE01
//! is counted here from what was written, never taken from the caller. Each interchange holds one
//! group with one set, which is how Aftercart sends documents (one per business event) and what
//! partners' translators expect.
//!
//! Element text is checked as it is added: printable ASCII only (X12's character set; a
//! non-ASCII name must be transliterated by the app), no delimiter, not longer than the element
//! allows, and an optional field present but empty is refused (it could not be read back as
//! present). Each refusal names the model field and the X12 element. Segments end with `~` and a
//! line break, which every reader (this one and x12-types included) skips.

use super::envelope::Usage;
use super::segments::Delimiters;
use super::{WriteError, common::Party};
use aftercart_domain::money::{Currency, Money};
use serde::{Deserialize, Serialize};
use time::{Date, PrimitiveDateTime, Time};

/// The X12 release a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Version {
    V4010,
    V5010,
}

impl Version {
    pub fn isa12(self) -> &'static str {
        match self {
            Version::V4010 => "00401",
            Version::V5010 => "00501",
        }
    }

    pub fn gs08(self) -> &'static str {
        match self {
            Version::V4010 => "004010",
            Version::V5010 => "005010",
        }
    }

    pub fn delimiters(self) -> Delimiters {
        match self {
            Version::V4010 => Delimiters::V4010,
            Version::V5010 => Delimiters::V5010,
        }
    }
}

/// An interchange id: ISA05/07 qualifier (`01` DUNS, `12` phone, `14` DUNS+suffix, `ZZ` mutually
/// defined, …) and the id (at most 15 characters; padded on write).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerId {
    pub qualifier: String,
    pub id: String,
}

/// Who sends to whom, when, in which release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub sender: PartnerId,
    pub receiver: PartnerId,
    /// GS02; the ISA sender id when `None`.
    pub application_sender: Option<String>,
    /// GS03; the ISA receiver id when `None`.
    pub application_receiver: Option<String>,
    pub version: Version,
    pub usage: Usage,
    /// ISA14: ask for a TA1.
    pub ack_requested: bool,
    /// ISA09/10 and GS04/05 (the caller's clock).
    pub at: PrimitiveDateTime,
}

/// The control numbers of what is being sent: ISA13, GS06, ST02. The app allocates them and
/// records them to match the 997 that comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ControlNumbers {
    pub interchange: u32,
    pub group: u32,
    pub transaction_set: u32,
}

impl ControlNumbers {
    /// ST02 as written: at least four digits.
    pub fn st02(&self) -> String {
        format!("{:04}", self.transaction_set)
    }
}

pub(crate) fn usd() -> Currency {
    Currency::parse("USD", "currency").unwrap_or_else(|_| unreachable!("USD is three upper-case letters"))
}

/// The body of one transaction set being written (segments between ST and SE).
pub(crate) struct SetWriter {
    delims: Delimiters,
    segments: Vec<String>,
}

/// One element: model field label, text, maximum length.
pub(crate) type El<'a> = (&'a str, &'a str, usize);

pub(crate) fn check_text(
    delims: &Delimiters,
    field: &str,
    element: &str,
    text: &str,
    max: usize,
) -> Result<(), WriteError> {
    let reason = |why: String| WriteError::new(field, format!("{element}: {why}"));
    for c in text.chars() {
        if delims.is_delimiter(c) {
            let what = if c == delims.element {
                "the element separator"
            } else if c == delims.component {
                "the component separator"
            } else if c == delims.segment {
                "the segment terminator"
            } else {
                "the repetition separator"
            };
            return Err(reason(format!("contains '{c}', {what}")));
        }
        if !(' '..='~').contains(&c) {
            return Err(reason(format!("contains {c:?}, which is not printable ASCII")));
        }
    }
    let len = text.chars().count();
    if len > max {
        return Err(reason(format!("is {len} characters, at most {max} are allowed")));
    }
    Ok(())
}

impl SetWriter {
    pub fn new(version: Version) -> SetWriter {
        SetWriter {
            delims: version.delimiters(),
            segments: Vec::new(),
        }
    }

    /// Adds a segment. `ctx` prefixes the field labels (e.g. `lines[2]`); empty elements stay
    /// as placeholders except at the end, where X12 drops them.
    pub fn seg(&mut self, ctx: &str, id: &str, elements: &[El<'_>]) -> Result<(), WriteError> {
        let mut out = String::from(id);
        let keep = elements.iter().rposition(|e| !e.1.is_empty()).map_or(0, |i| i + 1);
        for (n, (label, text, max)) in elements.iter().enumerate().take(keep) {
            let field = if ctx.is_empty() {
                (*label).to_owned()
            } else {
                format!("{ctx}.{label}")
            };
            check_text(&self.delims, &field, &format!("{id}{:02}", n + 1), text, *max)?;
            out.push(self.delims.element);
            out.push_str(text);
        }
        self.segments.push(out);
        Ok(())
    }

    /// An N1 loop: N1, N2, N3 (two lines each), N4, REF, PER.
    pub fn party(&mut self, ctx: &str, p: &Party) -> Result<(), WriteError> {
        present(ctx, "role", Some(&p.role))?;
        for (label, v) in [("name", &p.name), ("id_qualifier", &p.id_qualifier), ("id", &p.id)] {
            present(ctx, label, v.as_ref())?;
        }
        if p.id_qualifier.is_some() != p.id.is_some() {
            return Err(WriteError::new(
                format!("{ctx}.id"),
                "N103 and N104 go together: give both the id qualifier and the id, or neither",
            ));
        }
        if p.name.is_none() && p.id.is_none() {
            return Err(WriteError::new(
                format!("{ctx}.name"),
                "N1 needs a name (N102) or an id (N104)",
            ));
        }
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        self.seg(
            ctx,
            "N1",
            &[
                ("role", &p.role, 3),
                ("name", &s(&p.name), 60),
                ("id_qualifier", &s(&p.id_qualifier), 2),
                ("id", &s(&p.id), 80),
            ],
        )?;
        for (i, pair) in p.extra_names.chunks(2).enumerate() {
            let second = pair.get(1).map_or("", String::as_str);
            present(ctx, &format!("extra_names[{}]", 2 * i), Some(&pair[0]))?;
            self.seg(ctx, "N2", &[("extra_names", &pair[0], 60), ("extra_names", second, 60)])?;
        }
        let a = &p.address;
        for (i, pair) in a.lines.chunks(2).enumerate() {
            let second = pair.get(1).map_or("", String::as_str);
            for (k, line) in pair.iter().enumerate() {
                present(ctx, &format!("address.lines[{}]", 2 * i + k), Some(line))?;
            }
            self.seg(
                ctx,
                "N3",
                &[("address.lines", &pair[0], 55), ("address.lines", second, 55)],
            )?;
        }
        for (label, v) in [
            ("address.city", &a.city),
            ("address.state", &a.state),
            ("address.postal_code", &a.postal_code),
            ("address.country", &a.country),
        ] {
            present(ctx, label, v.as_ref())?;
        }
        if a.city.is_some() || a.state.is_some() || a.postal_code.is_some() || a.country.is_some() {
            self.seg(
                ctx,
                "N4",
                &[
                    ("address.city", &s(&a.city), 30),
                    ("address.state", &s(&a.state), 2),
                    ("address.postal_code", &s(&a.postal_code), 15),
                    ("address.country", &s(&a.country), 3),
                ],
            )?;
        }
        for (i, r) in p.refs.iter().enumerate() {
            self.reference(&format!("{ctx}.refs[{i}]"), r)?;
        }
        for (i, c) in p.contacts.iter().enumerate() {
            let ctx = format!("{ctx}.contacts[{i}]");
            present(&ctx, "function", Some(&c.function))?;
            present(&ctx, "name", c.name.as_ref())?;
            if c.channels.len() > 3 {
                return Err(WriteError::new(
                    format!("{ctx}.channels"),
                    "PER holds at most three channels",
                ));
            }
            let mut els: Vec<El<'_>> = vec![
                ("function", &c.function, 2),
                ("name", c.name.as_deref().unwrap_or(""), 60),
            ];
            for (q, v) in &c.channels {
                present(&ctx, "channels", Some(q))?;
                present(&ctx, "channels", Some(v))?;
                els.push(("channels.qualifier", q, 2));
                els.push(("channels.value", v, 256));
            }
            self.seg(&ctx, "PER", &els)?;
        }
        Ok(())
    }

    pub fn reference(&mut self, ctx: &str, r: &super::common::Reference) -> Result<(), WriteError> {
        present(ctx, "qualifier", Some(&r.qualifier))?;
        present(ctx, "value", Some(&r.value))?;
        present(ctx, "description", r.description.as_ref())?;
        self.seg(
            ctx,
            "REF",
            &[
                ("qualifier", &r.qualifier, 3),
                ("value", &r.value, 50),
                ("description", r.description.as_deref().unwrap_or(""), 80),
            ],
        )
    }

    pub fn len(&self) -> usize {
        self.segments.len()
    }
}

/// An optional text given must not be empty: it could not be read back as given.
pub(crate) fn present(ctx: &str, label: &str, v: Option<&String>) -> Result<(), WriteError> {
    match v {
        Some(s) if s.is_empty() => Err(WriteError::new(
            if ctx.is_empty() {
                label.to_owned()
            } else {
                format!("{ctx}.{label}")
            },
            "is empty: leave it out instead",
        )),
        _ => Ok(()),
    }
}

pub(crate) fn ccyymmdd(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

/// HHMM, or HHMMSS when there are seconds.
pub(crate) fn hhmm(t: Time) -> String {
    if t.second() == 0 {
        format!("{:02}{:02}", t.hour(), t.minute())
    } else {
        format!("{:02}{:02}{:02}", t.hour(), t.minute(), t.second())
    }
}

/// Money as X12 `R` text (`12.34`, `1200` for JPY).
pub(crate) fn decimal_text(m: Money) -> String {
    m.amount_string()
}

/// Money as X12 `N2` text (two implied decimals): 2554.38 → `255438`.
pub(crate) fn n2_text(field: &str, m: Money) -> Result<String, WriteError> {
    let exp = m.currency().exponent();
    let n = if exp <= 2 {
        m.minor().checked_mul(10i64.pow(2 - exp))
    } else {
        let f = 10i64.pow(exp - 2);
        (m.minor() % f == 0).then(|| m.minor() / f)
    };
    n.map(|n| n.to_string())
        .ok_or_else(|| WriteError::new(field, format!("{m} cannot be written with two implied decimals (N2)")))
}

fn check_control(field: &str, n: u32) -> Result<(), WriteError> {
    if (1..=999_999_999).contains(&n) {
        Ok(())
    } else {
        Err(WriteError::new(
            field,
            format!("{n} is not a control number (1 to 999999999)"),
        ))
    }
}

/// Wraps one transaction set in ST/SE, GS/GE and ISA/IEA.
pub(crate) fn interchange(
    env: &Envelope,
    ctl: &ControlNumbers,
    functional_id: &str,
    set_id: &str,
    body: SetWriter,
) -> Result<String, WriteError> {
    check_control("control.interchange", ctl.interchange)?;
    check_control("control.group", ctl.group)?;
    check_control("control.transaction_set", ctl.transaction_set)?;
    let d = env.version.delimiters();
    for (field, p) in [("envelope.sender", &env.sender), ("envelope.receiver", &env.receiver)] {
        check_text(&d, &format!("{field}.qualifier"), "ISA05", &p.qualifier, 2)?;
        if p.qualifier.len() != 2 {
            return Err(WriteError::new(
                format!("{field}.qualifier"),
                "ISA05/07: must be two characters",
            ));
        }
        check_text(&d, &format!("{field}.id"), "ISA06", &p.id, 15)?;
        if p.id.trim().is_empty() {
            return Err(WriteError::new(format!("{field}.id"), "ISA06/08: is empty"));
        }
    }
    let app_sender = env.application_sender.as_deref().unwrap_or(&env.sender.id);
    let app_receiver = env.application_receiver.as_deref().unwrap_or(&env.receiver.id);
    for (field, v) in [
        ("envelope.application_sender", app_sender),
        ("envelope.application_receiver", app_receiver),
    ] {
        check_text(&d, field, "GS02", v, 15)?;
        if v.len() < 2 {
            return Err(WriteError::new(field, "GS02/03: at least two characters"));
        }
    }
    let e = d.element;
    let date = env.at.date();
    let time = env.at.time();
    let repetition = d.repetition.unwrap_or('U');
    let mut out = String::new();
    let mut push = |s: String| {
        out.push_str(&s);
        out.push(d.segment);
        out.push('\n');
    };
    push(format!(
        "ISA{e}00{e}{:10}{e}00{e}{:10}{e}{}{e}{:<15}{e}{}{e}{:<15}{e}{:02}{:02}{:02}{e}{:02}{:02}{e}{repetition}{e}{}{e}{:09}{e}{}{e}{}{e}{}",
        "",
        "",
        env.sender.qualifier,
        env.sender.id,
        env.receiver.qualifier,
        env.receiver.id,
        date.year().rem_euclid(100),
        u8::from(date.month()),
        date.day(),
        time.hour(),
        time.minute(),
        env.version.isa12(),
        ctl.interchange,
        if env.ack_requested { 1 } else { 0 },
        env.usage.code(),
        d.component,
    ));
    push(format!(
        "GS{e}{functional_id}{e}{app_sender}{e}{app_receiver}{e}{}{e}{:02}{:02}{e}{}{e}X{e}{}",
        ccyymmdd(date),
        time.hour(),
        time.minute(),
        ctl.group,
        env.version.gs08()
    ));
    let st02 = ctl.st02();
    push(format!("ST{e}{set_id}{e}{st02}"));
    let count = body.len() + 2;
    for s in body.segments {
        push(s);
    }
    push(format!("SE{e}{count}{e}{st02}"));
    push(format!("GE{e}1{e}{}", ctl.group));
    push(format!("IEA{e}1{e}{:09}", ctl.interchange));
    Ok(out)
}
