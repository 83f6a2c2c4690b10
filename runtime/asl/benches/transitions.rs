//! State transitions per second on one core, for the workloads the project tracks:
//! a 4-Pass chain with Parameters/ResultPath, a 100-item inline Map, and a 4-state JSONata
//! machine with Arguments/Output/Assign. Prints the median of several timed batches.
//!
//! Run: `cargo bench -p asl --bench transitions`

use std::time::Instant;

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
    let transitions_per_run = run_once(m, &input, 0);
    let mut rates = Vec::new();
    for batch in 0..9 {
        let start = Instant::now();
        for i in 0..runs_per_batch {
            std::hint::black_box(run_once(m, &input, batch * runs_per_batch + i));
        }
        let secs = start.elapsed().as_secs_f64();
        rates.push((runs_per_batch * transitions_per_run) as f64 / secs);
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    let median = rates[rates.len() / 2];
    println!(
        "{name:<40} {transitions_per_run:>4} transitions/run   median {:>12.0} transitions/s   ({:.2} µs/run)",
        median,
        1e6 * transitions_per_run as f64 / median
    );
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
