//! Bounded text: the longest value and the characters allowed for every kind of text a caller can
//! send. One table for every entry point (the JSON API's DTO types wrap it; the portal's forms
//! call [`validate`]), so a limit is documented, enforced and changed in one place.
//!
//! Lengths count characters (Unicode scalar values), not bytes, so the limit a person reads is
//! the limit they get whatever their script. Identifiers and names refuse control characters
//! (U+0000–U+001F, U+007F–U+009F): they are matched, indexed and printed on documents, and an
//! invisible character there is always a mistake or an attack. Free text (reasons, comments,
//! descriptions, addresses) is stored and returned exactly as sent, control characters included.

use crate::{ErrorCode, Rejection};
use std::fmt;

/// A kind of caller-supplied text, with its maximum length and character rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextKind {
    /// A word from a fixed vocabulary or a formatted value: statuses, kinds, roles, currency
    /// codes, dates, times, decimal amounts.
    Code,
    /// An identifier people or systems match on: account, order, invoice and PO numbers, SKUs,
    /// location codes, cost centres, tracking numbers, payment references, message ids.
    Ident,
    /// A name shown to people: people, accounts, products, locations, categories, carriers,
    /// cities, postcodes, countries, rules, API keys.
    Name,
    /// An email address (RFC 5321's 254-character path limit).
    Email,
    /// A link: a carrier's tracking page.
    Url,
    /// Free text: reasons, comments, descriptions, addresses. Stored losslessly.
    Text,
    /// Long free text: product setup guides and care instructions. Stored losslessly.
    LongText,
    /// A password or a token. Never stored as sent (hashed), so any character is allowed.
    Secret,
    /// The text of a file sent for processing (a bank statement): as long as a request body may
    /// be, any character (it is parsed, not stored as sent).
    File,
}

impl TextKind {
    pub const ALL: [TextKind; 9] = [
        TextKind::Code,
        TextKind::Ident,
        TextKind::Name,
        TextKind::Email,
        TextKind::Url,
        TextKind::Text,
        TextKind::LongText,
        TextKind::Secret,
        TextKind::File,
    ];

    /// The longest value accepted, in characters.
    pub const fn max_chars(self) -> usize {
        match self {
            TextKind::Code => 64,
            TextKind::Ident => 100,
            TextKind::Name => 200,
            TextKind::Email => 254,
            TextKind::Url => 2_000,
            TextKind::Text => 2_000,
            TextKind::LongText => 20_000,
            TextKind::Secret => 1_024,
            TextKind::File => 2_000_000,
        }
    }

    /// Whether control characters (Unicode category Cc) are accepted and kept.
    pub const fn allows_control(self) -> bool {
        matches!(
            self,
            TextKind::Text | TextKind::LongText | TextKind::Secret | TextKind::File
        )
    }

    /// What people call this kind of text (error messages, documentation).
    pub const fn label(self) -> &'static str {
        match self {
            TextKind::Code => "code",
            TextKind::Ident => "identifier",
            TextKind::Name => "name",
            TextKind::Email => "email address",
            TextKind::Url => "link",
            TextKind::Text => "text",
            TextKind::LongText => "long text",
            TextKind::Secret => "secret",
            TextKind::File => "file",
        }
    }
}

/// Why a text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextFault {
    TooLong {
        max: usize,
        got: usize,
    },
    /// A control character at this (0-based) character position.
    Control {
        ch: char,
        at: usize,
    },
}

impl fmt::Display for TextFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextFault::TooLong { max, got } => write!(f, "must be at most {max} characters (got {got})"),
            TextFault::Control { ch, at } => write!(
                f,
                "must not contain control characters (U+{:04X} at character {})",
                u32::from(*ch),
                at + 1
            ),
        }
    }
}

/// Checks a text against its kind's rule.
pub fn check(kind: TextKind, s: &str) -> Result<(), TextFault> {
    let max = kind.max_chars();
    // Bytes bound characters from above: most values are decided without counting.
    if s.len() > max {
        let got = s.chars().count();
        if got > max {
            return Err(TextFault::TooLong { max, got });
        }
    }
    if !kind.allows_control()
        && let Some((at, ch)) = s.chars().enumerate().find(|(_, c)| c.is_control())
    {
        return Err(TextFault::Control { ch, at });
    }
    Ok(())
}

/// [`check`] as a command refusal naming the field (`invalid_value`).
pub fn validate(kind: TextKind, s: &str, field: &str) -> Result<(), Rejection> {
    check(kind, s).map_err(|e| Rejection::new(ErrorCode::InvalidValue, field, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lengths_count_characters_not_bytes() {
        let max = TextKind::Name.max_chars();
        let at_limit = "é".repeat(max);
        assert!(at_limit.len() > max);
        assert_eq!(check(TextKind::Name, &at_limit), Ok(()));
        let over = "🦀".repeat(max + 1);
        assert_eq!(
            check(TextKind::Name, &over),
            Err(TextFault::TooLong { max, got: max + 1 })
        );
    }

    #[test]
    fn names_refuse_control_characters_and_free_text_keeps_them() {
        let err = check(TextKind::Name, "Ann\0e").unwrap_err();
        assert_eq!(
            err.to_string(),
            "must not contain control characters (U+0000 at character 4)"
        );
        assert!(check(TextKind::Ident, "PO\u{85}1").is_err());
        assert!(check(TextKind::Name, "line\nbreak").is_err());
        assert_eq!(check(TextKind::Text, "a\0b\u{1b}c\n\u{7f}"), Ok(()));
        assert_eq!(check(TextKind::Name, "שלום عالم 𝔘"), Ok(()));
    }

    #[test]
    fn validate_names_the_field_and_the_limit() {
        let r = validate(TextKind::Ident, &"x".repeat(101), "lines[0].po_number").unwrap_err();
        assert_eq!(r.code, ErrorCode::InvalidValue);
        assert_eq!(r.field, "lines[0].po_number");
        assert_eq!(r.message, "must be at most 100 characters (got 101)");
    }

    proptest! {
        #[test]
        fn accepts_exactly_what_fits(s in "\\PC{0,300}", k in 0usize..TextKind::ALL.len()) {
            let kind = TextKind::ALL[k];
            let fits = s.chars().count() <= kind.max_chars();
            prop_assert_eq!(check(kind, &s).is_ok(), fits);
        }
    }
}
