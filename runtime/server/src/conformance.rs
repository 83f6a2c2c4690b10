//! The conformance runner: executes case files recorded against AWS (the format of the shared
//! conformance corpus) and compares outcomes as the corpus README prescribes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use asl::events::{Details, HistoryEvent};
use asl::exec::Status;
use asl::simulate::{self, TaskAnswer};
use asl::ValidateOptions;
use serde_json::{json, Value};

/// Which part of the language a case exercises, for the bars we hold ourselves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Track {
    /// Execution case in plain JSONPath mode.
    JsonPath,
    /// Execution case using JSONata or workflow variables.
    JsonataOrVariables,
    /// Definition validation case.
    Validation,
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub name: String,
    pub track: Track,
    pub features: Vec<String>,
    /// Passed with exact comparison.
    pub strict: bool,
    /// Passed once `event id #N` is ignored in causes.
    pub lenient: bool,
    /// Why it failed (empty when it passed strictly).
    pub reason: String,
    /// For a case with `expected_events`: whether the history has the same events (id,
    /// previousEventId, type and state name, in order), and the first difference when not.
    pub events: Option<Result<(), String>>,
}

/// Counts over a set of results.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
}

impl Tally {
    /// Share of cases passed, 0..=1.
    pub fn rate(&self) -> f64 {
        let n = self.passed + self.failed;
        if n == 0 {
            1.0
        } else {
            self.passed as f64 / n as f64
        }
    }
}

/// All results of a directory.
#[derive(Debug, Default)]
pub struct Report {
    pub results: Vec<CaseResult>,
}

impl Report {
    /// Strict counts for one track.
    pub fn tally(&self, track: Track) -> Tally {
        let mut t = Tally::default();
        for r in self.results.iter().filter(|r| r.track == track) {
            if r.strict {
                t.passed += 1;
            } else {
                t.failed += 1;
            }
        }
        t
    }

    /// Strict counts over everything.
    pub fn total(&self) -> Tally {
        let passed = self.results.iter().filter(|r| r.strict).count();
        Tally { passed, failed: self.results.len() - passed }
    }

    /// Lenient counts over everything.
    pub fn total_lenient(&self) -> Tally {
        let passed = self.results.iter().filter(|r| r.lenient).count();
        Tally { passed, failed: self.results.len() - passed }
    }

    /// Cases whose history matches their `expected_events`, and cases that have some.
    pub fn events(&self) -> (usize, usize) {
        let compared = self.results.iter().filter(|r| r.events.is_some()).count();
        let same = self.results.iter().filter(|r| matches!(r.events, Some(Ok(())))).count();
        (same, compared)
    }

    /// Per-feature strict counts.
    pub fn by_feature(&self) -> BTreeMap<String, Tally> {
        let mut m: BTreeMap<String, Tally> = BTreeMap::new();
        for r in &self.results {
            for f in &r.features {
                let t = m.entry(f.clone()).or_default();
                if r.strict {
                    t.passed += 1;
                } else {
                    t.failed += 1;
                }
            }
        }
        m
    }

    /// The text the `conformance` command prints; its last line is `N passed, M failed`.
    pub fn render(&self, verbose: bool) -> String {
        let mut out = String::new();
        out.push_str("per feature (strict):\n");
        for (f, t) in self.by_feature() {
            out.push_str(&format!("  {f:<48} {:>4} passed {:>4} failed\n", t.passed, t.failed));
        }
        let failing: Vec<&CaseResult> = self.results.iter().filter(|r| !r.strict).collect();
        if !failing.is_empty() {
            out.push_str("failing cases:\n");
            for r in &failing {
                let reason = if verbose { r.reason.clone() } else { r.reason.chars().take(200).collect() };
                out.push_str(&format!("  {} [{}]: {}\n", r.name, if r.lenient { "lenient ok" } else { "fails" }, reason));
            }
        }
        for (label, track) in [("jsonpath", Track::JsonPath), ("jsonata+variables", Track::JsonataOrVariables), ("validation", Track::Validation)] {
            let t = self.tally(track);
            out.push_str(&format!("{label}: {} passed, {} failed ({:.1}%)\n", t.passed, t.failed, 100.0 * t.rate()));
        }
        if verbose {
            let differing: Vec<(&str, &String)> =
                self.results.iter().filter_map(|r| match &r.events { Some(Err(e)) => Some((r.name.as_str(), e)), _ => None }).collect();
            if !differing.is_empty() {
                out.push_str("histories that differ from the recording:\n");
                for (name, e) in differing {
                    out.push_str(&format!("  {name}: {e}\n"));
                }
            }
        }
        let (same, compared) = self.events();
        out.push_str(&format!("history events (id, previousEventId, type, state) as recorded: {same} of {compared} cases\n"));
        let l = self.total_lenient();
        out.push_str(&format!("lenient (event ids ignored): {} passed, {} failed\n", l.passed, l.failed));
        let t = self.total();
        out.push_str(&format!("{} passed, {} failed\n", t.passed, t.failed));
        out
    }
}

/// Run every `*.json` case in `dir`.
pub fn run_dir(dir: &Path) -> std::io::Result<Report> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut report = Report::default();
    for f in files {
        let text = std::fs::read_to_string(&f)?;
        let name = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        report.results.push(run_case_text(&name, &text));
    }
    Ok(report)
}

/// Run one case given as JSON text.
pub fn run_case_text(name: &str, text: &str) -> CaseResult {
    let case: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return broken(name, format!("case file is not JSON: {e}")),
    };
    run_case(name, &case)
}

fn broken(name: &str, reason: String) -> CaseResult {
    CaseResult { name: name.to_string(), track: Track::JsonPath, features: vec![], strict: false, lenient: false, reason, events: None }
}

fn track_of(kind: &str, features: &[String]) -> Track {
    if kind == "validation" {
        return Track::Validation;
    }
    let advanced = features.iter().any(|f| {
        f == "jsonata"
            || f.starts_with("jsonata:")
            || f.starts_with("query_language:")
            || f.starts_with("variables:")
            || f.starts_with("states_var:")
    });
    if advanced {
        Track::JsonataOrVariables
    } else {
        Track::JsonPath
    }
}

/// Run one parsed case.
pub fn run_case(name: &str, case: &Value) -> CaseResult {
    let features: Vec<String> =
        case.get("features").and_then(Value::as_array).map(|a| a.iter().filter_map(|f| f.as_str().map(String::from)).collect()).unwrap_or_default();
    let kind = case.get("kind").and_then(Value::as_str).unwrap_or("execution");
    let track = track_of(kind, &features);
    let express = case.get("state_machine_type").and_then(Value::as_str) == Some("EXPRESS");
    let opts = ValidateOptions { express, ..Default::default() };
    let expected = case.get("expected").cloned().unwrap_or(Value::Null);
    let mut events = None;
    let (strict, lenient, reason) = if kind == "validation" {
        let verdict = match (case.get("definition"), case.get("definition_text").and_then(Value::as_str)) {
            (_, Some(text)) => asl::parse_text(text, &opts).map(|_| ()),
            (Some(def), None) => asl::parse(def, &opts).map(|_| ()),
            (None, None) => return broken(name, "case has no definition".into()),
        };
        let want = expected.get("valid").and_then(Value::as_bool).unwrap_or(false);
        let got = verdict.is_ok();
        let reason = match &verdict {
            Ok(()) if !want => "accepted a definition AWS rejects".to_string(),
            Err(d) if want => format!("rejected a valid definition: {}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; ")),
            _ => String::new(),
        };
        (got == want, got == want, reason)
    } else {
        let Some(def) = case.get("definition") else { return broken(name, "case has no definition".into()) };
        let machine = match asl::parse(def, &opts) {
            Ok(m) => m,
            Err(d) => {
                let r = format!("definition rejected: {}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; "));
                return CaseResult { name: name.into(), track, features, strict: false, lenient: false, reason: r, events: None };
            }
        };
        let input = case.get("input").cloned().unwrap_or(Value::Object(Default::default()));
        let mut info = simulate::local_info("conformance", name, input, 1_700_000_000_000);
        if express {
            info.express = true;
            info.execution_arn = info.execution_arn.replace(":execution:", ":express:");
        }
        let finished = simulate::run(&machine, info, 42, 1_000_000, |t| TaskAnswer::Failure {
            error: "States.TaskFailed".into(),
            cause: format!("No task function is available for resource '{}'", t.resource),
        });
        let ignore: Vec<String> = case
            .get("ignore")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|i| i.get("pointer").and_then(Value::as_str).map(String::from)).collect())
            .unwrap_or_default();
        if let Some(Value::Array(want)) = case.get("expected_events") {
            events = Some(compare_events(want, &finished.events));
        }
        compare(&expected, &finished.status, &ignore)
    };
    CaseResult { name: name.into(), track, features, strict, lenient, reason, events }
}

/// The history as the corpus's `expected_events` records it: `{id, previousEventId, type}`, and
/// `name` for a state's Entered and Exited events.
fn compact_events(events: &[HistoryEvent]) -> Vec<Value> {
    events
        .iter()
        .map(|e| {
            let mut v = json!({"id": e.id, "previousEventId": e.previous_event_id, "type": e.event_type});
            if let Details::StateEntered { name, .. } | Details::StateExited { name, .. } = &e.details {
                v["name"] = json!(&**name);
            }
            v
        })
        .collect()
}

/// Whether the history matches `want` event for event; the first difference when not.
fn compare_events(want: &[Value], got: &[HistoryEvent]) -> Result<(), String> {
    let got = compact_events(got);
    for i in 0..want.len().max(got.len()) {
        let (w, g) = (want.get(i), got.get(i));
        if w != g {
            let show = |v: Option<&Value>| v.map_or("nothing".to_string(), Value::to_string);
            return Err(format!("event {}: expected {}, got {}", i + 1, show(w), show(g)));
        }
    }
    Ok(())
}

/// Compare an outcome with the expectation. Returns (strict, lenient, reason).
fn compare(expected: &Value, status: &Status, ignore: &[String]) -> (bool, bool, String) {
    let want_status = expected.get("status").and_then(Value::as_str).unwrap_or("");
    if want_status != status.as_str() {
        let got = match status {
            Status::Failed(f) | Status::Aborted(f) => format!("{} {:?}: {:?}", status.as_str(), f.error, f.cause),
            Status::Succeeded(v) => format!("SUCCEEDED {}", asl::error::compact(v)),
            s => s.as_str().to_string(),
        };
        return (false, false, format!("status: expected {want_status}, got {got}"));
    }
    match status {
        Status::Succeeded(out) => {
            let want = expected.get("output").cloned().unwrap_or(Value::Null);
            if json_eq(&want, out, "/output", ignore) {
                (true, true, String::new())
            } else {
                let r = format!("output: expected {}, got {}", asl::error::compact(&want), asl::error::compact(out));
                (false, false, r)
            }
        }
        Status::Failed(f) | Status::Aborted(f) => {
            let want_error = expected.get("error").and_then(Value::as_str);
            let err_ok = want_error == f.error.as_deref();
            let (cause_strict, cause_lenient) = match (expected.get("cause_json"), expected.get("cause").and_then(Value::as_str)) {
                (Some(cj), _) => {
                    let got: Option<Value> = f.cause.as_deref().and_then(|c| serde_json::from_str(c).ok());
                    let ok = got.as_ref().is_some_and(|g| json_eq(cj, g, "/cause_json", ignore));
                    (ok, ok)
                }
                (None, want) => {
                    let ignored = ignore.iter().any(|p| p == "/cause");
                    let strict = ignored || want == f.cause.as_deref();
                    let lenient = strict || want.map(strip_event_ids) == f.cause.as_deref().map(strip_event_ids);
                    (strict, lenient)
                }
            };
            let reason = if err_ok && cause_strict {
                String::new()
            } else {
                format!(
                    "error/cause: expected {:?} / {:?}, got {:?} / {:?}",
                    want_error,
                    expected.get("cause").or(expected.get("cause_json")),
                    f.error,
                    f.cause
                )
            };
            (err_ok && cause_strict, err_ok && cause_lenient, reason)
        }
        _ => (true, true, String::new()),
    }
}

fn strip_event_ids(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("event id #") {
        out.push_str(&rest[..i + "event id #".len()]);
        rest = rest[i + "event id #".len()..].trim_start_matches(|c: char| c.is_ascii_digit());
        out.push('N');
    }
    out.push_str(rest);
    out
}

/// JSON equality as the corpus defines it: key order ignored, numbers by value, ignored leaves
/// (JSON pointers into the expected object) skipped.
pub fn json_eq(a: &Value, b: &Value, at: &str, ignore: &[String]) -> bool {
    if ignore.iter().any(|p| p == at) {
        return true;
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).enumerate().all(|(i, (p, q))| json_eq(p, q, &format!("{at}/{i}"), ignore))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    let ptr = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    y.get(k).is_some_and(|w| json_eq(v, w, &ptr, ignore))
                })
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_eq_ignores_key_order_and_number_form() {
        assert!(json_eq(&json!({"a": 1, "b": [1.0, 2]}), &json!({"b": [1, 2.0], "a": 1.0}), "", &[]));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 2}), "", &[]));
        assert!(!json_eq(&json!([1, 2]), &json!([2, 1]), "", &[]));
        assert!(json_eq(&json!({"a": "x"}), &json!({"a": "y"}), "/output", &["/output/a".to_string()]));
    }

    #[test]
    fn event_ids_are_stripped_for_lenient_mode() {
        assert_eq!(strip_event_ids("entered at the event id #12). x"), "entered at the event id #N). x");
    }

    #[test]
    fn a_wrong_outcome_fails_the_case() {
        let case = json!({
            "kind": "execution", "features": ["state:Pass"],
            "definition": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": true}}},
            "input": {}, "expected": {"status": "SUCCEEDED", "output": 2}
        });
        let r = run_case("wrong", &case);
        assert!(!r.strict && !r.lenient, "{r:?}");
        let case_ok = json!({
            "kind": "execution", "features": ["state:Pass"],
            "definition": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": true}}},
            "input": {}, "expected": {"status": "SUCCEEDED", "output": 1}
        });
        assert!(run_case("right", &case_ok).strict);
    }
}
