//! The engine's benchmarks, against SQLite in a temporary directory and the real plugins
//! (`plugins/build.sh` first):
//!
//! - `standard`: Standard executions of the four-task order example with the full history
//!   persisted, 64 in flight, then 4: executions/s, and the latency from StartExecution to the
//!   durable end (p50, p99); then an open loop, executions started at a fixed rate (2,000/s, or
//!   `STANDARD_RATE`) for 10 s, latency counted from when each was due; then one at a time.
//! - `express`: synchronous Express runs of a four-Pass machine in process, 8 in flight: runs/s
//!   and latency.
//! - `orders`: synchronous Express runs of the order example (four Wasm tasks) in process, what
//!   an HTTP-triggered run costs without HTTP: one at a time, then 8 in flight; runs/s, latency
//!   and CPU per run. `ORDERS_RUNS=N` sets how many and `ORDERS_IN_FLIGHT=1` measures only
//!   one at a time (with a small pool of Wasm instances, which valgrind can map: under callgrind
//!   the instructions per run are a figure the machine's noise does not move).
//! - `waiting`: 10,000 Standard executions parked (half in a one-hour Wait, half in an activity
//!   task waiting for a worker): the process's resident memory.
//! - `distributed`: a Standard execution whose Distributed Map runs 10,000 items (each a child
//!   execution of a Pass state, its row and history persisted), with no MaxConcurrency and with
//!   100: items/s from StartExecution to the durable end.
//! - `nested`: a Standard parent whose Task starts a child (a Pass state) with
//!   `states:startExecution.sync:2` and waits for it, with a Standard child and with an Express
//!   one, beside the Standard child started alone; one at a time, latency to the durable end.
//!
//! Run: `cargo bench -p engine --bench engine [-- standard|express|orders|waiting|distributed|nested] [--quick]`
//! (`STANDARD_IN_FLIGHT=N` for another number of Standard executions in flight).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engine::{Engine, EngineConfig, Observer, StartRequest};
use store::{MachineKind, SqliteStore, StateMachineRecord};
use tokio::sync::oneshot;

/// The allocator of the stepwasm binary.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Wakes whoever waits for an execution's durable end.
#[derive(Default)]
struct Ends {
    waiting: Mutex<HashMap<String, oneshot::Sender<String>>>,
}

impl Observer for Ends {
    fn execution_finished(&self, _sm: &str, execution_arn: &str, _express: bool, status: &str) {
        if let Some(tx) = self.waiting.lock().unwrap().remove(execution_arn) {
            let _ = tx.send(status.to_string());
        }
    }
}

/// The engine, and its store (for the writer's counters).
async fn open(dir: &Path, ends: Option<Arc<Ends>>) -> (Engine, Arc<SqliteStore>) {
    open_with(dir, ends, 256).await
}

/// [`open`] with room for `max_instances` Wasm calls at once (a small pool also lets the bench
/// run under valgrind, which cannot map a large one).
async fn open_with(dir: &Path, ends: Option<Arc<Ends>>, max_instances: u32) -> (Engine, Arc<SqliteStore>) {
    let mut config = EngineConfig::new(dir);
    config.sandbox.max_instances = max_instances;
    // Compiled plugins are kept between bench runs, so a run measures calls, not Cranelift.
    config.sandbox.cache_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("engine-bench-cache");
    config.observer = ends.map(|e| e as Arc<dyn Observer>);
    let store = Arc::new(SqliteStore::open(dir.join("stepwasm.db")).expect("the store opens"));
    let engine = Engine::with_store(config, store.clone()).await.expect("the engine opens");
    (engine, store)
}

fn create(engine: &Engine, name: &str, definition: &str, kind: MachineKind) -> String {
    let arn = engine.arns().state_machine(name);
    engine
        .store()
        .create_state_machine(StateMachineRecord::new(arn.clone(), name.into(), kind, definition.into(), "arn:aws:iam::123456789012:role/bench".into(), 0))
        .expect("the machine is created");
    arn
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// CPU time used by the whole process so far (user + system, every thread), from
/// `/proc/self/stat`: on a shared machine this moves less than wall-clock rates do.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let field = |i: usize| rest.split_whitespace().nth(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
    let ticks = field(11) + field(12);
    // The kernel reports these in USER_HZ, 100 per second on Linux.
    Duration::from_millis(ticks * 10)
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

async fn standard(quick: bool) {
    let dir = tempfile::tempdir().unwrap();
    let ends = Arc::new(Ends::default());
    let (engine, store) = open(dir.path(), Some(ends.clone())).await;
    for name in ["validate-order", "check-inventory", "process-payment", "confirm-order"] {
        let wasm = std::fs::read(repo().join(format!("plugins/dist/{name}.wasm"))).expect("run plugins/build.sh first");
        engine.put_function(name, wasm, sandbox::Grants::default()).await.unwrap();
    }
    let sm = create(&engine, "orders", &read("examples/order-processing/statemachine.asl.json"), MachineKind::Standard);
    let input = read("examples/order-processing/input.json");
    let total = if quick { 1_000 } else { 10_000 };
    // `STANDARD_IN_FLIGHT=N` trades throughput for latency (Little's law: latency ≈ in flight / rate).
    let in_flight: usize = std::env::var("STANDARD_IN_FLIGHT").ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(64);
    let run = |range: std::ops::Range<usize>| {
        let (engine, ends, sm, input) = (engine.clone(), ends.clone(), sm.clone(), input.clone());
        tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(range.len());
            for i in range {
                let name = format!("e{i}");
                let arn = engine.arns().execution("orders", &name);
                let (tx, rx) = oneshot::channel();
                ends.waiting.lock().unwrap().insert(arn, tx);
                let t0 = Instant::now();
                let req = StartRequest { state_machine_arn: sm.clone(), name: Some(name), input: Some(input.clone()), trace_header: None };
                engine.start_execution(req).await.expect("started");
                let status = rx.await.expect("the end is reported");
                assert_eq!(status, "SUCCEEDED");
                latencies.push(t0.elapsed());
            }
            latencies
        })
    };
    // Warm up (first calls map code pages, the store's caches fill).
    for l in futures_join((0..in_flight).map(|k| run(1_000_000 + k * 10..1_000_000 + k * 10 + 5))).await {
        drop(l);
    }
    // Closed loops: `in_flight` clients, each starting its next execution when the last ended;
    // then 4 clients, where throughput and latency are both near their best at once.
    for (round, clients) in [(0, in_flight), (1, 4)] {
        let per = total / clients;
        let first = 100_000 * round;
        let cpu_before = cpu_time();
        let writes_before = store.writer_stats();
        let started = Instant::now();
        let mut all: Vec<Duration> = Vec::with_capacity(total);
        for l in futures_join((0..clients).map(|k| run(first + k * per..first + (k + 1) * per))).await {
            all.extend(l);
        }
        let elapsed = started.elapsed();
        let cpu = cpu_time().saturating_sub(cpu_before);
        let writes = store.writer_stats();
        all.sort();
        let n = all.len();
        let per_execution = |after: u64, before: u64| after.saturating_sub(before) as f64 / n.max(1) as f64;
        println!(
            "standard: {n} executions of the 4-task order example (22 history events each, persisted), {clients} in flight: {:.0} executions/s; latency p50 {:.2} ms, p99 {:.2} ms; CPU {:.0} µs per execution; {:.1} commits in {:.2} transactions per execution",
            n as f64 / elapsed.as_secs_f64(),
            percentile(&all, 0.5).as_secs_f64() * 1e3,
            percentile(&all, 0.99).as_secs_f64() * 1e3,
            cpu.as_secs_f64() * 1e6 / n.max(1) as f64,
            per_execution(writes.jobs, writes_before.jobs),
            per_execution(writes.transactions, writes_before.transactions),
        );
    }
    // Open loop: executions started at a fixed rate whatever the engine does, each one's latency
    // counted from the moment it was due to start (so a stall is not hidden by starting less).
    let rate: f64 = std::env::var("STANDARD_RATE").ok().and_then(|v| v.parse().ok()).filter(|r| *r > 0.0).unwrap_or(2_000.0);
    let count = if quick { 2_000 } else { (rate * 10.0) as usize };
    let t0 = tokio::time::Instant::now() + Duration::from_millis(10);
    let mut handles = Vec::with_capacity(count);
    let due = |i: usize| t0 + Duration::from_secs_f64(i as f64 / rate);
    for i in 0..count {
        let due = due(i);
        // Tokio's timer ticks in whole milliseconds: sleep only when the next start is not yet
        // due, then start every one that is (a sleep per start would cap the rate at 1,000/s).
        if due > tokio::time::Instant::now() {
            tokio::time::sleep_until(due).await;
        }
        let (engine, ends, sm, input) = (engine.clone(), ends.clone(), sm.clone(), input.clone());
        handles.push(tokio::spawn(async move {
            let name = format!("r{i}");
            let arn = engine.arns().execution("orders", &name);
            let (tx, rx) = oneshot::channel();
            ends.waiting.lock().unwrap().insert(arn, tx);
            let req = StartRequest { state_machine_arn: sm, name: Some(name), input: Some(input), trace_header: None };
            engine.start_execution(req).await.expect("started");
            assert_eq!(rx.await.expect("the end is reported"), "SUCCEEDED");
            due.elapsed()
        }));
    }
    let mut open: Vec<Duration> = futures_join(handles.into_iter()).await;
    let elapsed = t0.elapsed();
    open.sort();
    println!(
        "standard: open loop, {count} executions started at {rate:.0}/s: finished at {:.0}/s; latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms",
        count as f64 / elapsed.as_secs_f64(),
        percentile(&open, 0.5).as_secs_f64() * 1e3,
        percentile(&open, 0.9).as_secs_f64() * 1e3,
        percentile(&open, 0.99).as_secs_f64() * 1e3,
    );
    // One at a time: the latency of a lone execution.
    let mut lone = Vec::new();
    for l in futures_join(std::iter::once(run(2_000_000..2_000_000 + if quick { 100 } else { 500 }))).await {
        lone.extend(l);
    }
    lone.sort();
    println!(
        "standard: one at a time: latency p50 {:.2} ms, p99 {:.2} ms",
        percentile(&lone, 0.5).as_secs_f64() * 1e3,
        percentile(&lone, 0.99).as_secs_f64() * 1e3
    );
}

async fn futures_join<T: Send + 'static>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.expect("a bench task panicked"));
    }
    out
}

const FOUR_PASSES: &str = r#"{"StartAt":"A","States":{
  "A":{"Type":"Pass","Parameters":{"n.$":"$.n","step":"a"},"ResultPath":"$.a","Next":"B"},
  "B":{"Type":"Pass","Parameters":{"n.$":"$.n","step":"b"},"ResultPath":"$.b","Next":"C"},
  "C":{"Type":"Pass","Parameters":{"n.$":"$.n","step":"c"},"ResultPath":"$.c","Next":"D"},
  "D":{"Type":"Pass","Parameters":{"n.$":"$.n","step":"d"},"ResultPath":"$.d","End":true}}}"#;

async fn express(quick: bool) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = EngineConfig::new(dir.path());
    config.sandbox.max_instances = 16;
    let engine = Engine::open(config).await.unwrap();
    let sm = create(&engine, "passes", FOUR_PASSES, MachineKind::Express);
    let total: usize = if quick { 20_000 } else { 200_000 };
    let in_flight = 8;
    let run = |count: usize| {
        let (engine, sm) = (engine.clone(), sm.clone());
        tokio::spawn(async move {
            let mut lat = Vec::with_capacity(count);
            for i in 0..count {
                let t0 = Instant::now();
                let req = StartRequest { state_machine_arn: sm.clone(), name: None, input: Some(format!("{{\"n\":{i}}}")), trace_header: None };
                let out = engine.start_sync_execution(req).await.expect("ran");
                assert_eq!(out.status, "SUCCEEDED");
                lat.push(t0.elapsed());
            }
            lat
        })
    };
    futures_join((0..in_flight).map(|_| run(500))).await;
    let started = Instant::now();
    let mut all = Vec::with_capacity(total);
    for l in futures_join((0..in_flight).map(|_| run(total / in_flight))).await {
        all.extend(l);
    }
    let elapsed = started.elapsed();
    all.sort();
    println!(
        "express: {} synchronous runs of a 4-Pass machine in process, {in_flight} in flight: {:.0} runs/s; latency p50 {:.1} µs, p99 {:.1} µs",
        all.len(),
        all.len() as f64 / elapsed.as_secs_f64(),
        percentile(&all, 0.5).as_secs_f64() * 1e6,
        percentile(&all, 0.99).as_secs_f64() * 1e6,
    );
}

async fn orders(quick: bool) {
    let dir = tempfile::tempdir().unwrap();
    let levels: Vec<usize> = match std::env::var("ORDERS_IN_FLIGHT").ok().and_then(|v| v.parse().ok()) {
        Some(n) if n > 0 => vec![n],
        _ => vec![1, 8],
    };
    let most = *levels.iter().max().unwrap_or(&1) as u32;
    let (engine, _) = open_with(dir.path(), None, most * 2).await;
    for name in ["validate-order", "check-inventory", "process-payment", "confirm-order"] {
        let wasm = std::fs::read(repo().join(format!("plugins/dist/{name}.wasm"))).expect("run plugins/build.sh first");
        engine.put_function(name, wasm, sandbox::Grants::default()).await.unwrap();
    }
    let sm = create(&engine, "orders-sync", &read("examples/order-processing/statemachine.asl.json"), MachineKind::Express);
    let input = read("examples/order-processing/input.json");
    let expected: serde_json::Value = serde_json::from_str(&read("examples/order-processing/expected-output.json")).unwrap();
    let total: usize = std::env::var("ORDERS_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(if quick { 4_000 } else { 40_000 });
    let run = |count: usize| {
        let (engine, sm, input) = (engine.clone(), sm.clone(), input.clone());
        tokio::spawn(async move {
            let mut lat = Vec::with_capacity(count);
            for _ in 0..count {
                let t0 = Instant::now();
                let req = StartRequest { state_machine_arn: sm.clone(), name: None, input: Some(input.clone()), trace_header: None };
                let out = engine.start_sync_execution(req).await.expect("ran");
                lat.push(t0.elapsed());
                assert_eq!(out.status, "SUCCEEDED", "{:?}", out.cause);
            }
            lat
        })
    };
    // Warm up, and check the answer once.
    run(1).await.unwrap();
    let req = StartRequest { state_machine_arn: sm.clone(), name: None, input: Some(input.clone()), trace_header: None };
    let out = engine.start_sync_execution(req).await.unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(out.output.as_deref().unwrap()).unwrap(), expected);
    futures_join((0..most).map(|_| run((total / 100).max(1)))).await;
    for in_flight in levels {
        let cpu_before = cpu_time();
        let started = Instant::now();
        let mut all = Vec::with_capacity(total);
        for l in futures_join((0..in_flight).map(|_| run(total / in_flight))).await {
            all.extend(l);
        }
        let elapsed = started.elapsed();
        let cpu = cpu_time().saturating_sub(cpu_before);
        all.sort();
        println!(
            "orders: {} synchronous Express runs of the order example (4 Wasm tasks) in process, {in_flight} in flight: {:.0} runs/s; latency p50 {:.1} µs, p99 {:.1} µs; CPU {:.0} µs per run",
            all.len(),
            all.len() as f64 / elapsed.as_secs_f64(),
            percentile(&all, 0.5).as_secs_f64() * 1e6,
            percentile(&all, 0.99).as_secs_f64() * 1e6,
            cpu.as_secs_f64() * 1e6 / all.len().max(1) as f64,
        );
    }
}

async fn waiting(quick: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = open(dir.path(), None).await;
    let activity = engine.arns().activity("approve");
    engine
        .store()
        .create_activity(store::ActivityRecord { arn: activity.clone(), name: "approve".into(), created_ms: 0 })
        .unwrap();
    let wait = r#"{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}"#;
    let callback = format!(r#"{{"StartAt":"A","States":{{"A":{{"Type":"Task","Resource":"{activity}","HeartbeatSeconds":3600,"End":true}}}}}}"#);
    let sm_wait = create(&engine, "waits", wait, MachineKind::Standard);
    let sm_cb = create(&engine, "callbacks", &callback, MachineKind::Standard);
    let total: usize = if quick { 2_000 } else { 10_000 };
    let before = rss_mib();
    let input = r#"{"order":{"id":"ord-0000001234","items":[{"sku":"A-1","qty":2},{"sku":"B-22","qty":1}],"total":123.45}}"#;
    let started = Instant::now();
    let tasks: Vec<_> = (0..8)
        .map(|k| {
            let (engine, a, b) = (engine.clone(), sm_wait.clone(), sm_cb.clone());
            tokio::spawn(async move {
                for i in (k..total).step_by(8) {
                    let sm = if i % 2 == 0 { a.clone() } else { b.clone() };
                    let req = StartRequest { state_machine_arn: sm, name: Some(format!("p{i}")), input: Some(input.into()), trace_header: None };
                    engine.start_execution(req).await.expect("started");
                }
            })
        })
        .collect();
    futures_join(tasks.into_iter()).await;
    let start_secs = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let running = engine.running_count();
    let after = rss_mib();
    println!(
        "waiting: {running} Standard executions parked ({} in a Wait, {} in an activity task), started in {start_secs:.1} s: RSS {after:.0} MiB (engine alone before: {before:.0} MiB; {:.1} KiB per execution)",
        total / 2,
        total - total / 2,
        (after - before) * 1024.0 / running.max(1) as f64,
    );
    assert_eq!(running, total, "every execution is still waiting");
}

async fn distributed(quick: bool) {
    let dir = tempfile::tempdir().unwrap();
    let ends = Arc::new(Ends::default());
    let (engine, _) = open(dir.path(), Some(ends.clone())).await;
    let items: usize = if quick { 2_000 } else { 10_000 };
    let input = serde_json::to_string(&(0..items).collect::<Vec<_>>()).unwrap();
    for max in [0, 100] {
        let def = format!(
            r#"{{"StartAt":"M","States":{{"M":{{"Type":"Map","MaxConcurrency":{max},"End":true,"ItemProcessor":{{
                "ProcessorConfig":{{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"}},"StartAt":"P",
                "States":{{"P":{{"Type":"Pass","Parameters":{{"n.$":"$"}},"End":true}}}}}}}}}}}}"#
        );
        let name = format!("fan-out-{max}");
        let sm = create(&engine, &name, &def, MachineKind::Standard);
        let arn = engine.arns().execution(&name, "run");
        let (tx, rx) = oneshot::channel();
        ends.waiting.lock().unwrap().insert(arn.clone(), tx);
        let started = Instant::now();
        let req = StartRequest { state_machine_arn: sm, name: Some("run".into()), input: Some(input.clone()), trace_header: None };
        engine.start_execution(req).await.expect("started");
        let status = rx.await.expect("the execution ends");
        let secs = started.elapsed().as_secs_f64();
        assert_eq!(status, "SUCCEEDED");
        println!(
            "distributed: {items} items, each a child execution (a Pass state, persisted), MaxConcurrency {max}: {:.0} items/s ({secs:.2} s)",
            items as f64 / secs
        );
    }
}

/// A Standard parent whose one Task starts a child (a Pass state) with `.sync:2` and waits for
/// it, one at a time, beside the child started alone: what nesting costs.
async fn nested(quick: bool) {
    let dir = tempfile::tempdir().unwrap();
    let ends = Arc::new(Ends::default());
    let (engine, _) = open(dir.path(), Some(ends.clone())).await;
    let runs: usize = if quick { 100 } else { 1_000 };
    let child = r#"{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"n.$":"$.n"},"End":true}}}"#;
    let standard_child = create(&engine, "child", child, MachineKind::Standard);
    let express_child = create(&engine, "quick-child", child, MachineKind::Express);
    let parent = |child: &str| {
        format!(
            r#"{{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
                "Parameters":{{"StateMachineArn":"{child}","Input":{{"n.$":"$.n"}}}},"End":true}}}}}}"#
        )
    };
    let cases = [
        ("a Standard child alone", standard_child.clone()),
        ("a parent waiting for a Standard child", create(&engine, "parent", &parent(&standard_child), MachineKind::Standard)),
        ("a parent waiting for an Express child", create(&engine, "parent-x", &parent(&express_child), MachineKind::Standard)),
    ];
    for (what, sm) in cases {
        let name_of = |i: usize| format!("r{i}");
        let machine = sm.rsplit(':').next().unwrap_or_default().to_string();
        let mut latencies = Vec::with_capacity(runs);
        for i in 0..runs + 20 {
            let arn = engine.arns().execution(&machine, &name_of(i));
            let (tx, rx) = oneshot::channel();
            ends.waiting.lock().unwrap().insert(arn, tx);
            let t0 = Instant::now();
            let req = StartRequest { state_machine_arn: sm.clone(), name: Some(name_of(i)), input: Some(format!(r#"{{"n":{i}}}"#)), trace_header: None };
            engine.start_execution(req).await.expect("started");
            assert_eq!(rx.await.expect("the end is reported"), "SUCCEEDED");
            // The first runs warm up.
            if i >= 20 {
                latencies.push(t0.elapsed());
            }
        }
        latencies.sort();
        println!(
            "nested: {what}, one at a time: p50 {:.2} ms, p99 {:.2} ms ({runs} runs)",
            percentile(&latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let names = ["standard", "express", "orders", "waiting", "distributed", "nested"];
    let chosen: Vec<&str> = args.iter().map(String::as_str).filter(|a| names.contains(a)).collect();
    let all = chosen.is_empty();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        if all || chosen.contains(&"express") {
            express(quick).await;
        }
        if all || chosen.contains(&"orders") {
            orders(quick).await;
        }
        if all || chosen.contains(&"standard") {
            standard(quick).await;
        }
        if all || chosen.contains(&"waiting") {
            waiting(quick).await;
        }
        if all || chosen.contains(&"distributed") {
            distributed(quick).await;
        }
        if all || chosen.contains(&"nested") {
            nested(quick).await;
        }
    });
}
