//! The form pattern (after the GOV.UK Design System): a form that fails re-renders with an
//! error summary titled "There is a problem" linking to each field at fault, each error beside
//! its field, and every value kept. Text fields are checked with the same limits as the API
//! ([`aftercart_domain::text`]).

use aftercart_domain::text::{self, TextKind};

#[derive(Debug, Clone, Default)]
pub struct Errors {
    /// (field id, message), in the order the fields appear.
    pub items: Vec<(String, String)>,
}

impl Errors {
    /// A value picked from a list the page offered (a `<select>`): `None` when left empty, and an
    /// error on `field` when it is not one of `offered` (a stale or hand-edited link).
    pub fn choice<T: PartialEq>(
        &mut self,
        field: &str,
        raw: &str,
        offered: &[(T, String)],
        wrap: impl Fn(uuid::Uuid) -> T,
        message: &str,
    ) -> Option<T> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let picked = uuid::Uuid::parse_str(raw)
            .ok()
            .map(wrap)
            .filter(|t| offered.iter().any(|(id, _)| id == t));
        if picked.is_none() {
            self.add(field, message);
        }
        picked
    }

    /// The cursor of a "Next page" link; a broken one is reported on `field`.
    pub fn cursor(&mut self, field: &str, raw: &str) -> Option<uuid::Uuid> {
        match raw.trim() {
            "" => None,
            c => {
                let u = uuid::Uuid::parse_str(c).ok();
                if u.is_none() {
                    self.add(field, "That page link is broken; start again from the first page");
                }
                u
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.items.push((field.to_owned(), message.into()));
        }
    }

    /// The error beside `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.items.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    /// The message for `field`, or "" (templates: `{% if !e.msg("x").is_empty() %}`).
    pub fn msg(&self, field: &str) -> &str {
        self.get(field).unwrap_or("")
    }

    /// Checks a text field: required (with the message to show when empty) and within its
    /// kind's limits. Returns the trimmed value.
    pub fn text(&mut self, field: &str, label: &str, value: &str, kind: TextKind, required: Option<&str>) -> String {
        let v = if kind == TextKind::Secret {
            value.to_owned()
        } else {
            value.trim().to_owned()
        };
        if v.is_empty() {
            if let Some(m) = required {
                self.add(field, m);
            }
            return v;
        }
        if let Err(fault) = text::check(kind, &v) {
            self.add(field, format!("{label} {fault}"));
        }
        v
    }
}
