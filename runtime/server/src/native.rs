//! The native API, for what AWS has no verb for: Wasm functions (`/functions`) and the HTTP
//! route table (`/routes`). Answers are JSON; failures are `{error, cause}` with a 4xx status.

use std::collections::BTreeMap;

use engine::{Engine, EngineError, FunctionInfo};
use sandbox::{DirGrant, Grants};
use serde_json::{json, Value};
use store::MachineKind;

use crate::api::wire::epoch;
use crate::trigger::{self, Route, RouteSpec, Table};

/// A native API answer: status and JSON body (`None`: no body).
pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
}

impl Reply {
    pub fn ok(body: Value) -> Reply {
        Reply { status: 200, body: Some(body) }
    }
    pub fn error(status: u16, error: &str, cause: impl Into<String>) -> Reply {
        Reply { status, body: Some(json!({"error": error, "cause": cause.into()})) }
    }
    fn no_content() -> Reply {
        Reply { status: 204, body: None }
    }
}

fn engine_error(e: EngineError) -> Reply {
    match e {
        EngineError::InvalidName(m) => Reply::error(400, "InvalidName", m),
        EngineError::InvalidFunction(m) => Reply::error(400, "InvalidFunction", m),
        EngineError::Unavailable(m) => Reply::error(503, "ServiceUnavailable", m),
        e => Reply::error(500, "InternalFailure", e.to_string()),
    }
}

pub fn function_value(f: &FunctionInfo) -> Value {
    json!({
        "name": f.name,
        "sha256": f.sha256,
        "size": f.size,
        "kind": f.kind,
        "grants": f.grants,
        "created": epoch(f.created_ms),
        "updated": epoch(f.updated_ms),
    })
}

/// `GET /functions`.
pub fn list_functions(engine: &Engine) -> Reply {
    match engine.list_functions() {
        Ok(list) => Reply::ok(json!({"functions": list.iter().map(function_value).collect::<Vec<_>>()})),
        Err(e) => engine_error(e),
    }
}

/// `GET /functions/{name}`.
pub fn get_function(engine: &Engine, name: &str) -> Reply {
    match engine.list_functions() {
        Ok(list) => match list.iter().find(|f| f.name == name) {
            Some(f) => Reply::ok(function_value(f)),
            None => Reply::error(404, "FunctionDoesNotExist", format!("no function named '{name}'")),
        },
        Err(e) => engine_error(e),
    }
}

/// The grants of an upload: the `X-Stepwasm-Grants` header (the [`Grants`] JSON), then the
/// query parameters `memory_mb`, `timeout_ms`, `fuel`, `max_output_bytes`, `max_log_bytes`, `http_host`
/// (repeatable), `env` (repeatable, `KEY=VALUE`) and `dir` (repeatable,
/// `HOST_PATH:GUEST_PATH[:rw]`).
pub fn grants_from(header: Option<&str>, query: Option<&str>) -> Result<Grants, String> {
    let mut g: Grants = match header {
        Some(h) => serde_json::from_str(h).map_err(|e| format!("X-Stepwasm-Grants is not a valid grants object: {e}"))?,
        None => Grants::default(),
    };
    let Some(q) = query else { return Ok(g) };
    let mut env = BTreeMap::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_encoding::percent_decode_str(&v.replace('+', " ")).decode_utf8_lossy().into_owned();
        let number = |what: &str| v.parse::<u64>().map_err(|_| format!("query parameter {what}={v} is not a whole number"));
        match k {
            "memory_mb" => g.limits.memory_bytes = number(k)?.saturating_mul(1 << 20),
            "timeout_ms" => g.limits.timeout_ms = Some(number(k)?),
            "fuel" => g.limits.fuel = Some(number(k)?),
            "max_output_bytes" => g.limits.max_output_bytes = number(k)?,
            "max_log_bytes" => g.limits.max_log_bytes = number(k)?,
            "http_host" => g.http_hosts.push(v),
            "env" => {
                let (name, value) = v.split_once('=').ok_or_else(|| format!("query parameter env={v} must be KEY=VALUE"))?;
                env.insert(name.to_string(), value.to_string());
            }
            "dir" => {
                let parts: Vec<&str> = v.split(':').collect();
                let (host, guest, writable) = match parts.as_slice() {
                    [h, g] => (*h, *g, false),
                    [h, g, "rw"] => (*h, *g, true),
                    [h, g, "ro"] => (*h, *g, false),
                    _ => return Err(format!("query parameter dir={v} must be HOST_PATH:GUEST_PATH[:rw|:ro]")),
                };
                g.dirs.push(DirGrant { host_path: host.into(), guest_path: guest.into(), writable });
            }
            other => return Err(format!("unknown query parameter '{other}' (memory_mb, timeout_ms, fuel, max_output_bytes, max_log_bytes, http_host, env, dir)")),
        }
    }
    g.env.extend(env);
    Ok(g)
}

/// `PUT /functions/{name}`: the body is the module or component.
pub async fn put_function(engine: &Engine, name: &str, wasm: Vec<u8>, grants: Grants) -> Reply {
    if wasm.is_empty() {
        return Reply::error(400, "InvalidFunction", "the body is empty: send the Wasm module or component");
    }
    match engine.put_function(name, wasm, grants).await {
        Ok(f) => Reply::ok(function_value(&f)),
        Err(e) => engine_error(e),
    }
}

/// `DELETE /functions/{name}`.
pub fn delete_function(engine: &Engine, name: &str) -> Reply {
    match engine.delete_function(name) {
        Ok(true) => Reply::no_content(),
        Ok(false) => Reply::error(404, "FunctionDoesNotExist", format!("no function named '{name}'")),
        Err(e) => engine_error(e),
    }
}

/// Reads the store's routes into the table; a stored route that no longer parses is skipped
/// and reported.
pub fn reload_routes(engine: &Engine, table: &Table) -> Result<Vec<String>, String> {
    let records = engine.store().routes().map_err(|e| e.to_string())?;
    let mut routes = Vec::with_capacity(records.len());
    let mut problems = Vec::new();
    for r in &records {
        match Route::from_record(r) {
            Ok(route) => routes.push(route),
            Err(e) => problems.push(e),
        }
    }
    table.set(routes);
    Ok(problems)
}

/// Checks a route and stores it (replacing the route of the same method and path).
pub fn put_route(engine: &Engine, table: &Table, spec: &RouteSpec) -> Result<Value, Reply> {
    let record = trigger::to_record(spec, |n| engine.arns().state_machine(n)).map_err(|e| Reply::error(400, "InvalidRoute", e))?;
    let machine_arn = store::arn::Arn::parse(&record.state_machine_arn)
        .ok()
        .and_then(|a| a.state_machine_arn())
        .ok_or_else(|| Reply::error(400, "InvalidRoute", format!("'{}' is not a state machine ARN", record.state_machine_arn)))?;
    match engine.store().state_machine(&machine_arn) {
        Ok(Some(m)) if m.kind == MachineKind::Express => {}
        Ok(Some(_)) => {
            return Err(Reply::error(
                400,
                "InvalidRoute",
                format!("{machine_arn} is a STANDARD state machine: HTTP routes run EXPRESS machines synchronously"),
            ))
        }
        Ok(None) => return Err(Reply::error(404, "StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{machine_arn}'"))),
        Err(e) => return Err(Reply::error(500, "InternalFailure", e.to_string())),
    }
    engine.store().put_route(record.clone()).map_err(|e| Reply::error(500, "InternalFailure", e.to_string()))?;
    reload_routes(engine, table).map_err(|e| Reply::error(500, "InternalFailure", e))?;
    let route = Route::from_record(&record).map_err(|e| Reply::error(500, "InternalFailure", e))?;
    Ok(serde_json::to_value(route.to_spec()).unwrap_or(Value::Null))
}

/// `GET /routes`.
pub fn list_routes(table: &Table) -> Reply {
    let routes: Vec<Value> = table.all().iter().map(|r| serde_json::to_value(r.to_spec()).unwrap_or(Value::Null)).collect();
    Reply::ok(json!({"routes": routes}))
}

/// `DELETE /routes?method=M&path=P`.
pub fn delete_route(engine: &Engine, table: &Table, query: Option<&str>) -> Reply {
    let mut method = None;
    let mut path = None;
    for pair in query.unwrap_or("").split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned();
        match k {
            "method" => method = Some(v.to_ascii_uppercase()),
            "path" => path = Some(v),
            _ => {}
        }
    }
    let (Some(method), Some(path)) = (method, path) else {
        return Reply::error(400, "InvalidRoute", "give the route as ?method=METHOD&path=/PATTERN");
    };
    match engine.store().delete_route(&method, &path) {
        Ok(true) => match reload_routes(engine, table) {
            Ok(_) => Reply::no_content(),
            Err(e) => Reply::error(500, "InternalFailure", e),
        },
        Ok(false) => Reply::error(404, "RouteDoesNotExist", format!("no route {method} {path}")),
        Err(e) => Reply::error(500, "InternalFailure", e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_from_header_and_query() {
        let g = grants_from(
            Some(r#"{"http_hosts": ["api.example.com"], "limits": {"timeout_ms": 500}}"#),
            Some("memory_mb=32&max_log_bytes=300&http_host=*.internal:8443&env=MODE%3Dtest&dir=/srv/data:/data:rw"),
        )
        .unwrap();
        assert_eq!(g.limits.max_log_bytes, 300);
        assert_eq!(g.http_hosts, vec!["api.example.com".to_string(), "*.internal:8443".to_string()]);
        assert_eq!(g.limits.timeout_ms, Some(500));
        assert_eq!(g.limits.memory_bytes, 32 << 20);
        assert_eq!(g.env.get("MODE").map(String::as_str), Some("test"));
        assert_eq!(g.dirs, vec![DirGrant { host_path: "/srv/data".into(), guest_path: "/data".into(), writable: true }]);
        assert!(grants_from(Some("{\"disks\": 1}"), None).unwrap_err().contains("X-Stepwasm-Grants"));
        assert!(grants_from(None, Some("timeout_ms=soon")).unwrap_err().contains("timeout_ms=soon"));
        assert!(grants_from(None, Some("color=red")).unwrap_err().contains("unknown query parameter 'color'"));
        assert!(grants_from(None, Some("env=NOVALUE")).unwrap_err().contains("KEY=VALUE"));
        assert_eq!(grants_from(None, None).unwrap(), Grants::default());
    }
}
