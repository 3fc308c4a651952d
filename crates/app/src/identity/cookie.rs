//! The session cookie, one definition for every front door (the JSON API and the portal share a
//! session, so they must agree on its name and attributes), and the constant-time comparison
//! used for every secret a caller echoes back.

/// The cookie's name. The `__Host-` prefix makes browsers accept it only with `Secure`, `Path=/`
/// and no `Domain`, so no sibling subdomain or plain-http page can plant or shadow it.
pub const SESSION_COOKIE: &str = "__Host-aftercart_session";
/// The name in development mode: without `Secure` a `__Host-` cookie would be refused over plain
/// `http://127.0.0.1`.
pub const DEV_SESSION_COOKIE: &str = "aftercart_session";

/// How the session cookie is named and set: `dev` drops `Secure` (and so the `__Host-` prefix)
/// for local development over plain http — never in production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionCookie {
    pub dev: bool,
}

impl SessionCookie {
    pub fn name(self) -> &'static str {
        if self.dev { DEV_SESSION_COOKIE } else { SESSION_COOKIE }
    }

    /// The `Set-Cookie` value (`max_age` 0 clears it): `HttpOnly`, `SameSite=Strict`, `Path=/`,
    /// and `Secure` unless in development mode.
    pub fn set(self, value: &str, max_age: i64) -> String {
        let secure = if self.dev { "" } else { "; Secure" };
        format!(
            "{}={value}; Path=/; HttpOnly{secure}; SameSite=Strict; Max-Age={max_age}",
            self.name()
        )
    }
}

/// Constant-time equality of two secrets (CSRF tokens, key hashes): the time taken never says
/// how much of a guess was right.
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_cookie_is_host_prefixed_and_secure() {
        let c = SessionCookie { dev: false }.set("t", 60);
        assert_eq!(
            c,
            "__Host-aftercart_session=t; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=60"
        );
        let d = SessionCookie { dev: true }.set("t", 0);
        assert_eq!(d, "aftercart_session=t; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
