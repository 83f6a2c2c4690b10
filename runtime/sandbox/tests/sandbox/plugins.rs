//! The ready-made plugins (`plugins/dist/*.wasm`, built by `plugins/build.sh`) run through
//! the sandbox end to end: the four order tasks chained as the order-processing example's
//! state machine chains them, http-request against a local server with the allow-list
//! enforced, json-schema, transform, and the Python and JavaScript guests.

use crate::{failure, ok_json, sandbox};
use sandbox::{CallOptions, CallOutcome, FunctionHandle, FunctionKind, Grants};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Loads `plugins/dist/<name>.wasm`, failing with the command to run when it is missing.
fn plugin(name: &str, grants: Grants) -> FunctionHandle {
    let path = repo_root().join("plugins/dist").join(format!("{name}.wasm"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the plugin {} ({e}): build the plugins first with `plugins/build.sh`",
            path.display()
        )
    });
    let f = sandbox()
        .load(name, &bytes, grants)
        .unwrap_or_else(|e| panic!("loading plugin {name}: {e}"));
    assert_eq!(f.kind(), FunctionKind::TaskComponent, "{name}");
    f
}

fn example(file: &str) -> Value {
    let path = repo_root().join("examples/order-processing").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A context object as the engine passes it, for state `state` on retry `retry`.
fn context(state: &str, retry: u32) -> String {
    json!({
        "Execution": {"Id": "arn:stepwasm:execution:orders:e1", "Name": "e1",
                      "StartTime": "2026-01-01T00:00:00Z"},
        "State": {"Name": state, "EnteredTime": "2026-01-01T00:00:01Z", "RetryCount": retry},
        "StateMachine": {"Id": "arn:stepwasm:stateMachine:orders", "Name": "orders"}
    })
    .to_string()
}

fn call_in(f: &FunctionHandle, input: &Value, state: &str, retry: u32) -> CallOutcome {
    f.call(&input.to_string(), &context(state, retry), &CallOptions::default())
}

fn field(v: &Value, key: &str) -> Value {
    v.get(key).cloned().unwrap_or_else(|| panic!("no `{key}` in {v}"))
}

#[test]
fn order_tasks_run_the_example_to_its_expected_output() {
    let validate = plugin("validate-order", Grants::default());
    let inventory = plugin("check-inventory", Grants::default());
    let payment = plugin("process-payment", Grants::default());
    let confirm = plugin("confirm-order", Grants::default());

    // The data flow of examples/order-processing/statemachine.asl.json.
    let mut state = ok_json(&call_in(&validate, &example("input.json"), "ValidateOrder", 0));
    assert_eq!(state["totalCents"], 2 * 3999 + 1250);
    let reservation = ok_json(&call_in(&inventory, &state, "CheckInventory", 0));
    state["inventory"] = reservation;
    let charge_request = json!({
        "orderId": field(&state, "orderId"),
        "amountCents": field(&state, "totalCents"),
        "currency": field(&state, "currency"),
        "payment": field(&state, "payment"),
    });
    let charge = ok_json(&call_in(&payment, &charge_request, "ProcessPayment", 0));
    state["charge"] = charge;
    let confirm_request = json!({
        "orderId": field(&state, "orderId"),
        "customer": field(&state, "customer"),
        "items": field(&state, "items"),
        "totalCents": field(&state, "totalCents"),
        "currency": field(&state, "currency"),
        "reservation": field(&state, "inventory"),
        "charge": field(&state, "charge"),
    });
    let confirmation = ok_json(&call_in(&confirm, &confirm_request, "ConfirmOrder", 0));
    assert_eq!(confirmation, example("expected-output.json"));

    // A gateway timeout is raised on the first attempt and succeeds on a retry, as the
    // state machine's Retry expects; the retry gives the same charge as a clean attempt.
    let mut flaky = charge_request.clone();
    flaky["payment"]["token"] = json!("tok_gatewayTimeout");
    let first = failure(&call_in(&payment, &flaky, "ProcessPayment", 0));
    assert_eq!(first.error, "PaymentGatewayTimeout");
    let retried = ok_json(&call_in(&payment, &flaky, "ProcessPayment", 1));
    assert_eq!(retried["status"], "CAPTURED");

    let mut declined = charge_request;
    declined["payment"]["token"] = json!("tok_chargeDeclined");
    assert_eq!(failure(&call_in(&payment, &declined, "ProcessPayment", 0)).error, "PaymentDeclined");

    let mut out_of_stock = state.clone();
    out_of_stock["items"] = json!([{"sku": "LAPTOP-STAND", "quantity": 1, "unitPriceCents": 4500}]);
    assert_eq!(failure(&call_in(&inventory, &out_of_stock, "CheckInventory", 0)).error, "OutOfStock");
}

#[test]
fn validate_order_raises_invalid_order_on_bad_input() {
    let validate = plugin("validate-order", Grants::default());
    let out = call_in(&validate, &example("bad-input.json"), "ValidateOrder", 0);
    let fail = failure(&out);
    let expected = example("bad-input-expected.json");
    assert_eq!(fail.error, "InvalidOrder");
    assert_eq!(json!(fail.cause), expected["cause"]);

    let fail = failure(&call_in(&validate, &json!([1, 2]), "ValidateOrder", 0));
    assert_eq!(fail.error, "InvalidOrder");
    assert!(fail.cause.contains("must be a JSON object"), "{}", fail.cause);
    // The SDK's own error for input that is not JSON at all.
    let out = validate.call("{not json", &context("ValidateOrder", 0), &CallOptions::default());
    assert_eq!(failure(&out).error, "InvalidInput");
}

/// A one-thread HTTP/1.1 server on 127.0.0.1 answering every request with a JSON echo of its
/// method, path and body; `/missing` answers 404.
struct EchoServer {
    addr: std::net::SocketAddr,
    requests: std::sync::mpsc::Receiver<String>,
}

impl EchoServer {
    fn start() -> EchoServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, requests) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                if let Some(line) = Self::answer(conn) {
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            }
        });
        EchoServer { addr, requests }
    }

    /// Reads one request and answers it; returns its request line.
    fn answer(mut conn: std::net::TcpStream) -> Option<String> {
        use std::io::{BufRead, BufReader, Read, Write};
        let mut reader = BufReader::new(conn.try_clone().ok()?);
        let mut request_line = String::new();
        reader.read_line(&mut request_line).ok()?;
        let mut length = 0usize;
        let mut chunked = false;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).ok()?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().ok()?;
                }
                if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.trim().eq_ignore_ascii_case("chunked");
                }
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).ok()?;
        while chunked {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0u8; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            body.extend_from_slice(&chunk[..size]);
            chunked = size > 0;
        }
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next()?, parts.next()?);
        let status = if path == "/missing" { "404 Not Found" } else { "200 OK" };
        let reply = json!({
            "method": method,
            "path": path,
            "body": String::from_utf8_lossy(&body),
        })
        .to_string();
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
            reply.len()
        );
        conn.write_all(response.as_bytes()).ok()?;
        Some(request_line.trim_end().to_string())
    }
}

#[test]
fn http_request_reaches_allowed_hosts_only() {
    let server = EchoServer::start();
    let grants = Grants {
        http_hosts: vec![server.addr.to_string()],
        ..Grants::default()
    };
    let http = plugin("http-request", grants);
    let base = format!("http://{}", server.addr);

    let input = json!({
        "method": "POST",
        "url": format!("{base}/orders?dryRun=true"),
        "headers": {"X-Trace": "t-1"},
        "body": {"orderId": "ORD-1"},
    });
    let response = ok_json(&call_in(&http, &input, "Call", 0));
    assert_eq!(response["statusCode"], 200);
    assert_eq!(response["headers"]["content-type"], "application/json");
    assert_eq!(
        response["body"],
        json!({"method": "POST", "path": "/orders?dryRun=true", "body": r#"{"orderId":"ORD-1"}"#})
    );
    // The server reports the request after writing its answer: wait for the report.
    let seen = |server: &EchoServer| server.requests.recv_timeout(std::time::Duration::from_secs(10));
    assert_eq!(seen(&server).as_deref(), Ok("POST /orders?dryRun=true HTTP/1.1"));

    // A 4xx status is a result, not an error.
    let missing = ok_json(&call_in(&http, &json!({"url": format!("{base}/missing")}), "Call", 0));
    assert_eq!(missing["statusCode"], 404);
    assert_eq!(missing["body"]["method"], "GET");
    assert!(seen(&server).is_ok());

    // The same machine on another port, or under another name, is not on the list.
    let other = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    other.set_nonblocking(true).expect("nonblocking");
    let other_port = other.local_addr().expect("addr").port();
    for url in [
        format!("http://127.0.0.1:{other_port}/"),
        format!("http://localhost:{}/", server.addr.port()),
        "https://example.com/".to_string(),
    ] {
        let fail = failure(&call_in(&http, &json!({"url": url}), "Call", 0));
        assert_eq!(fail.error, "HttpHostNotAllowed", "{url}: {}", fail.cause);
        assert!(fail.cause.starts_with(&format!("GET {url}")), "{}", fail.cause);
    }
    assert!(other.accept().is_err(), "the guest reached a port that was not granted");
    assert!(server.requests.try_recv().is_err(), "a refused request reached the server");

    // Without any grant nothing is reachable, not even the server itself.
    let bare = plugin("http-request", Grants::default());
    let fail = failure(&call_in(&bare, &json!({"url": format!("{base}/")}), "Call", 0));
    assert_eq!(fail.error, "HttpHostNotAllowed");
    assert!(server.requests.try_recv().is_err());
}

#[test]
fn json_schema_validates_documents() {
    let f = plugin("json-schema", Grants::default());
    let schema = json!({
        "type": "object",
        "required": ["id", "items"],
        "properties": {
            "id": {"type": "string"},
            "email": {"type": "string", "format": "email"},
            "items": {"type": "array", "items": {"type": "object", "properties": {
                "quantity": {"type": "integer", "minimum": 1}}}}
        }
    });
    let good = json!({"schema": schema, "document": {"id": "o-1", "items": [{"quantity": 2}]}});
    assert_eq!(ok_json(&call_in(&f, &good, "Check", 0)), json!({"valid": true}));

    let bad = json!({"schema": schema, "document": {"email": "nope", "items": [{"quantity": 0}]}});
    let fail = failure(&call_in(&f, &bad, "Check", 0));
    assert_eq!(fail.error, "ValidationFailed");
    let cause: Value = serde_json::from_str(&fail.cause).expect("the cause is JSON");
    let mut pointers: Vec<&str> = cause["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["pointer"].as_str())
        .collect();
    pointers.sort_unstable();
    assert_eq!(pointers, ["", "/email", "/items/0/quantity"], "{cause}");

    let broken = json!({"schema": {"type": 12}, "document": {}});
    assert_eq!(failure(&call_in(&f, &broken, "Check", 0)).error, "InvalidSchema");
}

#[test]
fn transform_renders_templates() {
    let f = plugin("transform", Grants::default());
    let input = json!({
        "template": {
            "subject": "Order {{ order.id }} ({{ order.items | length }} items)",
            "to": "{{ customer.email | lower }}",
            "lines": "{{ order.items }}",
            "tags": "{{ order.tags | join(\", \") | default(\"none\") }}"
        },
        "data": {
            "order": {"id": "ORD-1", "items": [{"sku": "A"}, {"sku": "B"}], "tags": ["gift", "rush"]},
            "customer": {"email": "Ada@Example.com"}
        }
    });
    let out = ok_json(&call_in(&f, &input, "Render", 0));
    assert_eq!(
        out,
        json!({
            "subject": "Order ORD-1 (2 items)",
            "to": "ada@example.com",
            "lines": [{"sku": "A"}, {"sku": "B"}],
            "tags": "gift, rush"
        })
    );
    let missing = json!({"template": "{{ nowhere }}", "data": {}});
    assert_eq!(failure(&call_in(&f, &missing, "Render", 0)).error, "MissingValue");
    let unclosed = json!({"template": "{{ order.id", "data": {}});
    assert_eq!(failure(&call_in(&f, &unclosed, "Render", 0)).error, "InvalidTemplate");
}

/// The Python and JavaScript guests implement the same contract.
fn check_greeter(name: &str) {
    let f = plugin(name, Grants::default());
    let out = call_in(&f, &json!({"name": "Ada", "language": "fr"}), "Greet", 0);
    assert_eq!(
        ok_json(&out),
        json!({"greeting": "Bonjour, Ada !", "language": "fr", "greetedBy": "Greet"}),
        "{name}"
    );
    assert!(
        out.logs.iter().any(|l| l.message == "greeted 'Bonjour, Ada !'"),
        "{name}: {:?}",
        out.logs
    );
    let fail = failure(&call_in(&f, &json!({"name": "Ada", "language": "xx"}), "Greet", 0));
    assert_eq!(fail.error, "UnsupportedLanguage", "{name}: {}", fail.cause);
    let fail = failure(&call_in(&f, &json!({"language": "en"}), "Greet", 0));
    assert_eq!(fail.error, "InvalidInput", "{name}: {}", fail.cause);
    // The instance of a failed call is gone; the next call starts clean.
    let out = call_in(&f, &json!({"name": "Grace"}), "Greet", 0);
    assert_eq!(ok_json(&out)["greeting"], "Hello, Grace!", "{name}");
}

#[test]
fn python_guest_greets() {
    check_greeter("python-greet");
}

#[test]
fn javascript_guest_greets() {
    check_greeter("js-greet");
}
