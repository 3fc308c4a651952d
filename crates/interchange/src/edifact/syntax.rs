//! The UN/EDIFACT tokenizer: service characters (UNA or the defaults), the release character,
//! segments split into elements and components, and binary objects (UNO…UNP).
//!
//! Unlike X12, EDIFACT escapes: a release character (`?` by default) makes the next character
//! plain data (`?+`, `?'`, `??`), so splitting must walk the text character by character; a
//! naive split on `'` breaks on names such as `25-04-?'85`. Syntax 4 can carry a binary object
//! between UNO and UNP whose bytes are counted, not escaped (EDIFACT_EXAMPLE5 has one), so it is
//! skipped by its declared length. Text is taken as UTF-8 when it is, else as ISO 8859-1 (UNOC's
//! repertoire, which maps byte for byte), so no byte can make reading fail. Line breaks after a
//! terminator (files with one segment per line) are skipped.

use super::EdifactError;
use serde::{Deserialize, Serialize};

/// The six service characters (UNA, or the defaults when there is none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceChars {
    pub component: char,
    pub element: char,
    /// The decimal mark UNA declares (`.` or `,`); numbers are read with either.
    pub decimal: char,
    /// `None` when UNA gives a space (no release character).
    pub release: Option<char>,
    /// `None` when UNA gives a space (syntax 3: reserved).
    pub repetition: Option<char>,
    pub segment: char,
}

impl ServiceChars {
    pub const DEFAULT: ServiceChars = ServiceChars {
        component: ':',
        element: '+',
        decimal: '.',
        release: Some('?'),
        repetition: None,
        segment: '\'',
    };
}

/// One segment: its tag and its elements, each a list of components (release characters
/// removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// 1-based position in the interchange (UNA not counted; UNB is 1).
    pub position: usize,
    /// 1-based line where it starts.
    pub line: usize,
    pub tag: String,
    pub elements: Vec<Vec<String>>,
}

impl Segment {
    /// Component `k` of element `n` (both 1-based), `None` when absent or empty.
    pub fn get(&self, n: usize, k: usize) -> Option<&str> {
        let e = self.elements.get(n.wrapping_sub(1))?;
        match e.get(k.wrapping_sub(1)) {
            Some(s) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        }
    }

    /// Component `k` of element `n`, empty when absent.
    pub fn text(&self, n: usize, k: usize) -> &str {
        self.get(n, k).unwrap_or("")
    }

    /// The element's name as errors give it, e.g. `UNT01`.
    pub fn name(&self, n: usize) -> String {
        format!("{}{n:02}", self.tag)
    }

    pub(crate) fn error(&self, n: usize, reason: impl Into<String>) -> EdifactError {
        EdifactError {
            segment: self.position,
            line: self.line,
            tag: self.tag.clone(),
            element: (n > 0).then(|| self.name(n)),
            reason: reason.into(),
        }
    }
}

pub(crate) struct Tokens {
    pub chars: ServiceChars,
    pub una: bool,
    pub segments: Vec<Segment>,
    /// Binary objects skipped: (UNO position, declared length).
    pub packages: Vec<(usize, usize)>,
    /// The last segment had no terminator.
    pub unterminated: Option<usize>,
}

fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

fn fail(position: usize, line: usize, reason: impl Into<String>) -> EdifactError {
    EdifactError {
        segment: position,
        line,
        tag: String::new(),
        element: None,
        reason: reason.into(),
    }
}

/// Splits an interchange into segments.
pub(crate) fn tokenize(input: &[u8]) -> Result<Tokens, EdifactError> {
    let mut i = if input.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let mut line = 1;
    let skip_breaks = |i: &mut usize, line: &mut usize| {
        while *i < input.len() && input[*i].is_ascii_whitespace() {
            if input[*i] == b'\n' {
                *line += 1;
            }
            *i += 1;
        }
    };
    skip_breaks(&mut i, &mut line);
    let mut chars = ServiceChars::DEFAULT;
    let mut una = false;
    if input[i..].starts_with(b"UNA") {
        let Some(set) = input.get(i + 3..i + 9) else {
            return Err(fail(0, line, "UNA: the service string advice needs six characters"));
        };
        if !set.is_ascii() {
            return Err(fail(0, line, "UNA: the service characters must be ASCII"));
        }
        let c = |k: usize| char::from(set[k]);
        let space = |ch: char| (ch != ' ').then_some(ch);
        chars = ServiceChars {
            component: c(0),
            element: c(1),
            decimal: c(2),
            release: space(c(3)),
            repetition: space(c(4)),
            segment: c(5),
        };
        let distinct = [
            Some(chars.component),
            Some(chars.element),
            chars.release,
            chars.repetition,
            Some(chars.segment),
        ];
        let used: Vec<char> = distinct.iter().flatten().copied().collect();
        if (1..used.len()).any(|k| used[..k].contains(&used[k])) {
            return Err(fail(0, line, "UNA: two service characters are the same"));
        }
        una = true;
        i += 9;
        skip_breaks(&mut i, &mut line);
    }
    let (comp, elem, term) = (chars.component as u8, chars.element as u8, chars.segment as u8);
    let release = chars.release.map(|c| c as u8);
    let mut segments: Vec<Segment> = Vec::new();
    let mut packages = Vec::new();
    let mut unterminated = None;
    while i < input.len() {
        let position = segments.len() + 1;
        let start_line = line;
        let mut elements: Vec<Vec<String>> = Vec::new();
        let mut components: Vec<String> = Vec::new();
        let mut current: Vec<u8> = Vec::new();
        let mut terminated = false;
        while i < input.len() {
            let b = input[i];
            i += 1;
            if b == b'\n' {
                line += 1;
            }
            if Some(b) == release {
                let Some(&next) = input.get(i) else {
                    return Err(fail(position, line, "the data ends after a release character"));
                };
                if next == b'\n' {
                    line += 1;
                }
                current.push(next);
                i += 1;
            } else if b == comp {
                components.push(decode(&current));
                current.clear();
            } else if b == elem {
                components.push(decode(&current));
                current.clear();
                elements.push(std::mem::take(&mut components));
            } else if b == term {
                terminated = true;
                break;
            } else {
                current.push(b);
            }
        }
        if !terminated && elements.is_empty() && components.is_empty() && current.iter().all(u8::is_ascii_whitespace) {
            break;
        }
        if !terminated {
            unterminated = Some(position);
            let trimmed = current.trim_ascii_end().len();
            current.truncate(trimmed);
        }
        components.push(decode(&current));
        elements.push(components);
        let head = elements.remove(0);
        let tag = head.first().cloned().unwrap_or_default();
        if tag.len() != 3 || !tag.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            let shown: String = tag.chars().take(12).collect();
            return Err(fail(position, start_line, format!("'{shown}' is not a segment tag")));
        }
        let seg = Segment {
            position,
            line: start_line,
            tag,
            elements,
        };
        if seg.tag == "UNO" {
            // Syntax 4 binary object: its last element gives the length in octets.
            let len_text = seg
                .elements
                .last()
                .and_then(|e| e.first())
                .map(String::as_str)
                .unwrap_or("");
            let len: usize = len_text
                .parse()
                .map_err(|_| seg.error(seg.elements.len(), format!("'{len_text}' is not an object length")))?;
            if i + len > input.len() {
                return Err(seg.error(
                    seg.elements.len(),
                    format!("the object of {len} octets runs past the end of the data"),
                ));
            }
            line += input[i..i + len].iter().filter(|&&b| b == b'\n').count();
            i += len;
            packages.push((position, len));
        } else {
            skip_breaks(&mut i, &mut line);
        }
        segments.push(seg);
    }
    Ok(Tokens {
        chars,
        una,
        segments,
        packages,
        unterminated,
    })
}
