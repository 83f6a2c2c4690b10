//! What each request is and who answers it:
//!
//! | request | answered by |
//! | --- | --- |
//! | `GET /healthz` | here (no token needed) |
//! | `/console`, `/console/…` | [`crate::console`] (no token: the page asks for one) |
//! | `POST /` with `X-Amz-Target: AWSStepFunctions.<Op>` | [`crate::api`] |
//! | `GET /metrics` | [`crate::metrics`] |
//! | `/functions…`, `/routes…` | [`crate::native`]; `POST /functions/{name}/invoke` [`crate::invoke`] |
//! | `POST /2015-03-31/functions/{name}/invocations` (Lambda's Invoke) | [`crate::invoke`] |
//! | anything else | [`crate::trigger`]: a route's state machine, or 404 |
//!
//! Every answer is JSON (errors included) except the console's assets and the metrics text.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use engine::{Engine, EngineError, StartRequest};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};

use crate::api::{Api, ApiError};
use crate::auth::{Auth, Denied, Signed};
use crate::config::Limits;
use crate::metrics::Metrics;
use crate::native::{self, Reply};
use crate::trigger::{self, RouteSpec, Table};

/// Everything a request may need.
pub struct App {
    pub engine: Engine,
    pub api: Arc<Api>,
    pub metrics: Arc<Metrics>,
    pub auth: Auth,
    pub triggers: Arc<Table>,
    pub limits: Limits,
    pub started: Instant,
}

type Resp = Response<Full<Bytes>>;

const AMZ_JSON: &str = "application/x-amz-json-1.0";
const JSON: &str = "application/json";
const TARGET_PREFIX: &str = "AWSStepFunctions.";

/// A request's head, read once.
struct Head {
    method: Method,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn response(status: u16, content_type: &str, body: impl Into<Bytes>) -> Resp {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r
}

fn json_response(status: u16, body: &Value) -> Resp {
    response(status, JSON, serde_json::to_vec(body).unwrap_or_default())
}

fn error_response(status: u16, error: &str, cause: impl Into<String>) -> Resp {
    json_response(status, &json!({"error": error, "cause": cause.into()}))
}

fn reply(r: Reply) -> Resp {
    match r.body {
        Some(b) => json_response(r.status, &b),
        None => response(r.status, JSON, Bytes::new()),
    }
}

/// Why a body could not be read.
enum BodyError {
    TooLarge(usize),
    TooSlow,
    Broken(String),
}

impl App {
    /// Answers one request. Never panics; every failure is a response.
    pub async fn handle(self: Arc<Self>, req: Request<Incoming>, _peer: SocketAddr) -> Resp {
        let started = Instant::now();
        let (parts, body) = req.into_parts();
        let head = Head {
            method: parts.method.clone(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
        };
        let (kind, operation, resp) = self.route(head, body).await;
        let code = resp.status().as_u16();
        self.metrics.request(kind, &operation, code, started.elapsed());
        resp
    }

    async fn route(&self, head: Head, body: Incoming) -> (&'static str, String, Resp) {
        let path = head.path.as_str();
        if path == "/healthz" {
            return ("health", String::new(), self.health(&head));
        }
        if path == crate::console::PREFIX || path.starts_with("/console/") {
            return ("console", String::new(), console(&head));
        }
        if path == "/" && head.method == Method::POST {
            let (op, resp) = self.aws(head, body).await;
            return ("api", op, resp);
        }
        if path == "/" && head.method == Method::GET {
            let mut r = response(302, "text/plain; charset=utf-8", "see /console/");
            r.headers_mut().insert(hyper::header::LOCATION, HeaderValue::from_static("/console/"));
            return ("console", String::new(), r);
        }
        if path == "/metrics" {
            return ("metrics", String::new(), self.metrics_page(head, body).await);
        }
        if let Some(name) = path.strip_prefix("/functions/").and_then(|p| p.strip_suffix("/invoke")) {
            let name = name.to_string();
            return ("functions", "invoke".into(), self.invoke(head, body, &name, false).await);
        }
        if path == "/functions" || path.starts_with("/functions/") {
            return ("functions", String::new(), self.functions(head, body).await);
        }
        if let Some(name) = path.strip_prefix("/2015-03-31/functions/").and_then(|p| p.strip_suffix("/invocations")) {
            let name = name.to_string();
            return ("functions", "Invoke".into(), self.invoke(head, body, &name, true).await);
        }
        if path == "/routes" || path.starts_with("/routes/") {
            return ("routes", String::new(), self.routes(head, body).await);
        }
        ("trigger", String::new(), self.trigger(head, body).await)
    }

    /// Reads the body up to `limit` bytes within the body timeout.
    async fn read_body(&self, head: &Head, body: Incoming, limit: usize) -> Result<Bytes, BodyError> {
        if let Some(n) = head.header(CONTENT_LENGTH.as_str()).and_then(|v| v.trim().parse::<u64>().ok()) {
            if n > limit as u64 {
                return Err(BodyError::TooLarge(limit));
            }
        }
        let collect = Limited::new(body, limit).collect();
        match tokio::time::timeout(self.limits.body_timeout(), collect).await {
            Err(_) => Err(BodyError::TooSlow),
            Ok(Ok(c)) => Ok(c.to_bytes()),
            Ok(Err(e)) => {
                if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                    Err(BodyError::TooLarge(limit))
                } else {
                    Err(BodyError::Broken(e.to_string()))
                }
            }
        }
    }

    fn check_auth(&self, head: &Head, body: &[u8]) -> Result<(), Denied> {
        let now = crate::api::wire::now_ms() / 1000;
        self.auth.check(&Signed {
            method: head.method.as_str(),
            path: &head.path,
            query: head.query.as_deref(),
            headers: &head.headers,
            body,
            now,
        })
    }

    fn health(&self, head: &Head) -> Resp {
        if head.method != Method::GET && head.method != Method::HEAD {
            return error_response(405, "MethodNotAllowed", "GET /healthz");
        }
        json_response(
            200,
            &json!({
                "status": "ok",
                "version": env!("CARGO_PKG_VERSION"),
                "uptimeSeconds": self.started.elapsed().as_secs(),
                "runningExecutions": self.engine.running_count(),
            }),
        )
    }

    // ---- the AWS JSON 1.0 API --------------------------------------------------------------

    async fn aws(&self, head: Head, body: Incoming) -> (String, Resp) {
        let request_id = uuid::Uuid::new_v4().to_string();
        let target = head.header("x-amz-target").unwrap_or("").to_string();
        // Only a known operation names itself in the metrics (their labels stay bounded).
        let op = target
            .strip_prefix(TARGET_PREFIX)
            .filter(|o| crate::api::OPERATIONS.contains(o))
            .unwrap_or("")
            .to_string();
        let body = match self.read_body(&head, body, self.limits.max_request_bytes).await {
            Ok(b) => b,
            Err(e) => return (op, aws_error(&request_id, &body_error(e))),
        };
        if let Err(d) = self.check_auth(&head, &body) {
            return (op, aws_error(&request_id, &denied(d)));
        }
        if target.is_empty() {
            let e = ApiError::new("UnknownOperationException", "Missing X-Amz-Target header: POST / needs X-Amz-Target: AWSStepFunctions.<Operation>");
            return (op, aws_error(&request_id, &e));
        }
        if op.is_empty() {
            let e = ApiError::new("UnknownOperationException", format!("Unknown operation '{target}'"));
            return (op, aws_error(&request_id, &e));
        }
        let content_type = head.header("content-type").unwrap_or("");
        if !content_type.is_empty() && !content_type.starts_with(AMZ_JSON) && !content_type.starts_with("application/json") {
            let e = ApiError::serialization(format!(
                "Content-Type '{content_type}' is not supported: send {AMZ_JSON}"
            ))
            .status(415);
            return (op, aws_error(&request_id, &e));
        }
        let resp = match self.api.call(&op, &body).await {
            Ok(v) => {
                let mut r = response(200, AMZ_JSON, serde_json::to_vec(&v).unwrap_or_default());
                set_request_id(&mut r, &request_id);
                r
            }
            Err(e) => {
                if e.status >= 500 {
                    tracing::error!(operation = %op, error = %e, "API call failed");
                }
                aws_error(&request_id, &e)
            }
        };
        (op, resp)
    }

    async fn metrics_page(&self, head: Head, body: Incoming) -> Resp {
        if head.method != Method::GET {
            return error_response(405, "MethodNotAllowed", "GET /metrics");
        }
        let body = match self.read_body(&head, body, 0).await {
            Ok(b) => b,
            Err(e) => return native_body_error(e),
        };
        if let Err(d) = self.check_auth(&head, &body) {
            return native_denied(d);
        }
        response(200, "application/openmetrics-text; version=1.0.0; charset=utf-8", self.metrics.render())
    }

    // ---- native API -------------------------------------------------------------------------

    async fn functions(&self, head: Head, body: Incoming) -> Resp {
        // A method the path does not take is answered before its body is read (which the
        // limit of 0 bytes for anything but an upload would refuse as too large).
        let one = head.path.starts_with("/functions/");
        if !matches!((&head.method, one), (&Method::GET, _) | (&Method::PUT | &Method::DELETE, true)) {
            let allowed = if one { "GET, PUT or DELETE /functions/{name}" } else { "GET /functions; GET, PUT or DELETE /functions/{name}" };
            return error_response(405, "MethodNotAllowed", allowed);
        }
        let limit = if head.method == Method::PUT { self.limits.max_upload_bytes } else { 0 };
        let body = match self.read_body(&head, body, limit).await {
            Ok(b) => b,
            Err(e) => return native_body_error(e),
        };
        if let Err(d) = self.check_auth(&head, &body) {
            return native_denied(d);
        }
        let name = match head.path.strip_prefix("/functions/") {
            None => None,
            Some(raw) => match decode_name(raw) {
                Ok(n) => Some(n),
                Err(r) => return reply(r),
            },
        };
        match (&head.method, name) {
            (&Method::GET, None) => reply(native::list_functions(&self.engine)),
            (&Method::GET, Some(n)) => reply(native::get_function(&self.engine, &n)),
            (&Method::PUT, Some(n)) => {
                let grants = match native::grants_from(head.header("x-stepwasm-grants"), head.query.as_deref()) {
                    Ok(g) => g,
                    Err(e) => return error_response(400, "InvalidGrants", e),
                };
                reply(native::put_function(&self.engine, &n, body.to_vec(), grants).await)
            }
            (&Method::DELETE, Some(n)) => reply(native::delete_function(&self.engine, &n)),
            (_, None) => error_response(405, "MethodNotAllowed", "GET /functions; GET, PUT or DELETE /functions/{name}"),
            (_, Some(_)) => error_response(405, "MethodNotAllowed", "GET, PUT or DELETE /functions/{name}"),
        }
    }

    /// A direct call of function `raw_name` (percent-encoded): the native API's, or Lambda's
    /// Invoke (`lambda`).
    async fn invoke(&self, head: Head, body: Incoming, raw_name: &str, lambda: bool) -> Resp {
        if head.method != Method::POST {
            return error_response(405, "MethodNotAllowed", "POST to invoke a function");
        }
        let body = match self.read_body(&head, body, self.limits.max_request_bytes).await {
            Ok(b) => b,
            Err(e) => return native_body_error(e),
        };
        if let Err(d) = self.check_auth(&head, &body) {
            return native_denied(d);
        }
        let answer = if lambda {
            let name = percent_encoding::percent_decode_str(raw_name).decode_utf8_lossy().into_owned();
            crate::invoke::lambda(&self.engine, &name, &|h| head.header(h).map(str::to_string), &body).await
        } else {
            match decode_name(raw_name) {
                Ok(name) => crate::invoke::native(&self.engine, &name, &body).await,
                Err(r) => return reply(r),
            }
        };
        let mut r = match &answer.body {
            Some(b) => json_response(answer.status, b),
            None => response(answer.status, JSON, Bytes::new()),
        };
        for (name, value) in &answer.headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                r.headers_mut().insert(*name, v);
            }
        }
        r
    }

    async fn routes(&self, head: Head, body: Incoming) -> Resp {
        let body = match self.read_body(&head, body, self.limits.max_request_bytes).await {
            Ok(b) => b,
            Err(e) => return native_body_error(e),
        };
        if let Err(d) = self.check_auth(&head, &body) {
            return native_denied(d);
        }
        if head.path != "/routes" {
            return error_response(404, "NotFound", format!("no such resource {}: routes live at /routes", head.path));
        }
        match head.method {
            Method::GET => reply(native::list_routes(&self.triggers)),
            Method::PUT | Method::POST => {
                let spec: RouteSpec = match serde_json::from_slice(&body) {
                    Ok(s) => s,
                    Err(e) => return error_response(400, "InvalidRoute", format!("the body is not a route: {e}")),
                };
                let engine = self.engine.clone();
                let table = self.triggers.clone();
                let done = tokio::task::spawn_blocking(move || native::put_route(&engine, &table, &spec)).await;
                match done {
                    Ok(Ok(v)) => json_response(200, &v),
                    Ok(Err(r)) => reply(r),
                    Err(e) => error_response(500, "InternalFailure", e.to_string()),
                }
            }
            Method::DELETE => {
                let engine = self.engine.clone();
                let table = self.triggers.clone();
                let query = head.query.clone();
                match tokio::task::spawn_blocking(move || native::delete_route(&engine, &table, query.as_deref())).await {
                    Ok(r) => reply(r),
                    Err(e) => error_response(500, "InternalFailure", e.to_string()),
                }
            }
            _ => error_response(405, "MethodNotAllowed", "GET, PUT or DELETE /routes"),
        }
    }

    // ---- HTTP-triggered runs ----------------------------------------------------------------

    async fn trigger(&self, head: Head, body: Incoming) -> Resp {
        let (route, params) = match self.triggers.find(head.method.as_str(), &head.path) {
            Ok(found) => found,
            Err(allowed) if !allowed.is_empty() => {
                let mut r = error_response(405, "MethodNotAllowed", format!("{} {} is not routed; try {}", head.method, head.path, allowed.join(", ")));
                if let Ok(v) = HeaderValue::from_str(&allowed.join(", ")) {
                    r.headers_mut().insert(hyper::header::ALLOW, v);
                }
                return r;
            }
            Err(_) => return error_response(404, "NotFound", format!("no route for {} {}", head.method, head.path)),
        };
        let body = match self.read_body(&head, body, self.limits.max_request_bytes).await {
            Ok(b) => b,
            Err(e) => return native_body_error(e),
        };
        if !route.public {
            if let Err(d) = self.check_auth(&head, &body) {
                return native_denied(d);
            }
        }
        let req = trigger::Request {
            method: head.method.as_str(),
            path: &head.path,
            query: head.query.as_deref(),
            headers: head.headers.clone(),
            content_type: head.header("content-type"),
            body: &body,
        };
        let input = match trigger::input(&route, params, &req) {
            Ok(v) => v,
            Err(b) => return error_response(b.status, if b.status == 415 { "UnsupportedMediaType" } else { "InvalidRequestBody" }, b.cause),
        };
        let start = StartRequest { state_machine_arn: route.state_machine_arn.clone(), name: None, input: None, trace_header: None };
        let outcome = match self.engine.start_sync_execution_value(start, input).await {
            Ok(o) => o,
            Err(EngineError::InvalidExecutionInput(m)) => return error_response(413, "InvalidExecutionInput", m),
            Err(e @ (EngineError::StateMachineDoesNotExist(_) | EngineError::StateMachineTypeNotSupported(_))) => {
                return error_response(502, ApiError::from(e).code, format!("route {} {}: the state machine cannot run: {}", route.method, route.path, route.state_machine_arn));
            }
            Err(e) => {
                let e = ApiError::from(e);
                return error_response(e.status.max(500), e.code, e.message);
            }
        };
        let mut resp = if outcome.status == "SUCCEEDED" {
            response(200, JSON, outcome.output.unwrap_or_else(|| "null".into()))
        } else {
            let status = trigger::failure_status(&route, &outcome.status, outcome.error.as_deref());
            let error = outcome.error.clone().unwrap_or_else(|| match outcome.status.as_str() {
                "TIMED_OUT" => "States.Timeout".into(),
                s => s.to_string(),
            });
            error_response(status, &error, outcome.cause.unwrap_or_default())
        };
        if let Ok(v) = HeaderValue::from_str(&outcome.execution_arn) {
            resp.headers_mut().insert("x-stepwasm-execution-arn", v);
        }
        resp
    }
}

fn console(head: &Head) -> Resp {
    if head.method != Method::GET && head.method != Method::HEAD {
        return error_response(405, "MethodNotAllowed", "the console is read with GET");
    }
    if let Some(to) = crate::console::redirect(&head.path) {
        let mut r = response(301, "text/plain; charset=utf-8", "");
        r.headers_mut().insert(hyper::header::LOCATION, HeaderValue::from_static(to));
        return r;
    }
    match crate::console::asset(&head.path) {
        Some(a) => {
            let mut r = response(200, a.content_type, Bytes::from_static(a.body));
            for (k, v) in crate::console::HEADERS {
                r.headers_mut().insert(*k, HeaderValue::from_static(v));
            }
            r
        }
        None => error_response(404, "NotFound", format!("no console page {}", head.path)),
    }
}

/// A function name from the path: decoded, then held to AWS's name rules (no `/`, no `..`).
fn decode_name(raw: &str) -> Result<String, Reply> {
    let name = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| Reply::error(400, "InvalidName", "the function name is not UTF-8"))?
        .into_owned();
    store::arn::validate_name(&name).map_err(|e| Reply::error(400, "InvalidName", format!("function name '{name}': {e}")))?;
    Ok(name)
}

fn set_request_id(r: &mut Resp, id: &str) {
    if let Ok(v) = HeaderValue::from_str(id) {
        r.headers_mut().insert("x-amzn-requestid", v);
    }
}

fn aws_error(request_id: &str, e: &ApiError) -> Resp {
    let mut r = response(e.status, AMZ_JSON, serde_json::to_vec(&e.body()).unwrap_or_default());
    set_request_id(&mut r, request_id);
    if let Ok(v) = HeaderValue::from_str(e.code) {
        r.headers_mut().insert("x-amzn-errortype", v);
    }
    if e.status == 401 {
        r.headers_mut().insert(hyper::header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    r
}

fn body_error(e: BodyError) -> ApiError {
    match e {
        BodyError::TooLarge(n) => ApiError::validation(format!("the request body is larger than {n} bytes")).status(413),
        BodyError::TooSlow => ApiError::new("RequestTimeout", "the request body did not arrive in time").status(408),
        BodyError::Broken(m) => ApiError::serialization(format!("the request body could not be read: {m}")),
    }
}

fn denied(d: Denied) -> ApiError {
    match d {
        Denied::Missing => ApiError::new(
            "MissingAuthenticationTokenException",
            "Missing authentication token: send `Authorization: Bearer <token>`, or sign the request with the token as the AWS secret access key",
        )
        .status(401),
        Denied::Invalid(code, m) => ApiError::new(code, m).status(403),
    }
}

fn native_body_error(e: BodyError) -> Resp {
    let e = body_error(e);
    error_response(e.status, e.code, e.message)
}

fn native_denied(d: Denied) -> Resp {
    let e = denied(d);
    let mut r = error_response(e.status, e.code, e.message);
    if e.status == 401 {
        r.headers_mut().insert(hyper::header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    r
}
