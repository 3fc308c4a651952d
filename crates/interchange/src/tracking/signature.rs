//! Whether a webhook came from the provider, checked on the raw body before anything is parsed.
//!
//! - EasyPost: `X-Hmac-Signature: hmac-sha256-hex=<hex HMAC-SHA256 of the body>`, keyed with the
//!   webhook secret NFKD-normalised and UTF-8 encoded (as EasyPost's own client libraries do).
//!   Normalising needs Unicode tables this crate does not carry, so a secret that is not ASCII
//!   (for which NFKD changes nothing) is refused rather than checked wrongly. EasyPost's newer
//!   `x-hmac-signature-v2` (over timestamp, method, path and body) is not checked here.
//! - AfterShip: `aftership-hmac-sha256: <base64 HMAC-SHA256 of the body>`.
//! - UPS Track Alert signs nothing: the subscriber gives UPS a credential (`destination.credential`
//!   with its `credentialType`, e.g. `Bearer`) that UPS presents on every POST. It is accepted in
//!   a `credential` header or as the `Authorization` value, with or without its type in front.
//!
//! Every comparison is constant-time (the MAC's own `verify_slice`; a credential is compared
//! through an HMAC of both sides), and an empty secret verifies nothing.

use super::Provider;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

pub const EASYPOST_HEADER: &str = "x-hmac-signature";
pub const AFTERSHIP_HEADER: &str = "aftership-hmac-sha256";
const EASYPOST_PREFIX: &str = "hmac-sha256-hex=";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no {0} header")]
    Missing(&'static str),
    #[error("the {0} header is sent more than once")]
    Repeated(&'static str),
    #[error("{header}: {reason}")]
    Malformed { header: &'static str, reason: String },
    #[error("{0} does not match the body")]
    Mismatch(&'static str),
    #[error("no secret is configured, so nothing can be verified")]
    NoSecret,
    #[error("the EasyPost secret is not ASCII; it must be NFKD-normalised, which is not done here")]
    SecretNotAscii,
}

/// The one value of `name` (case-insensitive) among `headers`.
fn header<'a>(headers: &[(&str, &'a str)], name: &'static str) -> Result<Option<&'a str>, SignatureError> {
    let mut found = headers.iter().filter(|(k, _)| k.trim().eq_ignore_ascii_case(name));
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some((_, v)), None) => Ok(Some(v.trim())),
        (Some(_), Some(_)) => Err(SignatureError::Repeated(name)),
    }
}

fn mac(secret: &[u8], body: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut m =
        <HmacSha256 as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC keys have no length limit"));
    m.update(body);
    m
}

/// EasyPost's `X-Hmac-Signature`.
pub fn verify_easypost(headers: &[(&str, &str)], body: &[u8], secret: &str) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    if !secret.is_ascii() {
        return Err(SignatureError::SecretNotAscii);
    }
    let value = header(headers, EASYPOST_HEADER)?.ok_or(SignatureError::Missing(EASYPOST_HEADER))?;
    let hex_part = value
        .get(..EASYPOST_PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(EASYPOST_PREFIX))
        .map(|_| &value[EASYPOST_PREFIX.len()..])
        .ok_or_else(|| SignatureError::Malformed {
            header: EASYPOST_HEADER,
            reason: format!("does not start with '{EASYPOST_PREFIX}'"),
        })?;
    let given = hex::decode(hex_part).map_err(|e| SignatureError::Malformed {
        header: EASYPOST_HEADER,
        reason: format!("not hexadecimal: {e}"),
    })?;
    mac(secret.as_bytes(), body)
        .verify_slice(&given)
        .map_err(|_| SignatureError::Mismatch(EASYPOST_HEADER))
}

/// AfterShip's `aftership-hmac-sha256`.
pub fn verify_aftership(headers: &[(&str, &str)], body: &[u8], secret: &str) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let value = header(headers, AFTERSHIP_HEADER)?.ok_or(SignatureError::Missing(AFTERSHIP_HEADER))?;
    let given = base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|e| SignatureError::Malformed {
            header: AFTERSHIP_HEADER,
            reason: format!("not base64: {e}"),
        })?;
    mac(secret.as_bytes(), body)
        .verify_slice(&given)
        .map_err(|_| SignatureError::Mismatch(AFTERSHIP_HEADER))
}

/// UPS Track Alert: the credential given at subscription, presented back by UPS.
pub fn verify_ups(headers: &[(&str, &str)], credential: &str) -> Result<(), SignatureError> {
    if credential.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let (name, presented) = match header(headers, "credential")? {
        Some(v) => ("credential", v),
        None => {
            let v = header(headers, "authorization")?.ok_or(SignatureError::Missing("credential"))?;
            // `Bearer <credential>` (the subscription's credentialType first) or the bare value.
            let bare = match v.split_once(' ') {
                Some((_, rest)) if !credential.contains(' ') => rest.trim(),
                _ => v,
            };
            ("authorization", bare)
        }
    };
    // Both sides through one HMAC keyed by the credential: the comparison takes the same time
    // wherever the presented value first differs, and whatever its length.
    let expected = mac(credential.as_bytes(), credential.as_bytes())
        .finalize()
        .into_bytes();
    mac(credential.as_bytes(), presented.as_bytes())
        .verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch(name))
}

/// Verifies a webhook of `provider` by its scheme; for UPS, `secret` is the credential.
pub fn verify(provider: Provider, headers: &[(&str, &str)], body: &[u8], secret: &str) -> Result<(), SignatureError> {
    match provider {
        Provider::EasyPost => verify_easypost(headers, body, secret),
        Provider::AfterShip => verify_aftership(headers, body, secret),
        Provider::Ups => verify_ups(headers, secret),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let m = mac(b"Jefe", b"what do ya want for nothing?").finalize().into_bytes();
        assert_eq!(
            hex::encode(m),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let sig = format!("hmac-sha256-hex={}", hex::encode(m));
        assert_eq!(
            verify_easypost(&[("X-Hmac-Signature", &sig)], b"what do ya want for nothing?", "Jefe"),
            Ok(())
        );
    }
}
