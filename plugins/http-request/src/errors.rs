//! Mapping `wasi:http` failures to task errors.

use stepwasm_guest::TaskError;
use wasi::http::types::{ErrorCode, HeaderError};

/// The URL, method or a header is not acceptable.
pub const HTTP_INVALID_REQUEST: &str = "HttpInvalidRequest";
/// The runtime's outgoing-HTTP policy refused the destination.
pub const HTTP_HOST_NOT_ALLOWED: &str = "HttpHostNotAllowed";
/// Connecting, sending or waiting for the answer took too long.
pub const HTTP_TIMEOUT: &str = "HttpTimeout";
/// The response body is larger than the task accepts.
pub const HTTP_RESPONSE_TOO_LARGE: &str = "HttpResponseTooLarge";
/// Any other transport failure.
pub const HTTP_ERROR: &str = "HttpError";

/// The task error for a `wasi:http` error code met while sending `label`.
pub fn classify(label: &str, code: &ErrorCode) -> TaskError {
    let (name, what) = match code {
        ErrorCode::HttpRequestDenied => (
            HTTP_HOST_NOT_ALLOWED,
            "the destination is not on the runtime's list of allowed hosts".to_string(),
        ),
        ErrorCode::DestinationIpProhibited => (
            HTTP_HOST_NOT_ALLOWED,
            "the runtime does not allow connections to this address".to_string(),
        ),
        ErrorCode::DnsTimeout => (HTTP_TIMEOUT, "the DNS lookup timed out".to_string()),
        ErrorCode::ConnectionTimeout => (HTTP_TIMEOUT, "connecting timed out".to_string()),
        ErrorCode::ConnectionReadTimeout => (
            HTTP_TIMEOUT,
            "reading from the connection timed out".to_string(),
        ),
        ErrorCode::ConnectionWriteTimeout => (
            HTTP_TIMEOUT,
            "writing to the connection timed out".to_string(),
        ),
        ErrorCode::HttpResponseTimeout => (
            HTTP_TIMEOUT,
            "the server did not answer in time".to_string(),
        ),
        ErrorCode::HttpResponseBodySize(limit) => (
            HTTP_RESPONSE_TOO_LARGE,
            match limit {
                Some(n) => {
                    format!("the response body is larger than the runtime allows ({n} bytes)")
                }
                None => "the response body is larger than the runtime allows".to_string(),
            },
        ),
        ErrorCode::HttpRequestMethodInvalid => (
            HTTP_INVALID_REQUEST,
            "the runtime rejected the method".to_string(),
        ),
        ErrorCode::HttpRequestUriInvalid => (
            HTTP_INVALID_REQUEST,
            "the runtime rejected the URL".to_string(),
        ),
        ErrorCode::HttpRequestUriTooLong => {
            (HTTP_INVALID_REQUEST, "the URL is too long".to_string())
        }
        ErrorCode::DnsError(p) => (
            HTTP_ERROR,
            format!(
                "the host name could not be resolved{}",
                p.rcode
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
        ),
        ErrorCode::ConnectionRefused => (HTTP_ERROR, "the connection was refused".to_string()),
        ErrorCode::ConnectionTerminated => (
            HTTP_ERROR,
            "the connection was closed unexpectedly".to_string(),
        ),
        ErrorCode::TlsCertificateError => (
            HTTP_ERROR,
            "the server's TLS certificate was not accepted".to_string(),
        ),
        ErrorCode::InternalError(Some(detail)) => {
            (HTTP_ERROR, format!("transport error: {detail}"))
        }
        other => (HTTP_ERROR, format!("transport error {other:?}")),
    };
    TaskError::new(name, format!("{label}: {what}"))
}

/// The task error for a header the runtime refused.
pub fn header_refused(label: &str, name: &str, error: HeaderError) -> TaskError {
    let why = match error {
        HeaderError::InvalidSyntax => "is not valid",
        HeaderError::Forbidden => "may not be set by a task",
        HeaderError::Immutable => "cannot be changed",
    };
    TaskError::new(
        HTTP_INVALID_REQUEST,
        format!("{label}: header {name:?} {why}"),
    )
}
