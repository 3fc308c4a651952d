//! Carrier tracking bodies: never panic; what parses is sane (scans oldest first, all for the
//! update's tracking number, our status exactly what the provider's mapping gives for the
//! carrier's own words); a refusal names a path; signature checks never panic and never accept
//! a body signed with another secret.
#![no_main]

use aftercart_interchange::tracking::{
    Provider, TrackingError, TrackingUpdate, aftership_status, easypost_status, parse_aftership, parse_easypost,
    parse_ups_track_alert, parse_ups_track_response, ups_status, verify,
};
use libfuzzer_sys::fuzz_target;

fn sane(u: &TrackingUpdate) {
    assert!(!u.tracking_number.is_empty() && u.tracking_number.trim() == u.tracking_number);
    assert!(
        u.events.windows(2).all(|w| w[0].occurred_at <= w[1].occurred_at),
        "oldest first"
    );
    for e in &u.events {
        assert_eq!(e.tracking_number, u.tracking_number);
        assert_eq!(e.occurred_at.offset(), time::UtcOffset::UTC);
        let s = &e.carrier_status;
        assert!(!s.status.is_empty());
        let mapped = match u.provider {
            Provider::EasyPost => easypost_status(&s.status),
            Provider::AfterShip => aftership_status(&s.status, s.detail.as_deref()),
            Provider::Ups => ups_status(
                &s.status,
                s.detail.as_deref(),
                s.code.as_deref(),
                s.description.as_deref(),
            ),
        };
        assert_eq!(e.status, mapped, "{s:?}");
        assert_eq!(e.notification_id, u.notification_id);
    }
}

fn refused(e: &TrackingError) {
    match e {
        TrackingError::Invalid { path, reason } => assert!(!path.is_empty() && !reason.is_empty()),
        TrackingError::NotTracking(what) => assert!(!what.is_empty()),
    }
}

fuzz_target!(|data: &[u8]| {
    for parse in [parse_easypost, parse_aftership, parse_ups_track_alert] {
        match parse(data) {
            Ok(u) => sane(&u),
            Err(e) => refused(&e),
        }
    }
    match parse_ups_track_response(data) {
        Ok(updates) => updates.iter().for_each(sane),
        Err(e) => refused(&e),
    }
    // The first line as a header value, the rest as the body.
    let (head, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let value = String::from_utf8_lossy(head);
    for (provider, header) in [
        (Provider::EasyPost, "X-Hmac-Signature"),
        (Provider::AfterShip, "aftership-hmac-sha256"),
        (Provider::Ups, "credential"),
    ] {
        let headers = [(header, value.as_ref())];
        // A secret the input cannot know: an HMAC match would be a forgery.
        let secret = "fuzz-secret-not-in-any-input-8f3a";
        if provider != Provider::Ups || value != secret {
            assert!(verify(provider, &headers, body, secret).is_err());
        }
        assert!(
            verify(provider, &headers, body, "").is_err(),
            "no secret verifies nothing"
        );
    }
});
