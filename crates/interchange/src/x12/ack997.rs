//! The 997 functional acknowledgement: "your group arrived, and this is what its envelopes
//! said", written for every group received and read for every group sent.
//!
//! AK1 names the group (GS01, GS06), one AK2/AK5 per transaction set gives its control number
//! and verdict, AK9 gives the group's verdict with the counts (included per GE01, received,
//! accepted). [`Ack997::for_group`] derives all of it from what [`Interchange::parse_lenient`]
//! found: an envelope error on a set rejects it with the matching AK5 code (2 trailer missing,
//! 3 control numbers differ, 4 segment count wrong, 23 control number not unique, 1 set not
//! supported), one on the group adds the AK9 code (3, 4, 5). A 997 acknowledges syntax only;
//! business refusals are the 855's job. AK103/AK203 exist from 005010 on and are written only
//! there.
//!
//! [`Interchange::parse_lenient`]: super::Interchange::parse_lenient

use super::common::{Cursor, opt, set_error};
use super::envelope::{FunctionalGroup, TransactionSet};
use super::write::{ControlNumbers, El, Envelope, SetWriter, Version, interchange};
use super::{IssueKind, Severity, WriteError, X12Error};
use serde::{Deserialize, Serialize};

/// AK501 / AK901 verdicts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AckCode {
    /// A.
    Accepted,
    /// E: accepted, but errors were noted.
    AcceptedWithErrors,
    /// P (AK9 only): some sets accepted.
    PartiallyAccepted,
    /// R.
    Rejected,
    /// M, W, X, …
    Other(String),
}

impl AckCode {
    pub fn code(&self) -> &str {
        match self {
            AckCode::Accepted => "A",
            AckCode::AcceptedWithErrors => "E",
            AckCode::PartiallyAccepted => "P",
            AckCode::Rejected => "R",
            AckCode::Other(c) => c,
        }
    }

    fn from_code(c: &str) -> AckCode {
        match c {
            "A" => AckCode::Accepted,
            "E" => AckCode::AcceptedWithErrors,
            "P" => AckCode::PartiallyAccepted,
            "R" => AckCode::Rejected,
            other => AckCode::Other(other.to_owned()),
        }
    }

    pub fn accepts(&self) -> bool {
        matches!(self, AckCode::Accepted | AckCode::AcceptedWithErrors)
    }
}

/// AK2 + AK5 for one transaction set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAck {
    pub set_id: String,
    pub control_number: String,
    /// AK203 (005010 on).
    pub implementation_reference: Option<String>,
    pub status: AckCode,
    /// AK502–AK506 syntax error codes.
    pub errors: Vec<String>,
}

/// A 997.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack997 {
    /// AK101: GS01 of the group acknowledged.
    pub functional_id: String,
    /// AK102: its GS06.
    pub group_control: u32,
    /// AK103: its GS08 (written only in 005010).
    pub version: Option<String>,
    pub sets: Vec<SetAck>,
    /// AK901.
    pub status: AckCode,
    /// AK902: sets the group said it held (GE01).
    pub included: u32,
    /// AK903: sets received (must equal `sets.len()`).
    pub received: u32,
    /// AK904: sets accepted (must equal those with A or E).
    pub accepted: u32,
    /// AK905–AK909 group error codes.
    pub errors: Vec<String>,
}

fn set_codes(set: &TransactionSet) -> Vec<String> {
    let mut codes: Vec<String> = set
        .issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| match (i.kind, i.segment_id.as_str()) {
            (IssueKind::TrailerMissing, _) => "2",
            (IssueKind::ControlNumberMismatch, _) => "3",
            (IssueKind::CountMismatch, _) => "4",
            (IssueKind::BadHeader, "ST") => "7",
            _ => "5",
        })
        .map(str::to_owned)
        .collect();
    codes.dedup();
    codes
}

impl Ack997 {
    /// The 997 for a group as it was received: sets whose id is not in `supported` are
    /// rejected as not supported; envelope errors reject their set or the group.
    pub fn for_group(group: &FunctionalGroup, supported: &[&str]) -> Ack997 {
        let mut sets = Vec::new();
        for (i, set) in group.sets.iter().enumerate() {
            let mut errors = Vec::new();
            if !supported.contains(&set.id.as_str()) {
                errors.push("1".to_owned());
            }
            errors.extend(set_codes(set));
            if group.sets[..i].iter().any(|s| s.control_number == set.control_number) {
                errors.push("23".to_owned());
            }
            errors.truncate(5);
            sets.push(SetAck {
                set_id: set.id.clone(),
                control_number: set.control_number.clone(),
                implementation_reference: set.implementation_reference.clone(),
                status: if errors.is_empty() {
                    AckCode::Accepted
                } else {
                    AckCode::Rejected
                },
                errors,
            });
        }
        let mut errors: Vec<String> = group
            .issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .filter_map(|i| match i.kind {
                IssueKind::TrailerMissing => Some("3"),
                IssueKind::ControlNumberMismatch => Some("4"),
                IssueKind::CountMismatch => Some("5"),
                _ => None,
            })
            .map(str::to_owned)
            .collect();
        errors.dedup();
        errors.truncate(5);
        let accepted = sets.iter().filter(|s| s.status.accepts()).count() as u32;
        let received = sets.len() as u32;
        let status = if !errors.is_empty() || accepted == 0 {
            AckCode::Rejected
        } else if accepted == received {
            AckCode::Accepted
        } else {
            AckCode::PartiallyAccepted
        };
        Ack997 {
            functional_id: group.functional_id.clone(),
            group_control: group.control_number,
            version: Some(group.version.clone()).filter(|v| !v.is_empty()),
            sets,
            status,
            included: group.declared_sets.unwrap_or(received),
            received,
            accepted,
            errors,
        }
    }

    /// Writes the 997 in an interchange of its own.
    pub fn write(&self, env: &Envelope, ctl: &ControlNumbers) -> Result<String, WriteError> {
        if self.received as usize != self.sets.len() {
            return Err(WriteError::new(
                "received",
                format!("is {}, but {} sets are acknowledged", self.received, self.sets.len()),
            ));
        }
        let accepted = self.sets.iter().filter(|s| s.status.accepts()).count() as u32;
        if self.accepted != accepted {
            return Err(WriteError::new(
                "accepted",
                format!("is {}, but {accepted} sets are A or E", self.accepted),
            ));
        }
        if self.functional_id.is_empty() {
            return Err(WriteError::new("functional_id", "AK101 is required"));
        }
        let five = env.version == Version::V5010;
        let mut w = SetWriter::new(env.version);
        let group = self.group_control.to_string();
        let version = if five {
            self.version.as_deref().unwrap_or("")
        } else {
            ""
        };
        w.seg(
            "",
            "AK1",
            &[
                ("functional_id", &self.functional_id, 2),
                ("group_control", &group, 9),
                ("version", version, 12),
            ],
        )?;
        for (i, s) in self.sets.iter().enumerate() {
            let ctx = format!("sets[{i}]");
            if s.set_id.is_empty() || s.control_number.is_empty() {
                return Err(WriteError::new(ctx, "AK2 needs the set id and control number"));
            }
            let reference = if five {
                s.implementation_reference.as_deref().unwrap_or("")
            } else {
                ""
            };
            w.seg(
                &ctx,
                "AK2",
                &[
                    ("set_id", &s.set_id, 3),
                    ("control_number", &s.control_number, 9),
                    ("implementation_reference", reference, 35),
                ],
            )?;
            codes(&mut w, &ctx, "AK5", &s.status, &s.errors, None)?;
        }
        let counts = [
            self.included.to_string(),
            self.received.to_string(),
            self.accepted.to_string(),
        ];
        codes(&mut w, "", "AK9", &self.status, &self.errors, Some(&counts))?;
        interchange(env, ctl, "FA", "997", w)
    }

    /// Reads a 997 from its transaction set.
    pub fn read(set: &TransactionSet) -> Result<Ack997, X12Error> {
        if set.id != "997" {
            return Err(set_error(set, format!("a {} is not a 997", set.id)));
        }
        let mut c = Cursor::new(&set.segments);
        let ak1 = c
            .next_if("AK1")
            .ok_or_else(|| set_error(set, "the 997 does not start with AK1"))?;
        let group = ak1.required(2)?;
        let mut ack = Ack997 {
            functional_id: ak1.required(1)?.to_owned(),
            group_control: group
                .parse()
                .map_err(|_| ak1.error(2, format!("'{group}' is not a group control number")))?,
            version: opt(ak1, 3),
            sets: Vec::new(),
            status: AckCode::Rejected,
            included: 0,
            received: 0,
            accepted: 0,
            errors: Vec::new(),
        };
        let mut ak9 = false;
        while let Some(seg) = c.advance() {
            match seg.id.as_str() {
                "AK2" => ack.sets.push(SetAck {
                    set_id: seg.required(1)?.to_owned(),
                    control_number: seg.required(2)?.to_owned(),
                    implementation_reference: opt(seg, 3),
                    status: AckCode::Rejected,
                    errors: Vec::new(),
                }),
                "AK5" => {
                    let s = ack
                        .sets
                        .last_mut()
                        .ok_or_else(|| seg.error(0, "an AK5 without its AK2"))?;
                    s.status = AckCode::from_code(seg.required(1)?);
                    s.errors = (2..=6).filter_map(|n| opt(seg, n)).collect();
                }
                "AK9" => {
                    ak9 = true;
                    ack.status = AckCode::from_code(seg.required(1)?);
                    let n = |k: usize| -> Result<u32, X12Error> {
                        let t = seg.required(k)?;
                        t.parse().map_err(|_| seg.error(k, format!("'{t}' is not a count")))
                    };
                    ack.included = n(2)?;
                    ack.received = n(3)?;
                    ack.accepted = n(4)?;
                    ack.errors = (5..=9).filter_map(|k| opt(seg, k)).collect();
                }
                _ => {}
            }
        }
        if !ak9 {
            return Err(set_error(set, "the 997 has no AK9"));
        }
        Ok(ack)
    }
}

fn codes(
    w: &mut SetWriter,
    ctx: &str,
    id: &str,
    status: &AckCode,
    errors: &[String],
    counts: Option<&[String; 3]>,
) -> Result<(), WriteError> {
    if let AckCode::Other(c) = status
        && c.is_empty()
    {
        return Err(WriteError::new(format!("{ctx}.status"), "is empty"));
    }
    if status == &AckCode::PartiallyAccepted && counts.is_none() {
        return Err(WriteError::new(
            format!("{ctx}.status"),
            "P (partially accepted) is for the group only",
        ));
    }
    if errors.len() > 5 {
        return Err(WriteError::new(format!("{ctx}.errors"), "at most five error codes"));
    }
    let mut els: Vec<El<'_>> = vec![("status", status.code(), 1)];
    if let Some(counts) = counts {
        els.extend([
            ("included", counts[0].as_str(), 6),
            ("received", counts[1].as_str(), 6),
            ("accepted", counts[2].as_str(), 6),
        ]);
    }
    for e in errors {
        if e.is_empty() {
            return Err(WriteError::new(format!("{ctx}.errors"), "an error code is empty"));
        }
        els.push(("errors", e, 3));
    }
    w.seg(ctx, id, &els)
}
