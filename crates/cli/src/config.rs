//! Settings from flags, environment and an optional TOML file, in that order of precedence.

use crate::Common;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub addr: Option<String>,
    pub db: Option<String>,
    pub api_key: Option<String>,
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
        if api_key.as_ref().is_some_and(|k| k.trim().len() < 8) {
            return Err("--api-key: must be at least 8 characters".into());
        }
        Ok(Settings { addr, db, api_key })
    }
}
