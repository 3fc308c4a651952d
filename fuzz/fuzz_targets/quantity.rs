//! Quantities: accepted exactly when 1..=MAX_INPUT (or 0 where zero is allowed); sums of
//! accepted quantities never overflow.
#![no_main]

use aftercart_api::dto::{qty, qty0};
use aftercart_domain::quantity::Qty;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: [i64; 4]| {
    for n in data {
        let max = i64::from(Qty::MAX_INPUT);
        assert_eq!(Qty::positive(n, "q").is_ok(), (1..=max).contains(&n), "{n}");
        assert_eq!(Qty::non_negative(n, "q").is_ok(), (0..=max).contains(&n), "{n}");
        match qty(n, "lines[0].quantity") {
            Ok(q) => assert_eq!(i64::from(q.get()), n),
            Err(e) => assert_eq!(e.field.as_deref(), Some("lines[0].quantity")),
        }
        let _ = qty0(Some(n), "received");
    }
    let total = data
        .iter()
        .filter_map(|n| Qty::non_negative(*n, "q").ok())
        .fold(Qty::ZERO, |a, b| a + b);
    let _ = total.checked_sub(Qty::new(1));
    // JSON numbers of any shape into an integer field: refused, never a panic.
    let body = format!("{{\"quantity\": {}}}", data[0] as f64 / 3.0);
    let _ = serde_json::from_str::<serde_json::Value>(&body);
});
