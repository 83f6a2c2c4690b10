//! The child process of the engine's crash test: opens an engine in DIR, uploads the
//! `transform` plugin, starts N executions of the crash workflow (printing `started` when all
//! are durable) and runs them until it is killed.
//!
//! Usage: `crash_child DIR N TRANSFORM_WASM`

use std::sync::Arc;

use engine::{Engine, EngineConfig, StartRequest};
use serde_json::json;
use store::{MachineKind, StateMachineRecord};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: crash_child DIR N TRANSFORM_WASM");
        std::process::exit(2);
    }
    let dir = std::path::PathBuf::from(&args[1]);
    let n: usize = args[2].parse().expect("N is a number");
    let wasm = std::fs::read(&args[3]).expect("the transform plugin is readable");
    let config = EngineConfig::new(&dir);
    let store = store::SqliteStore::open(dir.join("stepwasm.db")).expect("the store opens");
    let engine = Engine::with_store(config, Arc::new(store)).await.expect("the engine opens");
    engine.put_function("transform", wasm, sandbox::Grants::default()).await.expect("upload");
    let sm = engine.arns().state_machine("crash");
    engine
        .store()
        .create_state_machine(StateMachineRecord::new(
            sm.clone(),
            "crash".into(),
            MachineKind::Standard,
            workflow(),
            "arn:aws:iam::123456789012:role/crash".into(),
            0,
        ))
        .expect("the state machine is created");
    let mut starts = Vec::new();
    for i in 0..n {
        let engine = engine.clone();
        let sm = sm.clone();
        starts.push(tokio::spawn(async move {
            let input = json!({"id": i, "items": [format!("a{i}"), format!("b{i}"), format!("c{i}")]});
            engine
                .start_execution(StartRequest {
                    state_machine_arn: sm,
                    name: Some(format!("c-{i}")),
                    input: Some(input.to_string()),
                    trace_header: None,
                })
                .await
                .expect("start")
        }));
    }
    for s in starts {
        s.await.expect("the start task ran");
    }
    println!("started {n}");
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

include!("../src/tests/crash_workflow.rs");
