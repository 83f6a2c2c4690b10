//! `stepwasm serve` in this process on an ephemeral port, spoken to over real TCP: the order
//! example through an HTTP route, auth, metrics, bad input of every kind, slow clients, and
//! graceful shutdown.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use server::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ROLE: &str = "arn:aws:iam::123456789012:role/test";
const TOKEN: &str = "integration-test-token-0001";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn plugin(name: &str) -> Vec<u8> {
    let path = repo().join("plugins/dist").join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{} is missing ({e}): run plugins/build.sh first", path.display()))
}

/// An answer: status, headers (lower-case names), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Sends raw bytes and reads the answer until the server closes the connection.
async fn raw(addr: SocketAddr, bytes: &[u8]) -> Answer {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(bytes).await.expect("write");
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), s.read_to_end(&mut buf)).await.expect("an answer in time").expect("read");
    parse(&buf)
}

fn parse(buf: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(buf);
    let split = text.find("\r\n\r\n").unwrap_or_else(|| panic!("no header end in {text:?}"));
    let head = &text[..split];
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Answer { status, headers, body: buf[split + 4..].to_vec() }
}

/// One request with `Connection: close`.
async fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, &bytes).await
}

async fn aws(addr: SocketAddr, op: &str, body: Value, token: Option<&str>) -> Answer {
    let target = format!("AWSStepFunctions.{op}");
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("X-Amz-Target", target.as_str()), ("Content-Type", "application/x-amz-json-1.0")];
    if let Some(b) = &bearer {
        headers.push(("Authorization", b.as_str()));
    }
    send(addr, "POST", "/", &headers, body.to_string().as_bytes()).await
}

async fn ok(addr: SocketAddr, op: &str, body: Value) -> Value {
    let a = aws(addr, op, body, None).await;
    assert_eq!(a.status, 200, "{op}: {}", String::from_utf8_lossy(&a.body));
    a.json()
}

async fn start(config: Config) -> server::Server {
    server::start(config).await.expect("the server starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_order_example_over_an_http_route() {
    let dir = tempfile::tempdir().unwrap();
    let srv = start(Config::for_dir(dir.path())).await;
    let addr = srv.addr;
    for name in ["validate-order", "check-inventory", "process-payment", "confirm-order"] {
        let a = send(addr, "PUT", &format!("/functions/{name}"), &[("Content-Type", "application/wasm")], &plugin(name)).await;
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
        assert_eq!(a.json()["kind"], "task-component");
    }
    let list = send(addr, "GET", "/functions", &[], b"").await.json();
    assert_eq!(list["functions"].as_array().unwrap().len(), 4);
    let definition = repo_file("examples/order-processing/statemachine.asl.json");
    ok(addr, "CreateStateMachine", json!({"name": "orders", "definition": definition, "roleArn": ROLE, "type": "EXPRESS"})).await;
    let route = json!({"method": "POST", "path": "/orders/{id}", "state_machine": "orders", "input": "body", "errors": {"InvalidOrder": 422}});
    let a = send(addr, "PUT", "/routes", &[("Content-Type", "application/json")], route.to_string().as_bytes()).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.json()["state_machine"], "arn:aws:states:us-east-1:123456789012:stateMachine:orders");

    let good = repo_file("examples/order-processing/input.json");
    let a = send(addr, "POST", "/orders/1", &[("Content-Type", "application/json")], good.as_bytes()).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let expected: Value = serde_json::from_str(&repo_file("examples/order-processing/expected-output.json")).unwrap();
    assert_eq!(a.json(), expected);
    assert!(a.header("x-stepwasm-execution-arn").is_some_and(|v| v.contains(":express:orders:")));

    let bad = repo_file("examples/order-processing/bad-input.json");
    let a = send(addr, "POST", "/orders/2", &[("Content-Type", "application/json")], bad.as_bytes()).await;
    let expected: Value = serde_json::from_str(&repo_file("examples/order-processing/bad-input-expected.json")).unwrap();
    assert_eq!(a.status, 422);
    assert_eq!(a.json(), json!({"error": expected["error"], "cause": expected["cause"]}));

    // Wrong method, unknown path, a body that is not JSON, a route to a Standard machine.
    let a = send(addr, "GET", "/orders/1", &[], b"").await;
    assert_eq!((a.status, a.header("allow")), (405, Some("POST")));
    assert_eq!(send(addr, "POST", "/nothing", &[], b"").await.status, 404);
    let a = send(addr, "POST", "/orders/3", &[("Content-Type", "application/json")], b"{nope").await;
    assert_eq!((a.status, a.json()["error"].as_str()), (400, Some("InvalidRequestBody")));
    ok(addr, "CreateStateMachine", json!({"name": "std", "definition": definition, "roleArn": ROLE})).await;
    let route = json!({"method": "POST", "path": "/std", "state_machine": "std"});
    let a = send(addr, "PUT", "/routes", &[], route.to_string().as_bytes()).await;
    assert_eq!(a.status, 400);
    assert!(a.json()["cause"].as_str().unwrap().contains("STANDARD"), "{}", a.json());

    // The metrics saw the runs and the calls.
    let m = String::from_utf8(send(addr, "GET", "/metrics", &[], b"").await.body).unwrap();
    for line in [
        "stepwasm_executions_started_total{state_machine=\"orders\",type=\"EXPRESS\"} 2",
        "stepwasm_executions_finished_total{state_machine=\"orders\",type=\"EXPRESS\",status=\"SUCCEEDED\"} 1",
        "stepwasm_executions_finished_total{state_machine=\"orders\",type=\"EXPRESS\",status=\"FAILED\"} 1",
        "stepwasm_function_call_seconds_count{function=\"validate-order\",result=\"ok\"} 1",
        "stepwasm_function_call_seconds_count{function=\"validate-order\",result=\"guest_error\"} 1",
        "stepwasm_wasm_cache_misses_total 4",
        "stepwasm_http_requests_total{kind=\"trigger\",operation=\"\",code=\"422\"} 1",
    ] {
        assert!(m.contains(line), "missing {line} in\n{m}");
    }
    let a = send(addr, "DELETE", "/routes?method=POST&path=/orders/%7Bid%7D", &[], b"").await;
    assert_eq!(a.status, 204, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(send(addr, "POST", "/orders/1", &[], good.as_bytes()).await.status, 404);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_guard_everything_but_health_and_public_routes() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_dir(dir.path());
    config.tokens = vec![TOKEN.to_string()];
    let srv = start(config).await;
    let addr = srv.addr;
    assert_eq!(send(addr, "GET", "/healthz", &[], b"").await.status, 200);
    assert_eq!(send(addr, "GET", "/console/", &[], b"").await.status, 200);
    let a = aws(addr, "ListStateMachines", json!({}), None).await;
    assert_eq!((a.status, a.header("x-amzn-errortype")), (401, Some("MissingAuthenticationTokenException")));
    let a = aws(addr, "ListStateMachines", json!({}), Some("wrong-token-wrong-token")).await;
    assert_eq!((a.status, a.header("x-amzn-errortype")), (403, Some("UnrecognizedClientException")));
    assert_eq!(aws(addr, "ListStateMachines", json!({}), Some(TOKEN)).await.status, 200);
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(send(addr, "GET", "/functions", &[], b"").await.status, 401);
    assert_eq!(send(addr, "GET", "/metrics", &[], b"").await.status, 401);
    assert_eq!(send(addr, "GET", "/metrics", &[("Authorization", &bearer)], b"").await.status, 200);

    let pass = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}).to_string();
    let a = aws(addr, "CreateStateMachine", json!({"name": "echo", "definition": pass, "roleArn": ROLE, "type": "EXPRESS"}), Some(TOKEN)).await;
    assert_eq!(a.status, 200);
    for (path, public) in [("/private", false), ("/public", true)] {
        let route = json!({"method": "POST", "path": path, "state_machine": "echo", "input": "body", "public": public});
        let a = send(addr, "PUT", "/routes", &[("Authorization", &bearer)], route.to_string().as_bytes()).await;
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    }
    assert_eq!(send(addr, "POST", "/private", &[], b"{\"a\":1}").await.status, 401);
    let a = send(addr, "POST", "/private", &[("Authorization", &bearer)], b"{\"a\":1}").await;
    assert_eq!((a.status, a.json()), (200, json!({"a": 1})));
    let a = send(addr, "POST", "/public", &[], b"{\"b\":2}").await;
    assert_eq!((a.status, a.json()), (200, json!({"b": 2})));
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_dir(dir.path());
    config.limits.max_request_bytes = 64 * 1024;
    config.limits.max_upload_bytes = 256 * 1024;
    let srv = start(config).await;
    let addr = srv.addr;
    let amz = [("X-Amz-Target", "AWSStepFunctions.ListStateMachines"), ("Content-Type", "application/x-amz-json-1.0")];

    let a = send(addr, "POST", "/", &amz, b"{not json").await;
    assert_eq!((a.status, a.header("x-amzn-errortype")), (400, Some("SerializationException")));
    assert_eq!(a.json()["__type"], "com.amazonaws.swf.service.v2.model#SerializationException");
    let a = send(addr, "POST", "/", &[amz[0], ("Content-Type", "text/html")], b"{}").await;
    assert_eq!(a.status, 415);
    let a = send(addr, "POST", "/", &[("X-Amz-Target", "AWSStepFunctions.Explode"), amz[1]], b"{}").await;
    assert_eq!((a.status, a.header("x-amzn-errortype")), (400, Some("UnknownOperationException")));
    let a = send(addr, "POST", "/", &[("X-Amz-Target", "Other.ListStateMachines"), amz[1]], b"{}").await;
    assert_eq!(a.status, 400);
    let a = send(addr, "POST", "/", &[amz[1]], b"{}").await;
    assert_eq!((a.status, a.header("x-amzn-errortype")), (400, Some("UnknownOperationException")));

    // Too large, by Content-Length and by a chunked body that never says its size.
    let big = vec![b' '; 70 * 1024];
    assert_eq!(send(addr, "POST", "/", &amz, &big).await.status, 413);
    let mut chunked = b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Amz-Target: AWSStepFunctions.ListStateMachines\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..80 {
        chunked.extend_from_slice(b"400\r\n");
        chunked.extend_from_slice(&[b' '; 1024]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(raw(addr, &chunked).await.status, 413);
    let a = send(addr, "PUT", "/functions/too-big", &[], &vec![0u8; 300 * 1024]).await;
    assert_eq!(a.status, 413);

    // Functions: not Wasm, an import the host does not have, bad names.
    let a = send(addr, "PUT", "/functions/junk", &[], b"this is not wasm").await;
    assert_eq!((a.status, a.json()["error"].as_str()), (400, Some("InvalidFunction")));
    let a = send(addr, "PUT", "/functions/empty", &[], b"").await;
    assert_eq!(a.status, 400);
    let a = send(addr, "PUT", "/functions/a%2Fb", &[], &plugin("transform")).await;
    assert_eq!((a.status, a.json()["error"].as_str()), (400, Some("InvalidName")));
    let a = send(addr, "PUT", "/functions/has%20space", &[], &plugin("transform")).await;
    assert_eq!(a.status, 400);
    let a = send(addr, "PUT", "/functions/t?fuel=lots", &[], &plugin("transform")).await;
    assert_eq!((a.status, a.json()["error"].as_str()), (400, Some("InvalidGrants")));
    assert_eq!(send(addr, "GET", "/functions/none", &[], b"").await.status, 404);
    // A method the path does not take is 405 whether or not a body comes with it.
    assert_eq!(send(addr, "POST", "/functions/transform", &[], b"x").await.status, 405);
    assert_eq!(send(addr, "DELETE", "/functions", &[], b"x").await.status, 405);
    assert_eq!(send(addr, "DELETE", "/functions/none", &[], b"").await.status, 404);
    let a = send(addr, "PUT", "/routes", &[], b"{\"method\": \"GET\"}").await;
    assert_eq!((a.status, a.json()["error"].as_str()), (400, Some("InvalidRoute")));
    let a = send(addr, "PUT", "/routes", &[], json!({"method": "GET", "path": "/metrics", "state_machine": "x"}).to_string().as_bytes()).await;
    assert!(a.json()["cause"].as_str().unwrap().contains("server's own"), "{}", a.json());

    // Malformed HTTP is refused by the parser without hurting the server.
    let a = raw(addr, b"GARBAGE\r\n\r\n").await;
    assert_eq!(a.status, 400);
    assert_eq!(send(addr, "GET", "/healthz", &[], b"").await.status, 200);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_dir(dir.path());
    config.limits.header_timeout_seconds = 1;
    config.limits.body_timeout_seconds = 1;
    let srv = start(config).await;
    let addr = srv.addr;
    // Headers that never end: the connection is closed after the header timeout.
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"POST / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server kept a half-sent request open");
    assert!(started.elapsed() >= Duration::from_millis(900), "closed too early: {:?}", started.elapsed());
    // A body that never arrives: 408.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Amz-Target: AWSStepFunctions.ListStateMachines\r\nContent-Length: 100\r\n\r\n{").await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut buf)).await.expect("an answer").unwrap();
    assert_eq!(parse(&buf).status, 408);
    // Everyone else is still served.
    assert_eq!(send(addr, "GET", "/healthz", &[], b"").await.status, 200);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_requests_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let srv = start(Config::for_dir(dir.path())).await;
    let addr = srv.addr;
    let wait = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "P"}, "P": {"Type": "Pass", "Result": "done", "End": true}}});
    ok(addr, "CreateStateMachine", json!({"name": "slow", "definition": wait.to_string(), "roleArn": ROLE, "type": "EXPRESS"})).await;
    let route = json!({"method": "GET", "path": "/slow", "state_machine": "slow", "input": "body"});
    assert_eq!(send(addr, "PUT", "/routes", &[], route.to_string().as_bytes()).await.status, 200);
    let in_flight = tokio::spawn(async move { send(addr, "GET", "/slow", &[], b"").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopping = tokio::spawn(srv.stop());
    let a = in_flight.await.unwrap();
    assert_eq!((a.status, a.json()), (200, json!("done")));
    stopping.await.unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "the server still accepts connections");

    // The data outlives the server: a new one on the same directory sees the machine.
    let srv = start(Config::for_dir(dir.path())).await;
    let list = ok(srv.addr, "ListStateMachines", json!({})).await;
    assert_eq!(list["stateMachines"][0]["name"], "slow");
    let routes = send(srv.addr, "GET", "/routes", &[], b"").await.json();
    assert_eq!(routes["routes"][0]["path"], "/slow");
    srv.stop().await;
}
