//! Dates (`YYYY-MM-DD`), RFC 3339 timestamps and list query strings (from/to bounds, cursor,
//! limit, status): never panic; accepted values format back to themselves; errors name the
//! parameter.
#![no_main]

use aftercart_api::dto::{ListParams, d, date, timestamp, ts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        match date(&Some(s), "requested_date") {
            Ok(Some(v)) => {
                let back = d(v);
                assert_eq!(
                    date(&Some(back.as_str()), "x").ok().flatten(),
                    Some(v),
                    "{s:?} -> {back:?}"
                );
            }
            Ok(None) => unreachable!(),
            Err(e) => assert_eq!(e.field.as_deref(), Some("requested_date")),
        }
        match timestamp(&Some(s), "placed_at") {
            Ok(Some(v)) => {
                let back = ts(v);
                let again = timestamp(&Some(back.as_str()), "x").ok().flatten();
                assert_eq!(again, Some(v), "{s:?} -> {back:?}");
            }
            Ok(None) => unreachable!(),
            Err(e) => assert_eq!(e.field.as_deref(), Some("placed_at")),
        }
    }
    // The same bytes as a query string of a list endpoint.
    if let Ok(q) = serde_urlencoded::from_bytes::<ListParams>(data) {
        let _ = q.filter();
    }
});
