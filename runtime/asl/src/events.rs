//! History events with AWS's event types, numbering and detail shapes.
//!
//! These are the persisted and served form of an execution's history, so their JSON (see
//! [`HistoryEvent::to_json`]) is a format: change it only deliberately.

use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};
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
    ExecutionStarted { input: Arc<str>, role_arn: String, alias_arn: Option<String>, version_arn: Option<String> },
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
    /// `taskSubmittedEventDetails`: what a `.waitForTaskToken` task's integration answered.
    TaskSubmitted { resource_type: String, resource: String, output: String },
    /// `lambdaFunctionScheduledEventDetails` (a Task whose Resource is a Lambda function ARN).
    LambdaScheduled { resource: String, input: String, timeout_seconds: Option<u64> },
    /// `activityScheduledEventDetails` (a Task whose Resource is an activity ARN).
    ActivityScheduled { resource: String, input: String, timeout_seconds: Option<u64>, heartbeat_seconds: Option<u64> },
    /// `activityStartedEventDetails`.
    ActivityStarted { worker_name: Option<String> },
    /// `lambdaFunctionSucceededEventDetails` / `activitySucceededEventDetails`: `member` names it.
    Output { member: &'static str, output: String, logs: Option<Value> },
    MapStateStarted { length: usize },
    /// `mapRunStartedEventDetails`: the map run a Distributed Map state started.
    MapRunStarted { map_run_arn: Arc<str> },
    /// `mapIterationStartedEventDetails` etc.
    MapIteration { member: &'static str, name: Arc<str>, index: usize },
    /// `evaluationFailedEventDetails`: a JSONata expression of `state` failed; `location` is the
    /// field it was in, when the cause names one.
    EvaluationFailed { error: String, cause: String, location: Option<String>, state: String },
}

impl HistoryEvent {
    /// The event as AWS's `GetExecutionHistory` returns it (timestamp in epoch seconds).
    pub fn to_json(&self) -> Value {
        // Serializing to a `Value` cannot fail: every key is a string.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// [`HistoryEvent::to_json`] as compact text, written without building the value first
    /// (how the engine persists events).
    pub fn to_json_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The one definition of the event format (see [`HistoryEvent::to_json`]).
impl Serialize for HistoryEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("timestamp", &(self.timestamp_ms as f64 / 1000.0))?;
        m.serialize_entry("type", self.event_type)?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("previousEventId", &self.previous_event_id)?;
        if let Some(member) = self.details.member() {
            m.serialize_entry(member, &Body(&self.details))?;
        }
        m.end()
    }
}

impl Details {
    /// The AWS member that holds these details (`None` for an event without details).
    fn member(&self) -> Option<&'static str> {
        Some(match self {
            Details::None => return None,
            Details::ExecutionStarted { .. } => "executionStartedEventDetails",
            Details::ExecutionSucceeded { .. } => "executionSucceededEventDetails",
            Details::ExecutionRedriven { .. } => "executionRedrivenEventDetails",
            Details::ErrorCause { member, .. } | Details::Output { member, .. } | Details::MapIteration { member, .. } => member,
            Details::StateEntered { .. } => "stateEnteredEventDetails",
            Details::StateExited { .. } => "stateExitedEventDetails",
            Details::TaskScheduled { .. } => "taskScheduledEventDetails",
            Details::TaskStarted { .. } => "taskStartedEventDetails",
            Details::TaskSucceeded { .. } => "taskSucceededEventDetails",
            Details::TaskSubmitted { .. } => "taskSubmittedEventDetails",
            Details::LambdaScheduled { .. } => "lambdaFunctionScheduledEventDetails",
            Details::ActivityScheduled { .. } => "activityScheduledEventDetails",
            Details::ActivityStarted { .. } => "activityStartedEventDetails",
            Details::MapStateStarted { .. } => "mapStateStartedEventDetails",
            Details::MapRunStarted { .. } => "mapRunStartedEventDetails",
            Details::EvaluationFailed { .. } => "evaluationFailedEventDetails",
        })
    }
}

/// `inputDetails` / `outputDetails`: this engine never truncates.
struct NotTruncated;

impl Serialize for NotTruncated {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("truncated", &false)?;
        m.end()
    }
}

/// The body of an event's detail member.
struct Body<'a>(&'a Details);

impl Serialize for Body<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match self.0 {
            Details::None => {}
            Details::ExecutionStarted { input, role_arn, alias_arn, version_arn } => {
                m.serialize_entry("input", &**input)?;
                m.serialize_entry("inputDetails", &NotTruncated)?;
                m.serialize_entry("roleArn", role_arn)?;
                entry_if(&mut m, "stateMachineAliasArn", alias_arn)?;
                entry_if(&mut m, "stateMachineVersionArn", version_arn)?;
            }
            Details::ExecutionSucceeded { output } => {
                m.serialize_entry("output", &**output)?;
                m.serialize_entry("outputDetails", &NotTruncated)?;
            }
            Details::ExecutionRedriven { redrive_count } => m.serialize_entry("redriveCount", redrive_count)?,
            Details::ErrorCause { member: _, resource, error, cause } => {
                if let Some((resource_type, resource)) = resource {
                    m.serialize_entry("resourceType", resource_type)?;
                    m.serialize_entry("resource", resource)?;
                }
                entry_if(&mut m, "error", error)?;
                entry_if(&mut m, "cause", cause)?;
            }
            Details::StateEntered { name, input } => {
                m.serialize_entry("name", &**name)?;
                m.serialize_entry("input", &**input)?;
                m.serialize_entry("inputDetails", &NotTruncated)?;
            }
            Details::StateExited { name, output, assigned_variables } => {
                m.serialize_entry("name", &**name)?;
                m.serialize_entry("output", &**output)?;
                m.serialize_entry("outputDetails", &NotTruncated)?;
                if let Some(vars) = assigned_variables {
                    m.serialize_entry("assignedVariables", vars)?;
                    m.serialize_entry("assignedVariablesDetails", &NotTruncated)?;
                }
            }
            Details::TaskScheduled { resource_type, resource, region, parameters, timeout_seconds, heartbeat_seconds } => {
                m.serialize_entry("resourceType", resource_type)?;
                m.serialize_entry("resource", resource)?;
                m.serialize_entry("region", region)?;
                m.serialize_entry("parameters", parameters)?;
                entry_if(&mut m, "timeoutInSeconds", timeout_seconds)?;
                entry_if(&mut m, "heartbeatInSeconds", heartbeat_seconds)?;
            }
            Details::TaskStarted { resource_type, resource } => {
                m.serialize_entry("resourceType", resource_type)?;
                m.serialize_entry("resource", resource)?;
            }
            Details::TaskSucceeded { resource_type, resource, output, logs } => {
                m.serialize_entry("resourceType", resource_type)?;
                m.serialize_entry("resource", resource)?;
                m.serialize_entry("output", output)?;
                m.serialize_entry("outputDetails", &NotTruncated)?;
                entry_if(&mut m, "logs", logs)?;
            }
            Details::TaskSubmitted { resource_type, resource, output } => {
                m.serialize_entry("resourceType", resource_type)?;
                m.serialize_entry("resource", resource)?;
                m.serialize_entry("output", output)?;
                m.serialize_entry("outputDetails", &NotTruncated)?;
            }
            Details::LambdaScheduled { resource, input, timeout_seconds } => {
                m.serialize_entry("resource", resource)?;
                m.serialize_entry("input", input)?;
                m.serialize_entry("inputDetails", &NotTruncated)?;
                entry_if(&mut m, "timeoutInSeconds", timeout_seconds)?;
            }
            Details::ActivityScheduled { resource, input, timeout_seconds, heartbeat_seconds } => {
                m.serialize_entry("resource", resource)?;
                m.serialize_entry("input", input)?;
                m.serialize_entry("inputDetails", &NotTruncated)?;
                entry_if(&mut m, "timeoutInSeconds", timeout_seconds)?;
                entry_if(&mut m, "heartbeatInSeconds", heartbeat_seconds)?;
            }
            Details::ActivityStarted { worker_name } => entry_if(&mut m, "workerName", worker_name)?,
            Details::Output { member: _, output, logs } => {
                m.serialize_entry("output", output)?;
                m.serialize_entry("outputDetails", &NotTruncated)?;
                entry_if(&mut m, "logs", logs)?;
            }
            Details::MapStateStarted { length } => m.serialize_entry("length", length)?,
            Details::MapRunStarted { map_run_arn } => m.serialize_entry("mapRunArn", map_run_arn.as_ref())?,
            Details::MapIteration { member: _, name, index } => {
                m.serialize_entry("name", &**name)?;
                m.serialize_entry("index", index)?;
            }
            Details::EvaluationFailed { error, cause, location, state } => {
                m.serialize_entry("error", error)?;
                m.serialize_entry("cause", cause)?;
                entry_if(&mut m, "location", location)?;
                m.serialize_entry("state", state)?;
            }
        }
        m.end()
    }
}

/// Writes `key: value` only when there is a value (AWS leaves absent members out).
fn entry_if<M: SerializeMap, T: Serialize>(m: &mut M, key: &str, value: &Option<T>) -> Result<(), M::Error> {
    match value {
        Some(v) => m.serialize_entry(key, v),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(event_type: &'static str, details: Details) -> HistoryEvent {
        HistoryEvent { id: 3, previous_event_id: 2, timestamp_ms: 1_700_000_000_123, event_type, details }
    }

    #[test]
    fn events_are_written_in_aws_shapes_with_absent_members_left_out() {
        let cases = [
            (event("PassStateEntered", Details::StateEntered { name: "A".into(), input: "{\"a\":\"x\\\"y\"}".into() }),
             r#"{"timestamp":1700000000.123,"type":"PassStateEntered","id":3,"previousEventId":2,"stateEnteredEventDetails":{"name":"A","input":"{\"a\":\"x\\\"y\"}","inputDetails":{"truncated":false}}}"#),
            (event("TaskScheduled", Details::TaskScheduled { resource_type: "lambda".into(), resource: "invoke".into(), region: "us-east-1".into(), parameters: "{}".into(), timeout_seconds: None, heartbeat_seconds: Some(5) }),
             r#"{"timestamp":1700000000.123,"type":"TaskScheduled","id":3,"previousEventId":2,"taskScheduledEventDetails":{"resourceType":"lambda","resource":"invoke","region":"us-east-1","parameters":"{}","heartbeatInSeconds":5}}"#),
            (event("ExecutionFailed", Details::ErrorCause { member: "executionFailedEventDetails", resource: None, error: Some("E".into()), cause: None }),
             r#"{"timestamp":1700000000.123,"type":"ExecutionFailed","id":3,"previousEventId":2,"executionFailedEventDetails":{"error":"E"}}"#),
            (event("ActivityStarted", Details::ActivityStarted { worker_name: None }),
             r#"{"timestamp":1700000000.123,"type":"ActivityStarted","id":3,"previousEventId":2,"activityStartedEventDetails":{}}"#),
            (event("MapIterationStarted", Details::MapIteration { member: "mapIterationStartedEventDetails", name: "M".into(), index: 7 }),
             r#"{"timestamp":1700000000.123,"type":"MapIterationStarted","id":3,"previousEventId":2,"mapIterationStartedEventDetails":{"name":"M","index":7}}"#),
            (event("MapRunStarted", Details::MapRunStarted { map_run_arn: "arn:aws:states:us-east-1:1:mapRun:m/L:u".into() }),
             r#"{"timestamp":1700000000.123,"type":"MapRunStarted","id":3,"previousEventId":2,"mapRunStartedEventDetails":{"mapRunArn":"arn:aws:states:us-east-1:1:mapRun:m/L:u"}}"#),
            (event("WaitStateAborted", Details::None), r#"{"timestamp":1700000000.123,"type":"WaitStateAborted","id":3,"previousEventId":2}"#),
        ];
        for (e, expected) in cases {
            assert_eq!(e.to_json_text(), expected);
            assert_eq!(e.to_json(), serde_json::from_str::<Value>(expected).unwrap(), "{}", e.event_type);
        }
    }

    #[test]
    fn assigned_variables_and_logs_keep_their_order() {
        let mut vars = Map::new();
        vars.insert("z".into(), Value::from(1));
        vars.insert("a".into(), Value::from("two"));
        let exited = event("PassStateExited", Details::StateExited { name: "P".into(), output: "1".into(), assigned_variables: Some(vars) });
        assert_eq!(
            exited.to_json_text(),
            r#"{"timestamp":1700000000.123,"type":"PassStateExited","id":3,"previousEventId":2,"stateExitedEventDetails":{"name":"P","output":"1","outputDetails":{"truncated":false},"assignedVariables":{"z":1,"a":"two"},"assignedVariablesDetails":{"truncated":false}}}"#
        );
        let logs = serde_json::json!([{"level": "info", "message": "hi"}]);
        let done = event("TaskSucceeded", Details::TaskSucceeded { resource_type: "wasm".into(), resource: "f".into(), output: "{}".into(), logs: Some(logs) });
        assert!(done.to_json_text().ends_with(r#""output":"{}","outputDetails":{"truncated":false},"logs":[{"level":"info","message":"hi"}]}}"#));
    }
}
