//! What a step reports about Distributed Map runs, written into its commit: the runs, their
//! child workflow executions (rows of their own, so DescribeExecution, GetExecutionHistory and
//! ListExecutions with a map run ARN read them like any execution) and the children's events.
//!
//! Children have no journal of their own: the parent's journal replays them with it, so after a
//! restart the parent's actor goes on writing its children's histories where they stopped.

use std::collections::HashMap;
use std::sync::Arc;

use asl::exec::{ChildEvent, End, MapRunEvent};
use store::{
    ChildCommit, Commit, ExecutionRecord, ExecutionStatus, MachineKind, MapRunChange, MapRunRecord,
    MapRunStatus, StatusUpdate, StoredEvent,
};

/// Adds a step's map run reports to `commit` (of the execution `execution_arn`), at time `now`.
pub(crate) fn absorb(commit: &mut Commit, execution_arn: &str, children: Vec<ChildEvent>, runs: Vec<MapRunEvent>, now: i64) {
    // Where this step's children are in `commit.children` (a step may start thousands).
    let mut at: HashMap<Arc<str>, usize> = HashMap::new();
    // Runs and children start before their events are written and end after them.
    let (ends, starts): (Vec<_>, Vec<_>) =
        runs.into_iter().partition(|r| matches!(r, MapRunEvent::ChildEnded { .. } | MapRunEvent::Ended { .. }));
    for r in starts {
        match r {
            MapRunEvent::Started(s) => commit.map_runs_started.push(MapRunRecord {
                arn: s.arn.to_string(),
                execution_arn: s.execution_arn.as_deref().unwrap_or(execution_arn).to_string(),
                status: MapRunStatus::Running,
                start_ms: now,
                stop_ms: None,
                max_concurrency: s.max_concurrency,
                tolerated_failure_percentage: s.tolerated_failure_percentage.unwrap_or(0.0),
                tolerated_failure_count: s.tolerated_failure_count.unwrap_or(0),
                item_count: s.item_count,
                execution_count: s.execution_count,
                error: None,
                cause: None,
            }),
            MapRunEvent::ChildStarted(c) => {
                let record = ExecutionRecord {
                    arn: c.execution_arn.to_string(),
                    name: c.name,
                    state_machine_arn: c.state_machine_arn.to_string(),
                    state_machine_version_arn: None,
                    state_machine_alias_arn: None,
                    // A child runs its parent's definition (the store keeps the parent's).
                    definition: String::new(),
                    kind: if c.express { MachineKind::Express } else { MachineKind::Standard },
                    status: ExecutionStatus::Running,
                    input: c.input.to_string(),
                    output: None,
                    error: None,
                    cause: None,
                    start_ms: now,
                    stop_ms: None,
                    redrive_count: 0,
                    redrive_ms: None,
                    trace_header: None,
                    map_run_arn: Some(c.map_run_arn.to_string()),
                    map_items: Some(c.items),
                };
                commit.children.push(ChildCommit { start: Some(record), commit: Commit::new(c.execution_arn.to_string()) });
                at.insert(c.execution_arn, commit.children.len() - 1);
            }
            MapRunEvent::Updated { arn, max_concurrency, tolerated_failure_count, tolerated_failure_percentage } => {
                commit.map_runs_changed.push(MapRunChange {
                    arn: arn.to_string(),
                    max_concurrency,
                    tolerated_failure_count,
                    tolerated_failure_percentage,
                    ..MapRunChange::default()
                })
            }
            MapRunEvent::ChildEnded { .. } | MapRunEvent::Ended { .. } => {}
        }
    }
    for c in children {
        let e = c.event;
        child(commit, &mut at, c.execution_arn).events.push(StoredEvent {
            id: e.id,
            timestamp_ms: e.timestamp_ms,
            event_type: e.event_type.to_string(),
            json: e.to_json_text(),
        });
    }
    for r in ends {
        match r {
            MapRunEvent::ChildEnded { execution_arn, end } => {
                let (status, output, error, cause) = outcome(end);
                child(commit, &mut at, execution_arn).status = Some(StatusUpdate {
                    status,
                    stop_ms: Some(now),
                    output,
                    error,
                    cause,
                    redrive_count: 0,
                    redrive_ms: None,
                });
            }
            MapRunEvent::Ended { arn, end } => {
                let (status, error, cause) = match end {
                    End::Succeeded(_) => (MapRunStatus::Succeeded, None, None),
                    End::Failed(f) => (MapRunStatus::Failed, f.error, f.cause),
                    End::Aborted(f) => (MapRunStatus::Aborted, f.error, f.cause),
                };
                commit.map_runs_changed.push(MapRunChange {
                    arn: arn.to_string(),
                    status: Some(status),
                    stop_ms: Some(now),
                    error,
                    cause,
                    ..MapRunChange::default()
                });
            }
            MapRunEvent::Started(_) | MapRunEvent::ChildStarted(_) | MapRunEvent::Updated { .. } => {}
        }
    }
}

/// The part of `commit` for child `arn`: the latest one (found through `at` when this step
/// wrote it), or a new one after it.
fn child<'c>(commit: &'c mut Commit, at: &mut HashMap<Arc<str>, usize>, arn: Arc<str>) -> &'c mut Commit {
    let i = match at.get(&arn) {
        Some(&i) => i,
        None => {
            let i = match commit.children.iter().rposition(|c| *c.commit.execution_arn == *arn) {
                Some(i) => i,
                None => {
                    commit.children.push(ChildCommit { start: None, commit: Commit::new(&*arn) });
                    commit.children.len() - 1
                }
            };
            at.insert(arn, i);
            i
        }
    };
    &mut commit.children[i].commit
}

type Outcome = (ExecutionStatus, Option<String>, Option<String>, Option<String>);

fn outcome(end: End) -> Outcome {
    match end {
        End::Succeeded(output) => (ExecutionStatus::Succeeded, Some(output.to_string()), None, None),
        End::Failed(f) => (ExecutionStatus::Failed, None, f.error, f.cause),
        End::Aborted(f) => (ExecutionStatus::Aborted, None, f.error, f.cause),
    }
}
