//! Support cases: a conversation between a customer and the seller about one record (an order,
//! a shipment, an invoice, a return or an exception).
//!
//! The rules, with no I/O: the statuses and what moves them, first-response and resolution
//! times, and the limits on what people write (from [`crate::text`]). Internal notes — the
//! seller's remarks customers never see — are deliberately *not* part of [`Case`]: they live in
//! [`CaseNotes`], a separate aggregate, so nothing built from a case (its pages, its API
//! representation, its version number, its message count) can reveal that a note exists.

use crate::text::{self, TextKind};
use crate::{ErrorCode, Rejection};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseId(pub Uuid);

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The most messages one case holds: a conversation longer than this is several problems, and
/// a bound keeps the case document (read on every page view) small.
pub const MAX_MESSAGES: usize = 500;

/// Where a case stands. Derived from who wrote last, except `Solved`, which someone sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Opened by the customer and not answered yet.
    Open,
    /// The seller answered; the customer's turn.
    WaitingOnCustomer,
    /// The customer wrote again; the seller's turn.
    WaitingOnUs,
    Solved,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 4] = [
        CaseStatus::Open,
        CaseStatus::WaitingOnCustomer,
        CaseStatus::WaitingOnUs,
        CaseStatus::Solved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::WaitingOnCustomer => "waiting_on_customer",
            CaseStatus::WaitingOnUs => "waiting_on_us",
            CaseStatus::Solved => "solved",
        }
    }

    pub fn parse(s: &str, field: &str) -> Result<CaseStatus, Rejection> {
        CaseStatus::ALL.into_iter().find(|c| c.as_str() == s).ok_or_else(|| {
            Rejection::new(
                ErrorCode::InvalidValue,
                field,
                format!("'{s}' is not a case status (open, waiting_on_customer, waiting_on_us, solved)"),
            )
        })
    }

    /// Whether the seller has something to do (the console's queue).
    pub fn needs_us(self) -> bool {
        matches!(self, CaseStatus::Open | CaseStatus::WaitingOnUs)
    }
}

/// The kind of record a case is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AboutKind {
    Order,
    Shipment,
    Invoice,
    Return,
    Exception,
}

impl AboutKind {
    pub const ALL: [AboutKind; 5] = [
        AboutKind::Order,
        AboutKind::Shipment,
        AboutKind::Invoice,
        AboutKind::Return,
        AboutKind::Exception,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AboutKind::Order => "order",
            AboutKind::Shipment => "shipment",
            AboutKind::Invoice => "invoice",
            AboutKind::Return => "return",
            AboutKind::Exception => "exception",
        }
    }

    pub fn parse(s: &str, field: &str) -> Result<AboutKind, Rejection> {
        AboutKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            Rejection::new(
                ErrorCode::InvalidValue,
                field,
                format!("'{s}' is not something a case can be about (order, shipment, invoice, return, exception)"),
            )
        })
    }
}

/// The record a case is about, with what the application looked up when the case was opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct About {
    pub kind: AboutKind,
    pub id: Uuid,
    /// What people call it: "order SO-1042", "shipment UPS 1Z… of SO-1042", "invoice INV-7".
    pub label: String,
    /// For a shipment: its order (whose timeline the case's events join, and whose page links it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<Uuid>,
}

impl About {
    /// The record whose timeline carries this case's events: a shipment's order, else the record.
    pub fn timeline_subject(&self) -> (&'static str, Uuid) {
        match (self.kind, self.order_id) {
            (AboutKind::Shipment, Some(o)) => ("order", o),
            (k, _) => (k.as_str(), self.id),
        }
    }
}

/// Which side of the conversation someone writes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Customer,
    Seller,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Customer => "customer",
            Side::Seller => "seller",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub side: Side,
    /// The user's id (stable, for "my cases"); the name as it was when they wrote.
    pub id: String,
    pub name: String,
}

/// A staff user a case is assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignee {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub author: Author,
    /// Stored exactly as written.
    pub body: String,
}

/// A support case: what both sides see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    /// CS-1001.
    pub number: String,
    pub account_id: crate::ids::AccountId,
    pub about: About,
    pub subject: String,
    pub status: CaseStatus,
    /// When the case entered its current status: the queue shows the longest waiting first.
    #[serde(with = "time::serde::rfc3339")]
    pub status_since: OffsetDateTime,
    pub assignee: Option<Assignee>,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    pub opened_by: Author,
    /// Opened by seller staff for the customer (from the console), not by the customer.
    pub on_behalf: bool,
    pub messages: Vec<Message>,
    /// The seller's first reply to a case the customer opened (none for cases staff opened).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub first_response_at: Option<OffsetDateTime>,
    /// When it was (last) solved; cleared when someone writes again.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub solved_at: Option<OffsetDateTime>,
    /// The id of the case's internal notes (a [`CaseNotes`] document, created with the case).
    pub notes_id: Uuid,
}

/// What opening a case needs besides who and when.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub id: CaseId,
    pub number: String,
    pub account_id: crate::ids::AccountId,
    pub about: About,
    pub subject: String,
    pub body: String,
    pub notes_id: Uuid,
}

/// What a status change did, for the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    pub from: CaseStatus,
    pub to: CaseStatus,
}

impl Moved {
    pub fn reopened(&self) -> bool {
        self.from == CaseStatus::Solved && self.to != CaseStatus::Solved
    }
}

/// Checks a message body: required and within the free-text limit.
pub fn check_body(body: &str, field: &str) -> Result<(), Rejection> {
    if body.trim().is_empty() {
        return Err(Rejection::new(ErrorCode::InvalidValue, field, "write a message"));
    }
    text::validate(TextKind::Text, body, field)
}

/// Checks a subject: required, a one-line name.
pub fn check_subject(subject: &str, field: &str) -> Result<(), Rejection> {
    if subject.trim().is_empty() {
        return Err(Rejection::new(
            ErrorCode::InvalidValue,
            field,
            "give the case a subject",
        ));
    }
    text::validate(TextKind::Name, subject, field)
}

impl Case {
    /// Opens a case with its first message. A case the customer opens is `Open` until the seller
    /// answers; one the seller opens starts with the seller's message, so it waits on the customer.
    pub fn open(n: NewCase, by: Author, at: OffsetDateTime) -> Result<Case, Rejection> {
        check_subject(&n.subject, "subject")?;
        check_body(&n.body, "body")?;
        let on_behalf = by.side == Side::Seller;
        let status = if on_behalf {
            CaseStatus::WaitingOnCustomer
        } else {
            CaseStatus::Open
        };
        Ok(Case {
            id: n.id,
            number: n.number,
            account_id: n.account_id,
            about: n.about,
            subject: n.subject.trim().to_owned(),
            status,
            status_since: at,
            assignee: None,
            opened_at: at,
            opened_by: by.clone(),
            on_behalf,
            messages: vec![Message {
                at,
                author: by,
                body: n.body,
            }],
            first_response_at: None,
            solved_at: None,
            notes_id: n.notes_id,
        })
    }

    /// Adds a message from either side. A customer's message puts the case on the seller's desk
    /// (an unanswered case stays `Open`); the seller's puts it on the customer's, or solves it
    /// when `solve` is set. Writing to a solved case reopens it. Validated before anything moves.
    pub fn write(&mut self, by: Author, body: String, solve: bool, at: OffsetDateTime) -> Result<Moved, Rejection> {
        check_body(&body, "body")?;
        if self.messages.len() >= MAX_MESSAGES {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "body",
                format!("this case already has {MAX_MESSAGES} messages; open a new case"),
            ));
        }
        if solve && by.side == Side::Customer {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "solve",
                "only the seller solves a case with a reply; mark it solved instead",
            ));
        }
        let from = self.status;
        let to = match (by.side, from) {
            (Side::Seller, _) if solve => CaseStatus::Solved,
            (Side::Seller, _) => CaseStatus::WaitingOnCustomer,
            (Side::Customer, CaseStatus::Open) => CaseStatus::Open,
            (Side::Customer, _) => CaseStatus::WaitingOnUs,
        };
        if by.side == Side::Seller && self.first_response_at.is_none() && self.opened_by.side == Side::Customer {
            self.first_response_at = Some(at);
        }
        self.messages.push(Message { at, author: by, body });
        self.move_to(to, at);
        Ok(Moved { from, to })
    }

    /// Sets the status by hand. The seller may set any status; a customer may only mark the case
    /// solved (they reopen it by writing).
    pub fn set_status(&mut self, side: Side, to: CaseStatus, at: OffsetDateTime) -> Result<Moved, Rejection> {
        if side == Side::Customer && to != CaseStatus::Solved {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "status",
                "you can mark a case solved; to reopen it, write a message",
            ));
        }
        if to == self.status {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "status",
                format!("the case is already {}", to.as_str().replace('_', " ")),
            ));
        }
        let from = self.status;
        self.move_to(to, at);
        Ok(Moved { from, to })
    }

    fn move_to(&mut self, to: CaseStatus, at: OffsetDateTime) {
        if to != self.status {
            self.status_since = at;
        }
        self.status = to;
        self.solved_at = (to == CaseStatus::Solved).then_some(at);
    }

    /// Assigns the case to a staff user, or unassigns it (`None`).
    pub fn assign(&mut self, to: Option<Assignee>) -> Result<(), Rejection> {
        if self.assignee == to {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "assignee_id",
                match &to {
                    Some(a) => format!("the case is already assigned to {}", a.name),
                    None => "the case is not assigned to anyone".to_owned(),
                },
            ));
        }
        self.assignee = to;
        Ok(())
    }

    /// From opening to the seller's first reply (cases the customer opened).
    pub fn first_response_time(&self) -> Option<Duration> {
        self.first_response_at.map(|t| t - self.opened_at)
    }

    /// From opening to being solved (while it is solved).
    pub fn resolution_time(&self) -> Option<Duration> {
        self.solved_at.map(|t| t - self.opened_at)
    }

    /// How long the case has waited in its current status.
    pub fn waiting(&self, now: OffsetDateTime) -> Duration {
        now - self.status_since
    }
}

/// One internal note: the seller's remark on a case, never shown to the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub author: Author,
    pub body: String,
}

/// A case's internal notes: their own aggregate (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseNotes {
    pub id: Uuid,
    pub case_id: CaseId,
    pub notes: Vec<Note>,
}

impl CaseNotes {
    pub fn new(id: Uuid, case_id: CaseId) -> CaseNotes {
        CaseNotes {
            id,
            case_id,
            notes: Vec::new(),
        }
    }

    /// Adds a note. Only the seller writes notes; they change nothing about the case itself
    /// (status, times, version), so the customer cannot tell one was written.
    pub fn add(&mut self, by: Author, body: String, at: OffsetDateTime) -> Result<(), Rejection> {
        if by.side != Side::Seller {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "internal",
                "internal notes are for the seller's staff",
            ));
        }
        check_body(&body, "body")?;
        if self.notes.len() >= MAX_MESSAGES {
            return Err(Rejection::new(
                ErrorCode::InvalidState,
                "body",
                format!("this case already has {MAX_MESSAGES} internal notes"),
            ));
        }
        self.notes.push(Note { at, author: by, body });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn who(side: Side) -> Author {
        Author {
            side,
            id: side.as_str().into(),
            name: match side {
                Side::Customer => "Bea Buyer".into(),
                Side::Seller => "Alex Agent".into(),
            },
        }
    }

    fn opened(by: Side) -> Case {
        Case::open(
            NewCase {
                id: CaseId(Uuid::nil()),
                number: "CS-1001".into(),
                account_id: crate::ids::AccountId(Uuid::nil()),
                about: About {
                    kind: AboutKind::Shipment,
                    id: Uuid::max(),
                    label: "shipment of SO-1".into(),
                    order_id: Some(Uuid::nil()),
                },
                subject: "  Where is my parcel?  ".into(),
                body: "It was due yesterday.".into(),
                notes_id: Uuid::nil(),
            },
            who(by),
            datetime!(2026-11-20 9:00 UTC),
        )
        .expect("opens")
    }

    #[test]
    fn a_customer_case_moves_with_who_wrote_last_and_keeps_its_times() {
        let mut c = opened(Side::Customer);
        assert_eq!(c.status, CaseStatus::Open);
        assert_eq!(c.subject, "Where is my parcel?");
        assert_eq!(c.about.timeline_subject(), ("order", Uuid::nil()));
        // A follow-up before any answer leaves it unanswered.
        c.write(
            who(Side::Customer),
            "Any news?".into(),
            false,
            datetime!(2026-11-20 9:30 UTC),
        )
        .expect("writes");
        assert_eq!(c.status, CaseStatus::Open);
        let m = c
            .write(
                who(Side::Seller),
                "Looking now.".into(),
                false,
                datetime!(2026-11-20 11:15 UTC),
            )
            .expect("answers");
        assert_eq!((m.from, m.to), (CaseStatus::Open, CaseStatus::WaitingOnCustomer));
        assert_eq!(c.first_response_time(), Some(Duration::minutes(135)));
        c.write(
            who(Side::Customer),
            "Thanks".into(),
            false,
            datetime!(2026-11-20 12:00 UTC),
        )
        .expect("writes");
        assert_eq!(c.status, CaseStatus::WaitingOnUs);
        assert_eq!(c.status_since, datetime!(2026-11-20 12:00 UTC));
        c.write(
            who(Side::Seller),
            "It arrives today.".into(),
            true,
            datetime!(2026-11-20 13:00 UTC),
        )
        .expect("solves");
        assert_eq!(c.status, CaseStatus::Solved);
        assert_eq!(c.resolution_time(), Some(Duration::hours(4)));
        // A second reply does not move the first response.
        assert_eq!(c.first_response_time(), Some(Duration::minutes(135)));
        // Either side reopens by writing.
        let m = c
            .write(
                who(Side::Customer),
                "It did not.".into(),
                false,
                datetime!(2026-11-21 9:00 UTC),
            )
            .expect("reopens");
        assert!(m.reopened());
        assert_eq!(c.status, CaseStatus::WaitingOnUs);
        assert_eq!(c.resolution_time(), None);
        c.set_status(Side::Seller, CaseStatus::Solved, datetime!(2026-11-21 10:00 UTC))
            .expect("solved");
        let m = c
            .write(
                who(Side::Seller),
                "Re-sent.".into(),
                false,
                datetime!(2026-11-21 11:00 UTC),
            )
            .expect("reopens");
        assert!(m.reopened());
        assert_eq!(c.status, CaseStatus::WaitingOnCustomer);
        assert_eq!(c.messages.len(), 7);
    }

    #[test]
    fn a_case_the_seller_opens_waits_on_the_customer_and_has_no_first_response() {
        let mut c = opened(Side::Seller);
        assert!(c.on_behalf);
        assert_eq!(c.status, CaseStatus::WaitingOnCustomer);
        c.write(
            who(Side::Seller),
            "Also…".into(),
            false,
            datetime!(2026-11-20 10:00 UTC),
        )
        .expect("writes");
        assert_eq!(c.first_response_time(), None);
    }

    #[test]
    fn bad_input_is_refused_naming_the_field_and_changes_nothing() {
        let mut c = opened(Side::Customer);
        let before = c.clone();
        let at = datetime!(2026-11-20 10:00 UTC);
        let e = c.write(who(Side::Customer), "   ".into(), false, at).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (ErrorCode::InvalidValue, "body"));
        let e = c
            .write(
                who(Side::Customer),
                "x".repeat(TextKind::Text.max_chars() + 1),
                false,
                at,
            )
            .unwrap_err();
        assert_eq!(e.field, "body");
        assert!(e.message.contains("at most 2000"), "{}", e.message);
        let e = c.write(who(Side::Customer), "ok".into(), true, at).unwrap_err();
        assert_eq!(e.field, "solve");
        let e = c.set_status(Side::Customer, CaseStatus::WaitingOnUs, at).unwrap_err();
        assert_eq!(e.field, "status");
        let e = c.set_status(Side::Seller, CaseStatus::Open, at).unwrap_err();
        assert_eq!((e.code, e.field.as_str()), (ErrorCode::InvalidState, "status"));
        assert_eq!(c, before);
        assert_eq!(CaseStatus::parse("closed", "status").unwrap_err().field, "status");
        assert_eq!(
            AboutKind::parse("payment", "about.kind").unwrap_err().field,
            "about.kind"
        );
        let mut n = NewCase {
            id: CaseId(Uuid::nil()),
            number: "CS-1".into(),
            account_id: crate::ids::AccountId(Uuid::nil()),
            about: before.about.clone(),
            subject: "ok".into(),
            body: "".into(),
            notes_id: Uuid::nil(),
        };
        assert_eq!(
            Case::open(n.clone(), who(Side::Customer), at).unwrap_err().field,
            "body"
        );
        n.body = "hi".into();
        n.subject = "line\nbreak".into();
        assert_eq!(Case::open(n, who(Side::Customer), at).unwrap_err().field, "subject");
    }

    #[test]
    fn notes_are_the_sellers_and_touch_nothing_of_the_case() {
        let c = opened(Side::Customer);
        let mut notes = CaseNotes::new(c.notes_id, c.id);
        let at = datetime!(2026-11-20 10:00 UTC);
        assert_eq!(
            notes.add(who(Side::Customer), "peek".into(), at).unwrap_err().field,
            "internal"
        );
        notes
            .add(
                who(Side::Seller),
                "Carrier says lost; refund if not found by Friday.".into(),
                at,
            )
            .expect("note");
        assert_eq!(notes.notes.len(), 1);
        assert_eq!(c.status, CaseStatus::Open);
        assert_eq!(c.messages.len(), 1);
    }

    #[test]
    fn assignment_changes_only_when_it_changes() {
        let mut c = opened(Side::Customer);
        let a = Assignee {
            id: "u1".into(),
            name: "Alex".into(),
        };
        c.assign(Some(a.clone())).expect("assigns");
        assert_eq!(c.assign(Some(a)).unwrap_err().field, "assignee_id");
        c.assign(None).expect("unassigns");
        assert_eq!(c.assign(None).unwrap_err().code, ErrorCode::InvalidState);
    }
}
