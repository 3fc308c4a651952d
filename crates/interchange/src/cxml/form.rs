//! The browser leg of punchout. A cart goes back to the buyer not over a server-to-server call
//! but through the user's browser: an HTML form posted to the setup request's
//! `BrowserFormPost` URL with the document in a hidden field, `cxml-urlencoded` (the XML as is;
//! the browser form-encodes it) or `cxml-base64`. [`auto_post_html`] writes that page (it submits
//! itself, with a button for browsers without script); [`read_form_post`] is the receiving end.
//! SAP OCI returns its cart the same way, so the page and the form-body parser are shared.
//!
//! The target URL comes from the buyer's document, so the page refuses anything but http(s)
//! (a `javascript:` action would run in Aftercart's origin), and every value is escaped.

use super::CxmlError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// How the document travels in the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Field `cxml-urlencoded`: the XML itself (the browser URL-encodes it on submit).
    Urlencoded,
    /// Field `cxml-base64`: the XML's UTF-8 bytes in base64.
    Base64,
}

/// The form field carrying `doc_xml`.
pub fn form_post_fields(doc_xml: &str, encoding: Encoding) -> Vec<(String, String)> {
    match encoding {
        Encoding::Urlencoded => vec![("cxml-urlencoded".into(), doc_xml.to_owned())],
        Encoding::Base64 => vec![("cxml-base64".into(), STANDARD.encode(doc_xml.as_bytes()))],
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `%XX` and `+` decoded; a stray `%` is kept as it is.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An `application/x-www-form-urlencoded` body (or a URL's query) as its name–value pairs, in
/// order. Invalid UTF-8 after decoding becomes U+FFFD.
pub fn parse_urlencoded(body: &str) -> Vec<(String, String)> {
    body.trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// The cXML document from a posted form's fields: `cxml-urlencoded` or `cxml-base64` (names
/// case-insensitive). A `cxml-urlencoded` value still percent-encoded (some systems encode
/// twice) is decoded once more.
pub fn read_form_post(fields: &[(String, String)]) -> Result<String, CxmlError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    if let Some(v) = field("cxml-urlencoded") {
        let t = v.trim_start();
        if !t.starts_with('<') && t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("%3C")) {
            return Ok(percent_decode(t));
        }
        return Ok(v.clone());
    }
    if let Some(v) = field("cxml-base64") {
        let compact: String = v.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        // Whitespace (line breaks) is dropped; URL-safe base64 is accepted too.
        let bytes = STANDARD
            .decode(compact.as_bytes())
            .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(compact.as_bytes()))
            .map_err(|e| CxmlError::new("cxml-base64", 0, format!("is not base64: {e}")))?;
        return String::from_utf8(bytes).map_err(|_| CxmlError::new("cxml-base64", 0, "is not UTF-8 text"));
    }
    Err(CxmlError::new(
        "form",
        0,
        "has neither a cxml-urlencoded nor a cxml-base64 field",
    ))
}

/// `http://` or `https://` followed by a host.
pub(crate) fn is_http_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/')) && !url.chars().any(|c| c.is_control() || c == ' ')
}

/// HTML-escapes text for an attribute value or element content.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's one inline script.
const AUTO_POST_SCRIPT: &str = "document.getElementById(\"punchout\").submit();";

/// The Content-Security-Policy source that allows the auto-post page's inline script and no
/// other (`script-src 'sha256-…'`): under a CSP without it the page would neither submit nor,
/// script being "on", show its button.
pub fn auto_post_script_csp() -> String {
    use sha2::{Digest, Sha256};
    format!(
        "'sha256-{}'",
        STANDARD.encode(Sha256::digest(AUTO_POST_SCRIPT.as_bytes()))
    )
}

/// A minimal page that posts `fields` to `url` as soon as it loads (a button does it where
/// script is off). `url` must be http(s).
pub fn auto_post_html(url: &str, fields: &[(String, String)]) -> Result<String, CxmlError> {
    auto_post_html_with_target(url, None, fields)
}

/// As [`auto_post_html`], with the form's `target` (OCI's `~TARGET`, such as `_top`, to leave
/// the buyer's frame).
pub fn auto_post_html_with_target(
    url: &str,
    target: Option<&str>,
    fields: &[(String, String)],
) -> Result<String, CxmlError> {
    if !is_http_url(url) {
        return Err(CxmlError::new("form", 0, "the form's URL must be http or https"));
    }
    let mut page = String::with_capacity(512 + fields.iter().map(|(k, v)| k.len() + v.len() * 2).sum::<usize>());
    page.push_str("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Returning to your procurement system</title></head>\n<body>\n");
    page.push_str(&format!(
        "<form id=\"punchout\" method=\"post\" action=\"{}\"",
        html_escape(url.trim())
    ));
    if let Some(t) = target.map(str::trim).filter(|t| !t.is_empty()) {
        page.push_str(&format!(" target=\"{}\"", html_escape(t)));
    }
    page.push_str(" accept-charset=\"UTF-8\" enctype=\"application/x-www-form-urlencoded\">\n");
    for (k, v) in fields {
        page.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
            html_escape(k),
            html_escape(v)
        ));
    }
    page.push_str("<noscript><p>Your browser does not run scripts: press the button to return.</p><button type=\"submit\">Return to procurement</button></noscript>\n</form>\n");
    page.push_str(&format!("<script>{AUTO_POST_SCRIPT}</script>\n</body></html>\n"));
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_decode() {
        let pairs = parse_urlencoded("a=1+2&b=%3Cx%3E&c&d=%zz&e=%E2%82%AC");
        assert_eq!(pairs[0], ("a".into(), "1 2".into()));
        assert_eq!(pairs[1], ("b".into(), "<x>".into()));
        assert_eq!(pairs[2], ("c".into(), "".into()));
        assert_eq!(pairs[3], ("d".into(), "%zz".into()));
        assert_eq!(pairs[4], ("e".into(), "€".into()));
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%"), "%");
    }

    #[test]
    fn the_csp_hash_is_the_scripts() {
        use sha2::{Digest, Sha256};
        let page = auto_post_html("https://b.example/", &[]).unwrap();
        let script = page
            .split("<script>")
            .nth(1)
            .and_then(|s| s.split("</script>").next())
            .unwrap();
        let hash = STANDARD.encode(Sha256::digest(script.as_bytes()));
        assert_eq!(auto_post_script_csp(), format!("'sha256-{hash}'"));
    }

    #[test]
    fn only_http_urls() {
        assert!(is_http_url("https://buyer.example/punchout?x=1"));
        assert!(!is_http_url("javascript:alert(1)"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("ftp://x"));
    }
}
