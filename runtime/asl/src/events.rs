//! History events with AWS's event types, numbering and detail shapes.
//!
//! These are the persisted and served form of an execution's history, so their JSON (see
//! [`HistoryEvent::to_json`]) is a format: change it only deliberately.

use std::sync::Arc;

use serde_json::{Map, Value};

/// One history event.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// 1-based, sequential over the whole execution (branches and iterations included).
    pub id: u64,
    pub previous_event_id: u64,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// AWS's `HistoryEventType` ("PassStateEntered", "TaskScheduled", ...).
    pub event_type: &'static str,
    pub details: Details,
}

/// The detail member of an event. State names and the input and output texts of states are
/// shared (`Arc<str>`): a state's output text is the next state's input text, and a name is the
/// definition's.
#[derive(Debug, Clone, PartialEq)]
pub enum Details {
    None,
    ExecutionStarted { input: Arc<str>, role_arn: String },
    ExecutionSucceeded { output: Arc<str> },
    ExecutionRedriven { redrive_count: u64 },
    /// `executionFailedEventDetails`, `executionAbortedEventDetails`, `taskFailedEventDetails`... :
    /// `member` is the AWS member name.
    ErrorCause { member: &'static str, resource: Option<(String, String)>, error: Option<String>, cause: Option<String> },
    StateEntered { name: Arc<str>, input: Arc<str> },
    StateExited { name: Arc<str>, output: Arc<str>, assigned_variables: Option<Map<String, Value>> },
    TaskScheduled {
        resource_type: String,
        resource: String,
        region: String,
        parameters: String,
        timeout_seconds: Option<u64>,
        heartbeat_seconds: Option<u64>,
    },
    TaskStarted { resource_type: String, resource: String },
    TaskSucceeded { resource_type: String, resource: String, output: String, logs: Option<Value> },
    /// `lambdaFunctionScheduledEventDetails` (a Task whose Resource is a Lambda function ARN).
    LambdaScheduled { resource: String, input: String, timeout_seconds: Option<u64> },
    /// `activityScheduledEventDetails` (a Task whose Resource is an activity ARN).
    ActivityScheduled { resource: String, input: String, timeout_seconds: Option<u64>, heartbeat_seconds: Option<u64> },
    /// `activityStartedEventDetails`.
    ActivityStarted { worker_name: Option<String> },
    /// `lambdaFunctionSucceededEventDetails` / `activitySucceededEventDetails`: `member` names it.
    Output { member: &'static str, output: String, logs: Option<Value> },
    MapStateStarted { length: usize },
    /// `mapIterationStartedEventDetails` etc.
    MapIteration { member: &'static str, name: Arc<str>, index: usize },
    EvaluationFailed { error: String, cause: String, location: String, state: String },
}

fn data_details() -> Value {
    let mut m = Map::new();
    m.insert("truncated".into(), Value::Bool(false));
    Value::Object(m)
}

impl HistoryEvent {
    /// The event as AWS's `GetExecutionHistory` returns it (timestamp in epoch seconds).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("timestamp".into(), Value::from(self.timestamp_ms as f64 / 1000.0));
        m.insert("type".into(), Value::String(self.event_type.to_string()));
        m.insert("id".into(), Value::from(self.id));
        m.insert("previousEventId".into(), Value::from(self.previous_event_id));
        let (member, body) = match &self.details {
            Details::None => return Value::Object(m),
            Details::ExecutionStarted { input, role_arn } => (
                "executionStartedEventDetails",
                obj([("input", Value::String(input.to_string())), ("inputDetails", data_details()), ("roleArn", Value::String(role_arn.clone()))]),
            ),
            Details::ExecutionSucceeded { output } => (
                "executionSucceededEventDetails",
                obj([("output", Value::String(output.to_string())), ("outputDetails", data_details())]),
            ),
            Details::ExecutionRedriven { redrive_count } => {
                ("executionRedrivenEventDetails", obj([("redriveCount", Value::from(*redrive_count))]))
            }
            Details::ErrorCause { member, resource, error, cause } => {
                let mut d = Map::new();
                if let Some((rt, r)) = resource {
                    d.insert("resourceType".into(), Value::String(rt.clone()));
                    d.insert("resource".into(), Value::String(r.clone()));
                }
                if let Some(e) = error {
                    d.insert("error".into(), Value::String(e.clone()));
                }
                if let Some(c) = cause {
                    d.insert("cause".into(), Value::String(c.clone()));
                }
                (*member, Value::Object(d))
            }
            Details::StateEntered { name, input } => (
                "stateEnteredEventDetails",
                obj([("name", Value::String(name.to_string())), ("input", Value::String(input.to_string())), ("inputDetails", data_details())]),
            ),
            Details::StateExited { name, output, assigned_variables } => {
                let mut d = Map::new();
                d.insert("name".into(), Value::String(name.to_string()));
                d.insert("output".into(), Value::String(output.to_string()));
                d.insert("outputDetails".into(), data_details());
                if let Some(vars) = assigned_variables {
                    d.insert("assignedVariables".into(), Value::Object(vars.clone()));
                    d.insert("assignedVariablesDetails".into(), data_details());
                }
                ("stateExitedEventDetails", Value::Object(d))
            }
            Details::TaskScheduled { resource_type, resource, region, parameters, timeout_seconds, heartbeat_seconds } => {
                let mut d = Map::new();
                d.insert("resourceType".into(), Value::String(resource_type.clone()));
                d.insert("resource".into(), Value::String(resource.clone()));
                d.insert("region".into(), Value::String(region.clone()));
                d.insert("parameters".into(), Value::String(parameters.clone()));
                if let Some(t) = timeout_seconds {
                    d.insert("timeoutInSeconds".into(), Value::from(*t));
                }
                if let Some(h) = heartbeat_seconds {
                    d.insert("heartbeatInSeconds".into(), Value::from(*h));
                }
                ("taskScheduledEventDetails", Value::Object(d))
            }
            Details::TaskStarted { resource_type, resource } => (
                "taskStartedEventDetails",
                obj([("resourceType", Value::String(resource_type.clone())), ("resource", Value::String(resource.clone()))]),
            ),
            Details::TaskSucceeded { resource_type, resource, output, logs } => {
                let mut d = Map::new();
                d.insert("resourceType".into(), Value::String(resource_type.clone()));
                d.insert("resource".into(), Value::String(resource.clone()));
                d.insert("output".into(), Value::String(output.clone()));
                d.insert("outputDetails".into(), data_details());
                if let Some(l) = logs {
                    d.insert("logs".into(), l.clone());
                }
                ("taskSucceededEventDetails", Value::Object(d))
            }
            Details::LambdaScheduled { resource, input, timeout_seconds } => {
                let mut d = Map::new();
                d.insert("resource".into(), Value::String(resource.clone()));
                d.insert("input".into(), Value::String(input.clone()));
                d.insert("inputDetails".into(), data_details());
                if let Some(t) = timeout_seconds {
                    d.insert("timeoutInSeconds".into(), Value::from(*t));
                }
                ("lambdaFunctionScheduledEventDetails", Value::Object(d))
            }
            Details::ActivityScheduled { resource, input, timeout_seconds, heartbeat_seconds } => {
                let mut d = Map::new();
                d.insert("resource".into(), Value::String(resource.clone()));
                d.insert("input".into(), Value::String(input.clone()));
                d.insert("inputDetails".into(), data_details());
                if let Some(t) = timeout_seconds {
                    d.insert("timeoutInSeconds".into(), Value::from(*t));
                }
                if let Some(h) = heartbeat_seconds {
                    d.insert("heartbeatInSeconds".into(), Value::from(*h));
                }
                ("activityScheduledEventDetails", Value::Object(d))
            }
            Details::ActivityStarted { worker_name } => {
                let mut d = Map::new();
                if let Some(w) = worker_name {
                    d.insert("workerName".into(), Value::String(w.clone()));
                }
                ("activityStartedEventDetails", Value::Object(d))
            }
            Details::Output { member, output, logs } => {
                let mut d = Map::new();
                d.insert("output".into(), Value::String(output.clone()));
                d.insert("outputDetails".into(), data_details());
                if let Some(l) = logs {
                    d.insert("logs".into(), l.clone());
                }
                (*member, Value::Object(d))
            }
            Details::MapStateStarted { length } => ("mapStateStartedEventDetails", obj([("length", Value::from(*length))])),
            Details::MapIteration { member, name, index } => {
                (*member, obj([("name", Value::String(name.to_string())), ("index", Value::from(*index))]))
            }
            Details::EvaluationFailed { error, cause, location, state } => (
                "evaluationFailedEventDetails",
                obj([
                    ("error", Value::String(error.clone())),
                    ("cause", Value::String(cause.clone())),
                    ("location", Value::String(location.clone())),
                    ("state", Value::String(state.clone())),
                ]),
            ),
        };
        m.insert(member.into(), body);
        Value::Object(m)
    }
}

fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}
