//! The two faces every document uses, Helvetica and Helvetica-Bold from the PDF standard 14,
//! with WinAnsiEncoding (Windows code page 1252).
//!
//! Standard-14 fonts need no embedded font file, which keeps documents small and the crate free
//! of font data, but the viewer only knows their glyphs by single-byte code: text is encoded to
//! CP1252 once, on the way in, and everything after (measuring, wrapping, drawing) works on those
//! bytes. Characters CP1252 lacks become `?`.

/// The face a run of text is set in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Font {
    Regular,
    Bold,
}

impl Font {
    /// The resource name pages refer to the face by.
    pub(crate) fn resource(self) -> &'static [u8] {
        match self {
            Font::Regular => b"F1",
            Font::Bold => b"F2",
        }
    }

    pub(crate) fn base_font(self) -> &'static [u8] {
        match self {
            Font::Regular => b"Helvetica",
            Font::Bold => b"Helvetica-Bold",
        }
    }

    fn widths(self) -> &'static [u16; 224] {
        match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        }
    }
}

/// The advance width of `text` (CP1252 bytes) in points at `size`.
pub(crate) fn text_width(font: Font, text: &[u8], size: f32) -> f32 {
    let units: u32 = text.iter().map(|&b| u32::from(glyph_width(font, b))).sum();
    units as f32 * size / 1000.0
}

/// One glyph's advance in 1/1000 em. Codes below 32 never reach the page (see [`encode`]).
pub(crate) fn glyph_width(font: Font, byte: u8) -> u16 {
    if byte < 32 {
        0
    } else {
        font.widths()[usize::from(byte - 32)]
    }
}

/// Encodes text for WinAnsiEncoding.
///
/// Besides CP1252's own repertoire, a few characters that money and number formatting produce
/// are folded to their nearest CP1252 look-alike rather than `?` (U+2212 MINUS SIGN to `-`, the
/// narrow and figure spaces some locales group digits with to a no-break space); invisible
/// formatting characters (soft hyphen, zero-width space, BOM) are dropped, tabs become spaces and
/// a line feed is kept as the one control byte, so wrapping can honour it. Everything else
/// outside CP1252 becomes `?`, including decomposed accents (an `e` followed by U+0301 prints as
/// `e?`): callers should pass NFC text.
pub(crate) fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push(b'\n'),
            '\t' => out.push(b' '),
            '\r' | '\u{00AD}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}' => {}
            ' '..='~' | '\u{A0}'..='\u{FF}' => out.push(c as u8),
            _ => out.push(cp1252_extra(c).unwrap_or(b'?')),
        }
    }
    out
}

/// Whether `c` prints as itself (or, for the look-alikes and invisible characters, as intended)
/// rather than as `?`.
pub(crate) fn encodable(c: char) -> bool {
    c == '?' || encode(c.encode_utf8(&mut [0; 4])) != b"?"
}

/// The CP1252 byte for a character outside ASCII and Latin-1, where there is one.
fn cp1252_extra(c: char) -> Option<u8> {
    Some(match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '\u{2018}' => 0x91,
        '\u{2019}' => 0x92,
        '\u{201C}' => 0x93,
        '\u{201D}' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        // Look-alikes, not CP1252 characters: see `encode`.
        '\u{2212}' | '\u{2010}' | '\u{2011}' => b'-',
        '\u{202F}' | '\u{2007}' => 0xA0,
        '\u{2009}' | '\u{2002}' | '\u{2003}' => b' ',
        _ => return None,
    })
}

// Advance widths (1/1000 em) of codes 32..=255 under WinAnsiEncoding, from the metrics Adobe
// publishes for the standard 14 fonts, sixteen codes a row. The five codes CP1252 leaves
// undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) and DEL are 0: `encode` never produces them.
#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    // 0x20  space ! " # $ % & ' ( ) * + , - . /
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    // 0x30  0-9 : ; < = > ?
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    // 0x40  @ A-O
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    // 0x50  P-Z [ \ ] ^ _
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    // 0x60  ` a-o
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    // 0x70  p-z { | } ~ DEL
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0,
    // 0x80  € - ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ - Ž -
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    // 0x90  - ‘ ’ “ ” • – — ˜ ™ š › œ - ž Ÿ
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,
    // 0xA0  nbsp ¡ ¢ £ ¤ ¥ ¦ § ¨ © ª « ¬ shy ® ¯
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    // 0xB0  ° ± ² ³ ´ µ ¶ · ¸ ¹ º » ¼ ½ ¾ ¿
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    // 0xC0  À Á Â Ã Ä Å Æ Ç È É Ê Ë Ì Í Î Ï
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    // 0xD0  Ð Ñ Ò Ó Ô Õ Ö × Ø Ù Ú Û Ü Ý Þ ß
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    // 0xE0  à á â ã ä å æ ç è é ê ë ì í î ï
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    // 0xF0  ð ñ ò ó ô õ ö ÷ ø ù ú û ü ý þ ÿ
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    // 0x20  space ! " # $ % & ' ( ) * + , - . /
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    // 0x30  0-9 : ; < = > ?
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    // 0x40  @ A-O
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    // 0x50  P-Z [ \ ] ^ _
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    // 0x60  ` a-o
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    // 0x70  p-z { | } ~ DEL
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0,
    // 0x80  € - ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ - Ž -
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    // 0x90  - ‘ ’ “ ” • – — ˜ ™ š › œ - ž Ÿ
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,
    // 0xA0  nbsp ¡ ¢ £ ¤ ¥ ¦ § ¨ © ª « ¬ shy ® ¯
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    // 0xB0  ° ± ² ³ ´ µ ¶ · ¸ ¹ º » ¼ ½ ¾ ¿
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    // 0xC0  À Á Â Ã Ä Å Æ Ç È É Ê Ë Ì Í Î Ï
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    // 0xD0  Ð Ñ Ò Ó Ô Õ Ö × Ø Ù Ú Û Ü Ý Þ ß
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    // 0xE0  à á â ã ä å æ ç è é ê ë ì í î ï
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    // 0xF0  ð ñ ò ó ô õ ö ÷ ø ù ú û ü ý þ ÿ
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_cp1252_including_its_0x80_block() {
        assert_eq!(encode("Café Straße"), b"Caf\xE9 Stra\xDFe");
        assert_eq!(
            encode("€5 – “ok” ‘x’ … —"),
            b"\x805 \x96 \x93ok\x94 \x91x\x92 \x85 \x97"
        );
        assert_eq!(encode("Œuvre ŠŽšžŸ"), b"\x8Cuvre \x8A\x8E\x9A\x9E\x9F");
    }

    #[test]
    fn replaces_what_cp1252_lacks_and_folds_look_alikes() {
        assert_eq!(encode("東京 ok"), b"?? ok");
        assert_eq!(encode("\u{2212}1\u{202F}000"), b"-1\xA0000");
        assert_eq!(encode("a\u{AD}b\tc\r\nd\u{1}"), b"ab c\nd?");
    }

    #[test]
    fn every_encodable_byte_has_a_width() {
        // The soft hyphen is left out: it is dropped, not printed.
        let latin1 = ('\u{A0}'..='\u{FF}').filter(|&c| c != '\u{AD}');
        for c in (' '..='~').chain(latin1).chain("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ".chars())
        {
            let bytes = encode(&c.to_string());
            assert_eq!(bytes.len(), 1, "{c:?}");
            assert!(glyph_width(Font::Regular, bytes[0]) > 0, "{c:?}");
            assert!(glyph_width(Font::Bold, bytes[0]) > 0, "{c:?}");
        }
    }

    #[test]
    fn measures_known_strings() {
        // "Total" in Helvetica: T 611 + o 556 + t 278 + a 556 + l 222.
        assert!((text_width(Font::Regular, b"Total", 10.0) - 22.23).abs() < 0.001);
        // Digits share one width in both faces, which keeps right-aligned amounts tidy.
        assert_eq!(
            text_width(Font::Bold, b"1,234.50", 10.0),
            text_width(Font::Regular, b"1,234.50", 10.0)
        );
    }
}
