//! Cold start: a fresh process creates the sandbox, loads a function (mapping the cached
//! precompiled artifact after the first run) and finishes one call.
//!
//! Usage: `cold_start CACHE_DIR FUNCTION.wasm [INPUT_JSON]`
//!
//! Prints the result on stdout and the time of each phase on stderr; the exit status is 1
//! when the call fails and 2 on a usage or load error. Time whole runs with e.g.
//! `hyperfine 'target/release/examples/cold_start CACHE_DIR FUNCTION.wasm'`.

use sandbox::{CallOptions, Grants, Sandbox, SandboxConfig};
use std::time::Instant;

fn main() {
    let start = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    let (Some(cache_dir), Some(wasm)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: cold_start CACHE_DIR FUNCTION.wasm [INPUT_JSON]");
        std::process::exit(2);
    };
    let input = args.get(3).map_or(r#"{"hello": "world"}"#, String::as_str);
    let bytes = match std::fs::read(wasm) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {wasm}: {e}");
            std::process::exit(2);
        }
    };
    let sandbox = match Sandbox::new(SandboxConfig::new(cache_dir)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let engine_done = start.elapsed();
    let function = match sandbox.load("cold-start", &bytes, Grants::default()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let load_done = start.elapsed();
    let outcome = function.call(input, "{}", &CallOptions::default());
    let call_done = start.elapsed();
    eprintln!(
        "engine {:?}, load {:?}, call {:?}, total in main {:?}",
        engine_done,
        load_done - engine_done,
        call_done - load_done,
        call_done
    );
    match outcome.result {
        Ok(text) => println!("{text}"),
        Err(e) => {
            let failure = e.to_task_failure();
            eprintln!("{}: {}", failure.error, failure.cause);
            std::process::exit(1);
        }
    }
}
