use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "whsec_";
/// The spec's bounds on key length (192 to 512 bits).
const MIN_LEN: usize = 24;
const MAX_LEN: usize = 64;
const GENERATED_LEN: usize = 32;
/// How far a signed timestamp may be from the verifier's clock (the reference's 5 min).
pub const TOLERANCE: i64 = 5 * 60;

/// Padding is optional on input: the reference accepts unpadded secrets too.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A webhook signing secret: `whsec_` followed by the base64 of 24 to 64 random bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("a webhook secret starts with \"whsec_\" followed by base64")]
    MissingPrefix,
    #[error("the part after \"whsec_\" is not base64: {0}")]
    NotBase64(String),
    #[error("a webhook secret holds 24 to 64 bytes, this one {0}")]
    Length(usize),
}

impl Secret {
    pub fn parse(s: &str) -> Result<Self, SecretError> {
        let encoded = s.trim().strip_prefix(PREFIX).ok_or(SecretError::MissingPrefix)?;
        let key = LENIENT
            .decode(encoded)
            .map_err(|e| SecretError::NotBase64(e.to_string()))?;
        if !(MIN_LEN..=MAX_LEN).contains(&key.len()) {
            return Err(SecretError::Length(key.len()));
        }
        Ok(Self(key))
    }

    /// 32 random bytes from the thread's CSPRNG (ChaCha, seeded by the OS).
    pub fn generate() -> Self {
        let mut key = vec![0u8; GENERATED_LEN];
        rand::rng().fill_bytes(&mut key);
        Self(key)
    }

    /// The `whsec_…` form, to show the endpoint's owner once and to store.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }

    fn mac(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl FromStr for Secret {
    type Err = SecretError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The `webhook-signature` header value: `v1,<base64>` per secret, space-separated.
/// Signing with the old and the new secret while a rotation overlaps lets the receiver
/// switch at any moment without refusing a delivery.
pub fn sign(secrets: &[Secret], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| {
            let tag = s.mac(msg_id, timestamp, body).finalize().into_bytes();
            format!("v1,{}", STANDARD.encode(tag))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the timestamp is more than 5 minutes from now")]
    Timestamp,
    #[error("no signature matches")]
    NoMatch,
}

/// Checks a delivery the way a receiver does: the timestamp within [`TOLERANCE`] of
/// `now`, and at least one `v1` signature made by one of `secrets` over the raw body.
pub fn verify(
    secrets: &[Secret],
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
    signature_header: &str,
    now: i64,
) -> Result<(), VerifyError> {
    if (now - timestamp).abs() > TOLERANCE {
        return Err(VerifyError::Timestamp);
    }
    let candidates: Vec<Vec<u8>> = signature_header
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|b64| LENIENT.decode(b64).ok())
        .collect();
    for secret in secrets {
        for candidate in &candidates {
            // verify_slice compares in constant time.
            if secret.mac(msg_id, timestamp, body).verify_slice(candidate).is_ok() {
                return Ok(());
            }
        }
    }
    Err(VerifyError::NoMatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example from the Standard Webhooks specification.
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TS: i64 = 1614265330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn matches_the_specification_example() {
        let secret = Secret::parse(SPEC_SECRET).unwrap();
        assert_eq!(sign(&[secret], SPEC_ID, SPEC_TS, SPEC_BODY), SPEC_SIG);
    }

    #[test]
    fn verifies_its_own_signatures_and_refuses_tampering() {
        let a = Secret::generate();
        let b = Secret::generate();
        let header = sign(&[a.clone(), b.clone()], "msg_1", 1000, b"{}");
        assert_eq!(header.split(' ').count(), 2);
        let a_only = std::slice::from_ref(&a);
        assert_eq!(verify(a_only, "msg_1", 1000, b"{}", &header, 1000), Ok(()));
        assert_eq!(verify(&[b], "msg_1", 1000, b"{}", &header, 1100), Ok(()));
        assert_eq!(
            verify(a_only, "msg_1", 1000, b"{ }", &header, 1000),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            verify(a_only, "msg_2", 1000, b"{}", &header, 1000),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            verify(&[a], "msg_1", 1000, b"{}", &header, 1000 + TOLERANCE + 1),
            Err(VerifyError::Timestamp)
        );
        assert_eq!(
            verify(&[Secret::generate()], "msg_1", 1000, b"{}", &header, 1000),
            Err(VerifyError::NoMatch)
        );
    }

    #[test]
    fn parses_only_the_whsec_form() {
        let s = Secret::generate();
        assert_eq!(Secret::parse(&s.expose()), Ok(s.clone()));
        assert!(s.expose().starts_with("whsec_"));
        assert_eq!(STANDARD.decode(&s.expose()[6..]).unwrap().len(), 32);
        assert_eq!(
            Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            Err(SecretError::MissingPrefix)
        );
        assert!(matches!(
            Secret::parse("whsec_not base64!"),
            Err(SecretError::NotBase64(_))
        ));
        assert_eq!(Secret::parse("whsec_c2hvcnQ="), Err(SecretError::Length(5)));
        assert_ne!(Secret::generate(), Secret::generate());
        assert!(!format!("{s:?}").contains(&s.expose()[6..]));
    }
}
