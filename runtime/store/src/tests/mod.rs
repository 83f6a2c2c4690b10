//! Unit tests against a real SQLite file in a temporary directory.

mod arn;
mod control;
mod crash;
mod executions;
mod map_runs;
mod schema;

use crate::arn::ArnContext;
use crate::{
    Commit, ExecutionRecord, ExecutionStatus, MachineKind, SqliteStore, StateMachineRecord, StatusUpdate, StoredEvent,
};

/// A fresh store in its own temporary directory (kept alive by the returned guard).
pub(crate) fn temp_store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("db").join("stepwasm.db")).expect("open store");
    (dir, store)
}

pub(crate) fn ctx() -> ArnContext {
    ArnContext::default()
}

/// The status update of an execution that succeeded with `{}` at time 1.
pub(crate) fn succeeded() -> StatusUpdate {
    StatusUpdate {
        status: ExecutionStatus::Succeeded,
        stop_ms: Some(1),
        output: Some("{}".into()),
        error: None,
        cause: None,
        redrive_count: 0,
        redrive_ms: None,
    }
}

/// A RUNNING standard execution of machine `machine` named `name`.
pub(crate) fn execution(machine: &str, name: &str, start_ms: i64) -> ExecutionRecord {
    ExecutionRecord {
        arn: ctx().execution(machine, name),
        name: name.to_string(),
        state_machine_arn: ctx().state_machine(machine),
        state_machine_version_arn: None,
        state_machine_alias_arn: None,
        definition: r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#.to_string(),
        kind: MachineKind::Standard,
        status: ExecutionStatus::Running,
        input: "{}".to_string(),
        output: None,
        error: None,
        cause: None,
        start_ms,
        stop_ms: None,
        redrive_count: 0,
        redrive_ms: None,
        trace_header: None,
        map_run_arn: None,
        map_items: None,
    }
}

/// An event whose JSON names its execution and id, so a misplaced event is visible.
pub(crate) fn event(arn: &str, id: u64) -> StoredEvent {
    StoredEvent {
        id,
        timestamp_ms: 1_000 + id as i64,
        event_type: "PassStateEntered".to_string(),
        json: format!(r#"{{"execution":"{arn}","id":{id}}}"#),
    }
}

/// A commit carrying events `ids` for `arn`.
pub(crate) fn commit_events(arn: &str, ids: std::ops::RangeInclusive<u64>) -> Commit {
    Commit { events: ids.map(|id| event(arn, id)).collect(), ..Commit::new(arn) }
}

pub(crate) fn machine(name: &str, definition: &str) -> StateMachineRecord {
    let role = "arn:aws:iam::123456789012:role/r".to_string();
    StateMachineRecord::new(ctx().state_machine(name), name.to_string(), MachineKind::Standard, definition.to_string(), role, 10)
}
