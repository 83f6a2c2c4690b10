//! State transitions per second on one core, for the workloads the project tracks:
//! a 4-Pass chain with Parameters/ResultPath, a 100-item inline Map, and a 4-state JSONata
//! machine with Arguments/Output/Assign. Prints the median of several timed batches, by the wall
//! clock and (on Linux) by the time the thread actually spent on a CPU, which is the figure that
//! stays meaningful on a machine shared with other work.
//!
//! Run: `cargo bench -p asl --bench transitions [-- FILTER...]`

use std::time::Instant;

/// The allocator of the stepwasm binary (see `runtime/server/src/main.rs`).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use asl::exec::{Execution, Input, Status};
use asl::simulate::local_info;
use serde_json::{json, Value};

fn machine(def: Value) -> asl::model::Machine {
    asl::parse(&def, &asl::ValidateOptions::default()).expect("benchmark definitions are valid")
}

/// Run one execution to the end (no tasks, no timers) and return how many states it entered.
fn run_once(m: &asl::model::Machine, input: &Value, i: u64) -> u64 {
    let mut ex = Execution::new(local_info("bench", "run", input.clone(), 0));
    let step = ex.step(m, Input::Start, 0, i);
    assert!(matches!(ex.status(), Status::Succeeded(_)), "benchmark run did not succeed: {:?}", ex.status());
    step.events.iter().filter(|e| e.event_type.ends_with("StateEntered")).count() as u64
}

fn bench(name: &str, m: &asl::model::Machine, input: Value, runs_per_batch: u64) {
    // `cargo bench -p asl --bench transitions -- map` runs only the workloads whose name
    // contains "map" (case-insensitive); cargo's own `--bench` flag is ignored.
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).map(|a| a.to_lowercase()).collect();
    if !filters.is_empty() && !filters.iter().any(|f| name.to_lowercase().contains(f.as_str())) {
        return;
    }
    // `TRANSITIONS_SCALE=N` runs N times fewer executions per batch (for profilers such as
    // valgrind, whose instruction counts do not depend on the machine's load).
    let scale = std::env::var("TRANSITIONS_SCALE").ok().and_then(|s| s.parse::<u64>().ok()).unwrap_or(1).max(1);
    let runs_per_batch = (runs_per_batch / scale).max(1);
    let transitions_per_run = run_once(m, &input, 0);
    let mut rates = Vec::new();
    let mut cpu_rates = Vec::new();
    for batch in 0..9 {
        let start = Instant::now();
        let cpu_start = thread_cpu_ns();
        for i in 0..runs_per_batch {
            std::hint::black_box(run_once(m, &input, batch * runs_per_batch + i));
        }
        let secs = start.elapsed().as_secs_f64();
        let transitions = (runs_per_batch * transitions_per_run) as f64;
        rates.push(transitions / secs);
        if let (Some(a), Some(b)) = (cpu_start, thread_cpu_ns()) {
            cpu_rates.push(transitions / ((b.saturating_sub(a)).max(1) as f64 / 1e9));
        }
    }
    let median = median_of(&mut rates);
    print!(
        "{name:<40} {transitions_per_run:>4} transitions/run   median {:>10.0} transitions/s   ({:.2} µs/run)",
        median,
        1e6 * transitions_per_run as f64 / median
    );
    if cpu_rates.len() == rates.len() {
        print!("   on-CPU {:>10.0} transitions/s", median_of(&mut cpu_rates));
    }
    println!();
}

fn median_of(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Nanoseconds this thread has spent on a CPU (Linux `schedstat`), so that a loaded machine's
/// waiting for a core does not count; `None` where the kernel does not provide it.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn main() {
    let pass_chain = machine(json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Parameters": {"order.$": "$.order", "step": 1}, "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Pass", "Parameters": {"id.$": "$.order.id", "step": 2}, "ResultPath": "$.b", "Next": "C"},
        "C": {"Type": "Pass", "Parameters": {"total.$": "$.order.total", "step": 3}, "ResultPath": "$.c", "Next": "D"},
        "D": {"Type": "Pass", "Parameters": {"a.$": "$.a.step", "b.$": "$.b.id", "c.$": "$.c.total"}, "ResultPath": "$.summary", "End": true}
    }}));
    let order = json!({"order": {"id": "o-1", "total": 42.5, "items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}]}});
    bench("4-Pass chain (Parameters/ResultPath)", &pass_chain, order.clone(), 20_000);

    let map = machine(json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "End": true,
        "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"v.$": "$.value"}, "End": true}}}}}}));
    let items: Vec<Value> = (0..100).map(|i| json!(i)).collect();
    bench("100-item inline Map", &map, json!({"items": items}), 500);

    let jsonata = machine(json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {
        "A": {"Type": "Pass", "Assign": {"total": "{% $states.input.order.total %}"}, "Output": "{% $states.input.order %}", "Next": "B"},
        "B": {"Type": "Pass", "Output": {"id": "{% $states.input.id %}", "double": "{% $total * 2 %}"}, "Next": "C"},
        "C": {"Type": "Pass", "Assign": {"label": "{% 'order ' & $states.input.id %}"}, "Output": "{% $states.input %}", "Next": "D"},
        "D": {"Type": "Pass", "Output": {"label": "{% $label %}", "double": "{% $states.input.double %}"}, "End": true}
    }}));
    bench("4-state JSONata (Output/Assign)", &jsonata, order, 5_000);
}
