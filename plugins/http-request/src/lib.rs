//! `http-request`: makes one outgoing HTTP request through `wasi:http`.
//!
//! Input ([`HttpRequest`]):
//! `{"method": "GET", "url": "https://…", "headers": {"name": "value" | ["v1", "v2"]}, "body": …}`.
//! Only `url` is required. A string `body` is sent as is; any other JSON value
//! is sent as JSON (with `content-type: application/json` unless a content-type
//! header is given).
//!
//! Output ([`HttpResponse`]): `{"statusCode": 200, "headers": {…}, "body": …}`.
//! Header names are lower case; repeated headers are joined with `", "`. The
//! body is the parsed JSON value when the response says it is JSON and parses,
//! else the text, else (not UTF-8) base64 with `"isBase64Encoded": true`.
//! Any status code is a successful result; branch on `statusCode` in the workflow.
//!
//! Errors: `HttpInvalidRequest` (bad URL, method or header), `HttpHostNotAllowed`
//! (the runtime's outgoing-HTTP policy refused the destination), `HttpTimeout`,
//! `HttpResponseTooLarge` (over [`MAX_RESPONSE_BYTES`]) and `HttpError` (any
//! other transport failure). Causes name the method and the URL without its
//! query string, which may carry secrets.

mod convert;
mod errors;
mod transport;
mod url;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stepwasm_guest::{task, TaskError};

pub use convert::{decode_body, encode_body, header_list, parse_method, response_headers};
pub use errors::{
    classify, HTTP_ERROR, HTTP_HOST_NOT_ALLOWED, HTTP_INVALID_REQUEST, HTTP_RESPONSE_TOO_LARGE,
    HTTP_TIMEOUT,
};
pub use url::{parse_url, Target};

/// Largest response body the task accepts (4 MiB).
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// The task's input.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpRequest {
    /// HTTP method; `GET` when absent. Standard methods are case-insensitive.
    #[serde(default)]
    pub method: Option<String>,
    /// Absolute `http://` or `https://` URL.
    pub url: String,
    /// Request headers: a string or a list of strings per name.
    #[serde(default)]
    pub headers: BTreeMap<String, HeaderValue>,
    /// Request body; absent or `null` sends none.
    #[serde(default)]
    pub body: Option<Value>,
}

/// One header's value(s) in the input.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum HeaderValue {
    /// A single value.
    One(String),
    /// Several values, sent as repeated headers.
    Many(Vec<String>),
}

/// The task's output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpResponse {
    /// The response status.
    pub status_code: u16,
    /// Response headers, lower-case names.
    pub headers: BTreeMap<String, String>,
    /// The body: JSON value, text, or base64 text.
    pub body: Value,
    /// Present and `true` when `body` is base64 because the bytes are not UTF-8.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_base64_encoded: bool,
}

/// A request ready to be handed to the transport.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The method as the transport wants it.
    pub method: wasi::http::types::Method,
    /// Where to send it.
    pub target: Target,
    /// Header name/value pairs, in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body bytes, if any.
    pub body: Option<Vec<u8>>,
    /// `METHOD scheme://authority/path` for messages (no query string).
    pub label: String,
}

/// What the transport returns.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// Status code.
    pub status: u16,
    /// Header name/value pairs as received.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The whole body.
    pub body: Vec<u8>,
}

fn run(request: HttpRequest) -> Result<HttpResponse, TaskError> {
    let prepared = prepare(request)?;
    stepwasm_guest::debug!("sending {}", prepared.label);
    let raw = transport::send(&prepared)?;
    stepwasm_guest::info!("{} answered {}", prepared.label, raw.status);
    Ok(into_response(raw))
}

task!(run);

/// Checks and converts the input into a [`Prepared`] request.
pub fn prepare(request: HttpRequest) -> Result<Prepared, TaskError> {
    let method_text = request.method.as_deref().unwrap_or("GET");
    let target = parse_url(&request.url)?;
    let label = format!("{} {}", method_text.to_ascii_uppercase(), target.display());
    let method = parse_method(method_text)
        .map_err(|why| TaskError::new(HTTP_INVALID_REQUEST, format!("{label}: {why}")))?;
    let mut headers = header_list(&request.headers)
        .map_err(|why| TaskError::new(HTTP_INVALID_REQUEST, format!("{label}: {why}")))?;
    let body = match request.body {
        None | Some(Value::Null) => None,
        Some(value) => {
            let (bytes, is_json) = encode_body(&value);
            if is_json && !headers.iter().any(|(n, _)| n == "content-type") {
                headers.push(("content-type".to_string(), b"application/json".to_vec()));
            }
            Some(bytes)
        }
    };
    Ok(Prepared {
        method,
        target,
        headers,
        body,
        label,
    })
}

/// Builds the task output from what the transport received.
pub fn into_response(raw: RawResponse) -> HttpResponse {
    let headers = response_headers(&raw.headers);
    let content_type = headers.get("content-type").map(String::as_str);
    let (body, is_base64_encoded) = decode_body(raw.body, content_type);
    HttpResponse {
        status_code: raw.status,
        headers,
        body,
        is_base64_encoded,
    }
}

#[cfg(test)]
mod tests;
