// The crash test's workflow, shared by the test and its child process (`include!`d).

/// The workflow: a task, a one-second wait, a Map whose iterations run a task and wait, a
/// final task.
pub fn workflow() -> String {
    serde_json::json!({
        "StartAt": "Prep",
        "States": {
            "Prep": {
                "Type": "Task", "Resource": "wasm:transform",
                "Parameters": {"template": {"id": "{{ id }}", "items": "{{ items }}"}, "data.$": "$"},
                "Next": "Pause"
            },
            "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Each"},
            "Each": {
                "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Render",
                    "States": {
                        "Render": {
                            "Type": "Task", "Resource": "wasm:transform",
                            "Parameters": {"template": "item-{{ $ }}", "data.$": "$"},
                            "Next": "Nap"
                        },
                        "Nap": {"Type": "Wait", "Seconds": 1, "End": true}
                    }
                },
                "ResultPath": "$.rendered",
                "Next": "Sum"
            },
            "Sum": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "transform", "Payload": {"template": {"id": "{{ id }}", "rendered": "{{ rendered }}"}, "data.$": "$"}},
                "OutputPath": "$.Payload",
                "End": true
            }
        }
    })
    .to_string()
}
