//! HTTP Tasks (`arn:aws:states:::http:invoke`) against a small HTTP server in the test.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use store::{ExecutionStatus, MachineKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::support::*;
use crate::{Connection, ConnectionAuth, Engine, EngineConfig, StartRequest};

/// A server that answers every request with `response` (a whole HTTP/1.1 response, or
/// nothing at all when `None`) and keeps each request's text.
async fn serve(response: Option<&'static str>) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + length {
                            kept.lock().unwrap().push(text);
                            break;
                        }
                    }
                }
                match response {
                    Some(r) => {
                        let _ = socket.write_all(r.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    (addr, seen)
}

fn connection(name: &str, endpoints: Vec<String>) -> Connection {
    Connection {
        name: name.into(),
        endpoints,
        auth: ConnectionAuth::ApiKey { name: "x-api-key".into(), value: "s3cret".into() },
        headers: vec![("X-Team".into(), "edge".into())],
        query: vec![("tenant".into(), "t1".into())],
        body: Vec::new(),
    }
}

async fn open_with(dir: &Path, connections: Vec<Connection>) -> Engine {
    let mut config = EngineConfig::new(dir);
    config.connections = connections;
    config.sandbox.max_instances = 4;
    let store = Arc::new(store::SqliteStore::open(dir.join("stepwasm.db")).unwrap());
    Engine::with_store(config, store).await.unwrap()
}

fn task(parameters: Value, extra: Value) -> String {
    let mut t = json!({"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "Parameters": parameters, "End": true});
    t.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
    json!({"StartAt": "Call", "States": {"Call": t}}).to_string()
}

const CONN: &str = "arn:aws:events:us-east-1:123456789012:connection/api/5f1e";

async fn run(engine: &Engine, definition: &str, name: &str) -> store::ExecutionRecord {
    let sm = machine(engine, name, definition, MachineKind::Standard);
    let s = engine
        .start_execution(StartRequest { state_machine_arn: sm, name: Some("e".into()), input: Some("{}".into()), trace_header: None })
        .await
        .unwrap();
    finished(engine, &s.execution_arn, Duration::from_secs(20)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_through_a_connection_answers_the_response() {
    let (addr, seen) = serve(Some("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request: 9\r\nContent-Length: 19\r\n\r\n{\"items\":[1,2,3]}  ")).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open_with(dir.path(), vec![connection("api", vec![format!("http://{addr}/v1/")])]).await;
    let def = task(
        json!({"ApiEndpoint": format!("http://{addr}/v1/items"), "Method": "GET", "Authentication": {"ConnectionArn": CONN},
               "QueryParameters": {"page": 2}, "Headers": {"Accept": "application/json"}}),
        json!({}),
    );
    let rec = run(&engine, &def, "get").await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{:?} {:?}", rec.error, rec.cause);
    let out = json(rec.output.as_deref().unwrap());
    assert_eq!(out["ResponseBody"], json!({"items": [1, 2, 3]}));
    assert_eq!((out["StatusCode"].as_u64(), out["StatusText"].as_str()), (Some(200), Some("OK")));
    assert_eq!(out["Headers"]["x-request"], json!(["9"]));
    let request = seen.lock().unwrap()[0].clone();
    assert!(request.starts_with("GET /v1/items?page=2&tenant=t1 HTTP/1.1\r\n"), "{request}");
    for header in ["x-api-key: s3cret", "x-team: edge", "accept: application/json", "user-agent: Amazon|StepFunctions|HttpInvoke|us-east-1"] {
        assert!(request.to_ascii_lowercase().contains(&header.to_ascii_lowercase()), "{header} in {request}");
    }
    let h = history(&engine, &rec.arn);
    let scheduled = &h[2]["taskScheduledEventDetails"];
    assert_eq!((scheduled["resourceType"].as_str(), scheduled["resource"].as_str()), (Some("http"), Some("invoke")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_body_and_a_status_outside_2xx() {
    let (addr, seen) = serve(Some("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"error\":\"none\"}")).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open_with(dir.path(), vec![connection("api", vec![format!("http://{addr}")])]).await;
    let def = task(
        json!({"ApiEndpoint": format!("http://{addr}/orders"), "Method": "POST", "Authentication": {"ConnectionArn": CONN},
               "RequestBody": {"ids": [1, 2], "note": "a b"},
               "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "REPEAT"}}}),
        json!({"Catch": [{"ErrorEquals": ["States.Http.StatusCode.404"], "ResultPath": "$.failed", "Next": "Done"}], "End": null}),
    );
    let mut def: Value = serde_json::from_str(&def).unwrap();
    def["States"]["Call"].as_object_mut().unwrap().remove("End");
    def["States"]["Call"]["Next"] = json!("Done");
    def["States"]["Done"] = json!({"Type": "Pass", "End": true});
    let rec = run(&engine, &def.to_string(), "post").await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{:?} {:?}", rec.error, rec.cause);
    let failed = &json(rec.output.as_deref().unwrap())["failed"];
    assert_eq!(failed["Error"], "States.Http.StatusCode.404");
    let cause = json(failed["Cause"].as_str().unwrap());
    assert_eq!((cause["StatusCode"].as_u64(), cause["ResponseBody"].clone()), (Some(404), json!({"error": "none"})));
    let request = seen.lock().unwrap()[0].clone();
    assert!(request.to_ascii_lowercase().contains("content-type: application/x-www-form-urlencoded"), "{request}");
    assert!(request.ends_with("\r\n\r\nids=1&ids=2&note=a+b"), "{request}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_the_connection_does_not_allow_or_cannot_make_fail() {
    let (addr, seen) = serve(Some("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")).await;
    let (silent, _) = serve(None).await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    // A server that answers in plain HTTP at once, whatever it is sent.
    let plain = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let a = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = l.accept().await {
                let _ = socket.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await;
            }
        });
        a
    };
    let endpoints = vec![format!("http://{addr}/allowed/"), format!("http://{closed}/"), format!("http://{silent}/"), format!("https://{plain}/")];
    let engine = open_with(dir.path(), vec![connection("api", endpoints)]).await;
    let call = |url: String, conn: &str, extra: Value| {
        task(json!({"ApiEndpoint": url, "Method": "GET", "Authentication": {"ConnectionArn": conn}}), extra)
    };
    let rec = run(&engine, &call(format!("http://{addr}/elsewhere"), CONN, json!({})), "denied").await;
    assert_eq!(rec.error.as_deref(), Some("States.Permissions"), "{:?}", rec.cause);
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
    let unknown = "arn:aws:events:us-east-1:123456789012:connection/nobody/1";
    let rec = run(&engine, &call(format!("http://{addr}/allowed/x"), unknown, json!({})), "unknown").await;
    assert_eq!(rec.error.as_deref(), Some("Events.ConnectionResource.ResourceNotFound"));
    assert!(rec.cause.unwrap_or_default().contains("'nobody'"));
    let rec = run(&engine, &call(format!("http://{closed}/x"), CONN, json!({})), "refused").await;
    assert_eq!(rec.error.as_deref(), Some("States.Http.Socket"), "{:?}", rec.cause);
    // TLS with a server that speaks plain HTTP fails in the handshake.
    let rec = run(&engine, &call(format!("https://{plain}/tls"), CONN, json!({})), "tls").await;
    assert_eq!(rec.error.as_deref(), Some("States.Http.Socket"), "{:?}", rec.cause);
    assert!(rec.cause.unwrap_or_default().contains("TLS"));
    // A server that never answers: the Task's own timeout ends it.
    let rec = run(&engine, &call(format!("http://{silent}/x"), CONN, json!({"TimeoutSeconds": 1})), "silent").await;
    assert_eq!(rec.error.as_deref(), Some("States.Timeout"));
    let rec = run(&engine, &call(format!("http://{addr}/allowed/x"), CONN, json!({})), "allowed").await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{:?} {:?}", rec.error, rec.cause);
    assert_eq!(json(rec.output.as_deref().unwrap())["ResponseBody"], "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_state_calls_the_api_and_traces_the_exchange() {
    let (addr, seen) = serve(Some("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{\"ok\":1}")).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = open_with(dir.path(), vec![connection("api", vec![format!("http://{addr}/")])]).await;
    let state = json!({"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": true,
        "Parameters": {"ApiEndpoint": format!("http://{addr}/v1/x"), "Method": "POST", "RequestBody": {"n": 1},
                       "Authentication": {"ConnectionArn": CONN}}});
    let req = |reveal_secrets| crate::TestStateRequest {
        definition: state.to_string(),
        debug: true,
        trace: true,
        reveal_secrets,
        ..Default::default()
    };
    let out = engine.test_state(req(false)).await.unwrap();
    assert_eq!(out.status, "SUCCEEDED", "{:?} {:?}", out.error, out.cause);
    assert_eq!(json(out.output.as_deref().unwrap())["ResponseBody"], json!({"ok": 1}));
    let request = &out.inspection["request"];
    assert_eq!((request["method"].as_str(), request["protocol"].as_str()), (Some("POST"), Some("http")));
    assert_eq!(request["url"], format!("http://{addr}/v1/x"), "the connection's query is not shown");
    assert_eq!(request["body"], r#"{"n":1}"#);
    let headers = request["headers"].as_str().unwrap();
    assert!(headers.starts_with('[') && headers.contains("content-type: application/json; charset=UTF-8"), "{headers}");
    assert!(!headers.contains("s3cret") && !headers.contains("x-team"), "no secret without revealSecrets: {headers}");
    let response = &out.inspection["response"];
    assert_eq!((response["statusCode"].as_str(), response["statusMessage"].as_str(), response["body"].as_str()), (Some("200"), Some("OK"), Some("{\"ok\":1}")));
    // The API got the connection's credentials all the same.
    assert!(seen.lock().unwrap()[0].to_ascii_lowercase().contains("x-api-key: s3cret"));

    let revealed = engine.test_state(req(true)).await.unwrap();
    let request = &revealed.inspection["request"];
    assert!(request["headers"].as_str().unwrap().contains("x-api-key: s3cret"), "{request}");
    assert_eq!(request["url"], format!("http://{addr}/v1/x?tenant=t1"));
    // DEBUG shows no exchange.
    let debug = engine.test_state(crate::TestStateRequest { trace: false, ..req(false) }).await.unwrap();
    assert!(!debug.inspection.contains_key("request"));
}
