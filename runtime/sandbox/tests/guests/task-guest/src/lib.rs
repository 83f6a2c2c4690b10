//! A task component whose behaviour is chosen by its input, `{"op": "...", ...}`:
//! well-behaved operations for the happy paths and hostile ones for the limits.

wit_bindgen::generate!({ path: "../../../../../guest-sdk/wit", world: "task" });

use serde_json::{json, Value};
use std::hint::black_box;
use std::io::Write;
use stepwasm::task::host::{heartbeat, log, Level};

struct TaskGuest;

fn fail(error: &str, cause: impl ToString) -> TaskError {
    TaskError { error: error.to_string(), cause: cause.to_string() }
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn recurse(depth: u64) -> u64 {
    if black_box(depth) == u64::MAX {
        return 0;
    }
    black_box(recurse(black_box(depth + 1))) + 1
}

impl Guest for TaskGuest {
    fn handle(input: String, context: String) -> Result<String, TaskError> {
        let v: Value = serde_json::from_str(&input).map_err(|e| fail("BadInput", e))?;
        match text(&v, "op") {
            "echo" => Ok(json!({ "echo": v.get("value"), "context": serde_json::from_str::<Value>(&context).ok() }).to_string()),
            "fail" => Err(fail(text(&v, "error"), text(&v, "cause"))),
            "panic" => panic!("guest panicked on purpose: {}", text(&v, "message")),
            "loop" => {
                let mut n = 0u64;
                loop {
                    n = black_box(n.wrapping_add(1));
                }
            }
            "alloc" => {
                let mut blocks = Vec::new();
                loop {
                    blocks.push(black_box(vec![1u8; 1 << 20]));
                }
            }
            "sleep" => {
                let ms = v.get("ms").and_then(Value::as_u64).unwrap_or(0);
                std::thread::sleep(std::time::Duration::from_millis(ms));
                Ok("\"slept\"".to_string())
            }
            "recurse" => Ok(recurse(0).to_string()),
            "big_output" => {
                let n = v.get("bytes").and_then(Value::as_u64).unwrap_or(0) as usize;
                Ok(format!("\"{}\"", "x".repeat(n)))
            }
            "read" => match std::fs::read_to_string(text(&v, "path")) {
                Ok(s) => Ok(json!({ "content": s }).to_string()),
                Err(e) => Err(fail("ReadFailed", e)),
            },
            "write" => match std::fs::write(text(&v, "path"), text(&v, "content")) {
                Ok(()) => Ok("true".to_string()),
                Err(e) => Err(fail("WriteFailed", e)),
            },
            "env" => match std::env::var(text(&v, "name")) {
                Ok(s) => Ok(json!({ "value": s }).to_string()),
                Err(e) => Err(fail("EnvMissing", e)),
            },
            "env_all" => Ok(json!(std::env::vars().collect::<Vec<_>>()).to_string()),
            "socket" => match std::net::TcpStream::connect(text(&v, "addr")) {
                Ok(_) => Ok("\"connected\"".to_string()),
                Err(e) => Err(fail("SocketFailed", e)),
            },
            "http" => http_get(text(&v, "authority"), text(&v, "path")),
            "chatty" => {
                let n = v.get("lines").and_then(Value::as_u64).unwrap_or(0);
                for i in 0..n {
                    log(Level::Info, &format!("line {i}"));
                }
                log(Level::Warn, "last line");
                for _ in 0..v.get("heartbeats").and_then(Value::as_u64).unwrap_or(0) {
                    heartbeat();
                }
                print!("to stdout");
                let _ = std::io::stdout().flush();
                eprint!("to stderr");
                Ok("\"done\"".to_string())
            }
            "not_json" => Ok("this is not JSON".to_string()),
            other => Err(fail("UnknownOp", format!("unknown op `{other}`"))),
        }
    }
}

fn http_get(authority: &str, path: &str) -> Result<String, TaskError> {
    use wasi::http::outgoing_handler;
    use wasi::http::types::{Fields, OutgoingBody, OutgoingRequest, Scheme};
    let request = OutgoingRequest::new(Fields::new());
    let _ = request.set_scheme(Some(&Scheme::Http));
    let _ = request.set_authority(Some(authority));
    let _ = request.set_path_with_query(Some(path));
    let body = request.body().map_err(|()| fail("HttpFailed", "request body taken twice"))?;
    let pending = outgoing_handler::handle(request, None).map_err(|e| fail("HttpFailed", format!("{e:?}")))?;
    OutgoingBody::finish(body, None).map_err(|e| fail("HttpFailed", format!("{e:?}")))?;
    pending.subscribe().block();
    let response = match pending.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(e))) => return Err(fail("HttpFailed", format!("{e:?}"))),
        Some(Err(())) => return Err(fail("HttpFailed", "response taken twice")),
        None => return Err(fail("HttpFailed", "response not ready after block")),
    };
    Ok(json!({ "status": response.status() }).to_string())
}

export!(TaskGuest);
