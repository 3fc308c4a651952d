//! Money and currency parsing: never panics; what parses formats back to a string that parses to
//! the same amount; no more fractional digits than the currency has; a currency is exactly three
//! ASCII upper-case letters.
#![no_main]

use aftercart_api::dto::MoneyDto;
use aftercart_domain::money::{Currency, Money};
use libfuzzer_sys::fuzz_target;

const CURRENCIES: [&str; 6] = ["USD", "JPY", "KWD", "CLF", "EUR", "BHD"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(s) = std::str::from_utf8(rest) else { return };
    // Currency: the first three characters when asked, else a known one.
    let code = if pick & 0x80 != 0 {
        s.get(..3.min(s.len())).unwrap_or("")
    } else {
        CURRENCIES[usize::from(pick) % CURRENCIES.len()]
    };
    let amount = if pick & 0x80 != 0 {
        s.get(3.min(s.len())..).unwrap_or("")
    } else {
        s
    };
    match Currency::parse(code, "currency") {
        Ok(c) => {
            assert!(
                code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()),
                "{code:?}"
            );
            assert_eq!(c.code(), code);
            if let Ok(m) = Money::parse(amount, c, "amount") {
                assert_eq!(m.currency(), c);
                let text = m.amount_string();
                let again = Money::parse(&text, c, "amount").expect("a formatted amount parses");
                assert_eq!(again, m, "{amount:?} -> {text:?}");
                let frac = text.split_once('.').map_or(0, |(_, f)| f.len());
                assert_eq!(frac as u32, c.exponent(), "{text:?}");
                // Arithmetic on parsed amounts never panics.
                let _ = m.checked_add(m);
                let _ = m.checked_sub(m.negate());
                let _ = m.times(100_000_000);
            }
        }
        Err(e) => assert_eq!(e.field, "currency"),
    }
    // The wire type: errors name the sub-field.
    let dto = MoneyDto {
        amount: amount.into(),
        currency: code.into(),
    };
    if let Err(e) = dto.parse("unit_price") {
        let f = e.field.unwrap_or_default();
        assert!(f == "unit_price.amount" || f == "unit_price.currency", "{f}");
    }
});
