//! SAP OCI fields: never panic; a setup that parses has an http(s) hook; a cart that reads can
//! be written again (or is refused for OCI's lengths, naming its item), and what is written
//! reads back to the same items, descriptions cut at 40 characters.
#![no_main]

use aftercart_interchange::cxml::parse_urlencoded;
use aftercart_interchange::oci::{cart_fields, parse_setup, read_cart};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let fields = parse_urlencoded(s);
    if let Ok(setup) = parse_setup(&fields) {
        let hook = setup.hook_url.to_ascii_lowercase();
        assert!(hook.starts_with("http://") || hook.starts_with("https://"));
    }
    let Ok(items) = read_cart(&fields) else { return };
    match cart_fields(&items) {
        Ok(written) => {
            let back = read_cart(&written).expect("a written cart reads back");
            assert_eq!(back.len(), items.len());
            for (b, i) in back.iter().zip(&items) {
                assert_eq!(b.quantity, i.quantity);
                assert_eq!(b.price, i.price);
                assert!(b.description.chars().count() <= 40);
                assert!(i.description.trim().starts_with(b.description.trim_end()));
                assert_eq!(b.long_text, i.long_text);
            }
        }
        Err(e) => assert!(e.item.is_some_and(|n| n >= 1 && n <= items.len()), "{e}"),
    }
});
