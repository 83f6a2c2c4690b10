//! What the engine tests share: opening an engine in a directory, uploading plugins,
//! creating state machines, waiting for executions and checking histories.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use store::{ExecutionRecord, ExecutionStatus, HistoryQuery, MachineKind, StateMachineRecord};

use crate::{Engine, EngineConfig};

/// `plugins/dist/NAME.wasm`; fails the test with the command to run when it is missing.
pub fn plugin(name: &str) -> Vec<u8> {
    let path = repo().join("plugins/dist").join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!("{} is missing ({e}): run plugins/build.sh before the engine tests", path.display())
    })
}

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file of the repository, as text.
pub fn repo_file(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Opens an engine whose database and module cache live in `dir`.
pub async fn open(dir: &Path) -> Engine {
    open_observed(dir, None).await
}

/// [`open`] with an observer.
pub async fn open_observed(dir: &Path, observer: Option<Arc<dyn crate::Observer>>) -> Engine {
    open_with_store(dir, observer).await.0
}

/// [`open_observed`], also answering the store (for its writer's counters).
pub async fn open_with_store(dir: &Path, observer: Option<Arc<dyn crate::Observer>>) -> (Engine, Arc<store::SqliteStore>) {
    let mut config = EngineConfig::new(dir);
    config.observer = observer;
    config.sandbox.max_instances = 64;
    config.sandbox.max_memory_bytes = 256 << 20;
    let store = Arc::new(store::SqliteStore::open(dir.join("stepwasm.db")).expect("the store opens"));
    let engine = Engine::with_store(config, store.clone()).await.expect("the engine opens");
    (engine, store)
}

/// A WASI command that spins until its call's timeout traps it.
pub const SPIN_WAT: &str = r#"(module (memory (export "memory") 1) (func (export "_start") (loop (br 0))))"#;

/// Uploads the named plugins under their own names.
pub async fn upload(engine: &Engine, names: &[&str]) {
    for name in names {
        let mut grants = sandbox::Grants::default();
        grants.limits.memory_bytes = 64 << 20;
        engine.put_function(name, plugin(name), grants).await.unwrap_or_else(|e| panic!("uploading {name}: {e}"));
    }
}

/// The four tasks of the order example.
pub const ORDER_TASKS: [&str; 4] = ["validate-order", "check-inventory", "process-payment", "confirm-order"];

/// Uploads the order example's tasks and creates its state machine as `name`; returns its ARN.
pub async fn order_machine(engine: &Engine, name: &str, kind: MachineKind) -> String {
    upload(engine, &ORDER_TASKS).await;
    machine(engine, name, &repo_file("examples/order-processing/statemachine.asl.json"), kind)
}

/// Creates a state machine and returns its ARN.
pub fn machine(engine: &Engine, name: &str, definition: &str, kind: MachineKind) -> String {
    let arn = engine.arns().state_machine(name);
    engine
        .store()
        .create_state_machine(StateMachineRecord::new(arn.clone(), name.into(), kind, definition.into(), "arn:aws:iam::123456789012:role/test".into(), 0))
        .expect("the state machine is created");
    arn
}

/// Waits until the execution is no longer RUNNING.
pub async fn finished(engine: &Engine, arn: &str, within: Duration) -> ExecutionRecord {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let rec = engine.describe_execution(arn).expect("the execution exists");
        if rec.status != ExecutionStatus::Running {
            return rec;
        }
        assert!(tokio::time::Instant::now() < deadline, "{arn} still RUNNING after {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The whole history, in order.
pub fn history(engine: &Engine, arn: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = engine
            .history(arn, &HistoryQuery { reverse: false, max: 1000, next_token: token.take() })
            .expect("the history reads");
        out.extend(page.items);
        match page.next_token {
            Some(t) => token = Some(t),
            None => return out,
        }
    }
}

/// The event types of a history.
pub fn types(history: &[Value]) -> Vec<String> {
    history.iter().map(|e| e["type"].as_str().unwrap_or_default().to_string()).collect()
}

/// Event ids are 1..=n without gaps or repeats, and every previous id points back.
pub fn assert_gap_free(arn: &str, history: &[Value]) {
    for (i, e) in history.iter().enumerate() {
        assert_eq!(e["id"].as_u64(), Some(i as u64 + 1), "{arn}: event {i} is {e}");
        let prev = e["previousEventId"].as_u64().unwrap_or(u64::MAX);
        assert!(prev <= i as u64, "{arn}: event {} points forward to {prev}", i + 1);
    }
}

/// Parses JSON text.
pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
