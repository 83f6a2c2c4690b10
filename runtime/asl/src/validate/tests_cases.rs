//! A table of small definitions and the exact diagnostics each must draw: one or more cases
//! for every check. Messages are pinned where AWS's wording is known.

use serde_json::{json, Value};

use super::tests_cases_more as more;
use super::{validate, ValidateOptions};

pub(super) const SCHEMA: &str = "SCHEMA_VALIDATION_FAILED";
const TARGET: &str = "MISSING_TRANSITION_TARGET";

/// One expected diagnostic: code, location, and the message when it is pinned.
pub(super) type Want = (&'static str, &'static str, Option<&'static str>);

pub(super) struct Case {
    name: &'static str,
    definition: Value,
    express: bool,
    want: Vec<Want>,
}

pub(super) fn case(name: &'static str, definition: Value, want: &[Want]) -> Case {
    Case {
        name,
        definition,
        express: false,
        want: want.to_vec(),
    }
}

pub(super) fn express(name: &'static str, definition: Value, want: &[Want]) -> Case {
    Case {
        name,
        definition,
        express: true,
        want: want.to_vec(),
    }
}

/// A machine whose only state is `S`.
pub(super) fn one(state: Value) -> Value {
    json!({"StartAt": "S", "States": {"S": state}})
}

/// A JSONata machine whose only state is `S`.
pub(super) fn one_jsonata(state: Value) -> Value {
    json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": state}})
}

/// A machine whose only state is a Map `M` with the given extra fields and a one-Pass processor.
pub(super) fn map_with(fields: Value) -> Value {
    let mut m = json!({"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true});
    if let (Some(m), Some(extra)) = (m.as_object_mut(), fields.as_object()) {
        for (k, v) in extra {
            m.insert(k.clone(), v.clone());
        }
    }
    json!({"StartAt": "M", "States": {"M": m}})
}

pub(super) fn task(extra: Value) -> Value {
    let mut t = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true});
    if let (Some(t), Some(extra)) = (t.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            t.insert(k.clone(), v.clone());
        }
    }
    t
}

fn top_level_cases() -> Vec<Case> {
    vec![
        case(
            "empty object",
            json!({}),
            &[(
                SCHEMA,
                "/",
                Some("These fields are required: [States, StartAt]"),
            )],
        ),
        case(
            "unknown top-level field",
            json!({"StartAt": "S", "Foo": 1, "States": {"S": {"Type": "Succeed"}}}),
            &[(SCHEMA, "/", Some("Field 'Foo' is not supported"))],
        ),
        case(
            "top-level TimeoutSeconds zero",
            json!({"StartAt": "S", "TimeoutSeconds": 0, "States": {"S": {"Type": "Succeed"}}}),
            &[(SCHEMA, "/TimeoutSeconds", Some("Minimum value is 1"))],
        ),
        case(
            "top-level TimeoutSeconds float",
            json!({"StartAt": "S", "TimeoutSeconds": 1.5, "States": {"S": {"Type": "Succeed"}}}),
            &[(
                SCHEMA,
                "/TimeoutSeconds",
                Some("Expected value of type [INTEGER]"),
            )],
        ),
        case(
            "top-level QueryLanguage outside the enum",
            json!({"QueryLanguage": "jsonata", "StartAt": "S", "States": {"S": {"Type": "Pass", "Output": 1, "End": true}}}),
            &[(
                SCHEMA,
                "/QueryLanguage",
                Some("Value should be one of the following: [JSONPath, JSONata]"),
            )],
        ),
        case(
            "top-level QueryLanguage not a string",
            json!({"QueryLanguage": 5, "StartAt": "S", "States": {"S": {"Type": "Succeed"}}}),
            &[(
                SCHEMA,
                "/QueryLanguage",
                Some("Expected value of type [STRING]"),
            )],
        ),
        case(
            "Version other than 1.0",
            json!({"Version": "2.0", "StartAt": "S", "States": {"S": {"Type": "Succeed"}}}),
            &[(
                SCHEMA,
                "/Version",
                Some("Value should be one of the following: [1.0]"),
            )],
        ),
        case(
            "StartAt not a string",
            json!({"StartAt": 5, "States": {"S": {"Type": "Succeed"}}}),
            &[(SCHEMA, "/StartAt", Some("Expected value of type [STRING]"))],
        ),
        case(
            "States not an object",
            json!({"StartAt": "S", "States": []}),
            &[(SCHEMA, "/States", Some("Expected value of type [OBJECT]"))],
        ),
        case(
            "definition not an object",
            json!([1]),
            &[(SCHEMA, "/", Some("Expected value of type [OBJECT]"))],
        ),
    ]
}

/// A state name of 81 characters, one over AWS's limit.
macro_rules! long_name {
    () => {
        "Long_state_name_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    };
}

fn state_cases() -> Vec<Case> {
    let long = long_name!();
    vec![
        case("state not an object", one(json!(5)), &[(SCHEMA, "/States/S", Some("Expected value of type [OBJECT]"))]),
        case("state without Type", one(json!({"End": true})), &[(SCHEMA, "/States/S", Some("These fields are required: [Type]"))]),
        case(
            "unknown Type",
            one(json!({"Type": "Sleep", "End": true})),
            &[(SCHEMA, "/States/S/Type", Some("Value should be one of the following: [Pass, Succeed, Fail, Task, Choice, Wait, Parallel, Map]"))],
        ),
        case(
            "state name over 80 characters",
            json!({"StartAt": long, "States": {long: {"Type": "Succeed"}}}),
            &[("INVALID_STATE_NAME", concat!("/States/", long_name!()), None)],
        ),
        case(
            "state name repeated in a nested scope",
            json!({"StartAt": "A", "States": {
                "A": {"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}], "End": true}}}),
            &[("DUPLICATE_STATE_NAME", "/States/A/Branches[0]/States/A", Some("Duplicate State name: A"))],
        ),
        case(
            "Next and End together",
            json!({"StartAt": "S", "States": {"S": {"Type": "Pass", "Next": "E", "End": true}, "E": {"Type": "Succeed"}}}),
            &[(SCHEMA, "/States/S/Next", Some("These fields cannot be used together: [Next, End]"))],
        ),
        case("neither Next nor End", one(json!({"Type": "Pass"})), &[(SCHEMA, "/States/S", Some("Exactly one of these fields is required: [Next, End]"))]),
        case("End false without Next", one(json!({"Type": "Pass", "End": false})), &[(SCHEMA, "/States/S/End", None)]),
        case("End not a boolean", one(json!({"Type": "Pass", "End": "yes"})), &[(SCHEMA, "/States/S/End", Some("Expected value of type [BOOLEAN]"))]),
        case("Next not a string", one(json!({"Type": "Pass", "Next": 1})), &[(SCHEMA, "/States/S/Next", Some("Expected value of type [STRING]"))]),
        case(
            "Choice takes no End",
            one(json!({"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "S"}], "End": true})),
            &[(SCHEMA, "/States/S", Some("Field 'End' is not supported"))],
        ),
        case(
            "TimeoutSeconds, Catch and Retry on a Pass",
            one(json!({"Type": "Pass", "End": true, "TimeoutSeconds": 5,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "S"}], "Retry": [{"ErrorEquals": ["States.ALL"]}]})),
            &[
                (SCHEMA, "/States/S", Some("Field 'TimeoutSeconds' is not supported")),
                (SCHEMA, "/States/S", Some("Field 'Catch' is not supported")),
                (SCHEMA, "/States/S", Some("Field 'Retry' is not supported")),
            ],
        ),
        case("TimeoutSeconds on a Map", map_with(json!({"TimeoutSeconds": 5})), &[(SCHEMA, "/States/M", Some("Field 'TimeoutSeconds' is not supported"))]),
        case("Next on a Succeed", one(json!({"Type": "Succeed", "Next": "S"})), &[(SCHEMA, "/States/S", Some("Field 'Next' is not supported"))]),
        case("End on a Fail", one(json!({"Type": "Fail", "End": true})), &[(SCHEMA, "/States/S", Some("Field 'End' is not supported"))]),
        case("Assign on a Succeed", one(json!({"Type": "Succeed", "Assign": {"x": 1}})), &[(SCHEMA, "/States/S", Some("Field 'Assign' is not supported"))]),
        case("Comment not a string", one(json!({"Type": "Succeed", "Comment": 1})), &[(SCHEMA, "/States/S/Comment", None)]),
    ]
}

fn query_language_cases() -> Vec<Case> {
    vec![
        case(
            "JSONata state with three JSONPath fields",
            one_jsonata(json!({"Type": "Pass", "InputPath": "$.a", "OutputPath": "$.b", "ResultPath": "$.c", "End": true})),
            &[
                (SCHEMA, "/States/S", Some("The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage")),
                (SCHEMA, "/States/S", Some("The QueryLanguage is set to 'JSONata', but field 'OutputPath' is only supported for the 'JSONPath' QueryLanguage")),
                (SCHEMA, "/States/S", Some("The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for the 'JSONPath' QueryLanguage")),
            ],
        ),
        case(
            "JSONPath Task with Output and Arguments",
            one(task(json!({"Output": {"v": 1}, "Arguments": {"p": 1}}))),
            &[
                (SCHEMA, "/States/S", Some("The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage")),
                (SCHEMA, "/States/S", Some("The QueryLanguage is set to 'JSONPath', but field 'Arguments' is only supported for the 'JSONata' QueryLanguage")),
            ],
        ),
        case(
            "JSONata Pass with Result",
            one_jsonata(json!({"Type": "Pass", "Result": 1, "End": true})),
            &[(SCHEMA, "/States/S", Some("The QueryLanguage is set to 'JSONata', but field 'Result' is only supported for the 'JSONPath' QueryLanguage"))],
        ),
        case(
            "downgrade is the whole answer for the state",
            one_jsonata(json!({"Type": "Pass", "QueryLanguage": "JSONPath", "Output": {"v": "{% 1 %}"}, "End": true})),
            &[(SCHEMA, "/States/S", Some("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"))],
        ),
        case(
            "downgraded Map still has MaxConcurrency checked",
            json!({"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "QueryLanguage": "JSONPath", "MaxConcurrency": -1,
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}),
            &[
                (SCHEMA, "/States/M", Some("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")),
                (SCHEMA, "/States/M/MaxConcurrency", Some("Minimum value is 0")),
            ],
        ),
        case(
            "a JSONata Map does not make its processor states JSONata",
            json!({"StartAt": "M", "States": {"M": {"Type": "Map", "QueryLanguage": "JSONata",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {"d": "{% 1 %}"}, "End": true}}}, "End": true}}}),
            &[(SCHEMA, "/States/M/ItemProcessor/States/P", Some("The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage"))],
        ),
        case(
            "a JSONata Parallel does not make its branch states JSONata",
            json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "QueryLanguage": "JSONata",
                "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Output": 1, "End": true}}}], "End": true}}}),
            &[(SCHEMA, "/States/P/Branches[0]/States/B", None)],
        ),
        case(
            "JSONata machine reaches processor states",
            json!({"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {"d": "{% 1 %}"}, "End": true}}}, "End": true}}}),
            &[],
        ),
        case(
            "ItemProcessor takes no QueryLanguage",
            json!({"StartAt": "M", "States": {"M": {"Type": "Map",
                "ItemProcessor": {"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}),
            &[(SCHEMA, "/States/M/ItemProcessor", Some("Field 'QueryLanguage' is not supported"))],
        ),
        case(
            "a branch takes no QueryLanguage",
            json!({"StartAt": "P", "States": {"P": {"Type": "Parallel",
                "Branches": [{"QueryLanguage": "JSONata", "StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}], "End": true}}}),
            &[(SCHEMA, "/States/P/Branches[0]", Some("Field 'QueryLanguage' is not supported"))],
        ),
        case(
            "unknown state QueryLanguage makes the state JSONata",
            one(json!({"Type": "Pass", "QueryLanguage": "foo", "InputPath": "$.a", "End": true})),
            &[
                (SCHEMA, "/States/S", Some("The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage")),
                (SCHEMA, "/States/S/QueryLanguage", Some("Value should be one of the following: [JSONPath, JSONata]")),
            ],
        ),
        case(
            "lowercase jsonpath under a JSONata machine is not a downgrade",
            one_jsonata(json!({"Type": "Pass", "QueryLanguage": "jsonpath", "End": true})),
            &[(SCHEMA, "/States/S/QueryLanguage", Some("Value should be one of the following: [JSONPath, JSONata]"))],
        ),
        case("JSONPath Assign is accepted", one(json!({"Type": "Pass", "Assign": {"counter": 1, "x.$": "$.x"}, "End": true})), &[]),
        case(
            "unclosed JSONata string",
            one_jsonata(json!({"Type": "Pass", "Output": {"a": ["{% 1 "]}, "End": true})),
            &[(SCHEMA, "/States/S/Output/a[0]", Some("JSONata string must start with {% and end with %}"))],
        ),
    ]
}

fn graph_cases() -> Vec<Case> {
    let processor = |states: Value| json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"StartAt": "W", "States": states}, "End": true}}});
    vec![
        case(
            "dangling Next and no terminal state",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "NOPE"}}}),
            &[
                (
                    TARGET,
                    "/States/A/Next",
                    Some("Missing 'Next' target: NOPE"),
                ),
                (
                    "MISSING_END_STATE",
                    "",
                    Some("Workflow has no terminal state"),
                ),
            ],
        ),
        case(
            "loop without terminal state hides unreachable states",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}, "U": {"Type": "Pass", "Next": "A"}}}),
            &[("MISSING_END_STATE", "", None)],
        ),
        case(
            "unreachable terminal state",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}, "C": {"Type": "Pass", "End": true}}}),
            &[(TARGET, "/States/C", Some("State \"C\" is not reachable."))],
        ),
        case(
            "dangling StartAt",
            json!({"StartAt": "Nope", "States": {"A": {"Type": "Pass", "End": true}}}),
            &[
                (TARGET, "/StartAt", Some("Missing 'Next' target: Nope")),
                (TARGET, "/States/A", Some("State \"A\" is not reachable.")),
            ],
        ),
        case(
            "dangling Choice Next and Default",
            json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Ghost"}], "Default": "Gone"}}}),
            &[
                (
                    TARGET,
                    "/States/C/Choices[0]/Next",
                    Some("Missing 'Next' target: Ghost"),
                ),
                (
                    TARGET,
                    "/States/C/Default",
                    Some("Missing 'Next' target: Gone"),
                ),
                ("MISSING_END_STATE", "", None),
            ],
        ),
        case(
            "dangling Catch Next",
            one(task(
                json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Ghost"}]}),
            )),
            &[(
                TARGET,
                "/States/S/Catch[0]/Next",
                Some("Missing 'Next' target: Ghost"),
            )],
        ),
        case(
            "Catch Next makes a state reachable",
            json!({"StartAt": "T", "States": {"T": task(json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}]})), "H": {"Type": "Succeed"}}}),
            &[],
        ),
        case(
            "unreachable state inside an ItemProcessor",
            processor(
                json!({"W": {"Type": "Pass", "End": true}, "Ghost": {"Type": "Pass", "End": true}}),
            ),
            &[(
                TARGET,
                "/States/M/ItemProcessor/States/Ghost",
                Some("State \"Ghost\" is not reachable."),
            )],
        ),
        case(
            "unreachable state inside a branch",
            json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [
                {"StartAt": "W", "States": {"W": {"Type": "Pass", "End": true}, "Ghost": {"Type": "Pass", "End": true}}}], "End": true}}}),
            &[(TARGET, "/States/P/Branches[0]/States/Ghost", None)],
        ),
        case(
            "a loop inside a processor needs no terminal state",
            processor(
                json!({"W": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "W"}}),
            ),
            &[],
        ),
        case(
            "transition problems wait for a schema-clean definition",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "NOPE", "TimeoutSeconds": 1}}}),
            &[(
                SCHEMA,
                "/States/A",
                Some("Field 'TimeoutSeconds' is not supported"),
            )],
        ),
    ]
}

fn all_cases() -> Vec<Case> {
    let mut all = top_level_cases();
    all.extend(state_cases());
    all.extend(query_language_cases());
    all.extend(graph_cases());
    all.extend(more::task_cases());
    all.extend(more::retry_catch_cases());
    all.extend(more::wait_fail_cases());
    all.extend(more::choice_cases());
    all.extend(more::parallel_map_cases());
    all.extend(more::payload_cases());
    all
}

#[test]
fn every_case_draws_exactly_its_diagnostics() {
    let mut failures = Vec::new();
    let cases = all_cases();
    for c in &cases {
        let diags = validate(&c.definition, &ValidateOptions { express: c.express, ..Default::default() });
        let mut got: Vec<(&str, &str)> = diags
            .iter()
            .map(|d| (d.code, d.location.as_str()))
            .collect();
        let mut want: Vec<(&str, &str)> =
            c.want.iter().map(|(code, loc, _)| (*code, *loc)).collect();
        got.sort_unstable();
        want.sort_unstable();
        if got != want {
            failures.push(format!("{}: want {want:?}\n    got {diags:?}", c.name));
            continue;
        }
        for (code, loc, message) in &c.want {
            if let Some(message) = message {
                let found = diags
                    .iter()
                    .any(|d| d.code == *code && d.location == *loc && d.message == *message);
                if !found {
                    failures.push(format!(
                        "{}: no {code} at {loc} saying {message:?}; got {diags:?}",
                        c.name
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
