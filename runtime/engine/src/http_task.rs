//! The HTTP Task (`arn:aws:states:::http:invoke`): one HTTP request to an API, answered as AWS
//! answers it.
//!
//! Parameters, as AWS takes them: `ApiEndpoint` and `Method` (GET, POST, PUT, DELETE, PATCH,
//! OPTIONS, HEAD), `Authentication.ConnectionArn` (or `InvocationConfig.ConnectionArn`),
//! optional `Headers`, `QueryParameters`, `RequestBody` and `Transform` (`RequestBodyEncoding`
//! `URL_ENCODED`, with `RequestEncodingOptions.ArrayFormat` `INDICES` (the default), `REPEAT`,
//! `COMMAS` or `BRACKETS`).
//!
//! The connection is where AWS keeps an API's credentials (an EventBridge connection,
//! `arn:aws:events:REGION:ACCOUNT:connection/NAME/ID`); stepwasm's connections are configured
//! with the server ([`crate::Connection`]) and found by NAME. A connection adds its
//! credentials (API key header, or basic authentication) and its own headers, query parameters
//! and body fields, and lists the URL prefixes it may call: a call anywhere else fails with
//! `States.Permissions`, as a call the execution role does not allow fails at AWS.
//!
//! The answer is `{Headers, ResponseBody, StatusCode, StatusText}`: each header with its values
//! as an array, the body as JSON when the response says it is JSON, as text otherwise. A status
//! outside 2xx fails the task with `States.Http.StatusCode.NNN` (the answer as the cause); a
//! request that cannot be made, or takes more than 60 seconds, with `States.Http.Socket`.
//! Redirects are not followed (a 3xx is answered like any status outside 2xx).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use asl::exec::{Input, WorkId};
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;

use crate::actor::Msg;
use crate::nested::Cancel;
use crate::resource::Unresolved;
use crate::{Connection, ConnectionAuth, Inner};

/// AWS's limit on an HTTP Task's request time.
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest response body read: AWS's payload quota.
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];

/// Headers a Task may not set (AWS's list for the HTTP Task), lower case; and the prefixes.
const FORBIDDEN_HEADERS: [&str; 33] = [
    "a-im", "accept-charset", "accept-datetime", "accept-encoding", "authorization", "cache-control", "connection",
    "content-encoding", "content-length", "content-md5", "date", "expect", "forwarded", "from", "host", "http2-settings",
    "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "max-forwards", "origin", "pragma",
    "proxy-authorization", "referer", "server", "te", "trailer", "transfer-encoding", "upgrade", "via", "warning",
];
const FORBIDDEN_PREFIXES: [&str; 3] = ["x-forwarded", "x-amz", "x-amzn"];

/// How a form-encoded body writes an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayFormat {
    /// `a[0]=x&a[1]=y`
    Indices,
    /// `a=x&a=y`
    Repeat,
    /// `a=x,y`
    Commas,
    /// `a[]=x&a[]=y`
    Brackets,
}

/// One HTTP Task's request, from its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpCall {
    pub endpoint: String,
    pub method: String,
    /// NAME of the connection ARN.
    pub connection: String,
    pub connection_arn: String,
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// `Some` for `RequestBodyEncoding: URL_ENCODED`.
    pub form: Option<ArrayFormat>,
}

impl HttpCall {
    /// Reads the Task's effective input.
    pub fn from_input(input: &Value) -> Result<HttpCall, Unresolved> {
        let bad = |m: String| Unresolved(format!("http:invoke: {m}"));
        let obj = input.as_object().ok_or_else(|| bad("the Parameters must be an object".into()))?;
        let text = |name: &str| match obj.get(name) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(bad(format!("{name} must be a string"))),
            None => Err(bad(format!("the Parameters have no {name}"))),
        };
        let endpoint = text("ApiEndpoint")?;
        let uri: Uri = endpoint.parse().map_err(|e| bad(format!("ApiEndpoint '{endpoint}' is not a URL: {e}")))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none_or(str::is_empty) {
            return Err(bad(format!("ApiEndpoint '{endpoint}' is not an http or https URL")));
        }
        let method = text("Method")?;
        if !METHODS.contains(&method.as_str()) {
            return Err(bad(format!("Method '{method}' is not one of {}", METHODS.join(", "))));
        }
        let connection_arn = ["Authentication", "InvocationConfig"]
            .iter()
            .find_map(|k| obj.get(*k).and_then(|a| a.get("ConnectionArn")).and_then(Value::as_str))
            .ok_or_else(|| bad("the Parameters have no Authentication.ConnectionArn".into()))?
            .to_string();
        let connection = connection_name(&connection_arn)
            .ok_or_else(|| bad(format!("'{connection_arn}' is not a connection ARN (arn:aws:events:REGION:ACCOUNT:connection/NAME/ID)")))?
            .to_string();
        let headers = pairs(obj.get("Headers"), "Headers")?;
        if let Some((h, _)) = headers.iter().find(|(h, _)| forbidden_header(h)) {
            return Err(bad(format!("the header '{h}' cannot be set by an HTTP Task")));
        }
        let query = match obj.get("QueryParameters") {
            Some(Value::Object(m)) => {
                let mut out = Vec::new();
                for (k, v) in m {
                    match v {
                        Value::Array(items) => out.extend(items.iter().map(|i| (k.clone(), scalar(i)))),
                        v => out.push((k.clone(), scalar(v))),
                    }
                }
                out
            }
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err(bad("QueryParameters must be an object".into())),
        };
        let form = match obj.get("Transform") {
            None | Some(Value::Null) => None,
            Some(t) => transform(t).map_err(bad)?,
        };
        let body = obj.get("RequestBody").filter(|b| !b.is_null()).cloned();
        Ok(HttpCall { endpoint, method, connection, connection_arn, headers, query, body, form })
    }
}

fn transform(t: &Value) -> Result<Option<ArrayFormat>, String> {
    let format = match t.get("RequestEncodingOptions").and_then(|o| o.get("ArrayFormat")) {
        None | Some(Value::Null) => ArrayFormat::Indices,
        Some(Value::String(s)) => match s.as_str() {
            "INDICES" => ArrayFormat::Indices,
            "REPEAT" => ArrayFormat::Repeat,
            "COMMAS" => ArrayFormat::Commas,
            "BRACKETS" => ArrayFormat::Brackets,
            other => return Err(format!("ArrayFormat '{other}' is not one of INDICES, REPEAT, COMMAS, BRACKETS")),
        },
        Some(_) => return Err("ArrayFormat must be a string".into()),
    };
    match t.get("RequestBodyEncoding") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s == "NONE" => Ok(None),
        Some(Value::String(s)) if s == "URL_ENCODED" => Ok(Some(format)),
        Some(other) => Err(format!("RequestBodyEncoding {other} is not NONE or URL_ENCODED")),
    }
}

/// NAME of `arn:PARTITION:events:REGION:ACCOUNT:connection/NAME[/ID]`.
fn connection_name(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "events", _, _, resource] => {
            let name = resource.strip_prefix("connection/")?.split('/').next()?;
            (!name.is_empty()).then_some(name)
        }
        _ => None,
    }
}

fn forbidden_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    FORBIDDEN_HEADERS.contains(&lower.as_str()) || FORBIDDEN_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// An object's members as (name, text) pairs; an array value is its items joined by commas.
fn pairs(v: Option<&Value>, what: &str) -> Result<Vec<(String, String)>, Unresolved> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(m)) => Ok(m
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
                    v => scalar(v),
                };
                (k.clone(), text)
            })
            .collect()),
        Some(_) => Err(Unresolved(format!("http:invoke: {what} must be an object"))),
    }
}

/// A value as it goes into a header, a query or a form: strings as they are, null as
/// nothing, anything else as its JSON text.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => asl::error::compact(v),
    }
}

/// `application/x-www-form-urlencoded` text of `pairs`.
fn form_encode(pairs: &[(String, String)]) -> String {
    let enc = |s: &str| {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(b as char),
                b' ' => out.push('+'),
                b => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    };
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

/// The (name, text) pairs of a form body: nested objects as `a[b]`, arrays as `format` says.
fn form_pairs(prefix: &str, v: &Value, format: ArrayFormat, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}[{k}]") };
                form_pairs(&key, v, format, out);
            }
        }
        Value::Array(items) => match format {
            ArrayFormat::Commas => out.push((prefix.to_string(), items.iter().map(scalar).collect::<Vec<_>>().join(","))),
            _ => {
                for (i, item) in items.iter().enumerate() {
                    let key = match format {
                        ArrayFormat::Indices => format!("{prefix}[{i}]"),
                        ArrayFormat::Brackets => format!("{prefix}[]"),
                        _ => prefix.to_string(),
                    };
                    form_pairs(&key, item, format, out);
                }
            }
        },
        v => out.push((prefix.to_string(), scalar(v))),
    }
}

/// Whether `url` lies under the URL prefix `allowed` (same scheme, host and port; the path
/// within the prefix's path). A path with a `.` or `..` segment (plain or percent-encoded),
/// which a server may resolve to somewhere outside the prefix, lies under none.
fn allowed(url: &Uri, allowed: &str) -> bool {
    let dot_segment = url.path().split('/').any(|seg| {
        let decoded = seg.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    });
    if dot_segment {
        return false;
    }
    let Ok(prefix) = allowed.parse::<Uri>() else { return false };
    let port = |u: &Uri| u.port_u16().or(match u.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    });
    let same_origin = url.scheme_str() == prefix.scheme_str()
        && url.host().map(str::to_ascii_lowercase) == prefix.host().map(str::to_ascii_lowercase)
        && port(url) == port(&prefix);
    let path = prefix.path();
    same_origin && (path == "/" || url.path() == path.trim_end_matches('/') || url.path().starts_with(&format!("{}/", path.trim_end_matches('/'))))
}

/// A task failure: (error, cause).
type Failure = (String, String);

fn fail(error: &str, cause: impl Into<String>) -> Failure {
    (error.to_string(), cause.into())
}

/// The request to send: the Task's call with its connection's credentials and parameters
/// (and its body's bytes, for TestState's trace).
fn build(call: &HttpCall, conn: &Connection, region: &str) -> Result<(Uri, Request<Full<Bytes>>, Bytes), Failure> {
    let base: Uri = call.endpoint.parse().map_err(|e| fail("States.Runtime", format!("ApiEndpoint: {e}")))?;
    if !conn.endpoints.iter().any(|p| allowed(&base, p)) {
        return Err(fail(
            "States.Permissions",
            format!(
                "the connection '{}' may not call {}: it allows {}",
                conn.name,
                call.endpoint,
                if conn.endpoints.is_empty() { "no endpoint".to_string() } else { conn.endpoints.join(", ") }
            ),
        ));
    }
    let mut query: Vec<(String, String)> = call.query.clone();
    query.extend(conn.query.iter().cloned());
    let path_and_query = match (base.path_and_query().map(|p| p.as_str()).unwrap_or("/"), query.is_empty()) {
        (p, true) => p.to_string(),
        (p, false) => format!("{p}{}{}", if p.contains('?') { "&" } else { "?" }, form_encode(&query)),
    };
    let uri: Uri = format!("{}://{}{}", base.scheme_str().unwrap_or("https"), base.authority().map(|a| a.as_str()).unwrap_or_default(), path_and_query)
        .parse()
        .map_err(|e| fail("States.Runtime", format!("the request URL: {e}")))?;
    // The connection's body fields join an object body (or make one).
    let mut body = call.body.clone();
    if !conn.body.is_empty() {
        let mut m = match body {
            None => Map::new(),
            Some(Value::Object(m)) => m,
            Some(_) => {
                return Err(fail("States.Runtime", format!("the connection '{}' adds body fields, so RequestBody must be an object", conn.name)))
            }
        };
        for (k, v) in &conn.body {
            m.insert(k.clone(), Value::String(v.clone()));
        }
        body = Some(Value::Object(m));
    }
    let (content_type, bytes) = match (&body, call.form) {
        (None, _) => (None, Bytes::new()),
        (Some(v @ Value::Object(_)), Some(format)) => {
            let mut pairs = Vec::new();
            form_pairs("", v, format, &mut pairs);
            (Some("application/x-www-form-urlencoded"), Bytes::from(form_encode(&pairs)))
        }
        (Some(Value::String(s)), _) => (Some("application/json; charset=UTF-8"), Bytes::from(s.clone())),
        (Some(v), _) => (Some("application/json; charset=UTF-8"), Bytes::from(asl::error::compact(v))),
    };
    let mut req = Request::builder().method(call.method.as_str()).uri(uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let authority = uri.authority().map(|a| a.as_str().to_string()).unwrap_or_default();
    req = req.header(hyper::header::HOST, authority);
    let mut has_type = false;
    for (k, v) in call.headers.iter().chain(conn.headers.iter()) {
        has_type |= k.eq_ignore_ascii_case("content-type");
        req = req.header(k.as_str(), v.as_str());
    }
    if let (Some(t), false) = (content_type, has_type) {
        req = req.header(hyper::header::CONTENT_TYPE, t);
    }
    req = req.header(hyper::header::USER_AGENT, format!("Amazon|StepFunctions|HttpInvoke|{region}"));
    req = req.header(hyper::header::RANGE, format!("bytes=0-{MAX_RESPONSE_BYTES}"));
    match &conn.auth {
        ConnectionAuth::None => {}
        ConnectionAuth::ApiKey { name, value } => req = req.header(name.as_str(), value.as_str()),
        ConnectionAuth::Basic { username, password } => {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
            req = req.header(hyper::header::AUTHORIZATION, format!("Basic {token}"));
        }
    }
    let req = req.body(Full::new(bytes.clone())).map_err(|e| fail("States.Runtime", format!("the request cannot be made: {e}")))?;
    Ok((uri, req, bytes))
}

/// Sends `req` to `uri`'s host over a connection of its own (TLS for https).
async fn send(uri: &Uri, req: Request<Full<Bytes>>) -> Result<(hyper::http::response::Parts, Bytes), Failure> {
    let socket = |e: String| fail("States.Http.Socket", e);
    let host = uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_string();
    let https = uri.scheme_str() == Some("https");
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port)).await.map_err(|e| socket(format!("cannot connect to {host}:{port}: {e}")))?;
    let _ = tcp.set_nodelay(true);
    if https {
        let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| socket(format!("'{host}': {e}")))?;
        let tls = tokio_rustls::TlsConnector::from(tls_config())
            .connect(name, tcp)
            .await
            .map_err(|e| socket(format!("TLS with {host}:{port} failed: {e}")))?;
        exchange(tls, req).await
    } else {
        exchange(tcp, req).await
    }
}

async fn exchange<IO>(io: IO, req: Request<Full<Bytes>>) -> Result<(hyper::http::response::Parts, Bytes), Failure>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let socket = |e: String| fail("States.Http.Socket", e);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await.map_err(|e| socket(format!("the HTTP handshake failed: {e}")))?;
    let driver = tokio::spawn(conn);
    let result = async {
        let resp = sender.send_request(req).await.map_err(|e| socket(format!("the request failed: {e}")))?;
        let (parts, body) = resp.into_parts();
        let bytes = Limited::new(body, MAX_RESPONSE_BYTES).collect().await.map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                fail("States.DataLimitExceeded", format!("the response body is larger than {MAX_RESPONSE_BYTES} bytes"))
            } else {
                socket(format!("reading the response failed: {e}"))
            }
        })?;
        Ok((parts, bytes.to_bytes()))
    }
    .await;
    driver.abort();
    result
}

/// The client's TLS settings: the public certificate authorities (webpki-roots).
fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            Arc::new(rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth())
        })
        .clone()
}

/// The task's answer from the response.
fn answer(parts: &hyper::http::response::Parts, body: &Bytes) -> Result<Value, Failure> {
    let content_type = parts.headers.get(hyper::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let media = content_type.split(';').next().unwrap_or("").trim().to_string();
    if media == "application/octet-stream" || ["image/", "audio/", "video/"].iter().any(|p| media.starts_with(p)) {
        return Err(fail("States.TaskFailed", format!("the response's content type '{media}' is not text: an HTTP Task answers text and JSON only")));
    }
    let text = std::str::from_utf8(body).map_err(|_| fail("States.TaskFailed", "the response body is not UTF-8 text"))?;
    let mut headers = Map::new();
    for name in parts.headers.keys() {
        let values = parts.headers.get_all(name).iter().map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
        headers.insert(name.as_str().to_string(), Value::Array(values));
    }
    let json_media = media == "application/json" || media.ends_with("+json");
    let body = match json_media.then(|| serde_json::from_str::<Value>(text).ok()).flatten() {
        Some(v) => v,
        None => Value::String(text.to_string()),
    };
    let status = parts.status;
    let out = json!({
        "Headers": headers,
        "ResponseBody": body,
        "StatusCode": status.as_u16(),
        "StatusText": status.canonical_reason().unwrap_or(""),
    });
    if status.is_success() {
        Ok(out)
    } else {
        Err((format!("States.Http.StatusCode.{}", status.as_u16()), asl::error::compact(&out)))
    }
}

/// Makes the call on the engine's runtime; its answer goes to `tx` as a task input. A
/// cancelled task drops its request: the Task's own `TimeoutSeconds` ends it with
/// `States.Timeout`, as any task; the HTTP Task's 60-second limit with `States.Http.Socket`.
pub(crate) fn spawn(id: WorkId, call: HttpCall, tx: mpsc::UnboundedSender<Msg>, cancel: Arc<Cancel>, inner: &Arc<Inner>) {
    let conn = inner.connections.get(&call.connection).cloned();
    let region = inner.arns.region.clone();
    inner.runtime.spawn(async move {
        let result = tokio::select! {
            r = run(&call, conn.as_ref(), &region, HTTP_TIMEOUT) => r,
            _ = cancel.cancelled() => return,
        };
        let input = match result {
            Ok(output) => Input::TaskSucceeded { id, output, logs: None },
            Err((error, cause)) => Input::TaskFailed { id, error: Some(error), cause: Some(cause) },
        };
        let _ = tx.send(Msg::Input { input, reply: None });
    });
}

async fn run(call: &HttpCall, conn: Option<&Connection>, region: &str, limit: Duration) -> Result<Value, Failure> {
    exchange_traced(call, conn, region, limit, None).await
}

/// TestState's TRACE: the request as sent (without what the connection adds, unless
/// `reveal`) and the response as received, each in InspectionData's shape.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Trace {
    pub(crate) request: Option<Value>,
    pub(crate) response: Option<Value>,
}

/// TestState's call: the answer, and what [`Trace`] shows of the exchange.
pub(crate) async fn call_for_test(inner: &Inner, call: &HttpCall, reveal: bool) -> (Result<Value, Failure>, Trace) {
    let mut trace = Trace::default();
    let conn = inner.connections.get(&call.connection);
    let shown = conn.map(|c| if reveal { c.clone() } else { Connection { auth: ConnectionAuth::None, headers: Vec::new(), query: Vec::new(), body: Vec::new(), ..c.clone() } });
    if let Some(shown) = &shown {
        if let Ok((uri, req, body)) = build(call, shown, &inner.arns.region) {
            trace.request = Some(request_trace(&uri, &req, &body));
        }
    }
    let result = exchange_traced(call, conn, &inner.arns.region, HTTP_TIMEOUT, Some(&mut trace)).await;
    (result, trace)
}

async fn exchange_traced(call: &HttpCall, conn: Option<&Connection>, region: &str, limit: Duration, trace: Option<&mut Trace>) -> Result<Value, Failure> {
    let conn = conn.ok_or_else(|| {
        fail(
            "Events.ConnectionResource.ResourceNotFound",
            format!("no connection named '{}' ({}) is configured: add it to the server's [[connections]]", call.connection, call.connection_arn),
        )
    })?;
    let (uri, req, _) = build(call, conn, region)?;
    match tokio::time::timeout(limit, send(&uri, req)).await {
        Ok(r) => {
            let (parts, body) = r?;
            if let Some(t) = trace {
                t.response = Some(response_trace(&uri, &parts, &body));
            }
            answer(&parts, &body)
        }
        Err(_) => Err(fail("States.Http.Socket", format!("{} {} did not answer within {} s", call.method, call.endpoint, limit.as_secs_f64()))),
    }
}

/// Headers as InspectionData writes them: `[Name: value, ...]`.
fn headers_text(headers: &hyper::HeaderMap) -> String {
    let items: Vec<String> = headers.iter().map(|(k, v)| format!("{}: {}", k.as_str(), String::from_utf8_lossy(v.as_bytes()))).collect();
    format!("[{}]", items.join(", "))
}

fn request_trace(uri: &Uri, req: &Request<Full<Bytes>>, body: &Bytes) -> Value {
    json!({
        "protocol": uri.scheme_str().unwrap_or("https"),
        "method": req.method().as_str(),
        "url": uri.to_string(),
        "headers": headers_text(req.headers()),
        "body": String::from_utf8_lossy(body),
    })
}

fn response_trace(uri: &Uri, parts: &hyper::http::response::Parts, body: &Bytes) -> Value {
    json!({
        "protocol": uri.scheme_str().unwrap_or("https"),
        "statusCode": parts.status.as_u16().to_string(),
        "statusMessage": parts.status.canonical_reason().unwrap_or(""),
        "headers": headers_text(&parts.headers),
        "body": String::from_utf8_lossy(body),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(endpoints: &[&str], auth: ConnectionAuth) -> Connection {
        Connection {
            name: "api".into(),
            endpoints: endpoints.iter().map(|s| s.to_string()).collect(),
            auth,
            headers: vec![("X-Team".into(), "edge".into())],
            query: vec![("key".into(), "k 1".into())],
            body: Vec::new(),
        }
    }

    fn call(extra: Value) -> HttpCall {
        let mut p = json!({"ApiEndpoint": "https://api.example.com/v1/items?x=1", "Method": "POST",
            "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/api/0a1b"}});
        p.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        HttpCall::from_input(&p).unwrap()
    }

    #[test]
    fn parameters_are_read_as_aws_takes_them() {
        let c = call(json!({"Headers": {"X-One": 1, "X-List": ["a", "b"]}, "QueryParameters": {"q": "a b", "n": [1, 2]},
            "RequestBody": {"a": 1}, "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"}}}));
        assert_eq!((c.connection.as_str(), c.method.as_str()), ("api", "POST"));
        assert_eq!(c.headers, [("X-One".to_string(), "1".to_string()), ("X-List".to_string(), "a,b".to_string())]);
        assert_eq!(c.query.len(), 3);
        assert_eq!(c.form, Some(ArrayFormat::Brackets));
        let err = |p: Value| HttpCall::from_input(&p).unwrap_err().0;
        let base = json!({"ApiEndpoint": "https://a.example", "Method": "GET", "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:1:connection/c/1"}});
        let with = |k: &str, v: Value| {
            let mut p = base.clone();
            p[k] = v;
            p
        };
        assert!(err(with("Method", json!("FETCH"))).contains("Method 'FETCH'"));
        assert!(err(with("ApiEndpoint", json!("ftp://a.example/x"))).contains("not an http or https URL"));
        assert!(err(with("Headers", json!({"Authorization": "x"}))).contains("'Authorization' cannot be set"));
        assert!(err(with("Headers", json!({"X-Amz-Date": "x"}))).contains("cannot be set"));
        assert!(err(with("Authentication", json!({"ConnectionArn": "arn:aws:events:us-east-1:1:rule/x"}))).contains("not a connection ARN"));
        assert!(err(with("Transform", json!({"RequestBodyEncoding": "GZIP"}))).contains("RequestBodyEncoding"));
        let mut no_auth = base.clone();
        no_auth.as_object_mut().unwrap().remove("Authentication");
        assert!(err(no_auth).contains("ConnectionArn"));
    }

    #[test]
    fn form_bodies_write_arrays_in_each_format() {
        let body = json!({"a": ["x", "y z"], "o": {"k": true}});
        let text = |f| {
            let mut pairs = Vec::new();
            form_pairs("", &body, f, &mut pairs);
            form_encode(&pairs)
        };
        assert_eq!(text(ArrayFormat::Indices), "a%5B0%5D=x&a%5B1%5D=y+z&o%5Bk%5D=true");
        assert_eq!(text(ArrayFormat::Repeat), "a=x&a=y+z&o%5Bk%5D=true");
        assert_eq!(text(ArrayFormat::Commas), "a=x%2Cy+z&o%5Bk%5D=true");
        assert_eq!(text(ArrayFormat::Brackets), "a%5B%5D=x&a%5B%5D=y+z&o%5Bk%5D=true");
    }

    #[test]
    fn a_connection_allows_only_its_endpoints() {
        let u = |s: &str| s.parse::<Uri>().unwrap();
        assert!(allowed(&u("https://api.example.com/v1/items"), "https://api.example.com/v1/"));
        assert!(allowed(&u("https://API.example.com:443/v1"), "https://api.example.com/v1"));
        assert!(allowed(&u("https://api.example.com/anything"), "https://api.example.com"));
        assert!(!allowed(&u("https://api.example.com/v10"), "https://api.example.com/v1"));
        assert!(!allowed(&u("http://api.example.com/v1/items"), "https://api.example.com/v1/"));
        assert!(!allowed(&u("https://api.example.com:8443/v1/items"), "https://api.example.com/v1/"));
        assert!(!allowed(&u("https://evil.example.com/v1/items"), "https://api.example.com/v1/"));
        assert!(!allowed(&u("https://api.example.com@evil.example.com/v1/items"), "https://api.example.com/v1/"));
        assert!(!allowed(&u("https://api.example.com/v1/../admin"), "https://api.example.com/v1/"));
        assert!(!allowed(&u("https://api.example.com/v1/%2E%2e/admin"), "https://api.example.com/v1/"));
        let c = call(json!({}));
        let (error, cause) = build(&c, &conn(&["https://other.example.com/"], ConnectionAuth::None), "r").unwrap_err();
        assert_eq!(error, "States.Permissions");
        assert!(cause.contains("may not call https://api.example.com/v1/items?x=1"), "{cause}");
    }

    #[test]
    fn the_request_carries_the_connections_credentials_and_parameters() {
        let c = call(json!({"RequestBody": {"a": 1}, "Headers": {"X-Call": "1"}}));
        let mut k = conn(&["https://api.example.com/v1/"], ConnectionAuth::ApiKey { name: "x-api-key".into(), value: "s3cret".into() });
        k.body = vec![("tenant".into(), "t1".into())];
        let (uri, req, body) = build(&c, &k, "eu-west-1").unwrap();
        assert_eq!(body, Bytes::from_static(br#"{"a":1,"tenant":"t1"}"#));
        assert_eq!(uri.to_string(), "https://api.example.com/v1/items?x=1&key=k+1");
        let h = req.headers();
        assert_eq!(h["host"], "api.example.com");
        assert_eq!(h["x-api-key"], "s3cret");
        assert_eq!((h["x-call"].to_str().unwrap(), h["x-team"].to_str().unwrap()), ("1", "edge"));
        assert_eq!(h["content-type"], "application/json; charset=UTF-8");
        assert_eq!(h["user-agent"], "Amazon|StepFunctions|HttpInvoke|eu-west-1");
        let basic = conn(&["https://api.example.com/"], ConnectionAuth::Basic { username: "u".into(), password: "p".into() });
        let (_, req, _) = build(&call(json!({})), &basic, "r").unwrap();
        assert_eq!(req.headers()["authorization"], "Basic dTpw");
        assert!(req.headers().get("content-type").is_none(), "no body, no content type");
    }

    #[test]
    fn answers_parse_json_and_fail_outside_2xx() {
        let parts = |status: u16, ct: &str| {
            let (p, _) = hyper::Response::builder().status(status).header("Content-Type", ct).header("Set-Cookie", "a").header("Set-Cookie", "b").body(()).unwrap().into_parts();
            p
        };
        let ok = answer(&parts(200, "application/json"), &Bytes::from_static(br#"{"id":7}"#)).unwrap();
        assert_eq!(ok["ResponseBody"], json!({"id": 7}));
        assert_eq!((ok["StatusCode"].as_u64(), ok["StatusText"].as_str()), (Some(200), Some("OK")));
        assert_eq!(ok["Headers"]["set-cookie"], json!(["a", "b"]));
        let text = answer(&parts(201, "text/plain"), &Bytes::from_static(b"{\"id\":7}")).unwrap();
        assert_eq!(text["ResponseBody"], "{\"id\":7}", "JSON only when the response says so");
        let (error, cause) = answer(&parts(404, "application/json"), &Bytes::from_static(b"{}")).unwrap_err();
        assert_eq!(error, "States.Http.StatusCode.404");
        assert_eq!(serde_json::from_str::<Value>(&cause).unwrap()["StatusText"], "Not Found");
        let (error, _) = answer(&parts(200, "image/png"), &Bytes::from_static(b"x")).unwrap_err();
        assert_eq!(error, "States.TaskFailed");
    }
}
