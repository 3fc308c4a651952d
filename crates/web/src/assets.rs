//! Static assets, embedded in the binary and served under content-hashed names with a long
//! cache life: a changed file gets a new URL, so a cached copy is never stale. No web fonts, no
//! CDN, no script: the portal works without JavaScript.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

pub const CSS_ROUTE: &str = "/static/{file}";

const CSS: &str = include_str!("../static/app.css");

fn css_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let h = hex::encode(Sha256::digest(CSS.as_bytes()));
        format!("app.{}.css", &h[..16])
    })
}

/// The stylesheet's URL (its name carries the hash of its content).
pub fn css_url() -> String {
    format!("/static/{}", css_name())
}

pub async fn stylesheet(Path(file): Path<String>) -> Response {
    if file != css_name() {
        return crate::render::PageError::NotFound.into_response();
    }
    let mut r = (StatusCode::OK, CSS).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    r
}
