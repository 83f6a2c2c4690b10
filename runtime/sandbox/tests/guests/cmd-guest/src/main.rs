//! A WASI command whose behaviour is chosen by the JSON on stdin, `{"op": "...", ...}`.

use serde_json::{json, Value};
use std::io::{Read, Write};

fn main() {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("cannot read stdin: {e}");
        std::process::exit(2);
    }
    let v: Value = match serde_json::from_str(&input) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("input is not JSON: {e}");
            std::process::exit(2);
        }
    };
    let text = |key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    match text("op").as_str() {
        "echo" => {
            let args: Vec<String> = std::env::args().collect();
            println!("{}", json!({ "echo": v.get("value"), "args": args }));
        }
        "exit" => {
            eprintln!("some early diagnostics");
            eprintln!("{}", text("message"));
            let code = v.get("code").and_then(Value::as_i64).unwrap_or(1) as i32;
            std::process::exit(code);
        }
        "big_output" => {
            let n = v.get("bytes").and_then(Value::as_u64).unwrap_or(0) as usize;
            let chunk = vec![b'x'; 64 * 1024];
            let mut out = std::io::stdout().lock();
            let mut written = 0;
            while written < n {
                if out.write_all(&chunk).is_err() {
                    eprintln!("stdout refused more output after {written} bytes");
                    std::process::exit(4);
                }
                written += chunk.len();
            }
        }
        "read" => match std::fs::read_to_string(text("path")) {
            Ok(s) => println!("{}", json!({ "content": s })),
            Err(e) => {
                eprintln!("read failed: {e}");
                std::process::exit(5);
            }
        },
        "panic" => panic!("command panicked on purpose"),
        other => {
            eprintln!("unknown op `{other}`");
            std::process::exit(6);
        }
    }
}
