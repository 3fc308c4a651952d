//! Receivables aging — open balances by how long they are past due — and days sales
//! outstanding.
//!
//! An [`Aging`] is a fixed-size accumulator: adding an invoice is a few integer operations and
//! never allocates, so a report over millions of invoices is one pass, and partial agings (per
//! account, per shard of a scan) merge into a total.

use crate::money::{Currency, Money};
use time::Date;

/// How far past due an open balance is, by days past the due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bucket {
    /// Not yet due, or due today.
    Current,
    Days1To30,
    Days31To60,
    Days61To90,
    Over90,
}

impl Bucket {
    /// Youngest first: the order of a report's columns and of [`Aging::buckets`].
    pub const ALL: [Bucket; 5] = [
        Bucket::Current,
        Bucket::Days1To30,
        Bucket::Days31To60,
        Bucket::Days61To90,
        Bucket::Over90,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Bucket::Current => "Current",
            Bucket::Days1To30 => "1–30",
            Bucket::Days31To60 => "31–60",
            Bucket::Days61To90 => "61–90",
            Bucket::Over90 => "90+",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Current => "current",
            Bucket::Days1To30 => "1_30",
            Bucket::Days31To60 => "31_60",
            Bucket::Days61To90 => "61_90",
            Bucket::Over90 => "90_plus",
        }
    }

    pub fn parse(s: &str) -> Option<Bucket> {
        Bucket::ALL.into_iter().find(|b| b.as_str() == s)
    }

    /// The position in [`Bucket::ALL`] and in [`Aging::buckets`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The bucket of a balance due on `due_on`, seen on `today`.
pub fn bucket(due_on: Date, today: Date) -> Bucket {
    match (today - due_on).whole_days() {
        i64::MIN..=0 => Bucket::Current,
        1..=30 => Bucket::Days1To30,
        31..=60 => Bucket::Days31To60,
        61..=90 => Bucket::Days61To90,
        _ => Bucket::Over90,
    }
}

/// Open balances of one currency by bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aging {
    pub currency: Currency,
    /// Indexed by [`Bucket::index`].
    pub buckets: [Money; 5],
    pub total: Money,
    /// How many balances were added.
    pub invoices: u64,
}

impl Aging {
    pub fn new(currency: Currency) -> Aging {
        let zero = Money::zero(currency);
        Aging {
            currency,
            buckets: [zero; 5],
            total: zero,
            invoices: 0,
        }
    }

    /// Adds an invoice's open balance. Balances that are not positive (paid, over-credited) are
    /// not receivables and are left out, as are balances in another currency: an aging is of one
    /// currency, and a caller aging several keeps one per currency. Sums saturate rather than
    /// wrap, though that needs more than 92 quadrillion minor units.
    pub fn add(&mut self, balance: Money, due_on: Date, today: Date) {
        if !balance.is_positive() || balance.currency() != self.currency {
            return;
        }
        let slot = &mut self.buckets[bucket(due_on, today).index()];
        *slot = plus(*slot, balance);
        self.total = plus(self.total, balance);
        self.invoices += 1;
    }

    /// Adds another aging of the same currency (one of another currency is left out, as in
    /// [`Aging::add`]).
    pub fn merge(&mut self, other: &Aging) {
        if other.currency != self.currency {
            return;
        }
        for (mine, theirs) in self.buckets.iter_mut().zip(other.buckets) {
            *mine = plus(*mine, theirs);
        }
        self.total = plus(self.total, other.total);
        self.invoices = self.invoices.saturating_add(other.invoices);
    }

    pub fn get(&self, b: Bucket) -> Money {
        self.buckets[b.index()]
    }

    /// What is past due: every bucket but `Current`.
    pub fn overdue(&self) -> Money {
        let current = self.get(Bucket::Current).minor();
        Money::from_minor(self.total.minor().saturating_sub(current), self.currency)
    }
}

fn plus(a: Money, b: Money) -> Money {
    Money::from_minor(a.minor().saturating_add(b.minor()), a.currency())
}

/// Days sales outstanding over a period: receivables now ÷ credit sales in the period × days in
/// the period, in tenths of a day (integer arithmetic, rounded half up; 452 is 45.2 days).
///
/// `None` when there were no sales (nothing to divide by) or the two amounts are in different
/// currencies. Receivables below zero — an account in credit — give 0.
pub fn dso_tenths(receivables: Money, sales_in_period: Money, period_days: u32) -> Option<u64> {
    if !sales_in_period.is_positive() || receivables.currency() != sales_in_period.currency() {
        return None;
    }
    let owed = i128::from(receivables.minor().max(0));
    let sales = i128::from(sales_in_period.minor());
    let numerator = owed * i128::from(period_days) * 10;
    let tenths = (2 * numerator + sales) / (2 * sales);
    Some(u64::try_from(tenths).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    // Amounts in minor units are written units_cents: 120_00 is 120.00.
    #![allow(clippy::inconsistent_digit_grouping)]

    use super::*;
    use time::Duration;
    use time::macros::date;

    fn usd() -> Currency {
        Currency::parse("USD", "currency").unwrap()
    }

    fn m(minor: i64) -> Money {
        Money::from_minor(minor, usd())
    }

    const TODAY: Date = date!(2026 - 11 - 30);

    fn days_ago(n: i64) -> Date {
        TODAY - Duration::days(n)
    }

    #[test]
    fn buckets_by_days_past_due_with_inclusive_upper_bounds() {
        for (past_due, expected) in [
            (-10, Bucket::Current),
            (0, Bucket::Current),
            (1, Bucket::Days1To30),
            (30, Bucket::Days1To30),
            (31, Bucket::Days31To60),
            (60, Bucket::Days31To60),
            (61, Bucket::Days61To90),
            (90, Bucket::Days61To90),
            (91, Bucket::Over90),
            (5000, Bucket::Over90),
        ] {
            assert_eq!(bucket(days_ago(past_due), TODAY), expected, "{past_due} days past due");
        }
        // Across a month end and a leap day, days are counted, not months.
        assert_eq!(bucket(date!(2028 - 01 - 30), date!(2028 - 03 - 01)), Bucket::Days31To60);
        assert_eq!(bucket(date!(2028 - 01 - 31), date!(2028 - 03 - 01)), Bucket::Days1To30);
    }

    #[test]
    fn labels_and_codes_are_stable_and_round_trip() {
        let labels: Vec<&str> = Bucket::ALL.iter().map(|b| b.label()).collect();
        assert_eq!(labels, ["Current", "1–30", "31–60", "61–90", "90+"]);
        let codes: Vec<&str> = Bucket::ALL.iter().map(|b| b.as_str()).collect();
        assert_eq!(codes, ["current", "1_30", "31_60", "61_90", "90_plus"]);
        for (i, b) in Bucket::ALL.into_iter().enumerate() {
            assert_eq!(b.index(), i);
            assert_eq!(Bucket::parse(b.as_str()), Some(b));
        }
        assert_eq!(Bucket::parse("90+"), None);
    }

    #[test]
    fn adds_open_balances_into_their_bucket_and_skips_the_rest() {
        let mut a = Aging::new(usd());
        a.add(m(100), days_ago(-3), TODAY);
        a.add(m(200), days_ago(15), TODAY);
        a.add(m(300), days_ago(15), TODAY);
        a.add(m(400), days_ago(45), TODAY);
        a.add(m(500), days_ago(75), TODAY);
        a.add(m(600), days_ago(120), TODAY);
        a.add(m(0), days_ago(120), TODAY);
        a.add(m(-50), days_ago(120), TODAY);
        a.add(
            Money::from_minor(700, Currency::parse("EUR", "c").unwrap()),
            days_ago(1),
            TODAY,
        );
        assert_eq!(a.buckets, [m(100), m(500), m(400), m(500), m(600)]);
        assert_eq!(a.get(Bucket::Days1To30), m(500));
        assert_eq!(a.total, m(2100));
        assert_eq!(a.overdue(), m(2000));
        assert_eq!(a.invoices, 6);
        assert_eq!(a.buckets.iter().map(Money::minor).sum::<i64>(), a.total.minor());
    }

    #[test]
    fn merging_partial_agings_gives_the_aging_of_the_whole() {
        let balances = [(100, 0), (250, 10), (75, 40), (990, 70), (5, 200), (42, 33)];
        let mut whole = Aging::new(usd());
        let mut halves = [Aging::new(usd()), Aging::new(usd())];
        for (k, &(minor, past_due)) in balances.iter().enumerate() {
            whole.add(m(minor), days_ago(past_due), TODAY);
            halves[k % 2].add(m(minor), days_ago(past_due), TODAY);
        }
        let mut merged = Aging::new(usd());
        merged.merge(&halves[0]);
        merged.merge(&halves[1]);
        assert_eq!(merged, whole);
        let euros = {
            let mut e = Aging::new(Currency::parse("EUR", "c").unwrap());
            e.add(Money::from_minor(1, e.currency), TODAY, TODAY);
            e
        };
        merged.merge(&euros);
        assert_eq!(merged, whole, "another currency is left out");
    }

    #[test]
    fn sums_saturate_instead_of_wrapping() {
        let mut a = Aging::new(usd());
        a.add(m(i64::MAX), TODAY, TODAY);
        a.add(m(1), TODAY, TODAY);
        assert_eq!(a.total, m(i64::MAX));
        assert_eq!(a.invoices, 2);
    }

    #[test]
    fn a_million_invoices_age_in_one_pass() {
        let mut a = Aging::new(usd());
        for k in 0..1_000_000i64 {
            a.add(m(k % 10_000 + 1), days_ago(k % 150 - 20), TODAY);
        }
        assert_eq!(a.invoices, 1_000_000);
        assert_eq!(a.buckets.iter().map(Money::minor).sum::<i64>(), a.total.minor());
    }

    #[test]
    fn dso_in_tenths_of_a_day() {
        // 45,000 owed on 90,000 of sales over 90 days: 45.0 days.
        assert_eq!(dso_tenths(m(45_000), m(90_000), 90), Some(450));
        // 10 / 30 × 31 = 10.333… → 10.3; 10 / 30 × 32 = 10.666… → 10.7.
        assert_eq!(dso_tenths(m(10), m(30), 31), Some(103));
        assert_eq!(dso_tenths(m(10), m(30), 32), Some(107));
        // Exactly half a tenth rounds up: 1 / 4 × 1 = 0.25 → 0.3.
        assert_eq!(dso_tenths(m(1), m(4), 1), Some(3));
        assert_eq!(dso_tenths(m(0), m(30), 30), Some(0));
        assert_eq!(dso_tenths(m(-500), m(30), 30), Some(0), "an account in credit");
        assert_eq!(dso_tenths(m(100), m(0), 30), None, "no sales");
        assert_eq!(dso_tenths(m(100), m(-5), 30), None);
        let eur = Money::from_minor(100, Currency::parse("EUR", "c").unwrap());
        assert_eq!(dso_tenths(eur, m(100), 30), None);
        // Extreme inputs neither overflow nor panic.
        assert_eq!(dso_tenths(m(i64::MAX), m(1), u32::MAX), Some(u64::MAX));
        assert_eq!(dso_tenths(m(i64::MAX), m(i64::MAX), 365), Some(3650));
    }
}
