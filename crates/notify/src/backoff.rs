//! The Standard Webhooks retry schedule, as data.
//!
//! The schedule lists when each of the ten attempts is made, each delay counted from the
//! failure of the one before: the first goes at once, the second 5 s after the first
//! failed, and so on up to 24 h. An event that fails three times and then succeeds is
//! delivered about 35 min 5 s after its first attempt.

use std::time::Duration;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;

/// The delay before attempt `i + 1` (so `SCHEDULE[0]` is the first attempt's).
pub const SCHEDULE: [Duration; 10] = [
    Duration::ZERO,
    Duration::from_secs(5),
    Duration::from_secs(5 * MINUTE),
    Duration::from_secs(30 * MINUTE),
    Duration::from_secs(2 * HOUR),
    Duration::from_secs(5 * HOUR),
    Duration::from_secs(10 * HOUR),
    Duration::from_secs(14 * HOUR),
    Duration::from_secs(20 * HOUR),
    Duration::from_secs(24 * HOUR),
];

/// The longest any receiver can make us wait with `Retry-After`.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * HOUR);

/// Delays below this are not jittered: "at once" must stay at once.
const JITTER_FROM: Duration = Duration::from_secs(5);
const JITTER_SPAN: f64 = 0.10;

/// How long to wait before the next attempt, given how many were already made (0 for an
/// event never tried). `None` means the schedule is spent: dead-letter the event.
///
/// `jitter` (0..1, from the caller's RNG) spreads delays of 5 s and more over ±10 %, so
/// that events failing together (an endpoint down for an hour) do not retry together.
pub fn next_delay(attempts_made: u32, jitter: f64) -> Option<Duration> {
    let base = *SCHEDULE.get(usize::try_from(attempts_made).ok()?)?;
    if base < JITTER_FROM {
        return Some(base);
    }
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let factor = 1.0 + (jitter * 2.0 - 1.0) * JITTER_SPAN;
    Some(base.mul_f64(factor))
}

/// [`next_delay`], but a receiver's `Retry-After` that asks for longer wins (capped at
/// 24 h). A spent schedule stays spent whatever the receiver asks.
pub fn next_delay_honouring(attempts_made: u32, jitter: f64, retry_after: Option<Duration>) -> Option<Duration> {
    let scheduled = next_delay(attempts_made, jitter)?;
    Some(match retry_after {
        Some(asked) => scheduled.max(asked.min(MAX_RETRY_AFTER)),
        None => scheduled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_schedule_without_jitter() {
        let delays: Vec<_> = (0..10).map(|n| next_delay(n, 0.5).unwrap()).collect();
        assert_eq!(delays, SCHEDULE);
        assert_eq!(next_delay(1, 0.5), Some(Duration::from_secs(5)));
        assert_eq!(next_delay(9, 0.5), Some(Duration::from_secs(24 * HOUR)));
    }

    #[test]
    fn is_exhausted_after_ten_attempts() {
        assert_eq!(next_delay(10, 0.5), None);
        assert_eq!(next_delay(u32::MAX, 0.5), None);
        assert_eq!(next_delay_honouring(10, 0.5, Some(Duration::from_secs(1))), None);
    }

    #[test]
    fn three_failures_then_success_is_35_min_5_s_after_the_first() {
        let total: Duration = (0..4).map(|n| next_delay(n, 0.5).unwrap()).sum();
        assert_eq!(total, Duration::from_secs(35 * MINUTE + 5));
    }

    #[test]
    fn jitter_spreads_ten_percent_either_way() {
        let thirty_min = Duration::from_secs(30 * MINUTE);
        assert_eq!(next_delay(3, 0.0), Some(thirty_min.mul_f64(0.9)));
        assert_eq!(next_delay(3, 1.0), Some(thirty_min.mul_f64(1.1)));
        assert_eq!(next_delay(1, 0.0), Some(Duration::from_millis(4500)));
        // Out-of-range or NaN jitter never leaves the ±10 % band.
        assert_eq!(next_delay(3, 7.0), Some(thirty_min.mul_f64(1.1)));
        assert_eq!(next_delay(3, f64::NAN), Some(thirty_min));
    }

    #[test]
    fn the_first_attempt_is_never_delayed() {
        assert_eq!(next_delay(0, 0.0), Some(Duration::ZERO));
        assert_eq!(next_delay(0, 1.0), Some(Duration::ZERO));
    }

    #[test]
    fn a_longer_retry_after_wins_up_to_a_day() {
        let five_s = Duration::from_secs(5);
        assert_eq!(
            next_delay_honouring(1, 0.5, Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(next_delay_honouring(1, 0.5, Some(Duration::from_secs(1))), Some(five_s));
        assert_eq!(next_delay_honouring(1, 0.5, None), Some(five_s));
        assert_eq!(
            next_delay_honouring(1, 0.5, Some(Duration::from_secs(7 * 24 * HOUR))),
            Some(MAX_RETRY_AFTER)
        );
    }
}
