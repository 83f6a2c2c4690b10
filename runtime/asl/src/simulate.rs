//! Drive an execution to its end on a virtual clock: timers fire as soon as nothing else can
//! happen, tasks are answered by a caller-supplied function. Used by the CLI's in-process runs,
//! the conformance runner, tests and benchmarks. Pure: time starts at `start_ms` and only moves
//! when a timer fires.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::events::HistoryEvent;
use crate::exec::{Execution, ExecutionInfo, Input, Status, TaskRequest, Work, WorkId};
use crate::model::Machine;

/// What a task handler answers.
pub enum TaskAnswer {
    Success(Value),
    Failure { error: String, cause: String },
}

/// The end of a simulated run.
pub struct Finished {
    pub status: Status,
    pub events: Vec<HistoryEvent>,
    /// The events of the child executions of Distributed Map runs.
    pub children: Vec<crate::exec::ChildEvent>,
    /// What happened to map runs and their child executions, in order.
    pub map_runs: Vec<crate::exec::MapRunEvent>,
    /// Virtual milliseconds the run took.
    pub elapsed_ms: i64,
}

/// Run `machine` on `info.input` to completion. `handle_task` answers every task; `seed` seeds
/// all randomness. Stops after `max_steps` inputs to bound runaway loops (the execution is then
/// reported as still running).
pub fn run(
    machine: &Machine,
    info: ExecutionInfo,
    seed: u64,
    max_steps: usize,
    mut handle_task: impl FnMut(&TaskRequest) -> TaskAnswer,
) -> Finished {
    let start = info.start_time_ms;
    let mut exec = Execution::new(info);
    let mut now = start;
    let mut events = Vec::new();
    let (mut children, mut map_runs) = (Vec::new(), Vec::new());
    let mut timers: BTreeMap<(i64, WorkId), ()> = BTreeMap::new();
    let mut ready: std::collections::VecDeque<Input> = std::collections::VecDeque::new();
    ready.push_back(Input::Start);
    let mut entropy = seed;
    for _ in 0..max_steps {
        let input = match ready.pop_front() {
            Some(i) => i,
            None => match timers.pop_first() {
                Some(((at, id), ())) => {
                    now = now.max(at);
                    Input::TimerFired { id }
                }
                None => break,
            },
        };
        entropy = entropy.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let step = exec.step(machine, input, now, entropy);
        events.extend(step.events);
        children.extend(step.children);
        map_runs.extend(step.map_runs);
        for w in step.work {
            match w {
                Work::RunTask(t) => {
                    ready.push_back(Input::TaskStarted { id: t.id, worker: None });
                    ready.push_back(match handle_task(&t) {
                        TaskAnswer::Success(output) => Input::TaskSucceeded { id: t.id, output, logs: None },
                        TaskAnswer::Failure { error, cause } => {
                            Input::TaskFailed { id: t.id, error: Some(error), cause: Some(cause) }
                        }
                    });
                }
                Work::StartTimer { id, fire_at_ms, .. } => {
                    timers.insert((fire_at_ms, id), ());
                }
                Work::Cancel { id } => {
                    timers.retain(|(_, t), _| *t != id);
                    ready.retain(|i| !matches!(i, Input::TaskSucceeded { id: t, .. } | Input::TaskFailed { id: t, .. } | Input::TaskStarted { id: t, .. } if *t == id));
                }
            }
        }
        if *exec.status() != Status::Running {
            break;
        }
    }
    Finished { status: exec.status().clone(), events, children, map_runs, elapsed_ms: now - start }
}

/// An [`ExecutionInfo`] with local ARNs for a run named `name`.
pub fn local_info(state_machine: &str, name: &str, input: Value, start_time_ms: i64) -> ExecutionInfo {
    ExecutionInfo {
        execution_arn: format!("arn:aws:states:local:000000000000:execution:{state_machine}:{name}"),
        name: name.to_string(),
        state_machine_arn: format!("arn:aws:states:local:000000000000:stateMachine:{state_machine}"),
        state_machine_name: state_machine.to_string(),
        state_machine_version_arn: None,
        state_machine_alias_arn: None,
        role_arn: "arn:aws:iam::000000000000:role/stepwasm".to_string(),
        start_time_ms,
        input,
        redrive_count: 0,
        express: false,
    }
}
