//! UN/EDIFACT in (reading only): the European and EANCOM partners' orders, despatch advices and
//! invoices, summarised for matching.
//!
//! Three layers, as for X12: [`syntax`] turns bytes into segments (UNA or default service
//! characters, the release character, binary packages), [`envelope`] checks UNB/UNZ, UNG/UNE and
//! UNH/UNT (counts and references; faults are [`Issue`]s naming segment, line and element), and
//! [`messages`] reads ORDERS, DESADV and INVOIC into summaries. Aftercart writes no EDIFACT, so
//! there is no writer; the summaries keep amounts as exact decimals (see [`messages`]).

pub mod envelope;
pub mod messages;
pub mod syntax;

pub use envelope::{Group, Interchange, Message, PartyId};
pub use messages::{Desadv, EdiDate, Header, Invoic, ItemLine, NadParty, Orders, Package};
pub use syntax::{Segment, ServiceChars};

use crate::x12::Severity;
use serde::{Deserialize, Serialize};

/// Why an interchange or message was refused: segment position (UNB is 1), line, tag, element
/// (`UNT01`), reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct EdifactError {
    pub segment: usize,
    pub line: usize,
    pub tag: String,
    pub element: Option<String>,
    pub reason: String,
}

impl EdifactError {
    pub(crate) fn new(segment: usize, line: usize, tag: &str, reason: impl Into<String>) -> EdifactError {
        EdifactError {
            segment,
            line,
            tag: tag.to_owned(),
            element: None,
            reason: reason.into(),
        }
    }

    fn describe(&self) -> String {
        let mut s = String::new();
        if self.segment > 0 {
            s.push_str(&format!("segment {} ({}", self.segment, self.tag));
            if self.line > 0 {
                s.push_str(&format!(", line {}", self.line));
            }
            s.push(')');
            if let Some(e) = &self.element {
                s.push_str(&format!(", {e}"));
            }
            s.push_str(": ");
        }
        s.push_str(&self.reason);
        s
    }
}

/// An envelope fault found while reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub severity: Severity,
    pub segment: usize,
    pub line: usize,
    pub tag: String,
    pub element: Option<String>,
    pub reason: String,
}

impl Issue {
    pub fn to_error(&self) -> EdifactError {
        EdifactError {
            segment: self.segment,
            line: self.line,
            tag: self.tag.clone(),
            element: self.element.clone(),
            reason: self.reason.clone(),
        }
    }
}
