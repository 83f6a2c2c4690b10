//! The second half of the case table: Task, Retry/Catch, Wait, Fail, Choice, Parallel, Map
//! and payload cases.

use serde_json::{json, Value};

use super::tests_cases::{case, express, map_with, one, one_jsonata, task, Case, SCHEMA};

pub(super) fn task_cases() -> Vec<Case> {
    let sync = one(task(
        json!({"Resource": "arn:aws:states:::states:startExecution.sync:2"}),
    ));
    vec![
        case("Task without Resource", one(json!({"Type": "Task", "End": true})), &[(SCHEMA, "/States/S", Some("These fields are required: [Resource]"))]),
        case("Resource not a string", one(task(json!({"Resource": 5}))), &[(SCHEMA, "/States/S/Resource", Some("Expected value of type [STRING]"))]),
        express("Express .sync:2", sync.clone(), &[(SCHEMA, "/States/S/Resource", Some("Express state machine does not support '.sync' service integration"))]),
        case("Standard .sync:2", sync, &[]),
        express(
            "Express activity",
            one(task(json!({"Resource": "arn:aws:states:us-east-1:111111111111:activity:work"}))),
            &[(SCHEMA, "/States/S/Resource", Some("Express state machine does not support Activity ARN"))],
        ),
        express("Express request/response", one(task(json!({}))), &[]),
        case(
            "integration pattern the service lacks",
            one(task(json!({"Resource": "arn:aws:states:::dynamodb:getItem.sync"}))),
            &[(SCHEMA, "/States/S/Resource", Some("The resource provided arn:aws:states:::dynamodb:getItem.sync is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."))],
        ),
        express("Express unknown action", one(task(json!({"Resource": "arn:aws:states:::sqs:sendMessages.sync"}))), &[(SCHEMA, "/States/S/Resource", Some("The resource provided arn:aws:states:::sqs:sendMessages.sync is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."))]),
        case("not a resource", one(task(json!({"Resource": "validate-order"}))), &[(SCHEMA, "/States/S/Resource", None)]),
        case("TimeoutSeconds zero", one(task(json!({"TimeoutSeconds": 0}))), &[(SCHEMA, "/States/S/TimeoutSeconds", Some("Minimum value is 1"))]),
        case(
            "TimeoutSeconds too large",
            one(task(json!({"TimeoutSeconds": 100_000_000}))),
            &[(SCHEMA, "/States/S/TimeoutSeconds", Some("Maximum value is 99999999"))],
        ),
        case(
            "TimeoutSeconds with TimeoutSecondsPath",
            one(task(json!({"TimeoutSeconds": 5, "TimeoutSecondsPath": "$.t"}))),
            &[(SCHEMA, "/States/S/TimeoutSeconds", Some("These fields cannot be used together: [TimeoutSeconds, TimeoutSecondsPath]"))],
        ),
        case("HeartbeatSeconds not below TimeoutSeconds", one(task(json!({"TimeoutSeconds": 5, "HeartbeatSeconds": 5}))), &[(SCHEMA, "/States/S/HeartbeatSeconds", None)]),
        case(
            "TimeoutSecondsPath not a path",
            one(task(json!({"TimeoutSecondsPath": "t"}))),
            &[(SCHEMA, "/States/S/TimeoutSecondsPath", Some("The value for the field 'TimeoutSecondsPath' must be a valid JSONPath"))],
        ),
        case("JSONata TimeoutSeconds expression", one_jsonata(task(json!({"TimeoutSeconds": "{% 5 %}"}))), &[]),
        case("JSONata TimeoutSeconds literal string", one_jsonata(task(json!({"TimeoutSeconds": "5"}))), &[(SCHEMA, "/States/S/TimeoutSeconds", None)]),
        case("JSONata Resource expression", one_jsonata(task(json!({"Resource": "{% $r %}"}))), &[(SCHEMA, "/States/S/Resource", None)]),
        case(
            "Credentials without RoleArn",
            one(task(json!({"Credentials": {"Other": "x"}}))),
            &[(SCHEMA, "/States/S/Credentials", Some("The field 'RoleArn' is required but was missing"))],
        ),
        case(
            "Credentials with an extra field",
            one(task(json!({"Credentials": {"RoleArn": "arn:aws:iam::1:role/r", "Other": 1}}))),
            &[(SCHEMA, "/States/S/Credentials", Some("Field 'Other' is not supported"))],
        ),
        case("Credentials RoleArn.$ path", one(task(json!({"Credentials": {"RoleArn.$": "$.role"}}))), &[]),
        case(
            "Parameters path key without a path",
            one(task(json!({"Parameters": {"a.$": "x", "b": {"c.$": 1}}}))),
            &[
                (SCHEMA, "/States/S/Parameters/a.$", Some("The value for the field 'a.$' must be a valid JSONPath or intrinsic function")),
                (SCHEMA, "/States/S/Parameters/b/c.$", Some("Expected value of type [STRING]")),
            ],
        ),
        case("Parameters not an object", one(task(json!({"Parameters": "x"}))), &[(SCHEMA, "/States/S/Parameters", Some("Expected value of type [OBJECT]"))]),
        case(
            "ResultSelector intrinsic and context paths",
            one(task(json!({"ResultSelector": {"a.$": "States.Format('{}', $.x)", "b.$": "$$.Execution.Id", "c.$": "$var"}}))),
            &[],
        ),
        case("InputPath without $", one(task(json!({"InputPath": "a"}))), &[(SCHEMA, "/States/S/InputPath", None)]),
        case("ResultPath null", one(task(json!({"ResultPath": null, "OutputPath": null}))), &[]),
        case("ResultPath with brackets and a dash", one(task(json!({"ResultPath": "$['a-b'][0].detail-type"}))), &[]),
        case(
            "ResultPath into a variable",
            one(task(json!({"ResultPath": "$var"}))),
            &[(SCHEMA, "/States/S/ResultPath", Some("The value for the field 'ResultPath' must be a valid ReferencePath: '$' followed by names and single indexes only (no wildcard, slice, filter, deep scan, context object or variable), got '$var'"))],
        ),
        case("ResultPath into the context object", one(task(json!({"ResultPath": "$$.Execution.x"}))), &[(SCHEMA, "/States/S/ResultPath", None)]),
        case("ResultPath with a wildcard", one(task(json!({"ResultPath": "$.a[*]"}))), &[(SCHEMA, "/States/S/ResultPath", None)]),
        case("ResultPath with a deep scan", one(task(json!({"ResultPath": "$..b"}))), &[(SCHEMA, "/States/S/ResultPath", None)]),
        case("ResultPath with a filter", one(task(json!({"ResultPath": "$.a[?(@.b)]"}))), &[(SCHEMA, "/States/S/ResultPath", None)]),
        case(
            "catcher ResultPath into a variable",
            one(task(json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "S", "ResultPath": "$err"}]}))),
            &[(SCHEMA, "/States/S/Catch[0]/ResultPath", None)],
        ),
    ]
}

pub(super) fn retry_catch_cases() -> Vec<Case> {
    vec![
        case("retrier without ErrorEquals", one(task(json!({"Retry": [{}]}))), &[(SCHEMA, "/States/S/Retry[0]", Some("These fields are required: [ErrorEquals]"))]),
        case("empty ErrorEquals", one(task(json!({"Retry": [{"ErrorEquals": []}]}))), &[(SCHEMA, "/States/S/Retry[0]/ErrorEquals", None)]),
        case(
            "States.ALL not alone",
            one(task(json!({"Retry": [{"ErrorEquals": ["States.ALL", "X"]}]}))),
            &[(SCHEMA, "/States/S/Retry[0]/ErrorEquals", None)],
        ),
        case(
            "States.ALL not last",
            one(task(json!({"Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}]}))),
            &[(SCHEMA, "/States/S/Retry[0]", None)],
        ),
        case(
            "retrier numbers out of range",
            one(task(json!({"Retry": [{"ErrorEquals": ["X"], "IntervalSeconds": 0, "MaxAttempts": -1, "BackoffRate": 0.5,
                "MaxDelaySeconds": 0, "JitterStrategy": "SOME"}]}))),
            &[
                (SCHEMA, "/States/S/Retry[0]/IntervalSeconds", Some("Minimum value is 1")),
                (SCHEMA, "/States/S/Retry[0]/MaxAttempts", Some("Minimum value is 0")),
                (SCHEMA, "/States/S/Retry[0]/BackoffRate", Some("Minimum value is 1")),
                (SCHEMA, "/States/S/Retry[0]/MaxDelaySeconds", Some("Minimum value is 1")),
                (SCHEMA, "/States/S/Retry[0]/JitterStrategy", Some("Value should be one of the following: [FULL, NONE]")),
            ],
        ),
        case("unknown retrier field", one(task(json!({"Retry": [{"ErrorEquals": ["X"], "Next": "S"}]}))), &[(SCHEMA, "/States/S/Retry[0]", Some("Field 'Next' is not supported"))]),
        case("Retry not an array", one(task(json!({"Retry": {}}))), &[(SCHEMA, "/States/S/Retry", Some("Expected value of type [ARRAY]"))]),
        case("catcher without Next", one(task(json!({"Catch": [{"ErrorEquals": ["X"]}]}))), &[(SCHEMA, "/States/S/Catch[0]", Some("These fields are required: [Next]"))]),
        case(
            "JSONata catcher with ResultPath",
            one_jsonata(task(json!({"Catch": [{"ErrorEquals": ["X"], "Next": "S", "ResultPath": "$.e"}]}))),
            &[(SCHEMA, "/States/S/Catch[0]", Some("The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for the 'JSONPath' QueryLanguage"))],
        ),
        case(
            "JSONPath catcher with Output",
            one(task(json!({"Catch": [{"ErrorEquals": ["X"], "Next": "S", "Output": 1}]}))),
            &[(SCHEMA, "/States/S/Catch[0]", None)],
        ),
        case("retry and catch on a Map", map_with(json!({"Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "M"}]})), &[]),
    ]
}

pub(super) fn wait_fail_cases() -> Vec<Case> {
    let wait = |fields: Value| {
        let mut w = json!({"Type": "Wait", "End": true});
        if let (Some(w), Some(f)) = (w.as_object_mut(), fields.as_object()) {
            w.extend(f.clone());
        }
        one(w)
    };
    let rfc = Some("String does not match RFC3339 timestamp");
    vec![
        case("Wait without a duration", wait(json!({})), &[(SCHEMA, "/States/S", Some("Exactly one of these fields is required: [Seconds, SecondsPath, Timestamp, TimestampPath]"))]),
        case(
            "Wait with Seconds and Timestamp",
            wait(json!({"Seconds": 1, "Timestamp": "2024-01-01T00:00:00Z"})),
            &[(SCHEMA, "/States/S/Seconds", Some("These fields cannot be used together: [Seconds, Timestamp]"))],
        ),
        case("Wait Seconds negative", wait(json!({"Seconds": -1})), &[(SCHEMA, "/States/S/Seconds", Some("Minimum value is 0"))]),
        case("Wait Seconds a string in JSONPath", wait(json!({"Seconds": "5"})), &[(SCHEMA, "/States/S/Seconds", Some("Expected value of type [INTEGER]"))]),
        case("Wait Timestamp lowercase t", wait(json!({"Timestamp": "2024-01-01t00:00:00Z"})), &[(SCHEMA, "/States/S/Timestamp", rfc)]),
        case("Wait Timestamp without zone", wait(json!({"Timestamp": "2024-01-01T00:00:00"})), &[(SCHEMA, "/States/S/Timestamp", rfc)]),
        case("Wait Timestamp 30 February", wait(json!({"Timestamp": "2024-02-30T00:00:00Z"})), &[(SCHEMA, "/States/S/Timestamp", rfc)]),
        case("Wait Timestamp with offset and fraction", wait(json!({"Timestamp": "2024-02-29T23:59:59.123456+05:30"})), &[]),
        case("JSONata Wait Timestamp expression", one_jsonata(json!({"Type": "Wait", "Timestamp": "{% $t %}", "End": true})), &[]),
        case(
            "JSONata Wait with SecondsPath",
            one_jsonata(json!({"Type": "Wait", "SecondsPath": "$.s", "End": true})),
            &[
                (SCHEMA, "/States/S", Some("The QueryLanguage is set to 'JSONata', but field 'SecondsPath' is only supported for the 'JSONPath' QueryLanguage")),
                (SCHEMA, "/States/S", Some("Exactly one of these fields is required: [Seconds, Timestamp]")),
            ],
        ),
        case("Wait SecondsPath not a path", wait(json!({"SecondsPath": "s"})), &[(SCHEMA, "/States/S/SecondsPath", None)]),
        case(
            "Fail Error with ErrorPath",
            one(json!({"Type": "Fail", "Error": "E", "ErrorPath": "$.e"})),
            &[(SCHEMA, "/States/S/Error", Some("These fields cannot be used together: [Error, ErrorPath]"))],
        ),
        case("Fail Cause not a string", one(json!({"Type": "Fail", "Cause": 5})), &[(SCHEMA, "/States/S/Cause", Some("Expected value of type [STRING]"))]),
        case(
            "Fail CausePath neither path nor intrinsic",
            one(json!({"Type": "Fail", "CausePath": "cause"})),
            &[(SCHEMA, "/States/S/CausePath", Some("The value for the field 'CausePath' must be a valid JSONPath or intrinsic function"))],
        ),
        case("Fail ErrorPath intrinsic", one(json!({"Type": "Fail", "ErrorPath": "States.Format('{}', $.e)"})), &[]),
        case("Fail Cause that looks like a path", one(json!({"Type": "Fail", "Cause": "$.cause"})), &[("NO_PATH", "/States/S/Cause", None)]),
    ]
}

pub(super) fn choice_cases() -> Vec<Case> {
    let choice = |rules: Value| json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": rules, "Default": "E"}, "E": {"Type": "Succeed"}}});
    let jsonata_choice = |rules: Value| json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": rules, "Default": "E"}, "E": {"Type": "Succeed"}}});
    vec![
        case("Choice without Choices", one(json!({"Type": "Choice"})), &[(SCHEMA, "/States/S", Some("These fields are required: [Choices]"))]),
        case("empty Choices", choice(json!([])), &[(SCHEMA, "/States/C/Choices", Some("Minimum number of items is 1"))]),
        case("Choices not an array", choice(json!({})), &[(SCHEMA, "/States/C/Choices", Some("Expected value of type [ARRAY]"))]),
        case(
            "rule without Next",
            choice(json!([{"Variable": "$.x", "IsPresent": true}])),
            &[(SCHEMA, "/States/C/Choices[0]", Some("These fields are required: [Next]"))],
        ),
        case("rule without operator", choice(json!([{"Variable": "$.x", "Next": "E"}])), &[(SCHEMA, "/States/C/Choices[0]", None)]),
        case(
            "rule with two operators",
            choice(json!([{"Variable": "$.x", "IsPresent": true, "IsNull": false, "Next": "E"}])),
            &[(SCHEMA, "/States/C/Choices[0]", Some("Each Choice Rule can only have one comparison operator"))],
        ),
        case(
            "comparison without Variable",
            choice(json!([{"StringEquals": "a", "Next": "E"}])),
            &[(SCHEMA, "/States/C/Choices[0]", Some("These fields are required: [Variable]"))],
        ),
        case("Variable not a path", choice(json!([{"Variable": "x", "IsNull": true, "Next": "E"}])), &[(SCHEMA, "/States/C/Choices[0]/Variable", None)]),
        case(
            "operand types",
            choice(json!([
                {"Variable": "$.x", "StringEquals": 1, "Next": "E"},
                {"Variable": "$.x", "NumericEquals": "1", "Next": "E"},
                {"Variable": "$.x", "BooleanEquals": "true", "Next": "E"},
                {"Variable": "$.x", "IsNull": 1, "Next": "E"},
                {"Variable": "$.x", "NumericEqualsPath": "y", "Next": "E"},
                {"Variable": "$.x", "TimestampEquals": 5, "Next": "E"}])),
            &[
                (SCHEMA, "/States/C/Choices[0]/StringEquals", Some("Expected value of type [STRING]")),
                (SCHEMA, "/States/C/Choices[1]/NumericEquals", Some("Expected value of type [NUMBER]")),
                (SCHEMA, "/States/C/Choices[2]/BooleanEquals", Some("Expected value of type [BOOLEAN]")),
                (SCHEMA, "/States/C/Choices[3]/IsNull", Some("Expected value of type [BOOLEAN]")),
                (SCHEMA, "/States/C/Choices[4]/NumericEqualsPath", Some("The value for the field 'NumericEqualsPath' must be a valid JSONPath")),
                (SCHEMA, "/States/C/Choices[5]/TimestampEquals", Some("Expected value of type [STRING]")),
            ],
        ),
        case(
            "nested rules",
            choice(json!([{"And": [{"Variable": "$.x", "IsPresent": true, "Next": "E"}, {"Not": {"Or": []}}], "Next": "E"}])),
            &[
                (SCHEMA, "/States/C/Choices[0]/And[0]", Some("Field 'Next' is not supported")),
                (SCHEMA, "/States/C/Choices[0]/And[1]/Not/Or", Some("Minimum number of items is 1")),
            ],
        ),
        case("valid nested rules with variables", choice(json!([{"Or": [{"Variable": "$v", "StringMatches": "a*"}, {"Not": {"Variable": "$.y", "IsNull": true}}], "Next": "E", "Assign": {"x": 1}}])), &[]),
        case(
            "JSONata rule with Variable",
            jsonata_choice(json!([{"Variable": "$.x", "Condition": true, "Next": "E"}])),
            &[(SCHEMA, "/States/C/Choices[0]", Some("The QueryLanguage is set to 'JSONata', but field 'Variable' is only supported for the 'JSONPath' QueryLanguage"))],
        ),
        case("JSONata rule without Condition", jsonata_choice(json!([{"Next": "E"}])), &[(SCHEMA, "/States/C/Choices[0]", Some("These fields are required: [Condition]"))]),
        case(
            "JSONata Condition not an expression",
            jsonata_choice(json!([{"Condition": "yes", "Next": "E"}, {"Condition": 1, "Next": "E"}])),
            &[(SCHEMA, "/States/C/Choices[0]/Condition", None), (SCHEMA, "/States/C/Choices[1]/Condition", Some("Expected value of type [BOOLEAN, STRING]"))],
        ),
        case(
            "JSONPath rule with Condition",
            choice(json!([{"Condition": "{% true %}", "Next": "E"}])),
            &[
                (SCHEMA, "/States/C/Choices[0]", Some("The QueryLanguage is set to 'JSONPath', but field 'Condition' is only supported for the 'JSONata' QueryLanguage")),
                (SCHEMA, "/States/C/Choices[0]", None),
            ],
        ),
        case(
            "Default not a string",
            json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsNull": true, "Next": "E"}], "Default": 1}, "E": {"Type": "Succeed"}}}),
            &[(SCHEMA, "/States/C/Default", Some("Expected value of type [STRING]"))],
        ),
    ]
}

pub(super) fn parallel_map_cases() -> Vec<Case> {
    let parallel =
        |branches: Value| one(json!({"Type": "Parallel", "Branches": branches, "End": true}));
    vec![
        case("Parallel without Branches", one(json!({"Type": "Parallel", "End": true})), &[(SCHEMA, "/States/S", Some("These fields are required: [Branches]"))]),
        case("empty Branches", parallel(json!([])), &[(SCHEMA, "/States/S/Branches", Some("Minimum number of items is 1"))]),
        case("branch not an object", parallel(json!([1])), &[(SCHEMA, "/States/S/Branches[0]", Some("Expected value of type [OBJECT]"))]),
        case(
            "branch without StartAt",
            parallel(json!([{"States": {"B": {"Type": "Succeed"}}}])),
            &[(SCHEMA, "/States/S/Branches[0]", Some("These fields are required: [StartAt]"))],
        ),
        case(
            "Map without processor",
            json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true}}}),
            &[(SCHEMA, "/States/M", Some("These fields are required: [ItemProcessor]"))],
        ),
        case(
            "Map with ItemProcessor and Iterator",
            map_with(json!({"Iterator": {"StartAt": "Q", "States": {"Q": {"Type": "Succeed"}}}})),
            &[(SCHEMA, "/States/M/ItemProcessor", Some("These fields cannot be used together: [ItemProcessor, Iterator]"))],
        ),
        case("Map ItemSelector with Parameters", map_with(json!({"ItemSelector": {}, "Parameters": {}})), &[(SCHEMA, "/States/M/ItemSelector", None)]),
        case("Map MaxConcurrency negative", map_with(json!({"MaxConcurrency": -1})), &[(SCHEMA, "/States/M/MaxConcurrency", Some("Minimum value is 0"))]),
        case("Map MaxConcurrency huge", map_with(json!({"MaxConcurrency": i64::MAX})), &[]),
        case(
            "Map MaxConcurrency with its path",
            map_with(json!({"MaxConcurrency": 2, "MaxConcurrencyPath": "$.limit"})),
            &[(SCHEMA, "/States/M/MaxConcurrency", None)],
        ),
        case(
            "JSONata Map with MaxConcurrencyPath",
            json!({"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrencyPath": "$.l",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}),
            &[(SCHEMA, "/States/M", None)],
        ),
        case(
            "Map tolerated failures out of range",
            map_with(json!({"ToleratedFailurePercentage": 101, "ToleratedFailureCount": -1})),
            &[(SCHEMA, "/States/M/ToleratedFailurePercentage", Some("Maximum value is 100")), (SCHEMA, "/States/M/ToleratedFailureCount", Some("Minimum value is 0"))],
        ),
        case(
            "ProcessorConfig checks",
            json!({"StartAt": "M", "States": {
                "M": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "Next": "N"},
                "N": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "FAST", "Other": 1}, "StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": true}}}, "End": true}}}),
            &[
                (SCHEMA, "/States/M/ItemProcessor/ProcessorConfig", Some("These fields are required: [ExecutionType]")),
                (SCHEMA, "/States/N/ItemProcessor/ProcessorConfig", Some("Field 'Other' is not supported")),
                (SCHEMA, "/States/N/ItemProcessor/ProcessorConfig/Mode", Some("Value should be one of the following: [INLINE, DISTRIBUTED]")),
            ],
        ),
        case(
            "JSONPath Map with Items",
            map_with(json!({"Items": [1]})),
            &[(SCHEMA, "/States/M", Some("The QueryLanguage is set to 'JSONPath', but field 'Items' is only supported for the 'JSONata' QueryLanguage"))],
        ),
        case(
            "JSONata Map Items an object",
            json!({"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "Items": {},
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}),
            &[(SCHEMA, "/States/M/Items", Some("Expected value of type [ARRAY, STRING]"))],
        ),
        case("Map Label with a space", map_with(json!({"Label": "my label"})), &[("INVALID_LABEL_NAME", "/States/M/Label", None)]),
        case("Map Label too long", map_with(json!({"Label": "L".repeat(41)})), &[("INVALID_LABEL_NAME", "/States/M/Label", None)]),
        case(
            "Map Label used twice",
            json!({"StartAt": "M", "States": {
                "M": {"Type": "Map", "Label": "L", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "Next": "N"},
                "N": {"Type": "Map", "Label": "L", "ItemProcessor": {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": true}}}, "End": true}}}),
            &[("DUPLICATE_LABEL_NAME", "/States/N/Label", None)],
        ),
        case(
            "ItemReader with an unknown resource and input type",
            map_with(json!({"ItemReader": {"Resource": "arn:aws:states:::s3:unknownOperation", "ReaderConfig": {"InputType": "XML"},
                "Parameters": {"Bucket": "b", "Key": "k"}}})),
            &[(SCHEMA, "/States/M/ItemReader/Resource", None), (SCHEMA, "/States/M/ItemReader/ReaderConfig/InputType", None)],
        ),
        case(
            "valid ItemReader and ResultWriter",
            map_with(json!({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItems": 10},
                "Parameters": {"Bucket": "b", "Key.$": "$.key"}},
                "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b", "Prefix": "p"}, "WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSONL"}},
                "ItemBatcher": {"MaxItemsPerBatch": 10, "BatchInput": {"a.$": "$.a"}}})),
            &[],
        ),
        case("empty ResultWriter", map_with(json!({"ResultWriter": {}})), &[(SCHEMA, "/States/M/ResultWriter", None)]),
        case(
            "ResultWriter Resource without Parameters",
            map_with(json!({"ResultWriter": {"Resource": "arn:aws:states:::s3:putObject"}})),
            &[(SCHEMA, "/States/M/ResultWriter", Some("These fields are required: [Parameters]"))],
        ),
        case(
            "WriterConfig halves",
            map_with(json!({"ResultWriter": {"WriterConfig": {"Transformation": "COMPACT"}}})),
            &[(SCHEMA, "/States/M/ResultWriter/WriterConfig", Some("These fields are required: [OutputType]"))],
        ),
        case("WriterConfig values not strings", map_with(json!({"ResultWriter": {"WriterConfig": {"Transformation": {}, "OutputType": []}}})), &[(SCHEMA, "/States/M/ResultWriter/WriterConfig", None)]),
        case(
            "ResultWriter destination not strings",
            map_with(json!({"ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": 42, "Prefix": {}}}})),
            &[(SCHEMA, "/States/M/ResultWriter/Parameters/Bucket", None), (SCHEMA, "/States/M/ResultWriter/Parameters/Prefix", None)],
        ),
        case(
            "JSONata ResultWriter with Parameters",
            json!({"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "Items": "{% $states.input.items %}",
                "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Arguments": {"Bucket": "b"}, "Parameters": {"Bucket": "c"}}, "End": true}}}),
            &[(SCHEMA, "/States/M/ResultWriter/Parameters", None)],
        ),
    ]
}

pub(super) fn payload_cases() -> Vec<Case> {
    vec![
        case("plain key holding a path", one(json!({"Type": "Pass", "Parameters": {"a": "$.x"}, "End": true})), &[("NO_DOLLAR", "/States/S/Parameters/a", None)]),
        case("Pass Result with a path key", one(json!({"Type": "Pass", "Result": {"a.$": "$.x"}, "End": true})), &[("PASS_RESULT_IS_STATIC", "/States/S/Result", None)]),
        case(
            "Assign with bad variable names",
            one(json!({"Type": "Pass", "Assign": {"1x": 1, "a-b.$": "$.x", "ok.$": "nope"}, "End": true})),
            &[
                (SCHEMA, "/States/S/Assign/1x", None),
                (SCHEMA, "/States/S/Assign/a-b.$", None),
                (SCHEMA, "/States/S/Assign/ok.$", Some("The value for the field 'ok.$' must be a valid JSONPath or intrinsic function")),
            ],
        ),
        case("JSONata Assign key with .$", one_jsonata(json!({"Type": "Pass", "Assign": {"x.$": "{% 1 %}"}, "End": true})), &[(SCHEMA, "/States/S/Assign/x.$", None)]),
        case("Assign not an object", one(json!({"Type": "Pass", "Assign": [1], "End": true})), &[(SCHEMA, "/States/S/Assign", Some("Expected value of type [OBJECT]"))]),
        case("JSONata Arguments expression", one_jsonata(task(json!({"Arguments": "{% $states.input %}"}))), &[]),
        case("JSONata Arguments number", one_jsonata(task(json!({"Arguments": 5}))), &[(SCHEMA, "/States/S/Arguments", Some("Expected value of type [OBJECT, STRING]"))]),
    ]
}
