//! The X12 tokenizer: delimiters from the ISA segment, then segments and elements.
//!
//! X12 declares its delimiters in the first segment: the element separator is byte 3 of "ISA",
//! the component separator is ISA16, and the segment terminator is the byte right after ISA16.
//! The ISA is meant to be fixed width (106 bytes), but senders that do not pad exist, so ISA16 is
//! found by counting sixteen element separators rather than by offset (a short ISA is reported
//! as a warning). The repetition separator is ISA11 from version 00402 on; before that ISA11 is
//! the standards id `U`. Elements are kept as raw text: components and repetitions are split
//! only where a reader knows the element is composite or repeating, because real files use the
//! declared repetition character inside plain elements (see the `-` in the 856 sample).
//! CR/LF after a terminator is skipped; trailing whitespace at the end of the data is ignored.

use super::{Issue, IssueKind, Severity, X12Error};
use serde::{Deserialize, Serialize};

/// The four X12 delimiters of an interchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delimiters {
    pub element: char,
    pub component: char,
    /// ISA11 from version 00402 on; `None` for 00401 and earlier (ISA11 is then `U`).
    pub repetition: Option<char>,
    pub segment: char,
}

impl Delimiters {
    /// What Aftercart writes for 004010: `*`, `>`, `~`, no repetition separator.
    pub const V4010: Delimiters = Delimiters {
        element: '*',
        component: '>',
        repetition: None,
        segment: '~',
    };
    /// What Aftercart writes for 005010: `*`, `>`, `^` repetition, `~`.
    pub const V5010: Delimiters = Delimiters {
        element: '*',
        component: '>',
        repetition: Some('^'),
        segment: '~',
    };

    /// Whether `c` is one of the delimiters (text holding it cannot be written as an element).
    pub fn is_delimiter(&self, c: char) -> bool {
        c == self.element || c == self.component || c == self.segment || Some(c) == self.repetition
    }

    /// The components of a composite element (`"EA>1"` → `["EA", "1"]`).
    pub fn components<'a>(&self, text: &'a str) -> Vec<&'a str> {
        text.split(self.component).collect()
    }

    /// The repetitions of a repeating element; the whole text when there is no separator.
    pub fn repetitions<'a>(&self, text: &'a str) -> Vec<&'a str> {
        match self.repetition {
            Some(r) => text.split(r).collect(),
            None => vec![text],
        }
    }
}

/// One segment: its id and its elements as raw text (`elements[0]` is element 01).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// 1-based position in the interchange (the ISA is 1): what an error names.
    pub position: usize,
    pub id: String,
    pub elements: Vec<String>,
}

impl Segment {
    /// Element `n` (1-based), `None` when absent or empty.
    pub fn get(&self, n: usize) -> Option<&str> {
        match self.elements.get(n.wrapping_sub(1)) {
            Some(s) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        }
    }

    /// Element `n` (1-based) as text, empty when absent.
    pub fn text(&self, n: usize) -> &str {
        self.get(n).unwrap_or("")
    }

    /// The element's reference designator, e.g. `PO104`.
    pub fn name(&self, n: usize) -> String {
        format!("{}{n:02}", self.id)
    }

    /// An error about element `n` of this segment (0: the segment as a whole).
    pub(crate) fn error(&self, n: usize, reason: impl Into<String>) -> X12Error {
        let element = (n > 0).then(|| self.name(n));
        X12Error::new(self.position, &self.id, element, reason)
    }

    /// Element `n`, which must be present.
    pub(crate) fn required(&self, n: usize) -> Result<&str, X12Error> {
        self.get(n)
            .ok_or_else(|| self.error(n, "is required but empty or missing"))
    }
}

/// What the tokenizer found: the delimiters, every segment from ISA on, and layout warnings.
pub(crate) struct Tokens {
    pub delimiters: Delimiters,
    pub segments: Vec<Segment>,
    pub issues: Vec<Issue>,
}

fn layout_warning(segment: usize, id: &str, reason: String) -> Issue {
    Issue {
        severity: Severity::Warning,
        kind: IssueKind::Layout,
        segment,
        segment_id: id.to_owned(),
        element: None,
        reason,
    }
}

/// Characters a sender may declare as a delimiter but which ordinary data also uses.
fn is_data_like(c: char) -> bool {
    c.is_ascii_alphanumeric() || " -./,&#'()".contains(c)
}

fn is_segment_id(id: &str) -> bool {
    (2..=3).contains(&id.len())
        && id.as_bytes()[0].is_ascii_uppercase()
        && id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Splits an interchange into segments. Fails only when there is no readable ISA, the delimiters
/// are unusable, or a segment is not text with a segment id.
pub(crate) fn tokenize(input: &[u8]) -> Result<Tokens, X12Error> {
    let mut data = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    while let [first, rest @ ..] = data {
        if first.is_ascii_whitespace() {
            data = rest;
        } else {
            break;
        }
    }
    if !data.starts_with(b"ISA") || data.len() < 4 {
        return Err(X12Error::new(
            0,
            "",
            None,
            "not an X12 interchange: the data does not start with ISA",
        ));
    }
    let isa_error = |reason: &str| X12Error::new(1, "ISA", None, reason.to_owned());
    let element = data[3];
    if !element.is_ascii_graphic() || element.is_ascii_alphanumeric() {
        return Err(isa_error("the byte after ISA is not a usable element separator"));
    }
    // ISA16 follows the sixteenth element separator; the terminator follows ISA16.
    let mut seen = 0;
    let mut at = None;
    for (i, &b) in data.iter().enumerate().skip(3).take(400) {
        if b == element {
            seen += 1;
            if seen == 16 {
                at = Some(i);
                break;
            }
        }
    }
    let Some(sep16) = at else {
        return Err(isa_error("the ISA segment does not have 16 elements"));
    };
    let (Some(&component), Some(&terminator)) = (data.get(sep16 + 1), data.get(sep16 + 2)) else {
        return Err(isa_error("the data ends inside the ISA segment"));
    };
    let usable = |b: u8| b.is_ascii() && !b.is_ascii_alphanumeric() && b != b' ';
    if !usable(component) || component == element {
        return Err(X12Error::new(
            1,
            "ISA",
            Some("ISA16".into()),
            "is not a usable component separator",
        ));
    }
    if !usable(terminator) || terminator == element || terminator == component {
        return Err(isa_error("the byte after ISA16 is not a usable segment terminator"));
    }
    let mut issues = Vec::new();
    if sep16 + 3 != 106 {
        issues.push(layout_warning(
            1,
            "ISA",
            format!(
                "the ISA segment is {} bytes, not the fixed 106 (fields are not padded)",
                sep16 + 3
            ),
        ));
    }

    let mut segments = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let end = data[pos..].iter().position(|&b| b == terminator).map(|e| pos + e);
        let raw = &data[pos..end.unwrap_or(data.len())];
        let position = segments.len() + 1;
        if end.is_none() && raw.iter().all(u8::is_ascii_whitespace) {
            break;
        }
        let text =
            std::str::from_utf8(raw).map_err(|_| X12Error::new(position, "", None, "the segment is not UTF-8 text"))?;
        let mut parts = text.split(element as char);
        let id = parts.next().unwrap_or("");
        if !is_segment_id(id) {
            let shown: String = id.chars().take(12).collect();
            return Err(X12Error::new(
                position,
                "",
                None,
                format!("'{shown}' is not a segment id"),
            ));
        }
        let mut seg = Segment {
            position,
            id: id.to_owned(),
            elements: parts.map(str::to_owned).collect(),
        };
        if end.is_none() {
            if let Some(last) = seg.elements.last_mut() {
                last.truncate(last.trim_end().len());
            }
            issues.push(layout_warning(
                position,
                &seg.id,
                "the last segment has no segment terminator".to_owned(),
            ));
        }
        segments.push(seg);
        pos = match end {
            Some(e) => e + 1,
            None => data.len(),
        };
        while pos < data.len() && (data[pos] == b'\r' || data[pos] == b'\n') {
            pos += 1;
        }
    }

    let isa = &segments[0];
    let version: u32 = isa.text(12).trim().parse().unwrap_or(0);
    let isa11 = isa.text(11).chars().next();
    let repetition = if version >= 402 { isa11 } else { None };
    let delimiters = Delimiters {
        element: element as char,
        component: component as char,
        repetition,
        segment: terminator as char,
    };
    if let Some(r) = repetition {
        if r == delimiters.element || r == delimiters.component || r == delimiters.segment {
            return Err(X12Error::new(
                1,
                "ISA",
                Some("ISA11".into()),
                "repeats another delimiter",
            ));
        }
        if is_data_like(r) {
            issues.push(Issue {
                element: Some("ISA11".into()),
                ..layout_warning(
                    1,
                    "ISA",
                    format!(
                        "repetition separator '{r}' (ISA12 {}) is an ordinary data character; \
                         elements are not split on it",
                        isa.text(12)
                    ),
                )
            });
        }
    }
    Ok(Tokens {
        delimiters,
        segments,
        issues,
    })
}
