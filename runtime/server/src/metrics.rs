//! `/metrics` in the Prometheus text format: executions by state machine and outcome, state
//! transitions, Wasm call latency, the module cache, HTTP requests. The engine reports through
//! [`engine::Observer`]; the HTTP layer counts requests itself.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use engine::{CallResult, Engine, Observer};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MachineLabels {
    state_machine: String,
    r#type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FinishedLabels {
    state_machine: String,
    r#type: &'static str,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    function: String,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// `api`, `trigger`, `functions`, `routes`, `console`, `health`, `metrics`, `other`.
    kind: &'static str,
    /// The Step Functions operation, or empty.
    operation: String,
    code: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

fn call_histogram() -> Histogram {
    // 5 µs to ~20 s.
    Histogram::new(exponential_buckets(5e-6, 2.5, 17))
}

fn request_histogram() -> Histogram {
    // 50 µs to ~80 s.
    Histogram::new(exponential_buckets(5e-5, 2.5, 16))
}

/// Every metric the server exports.
pub struct Metrics {
    registry: Registry,
    started: Family<MachineLabels, Counter>,
    finished: Family<FinishedLabels, Counter>,
    transitions: Counter,
    calls: Family<CallLabels, Histogram, fn() -> Histogram>,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Family<KindLabels, Histogram, fn() -> Histogram>,
    /// Filled in once the engine exists (the engine is built with this observer).
    engine: Arc<OnceLock<Engine>>,
}

/// Values read from the engine at each scrape.
struct EngineCollector(Arc<OnceLock<Engine>>);

impl std::fmt::Debug for EngineCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EngineCollector")
    }
}

impl Collector for EngineCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(engine) = self.0.get() else { return Ok(()) };
        let stats = engine.cache_stats();
        let hits = ConstCounter::new(stats.hits);
        hits.encode(encoder.encode_descriptor(
            "stepwasm_wasm_cache_hits",
            "Function loads served by a precompiled artifact on disk",
            None,
            hits.metric_type(),
        )?)?;
        let misses = ConstCounter::new(stats.misses);
        misses.encode(encoder.encode_descriptor(
            "stepwasm_wasm_cache_misses",
            "Function loads that had to compile",
            None,
            misses.metric_type(),
        )?)?;
        let running = ConstGauge::new(engine.running_count() as i64);
        running.encode(encoder.encode_descriptor(
            "stepwasm_executions_running",
            "Standard executions running in this process",
            None,
            running.metric_type(),
        )?)?;
        Ok(())
    }
}

/// The label of a state machine ARN: its name.
fn machine_name(arn: &str) -> String {
    arn.rsplit(':').next().unwrap_or(arn).to_string()
}

fn kind(express: bool) -> &'static str {
    if express {
        "EXPRESS"
    } else {
        "STANDARD"
    }
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        let mut registry = Registry::default();
        let started = Family::<MachineLabels, Counter>::default();
        registry.register("stepwasm_executions_started", "Executions started", started.clone());
        let finished = Family::<FinishedLabels, Counter>::default();
        registry.register("stepwasm_executions_finished", "Executions ended, by status", finished.clone());
        let transitions = Counter::default();
        registry.register("stepwasm_state_transitions", "States entered", transitions.clone());
        let calls = Family::<CallLabels, Histogram, fn() -> Histogram>::new_with_constructor(call_histogram as fn() -> Histogram);
        registry.register("stepwasm_function_call_seconds", "Wasm function call latency (new store, instantiate, call)", calls.clone());
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("stepwasm_http_requests", "HTTP requests answered", requests.clone());
        let request_seconds =
            Family::<KindLabels, Histogram, fn() -> Histogram>::new_with_constructor(request_histogram as fn() -> Histogram);
        registry.register("stepwasm_http_request_seconds", "HTTP request latency", request_seconds.clone());
        let engine = Arc::new(OnceLock::new());
        registry.register_collector(Box::new(EngineCollector(engine.clone())));
        Arc::new(Metrics { registry, started, finished, transitions, calls, requests, request_seconds, engine })
    }

    /// Lets the scrape read the engine's own counters.
    pub fn attach(&self, engine: &Engine) {
        let _ = self.engine.set(engine.clone());
    }

    /// Counts one answered HTTP request.
    pub fn request(&self, kind: &'static str, operation: &str, code: u16, elapsed: Duration) {
        self.requests.get_or_create(&RequestLabels { kind, operation: operation.to_string(), code }).inc();
        self.request_seconds.get_or_create(&KindLabels { kind }).observe(elapsed.as_secs_f64());
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.push_str("# encoding the metrics failed\n");
        }
        out
    }
}

impl Observer for Metrics {
    fn execution_started(&self, state_machine_arn: &str, express: bool) {
        self.started.get_or_create(&MachineLabels { state_machine: machine_name(state_machine_arn), r#type: kind(express) }).inc();
    }

    fn execution_finished(&self, state_machine_arn: &str, _execution_arn: &str, express: bool, status: &str) {
        let labels = FinishedLabels { state_machine: machine_name(state_machine_arn), r#type: kind(express), status: status.to_string() };
        self.finished.get_or_create(&labels).inc();
    }

    fn states_entered(&self, count: u64) {
        self.transitions.inc_by(count);
    }

    fn function_called(&self, function: &str, elapsed: Duration, result: CallResult) {
        self.calls
            .get_or_create(&CallLabels { function: function.to_string(), result: result.as_str() })
            .observe(elapsed.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_names_every_family() {
        let m = Metrics::new();
        m.execution_started("arn:aws:states:us-east-1:123456789012:stateMachine:orders", false);
        m.execution_finished("arn:aws:states:us-east-1:123456789012:stateMachine:orders", "arn:x", false, "SUCCEEDED");
        m.states_entered(4);
        m.function_called("validate-order", Duration::from_micros(20), CallResult::Ok);
        m.request("api", "StartExecution", 200, Duration::from_millis(1));
        let text = m.render();
        for line in [
            "stepwasm_executions_started_total{state_machine=\"orders\",type=\"STANDARD\"} 1",
            "stepwasm_executions_finished_total{state_machine=\"orders\",type=\"STANDARD\",status=\"SUCCEEDED\"} 1",
            "stepwasm_state_transitions_total 4",
            "stepwasm_function_call_seconds_count{function=\"validate-order\",result=\"ok\"} 1",
            "stepwasm_http_requests_total{kind=\"api\",operation=\"StartExecution\",code=\"200\"} 1",
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
    }
}
