//! Signatures. The expected digests were computed outside this code (Python's `hmac`, and
//! RFC 4231 test case 2), so the check is not our HMAC compared with itself.

use crate::samples::sample;
use aftercart_interchange::tracking::{
    Provider, SignatureError, verify, verify_aftership, verify_easypost, verify_ups,
};

/// hmac.new(b"whsec-easypost-test", <event-body.json bytes>, sha256).hexdigest()
const EVENT_BODY_HEX: &str = "b0b58a0ad7fa6597186e6356124ae6338c773c49af0911992669c3be117d5a51";
/// RFC 4231 case 2 (key "Jefe"), base64.
const RFC4231_B64: &str = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=";
const RFC4231_DATA: &[u8] = b"what do ya want for nothing?";

#[test]
fn easypost_hex_signature() {
    let body = sample("carrier-tracking/easypost/event-body.json");
    let good = format!("hmac-sha256-hex={EVENT_BODY_HEX}");
    let secret = "whsec-easypost-test";
    assert_eq!(verify_easypost(&[("X-Hmac-Signature", &good)], &body, secret), Ok(()));
    // Header names are case-insensitive; so are the prefix and the hex digits.
    let upper = format!("HMAC-SHA256-HEX={}", EVENT_BODY_HEX.to_uppercase());
    assert_eq!(
        verify(Provider::EasyPost, &[("x-hmac-signature", &upper)], &body, secret),
        Ok(())
    );

    let mut tampered = body.clone();
    tampered[10] ^= 1;
    assert_eq!(
        verify_easypost(&[("X-Hmac-Signature", &good)], &tampered, secret),
        Err(SignatureError::Mismatch("x-hmac-signature"))
    );
    assert_eq!(
        verify_easypost(&[("X-Hmac-Signature", &good)], &body, "other"),
        Err(SignatureError::Mismatch("x-hmac-signature"))
    );
    assert_eq!(
        verify_easypost(&[], &body, secret),
        Err(SignatureError::Missing("x-hmac-signature"))
    );
    assert!(matches!(
        verify_easypost(&[("X-Hmac-Signature", EVENT_BODY_HEX)], &body, secret),
        Err(SignatureError::Malformed { .. })
    ));
    assert!(matches!(
        verify_easypost(&[("X-Hmac-Signature", "hmac-sha256-hex=zz")], &body, secret),
        Err(SignatureError::Malformed { .. })
    ));
    // A truncated digest is a mismatch, not a prefix match.
    let short = format!("hmac-sha256-hex={}", &EVENT_BODY_HEX[..32]);
    assert!(verify_easypost(&[("X-Hmac-Signature", &short)], &body, secret).is_err());
    assert_eq!(
        verify_easypost(
            &[("X-Hmac-Signature", &good), ("x-hmac-signature", &good)],
            &body,
            secret
        ),
        Err(SignatureError::Repeated("x-hmac-signature"))
    );
    assert_eq!(
        verify_easypost(&[("X-Hmac-Signature", &good)], &body, ""),
        Err(SignatureError::NoSecret)
    );
    assert_eq!(
        verify_easypost(&[("X-Hmac-Signature", &good)], &body, "café"),
        Err(SignatureError::SecretNotAscii)
    );
}

#[test]
fn aftership_base64_signature() {
    let h = |v: &'static str| [("aftership-hmac-sha256", v)];
    assert_eq!(verify_aftership(&h(RFC4231_B64), RFC4231_DATA, "Jefe"), Ok(()));
    assert_eq!(
        verify(
            Provider::AfterShip,
            &[("AfterShip-Hmac-SHA256", RFC4231_B64)],
            RFC4231_DATA,
            "Jefe"
        ),
        Ok(())
    );
    assert_eq!(
        verify_aftership(&h(RFC4231_B64), b"what do ya want for nothing!", "Jefe"),
        Err(SignatureError::Mismatch("aftership-hmac-sha256"))
    );
    assert!(matches!(
        verify_aftership(&h("not base64!"), RFC4231_DATA, "Jefe"),
        Err(SignatureError::Malformed { .. })
    ));
    assert_eq!(
        verify_aftership(&[("x-hmac-signature", RFC4231_B64)], RFC4231_DATA, "Jefe"),
        Err(SignatureError::Missing("aftership-hmac-sha256"))
    );
    assert_eq!(
        verify_aftership(&h(RFC4231_B64), RFC4231_DATA, ""),
        Err(SignatureError::NoSecret)
    );
}

#[test]
fn ups_credential() {
    let cred = "c2VjcmV0LWNyZWRlbnRpYWw";
    assert_eq!(verify_ups(&[("credential", cred)], cred), Ok(()));
    assert_eq!(
        verify_ups(&[("Authorization", "Bearer c2VjcmV0LWNyZWRlbnRpYWw")], cred),
        Ok(())
    );
    assert_eq!(verify_ups(&[("Authorization", cred)], cred), Ok(()));
    assert_eq!(verify(Provider::Ups, &[("Credential", cred)], b"{}", cred), Ok(()));
    assert_eq!(
        verify_ups(&[("credential", "c2VjcmV0LWNyZWRlbnRpYWx")], cred),
        Err(SignatureError::Mismatch("credential"))
    );
    assert_eq!(
        verify_ups(&[("Authorization", "Bearer c2VjcmV0")], cred),
        Err(SignatureError::Mismatch("authorization"))
    );
    assert_eq!(
        verify_ups(&[("x-api-key", cred)], cred),
        Err(SignatureError::Missing("credential"))
    );
    assert_eq!(verify_ups(&[("credential", "")], ""), Err(SignatureError::NoSecret));
}
