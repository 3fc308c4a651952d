//! Password rules and hashing (argon2id, on the blocking pool).

use super::invalid;
use crate::error::{AppError, Result};
use rand::RngCore;

/// Minimum password length (NIST SP 800-63B recommends length over composition rules).
pub const MIN_PASSWORD: usize = 12;

/// Words that make a password guessable whatever surrounds them (the product's own name among
/// them); the list of ~100,000 common passwords below catches the rest.
const WEAK_WORDS: [&str; 8] = [
    "password",
    "123456",
    "qwerty",
    "letmein",
    "welcome",
    "aftercart",
    "iloveyou",
    "admin",
];

/// Whether `password` is on the list of common passwords shipped by the `passwords` crate
/// (99,838 entries from breach corpora), as typed, lower-cased, or with the digits and symbols
/// people append ("Summer2026!") taken off.
fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    [password, lower.as_str(), stem]
        .iter()
        .any(|p| !p.is_empty() && passwords::analyzer::is_common_password(p))
}

/// Refuses weak passwords: too short, one repeated character, containing the email's name, a
/// common word, or on the list of common passwords.
pub fn check_password(password: &str, email: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(invalid("password", format!("use at least {MIN_PASSWORD} characters")));
    }
    let first = password.chars().next().unwrap_or(' ');
    if password.chars().all(|c| c == first) {
        return Err(invalid("password", "a password of one repeated character is too weak"));
    }
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    let lower = password.to_lowercase();
    if local.len() >= 3 && lower.contains(&local) {
        return Err(invalid("password", "the password must not contain your email name"));
    }
    if WEAK_WORDS.iter().any(|c| lower.contains(c)) || is_common(password) {
        return Err(invalid(
            "password",
            "the password is a commonly used one or contains a common word",
        ));
    }
    Ok(())
}

pub(crate) async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Corrupt(e.to_string()))?;
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Corrupt(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Corrupt(e.to_string()))?
}

/// An argon2id hash of a random password, made with the same parameters as real ones: checking
/// a sign-in against it costs what checking a real user costs, so the time of a refusal never
/// tells an unknown, invited, deactivated or throttled user from a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let pw = super::secret("");
        SaltString::encode_b64(&salt)
            .ok()
            .and_then(|s| {
                argon2::Argon2::default()
                    .hash_password(pw.as_bytes(), &s)
                    .ok()
                    .map(|h| h.to_string())
            })
            .unwrap_or_default()
    })
}

/// Verifies `password` against `hash`, or against the dummy hash when there is none (the
/// answer is then always false, after the same work).
pub(crate) async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        // Made on first use by any sign-in, so the first unknown email costs no extra hash.
        let dummy = dummy_hash();
        let real = hash.is_some();
        let hash = hash.unwrap_or_else(|| dummy.to_owned());
        let ok = PasswordHash::new(&hash).is_ok_and(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        });
        ok && real
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused() {
        assert!(check_password("short", "ana@x.com").is_err());
        assert!(check_password("aaaaaaaaaaaaaaaa", "ana@x.com").is_err());
        assert!(check_password("ana.ruiz-is-great-2026", "ana.ruiz@x.com").is_err());
        assert!(check_password("MyPassword2026!!", "bob@x.com").is_err());
        assert!(check_password("correct horse battery staple", "bob@x.com").is_ok());
    }

    #[test]
    fn passwords_on_the_common_list_are_refused() {
        // On the shipped list (12+ characters), and not caught by the word rules.
        for p in ["1q2w3e4r5t6y", "qazwsxedcrfv", "1234567890123", "Football2026!!"] {
            assert!(check_password(p, "bob@x.com").is_err(), "{p} is common");
        }
        assert!(is_common("monkey") && is_common("Dragon") && is_common("sunshine99!"));
        assert!(!is_common("violet tractor umbrella 91"));
    }
}
