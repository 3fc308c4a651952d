use std::time::Duration;

use time::OffsetDateTime;
use time::macros::format_description;

/// A `Retry-After` value (RFC 9110 §10.2.3): delay-seconds or an IMF-fixdate. A date in
/// the past means "now"; anything unreadable is ignored rather than trusted.
pub(crate) fn parse(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let format =
        format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    let at = time::PrimitiveDateTime::parse(value, format).ok()?.assume_utc();
    let wait = at - now;
    Some(if wait.is_negative() {
        Duration::ZERO
    } else {
        wait.unsigned_abs()
    })
}

pub(crate) fn from_headers(headers: &reqwest::header::HeaderMap, now: OffsetDateTime) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse(v, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn seconds_and_dates() {
        let now = datetime!(2026-11-06 08:49:30 UTC);
        assert_eq!(parse("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse("Fri, 06 Nov 2026 08:49:37 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(parse("Fri, 06 Nov 2026 08:49:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse("soon", now), None);
        assert_eq!(parse("-3", now), None);
    }
}
