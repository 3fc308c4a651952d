//! The three X12 envelopes (ISA/IEA interchange, GS/GE functional group, ST/SE transaction set)
//! and their control checks.
//!
//! Every trailer repeats its header's control number and counts what it closes: SE01 the
//! segments from ST to SE, GE01 the sets, IEA01 the groups. A mismatch means data was lost or
//! glued together in transit, so each one is an error [`Issue`] naming the trailer segment and
//! the element. They are collected rather than thrown so that [`Interchange::parse_lenient`] can
//! still hand the rest to a 997 ([`super::Ack997::for_group`]) that tells the sender exactly
//! which set failed; [`Interchange::parse`] fails on the first. Only an unreadable ISA or GS
//! header (whose control number a reply would have to quote) stops reading altogether.
//!
//! [`InterchangeKey`] is what identifies an interchange across resends (same sender, receiver
//! and ISA13); recognising a resend is the app's job, which stores the keys it has seen.

use super::common::{parse_date, parse_time};
use super::segments::{Delimiters, Segment, tokenize};
use super::{Issue, IssueKind, Severity, X12Error};
use serde::{Deserialize, Serialize};
use time::{Date, Time};

/// ISA15: what the interchange is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Usage {
    Production,
    Test,
    Information,
}

impl Usage {
    pub fn code(self) -> &'static str {
        match self {
            Usage::Production => "P",
            Usage::Test => "T",
            Usage::Information => "I",
        }
    }
}

/// The ISA segment, with its padded fields trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsaHeader {
    pub authorization_qualifier: String,
    pub authorization: String,
    pub security_qualifier: String,
    pub security: String,
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_qualifier: String,
    pub receiver_id: String,
    pub date: Date,
    pub time: Time,
    /// ISA12, e.g. `00401`, `00501`.
    pub version: String,
    /// ISA13.
    pub control_number: u32,
    pub ack_requested: bool,
    pub usage: Usage,
}

/// What identifies an interchange when it is sent again: the app keeps these for what it has
/// received and treats a second arrival of the same key as a resend.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InterchangeKey {
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_id: String,
    pub control_number: u32,
}

/// One ISA…IEA interchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interchange {
    pub delimiters: Delimiters,
    pub header: IsaHeader,
    pub groups: Vec<FunctionalGroup>,
    /// IEA01 as sent (`None` when there is no IEA).
    pub declared_groups: Option<u32>,
    /// Faults of the interchange itself (layout, IEA); those of groups and sets are on them.
    pub issues: Vec<Issue>,
}

/// One GS…GE functional group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionalGroup {
    /// Position of the GS segment.
    pub position: usize,
    /// GS01, e.g. `PO`, `IN`.
    pub functional_id: String,
    pub application_sender: String,
    pub application_receiver: String,
    pub date: Option<Date>,
    pub time: Option<Time>,
    /// GS06.
    pub control_number: u32,
    pub agency: String,
    /// GS08, e.g. `004010`, `005010`, `004010VICS`.
    pub version: String,
    pub sets: Vec<TransactionSet>,
    /// GE01 as sent.
    pub declared_sets: Option<u32>,
    pub issues: Vec<Issue>,
}

/// One ST…SE transaction set: its body segments (between ST and SE) for a typed reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionSet {
    /// Position of the ST segment.
    pub position: usize,
    /// ST01, e.g. `850`.
    pub id: String,
    /// ST02.
    pub control_number: String,
    /// ST03 (005010 on).
    pub implementation_reference: Option<String>,
    /// The group's GS08.
    pub version: String,
    pub delimiters: Delimiters,
    pub segments: Vec<Segment>,
    /// SE01 as sent.
    pub declared_segments: Option<u32>,
    pub issues: Vec<Issue>,
}

impl TransactionSet {
    /// Whether an envelope error was found on this set (it should not be processed).
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.severity == Severity::Error)
    }
}

/// The GS01 code a transaction set belongs under, for the sets Aftercart knows.
pub fn functional_id_for(set_id: &str) -> Option<&'static str> {
    Some(match set_id {
        "850" => "PO",
        "855" => "PR",
        "856" => "SH",
        "810" => "IN",
        "997" | "999" => "FA",
        "860" => "PC",
        "865" => "CA",
        "846" => "IB",
        "820" => "RA",
        "824" => "AG",
        "940" => "OW",
        "945" => "SW",
        _ => return None,
    })
}

fn issue(severity: Severity, kind: IssueKind, seg: &Segment, element: usize, reason: String) -> Issue {
    Issue {
        severity,
        kind,
        segment: seg.position,
        segment_id: seg.id.clone(),
        element: (element > 0).then(|| seg.name(element)),
        reason,
    }
}

fn error(kind: IssueKind, seg: &Segment, element: usize, reason: String) -> Issue {
    issue(Severity::Error, kind, seg, element, reason)
}

fn count(seg: &Segment, n: usize) -> Option<u32> {
    let t = seg.get(n)?;
    if t.len() <= 10 && t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse().ok()
    } else {
        None
    }
}

/// Two control numbers agree: numerically when both are digits (GE02 `1` and GS06 `000000001`
/// name the same group), else exactly.
fn same_control(a: &str, b: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if digits(a) && digits(b) {
        a.trim_start_matches('0') == b.trim_start_matches('0')
    } else {
        a == b
    }
}

fn read_isa(isa: &Segment) -> Result<IsaHeader, X12Error> {
    if isa.elements.len() != 16 {
        return Err(isa.error(0, format!("has {} elements, ISA has 16", isa.elements.len())));
    }
    let control = isa.text(13);
    if control.len() != 9 || !control.bytes().all(|b| b.is_ascii_digit()) {
        return Err(isa.error(13, format!("'{control}' is not a 9-digit control number")));
    }
    let date = isa.text(9);
    let date = (date.len() == 6)
        .then(|| parse_date(date))
        .flatten()
        .ok_or_else(|| isa.error(9, format!("'{date}' is not a YYMMDD date")))?;
    let time = parse_time(isa.text(10)).ok_or_else(|| isa.error(10, "is not an HHMM time"))?;
    let ack_requested = match isa.text(14) {
        "0" => false,
        "1" => true,
        other => return Err(isa.error(14, format!("'{other}' is neither 0 nor 1"))),
    };
    let usage = match isa.text(15) {
        "P" => Usage::Production,
        "T" => Usage::Test,
        "I" => Usage::Information,
        other => return Err(isa.error(15, format!("'{other}' is not P, T or I"))),
    };
    let trimmed = |n: usize| isa.text(n).trim().to_owned();
    Ok(IsaHeader {
        authorization_qualifier: trimmed(1),
        authorization: trimmed(2),
        security_qualifier: trimmed(3),
        security: trimmed(4),
        sender_qualifier: trimmed(5),
        sender_id: trimmed(6),
        receiver_qualifier: trimmed(7),
        receiver_id: trimmed(8),
        date,
        time,
        version: trimmed(12),
        control_number: control.parse().unwrap_or(0),
        ack_requested,
        usage,
    })
}

fn read_gs(gs: &Segment) -> Result<FunctionalGroup, X12Error> {
    let control = gs.required(6)?;
    let control_number =
        count(gs, 6).ok_or_else(|| gs.error(6, format!("'{control}' is not a group control number")))?;
    let mut issues = Vec::new();
    let date = parse_date(gs.text(4));
    if date.is_none() {
        issues.push(error(
            IssueKind::BadHeader,
            gs,
            4,
            format!("'{}' is not a date", gs.text(4)),
        ));
    }
    let time = parse_time(gs.text(5));
    if time.is_none() {
        issues.push(error(
            IssueKind::BadHeader,
            gs,
            5,
            format!("'{}' is not a time", gs.text(5)),
        ));
    }
    Ok(FunctionalGroup {
        position: gs.position,
        functional_id: gs.text(1).to_owned(),
        application_sender: gs.text(2).to_owned(),
        application_receiver: gs.text(3).to_owned(),
        date,
        time,
        control_number,
        agency: gs.text(7).to_owned(),
        version: gs.text(8).to_owned(),
        sets: Vec::new(),
        declared_sets: None,
        issues,
    })
}

/// Reading state: the group and set currently open.
struct Open {
    delimiters: Delimiters,
    group: Option<FunctionalGroup>,
    set: Option<TransactionSet>,
}

impl Open {
    /// Closes an open set that never got its SE; `at` is where the SE was due.
    fn drop_set(&mut self, at: &Segment, what: &str) {
        if let Some(mut set) = self.set.take() {
            set.issues.push(error(
                IssueKind::TrailerMissing,
                at,
                0,
                format!(
                    "transaction set {} '{}' (ST at segment {}) has no SE before {what}",
                    set.id, set.control_number, set.position
                ),
            ));
            if let Some(g) = self.group.as_mut() {
                g.sets.push(set);
            }
        }
    }

    fn drop_group(&mut self, at: &Segment, what: &str, out: &mut Vec<FunctionalGroup>) {
        self.drop_set(at, what);
        if let Some(mut g) = self.group.take() {
            g.issues.push(error(
                IssueKind::TrailerMissing,
                at,
                0,
                format!(
                    "functional group {} {} (GS at segment {}) has no GE before {what}",
                    g.functional_id, g.control_number, g.position
                ),
            ));
            out.push(g);
        }
    }
}

impl Interchange {
    /// Reads an interchange and fails on the first envelope error (warnings stay in `issues`).
    pub fn parse(input: &[u8]) -> Result<Interchange, X12Error> {
        let ic = Interchange::parse_lenient(input)?;
        if let Some(e) = ic.all_issues().into_iter().find(|i| i.severity == Severity::Error) {
            return Err(e.to_error());
        }
        Ok(ic)
    }

    /// Reads an interchange, keeping envelope errors as [`Issue`]s on the interchange, group or
    /// set they belong to. Fails only when the ISA or a GS header cannot be read.
    pub fn parse_lenient(input: &[u8]) -> Result<Interchange, X12Error> {
        let tokens = tokenize(input)?;
        let mut segments = tokens.segments.into_iter();
        let isa = segments
            .next()
            .ok_or_else(|| X12Error::new(0, "", None, "no ISA segment"))?;
        let header = read_isa(&isa)?;
        let mut issues = tokens.issues;
        let mut groups = Vec::new();
        let mut open = Open {
            delimiters: tokens.delimiters,
            group: None,
            set: None,
        };
        let mut declared_groups = None;
        let mut last = isa.clone();
        let mut orphan = false;
        let mut closed = false;
        for seg in segments {
            last = seg.clone();
            if closed {
                issues.push(error(
                    IssueKind::OutsideEnvelope,
                    &seg,
                    0,
                    "data after the IEA (one interchange is read at a time)".into(),
                ));
                break;
            }
            match seg.id.as_str() {
                "ISA" => {
                    issues.push(error(
                        IssueKind::OutsideEnvelope,
                        &seg,
                        0,
                        "an ISA inside an interchange".into(),
                    ));
                    break;
                }
                "GS" => {
                    open.drop_group(&seg, "the next GS", &mut groups);
                    open.group = Some(read_gs(&seg)?);
                }
                "ST" => {
                    open.drop_set(&seg, "the next ST");
                    orphan = open.group.is_none();
                    if orphan {
                        issues.push(error(
                            IssueKind::OutsideEnvelope,
                            &seg,
                            0,
                            "an ST outside a functional group".into(),
                        ));
                        continue;
                    }
                    open.set = Some(start_set(&seg, &open));
                }
                "SE" => match open.set.take() {
                    Some(set) => {
                        let set = finish_set(set, &seg);
                        if let Some(g) = open.group.as_mut() {
                            g.sets.push(set);
                        }
                    }
                    None if orphan => orphan = false,
                    None => issues.push(error(IssueKind::OutsideEnvelope, &seg, 0, "an SE without an ST".into())),
                },
                "GE" => {
                    open.drop_set(&seg, "the GE");
                    match open.group.take() {
                        Some(g) => groups.push(finish_group(g, &seg)),
                        None => issues.push(error(IssueKind::OutsideEnvelope, &seg, 0, "a GE without a GS".into())),
                    }
                }
                "IEA" => {
                    open.drop_group(&seg, "the IEA", &mut groups);
                    closed = true;
                    declared_groups = count(&seg, 1);
                    check_iea(&seg, &header, groups.len(), &mut issues);
                }
                _ => match open.set.as_mut() {
                    Some(set) => set.segments.push(seg),
                    None if orphan => {}
                    None => issues.push(error(
                        IssueKind::OutsideEnvelope,
                        &seg,
                        0,
                        format!("{} outside a transaction set", seg.id),
                    )),
                },
            }
        }
        if !closed {
            open.drop_group(&last, "the end of the data", &mut groups);
            issues.push(error(
                IssueKind::TrailerMissing,
                &last,
                0,
                format!(
                    "the interchange {:09} has no IEA: the data ends here",
                    header.control_number
                ),
            ));
        }
        Ok(Interchange {
            delimiters: open.delimiters,
            header,
            groups,
            declared_groups,
            issues,
        })
    }

    /// The key that recognises this interchange when it is sent again.
    pub fn key(&self) -> InterchangeKey {
        InterchangeKey {
            sender_qualifier: self.header.sender_qualifier.clone(),
            sender_id: self.header.sender_id.clone(),
            receiver_id: self.header.receiver_id.clone(),
            control_number: self.header.control_number,
        }
    }

    /// Every issue of the interchange, its groups and their sets, in segment order.
    pub fn all_issues(&self) -> Vec<&Issue> {
        // Innermost first where several issues fall on one segment (a cut-off file closes the
        // set, the group and the interchange at its last segment).
        let mut all: Vec<&Issue> = Vec::new();
        for g in &self.groups {
            for s in &g.sets {
                all.extend(&s.issues);
            }
            all.extend(&g.issues);
        }
        all.extend(&self.issues);
        all.sort_by_key(|i| i.segment);
        all
    }

    pub fn warnings(&self) -> Vec<&Issue> {
        self.all_issues()
            .into_iter()
            .filter(|i| i.severity == Severity::Warning)
            .collect()
    }

    /// Every transaction set of every group, in order.
    pub fn sets(&self) -> impl Iterator<Item = &TransactionSet> {
        self.groups.iter().flat_map(|g| g.sets.iter())
    }
}

fn start_set(st: &Segment, open: &Open) -> TransactionSet {
    let group = open.group.as_ref();
    let mut set = TransactionSet {
        position: st.position,
        id: st.text(1).to_owned(),
        control_number: st.text(2).to_owned(),
        implementation_reference: st.get(3).map(str::to_owned),
        version: group.map(|g| g.version.clone()).unwrap_or_default(),
        delimiters: open.delimiters,
        segments: Vec::new(),
        declared_segments: None,
        issues: Vec::new(),
    };
    if set.control_number.is_empty() {
        set.issues.push(error(
            IssueKind::BadHeader,
            st,
            2,
            "the set control number is missing".into(),
        ));
    }
    if let (Some(g), Some(expected)) = (group, functional_id_for(&set.id))
        && g.functional_id != expected
    {
        set.issues.push(issue(
            Severity::Warning,
            IssueKind::FunctionalIdMismatch,
            st,
            1,
            format!(
                "transaction set {} belongs in a GS01 '{expected}' group, but group {} (segment {}) is '{}'",
                set.id, g.control_number, g.position, g.functional_id
            ),
        ));
    }
    set
}

fn finish_set(mut set: TransactionSet, se: &Segment) -> TransactionSet {
    let actual = set.segments.len() + 2;
    set.declared_segments = count(se, 1);
    match set.declared_segments {
        Some(n) if n as usize == actual => {}
        Some(n) => set.issues.push(error(
            IssueKind::CountMismatch,
            se,
            1,
            format!(
                "says {n} segments, but transaction set {} '{}' has {actual} (ST to SE)",
                set.id, set.control_number
            ),
        )),
        None => set.issues.push(error(
            IssueKind::CountMismatch,
            se,
            1,
            format!("'{}' is not a segment count", se.text(1)),
        )),
    }
    if se.text(2) != set.control_number {
        set.issues.push(error(
            IssueKind::ControlNumberMismatch,
            se,
            2,
            format!("'{}' does not match ST02 '{}'", se.text(2), set.control_number),
        ));
    }
    set
}

fn finish_group(mut g: FunctionalGroup, ge: &Segment) -> FunctionalGroup {
    g.declared_sets = count(ge, 1);
    match g.declared_sets {
        Some(n) if n as usize == g.sets.len() => {}
        _ => g.issues.push(error(
            IssueKind::CountMismatch,
            ge,
            1,
            format!(
                "says '{}' transaction sets, but group {} has {}",
                ge.text(1),
                g.control_number,
                g.sets.len()
            ),
        )),
    }
    if !same_control(ge.text(2), &g.control_number.to_string()) {
        g.issues.push(error(
            IssueKind::ControlNumberMismatch,
            ge,
            2,
            format!("'{}' does not match GS06 {}", ge.text(2), g.control_number),
        ));
    }
    g
}

fn check_iea(iea: &Segment, header: &IsaHeader, groups: usize, issues: &mut Vec<Issue>) {
    match count(iea, 1) {
        Some(n) if n as usize == groups => {}
        _ => issues.push(error(
            IssueKind::CountMismatch,
            iea,
            1,
            format!(
                "says '{}' functional groups, but the interchange has {groups}",
                iea.text(1)
            ),
        )),
    }
    if !same_control(iea.text(2), &format!("{:09}", header.control_number)) {
        issues.push(error(
            IssueKind::ControlNumberMismatch,
            iea,
            2,
            format!("'{}' does not match ISA13 {:09}", iea.text(2), header.control_number),
        ));
    }
}
