//! `arn:aws:states:::aws-sdk:sfn:ACTION`: Step Functions' own API called from a Task, as the
//! AWS SDK integration calls it: `startExecution`, `describeExecution`, `stopExecution`,
//! `sendTaskSuccess`, `sendTaskFailure` and `sendTaskHeartbeat`, with the API's parameters
//! in PascalCase (`TaskToken`, `Output` as JSON text, ...) and its response likewise
//! (`ExecutionArn`, `StartDate` as an ISO timestamp, ...). A refusal fails the task with
//! `Sfn.<Code>Exception` and the SDK's cause (`… (Service: Sfn, Status Code: 400, Request ID:
//! …)`), as every SDK integration reports its service's errors.
//!
//! With `sendTaskSuccess` a child started by `states:startExecution.waitForTaskToken` answers
//! its parent, all within stepwasm. Like any task, the call is made after the commit and at
//! least once: a `sendTask*` made again after a crash finds its token spent
//! (`Sfn.TaskTimedOutException`).

use std::sync::Arc;

use asl::exec::{Input, WorkId};
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use crate::actor::Msg;
use crate::{Engine, EngineError, Inner, StartRequest};

/// The actions served, as the resource names them.
pub(crate) const ACTIONS: [&str; 6] = ["startExecution", "describeExecution", "stopExecution", "sendTaskSuccess", "sendTaskFailure", "sendTaskHeartbeat"];

/// One call of the API.
#[derive(Debug, Clone, PartialEq)]
pub struct SfnCall {
    pub action: String,
    pub params: Value,
}

/// Makes the call on the engine's runtime; its answer goes to `tx` as a task input.
pub(crate) fn spawn(id: WorkId, call: SfnCall, tx: mpsc::UnboundedSender<Msg>, inner: &Arc<Inner>) {
    let engine = Engine { inner: inner.clone() };
    inner.runtime.spawn(async move {
        let input = match answer(&engine, &call).await {
            Ok(output) => Input::TaskSucceeded { id, output, logs: None },
            Err((error, cause)) => Input::TaskFailed { id, error: Some(error), cause: Some(cause) },
        };
        let _ = tx.send(Msg::Input { input, reply: None });
    });
}

/// The call's response, or its failure (error, cause) as the SDK integration reports it.
pub(crate) async fn answer(engine: &Engine, call: &SfnCall) -> Result<Value, (String, String)> {
    run(engine, call).await.map_err(|e| {
        let code = e.code();
        let name = code.strip_suffix("Exception").unwrap_or(code);
        (format!("Sfn.{name}Exception"), format!("{e} (Service: Sfn, Status Code: 400, Request ID: {})", engine.inner.uuid()))
    })
}

async fn run(engine: &Engine, call: &SfnCall) -> Result<Value, EngineError> {
    let p = call.params.as_object().cloned().unwrap_or_default();
    let text = |k: &str| -> Result<Option<String>, EngineError> {
        match p.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(EngineError::InvalidRequest(format!("{k} must be a string"))),
        }
    };
    let required = |k: &str| -> Result<String, EngineError> {
        text(k)?.ok_or_else(|| EngineError::InvalidRequest(format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", camel(k))))
    };
    match call.action.as_str() {
        "sendTaskSuccess" => {
            engine.send_task_success(&required("TaskToken")?, &required("Output")?).await?;
            Ok(json!({}))
        }
        "sendTaskFailure" => {
            engine.send_task_failure(&required("TaskToken")?, text("Error")?, text("Cause")?).await?;
            Ok(json!({}))
        }
        "sendTaskHeartbeat" => {
            engine.send_task_heartbeat(&required("TaskToken")?).await?;
            Ok(json!({}))
        }
        "startExecution" => {
            let req = StartRequest {
                state_machine_arn: required("StateMachineArn")?,
                name: text("Name")?,
                input: text("Input")?,
                trace_header: text("TraceHeader")?,
            };
            let started = engine.start_execution(req).await?;
            Ok(json!({"ExecutionArn": started.execution_arn, "StartDate": asl::exec::iso_millis(started.start_ms)}))
        }
        "stopExecution" => {
            let stopped = engine.stop_execution(&required("ExecutionArn")?, text("Error")?, text("Cause")?).await?;
            Ok(json!({"StopDate": asl::exec::iso_millis(stopped)}))
        }
        "describeExecution" => {
            let rec = engine.describe_execution(&required("ExecutionArn")?)?;
            let mut m = Map::new();
            let mut put = |k: &str, v: Value| {
                m.insert(k.to_string(), v);
            };
            put("ExecutionArn", json!(rec.arn));
            put("StateMachineArn", json!(rec.state_machine_arn));
            put("Name", json!(rec.name));
            put("Status", json!(rec.status.as_str()));
            put("StartDate", json!(asl::exec::iso_millis(rec.start_ms)));
            if let Some(s) = rec.stop_ms {
                put("StopDate", json!(asl::exec::iso_millis(s)));
            }
            put("Input", json!(rec.input));
            put("InputDetails", json!({"Included": true}));
            if let Some(o) = rec.output {
                put("Output", json!(o));
                put("OutputDetails", json!({"Included": true}));
            }
            if let Some(e) = rec.error {
                put("Error", json!(e));
            }
            if let Some(c) = rec.cause {
                put("Cause", json!(c));
            }
            if let Some(v) = rec.state_machine_version_arn {
                put("StateMachineVersionArn", json!(v));
            }
            if let Some(a) = rec.state_machine_alias_arn {
                put("StateMachineAliasArn", json!(a));
            }
            if let Some(r) = rec.map_run_arn {
                put("MapRunArn", json!(r));
            }
            put("RedriveCount", json!(rec.redrive_count));
            Ok(Value::Object(m))
        }
        other => Err(EngineError::InvalidRequest(format!(
            "aws-sdk:sfn:{other} is not served here; the Task can call {}",
            ACTIONS.join(", ")
        ))),
    }
}

/// The API's member name of a parameter (`TaskToken` → `taskToken`), for the SDK's messages.
fn camel(k: &str) -> String {
    let mut c = k.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => String::new(),
    }
}
