//! The validator against the conformance corpus recorded on AWS: every validation case must get
//! AWS's verdict (and its diagnostics, where recorded), every definition AWS ran must be free of
//! errors, and mutated definitions must never make the validator panic.
//!
//! The corpus lives outside the repository: `$STEPWASM_CONFORMANCE_CASES`, or
//! `shared/conformance/cases` beside the checkout.

use std::path::PathBuf;

use serde_json::{json, Value};

use super::{validate, validate_text, ValidateOptions};
use crate::diagnostic::{Diagnostic, Severity};

fn cases_dir() -> PathBuf {
    let dir = match std::env::var_os("STEPWASM_CONFORMANCE_CASES") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/cases"),
    };
    assert!(
        dir.is_dir(),
        "conformance cases not found at {} (set STEPWASM_CONFORMANCE_CASES)",
        dir.display()
    );
    dir
}

/// Every case file, by name, in name order.
fn load_cases() -> Vec<(String, Value)> {
    let dir = cases_dir();
    let mut cases = Vec::new();
    for entry in
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
    {
        let path = entry.expect("directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let case: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        cases.push((name, case));
    }
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

fn options(case: &Value) -> ValidateOptions {
    ValidateOptions {
        express: case["state_machine_type"] == "EXPRESS",
        ..Default::default()
    }
}

fn errors(diags: &[Diagnostic]) -> Vec<&Diagnostic> {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

/// The text `CreateStateMachine` puts in its `InvalidDefinition` message for these errors.
fn create_message(errors: &[&Diagnostic]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|d| {
            let loc = if d.location.is_empty() {
                "null"
            } else {
                &d.location
            };
            format!("{}: {} at {loc}", d.code, d.message)
        })
        .collect();
    format!("Invalid State Machine Definition: '{}'", parts.join(", "))
}

#[test]
fn validation_cases_get_aws_verdict_codes_locations_and_messages() {
    let cases: Vec<(String, Value)> = load_cases()
        .into_iter()
        .filter(|(_, c)| c["kind"] == "validation")
        .collect();
    assert!(
        cases.len() >= 17,
        "expected at least 17 validation cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for (name, case) in &cases {
        let diags = match (&case["definition"], &case["definition_text"]) {
            (Value::Null, Value::String(text)) => validate_text(text, &options(case)),
            (definition, _) => validate(definition, &options(case)),
        };
        let errs = errors(&diags);
        let expected = &case["expected"];
        if expected["valid"].as_bool() != Some(errs.is_empty()) {
            failures.push(format!(
                "{name}: expected valid={}, got {errs:?}",
                expected["valid"]
            ));
            continue;
        }
        if let Some(want) = expected["diagnostics"].as_array() {
            let got: Vec<Value> = errs
                .iter()
                .map(|d| json!({"code": d.code, "location": d.location, "message": d.message, "severity": d.severity.as_str()}))
                .collect();
            if &got != want {
                failures.push(format!(
                    "{name}: diagnostics\n  want {want:?}\n  got  {got:?}"
                ));
            }
        }
        if let Some(want) = expected["message"].as_str() {
            let got = create_message(&errs);
            if got != want {
                failures.push(format!(
                    "{name}: CreateStateMachine message\n  want {want}\n  got  {got}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} validation cases differ from AWS:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_definition_aws_executed_has_no_error() {
    let cases: Vec<(String, Value)> = load_cases()
        .into_iter()
        .filter(|(_, c)| c["kind"] == "execution")
        .collect();
    assert!(
        cases.len() >= 600,
        "expected the execution cases of the corpus, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for (name, case) in &cases {
        let diags = validate(&case["definition"], &options(case));
        let errs = errors(&diags);
        if !errs.is_empty() {
            failures.push(format!("{name}: {errs:?}"));
        }
        // The text path must agree with the value path on definitions without duplicate keys.
        let text = serde_json::to_string(&case["definition"]).expect("serialise");
        assert_eq!(
            validate_text(&text, &options(case)),
            diags,
            "{name}: validate_text disagrees with validate"
        );
    }
    assert!(
        failures.is_empty(),
        "{} accepted definitions draw errors:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A small deterministic generator (64-bit LCG), so mutations are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Values that stress every type check.
fn replacement(rng: &mut Lcg) -> Value {
    let options = [
        Value::Null,
        json!(true),
        json!(-1),
        json!(0),
        json!(1.5),
        json!(1e300),
        json!(""),
        json!("$.x"),
        json!("{% $states.input %}"),
        json!("{% unclosed"),
        json!("States.Format('{}', $.x)"),
        json!("x".repeat(100)),
        json!([]),
        json!([{}]),
        json!({}),
        json!({"a.$": 1}),
        json!({"Type": "Map"}),
        json!({"StartAt": "Q", "States": {"Q": {"Type": "Choice", "Choices": [{"Not": {"And": []}}]}}}),
    ];
    options[rng.below(options.len())].clone()
}

/// Every object member and array element of a value, as pointers, in a stable order.
fn pointers(value: &Value, prefix: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{prefix}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{prefix}/{i}");
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        _ => {}
    }
}

/// Replaces, removes or renames one member of `value` at random.
fn mutate(value: &mut Value, rng: &mut Lcg) {
    let mut all = Vec::new();
    pointers(value, String::new(), &mut all);
    if all.is_empty() {
        return;
    }
    let target = all[rng.below(all.len())].clone();
    let choice = rng.below(3);
    let replacement = replacement(rng);
    let Some((parent_ptr, last)) = target.rsplit_once('/') else {
        return;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    match value.pointer_mut(parent_ptr) {
        Some(Value::Object(map)) => match choice {
            0 => {
                map.remove(&last);
            }
            1 => {
                if let Some(v) = map.remove(&last) {
                    map.insert(format!("{last}X"), v);
                }
            }
            _ => {
                map.insert(last, replacement);
            }
        },
        Some(Value::Array(items)) => {
            if let Ok(i) = last.parse::<usize>() {
                if i < items.len() {
                    if choice == 0 {
                        items.remove(i);
                    } else {
                        items[i] = replacement;
                    }
                }
            }
        }
        _ => {}
    }
}

#[test]
fn mutated_corpus_definitions_never_panic_and_give_stable_well_formed_diagnostics() {
    let cases = load_cases();
    let mut rng = Lcg(0x5eed_1234);
    let mut with_errors = 0;
    let mut runs = 0;
    for (name, case) in cases.iter().step_by(3) {
        let Some(definition) = case.get("definition") else {
            continue;
        };
        for round in 0..6 {
            let mut mutated = definition.clone();
            for _ in 0..=round {
                mutate(&mut mutated, &mut rng);
            }
            let opts = ValidateOptions {
                express: round % 2 == 1,
                ..Default::default()
            };
            let first = validate(&mutated, &opts);
            assert_eq!(
                first,
                validate(&mutated, &opts),
                "{name}: validation is not deterministic"
            );
            for d in &first {
                assert!(
                    d.location.is_empty() || d.location.starts_with('/'),
                    "{name}: bad location {d:?}"
                );
                assert!(!d.message.is_empty(), "{name}: empty message {d:?}");
            }
            with_errors += usize::from(!errors(&first).is_empty());
            runs += 1;
            // The text path on truncated and byte-flipped text must not panic either.
            let text = serde_json::to_string(&mutated).expect("serialise");
            let cut = rng.below(text.len() + 1);
            let truncated: String = text.chars().take(cut).collect();
            let d = validate_text(&truncated, &opts);
            assert!(
                !d.is_empty() || truncated == text,
                "{name}: truncated text accepted: {truncated}"
            );
            let mut bytes = text.into_bytes();
            if !bytes.is_empty() {
                let at = rng.below(bytes.len());
                bytes[at] = b"{}[]\",:\\ ax0"[rng.below(12)];
            }
            validate_text(&String::from_utf8_lossy(&bytes), &opts);
        }
    }
    assert!(runs > 1000, "too few mutation runs: {runs}");
    // Mutations land on fields that matter often enough for the checks to be exercised.
    assert!(
        with_errors * 2 > runs,
        "only {with_errors} of {runs} mutated definitions drew an error"
    );
}

#[test]
fn deeply_nested_definitions_are_bounded() {
    // A Parallel inside a Parallel, 200 levels deep, built as a value (text would hit the
    // parser's own limit first).
    let mut scope = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    for _ in 0..200 {
        scope = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [scope], "End": true}}});
    }
    let diags = validate(&scope, &ValidateOptions::default());
    assert!(
        diags.iter().any(|d| d.code == super::TOO_DEEPLY_NESTED),
        "{diags:?}"
    );

    // Choice rules nested through Not, deeper than the rule limit.
    let mut rule = json!({"Variable": "$.x", "IsPresent": true});
    for _ in 0..300 {
        rule = json!({"Not": rule});
    }
    let mut top = rule.as_object().cloned().unwrap_or_default();
    top.insert("Next".into(), json!("E"));
    let def = json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [top]}, "E": {"Type": "Succeed"}}});
    let diags = validate(&def, &ValidateOptions::default());
    assert!(
        diags.iter().any(|d| d.code == super::TOO_DEEPLY_NESTED),
        "{diags:?}"
    );

    // Text nested past the parser's limit is reported as invalid JSON, not a crash.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let diags = validate_text(&deep, &ValidateOptions::default());
    assert_eq!(diags.len(), 1);
    assert_eq!(
        diags[0].code,
        crate::diagnostic::codes::INVALID_JSON_DESCRIPTION
    );
}
