//! Bounded text: every kind accepts exactly what fits its length (in characters) and its
//! character rule; the JSON wire types agree with the rule; accepted text is kept byte for byte.
#![no_main]

use aftercart_api::dto::{Code, Email, FileText, FreeText, Ident, LongText, Name, Secret, Url};
use aftercart_domain::text::{TextKind, check};
use libfuzzer_sys::fuzz_target;

fn wire<T: serde::de::DeserializeOwned + AsRef<str>>(s: &str, ok: bool) {
    let json = serde_json::to_string(s).expect("a str serializes");
    match serde_json::from_str::<T>(&json) {
        Ok(v) => {
            assert!(ok, "accepted over the wire but not by the rule: {s:?}");
            assert_eq!(v.as_ref(), s, "text kept exactly");
        }
        Err(_) => assert!(!ok, "refused over the wire but fits the rule: {s:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else { return };
    let Ok(s) = std::str::from_utf8(rest) else { return };
    // Repeat short inputs so the limits are reached too.
    let reps = usize::from(k >> 4) * 40 + 1;
    let s = if s.len() < 64 { s.repeat(reps) } else { s.to_owned() };
    let kind = TextKind::ALL[usize::from(k) % TextKind::ALL.len()];
    let fits = s.chars().count() <= kind.max_chars() && (kind.allows_control() || !s.chars().any(char::is_control));
    assert_eq!(check(kind, &s).is_ok(), fits, "{kind:?}");
    match kind {
        TextKind::Code => wire::<Code>(&s, fits),
        TextKind::Ident => wire::<Ident>(&s, fits),
        TextKind::Name => wire::<Name>(&s, fits),
        TextKind::Email => wire::<Email>(&s, fits),
        TextKind::Url => wire::<Url>(&s, fits),
        TextKind::Text => wire::<FreeText>(&s, fits),
        TextKind::LongText => wire::<LongText>(&s, fits),
        TextKind::Secret => wire::<Secret>(&s, fits),
        TextKind::File => wire::<FileText>(&s, fits),
    }
});
