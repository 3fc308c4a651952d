//! Settings from flags, environment and an optional TOML file, in that order of precedence.

use crate::Common;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub addr: Option<String>,
    pub db: Option<String>,
    pub api_key: Option<String>,
    pub dev_cookies: Option<bool>,
    pub trust_forwarded_for: Option<bool>,
}

pub fn load_file(path: Option<&str>) -> Result<FileConfig, String> {
    let Some(path) = path else {
        return Ok(FileConfig::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read config file {path}: {e}"))?;
    toml::from_str(&text).map_err(|e| format!("config file {path}: {e}"))
}

pub struct Settings {
    pub addr: String,
    pub db: String,
    pub api_key: Option<String>,
    /// Session cookies without `Secure`, for a browser on plain http://127.0.0.1 (development).
    pub dev_cookies: bool,
    /// Client addresses from `X-Forwarded-For` (behind a proxy that sets it).
    pub trust_forwarded_for: bool,
}

/// The shortest bootstrap staff key accepted: it is a full admin credential, so it must be as
/// hard to guess as a generated key (32 characters of a random key are 128+ bits).
pub const MIN_API_KEY: usize = 32;

/// Generates a bootstrap key (256 random bits, hex) for when none is configured.
pub fn generate_api_key() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("ak_boot_{hex}")
}

/// What the banner shows of a key: its first characters only (the key itself stays secret,
/// out of terminals, logs and screen shares).
pub fn key_prefix(key: &str) -> String {
    let head: String = key.chars().take(8).collect();
    format!("{head}…")
}

impl Settings {
    pub fn resolve(c: &Common, f: &FileConfig, demo: bool) -> Result<Settings, String> {
        let addr = c
            .addr
            .clone()
            .or_else(|| f.addr.clone())
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        if addr.parse::<std::net::SocketAddr>().is_err() {
            return Err(format!("--addr: '{addr}' is not an address like 127.0.0.1:8080"));
        }
        let default_db = if demo {
            "sqlite:data/demo.db"
        } else {
            "sqlite:data/aftercart.db"
        };
        let db =
            c.db.clone()
                .or_else(|| f.db.clone())
                .unwrap_or_else(|| default_db.into());
        let api_key = c.api_key.clone().or_else(|| f.api_key.clone());
        if api_key.as_ref().is_some_and(|k| k.trim().chars().count() < MIN_API_KEY) {
            return Err(format!(
                "--api-key: must be at least {MIN_API_KEY} characters (omit it and one is generated)"
            ));
        }
        let dev_cookies = c.dev_cookies || f.dev_cookies.unwrap_or(false);
        let trust_forwarded_for = c.trust_forwarded_for || f.trust_forwarded_for.unwrap_or(false);
        Ok(Settings {
            addr,
            db,
            api_key,
            dev_cookies,
            trust_forwarded_for,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_keys_are_long_and_shown_by_prefix() {
        let with = |k: &str| Common {
            api_key: Some(k.into()),
            ..Default::default()
        };
        let f = FileConfig::default();
        assert!(Settings::resolve(&with("only-twenty-chars-xx"), &f, false).is_err());
        assert!(Settings::resolve(&with(&"k".repeat(31)), &f, false).is_err());
        assert!(Settings::resolve(&with(&"k".repeat(32)), &f, false).is_ok());
        let g = generate_api_key();
        assert!(g.len() >= MIN_API_KEY && g != generate_api_key());
        assert_eq!(key_prefix(&g), format!("{}…", &g[..8]));
        assert!(!key_prefix(&g).contains(&g[8..]));
    }
}
