//! Regression tests from fuzzing (`fuzz/`, target `definition`): minimized inputs on which the
//! validator and the compiler disagreed. `validate_text` must refuse every definition
//! `parse_text` cannot compile, at the place the compiler names.

use super::{validate_text, ValidateOptions};
use crate::diagnostic::{codes, Severity};

/// `text` is refused by the validator with one `SCHEMA_VALIDATION_FAILED` error at `location`
/// whose message starts with `message`, and `parse_text` refuses it with the same errors.
fn refused_at(text: &str, location: &str, message: &str) {
    let opts = ValidateOptions::default();
    let errors: Vec<_> =
        validate_text(text, &opts).into_iter().filter(|d| d.severity == Severity::Error).collect();
    assert_eq!(errors.len(), 1, "{text}: {errors:?}");
    assert_eq!(errors[0].code, codes::SCHEMA_VALIDATION_FAILED, "{text}");
    assert_eq!(errors[0].location, location, "{text}");
    assert!(errors[0].message.starts_with(message), "{text}: {}", errors[0].message);
    let built = crate::parse_text(text, &opts).err().expect("the definition must not compile");
    assert_eq!(built, errors, "{text}");
}

fn pass_with(field: &str, value: &str) -> String {
    format!(r#"{{"StartAt":"P","States":{{"P":{{"Type":"Pass",{field}:{value},"End":true}}}}}}"#)
}

#[test]
fn a_template_value_that_is_neither_a_path_nor_a_call_is_refused() {
    // The fuzzer's minimized input: "States." is no call (no function name follows).
    refused_at(
        r#"{"StartAt":"State0","States":{"State0":{"Type":"Pass","Assign":{"s":{".$":"States."}},"End":true}}}"#,
        "/States/State0/Assign/s/.$",
        "The value for the field '.$' must be a valid JSONPath or a valid intrinsic function call",
    );
}

#[test]
fn an_unknown_intrinsic_in_assign_is_refused() {
    refused_at(
        &pass_with(r#""Assign""#, r#"{"m.$":"States.Jsonmerge($.a, $.b, false)"}"#),
        "/States/P/Assign/m.$",
        "The value for the field 'm.$' must be a valid intrinsic function call: ",
    );
}

#[test]
fn a_malformed_intrinsic_in_parameters_is_refused() {
    refused_at(
        &pass_with(r#""Parameters""#, r#"{"a":{"s.$":"States.StringSplit^$.s, ',')"}}"#),
        "/States/P/Parameters/a/s.$",
        "The value for the field 's.$' must be a valid intrinsic function call: ",
    );
}

#[test]
fn a_malformed_path_in_a_template_or_a_path_field_is_refused() {
    refused_at(
        &pass_with(r#""Parameters""#, r#"{"s.$":"$.a["}"#),
        "/States/P/Parameters/s.$",
        "The value for the field 's.$' must be a valid JSONPath: ",
    );
    refused_at(
        &pass_with(r#""InputPath""#, r#""$.a[""#),
        "/States/P/InputPath",
        "The value for the field 'InputPath' must be a valid JSONPath: ",
    );
    refused_at(
        r#"{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$..","CausePath":"$.c"}}}"#,
        "/States/F/ErrorPath",
        "The value for the field 'ErrorPath' must be a valid JSONPath: ",
    );
}

#[test]
fn a_jsonata_expression_that_does_not_compile_is_refused() {
    // Minimized from the fuzzer's input: an unclosed call in a JSONata `Output`.
    refused_at(
        r#"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"r":"{% $sum($states.input.a %}"},"End":true}}}"#,
        "/States/P/Output/r",
        "The JSONata expression '$sum($states.input.a' is invalid: ",
    );
    refused_at(
        r#"{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% 1 + %}","End":true}}}"#,
        "/States/W/Seconds",
        "The JSONata expression '1 +' is invalid: ",
    );
}

#[test]
fn a_result_path_of_more_steps_than_state_data_may_nest_is_refused() {
    let path = |steps: usize| format!("\"${}\"", ".a".repeat(steps));
    let text = pass_with(r#""ResultPath""#, &path(256));
    assert_eq!(validate_text(&text, &ValidateOptions::default()), vec![]);
    refused_at(
        &pass_with(r#""ResultPath""#, &path(257)),
        "/States/P/ResultPath",
        "The value for the field 'ResultPath' must be a valid JSONPath: a ResultPath may have at most 256 steps",
    );
}
