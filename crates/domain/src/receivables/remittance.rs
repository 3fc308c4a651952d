//! Remittance references: the ISO 11649 structured creditor reference ("RF" + check digits +
//! up to 21 characters) printed on every invoice, so a bank transfer quoting it is applied to the
//! right invoice without anyone reading the payment's free text.

/// The RF reference for an invoice number: its letters and digits, upper-cased, behind "RF" and
/// the two ISO 7064 MOD 97-10 check digits. `None` when the number has no usable characters or
/// more than 21 of them (the standard's limit).
pub fn rf_reference(invoice_number: &str) -> Option<String> {
    let body: String = invoice_number
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if body.is_empty() || body.len() > 21 {
        return None;
    }
    let check = 98 - mod97(&format!("{body}RF00"))?;
    Some(format!("RF{check:02}{body}"))
}

/// Whether `s` (spaces allowed, any case) is a well-formed RF reference with correct check digits.
pub fn is_valid_rf(s: &str) -> bool {
    let n = normalise(s);
    if n.len() < 5 || n.len() > 25 || !n.starts_with("RF") {
        return false;
    }
    let (head, body) = n.split_at(4);
    if !head[2..].bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    mod97(&format!("{body}{head}")) == Some(1)
}

/// Upper-case without spaces: how references are compared.
pub fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Printed in groups of four, as the standard recommends ("RF18 5390 0754 7034").
pub fn grouped(reference: &str) -> String {
    let n = normalise(reference);
    let chars: Vec<char> = n.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// MOD 97 over the digit string where A=10 … Z=35; `None` for other characters.
fn mod97(s: &str) -> Option<u32> {
    let mut r: u32 = 0;
    for c in s.chars() {
        let v = c.to_digit(36)?;
        r = if v >= 10 { (r * 100 + v) % 97 } else { (r * 10 + v) % 97 };
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standards_example_checks() {
        // ISO 11649's worked example: body 539007547034 → RF18.
        assert_eq!(rf_reference("539007547034").as_deref(), Some("RF18539007547034"));
        assert!(is_valid_rf("RF18 5390 0754 7034"));
        assert!(!is_valid_rf("RF19 5390 0754 7034"));
        assert_eq!(grouped("RF18539007547034"), "RF18 5390 0754 7034");
    }

    #[test]
    fn invoice_numbers_become_valid_references() {
        for n in ["INV-1042", "inv-7", "2026/11/0042", "A"] {
            let r = rf_reference(n).expect("usable");
            assert!(is_valid_rf(&r), "{n} → {r}");
        }
        assert_eq!(rf_reference("---"), None);
        assert_eq!(rf_reference("X".repeat(22).as_str()), None);
    }
}
