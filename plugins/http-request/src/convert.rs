//! Pure conversions between the task's JSON and HTTP pieces.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::Value;
use wasi::http::types::Method;

use crate::HeaderValue;

/// Turns a method name into a [`Method`]. Standard names are matched without
/// regard to case; any other name must be an HTTP token and is sent as given.
pub fn parse_method(name: &str) -> Result<Method, String> {
    Ok(match name.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "CONNECT" => Method::Connect,
        "OPTIONS" => Method::Options,
        "TRACE" => Method::Trace,
        "PATCH" => Method::Patch,
        _ if !name.is_empty() && name.len() <= 32 && name.chars().all(is_token_char) => {
            Method::Other(name.to_string())
        }
        _ => return Err(format!("method {name:?} is not a valid HTTP method name")),
    })
}

/// Characters allowed in an HTTP token (method and header names).
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// Flattens the input headers into name/value pairs with lower-case names,
/// checking names and values (no CR, LF or NUL in values).
pub fn header_list(
    headers: &BTreeMap<String, HeaderValue>,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    for (name, value) in headers {
        if name.is_empty() || !name.chars().all(is_token_char) {
            return Err(format!(
                "header name {name:?} is not a valid HTTP header name"
            ));
        }
        let lower = name.to_ascii_lowercase();
        let values: &[String] = match value {
            HeaderValue::One(v) => std::slice::from_ref(v),
            HeaderValue::Many(vs) => vs,
        };
        for v in values {
            if v.contains(['\r', '\n', '\0']) {
                return Err(format!(
                    "header {name:?} has a value with a line break or NUL"
                ));
            }
            out.push((lower.clone(), v.as_bytes().to_vec()));
        }
    }
    Ok(out)
}

/// The bytes to send for a body value, and whether they are JSON.
/// A string is sent as its UTF-8 text; any other value as compact JSON.
pub fn encode_body(value: &Value) -> (Vec<u8>, bool) {
    match value {
        Value::String(s) => (s.as_bytes().to_vec(), false),
        other => (other.to_string().into_bytes(), true),
    }
}

/// Response headers as a map of lower-case name to value; repeated headers are
/// joined with `", "`, and bytes that are not UTF-8 are replaced.
pub fn response_headers(headers: &[(String, Vec<u8>)]) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value);
        map.entry(name.to_ascii_lowercase())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    map
}

/// Whether a content type names JSON (`application/json`, `…+json`).
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The body as output: parsed JSON when `content_type` is JSON and it parses,
/// else text, else base64 (the flag is then `true`).
pub fn decode_body(body: Vec<u8>, content_type: Option<&str>) -> (Value, bool) {
    if content_type.is_some_and(is_json) {
        if let Ok(value) = serde_json::from_slice::<Value>(&body) {
            return (value, false);
        }
    }
    match String::from_utf8(body) {
        Ok(text) => (Value::String(text), false),
        Err(e) => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(e.into_bytes());
            (Value::String(encoded), true)
        }
    }
}
