//! Dunning: escalating reminders for an unpaid invoice on a schedule relative to its due date,
//! for what is actually owed — never for the disputed part, and not while a payment is being
//! processed.

use crate::error::{ErrorCode, Rejection, Result};
use crate::money::Money;
use serde::{Deserialize, Serialize};
use time::{Date, Duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Reminder,
    DueToday,
    Overdue,
    SecondNotice,
    FinalNotice,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Reminder,
        Level::DueToday,
        Level::Overdue,
        Level::SecondNotice,
        Level::FinalNotice,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Level::Reminder => "Payment reminder",
            Level::DueToday => "Due today",
            Level::Overdue => "Overdue",
            Level::SecondNotice => "Second notice",
            Level::FinalNotice => "Final notice",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Reminder => "reminder",
            Level::DueToday => "due_today",
            Level::Overdue => "overdue",
            Level::SecondNotice => "second_notice",
            Level::FinalNotice => "final_notice",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Days relative to the due date: −3 is three days before it, 0 the day itself.
    pub offset_days: i32,
    pub level: Level,
}

impl Step {
    /// The day the step falls due for an invoice due on `due_on` (`None` beyond the calendar).
    pub fn date(&self, due_on: Date) -> Option<Date> {
        due_on.checked_add(Duration::days(i64::from(self.offset_days)))
    }
}

/// An account's dunning schedule. Steps are identified by their index, which is what an invoice
/// records as sent, so a schedule edited after reminders went out is read against the new steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub steps: Vec<Step>,
}

pub const MAX_STEPS: usize = 10;
/// Two months before the due date is the earliest a reminder makes sense …
pub const MIN_OFFSET_DAYS: i32 = -60;
/// … and a year after it the latest; beyond that the debt is a collections matter.
pub const MAX_OFFSET_DAYS: i32 = 365;

impl Schedule {
    /// Three days before, on the day, then one, two and four weeks or so after.
    pub fn standard() -> Schedule {
        let step = |offset_days, level| Step { offset_days, level };
        Schedule {
            steps: vec![
                step(-3, Level::Reminder),
                step(0, Level::DueToday),
                step(7, Level::Overdue),
                step(14, Level::SecondNotice),
                step(30, Level::FinalNotice),
            ],
        }
    }

    /// 1 to 10 steps with strictly increasing offsets within −60..=365 days. Levels may repeat (a
    /// seller may send two overdue notices) and need not rise.
    pub fn validate(&self) -> Result<()> {
        if self.steps.is_empty() || self.steps.len() > MAX_STEPS {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "steps",
                format!("a schedule has 1 to {MAX_STEPS} steps, not {}", self.steps.len()),
            ));
        }
        for (i, s) in self.steps.iter().enumerate() {
            let field = format!("steps[{i}].offset_days");
            if !(MIN_OFFSET_DAYS..=MAX_OFFSET_DAYS).contains(&s.offset_days) {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    field,
                    format!(
                        "a step is between {} days before and {MAX_OFFSET_DAYS} days after the due date",
                        -MIN_OFFSET_DAYS
                    ),
                ));
            }
            if let Some(prev) = i.checked_sub(1).map(|p| self.steps[p])
                && s.offset_days <= prev.offset_days
            {
                return Err(Rejection::new(
                    ErrorCode::InvalidValue,
                    field,
                    format!(
                        "each step comes after the one before it ({} days is not after {} days)",
                        s.offset_days, prev.offset_days
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// What dunning needs to know about one invoice, all amounts in the invoice's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvoiceDunning<'a> {
    pub due_on: Date,
    pub balance: Money,
    /// Open dispute amounts on the invoice.
    pub disputed: Money,
    /// Online payments in flight.
    pub processing: Money,
    /// Indexes of the schedule's steps already sent for this invoice.
    pub sent: &'a [usize],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// All that is left to pay is under dispute.
    Disputed,
    /// A payment is being processed: a reminder now would cross it.
    PaymentProcessing,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Disputed => "disputed",
            SkipReason::PaymentProcessing => "payment_processing",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SkipReason::Disputed => "the whole balance is disputed",
            SkipReason::PaymentProcessing => "a payment is being processed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send step `step`, dunning `amount` (the balance less what is disputed or processing).
    Send {
        step: usize,
        level: Level,
        amount: Money,
    },
    Nothing,
    /// A step is due but held back.
    Skipped {
        reason: SkipReason,
    },
}

/// What to send for `inv` on `today`.
///
/// The step considered is the latest one due by today; it is sent unless it, or a later step,
/// was sent already. An invoice that fell behind (a schedule started late, a run missed) gets only
/// that latest step, never a burst of every reminder it missed, and a milder earlier step is never
/// sent after a sterner one.
///
/// `Skipped` is only returned when that step would otherwise go out, so an invoice with nothing
/// due gives `Nothing` whatever its state, and a step held back can still be sent once the hold
/// ends (a dispute resolved, a payment failed). A paid invoice gives `Nothing`.
pub fn decide(schedule: &Schedule, inv: &InvoiceDunning, today: Date) -> Decision {
    if !inv.balance.is_positive() {
        return Decision::Nothing;
    }
    let latest_due = schedule
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.date(inv.due_on).is_some_and(|d| d <= today))
        .map(|(i, _)| i)
        .max();
    let Some(step) = latest_due else {
        return Decision::Nothing;
    };
    if inv.sent.iter().any(|&s| s >= step) {
        return Decision::Nothing;
    }
    let disputed = inv.disputed.minor().max(0);
    let processing = inv.processing.minor().max(0);
    if processing > 0 {
        return Decision::Skipped {
            reason: SkipReason::PaymentProcessing,
        };
    }
    let dunnable = inv.balance.minor().saturating_sub(disputed);
    if dunnable <= 0 {
        return Decision::Skipped {
            reason: SkipReason::Disputed,
        };
    }
    Decision::Send {
        step,
        level: schedule.steps[step].level,
        amount: Money::from_minor(dunnable, inv.balance.currency()),
    }
}

#[cfg(test)]
mod tests {
    // Amounts in minor units are written units_cents: 120_00 is 120.00.
    #![allow(clippy::inconsistent_digit_grouping)]

    use super::*;
    use crate::money::Currency;
    use time::macros::date;

    fn usd() -> Currency {
        Currency::parse("USD", "currency").unwrap()
    }

    fn m(minor: i64) -> Money {
        Money::from_minor(minor, usd())
    }

    const DUE: Date = date!(2026 - 11 - 30);

    fn on(offset: i64) -> Date {
        DUE + Duration::days(offset)
    }

    fn inv(balance: i64, sent: &[usize]) -> InvoiceDunning<'_> {
        InvoiceDunning {
            due_on: DUE,
            balance: m(balance),
            disputed: m(0),
            processing: m(0),
            sent,
        }
    }

    fn send(step: usize, level: Level, amount: i64) -> Decision {
        Decision::Send {
            step,
            level,
            amount: m(amount),
        }
    }

    #[test]
    fn the_standard_schedule_is_valid_and_escalates() {
        let s = Schedule::standard();
        s.validate().unwrap();
        let steps: Vec<(i32, Level)> = s.steps.iter().map(|s| (s.offset_days, s.level)).collect();
        assert_eq!(
            steps,
            vec![
                (-3, Level::Reminder),
                (0, Level::DueToday),
                (7, Level::Overdue),
                (14, Level::SecondNotice),
                (30, Level::FinalNotice),
            ]
        );
    }

    #[test]
    fn each_step_is_sent_on_its_day_once() {
        let s = Schedule::standard();
        let mut sent = Vec::new();
        let mut log = Vec::new();
        for offset in -10..=60 {
            if let Decision::Send { step, level, amount } = decide(&s, &inv(100_00, &sent), on(offset)) {
                assert_eq!(amount, m(100_00));
                log.push((offset, step, level));
                sent.push(step);
            }
        }
        assert_eq!(
            log,
            vec![
                (-3, 0, Level::Reminder),
                (0, 1, Level::DueToday),
                (7, 2, Level::Overdue),
                (14, 3, Level::SecondNotice),
                (30, 4, Level::FinalNotice),
            ]
        );
    }

    #[test]
    fn nothing_before_the_first_step_or_between_steps() {
        let s = Schedule::standard();
        assert_eq!(decide(&s, &inv(100_00, &[]), on(-4)), Decision::Nothing);
        assert_eq!(decide(&s, &inv(100_00, &[1]), on(3)), Decision::Nothing);
        assert_eq!(decide(&s, &inv(100_00, &[0, 1, 2, 3, 4]), on(400)), Decision::Nothing);
    }

    #[test]
    fn a_backlog_sends_only_the_latest_step() {
        let s = Schedule::standard();
        assert_eq!(
            decide(&s, &inv(100_00, &[]), on(20)),
            send(3, Level::SecondNotice, 100_00)
        );
        assert_eq!(
            decide(&s, &inv(100_00, &[0]), on(45)),
            send(4, Level::FinalNotice, 100_00)
        );
        // Once the latest was sent, the earlier ones it skipped are not sent after it.
        assert_eq!(decide(&s, &inv(100_00, &[3]), on(20)), Decision::Nothing);
        // Nor is a milder step sent after a sterner one (a schedule edited since, say).
        assert_eq!(decide(&s, &inv(100_00, &[4]), on(20)), Decision::Nothing);
    }

    #[test]
    fn a_paid_invoice_gets_nothing() {
        let s = Schedule::standard();
        assert_eq!(decide(&s, &inv(0, &[]), on(10)), Decision::Nothing);
        assert_eq!(decide(&s, &inv(-5_00, &[]), on(10)), Decision::Nothing, "over-credited");
        let mut paid_while_processing = inv(0, &[]);
        paid_while_processing.processing = m(1_00);
        assert_eq!(decide(&s, &paid_while_processing, on(10)), Decision::Nothing);
    }

    #[test]
    fn paused_while_a_payment_is_processing() {
        let s = Schedule::standard();
        let mut i = inv(100_00, &[]);
        i.processing = m(30_00);
        assert_eq!(
            decide(&s, &i, on(8)),
            Decision::Skipped {
                reason: SkipReason::PaymentProcessing
            }
        );
        // Nothing due: nothing to skip.
        assert_eq!(decide(&s, &i, on(-10)), Decision::Nothing);
        // The payment failed: the held step goes out.
        i.processing = m(0);
        assert_eq!(decide(&s, &i, on(8)), send(2, Level::Overdue, 100_00));
    }

    #[test]
    fn only_the_undisputed_part_is_dunned() {
        let s = Schedule::standard();
        let mut i = inv(100_00, &[]);
        i.disputed = m(40_00);
        assert_eq!(decide(&s, &i, on(7)), send(2, Level::Overdue, 60_00));
    }

    #[test]
    fn a_wholly_disputed_invoice_is_skipped() {
        let s = Schedule::standard();
        let mut i = inv(100_00, &[]);
        i.disputed = m(100_00);
        let skipped = Decision::Skipped {
            reason: SkipReason::Disputed,
        };
        assert_eq!(decide(&s, &i, on(7)), skipped);
        i.disputed = m(120_00);
        assert_eq!(decide(&s, &i, on(7)), skipped, "disputed more than is left to pay");
        assert_eq!(decide(&s, &i, on(-5)), Decision::Nothing);
    }

    #[test]
    fn processing_is_checked_before_disputes() {
        let s = Schedule::standard();
        let mut i = inv(100_00, &[]);
        i.disputed = m(100_00);
        i.processing = m(1);
        assert_eq!(
            decide(&s, &i, on(7)),
            Decision::Skipped {
                reason: SkipReason::PaymentProcessing
            }
        );
    }

    #[test]
    fn negative_holds_count_as_none() {
        let s = Schedule::standard();
        let mut i = inv(100_00, &[]);
        i.disputed = m(-10_00);
        i.processing = m(-10_00);
        assert_eq!(decide(&s, &i, on(0)), send(1, Level::DueToday, 100_00));
    }

    #[test]
    fn steps_beyond_the_calendar_are_never_due() {
        let s = Schedule {
            steps: vec![Step {
                offset_days: 30,
                level: Level::Overdue,
            }],
        };
        let mut i = inv(100_00, &[]);
        i.due_on = Date::MAX;
        assert_eq!(decide(&s, &i, Date::MAX), Decision::Nothing);
    }

    #[test]
    fn validation_names_the_step_at_fault() {
        let step = |offset_days| Step {
            offset_days,
            level: Level::Overdue,
        };
        let field = |s: Schedule| s.validate().unwrap_err().field;
        assert_eq!(field(Schedule { steps: vec![] }), "steps");
        assert_eq!(
            field(Schedule {
                steps: (0..11).map(step).collect()
            }),
            "steps"
        );
        Schedule {
            steps: (0..10).map(step).collect(),
        }
        .validate()
        .unwrap();
        assert_eq!(field(Schedule { steps: vec![step(-61)] }), "steps[0].offset_days");
        assert_eq!(
            field(Schedule {
                steps: vec![step(0), step(366)]
            }),
            "steps[1].offset_days"
        );
        Schedule {
            steps: vec![step(-60), step(365)],
        }
        .validate()
        .unwrap();
        assert_eq!(
            field(Schedule {
                steps: vec![step(0), step(7), step(7)]
            }),
            "steps[2].offset_days"
        );
        assert_eq!(
            field(Schedule {
                steps: vec![step(7), step(3)]
            }),
            "steps[1].offset_days"
        );
        let e = Schedule {
            steps: vec![step(7), step(3)],
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidValue);
    }

    #[test]
    fn schedules_are_stored_as_json_with_stable_names() {
        let json = serde_json::to_string(&Schedule::standard()).unwrap();
        assert!(
            json.starts_with(r#"{"steps":[{"offset_days":-3,"level":"reminder"}"#),
            "{json}"
        );
        let back: Schedule = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Schedule::standard());
        for l in Level::ALL {
            assert_eq!(serde_json::to_value(l).unwrap(), serde_json::json!(l.as_str()));
            assert_eq!(Level::parse(l.as_str()), Some(l));
            assert!(!l.label().is_empty());
        }
    }
}
