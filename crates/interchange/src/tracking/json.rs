//! Reading the carriers' JSON by path: every field is optional until a parser says otherwise,
//! unknown fields are ignored (carriers add fields without notice), and a field of the wrong
//! type is refused with the path that names it, so a changed payload fails loudly, not silently.

use super::TrackingError;
use serde_json::{Map, Value};

/// A JSON object and the path that reached it (`result`, `msg.checkpoints[3]`).
#[derive(Clone, Copy)]
pub(super) struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub path: &'a str,
}

/// Parses a body that must be a JSON object.
pub(super) fn root(body: &[u8]) -> Result<Map<String, Value>, TrackingError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(TrackingError::invalid("", "the body is not a JSON object")),
        Err(e) => Err(TrackingError::invalid("", format!("not JSON: {e}"))),
    }
}

pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl<'a> Obj<'a> {
    pub fn new(map: &'a Map<String, Value>, path: &'a str) -> Obj<'a> {
        Obj { map, path }
    }

    pub fn at(&self, key: &str) -> String {
        join(self.path, key)
    }

    fn present(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A text field, trimmed; missing, null or blank is `None`. A number is taken as its digits
    /// (UPS sends some codes either way); anything else is refused.
    pub fn text(&self, key: &str) -> Result<Option<String>, TrackingError> {
        match self.present(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned)),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(TrackingError::invalid(self.at(key), "expected text")),
        }
    }

    /// A text field that must be there.
    pub fn required(&self, key: &str) -> Result<String, TrackingError> {
        self.text(key)?
            .ok_or_else(|| TrackingError::invalid(self.at(key), "missing"))
    }

    /// A nested object; missing or null is `None`.
    pub fn object(&self, key: &str) -> Result<Option<&'a Map<String, Value>>, TrackingError> {
        match self.present(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(TrackingError::invalid(self.at(key), "expected an object")),
        }
    }

    /// An array; missing or null is empty.
    pub fn array(&self, key: &str) -> Result<&'a [Value], TrackingError> {
        match self.present(key) {
            None => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(_) => Err(TrackingError::invalid(self.at(key), "expected an array")),
        }
    }
}

/// The objects of an array, each with its path.
pub(super) type Members<'a> = Vec<(&'a Map<String, Value>, String)>;

/// The objects of an array with their paths (`key[i]`); a member that is not an object is refused.
pub(super) fn objects<'a>(items: &'a [Value], path: &str) -> Result<Members<'a>, TrackingError> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let at = format!("{path}[{i}]");
            match v {
                Value::Object(m) => Ok((m, at)),
                _ => Err(TrackingError::invalid(at, "expected an object")),
            }
        })
        .collect()
}

/// "City, ST 12345, US" from the parts given, `None` when none is.
pub(super) fn location(
    city: Option<String>,
    state: Option<String>,
    zip: Option<String>,
    country: Option<String>,
) -> Option<String> {
    let region: Vec<String> = [state, zip].into_iter().flatten().collect();
    let region = (!region.is_empty()).then(|| region.join(" "));
    let parts: Vec<String> = [city, region, country].into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}
