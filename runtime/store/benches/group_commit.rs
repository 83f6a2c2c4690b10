//! Group-commit throughput: executions of 25 history events each, written as commits of 1
//! event (the worst case) or 5 events (closer to a Task step: scheduled, started, succeeded,
//! exited, entered), each commit also carrying a journal entry and the last one the final status.
//! Submitted from 1 thread and from 64 threads, each waiting for its commit to be durable.
//!
//! `cargo bench -p store [-- FILTER]` prints the median of 5 runs per case whose label contains
//! FILTER. `STORE_BENCH_RUNS` and `STORE_BENCH_SCALE` (a multiplier on the execution counts)
//! adjust it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use store::{
    Commit, Durability, ExecutionRecord, ExecutionStatus, JournalEntry, MachineKind, SqliteConfig, SqliteStore,
    StatusUpdate, Store, StoredEvent,
};

const EVENTS: u64 = 25;

fn record(name: &str) -> ExecutionRecord {
    ExecutionRecord {
        arn: format!("arn:aws:states:us-east-1:123456789012:execution:bench:{name}"),
        name: name.to_string(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:bench".to_string(),
        state_machine_version_arn: None,
        state_machine_alias_arn: None,
        definition: r#"{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"wasm:a","End":true}}}"#.to_string(),
        kind: MachineKind::Standard,
        status: ExecutionStatus::Running,
        input: r#"{"order":{"id":"o-1","items":[1,2,3]}}"#.to_string(),
        output: None,
        error: None,
        cause: None,
        start_ms: 0,
        stop_ms: None,
        redrive_count: 0,
        redrive_ms: None,
        trace_header: None,
        map_run_arn: None,
        map_items: None,
    }
}

fn event(id: u64) -> StoredEvent {
    StoredEvent {
        id,
        timestamp_ms: id as i64,
        event_type: "TaskSucceeded".to_string(),
        json: format!(
            r#"{{"id":{id},"previousEventId":{},"timestamp":1700000000.{id:03},"type":"TaskSucceeded","taskSucceededEventDetails":{{"resourceType":"lambda","resource":"invoke","output":"{{\"ok\":true,\"step\":{id}}}"}}}}"#,
            id - 1
        ),
    }
}

/// The `seq`th commit, holding events `first..=last` (journal entries are numbered 1, 2, …
/// whatever the number of events per commit).
fn step(arn: &str, seq: u64, first: u64, last: u64) -> Commit {
    let mut commit = Commit::new(arn);
    commit.events.extend((first..=last).map(event));
    commit.journal.push(JournalEntry { seq, input: format!(r#"{{"task":{first},"ok":true}}"#), now_ms: 0, entropy: first });
    if last == EVENTS {
        commit.status = Some(StatusUpdate {
            status: ExecutionStatus::Succeeded,
            stop_ms: Some(last as i64),
            output: Some(r#"{"ok":true}"#.to_string()),
            error: None,
            cause: None,
            redrive_count: 0,
            redrive_ms: None,
        });
    }
    commit
}

struct Case {
    label: &'static str,
    durability: Durability,
    checkpoint_interval: Option<Duration>,
    threads: usize,
    events_per_commit: u64,
    executions: f64,
}

/// Runs the case once; returns (elapsed, sorted commit latencies).
fn run(store: &Arc<SqliteStore>, tag: &str, case: &Case, executions: usize) -> (Duration, Vec<Duration>) {
    let start = Instant::now();
    let per = case.events_per_commit;
    let handles: Vec<_> = (0..case.threads)
        .map(|t| {
            let (store, tag, threads) = (store.clone(), tag.to_string(), case.threads);
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                for i in (t..executions).step_by(threads) {
                    let rec = record(&format!("{tag}-{i}"));
                    for (seq, first) in (1..=EVENTS).step_by(per as usize).enumerate() {
                        let commit = step(&rec.arn, seq as u64 + 1, first, (first + per - 1).min(EVENTS));
                        let began = Instant::now();
                        if first == 1 {
                            store.create_execution(&rec, commit).expect("create");
                        } else {
                            store.commit_blocking(commit).expect("commit");
                        }
                        latencies.push(began.elapsed());
                    }
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    let elapsed = start.elapsed();
    latencies.sort();
    (elapsed, latencies)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with("--")).unwrap_or_default();
    let runs: usize = std::env::var("STORE_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let scale: f64 = std::env::var("STORE_BENCH_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(1.0);
    let bg = Some(Duration::from_millis(50));
    let (normal, full) = (Durability::Process, Durability::PowerLoss);
    #[rustfmt::skip]
    let cases = [
        Case { label: "NORMAL 1 thread, 1 ev/commit", durability: normal, checkpoint_interval: bg, threads: 1, events_per_commit: 1, executions: 400.0 },
        Case { label: "NORMAL 64 threads, 1 ev/commit", durability: normal, checkpoint_interval: bg, threads: 64, events_per_commit: 1, executions: 640.0 },
        Case { label: "NORMAL 1 thread, 5 ev/commit", durability: normal, checkpoint_interval: bg, threads: 1, events_per_commit: 5, executions: 1000.0 },
        Case { label: "NORMAL 64 threads, 5 ev/commit", durability: normal, checkpoint_interval: bg, threads: 64, events_per_commit: 5, executions: 2560.0 },
        // SQLite checkpointing inside the writer's commits instead of on its own thread.
        Case { label: "NORMAL inline-ckpt 64 threads, 1 ev", durability: normal, checkpoint_interval: None, threads: 64, events_per_commit: 1, executions: 640.0 },
        Case { label: "FULL 1 thread, 1 ev/commit", durability: full, checkpoint_interval: bg, threads: 1, events_per_commit: 1, executions: 64.0 },
        Case { label: "FULL 64 threads, 1 ev/commit", durability: full, checkpoint_interval: bg, threads: 64, events_per_commit: 1, executions: 256.0 },
    ];
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average before: {}", loadavg.trim());
    println!(
        "{:<38} {:>6} {:>10} {:>10} {:>8} {:>8} {:>6}",
        "case", "execs", "commits/s", "events/s", "p50 ms", "p99 ms", "group"
    );
    for case in cases.iter().filter(|c| c.label.contains(&filter)) {
        let executions = ((case.executions * scale) as usize).max(case.threads);
        let commits_per_exec = EVENTS.div_ceil(case.events_per_commit);
        let (mut rates, mut p50s, mut p99s, mut groups) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in 0..runs {
            let dir = tempfile::tempdir().expect("temp dir");
            let mut config = SqliteConfig::new(dir.path().join("bench.db"));
            config.durability = case.durability;
            config.checkpoint_interval = case.checkpoint_interval;
            let store = Arc::new(SqliteStore::open_with(config).expect("open"));
            let before = store.writer_stats();
            let (elapsed, lat) = run(&store, &format!("r{r}"), case, executions);
            let after = store.writer_stats();
            rates.push((executions as u64 * commits_per_exec) as f64 / elapsed.as_secs_f64());
            p50s.push(lat[lat.len() / 2].as_secs_f64() * 1e3);
            p99s.push(lat[lat.len() * 99 / 100].as_secs_f64() * 1e3);
            groups.push((after.jobs - before.jobs) as f64 / (after.transactions - before.transactions) as f64);
        }
        let commits = median(rates);
        let events = commits * EVENTS as f64 / commits_per_exec as f64;
        println!(
            "{:<38} {executions:>6} {commits:>10.0} {events:>10.0} {:>8.3} {:>8.3} {:>6.1}",
            case.label,
            median(p50s),
            median(p99s),
            median(groups)
        );
    }
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average after: {}", loadavg.trim());
    println!("25 events per execution; group = commits per transaction; every commit waits until durable");
}
