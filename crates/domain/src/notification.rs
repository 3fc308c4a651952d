//! Notifications: which milestones exist, who hears about which on what channel, digests and
//! quiet hours. Pure rules over preferences and a time passed in; rendering and sending live
//! outside the domain.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime, UtcOffset, Weekday};

/// What a customer may want to hear about, each derived from one timeline event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    OrderApproved,
    OrderRejected,
    Shipped,
    OutForDelivery,
    Delivered,
    Delayed,
    BackorderDateChanged,
    InvoiceIssued,
    PaymentReceived,
    PaymentDueSoon,
    Overdue,
    ExceptionRaised,
    ChangeRequestOutcome,
    ReturnStatus,
    CaseReply,
}

impl MilestoneKind {
    pub const ALL: [MilestoneKind; 15] = [
        MilestoneKind::OrderApproved,
        MilestoneKind::OrderRejected,
        MilestoneKind::Shipped,
        MilestoneKind::OutForDelivery,
        MilestoneKind::Delivered,
        MilestoneKind::Delayed,
        MilestoneKind::BackorderDateChanged,
        MilestoneKind::InvoiceIssued,
        MilestoneKind::PaymentReceived,
        MilestoneKind::PaymentDueSoon,
        MilestoneKind::Overdue,
        MilestoneKind::ExceptionRaised,
        MilestoneKind::ChangeRequestOutcome,
        MilestoneKind::ReturnStatus,
        MilestoneKind::CaseReply,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneKind::OrderApproved => "order_approved",
            MilestoneKind::OrderRejected => "order_rejected",
            MilestoneKind::Shipped => "shipped",
            MilestoneKind::OutForDelivery => "out_for_delivery",
            MilestoneKind::Delivered => "delivered",
            MilestoneKind::Delayed => "delayed",
            MilestoneKind::BackorderDateChanged => "backorder_date_changed",
            MilestoneKind::InvoiceIssued => "invoice_issued",
            MilestoneKind::PaymentReceived => "payment_received",
            MilestoneKind::PaymentDueSoon => "payment_due_soon",
            MilestoneKind::Overdue => "overdue",
            MilestoneKind::ExceptionRaised => "exception_raised",
            MilestoneKind::ChangeRequestOutcome => "change_request_outcome",
            MilestoneKind::ReturnStatus => "return_status",
            MilestoneKind::CaseReply => "case_reply",
        }
    }

    pub fn parse(s: &str) -> Option<MilestoneKind> {
        MilestoneKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// For people, in a preferences table.
    pub fn label(self) -> &'static str {
        match self {
            MilestoneKind::OrderApproved => "Order approved",
            MilestoneKind::OrderRejected => "Order rejected",
            MilestoneKind::Shipped => "Shipped",
            MilestoneKind::OutForDelivery => "Out for delivery",
            MilestoneKind::Delivered => "Delivered",
            MilestoneKind::Delayed => "Delayed or at risk",
            MilestoneKind::BackorderDateChanged => "Backorder date changed",
            MilestoneKind::InvoiceIssued => "Invoice issued",
            MilestoneKind::PaymentReceived => "Payment received",
            MilestoneKind::PaymentDueSoon => "Payment due soon",
            MilestoneKind::Overdue => "Invoice overdue",
            MilestoneKind::ExceptionRaised => "Problem found with an order",
            MilestoneKind::ChangeRequestOutcome => "Change request decided",
            MilestoneKind::ReturnStatus => "Return status",
            MilestoneKind::CaseReply => "Reply on a support case",
        }
    }

    /// Money matters: what finance users hear about by default.
    pub fn is_billing(self) -> bool {
        matches!(
            self,
            MilestoneKind::InvoiceIssued
                | MilestoneKind::PaymentReceived
                | MilestoneKind::PaymentDueSoon
                | MilestoneKind::Overdue
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    InApp,
    Email,
    Sms,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::InApp, Channel::Email, Channel::Sms];
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::InApp => "in_app",
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// How milestone emails arrive: one by one, or gathered into a daily or weekly summary.
/// In-app and SMS are always immediate (SMS only outside quiet hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    #[default]
    Immediately,
    Daily,
    Weekly,
}

impl Cadence {
    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Immediately => "immediately",
            Cadence::Daily => "daily",
            Cadence::Weekly => "weekly",
        }
    }
    pub fn parse(s: &str) -> Option<Cadence> {
        [Cadence::Immediately, Cadence::Daily, Cadence::Weekly]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// Local hour at which digests go out.
pub const DIGEST_HOUR: u8 = 7;

/// A daily window (in the user's local time, given as a UTC offset) in which nothing is sent
/// that would interrupt: SMS and immediate emails wait for its end. It may span midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    /// Minutes after local midnight, 0..1440.
    pub start_minute: u16,
    pub end_minute: u16,
}

impl QuietHours {
    pub fn new(start_minute: u16, end_minute: u16) -> Option<QuietHours> {
        (start_minute < 1440 && end_minute < 1440 && start_minute != end_minute).then_some(QuietHours {
            start_minute,
            end_minute,
        })
    }

    /// When something due at `now` may be sent: `now` outside the window, else the window's end.
    pub fn release(self, now: OffsetDateTime, offset: UtcOffset) -> OffsetDateTime {
        let local = now.to_offset(offset);
        let minute = u16::from(local.hour()) * 60 + u16::from(local.minute());
        let (s, e) = (self.start_minute, self.end_minute);
        let inside = if s < e {
            minute >= s && minute < e
        } else {
            minute >= s || minute < e
        };
        if !inside {
            return now;
        }
        let wait = if minute < e { e - minute } else { 1440 - minute + e };
        let at_minute = local
            .replace_second(0)
            .and_then(|t| t.replace_nanosecond(0))
            .unwrap_or(local);
        (at_minute + Duration::minutes(i64::from(wait))).to_offset(now.offset())
    }
}

/// One user's choices. Milestones not in `channels` use the role defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Preferences {
    #[serde(default)]
    pub channels: BTreeMap<MilestoneKind, Vec<Channel>>,
    #[serde(default)]
    pub cadence: Cadence,
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// The user's offset from UTC in minutes (quiet hours and digest times are local).
    #[serde(default)]
    pub utc_offset_minutes: i16,
    /// Where SMS go (E.164); SMS are never sent without one.
    #[serde(default)]
    pub phone: Option<String>,
}

/// What a user's roles make them care about when they have chosen nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Interests {
    pub orders: bool,
    pub billing: bool,
    pub approvals: bool,
}

impl Preferences {
    /// Defaults by role: buyers and admins hear about their orders, finance about invoices and
    /// payments, approvers about approval outcomes; in the portal and by email, never by SMS
    /// (which is opt-in).
    pub fn defaults(i: Interests) -> Preferences {
        let both = vec![Channel::InApp, Channel::Email];
        let channels = MilestoneKind::ALL
            .into_iter()
            .map(|k| {
                let wanted = match k {
                    MilestoneKind::OrderApproved | MilestoneKind::OrderRejected => i.orders || i.approvals,
                    k if k.is_billing() => i.billing,
                    _ => i.orders,
                };
                (k, if wanted { both.clone() } else { Vec::new() })
            })
            .collect();
        Preferences {
            channels,
            ..Preferences::default()
        }
    }

    /// These preferences over a base (the company's or the role's defaults): a milestone the
    /// user set wins, the rest come from the base; cadence, quiet hours and phone are the user's.
    pub fn over(&self, base: &Preferences) -> Preferences {
        let mut channels = base.channels.clone();
        for (k, v) in &self.channels {
            channels.insert(*k, v.clone());
        }
        Preferences {
            channels,
            ..self.clone()
        }
    }

    pub fn wants(&self, k: MilestoneKind, c: Channel) -> bool {
        if c == Channel::Sms && self.phone.is_none() {
            return false;
        }
        self.channels.get(&k).is_some_and(|cs| cs.contains(&c))
    }

    /// Turns one channel of one milestone off (a one-click unsubscribe).
    pub fn unsubscribe(&mut self, k: MilestoneKind, c: Channel) {
        let cs = self.channels.entry(k).or_default();
        cs.retain(|x| *x != c);
    }

    pub fn offset(&self) -> UtcOffset {
        UtcOffset::from_whole_seconds(i32::from(self.utc_offset_minutes) * 60).unwrap_or(UtcOffset::UTC)
    }

    /// When an interrupting message (SMS, immediate email) raised at `now` may go out.
    pub fn send_at(&self, now: OffsetDateTime) -> OffsetDateTime {
        self.quiet_hours.map_or(now, |q| q.release(now, self.offset()))
    }

    /// The next digest time strictly after `now` for this cadence (None when immediate): daily
    /// at 07:00 local, weekly on Monday at 07:00 local.
    pub fn next_digest(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let weekly = match self.cadence {
            Cadence::Immediately => return None,
            Cadence::Daily => false,
            Cadence::Weekly => true,
        };
        let local = now.to_offset(self.offset());
        let mut day = local.date();
        loop {
            let at = day.with_hms(DIGEST_HOUR, 0, 0).ok()?.assume_offset(self.offset());
            if at > local && (!weekly || day.weekday() == Weekday::Monday) {
                return Some(at.to_offset(now.offset()));
            }
            day = day.next_day()?;
        }
    }
}

/// Whether a string is a plausible E.164 phone number (+ then 8–15 digits).
pub fn valid_phone(s: &str) -> bool {
    let Some(d) = s.strip_prefix('+') else { return false };
    (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn defaults_follow_roles() {
        let finance = Preferences::defaults(Interests {
            billing: true,
            ..Interests::default()
        });
        assert!(finance.wants(MilestoneKind::InvoiceIssued, Channel::Email));
        assert!(!finance.wants(MilestoneKind::Shipped, Channel::Email));
        let buyer = Preferences::defaults(Interests {
            orders: true,
            ..Interests::default()
        });
        assert!(buyer.wants(MilestoneKind::Shipped, Channel::InApp));
        assert!(!buyer.wants(MilestoneKind::Overdue, Channel::InApp));
        assert!(!buyer.wants(MilestoneKind::Shipped, Channel::Sms), "SMS is opt-in");
    }

    #[test]
    fn sms_needs_a_phone_and_own_choices_win() {
        let base = Preferences::defaults(Interests {
            orders: true,
            ..Interests::default()
        });
        let mut mine = Preferences::default();
        mine.channels.insert(MilestoneKind::Delivered, vec![Channel::Sms]);
        let p = mine.over(&base);
        assert!(!p.wants(MilestoneKind::Delivered, Channel::Sms), "no phone");
        assert!(
            !p.wants(MilestoneKind::Delivered, Channel::Email),
            "the user's choice replaced the default"
        );
        assert!(
            p.wants(MilestoneKind::Shipped, Channel::Email),
            "untouched milestones keep the base"
        );
        let p = Preferences {
            phone: Some("+14155550100".into()),
            ..p
        };
        assert!(p.wants(MilestoneKind::Delivered, Channel::Sms));
        let mut q = p.clone();
        q.unsubscribe(MilestoneKind::Shipped, Channel::Email);
        assert!(!q.wants(MilestoneKind::Shipped, Channel::Email));
        assert!(q.wants(MilestoneKind::Shipped, Channel::InApp));
    }

    #[test]
    fn quiet_hours_hold_until_their_end_across_midnight() {
        let q = QuietHours::new(22 * 60, 7 * 60).expect("valid");
        let off = UtcOffset::from_hms(-5, 0, 0).unwrap();
        // 23:30 local (04:30 UTC) → 07:00 local next day (12:00 UTC).
        assert_eq!(
            q.release(datetime!(2026-03-02 04:30 UTC), off),
            datetime!(2026-03-02 12:00 UTC)
        );
        // 06:59 local → 07:00 local.
        assert_eq!(
            q.release(datetime!(2026-03-02 11:59 UTC), off),
            datetime!(2026-03-02 12:00 UTC)
        );
        // 07:00 local is outside: now.
        assert_eq!(
            q.release(datetime!(2026-03-02 12:00 UTC), off),
            datetime!(2026-03-02 12:00 UTC)
        );
        let day = QuietHours::new(12 * 60, 13 * 60).unwrap();
        assert_eq!(
            day.release(datetime!(2026-03-02 12:15 UTC), UtcOffset::UTC),
            datetime!(2026-03-02 13:00 UTC)
        );
        assert!(QuietHours::new(60, 60).is_none());
        assert!(QuietHours::new(0, 1440).is_none());
    }

    #[test]
    fn digests_go_out_at_seven_local() {
        let mut p = Preferences {
            cadence: Cadence::Daily,
            utc_offset_minutes: 60,
            ..Preferences::default()
        };
        // 05:00 UTC = 06:00 local → 07:00 local = 06:00 UTC the same day.
        assert_eq!(
            p.next_digest(datetime!(2026-03-04 05:00 UTC)),
            Some(datetime!(2026-03-04 06:00 UTC))
        );
        assert_eq!(
            p.next_digest(datetime!(2026-03-04 06:00 UTC)),
            Some(datetime!(2026-03-05 06:00 UTC))
        );
        p.cadence = Cadence::Weekly;
        // 2026-03-04 is a Wednesday → Monday 2026-03-09.
        assert_eq!(
            p.next_digest(datetime!(2026-03-04 05:00 UTC)),
            Some(datetime!(2026-03-09 06:00 UTC))
        );
        p.cadence = Cadence::Immediately;
        assert_eq!(p.next_digest(datetime!(2026-03-04 05:00 UTC)), None);
    }

    #[test]
    fn phones_are_e164() {
        assert!(valid_phone("+14155550100"));
        assert!(!valid_phone("4155550100"));
        assert!(!valid_phone("+1 415 555"));
        assert!(!valid_phone("+0123456789"));
    }

    #[test]
    fn every_kind_round_trips() {
        for k in MilestoneKind::ALL {
            assert_eq!(MilestoneKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.as_str()));
        }
    }
}
