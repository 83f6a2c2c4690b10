//! HTTP-triggered synchronous runs (the API Gateway pattern): a table of `METHOD /path/{param}`
//! routes, each naming an Express state machine. A request that matches becomes the input
//! `{httpMethod, path, pathParameters, queryStringParameters, headers, body}`; the workflow's
//! output is the response body, and a failure becomes a status with `{error, cause}`.
//!
//! Knows nothing of hyper: [`crate::http`] hands it the method, path, query, headers and body.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use store::RouteRecord;

/// A route as the config file and the `/routes` API spell it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// An HTTP method, or `ANY`.
    pub method: String,
    /// `/orders/{id}`; a last segment `{name+}` takes the rest of the path.
    pub path: String,
    /// The state machine: its name or ARN (an Express machine, or a version or alias of one).
    pub state_machine: String,
    /// Request headers copied into the input (matched without regard to case).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
    /// Status per error name of a failed run (`"InvalidOrder" = 422`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, u16>,
    /// Status of a failed run whose error is not in `errors` and is not a `States.*` error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_error_status: Option<u16>,
    /// Callable without a token even when the server has tokens.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub public: bool,
    /// What the execution gets: `request` (default: method, path, parameters, query,
    /// headers and body) or `body` (the parsed body alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
}

/// What is kept in the store's `options_json` beside method, path and machine.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Options {
    headers: Vec<String>,
    errors: BTreeMap<String, u16>,
    client_error_status: Option<u16>,
    public: bool,
    body_only: bool,
}

/// Paths the server answers itself; no route may take them.
const RESERVED: [&str; 5] = ["/console", "/functions", "/routes", "/healthz", "/metrics"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Rest(String),
}

/// A parsed path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    segments: Vec<Segment>,
}

impl Pattern {
    /// Parses `/a/{b}/c/{rest+}`; the error says what is wrong.
    pub fn parse(path: &str) -> Result<Pattern, String> {
        if !path.starts_with('/') {
            return Err(format!("the path '{path}' must start with '/'"));
        }
        if path == "/" {
            return Err("the path '/' is the Step Functions API".into());
        }
        for r in RESERVED {
            if path == r || path.starts_with(&format!("{r}/")) {
                return Err(format!("paths under {r} are the server's own"));
            }
        }
        let parts: Vec<&str> = path[1..].split('/').collect();
        let mut segments = Vec::with_capacity(parts.len());
        let mut names = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            if p.is_empty() {
                return Err(format!("the path '{path}' has an empty segment"));
            }
            let seg = match p.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
                Some(inner) => {
                    let (name, rest) = match inner.strip_suffix('+') {
                        Some(n) => (n, true),
                        None => (inner, false),
                    };
                    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                        return Err(format!("'{{{inner}}}' in '{path}' must name a parameter with letters, digits, '_' or '-'"));
                    }
                    if names.contains(&name) {
                        return Err(format!("parameter '{name}' appears twice in '{path}'"));
                    }
                    names.push(name);
                    if rest && i + 1 != parts.len() {
                        return Err(format!("'{{{inner}}}' must be the last segment of '{path}'"));
                    }
                    if rest {
                        Segment::Rest(name.to_string())
                    } else {
                        Segment::Param(name.to_string())
                    }
                }
                None if p.contains('{') || p.contains('}') => {
                    return Err(format!("segment '{p}' of '{path}' mixes text and a parameter"));
                }
                None => Segment::Literal((*p).to_string()),
            };
            segments.push(seg);
        }
        Ok(Pattern { segments })
    }

    /// The path parameters if `path` (percent-encoded, without the query) matches.
    pub fn matches(&self, path: &str) -> Option<Map<String, Value>> {
        let rest = path.strip_prefix('/')?;
        let parts: Vec<&str> = rest.split('/').collect();
        let mut params = Map::new();
        for (i, seg) in self.segments.iter().enumerate() {
            match seg {
                Segment::Literal(l) => {
                    if parts.get(i).map(|p| decode(p)) != Some(l.clone()) {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    let p = parts.get(i).filter(|p| !p.is_empty())?;
                    params.insert(name.clone(), Value::String(decode(p)));
                }
                Segment::Rest(name) => {
                    let tail = parts.get(i..).filter(|t| !t.is_empty() && !t[0].is_empty())?;
                    params.insert(name.clone(), Value::String(decode(&tail.join("/"))));
                    return Some(params);
                }
            }
        }
        (parts.len() == self.segments.len()).then_some(params)
    }

    /// Sort key: more literal segments first, then more segments, then no rest segment.
    fn rank(&self) -> (usize, usize, bool) {
        let literals = self.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count();
        let rest = self.segments.iter().any(|s| matches!(s, Segment::Rest(_)));
        (usize::MAX - literals, usize::MAX - self.segments.len(), rest)
    }
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// One route, ready to match.
#[derive(Debug, Clone)]
pub struct Route {
    pub method: String,
    pub path: String,
    pattern: Pattern,
    pub state_machine_arn: String,
    /// Lower-cased names of the headers copied into the input.
    pub headers: Vec<String>,
    pub errors: BTreeMap<String, u16>,
    pub client_error_status: u16,
    pub public: bool,
    /// The execution input is the request body alone.
    pub body_only: bool,
}

impl Route {
    /// A stored route; the error names it.
    pub fn from_record(r: &RouteRecord) -> Result<Route, String> {
        let pattern = Pattern::parse(&r.path_pattern).map_err(|e| format!("route {} {}: {e}", r.method, r.path_pattern))?;
        let o: Options = if r.options_json.trim().is_empty() {
            Options::default()
        } else {
            serde_json::from_str(&r.options_json).map_err(|e| format!("route {} {}: stored options: {e}", r.method, r.path_pattern))?
        };
        Ok(Route {
            method: r.method.clone(),
            path: r.path_pattern.clone(),
            pattern,
            state_machine_arn: r.state_machine_arn.clone(),
            headers: o.headers.iter().map(|h| h.to_ascii_lowercase()).collect(),
            errors: o.errors,
            client_error_status: o.client_error_status.unwrap_or(400),
            public: o.public,
            body_only: o.body_only,
        })
    }

    /// The route as the API shows it.
    pub fn to_spec(&self) -> RouteSpec {
        RouteSpec {
            method: self.method.clone(),
            path: self.path.clone(),
            state_machine: self.state_machine_arn.clone(),
            headers: self.headers.clone(),
            errors: self.errors.clone(),
            client_error_status: (self.client_error_status != 400).then_some(self.client_error_status),
            public: self.public,
            input: self.body_only.then(|| "body".to_string()),
        }
    }
}

/// Checks a spec and turns it into a store record; `machine_arn` resolves a name to an ARN.
pub fn to_record(spec: &RouteSpec, machine_arn: impl Fn(&str) -> String) -> Result<RouteRecord, String> {
    let method = spec.method.to_ascii_uppercase();
    const METHODS: [&str; 8] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];
    if !METHODS.contains(&method.as_str()) {
        return Err(format!("method '{}' is not one of {}", spec.method, METHODS.join(", ")));
    }
    Pattern::parse(&spec.path)?;
    for (name, status) in &spec.errors {
        if !(400..=599).contains(status) {
            return Err(format!("errors.{name} = {status}: a failure's status must be from 400 to 599"));
        }
    }
    if let Some(s) = spec.client_error_status {
        if !(400..=599).contains(&s) {
            return Err(format!("client_error_status = {s} must be from 400 to 599"));
        }
    }
    for h in &spec.headers {
        if h.is_empty() || !h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(format!("header name '{h}' is not a valid HTTP header name"));
        }
    }
    let body_only = match spec.input.as_deref() {
        None | Some("request") => false,
        Some("body") => true,
        Some(other) => return Err(format!("input = '{other}' must be 'request' or 'body'")),
    };
    let arn = if spec.state_machine.starts_with("arn:") {
        spec.state_machine.clone()
    } else {
        store::arn::validate_name(&spec.state_machine).map_err(|e| format!("state_machine '{}': {e}", spec.state_machine))?;
        machine_arn(&spec.state_machine)
    };
    let options = Options {
        headers: spec.headers.iter().map(|h| h.to_ascii_lowercase()).collect(),
        errors: spec.errors.clone(),
        client_error_status: spec.client_error_status,
        public: spec.public,
        body_only,
    };
    Ok(RouteRecord {
        method,
        path_pattern: spec.path.clone(),
        state_machine_arn: arn,
        options_json: serde_json::to_string(&options).map_err(|e| e.to_string())?,
    })
}

/// The routes in match order, swapped whole when they change.
#[derive(Default)]
pub struct Table {
    routes: RwLock<Arc<Vec<Arc<Route>>>>,
}

impl Table {
    /// Replaces every route (they come from the store).
    pub fn set(&self, mut routes: Vec<Route>) {
        routes.sort_by(|a, b| a.pattern.rank().cmp(&b.pattern.rank()).then_with(|| (a.method == "ANY").cmp(&(b.method == "ANY"))));
        *self.routes.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(routes.into_iter().map(Arc::new).collect());
    }

    pub fn all(&self) -> Arc<Vec<Arc<Route>>> {
        self.routes.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The route for a request, with its path parameters. `Err(allowed)` when the path
    /// matches routes of other methods only.
    pub fn find(&self, method: &str, path: &str) -> Result<(Arc<Route>, Map<String, Value>), Vec<String>> {
        let routes = self.all();
        let mut allowed = Vec::new();
        for r in routes.iter() {
            if let Some(params) = r.pattern.matches(path) {
                if r.method == method || r.method == "ANY" || (method == "HEAD" && r.method == "GET") {
                    return Ok((Arc::clone(r), params));
                }
                allowed.push(r.method.clone());
            }
        }
        Err(allowed)
    }
}

/// What a request carries into its run.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// (lower-case name, value).
    pub headers: Vec<(String, String)>,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// A refused request body (415 or 400), with the reason.
#[derive(Debug, PartialEq, Eq)]
pub struct BadBody {
    pub status: u16,
    pub cause: String,
}

/// The execution input for a request that matched `route`.
pub fn input(route: &Route, params: Map<String, Value>, req: &Request<'_>) -> Result<Value, BadBody> {
    let mut query = Map::new();
    if let Some(q) = req.query {
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            query.insert(decode(&k.replace('+', " ")), Value::String(decode(&v.replace('+', " "))));
        }
    }
    let mut headers = Map::new();
    for (name, value) in &req.headers {
        if route.headers.iter().any(|h| h == name) {
            headers.insert(name.clone(), Value::String(value.clone()));
        }
    }
    let body = body_value(req.content_type, req.body)?;
    if route.body_only {
        return Ok(body);
    }
    Ok(json!({
        "httpMethod": req.method,
        "path": req.path,
        "pathParameters": params,
        "queryStringParameters": query,
        "headers": headers,
        "body": body,
    }))
}

/// JSON bodies are parsed; text bodies become a string; an empty body is `null`.
fn body_value(content_type: Option<&str>, body: &[u8]) -> Result<Value, BadBody> {
    if body.is_empty() {
        return Ok(Value::Null);
    }
    let media = content_type.map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    let is_json = match media.as_deref() {
        None | Some("") => true,
        Some(m) => m == "application/json" || m.ends_with("+json"),
    };
    if is_json {
        return serde_json::from_slice(body)
            .map_err(|e| BadBody { status: 400, cause: format!("the request body is not valid JSON: {e}") });
    }
    let textual = media.as_deref().is_some_and(|m| m.starts_with("text/") || m == "application/x-www-form-urlencoded" || m == "application/xml");
    if !textual {
        return Err(BadBody {
            status: 415,
            cause: format!("content type '{}' is not accepted: send JSON or text", media.unwrap_or_default()),
        });
    }
    match std::str::from_utf8(body) {
        Ok(s) => Ok(Value::String(s.to_string())),
        Err(e) => Err(BadBody { status: 400, cause: format!("the request body is not UTF-8: {e}") }),
    }
}

/// The HTTP status of a run that ended with `status` (`FAILED`, `TIMED_OUT`, ...) and `error`.
pub fn failure_status(route: &Route, status: &str, error: Option<&str>) -> u16 {
    if status == "TIMED_OUT" {
        return 504;
    }
    let error = error.unwrap_or("");
    if let Some(s) = route.errors.get(error) {
        return *s;
    }
    match error {
        "States.Timeout" | "States.HeartbeatTimeout" => 504,
        "States.TaskFailed" => 502,
        e if e.starts_with("States.") => 500,
        _ => route.client_error_status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str) -> Route {
        let spec = RouteSpec {
            method: method.into(),
            path: path.into(),
            state_machine: "orders".into(),
            headers: vec!["X-Request-Id".into()],
            errors: [("InvalidOrder".to_string(), 422u16)].into_iter().collect(),
            client_error_status: None,
            public: false,
            input: None,
        };
        Route::from_record(&to_record(&spec, |n| format!("arn:aws:states:us-east-1:123456789012:stateMachine:{n}")).unwrap()).unwrap()
    }

    #[test]
    fn patterns_parse_and_match() {
        let p = Pattern::parse("/orders/{id}/lines/{line}").unwrap();
        let m = p.matches("/orders/42/lines/a%20b").unwrap();
        assert_eq!(Value::Object(m), json!({"id": "42", "line": "a b"}));
        assert!(p.matches("/orders/42/lines").is_none());
        assert!(p.matches("/orders/42/lines/1/2").is_none());
        assert!(p.matches("/orders//lines/1").is_none());
        let rest = Pattern::parse("/files/{key+}").unwrap();
        assert_eq!(Value::Object(rest.matches("/files/a/b/c.txt").unwrap()), json!({"key": "a/b/c.txt"}));
        assert!(rest.matches("/files").is_none());
        assert!(rest.matches("/files/").is_none());
        for (bad, why) in [
            ("orders", "must start with '/'"),
            ("/", "Step Functions API"),
            ("/functions/x", "server's own"),
            ("/console", "server's own"),
            ("/a//b", "empty segment"),
            ("/a/{}", "must name a parameter"),
            ("/a/{x}/{x}", "appears twice"),
            ("/a/{x+}/b", "must be the last segment"),
            ("/a/b{x}", "mixes text"),
        ] {
            let e = Pattern::parse(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn literal_routes_win_over_parameters_and_methods_are_told() {
        let table = Table::default();
        table.set(vec![route("GET", "/orders/{id}"), route("GET", "/orders/latest"), route("POST", "/orders"), route("ANY", "/x/{rest+}")]);
        let (r, p) = table.find("GET", "/orders/latest").unwrap();
        assert_eq!((r.path.as_str(), p.len()), ("/orders/latest", 0));
        let (r, p) = table.find("GET", "/orders/7").unwrap();
        assert_eq!((r.path.as_str(), p["id"].as_str()), ("/orders/{id}", Some("7")));
        assert_eq!(table.find("DELETE", "/orders").unwrap_err(), vec!["POST".to_string()]);
        assert!(table.find("GET", "/nothing").unwrap_err().is_empty());
        assert_eq!(table.find("DELETE", "/x/y/z").unwrap().0.method, "ANY");
        assert_eq!(table.find("HEAD", "/orders/7").unwrap().0.path, "/orders/{id}");
    }

    #[test]
    fn the_input_carries_params_query_selected_headers_and_the_body() {
        let r = route("POST", "/orders/{id}");
        let (_, params) = (r.clone(), r.pattern.matches("/orders/9").unwrap());
        let req = Request {
            method: "POST",
            path: "/orders/9",
            query: Some("dry=true&note=a+b%21&flag"),
            headers: vec![("x-request-id".into(), "r-1".into()), ("authorization".into(), "secret".into())],
            content_type: Some("application/json; charset=utf-8"),
            body: br#"{"qty": 2}"#,
        };
        let v = input(&r, params, &req).unwrap();
        assert_eq!(
            v,
            json!({"httpMethod": "POST", "path": "/orders/9", "pathParameters": {"id": "9"},
                   "queryStringParameters": {"dry": "true", "note": "a b!", "flag": ""},
                   "headers": {"x-request-id": "r-1"}, "body": {"qty": 2}})
        );
        let mut body_only = r.clone();
        body_only.body_only = true;
        assert_eq!(input(&body_only, Map::new(), &req).unwrap(), json!({"qty": 2}));
    }

    #[test]
    fn bodies_by_content_type() {
        assert_eq!(body_value(None, b""), Ok(Value::Null));
        assert_eq!(body_value(Some("text/plain"), b"hi"), Ok(json!("hi")));
        assert_eq!(body_value(Some("application/vnd.api+json"), b"[1]"), Ok(json!([1])));
        let e = body_value(Some("application/json"), b"{nope").unwrap_err();
        assert_eq!(e.status, 400);
        assert!(e.cause.contains("not valid JSON"), "{e:?}");
        assert_eq!(body_value(Some("application/octet-stream"), b"\x00").unwrap_err().status, 415);
        assert_eq!(body_value(Some("text/plain"), b"\xff").unwrap_err().status, 400);
    }

    #[test]
    fn failures_map_to_statuses() {
        let r = route("POST", "/orders");
        assert_eq!(failure_status(&r, "FAILED", Some("InvalidOrder")), 422);
        assert_eq!(failure_status(&r, "FAILED", Some("OutOfStock")), 400);
        assert_eq!(failure_status(&r, "FAILED", Some("States.TaskFailed")), 502);
        assert_eq!(failure_status(&r, "FAILED", Some("States.Timeout")), 504);
        assert_eq!(failure_status(&r, "FAILED", Some("States.Runtime")), 500);
        assert_eq!(failure_status(&r, "TIMED_OUT", None), 504);
        assert_eq!(failure_status(&r, "FAILED", None), 400);
    }

    #[test]
    fn specs_are_checked() {
        let base = RouteSpec {
            method: "post".into(),
            path: "/a".into(),
            state_machine: "m".into(),
            headers: vec![],
            errors: BTreeMap::new(),
            client_error_status: None,
            public: false,
            input: None,
        };
        let arn = |n: &str| format!("arn:aws:states:us-east-1:123456789012:stateMachine:{n}");
        assert_eq!(to_record(&base, arn).unwrap().method, "POST");
        let bad = |f: &dyn Fn(&mut RouteSpec)| {
            let mut s = base.clone();
            f(&mut s);
            to_record(&s, arn).unwrap_err()
        };
        assert!(bad(&|s| s.method = "FETCH".into()).contains("'FETCH'"));
        assert!(bad(&|s| { s.errors.insert("E".into(), 200); }).contains("errors.E = 200"));
        assert!(bad(&|s| s.headers = vec!["bad header".into()]).contains("'bad header'"));
        assert!(bad(&|s| s.state_machine = "a/b".into()).contains("state_machine 'a/b'"));
        assert!(bad(&|s| s.client_error_status = Some(302)).contains("302"));
        assert!(bad(&|s| s.input = Some("all".into())).contains("'request' or 'body'"));
        let mut body = base.clone();
        body.input = Some("body".into());
        let r = Route::from_record(&to_record(&body, arn).unwrap()).unwrap();
        assert!(r.body_only);
        assert_eq!(r.to_spec().input.as_deref(), Some("body"));
    }
}
