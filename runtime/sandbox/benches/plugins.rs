//! The order example's four tasks (`plugins/dist`, built by `plugins/build.sh`), each called
//! through the sandbox with the input and context it gets when the example runs: the median
//! and p99 of a whole call (fresh store, instantiate, call, result), one thread.
//!
//! The inputs are made the way the state machine makes them (the validated order, then
//! `ResultPath: $.inventory`, then the payment's `Parameters`, ...), so a change to a plugin
//! or to the guest SDK is measured on the JSON it really parses.
//!
//! Run: `cargo bench -p sandbox --bench plugins [-- --quick]` (`PLUGINS_DIST=DIR` for plugins
//! built elsewhere, to compare two builds in one sequence).

use sandbox::{CallOptions, FunctionHandle, Grants, Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn call(f: &FunctionHandle, input: &Value, context: &str) -> Value {
    let text = serde_json::to_string(input).expect("input text");
    match f.call(&text, context, &CallOptions::default()).result {
        Ok(out) => serde_json::from_str(&out).expect("the result is JSON"),
        Err(e) => panic!("{}: {e}", f.name()),
    }
}

/// The context object a Task of the example sees (`$$`), with the execution's input in it.
fn context(state: &str, input: &Value) -> String {
    json!({
        "Execution": {
            "Id": "arn:aws:states:us-east-1:123456789012:execution:orders:bench",
            "Input": input,
            "Name": "bench",
            "RoleArn": "arn:aws:iam::123456789012:role/bench",
            "StartTime": "2026-01-01T00:00:00.000Z",
            "RedriveCount": 0
        },
        "StateMachine": { "Id": "arn:aws:states:us-east-1:123456789012:stateMachine:orders", "Name": "orders" },
        "State": { "Name": state, "EnteredTime": "2026-01-01T00:00:00.001Z", "RetryCount": 0 }
    })
    .to_string()
}

fn pick(v: &Value, keys: &[(&str, &str)]) -> Value {
    Value::Object(keys.iter().map(|(to, from)| (to.to_string(), v[*from].clone())).collect())
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let samples = if quick { 2_000 } else { 20_000 };
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-plugins-cache");
    let mut config = SandboxConfig::new(cache);
    // One call at a time; a small pool also lets the bench run under valgrind (callgrind counts
    // instructions, which the machine's noise does not move), which cannot map a large one.
    config.max_instances = 2;
    let sandbox = Sandbox::new(config).expect("sandbox");
    let load = |name: &str| {
        let dist = std::env::var_os("PLUGINS_DIST").map(PathBuf::from).unwrap_or_else(|| repo().join("plugins/dist"));
        let path = dist.join(format!("{name}.wasm"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run plugins/build.sh first)", path.display()));
        sandbox.load(name, &bytes, Grants::default()).expect("the plugin loads")
    };
    let order: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("examples/order-processing/input.json")).expect("the example's input"),
    )
    .expect("the example's input is JSON");

    // The example's data flow, state by state.
    let validate = load("validate-order");
    let validated = call(&validate, &order, &context("ValidateOrder", &order));
    let inventory = load("check-inventory");
    let reservation = call(&inventory, &validated, &context("CheckInventory", &order));
    let mut data = validated.clone();
    data["inventory"] = reservation;
    let payment = load("process-payment");
    let payment_input = pick(&data, &[("orderId", "orderId"), ("amountCents", "totalCents"), ("currency", "currency"), ("payment", "payment")]);
    data["charge"] = call(&payment, &payment_input, &context("ProcessPayment", &order));
    let confirm = load("confirm-order");
    let confirm_input = pick(
        &data,
        &[
            ("orderId", "orderId"),
            ("customer", "customer"),
            ("items", "items"),
            ("totalCents", "totalCents"),
            ("currency", "currency"),
            ("reservation", "inventory"),
            ("charge", "charge"),
        ],
    );
    let cases = [
        ("validate-order", validate, order.clone(), "ValidateOrder"),
        ("check-inventory", inventory, validated, "CheckInventory"),
        ("process-payment", payment, payment_input, "ProcessPayment"),
        ("confirm-order", confirm, confirm_input, "ConfirmOrder"),
    ];

    println!("{:<18} {:>9} {:>9} {:>9} {:>10}", "task", "input B", "median µs", "p99 µs", "calls/s");
    let mut total = 0.0;
    for (name, f, input, state) in &cases {
        let text = serde_json::to_string(input).expect("input text");
        let ctx = context(state, &order);
        let options = CallOptions::default();
        let once = || {
            let t = Instant::now();
            let out = f.call(&text, &ctx, &options);
            assert!(out.result.is_ok(), "{name}: {:?}", out.result);
            t.elapsed()
        };
        for _ in 0..samples / 10 {
            once();
        }
        let mut times: Vec<Duration> = (0..samples).map(|_| once()).collect();
        times.sort();
        let q = |p: f64| times[((times.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e6;
        let sum: Duration = times.iter().sum();
        total += q(0.5);
        println!(
            "{:<18} {:>9} {:>9.1} {:>9.1} {:>10.0}",
            name,
            text.len(),
            q(0.5),
            q(0.99),
            samples as f64 / sum.as_secs_f64()
        );
    }
    println!("{:<18} {:>9} {:>9.1}", "all four (medians)", "", total);
}
