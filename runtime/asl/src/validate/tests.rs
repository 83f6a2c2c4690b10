//! Unit tests: the text entry point, value helpers and the order of diagnostics.

use serde_json::json;

use super::values::is_variable_name;
use super::{validate, validate_text, ValidateOptions};
use crate::diagnostic::{codes, Severity};

fn standard() -> ValidateOptions {
    ValidateOptions::default()
}

#[test]
fn default_options_are_standard() {
    assert!(!ValidateOptions::default().express);
}

#[test]
fn empty_text_is_a_missing_description() {
    for text in ["", "   \n\t"] {
        let diags = validate_text(text, &standard());
        assert_eq!(diags.len(), 1, "{text:?}: {diags:?}");
        assert_eq!(diags[0].code, codes::MISSING_DESCRIPTION);
        assert_eq!(diags[0].severity, Severity::Error);
    }
}

#[test]
fn bad_json_is_an_invalid_json_description_with_the_parser_message() {
    let diags = validate_text("{not json", &standard());
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].code, codes::INVALID_JSON_DESCRIPTION);
    assert_eq!(diags[0].location, "");
    assert!(diags[0].message.contains("line 1"), "{}", diags[0].message);
}

#[test]
fn valid_text_is_valid() {
    let text = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#;
    assert_eq!(validate_text(text, &standard()), vec![]);
}

#[test]
fn a_state_name_written_twice_in_one_scope_is_a_duplicate() {
    let text = r#"{"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "X", "States": {"X": {"Type": "Succeed"}, "Y\u0031": {"Type": "Succeed"}, "Y1": {"Type": "Fail"}}}]},
        "A": {"Type": "Pass", "Next": "B"}}}"#;
    let diags = validate_text(text, &standard());
    let dups: Vec<(&str, &str)> = diags
        .iter()
        .filter(|d| d.code == codes::DUPLICATE_STATE_NAME)
        .map(|d| (d.location.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        dups,
        vec![
            (
                "/States/B/Branches[0]/States/Y1",
                "Duplicate State name: Y1"
            ),
            ("/States/A", "Duplicate State name: A")
        ]
    );
}

#[test]
fn repeated_keys_outside_states_objects_are_not_state_names() {
    let text = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"States": {"k": 1, "k": 2}}, "Result": {"a": 1, "a": 2}, "End": true}}}"#;
    let diags = validate_text(text, &standard());
    assert!(
        diags.iter().all(|d| d.code != codes::DUPLICATE_STATE_NAME),
        "{diags:?}"
    );
}

#[test]
fn variable_names() {
    for name in [
        "x",
        "_x",
        "camelCase",
        "snake_case_2",
        "ünïcode",
        &"v".repeat(80),
    ] {
        assert!(is_variable_name(name), "{name} should be accepted");
    }
    for name in ["", "1x", "a-b", "a.b", "a b", "$x", &"v".repeat(81)] {
        assert!(!is_variable_name(name), "{name} should be refused");
    }
}

#[test]
fn machine_diagnostics_come_before_state_diagnostics() {
    let def = json!({"QueryLanguage": "jsonpath", "StartAt": "X", "States": {"X": {"Type": "Pass", "InputPath": "$.a", "End": true}}});
    let diags = validate(&def, &standard());
    let locations: Vec<&str> = diags.iter().map(|d| d.location.as_str()).collect();
    assert_eq!(locations, ["/QueryLanguage", "/States/X"], "{diags:?}");
}

#[test]
fn within_a_state_language_fields_come_before_the_query_language_value() {
    let def = json!({"StartAt": "X", "States": {"X": {"Type": "Pass", "QueryLanguage": 5, "InputPath": "$.a", "End": true}}});
    let diags = validate(&def, &standard());
    let got: Vec<(&str, &str)> = diags
        .iter()
        .map(|d| (d.location.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("/States/X", "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage"),
            ("/States/X/QueryLanguage", "Expected value of type [STRING]"),
        ]
    );
}

#[test]
fn missing_targets_come_before_the_missing_end_state() {
    let def = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "NOPE"}}});
    let codes: Vec<&str> = validate(&def, &standard()).iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [codes::MISSING_TRANSITION_TARGET, codes::MISSING_END_STATE]
    );
}

#[test]
fn warnings_do_not_make_a_definition_invalid() {
    let def = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"x": "$.y"}, "Result": {"k.$": "$"}, "End": true}}});
    let diags = validate(&def, &standard());
    assert_eq!(diags.len(), 2, "{diags:?}");
    assert!(
        diags.iter().all(|d| d.severity == Severity::Warning),
        "{diags:?}"
    );
}

#[test]
fn express_only_restricts_express_machines() {
    let def = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}});
    assert_eq!(validate(&def, &standard()), vec![]);
    let diags = validate(&def, &ValidateOptions { express: true, ..Default::default() });
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].location, "/States/T/Resource");
    assert_eq!(
        diags[0].message,
        "Express state machine does not support '.waitForTaskToken' service integration "
    );
}

#[test]
fn a_stored_definition_is_not_refused_for_a_resource_check_added_since() {
    let def = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:scan", "End": true}}});
    let diags = validate(&def, &standard());
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].location, "/States/T/Resource");
    let stored = ValidateOptions { stored: true, ..Default::default() };
    assert_eq!(validate(&def, &stored), vec![]);
    assert!(crate::parse(&def, &stored).is_ok());
    // Every other rule still holds for a stored definition.
    let broken = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": 5, "End": true}}});
    assert_eq!(validate(&broken, &stored).len(), 1);
}

#[test]
fn a_stored_definition_is_not_refused_for_a_result_path_check_added_since() {
    for path in ["$var", "$$.Execution.x", "$.a[*]"] {
        let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "ResultPath": path, "End": true}}});
        let diags = validate(&def, &standard());
        assert_eq!(diags.len(), 1, "{path}: {diags:?}");
        assert_eq!(diags[0].location, "/States/P/ResultPath", "{path}");
        let stored = ValidateOptions { stored: true, ..Default::default() };
        assert_eq!(validate(&def, &stored), vec![], "{path}");
    }
}

#[test]
fn large_definitions_validate() {
    // 5,000 chained states: linear work, no quadratic blow-up in the transition checks.
    let mut states = serde_json::Map::new();
    for i in 0..5_000 {
        let state = if i == 4_999 {
            json!({"Type": "Succeed"})
        } else {
            json!({"Type": "Pass", "Next": format!("S{}", i + 1)})
        };
        states.insert(format!("S{i}"), state);
    }
    let def = json!({"StartAt": "S0", "States": states});
    assert_eq!(validate(&def, &standard()), vec![]);
}
