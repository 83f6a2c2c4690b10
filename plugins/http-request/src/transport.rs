//! Sending a prepared request with `wasi:http/outgoing-handler`.
//!
//! Only meaningful inside a WebAssembly host; natively the imports are absent,
//! so the tests exercise everything around this module instead.

use stepwasm_guest::TaskError;
use wasi::http::outgoing_handler;
use wasi::http::types::{Fields, IncomingBody, OutgoingBody, OutgoingRequest};
use wasi::io::streams::{InputStream, OutputStream, StreamError};

use crate::errors::{
    classify, header_refused, HTTP_ERROR, HTTP_INVALID_REQUEST, HTTP_RESPONSE_TOO_LARGE,
};
use crate::{Prepared, RawResponse, MAX_RESPONSE_BYTES};

/// Largest chunk `blocking-write-and-flush` accepts.
const WRITE_CHUNK: usize = 4096;
/// How much to ask for per read.
const READ_CHUNK: u64 = 64 * 1024;

fn error(label: &str, what: &str) -> TaskError {
    TaskError::new(HTTP_ERROR, format!("{label}: {what}"))
}

fn rejected(label: &str, what: &str) -> TaskError {
    TaskError::new(
        HTTP_INVALID_REQUEST,
        format!("{label}: the runtime rejected the {what}"),
    )
}

/// Sends `req` and reads the whole response.
pub fn send(req: &Prepared) -> Result<RawResponse, TaskError> {
    let label = req.label.as_str();
    let headers = Fields::new();
    for (name, value) in &req.headers {
        headers
            .append(name, value)
            .map_err(|e| header_refused(label, name, e))?;
    }
    let request = OutgoingRequest::new(headers);
    request
        .set_method(&req.method)
        .map_err(|()| rejected(label, "method"))?;
    request
        .set_scheme(Some(&req.target.scheme))
        .map_err(|()| rejected(label, "scheme"))?;
    request
        .set_authority(Some(&req.target.authority))
        .map_err(|()| rejected(label, "host"))?;
    request
        .set_path_with_query(Some(&req.target.path_with_query))
        .map_err(|()| rejected(label, "path"))?;
    let body = request
        .body()
        .map_err(|()| error(label, "the request body was already taken"))?;

    let future = outgoing_handler::handle(request, None).map_err(|code| classify(label, &code))?;

    if let Some(bytes) = &req.body {
        let stream = body
            .write()
            .map_err(|()| error(label, "the request body stream was already taken"))?;
        write_all(label, &stream, bytes)?;
    }
    OutgoingBody::finish(body, None).map_err(|code| classify(label, &code))?;

    future.subscribe().block();
    let response = match future.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(code))) => return Err(classify(label, &code)),
        Some(Err(())) => return Err(error(label, "the response was already taken")),
        None => return Err(error(label, "no response arrived")),
    };
    stepwasm_guest::heartbeat();

    let status = response.status();
    let headers = response.headers().entries();
    let incoming = response
        .consume()
        .map_err(|()| error(label, "the response body was already taken"))?;
    let stream = incoming
        .stream()
        .map_err(|()| error(label, "the response body stream was already taken"))?;
    let body = read_all(label, &stream)?;
    drop(stream);
    drop(IncomingBody::finish(incoming));
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

fn write_all(label: &str, stream: &OutputStream, bytes: &[u8]) -> Result<(), TaskError> {
    for chunk in bytes.chunks(WRITE_CHUNK) {
        stream
            .blocking_write_and_flush(chunk)
            .map_err(|e| stream_error(label, "sending the body", e))?;
    }
    Ok(())
}

fn read_all(label: &str, stream: &InputStream) -> Result<Vec<u8>, TaskError> {
    let mut body = Vec::new();
    loop {
        match stream.blocking_read(READ_CHUNK) {
            Ok(chunk) => {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(TaskError::new(
                        HTTP_RESPONSE_TOO_LARGE,
                        format!(
                            "{label}: the response body is larger than {MAX_RESPONSE_BYTES} bytes"
                        ),
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => return Ok(body),
            Err(e) => return Err(stream_error(label, "reading the response body", e)),
        }
    }
}

fn stream_error(label: &str, doing: &str, e: StreamError) -> TaskError {
    match e {
        StreamError::LastOperationFailed(io) => match wasi::http::types::http_error_code(&io) {
            Some(code) => classify(label, &code),
            None => error(label, &format!("{doing} failed: {}", io.to_debug_string())),
        },
        StreamError::Closed => error(label, &format!("{doing} failed: the connection was closed")),
    }
}
