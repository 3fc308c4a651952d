//! Posting X12 interchanges (855, 856, 810) to a trading partner's HTTP endpoint.
//!
//! X12 has no in-band answer to a post: whether the partner could read what it got comes later,
//! as a 997 it sends us. So the HTTP status decides the delivery: 2xx delivered; 408, 429 and
//! 5xx (and no answer) retried on the schedule; any other 4xx will not change on a retry and is
//! dead-lettered with the partner's words, to be replayed once the cause is fixed.

use crate::cxml::Posted;
use crate::webhook::{Answer, Outcome, WebhookSender};
use time::OffsetDateTime;

const MAX_ANSWER: usize = 16 * 1024;

/// Posts `body` to `url` as `application/edi-x12` and reads the answer.
pub async fn post(sender: &WebhookSender, url: &str, body: &str, now: OffsetDateTime) -> Posted {
    match sender
        .post_plain(url, "application/edi-x12", body.as_bytes(), MAX_ANSWER, now)
        .await
    {
        Ok(a) => understand(&a),
        Err(Outcome::Blocked(e)) => Posted::Blocked(e.to_string()),
        Err(Outcome::Retry { error, retry_after, .. }) => Posted::Retry { error, retry_after },
        Err(other) => Posted::Retry {
            error: format!("{other:?}"),
            retry_after: None,
        },
    }
}

/// What an HTTP answer means for the delivery.
pub fn understand(a: &Answer) -> Posted {
    let text = format!("HTTP {}: {}", a.status, a.body.chars().take(300).collect::<String>());
    let text = text.trim_end_matches([' ', ':']).to_owned();
    match a.status {
        200..=299 => Posted::Accepted { code: a.status },
        408 | 429 | 500..=599 => Posted::Retry {
            error: text,
            retry_after: a.retry_after,
        },
        400..=499 => Posted::Refused(text),
        _ => Posted::Retry {
            error: text,
            retry_after: a.retry_after,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.into(),
            retry_after: None,
        }
    }

    #[test]
    fn the_http_status_decides() {
        assert_eq!(understand(&answer(202, "")), Posted::Accepted { code: 202 });
        assert_eq!(
            understand(&answer(400, "bad ISA")),
            Posted::Refused("HTTP 400: bad ISA".into())
        );
        assert!(matches!(understand(&answer(503, "")), Posted::Retry { .. }));
        assert!(matches!(understand(&answer(429, "")), Posted::Retry { .. }));
        assert!(matches!(understand(&answer(302, "")), Posted::Retry { .. }));
    }
}
