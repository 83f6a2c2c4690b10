//! The replay log: every input fed to an execution, with the time and entropy it was stepped
//! with. The stepper is deterministic, so feeding the journal again to a fresh
//! [`asl::exec::Execution`] rebuilds it exactly. The JSON written here is a format: old
//! journals must keep replaying.

use asl::exec::{Input, WorkId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One journalled input, in its stored form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Entry {
    /// The first input. `role_arn` is kept here because `$$.Execution.RoleArn` must not change
    /// when the state machine is updated later; `test_case`, the mock test case the execution
    /// was started with (see [`crate::mocks`]), so that it keeps its mocks when it resumes.
    Start {
        role_arn: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        test_case: Option<String>,
    },
    TaskStarted {
        id: WorkId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        worker: Option<String>,
    },
    TaskSucceeded {
        id: WorkId,
        output: Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        logs: Option<Value>,
    },
    TaskFailed {
        id: WorkId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<String>,
    },
    TaskHeartbeat { id: WorkId },
    TaskSubmitted { id: WorkId, output: Value },
    TimerFired { id: WorkId },
    Stop {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<String>,
    },
    /// RedriveExecution: resume from the states that failed.
    Redrive,
    /// UpdateMapRun.
    UpdateMapRun {
        map_run_arn: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_concurrency: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tolerated_failure_count: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tolerated_failure_percentage: Option<f64>,
    },
    /// StopExecution of a child execution of a map run.
    StopChild {
        execution_arn: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<String>,
    },
}

/// [`Entry`]'s stored form, borrowing what it writes; the same tags and members, so the same
/// text (a test holds the two together).
#[derive(Serialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum EntryRef<'a> {
    Start {
        role_arn: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        test_case: Option<&'a str>,
    },
    TaskStarted {
        id: WorkId,
        #[serde(skip_serializing_if = "is_none")]
        worker: &'a Option<String>,
    },
    TaskSucceeded {
        id: WorkId,
        output: &'a Value,
        #[serde(skip_serializing_if = "is_none")]
        logs: &'a Option<Value>,
    },
    TaskFailed {
        id: WorkId,
        #[serde(skip_serializing_if = "is_none")]
        error: &'a Option<String>,
        #[serde(skip_serializing_if = "is_none")]
        cause: &'a Option<String>,
    },
    TaskHeartbeat {
        id: WorkId,
    },
    TaskSubmitted {
        id: WorkId,
        output: &'a Value,
    },
    TimerFired {
        id: WorkId,
    },
    Stop {
        #[serde(skip_serializing_if = "is_none")]
        error: &'a Option<String>,
        #[serde(skip_serializing_if = "is_none")]
        cause: &'a Option<String>,
    },
    UpdateMapRun {
        map_run_arn: &'a str,
        #[serde(skip_serializing_if = "is_none")]
        max_concurrency: &'a Option<u64>,
        #[serde(skip_serializing_if = "is_none")]
        tolerated_failure_count: &'a Option<u64>,
        #[serde(skip_serializing_if = "is_none")]
        tolerated_failure_percentage: &'a Option<f64>,
    },
    StopChild {
        execution_arn: &'a str,
        #[serde(skip_serializing_if = "is_none")]
        error: &'a Option<String>,
        #[serde(skip_serializing_if = "is_none")]
        cause: &'a Option<String>,
    },
}

fn is_none<T>(v: &&Option<T>) -> bool {
    v.is_none()
}

impl Entry {
    /// The journal form of a stepper input. `role_arn` is used for [`Input::Start`] only.
    /// (The engine writes [`Entry::text_of`] straight away; this is what that text stands for.)
    #[cfg(test)]
    pub fn from_input(input: &Input, role_arn: &str) -> Entry {
        match input {
            Input::Start => Entry::Start { role_arn: role_arn.to_string(), test_case: None },
            Input::TaskStarted { id, worker } => Entry::TaskStarted { id: *id, worker: worker.clone() },
            Input::TaskSucceeded { id, output, logs } => {
                Entry::TaskSucceeded { id: *id, output: output.clone(), logs: logs.clone() }
            }
            Input::TaskFailed { id, error, cause } => {
                Entry::TaskFailed { id: *id, error: error.clone(), cause: cause.clone() }
            }
            Input::TaskHeartbeat { id } => Entry::TaskHeartbeat { id: *id },
            Input::TaskSubmitted { id, output } => Entry::TaskSubmitted { id: *id, output: output.clone() },
            Input::TimerFired { id } => Entry::TimerFired { id: *id },
            Input::Stop { error, cause } => Entry::Stop { error: error.clone(), cause: cause.clone() },
            Input::UpdateMapRun { map_run_arn, max_concurrency, tolerated_failure_count, tolerated_failure_percentage } => {
                Entry::UpdateMapRun {
                    map_run_arn: map_run_arn.clone(),
                    max_concurrency: *max_concurrency,
                    tolerated_failure_count: *tolerated_failure_count,
                    tolerated_failure_percentage: *tolerated_failure_percentage,
                }
            }
            Input::StopChild { execution_arn, error, cause } => {
                Entry::StopChild { execution_arn: execution_arn.clone(), error: error.clone(), cause: cause.clone() }
            }
        }
    }

    /// The stepper input this entry replays, or `None` for [`Entry::Redrive`], which is not
    /// a stepper input but a call of [`asl::exec::Execution::redrive`].
    pub fn to_input(&self) -> Option<Input> {
        Some(match self.clone() {
            Entry::Start { .. } => Input::Start,
            Entry::TaskStarted { id, worker } => Input::TaskStarted { id, worker },
            Entry::TaskSucceeded { id, output, logs } => Input::TaskSucceeded { id, output, logs },
            Entry::TaskFailed { id, error, cause } => Input::TaskFailed { id, error, cause },
            Entry::TaskHeartbeat { id } => Input::TaskHeartbeat { id },
            Entry::TaskSubmitted { id, output } => Input::TaskSubmitted { id, output },
            Entry::TimerFired { id } => Input::TimerFired { id },
            Entry::Stop { error, cause } => Input::Stop { error, cause },
            Entry::UpdateMapRun { map_run_arn, max_concurrency, tolerated_failure_count, tolerated_failure_percentage } => {
                Input::UpdateMapRun { map_run_arn, max_concurrency, tolerated_failure_count, tolerated_failure_percentage }
            }
            Entry::StopChild { execution_arn, error, cause } => Input::StopChild { execution_arn, error, cause },
            Entry::Redrive => return None,
        })
    }

    /// The stored text of the entry that journals `input` (`role_arn` is used for
    /// [`Input::Start`] only), written from the input where it stands: a task's result is
    /// not copied into an [`Entry`] first.
    pub fn text_of(input: &Input, role_arn: &str, test_case: Option<&str>) -> String {
        let entry = match input {
            Input::Start => EntryRef::Start { role_arn, test_case },
            Input::TaskStarted { id, worker } => EntryRef::TaskStarted { id: *id, worker },
            Input::TaskSucceeded { id, output, logs } => EntryRef::TaskSucceeded { id: *id, output, logs },
            Input::TaskFailed { id, error, cause } => EntryRef::TaskFailed { id: *id, error, cause },
            Input::TaskHeartbeat { id } => EntryRef::TaskHeartbeat { id: *id },
            Input::TaskSubmitted { id, output } => EntryRef::TaskSubmitted { id: *id, output },
            Input::TimerFired { id } => EntryRef::TimerFired { id: *id },
            Input::Stop { error, cause } => EntryRef::Stop { error, cause },
            Input::UpdateMapRun { map_run_arn, max_concurrency, tolerated_failure_count, tolerated_failure_percentage } => {
                EntryRef::UpdateMapRun {
                    map_run_arn,
                    max_concurrency,
                    tolerated_failure_count,
                    tolerated_failure_percentage,
                }
            }
            Input::StopChild { execution_arn, error, cause } => EntryRef::StopChild { execution_arn, error, cause },
        };
        serde_json::to_string(&entry).unwrap_or_else(|_| "{}".to_string())
    }

    /// The stored text.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }

    /// Parses a stored entry; the error names the entry.
    pub fn parse(text: &str, seq: u64) -> Result<Entry, String> {
        serde_json::from_str(text).map_err(|e| format!("journal entry {seq} is not readable: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_round_trips_through_its_text() {
        let inputs = vec![
            Input::Start,
            Input::TaskStarted { id: 3, worker: None },
            Input::TaskStarted { id: 4, worker: Some("w-1".into()) },
            Input::TaskSucceeded { id: 4, output: serde_json::json!({"a": [1, 2]}), logs: Some(serde_json::json!(["x"])) },
            Input::TaskFailed { id: 5, error: Some("E".into()), cause: None },
            Input::TaskHeartbeat { id: 6 },
            Input::TimerFired { id: 7 },
            Input::Stop { error: None, cause: Some("why".into()) },
            Input::UpdateMapRun {
                map_run_arn: "arn:aws:states:us-east-1:1:mapRun:m/L:u".into(),
                max_concurrency: Some(4),
                tolerated_failure_count: None,
                tolerated_failure_percentage: Some(12.5),
            },
            Input::StopChild { execution_arn: "arn:aws:states:us-east-1:1:execution:m/L:c".into(), error: Some("E".into()), cause: None },
        ];
        for input in inputs {
            let e = Entry::from_input(&input, "arn:role");
            assert_eq!(Entry::text_of(&input, "arn:role", None), e.to_text());
            let back = Entry::parse(&e.to_text(), 1).unwrap();
            assert_eq!(back, e);
            let again = Entry::from_input(&back.to_input().unwrap(), "arn:role");
            assert_eq!(again, e);
        }
        assert_eq!(Entry::parse(r#"{"t":"start","role_arn":"r"}"#, 1).unwrap(), Entry::Start { role_arn: "r".into(), test_case: None });
        let mocked = Entry::text_of(&Input::Start, "r", Some("Happy"));
        assert_eq!(Entry::parse(&mocked, 1).unwrap(), Entry::Start { role_arn: "r".into(), test_case: Some("Happy".into()) });
    }

    #[test]
    fn an_unreadable_entry_is_an_error_naming_its_sequence_number() {
        let err = Entry::parse(r#"{"t":"bogus"}"#, 17).unwrap_err();
        assert!(err.contains("journal entry 17"), "{err}");
    }
}
