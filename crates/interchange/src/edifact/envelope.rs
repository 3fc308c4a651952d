//! EDIFACT envelopes: UNB/UNZ interchange, optional UNG/UNE groups, UNH/UNT messages, and the
//! syntax-4 packages (UNO/UNP) that may sit between messages.
//!
//! As in the X12 reader, every trailer is checked against its header (UNT01 counts UNH to UNT,
//! UNE01 the group's messages, UNZ01 the groups, or else the messages and packages) and the
//! references must repeat; each fault is an [`Issue`] naming the segment, its line and element.
//! [`Interchange::parse`] fails on the first error, [`Interchange::parse_lenient`] keeps them
//! so a message can still be summarised (the staedi ORDERS sample's UNT count is deliberately
//! wrong). Header oddities that do not hide data (a UNH version that is not `D`, a group whose
//! version differs from its message's) are warnings.

use super::syntax::{Segment, ServiceChars, tokenize};
use super::{EdifactError, Issue};
use crate::x12::Severity;
use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// An interchange party (UNB S002/S003, NAD-like id with its code qualifier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyId {
    pub id: String,
    pub qualifier: Option<String>,
}

/// One UNB…UNZ interchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interchange {
    pub chars: ServiceChars,
    /// Whether the service characters came from a UNA.
    pub una: bool,
    /// UNB S001: syntax id (`UNOA`, `UNOC`, `UNOW`, …) and version (`3`, `4`).
    pub syntax: String,
    pub syntax_version: String,
    pub sender: PartyId,
    pub recipient: PartyId,
    pub date: Option<Date>,
    /// HHMM as sent.
    pub time: String,
    /// UNB 0020.
    pub control_reference: String,
    pub groups: Vec<Group>,
    /// Every message, inside groups or not, in order.
    pub messages: Vec<Message>,
    /// Binary objects (UNO…UNP) skipped: their UNO position and length.
    pub packages: Vec<(usize, usize)>,
    pub issues: Vec<Issue>,
}

/// A UNG…UNE group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub position: usize,
    /// UNG01, e.g. `ORDERS`.
    pub kind: String,
    /// UNG05.
    pub reference: String,
    /// UNG07 as `version:release:association`.
    pub version: String,
    /// Indexes into [`Interchange::messages`].
    pub messages: Vec<usize>,
}

/// One UNH…UNT message: its body segments (between UNH and UNT).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Position of the UNH.
    pub position: usize,
    pub line: usize,
    /// UNH01.
    pub reference: String,
    /// S009: type (`ORDERS`), version (`D`), release (`96A`), agency (`UN`), association
    /// (`EAN008`).
    pub kind: String,
    pub version: String,
    pub release: String,
    pub agency: String,
    pub association: Option<String>,
    pub segments: Vec<Segment>,
    /// UNT01 as sent.
    pub declared_segments: Option<u32>,
}

fn issue(severity: Severity, seg: &Segment, n: usize, reason: String) -> Issue {
    Issue {
        severity,
        segment: seg.position,
        line: seg.line,
        tag: seg.tag.clone(),
        element: (n > 0).then(|| seg.name(n)),
        reason,
    }
}

fn error(seg: &Segment, n: usize, reason: String) -> Issue {
    issue(Severity::Error, seg, n, reason)
}

/// YYMMDD or CCYYMMDD.
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
    Date::from_calendar_date(year, month, n(&rest[2..4])? as u8).ok()
}

fn count(seg: &Segment) -> Option<u32> {
    let t = seg.get(1, 1)?;
    if t.len() <= 10 && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse().ok()
    } else {
        None
    }
}

impl Interchange {
    /// Reads an interchange and fails on the first error.
    pub fn parse(input: &[u8]) -> Result<Interchange, EdifactError> {
        let ic = Interchange::parse_lenient(input)?;
        if let Some(e) = ic.issues.iter().find(|i| i.severity == Severity::Error) {
            return Err(e.to_error());
        }
        Ok(ic)
    }

    /// Reads an interchange, keeping envelope faults as issues. Fails only when there is no
    /// readable UNB.
    pub fn parse_lenient(input: &[u8]) -> Result<Interchange, EdifactError> {
        let tokens = tokenize(input)?;
        let mut segs = tokens.segments.into_iter();
        let unb = segs
            .next()
            .ok_or_else(|| EdifactError::new(0, 0, "", "no segments: this is not an EDIFACT interchange"))?;
        if unb.tag != "UNB" {
            return Err(unb.error(0, "an interchange starts with UNB (after an optional UNA)"));
        }
        let reference = unb
            .get(5, 1)
            .ok_or_else(|| unb.error(5, "the interchange control reference is missing"))?;
        let mut ic = Interchange {
            chars: tokens.chars,
            una: tokens.una,
            syntax: unb.text(1, 1).to_owned(),
            syntax_version: unb.text(1, 2).to_owned(),
            sender: PartyId {
                id: unb.text(2, 1).to_owned(),
                qualifier: unb.get(2, 2).map(str::to_owned),
            },
            recipient: PartyId {
                id: unb.text(3, 1).to_owned(),
                qualifier: unb.get(3, 2).map(str::to_owned),
            },
            date: parse_date(unb.text(4, 1)),
            time: unb.text(4, 2).to_owned(),
            control_reference: reference.to_owned(),
            groups: Vec::new(),
            messages: Vec::new(),
            packages: tokens.packages,
            issues: Vec::new(),
        };
        if ic.date.is_none() {
            ic.issues
                .push(error(&unb, 4, format!("'{}' is not a date", unb.text(4, 1))));
        }
        if ic.chars.repetition.is_none() && ic.syntax_version == "4" && !ic.una {
            ic.chars.repetition = Some('*');
        }
        if let Some(p) = tokens.unterminated {
            ic.issues.push(Issue {
                severity: Severity::Warning,
                segment: p,
                line: 0,
                tag: String::new(),
                element: None,
                reason: "the last segment has no terminator".into(),
            });
        }
        let mut group: Option<(Group, Segment)> = None;
        let mut message: Option<Message> = None;
        let mut last = unb.clone();
        let mut closed = false;
        for seg in segs {
            last = seg.clone();
            if closed {
                ic.issues.push(error(&seg, 0, "data after the UNZ".into()));
                break;
            }
            match seg.tag.as_str() {
                "UNH" => {
                    if let Some(m) = message.take() {
                        ic.issues.push(error(
                            &seg,
                            0,
                            format!("message '{}' has no UNT before this UNH", m.reference),
                        ));
                        ic.push_message(m, &mut group);
                    }
                    message = Some(start_message(&seg, group.as_ref(), &mut ic.issues));
                }
                "UNT" => match message.take() {
                    Some(mut m) => {
                        let actual = m.segments.len() + 2;
                        m.declared_segments = count(&seg);
                        if m.declared_segments.map(|n| n as usize) != Some(actual) {
                            ic.issues.push(error(
                                &seg,
                                1,
                                format!(
                                    "says '{}' segments, but message '{}' has {actual} (UNH to UNT)",
                                    seg.text(1, 1),
                                    m.reference
                                ),
                            ));
                        }
                        if seg.text(2, 1) != m.reference {
                            ic.issues.push(error(
                                &seg,
                                2,
                                format!("'{}' does not match UNH01 '{}'", seg.text(2, 1), m.reference),
                            ));
                        }
                        ic.push_message(m, &mut group);
                    }
                    None => ic.issues.push(error(&seg, 0, "a UNT without its UNH".into())),
                },
                "UNG" => {
                    ic.close_message(&mut message, &seg, &mut group);
                    if let Some((g, _)) = group.take() {
                        ic.issues.push(error(
                            &seg,
                            0,
                            format!("group '{}' has no UNE before this UNG", g.reference),
                        ));
                        ic.groups.push(g);
                    }
                    let version = (1..=3).map(|k| seg.text(7, k)).collect::<Vec<_>>().join(":");
                    group = Some((
                        Group {
                            position: seg.position,
                            kind: seg.text(1, 1).to_owned(),
                            reference: seg.text(5, 1).to_owned(),
                            version,
                            messages: Vec::new(),
                        },
                        seg,
                    ));
                }
                "UNE" => {
                    ic.close_message(&mut message, &seg, &mut group);
                    match group.take() {
                        Some((g, _)) => {
                            if count(&seg).map(|n| n as usize) != Some(g.messages.len()) {
                                ic.issues.push(error(
                                    &seg,
                                    1,
                                    format!(
                                        "says '{}' messages, but group '{}' has {}",
                                        seg.text(1, 1),
                                        g.reference,
                                        g.messages.len()
                                    ),
                                ));
                            }
                            if seg.text(2, 1) != g.reference {
                                ic.issues.push(error(
                                    &seg,
                                    2,
                                    format!("'{}' does not match UNG05 '{}'", seg.text(2, 1), g.reference),
                                ));
                            }
                            ic.groups.push(g);
                        }
                        None => ic.issues.push(error(&seg, 0, "a UNE without its UNG".into())),
                    }
                }
                "UNZ" => {
                    ic.close_message(&mut message, &seg, &mut group);
                    if let Some((g, _)) = group.take() {
                        ic.issues.push(error(
                            &seg,
                            0,
                            format!("group '{}' has no UNE before the UNZ", g.reference),
                        ));
                        ic.groups.push(g);
                    }
                    closed = true;
                    let (expected, what) = if ic.groups.is_empty() {
                        (ic.messages.len() + ic.packages.len(), "messages and packages")
                    } else {
                        (ic.groups.len(), "groups")
                    };
                    if count(&seg).map(|n| n as usize) != Some(expected) {
                        ic.issues.push(error(
                            &seg,
                            1,
                            format!("says '{}', but the interchange has {expected} {what}", seg.text(1, 1)),
                        ));
                    }
                    if seg.text(2, 1) != ic.control_reference {
                        ic.issues.push(error(
                            &seg,
                            2,
                            format!(
                                "'{}' does not match the UNB control reference '{}'",
                                seg.text(2, 1),
                                ic.control_reference
                            ),
                        ));
                    }
                }
                "UNO" | "UNP" if message.is_none() => {
                    if seg.tag == "UNP" {
                        let found = check_package(&seg, &ic.packages);
                        ic.issues.extend(found);
                    }
                }
                _ => match message.as_mut() {
                    Some(m) => m.segments.push(seg),
                    None => ic.issues.push(error(&seg, 0, format!("{} outside a message", seg.tag))),
                },
            }
        }
        if !closed {
            ic.close_message(&mut message, &last, &mut group);
            if let Some((g, _)) = group.take() {
                ic.groups.push(g);
            }
            ic.issues
                .push(error(&last, 0, "the interchange has no UNZ: the data ends here".into()));
        }
        ic.issues.sort_by_key(|i| i.segment);
        Ok(ic)
    }

    fn push_message(&mut self, m: Message, group: &mut Option<(Group, Segment)>) {
        if let Some((g, _)) = group.as_mut() {
            g.messages.push(self.messages.len());
        }
        self.messages.push(m);
    }

    fn close_message(&mut self, message: &mut Option<Message>, at: &Segment, group: &mut Option<(Group, Segment)>) {
        if let Some(m) = message.take() {
            self.issues.push(error(
                at,
                0,
                format!("message '{}' has no UNT before this {}", m.reference, at.tag),
            ));
            self.push_message(m, group);
        }
    }

    /// Messages of one type (`ORDERS`, `DESADV`, `INVOIC`).
    pub fn messages_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Message> + 'a {
        self.messages.iter().filter(move |m| m.kind == kind)
    }

    pub fn warnings(&self) -> Vec<&Issue> {
        self.issues.iter().filter(|i| i.severity == Severity::Warning).collect()
    }

    pub fn errors(&self) -> Vec<&Issue> {
        self.issues.iter().filter(|i| i.severity == Severity::Error).collect()
    }
}

/// UNP must repeat the UNO's length and reference.
fn check_package(unp: &Segment, packages: &[(usize, usize)]) -> Vec<Issue> {
    let mut out = Vec::new();
    match packages.iter().find(|(p, _)| *p == unp.position - 1) {
        Some((_, len)) => {
            if unp.text(1, 1) != len.to_string() {
                out.push(error(
                    unp,
                    1,
                    format!("'{}' does not match the UNO length {len}", unp.text(1, 1)),
                ));
            }
        }
        None => out.push(error(unp, 0, "a UNP without its UNO".into())),
    }
    out
}

fn start_message(unh: &Segment, group: Option<&(Group, Segment)>, issues: &mut Vec<Issue>) -> Message {
    let m = Message {
        position: unh.position,
        line: unh.line,
        reference: unh.text(1, 1).to_owned(),
        kind: unh.text(2, 1).to_owned(),
        version: unh.text(2, 2).to_owned(),
        release: unh.text(2, 3).to_owned(),
        agency: unh.text(2, 4).to_owned(),
        association: unh.get(2, 5).map(str::to_owned),
        segments: Vec::new(),
        declared_segments: None,
    };
    if m.reference.is_empty() || m.kind.is_empty() {
        issues.push(error(unh, 0, "UNH needs a message reference and type".into()));
    }
    if m.version != "D" && m.version != "S" {
        issues.push(issue(
            Severity::Warning,
            unh,
            2,
            format!(
                "message version '{}' is neither D (directory) nor S; read as {}:{}",
                m.version, m.kind, m.release
            ),
        ));
    }
    if let Some((g, _)) = group {
        let mine = format!("{}:{}:{}", m.version, m.release, m.association.as_deref().unwrap_or(""));
        if g.kind != m.kind {
            issues.push(issue(
                Severity::Warning,
                unh,
                2,
                format!("a {} message in a {} group", m.kind, g.kind),
            ));
        } else if !g.version.is_empty() && g.version != mine {
            issues.push(issue(
                Severity::Warning,
                unh,
                2,
                format!("the group (UNG07) says {}, the message says {mine}", g.version),
            ));
        }
    }
    m
}
