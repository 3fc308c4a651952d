//! Vocabulary words from callers: carrier tracking statuses, payment methods and JSON media
//! types. Never panic; normalising is stable (our own word maps to itself); payment
//! methods ignore ASCII case.
#![no_main]

use aftercart_api::extract::is_json_media_type;
use aftercart_domain::invoice::PaymentMethod;
use aftercart_domain::tracking::TrackingStatus;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Some(t) = TrackingStatus::normalise(s) {
        assert_eq!(TrackingStatus::normalise(t.as_str()), Some(t));
        assert_eq!(TrackingStatus::normalise(&s.to_ascii_uppercase()), Some(t));
    }
    let m = PaymentMethod::parse(s, "method").ok();
    assert_eq!(PaymentMethod::parse(&s.to_ascii_uppercase(), "method").ok(), m);
    if let Some(m) = m {
        assert_eq!(PaymentMethod::parse(m.as_str(), "method").ok(), Some(m));
    }
    if is_json_media_type(s) {
        let essence = s.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        assert!(
            essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json")),
            "{s:?}"
        );
    }
});
