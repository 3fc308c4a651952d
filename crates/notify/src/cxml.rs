//! Posting cXML documents (confirmations, ship notices, invoices, status updates) to a buyer's
//! procurement system, and reading what it answers.
//!
//! A procurement system answers a posted document with a cXML `Response` whose status says
//! whether it took it: 2xx is delivered; a 4xx status (an unknown order, a bad credential, a
//! document it cannot accept) will not change on a retry, so the delivery is dead-lettered with
//! the buyer's words, to be replayed once the cause is fixed; a 5xx status, no answer, or an
//! HTTP failure is retried on the schedule.

use crate::webhook::{Answer, Outcome, WebhookSender};
use aftercart_interchange::cxml::{self, Document};
use std::time::Duration;
use time::OffsetDateTime;

/// Enough of a `Response` to read its status.
const MAX_ANSWER: usize = 64 * 1024;

/// How one post went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    Accepted {
        code: u16,
    },
    /// The buyer's system refused it for a reason a retry does not change.
    Refused(String),
    Retry {
        error: String,
        retry_after: Option<Duration>,
    },
    /// The target was refused (a private address, not a URL): nothing was sent.
    Blocked(String),
}

/// Posts `body` to `url` as `text/xml` and reads the answer.
pub async fn post(sender: &WebhookSender, url: &str, body: &str, now: OffsetDateTime) -> Posted {
    match sender
        .post_plain(url, "text/xml; charset=UTF-8", body.as_bytes(), MAX_ANSWER, now)
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

/// What an answer means: the cXML status when the body is a `Response`, else the HTTP status.
pub fn understand(a: &Answer) -> Posted {
    let status = match cxml::parse(a.body.as_bytes()) {
        Ok(Document::Response(r)) => Some(r.status),
        _ => None,
    };
    let (code, text) = match &status {
        Some(s) => (
            s.code,
            format!("cXML {} {}: {}", s.code, s.text, s.message.clone().unwrap_or_default()),
        ),
        None => (
            a.status,
            format!("HTTP {}: {}", a.status, a.body.chars().take(300).collect::<String>()),
        ),
    };
    let text = text.trim_end_matches([' ', ':']).to_owned();
    if !(200..300).contains(&a.status) && status.is_none() {
        // No cXML answer: the HTTP status decides (429 and 5xx retried, as are other 4xx,
        // which are as often a proxy in the way as the buyer's system).
        return Posted::Retry {
            error: text,
            retry_after: a.retry_after,
        };
    }
    match code {
        200..=299 => Posted::Accepted { code },
        429 | 500..=599 => Posted::Retry {
            error: text,
            retry_after: a.retry_after,
        },
        _ => Posted::Refused(text),
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

    fn response(code: u16, text: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><cXML payloadID="1@b" timestamp="2026-12-01T10:00:00+00:00"><Response><Status code="{code}" text="{text}">why</Status></Response></cXML>"#
        )
    }

    #[test]
    fn the_cxml_status_decides_over_the_http_one() {
        assert_eq!(
            understand(&answer(200, &response(200, "OK"))),
            Posted::Accepted { code: 200 }
        );
        assert_eq!(
            understand(&answer(200, &response(201, "Accepted"))),
            Posted::Accepted { code: 201 }
        );
        assert_eq!(
            understand(&answer(200, &response(406, "Not Acceptable"))),
            Posted::Refused("cXML 406 Not Acceptable: why".into())
        );
        assert!(matches!(
            understand(&answer(500, &response(500, "Internal"))),
            Posted::Retry { .. }
        ));
        // A 4xx HTTP status carrying a cXML refusal is a refusal.
        assert!(matches!(
            understand(&answer(401, &response(401, "Unauthorized"))),
            Posted::Refused(_)
        ));
    }

    #[test]
    fn without_a_cxml_answer_the_http_status_decides() {
        assert_eq!(understand(&answer(204, "")), Posted::Accepted { code: 204 });
        assert!(matches!(understand(&answer(503, "busy")), Posted::Retry { .. }));
        assert!(matches!(
            understand(&answer(404, "<html>no</html>")),
            Posted::Retry { .. }
        ));
    }
}
