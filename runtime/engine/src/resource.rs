//! What a Task state's `Resource` names, and the shapes AWS wraps results in.
//!
//! - `wasm:NAME` and `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` call the
//!   uploaded function NAME with the effective input; its result is the task's result.
//! - `arn:aws:states:::lambda:invoke` calls the function named by the input's `FunctionName`
//!   (a name or a Lambda ARN) with its `Payload`; the result is Lambda's invoke response
//!   (`ExecutedVersion`, `Payload`, `SdkHttpMetadata`, `SdkResponseMetadata`, `StatusCode`).
//! - `.waitForTaskToken` on either calls the function and ignores its result: the task ends
//!   when SendTaskSuccess/SendTaskFailure arrives with `$$.Task.Token`.
//! - `arn:aws:states:REGION:ACCOUNT:activity:NAME` queues the task for GetActivityTask.
//! - `arn:aws:states:::states:startExecution` starts an execution of another state machine
//!   (`StateMachineArn`, `Input`, `Name`, `TraceHeader`): `.sync` and `.sync:2` wait for its
//!   end, `.waitForTaskToken` for the token it is handed (see [`crate::nested`]).
//! - `arn:aws:states:::http:invoke` calls an HTTP API through a connection (see
//!   [`crate::http_task`]).
//! - `arn:aws:states:::aws-sdk:sfn:ACTION` calls Step Functions' own API (see
//!   [`crate::sdk_sfn`]).

use serde_json::{json, Map, Value};

/// How the engine carries out one task.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Call an uploaded function.
    Function {
        name: String,
        /// The text the function receives.
        payload: String,
        /// How the Task named it.
        via: Via,
        /// The result is ignored; a callback with the task token ends the task.
        callback: bool,
    },
    /// Queue the task for activity workers, who receive `input`.
    Activity { arn: String, input: String },
    /// Start an execution of another state machine.
    Execution { start: NestedStart, pattern: Pattern },
    /// Call an HTTP API.
    Http { call: crate::http_task::HttpCall },
    /// `lambda:invoke` with `InvocationType` `Event` (the function is called in the background
    /// and the task ends at once, 202) or `DryRun` (not called: 204).
    LambdaAsync { name: String, payload: String, dry_run: bool },
    /// Call Step Functions' own API.
    Sfn { call: crate::sdk_sfn::SfnCall },
}

/// What `states:startExecution` starts.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedStart {
    /// A state machine, version or alias ARN.
    pub state_machine_arn: String,
    /// The execution's name; one derived from the task when absent.
    pub name: Option<String>,
    /// The execution's input as JSON text (`Input` given as a string is taken as the text).
    pub input: String,
    pub trace_header: Option<String>,
}

/// How a `states:startExecution` task ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// When the execution has started: the result is StartExecution's answer.
    RequestResponse,
    /// `.sync`: when the execution ends; its input and output are quoted as text.
    Sync,
    /// `.sync:2`: when the execution ends; its input and output are JSON.
    SyncJson,
    /// `.waitForTaskToken`: when a SendTaskSuccess or SendTaskFailure brings the token.
    Callback,
}

/// How a Task names the function it calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `wasm:NAME`.
    Native,
    /// A Lambda function ARN: failures carry Lambda's error names.
    LambdaArn,
    /// `arn:aws:states:::lambda:invoke`: Lambda's error names, and the result wrapped in
    /// Lambda's invoke response.
    LambdaInvoke,
}

impl Via {
    /// Whether the function stands for a Lambda function (its failures carry Lambda's names).
    pub fn is_lambda(self) -> bool {
        self != Via::Native
    }
}

/// Why a resource cannot be run. The message becomes the task failure's cause.
#[derive(Debug, Clone, PartialEq)]
pub struct Unresolved(pub String);

const LAMBDA_INVOKE: &str = "arn:aws:states:::lambda:invoke";
const START_EXECUTION: &str = "arn:aws:states:::states:startExecution";
const HTTP_INVOKE: &str = "arn:aws:states:::http:invoke";
const SDK_SFN: &str = "arn:aws:states:::aws-sdk:sfn:";
const WAIT_FOR_TOKEN: &str = ".waitForTaskToken";

/// Resolves a Task's `resource` given its effective input and that input's compact text,
/// which goes to the target that is given the whole input.
pub fn resolve(resource: &str, input: &Value, input_text: String) -> Result<Target, Unresolved> {
    let (base, callback) = match resource.strip_suffix(WAIT_FOR_TOKEN) {
        Some(b) => (b, true),
        None => (resource, false),
    };
    if let Some(pattern) = start_execution_pattern(resource) {
        return Ok(Target::Execution { start: nested_start(input)?, pattern });
    }
    if service_suffix(resource, HTTP_INVOKE) == Some("") {
        return Ok(Target::Http { call: crate::http_task::HttpCall::from_input(input)? });
    }
    if let Some(action) = service_suffix(resource, SDK_SFN).filter(|a| crate::sdk_sfn::ACTIONS.contains(a)) {
        return Ok(Target::Sfn { call: crate::sdk_sfn::SfnCall { action: action.to_string(), params: input.clone() } });
    }
    if let Some(name) = base.strip_prefix("wasm:") {
        return function(name, input_text, Via::Native, callback);
    }
    if base == LAMBDA_INVOKE {
        let obj = input.as_object();
        let name = match obj.and_then(|o| o.get("FunctionName")) {
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(Unresolved("lambda:invoke: FunctionName must be a string".into())),
            None => return Err(Unresolved("lambda:invoke: the Parameters have no FunctionName".into())),
        };
        let name = function_name_of(name);
        let payload = obj.and_then(|o| o.get("Payload")).map_or_else(|| "null".to_string(), asl::error::compact);
        match obj.and_then(|o| o.get("InvocationType")) {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) if t == "RequestResponse" => {}
            Some(Value::String(t)) if (t == "Event" || t == "DryRun") && !callback => {
                if name.is_empty() {
                    return Err(Unresolved("the function name is empty".into()));
                }
                return Ok(Target::LambdaAsync { name: name.to_string(), payload, dry_run: t == "DryRun" });
            }
            Some(other) => {
                return Err(Unresolved(format!(
                    "lambda:invoke: InvocationType {other} is not RequestResponse, Event or DryRun{}",
                    if callback { " (a .waitForTaskToken task takes RequestResponse only)" } else { "" }
                )))
            }
        }
        return function(name, payload, Via::LambdaInvoke, callback);
    }
    if let Some(name) = lambda_function_name(base) {
        if callback {
            return Err(Unresolved(format!("resource '{resource}': .waitForTaskToken needs arn:aws:states:::lambda:invoke")));
        }
        return function(name, input_text, Via::LambdaArn, false);
    }
    let parts: Vec<&str> = base.split(':').collect();
    if parts.len() == 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "activity" && !callback {
        return Ok(Target::Activity { arn: base.to_string(), input: input_text });
    }
    Err(Unresolved(format!(
        "resource '{resource}' is not supported: use wasm:NAME, a Lambda function ARN, {LAMBDA_INVOKE}, an activity ARN, {LAMBDA_INVOKE}{WAIT_FOR_TOKEN}, {START_EXECUTION}, {HTTP_INVOKE} or {SDK_SFN}{{{}}}",
        crate::sdk_sfn::ACTIONS.join("|")
    )))
}

/// What follows `base` (an `arn:aws:states:::…` resource) in `resource`, in any partition.
fn service_suffix<'a>(resource: &'a str, base: &str) -> Option<&'a str> {
    let rest = resource.strip_prefix("arn:")?;
    let (_partition, rest) = rest.split_once(':')?;
    rest.strip_prefix(&base["arn:aws:".len()..])
}

/// The pattern of a `states:startExecution` resource (in any partition), if it is one.
fn start_execution_pattern(resource: &str) -> Option<Pattern> {
    match service_suffix(resource, START_EXECUTION)? {
        "" => Some(Pattern::RequestResponse),
        ".sync" => Some(Pattern::Sync),
        ".sync:2" => Some(Pattern::SyncJson),
        WAIT_FOR_TOKEN => Some(Pattern::Callback),
        _ => None,
    }
}

/// StartExecution's parameters from a task's effective input.
fn nested_start(input: &Value) -> Result<NestedStart, Unresolved> {
    let field = |name: &str| input.as_object().and_then(|o| o.get(name));
    let text = |name: &str| -> Result<Option<String>, Unresolved> {
        match field(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Unresolved(format!("states:startExecution: {name} must be a string"))),
        }
    };
    let state_machine_arn = text("StateMachineArn")?
        .ok_or_else(|| Unresolved("states:startExecution: the Parameters have no StateMachineArn".into()))?;
    // No Input is an empty object, as StartExecution takes it; a string is the input's text.
    let input = match field("Input") {
        None | Some(Value::Null) => "{}".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => asl::error::compact(v),
    };
    Ok(NestedStart { state_machine_arn, name: text("Name")?, input, trace_header: text("TraceHeader")? })
}

fn function(name: &str, payload: String, via: Via, callback: bool) -> Result<Target, Unresolved> {
    if name.is_empty() {
        return Err(Unresolved("the function name is empty".into()));
    }
    Ok(Target::Function { name: name.to_string(), payload, via, callback })
}

/// The failure (error, cause) of a task whose function `name` was never uploaded: as Lambda
/// reports it (`Lambda.ResourceNotFoundException`, the function's ARN `lambda_arn` in the cause)
/// for a Lambda-style resource, `States.TaskFailed` otherwise.
pub fn missing_function(name: &str, resource: &str, via: Via, lambda_arn: &str, request_id: &str) -> (String, String) {
    if via.is_lambda() {
        (
            "Lambda.ResourceNotFoundException".to_string(),
            format!(
                "Function not found: {lambda_arn} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: {request_id}; Proxy: null)"
            ),
        )
    } else {
        ("States.TaskFailed".to_string(), format!("function '{name}' (from resource '{resource}') does not exist: upload it first"))
    }
}

/// The function a Lambda `FunctionName` names, in each form Lambda takes: `NAME`,
/// `NAME:QUALIFIER`, `ACCOUNT:function:NAME[:QUALIFIER]` or the whole function ARN.
fn function_name_of(name: &str) -> &str {
    if let Some(n) = lambda_function_name(name) {
        return n;
    }
    let parts: Vec<&str> = name.split(':').collect();
    match parts.as_slice() {
        [_, "function", n] | [_, "function", n, _] | [n, _] => n,
        _ => name,
    }
}

/// NAME of `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
fn lambda_function_name(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.split(':').collect();
    if (parts.len() == 7 || parts.len() == 8) && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function" {
        Some(parts[6])
    } else {
        None
    }
}

/// Lambda's invoke response around a function's result, as `lambda:invoke` returns it.
pub fn lambda_invoke_response(payload: Value, request_id: &str) -> Value {
    lambda_response(payload, 200, request_id)
}

/// Lambda's response to an `Event` (202) or `DryRun` (204) invocation: no payload.
pub fn lambda_async_response(dry_run: bool, request_id: &str) -> Value {
    lambda_response(Value::String(String::new()), if dry_run { 204 } else { 202 }, request_id)
}

fn lambda_response(payload: Value, status: u16, request_id: &str) -> Value {
    let mut headers = json!({
        "Connection": "keep-alive",
        "Content-Type": "application/json",
        "X-Amz-Executed-Version": "$LATEST",
        "x-amzn-Remapped-Content-Length": "0",
        "x-amzn-RequestId": request_id,
    });
    if status != 200 {
        // Only a call that ran says which version ran.
        if let Some(h) = headers.as_object_mut() {
            h.remove("X-Amz-Executed-Version");
        }
    }
    let all_headers: Map<String, Value> = headers
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), Value::Array(vec![v.clone()]))).collect())
        .unwrap_or_default();
    let mut out = json!({
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": all_headers,
            "HttpHeaders": headers,
            "HttpStatusCode": status
        },
        "SdkResponseMetadata": { "RequestId": request_id },
        "StatusCode": status
    });
    if status != 200 {
        if let Some(o) = out.as_object_mut() {
            o.remove("ExecutedVersion");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str, payload: &str, via: Via, callback: bool) -> Target {
        Target::Function { name: name.into(), payload: payload.into(), via, callback }
    }

    /// `resolve` with the input's text as the engine has it.
    fn resolve(resource: &str, input: &Value) -> Result<Target, Unresolved> {
        super::resolve(resource, input, asl::error::compact(input))
    }

    #[test]
    fn native_and_lambda_names_resolve_to_the_function() {
        let input = json!({"a": 1});
        let text = r#"{"a":1}"#;
        assert_eq!(resolve("wasm:greet", &input).unwrap(), f("greet", text, Via::Native, false));
        assert_eq!(
            resolve("arn:aws:lambda:us-east-1:123456789012:function:greet", &input).unwrap(),
            f("greet", text, Via::LambdaArn, false)
        );
        assert_eq!(
            resolve("arn:aws:lambda:us-east-1:123456789012:function:greet:prod", &input).unwrap(),
            f("greet", text, Via::LambdaArn, false)
        );
        assert_eq!(resolve("wasm:greet.waitForTaskToken", &input).unwrap(), f("greet", text, Via::Native, true));
    }

    #[test]
    fn lambda_invoke_takes_function_name_and_payload() {
        let input = json!({"FunctionName": "arn:aws:lambda:eu-west-1:1:function:greet:3", "Payload": {"x": 1}});
        assert_eq!(resolve(LAMBDA_INVOKE, &input).unwrap(), f("greet", r#"{"x":1}"#, Via::LambdaInvoke, false));
        let input = json!({"FunctionName": "greet", "Payload": {"token": "t"}});
        assert_eq!(
            resolve("arn:aws:states:::lambda:invoke.waitForTaskToken", &input).unwrap(),
            f("greet", r#"{"token":"t"}"#, Via::LambdaInvoke, true)
        );
        // Every form of FunctionName Lambda takes names the same function.
        for name in ["greet:prod", "123456789012:function:greet", "123456789012:function:greet:2", "arn:aws:lambda:us-east-1:1:function:greet"] {
            let input = json!({"FunctionName": name, "Payload": {}});
            assert_eq!(resolve(LAMBDA_INVOKE, &input).unwrap(), f("greet", "{}", Via::LambdaInvoke, false), "{name}");
        }
        let no_payload = json!({"FunctionName": "greet"});
        assert_eq!(resolve(LAMBDA_INVOKE, &no_payload).unwrap(), f("greet", "null", Via::LambdaInvoke, false));
        let err = resolve(LAMBDA_INVOKE, &json!({"Payload": 1})).unwrap_err();
        assert!(err.0.contains("FunctionName"), "{}", err.0);
    }

    #[test]
    fn activities_and_unknown_resources() {
        let arn = "arn:aws:states:us-east-1:123456789012:activity:review";
        assert_eq!(resolve(arn, &json!({})).unwrap(), Target::Activity { arn: arn.into(), input: "{}".into() });
        let err = resolve("arn:aws:states:::sqs:sendMessage", &json!({})).unwrap_err();
        assert!(err.0.contains("sqs:sendMessage"), "{}", err.0);
    }

    #[test]
    fn start_execution_takes_its_parameters_in_each_pattern() {
        let sm = "arn:aws:states:us-east-1:123456789012:stateMachine:child";
        let input = json!({"StateMachineArn": sm, "Input": {"a": [1, 2]}, "Name": "n1", "TraceHeader": "t"});
        let start = NestedStart { state_machine_arn: sm.into(), name: Some("n1".into()), input: r#"{"a":[1,2]}"#.into(), trace_header: Some("t".into()) };
        for (resource, pattern) in [
            (START_EXECUTION, Pattern::RequestResponse),
            ("arn:aws:states:::states:startExecution.sync", Pattern::Sync),
            ("arn:aws:states:::states:startExecution.sync:2", Pattern::SyncJson),
            ("arn:aws:states:::states:startExecution.waitForTaskToken", Pattern::Callback),
            ("arn:aws-cn:states:::states:startExecution.sync", Pattern::Sync),
        ] {
            assert_eq!(resolve(resource, &input).unwrap(), Target::Execution { start: start.clone(), pattern }, "{resource}");
        }
        // Input: absent is `{}`, a string is the input's text as it stands.
        let t = resolve(START_EXECUTION, &json!({"StateMachineArn": sm})).unwrap();
        assert!(matches!(t, Target::Execution { start, .. } if start.input == "{}" && start.name.is_none()));
        let t = resolve(START_EXECUTION, &json!({"StateMachineArn": sm, "Input": "{\"x\": 1}"})).unwrap();
        assert!(matches!(t, Target::Execution { start, .. } if start.input == "{\"x\": 1}"));
        let err = resolve(START_EXECUTION, &json!({"Input": {}})).unwrap_err();
        assert!(err.0.contains("StateMachineArn"), "{}", err.0);
        let err = resolve(START_EXECUTION, &json!({"StateMachineArn": sm, "Name": 3})).unwrap_err();
        assert!(err.0.contains("Name must be a string"), "{}", err.0);
        assert!(resolve("arn:aws:states:::states:startExecution.sync:3", &input).is_err());
    }

    #[test]
    fn event_and_dry_run_invocations_do_not_wait_for_the_function() {
        let input = |t: &str| json!({"FunctionName": "greet", "Payload": {"x": 1}, "InvocationType": t});
        assert_eq!(
            resolve(LAMBDA_INVOKE, &input("Event")).unwrap(),
            Target::LambdaAsync { name: "greet".into(), payload: r#"{"x":1}"#.into(), dry_run: false }
        );
        assert!(matches!(resolve(LAMBDA_INVOKE, &input("DryRun")).unwrap(), Target::LambdaAsync { dry_run: true, .. }));
        assert!(matches!(resolve(LAMBDA_INVOKE, &input("RequestResponse")).unwrap(), Target::Function { .. }));
        assert!(resolve(LAMBDA_INVOKE, &input("Later")).unwrap_err().0.contains("InvocationType \"Later\""));
        let err = resolve("arn:aws:states:::lambda:invoke.waitForTaskToken", &input("Event")).unwrap_err();
        assert!(err.0.contains("RequestResponse only"), "{}", err.0);
        let r = lambda_async_response(false, "req");
        assert_eq!((r["StatusCode"].as_u64(), r["Payload"].as_str()), (Some(202), Some("")));
        assert!(r.get("ExecutedVersion").is_none() && r["SdkHttpMetadata"]["HttpHeaders"].get("X-Amz-Executed-Version").is_none());
        assert_eq!(lambda_async_response(true, "req")["SdkHttpMetadata"]["HttpStatusCode"], 204);
    }

    #[test]
    fn invoke_response_has_lambdas_shape() {
        let r = lambda_invoke_response(json!({"ok": true}), "req-1");
        assert_eq!(r["StatusCode"], 200);
        assert_eq!(r["ExecutedVersion"], "$LATEST");
        assert_eq!(r["Payload"], json!({"ok": true}));
        assert_eq!(r["SdkResponseMetadata"]["RequestId"], "req-1");
        assert_eq!(r["SdkHttpMetadata"]["HttpStatusCode"], 200);
        assert_eq!(r["SdkHttpMetadata"]["AllHttpHeaders"]["x-amzn-RequestId"], json!(["req-1"]));
    }
}
