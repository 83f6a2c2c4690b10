//! Runs the conformance cases (recorded against AWS) whose machines are small enough to
//! interpret here: JSONPath machines made only of Choice, Pass, Succeed and Fail states.
//! The Choice rules go through this module; the tiny interpreter around them handles just
//! enough of Pass (Result, Parameters with `.$` keys, ResultPath, Assign) to produce the
//! recorded outputs, and fails the test on anything it does not understand.
//!
//! The corpus lives outside the repository. Set `STEPWASM_CONFORMANCE_CASES` to its `cases`
//! directory; otherwise it is looked for at `shared/conformance/cases` next to the checkout.

use super::tests::TestEnv;
use super::*;
use serde_json::{json, Map};
use std::collections::HashMap;
use std::path::PathBuf;

fn cases_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("STEPWASM_CONFORMANCE_CASES") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cases")
}

/// What a run ended with.
#[derive(Debug, PartialEq)]
enum Outcome {
    Succeeded(Value),
    Failed { error: Option<String>, cause: Option<String> },
}

const SIMPLE_STATES: [&str; 4] = ["Choice", "Pass", "Succeed", "Fail"];

/// Whether the case is a JSONPath machine built only from the states this test interprets.
fn is_simple_choice_machine(definition: &Value) -> bool {
    let Some(states) = definition.get("States").and_then(Value::as_object) else { return false };
    let jsonpath = |v: &Value| v.get("QueryLanguage").is_none_or(|q| q == "JSONPath");
    jsonpath(definition)
        && states
            .values()
            .all(|s| jsonpath(s) && s.get("Type").and_then(Value::as_str).is_some_and(|t| SIMPLE_STATES.contains(&t)))
        && states.values().any(|s| s["Type"] == "Choice")
}

struct Machine<'d> {
    states: &'d Map<String, Value>,
    vars: HashMap<String, Value>,
}

impl Machine<'_> {
    fn env(&self, input: &Value) -> TestEnv {
        let mut env = TestEnv::new(input.clone());
        env.vars = self.vars.clone();
        env
    }

    /// Resolve a payload template: keys ending in `.$` take the value at their path.
    fn template(&self, template: &Value, input: &Value) -> Result<Value, String> {
        match template {
            Value::Object(fields) => {
                let mut out = Map::new();
                for (key, value) in fields {
                    if let Some(name) = key.strip_suffix(".$") {
                        let path = value.as_str().ok_or(format!("{key} is not a path"))?;
                        let found = self.env(input).resolve(path)?.ok_or(format!("{path} selects nothing"))?;
                        out.insert(name.to_owned(), found);
                    } else {
                        out.insert(key.clone(), self.template(value, input)?);
                    }
                }
                Ok(Value::Object(out))
            }
            Value::Array(items) => {
                items.iter().map(|v| self.template(v, input)).collect::<Result<_, _>>().map(Value::Array)
            }
            other => Ok(other.clone()),
        }
    }

    fn assign(&mut self, block: Option<&Value>, input: &Value) -> Result<(), String> {
        let Some(block) = block else { return Ok(()) };
        let Value::Object(values) = self.template(block, input)? else { return Err("Assign is not an object".into()) };
        self.vars.extend(values);
        Ok(())
    }

    fn run(&mut self, start: &str, mut input: Value) -> Result<Outcome, String> {
        let mut name = start.to_owned();
        for _ in 0..1000 {
            let state = self.states.get(&name).ok_or(format!("no state {name}"))?;
            for field in state.as_object().into_iter().flat_map(|o| o.keys()) {
                let known = [
                    "Type",
                    "Comment",
                    "Next",
                    "End",
                    "Result",
                    "Parameters",
                    "ResultPath",
                    "Assign",
                    "Choices",
                    "Default",
                    "Error",
                    "Cause",
                ];
                if !known.contains(&field.as_str()) {
                    return Err(format!("state {name}: field {field} is not interpreted by this test"));
                }
            }
            let next = match state["Type"].as_str() {
                Some("Choice") => {
                    let rules = state["Choices"].as_array().ok_or("Choices is not an array")?;
                    let mut parsed = Vec::new();
                    for (i, rule) in rules.iter().enumerate() {
                        let pointer = format!("/States/{name}/Choices/{i}");
                        parsed.push(parse_choice_rule(rule, &pointer).map_err(|d| format!("{d:?}"))?);
                    }
                    match choose(&parsed, &mut self.env(&input)) {
                        Err(ChoiceError::InvalidPath { path }) => {
                            return Ok(Outcome::Failed {
                                error: Some("States.Runtime".into()),
                                cause: Some(format!(
                                "Invalid path '{path}': The choice state's condition path references an invalid value."
                            )),
                            })
                        }
                        Err(ChoiceError::Env(e)) => return Err(e),
                        Ok(Some(rule)) => {
                            self.assign(rule.assign.as_ref(), &input)?;
                            Some(rule.next.clone())
                        }
                        Ok(None) => {
                            self.assign(state.get("Assign"), &input)?;
                            match state.get("Default").and_then(Value::as_str) {
                                Some(default) => Some(default.to_owned()),
                                None => {
                                    return Ok(Outcome::Failed {
                                        error: Some("States.NoChoiceMatched".into()),
                                        cause: None,
                                    })
                                }
                            }
                        }
                    }
                }
                Some("Pass") => {
                    let result = match (state.get("Parameters"), state.get("Result")) {
                        (Some(parameters), _) => self.template(parameters, &input)?,
                        (None, Some(result)) => result.clone(),
                        (None, None) => input.clone(),
                    };
                    self.assign(state.get("Assign"), &input)?;
                    input = match state.get("ResultPath") {
                        None => result,
                        Some(Value::Null) => input,
                        Some(Value::String(p)) if p == "$" => result,
                        Some(Value::String(p)) => match (p.strip_prefix("$."), input) {
                            (Some(key), Value::Object(mut fields)) if !key.contains(['.', '[']) => {
                                fields.insert(key.to_owned(), result);
                                Value::Object(fields)
                            }
                            _ => return Err(format!("ResultPath {p} is not interpreted by this test")),
                        },
                        Some(other) => return Err(format!("ResultPath {other} is not interpreted by this test")),
                    };
                    state.get("Next").and_then(Value::as_str).map(str::to_owned)
                }
                Some("Succeed") => None,
                Some("Fail") => {
                    let text = |f: &str| state.get(f).and_then(Value::as_str).map(str::to_owned);
                    return Ok(Outcome::Failed { error: text("Error"), cause: text("Cause") });
                }
                other => return Err(format!("state type {other:?}")),
            };
            match next {
                Some(next) => name = next,
                None => return Ok(Outcome::Succeeded(input)),
            }
        }
        Err("more than 1000 transitions".into())
    }
}

#[test]
fn conformance_cases_with_choice_machines() {
    let dir = cases_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!("conformance cases not found at {} ({e}); set STEPWASM_CONFORMANCE_CASES", dir.display())
    });
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut ran = 0;
    let mut matrix = 0;
    let mut failures = Vec::new();
    for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let text = std::fs::read_to_string(path).unwrap();
        let case: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if case["kind"] != "execution" || !is_simple_choice_machine(&case["definition"]) {
            continue;
        }
        let name = case["name"].as_str().unwrap_or("?").to_owned();
        let definition = &case["definition"];
        let expected = &case["expected"];
        let want = match expected["status"].as_str() {
            Some("SUCCEEDED") => Outcome::Succeeded(expected["output"].clone()),
            Some("FAILED") => Outcome::Failed {
                error: expected.get("error").and_then(Value::as_str).map(str::to_owned),
                cause: expected.get("cause").and_then(Value::as_str).map(str::to_owned),
            },
            other => panic!("{name}: unexpected status {other:?}"),
        };
        let states = definition["States"].as_object().unwrap();
        let mut machine = Machine { states, vars: HashMap::new() };
        let start = definition["StartAt"].as_str().unwrap_or_default();
        match machine.run(start, case["input"].clone()) {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!("{name}: got {got:?}, AWS recorded {want:?}")),
            Err(e) => failures.push(format!("{name}: could not interpret: {e}")),
        }
        ran += 1;
        if states.contains_key("CheckValues") {
            matrix += 1;
        }
    }
    assert!(failures.is_empty(), "{} of {ran} cases differ:\n{}", failures.len(), failures.join("\n"));
    // The operator matrices alone are 393 cases; a much smaller count means cases were missed.
    assert!(matrix >= 393 && ran >= 398, "only {ran} cases ran ({matrix} operator-matrix cases)");
}

#[test]
fn the_interpreter_reports_what_it_does_not_understand() {
    let states = json!({
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "P"}], "InputPath": "$.y"}
    });
    let mut machine = Machine { states: states.as_object().unwrap(), vars: HashMap::new() };
    let err = machine.run("C", json!({})).unwrap_err();
    assert!(err.contains("InputPath"), "{err}");
    assert!(!is_simple_choice_machine(&json!({"QueryLanguage": "JSONata", "States": {"C": {"Type": "Choice"}}})));
    assert!(!is_simple_choice_machine(&json!({"States": {"C": {"Type": "Choice"}, "M": {"Type": "Map"}}})));
    assert!(is_simple_choice_machine(&json!({"States": {"C": {"Type": "Choice"}, "P": {"Type": "Pass"}}})));
}
