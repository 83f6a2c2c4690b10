//! Redrive: resume a FAILED, TIMED_OUT or ABORTED execution from the top-level state that did
//! not succeed, as AWS's RedriveExecution does.
//!
//! The top-level run keeps the state it ended in, that state's input and the variables in
//! scope; redrive writes `ExecutionRedriven`, increments `$$.Execution.RedriveCount`, arms the
//! execution timeout again (counted from the redrive) and enters that state again. A Map or
//! Parallel state that failed or was aborted keeps the results of the iterations and branches
//! that succeeded and runs only the others again, each from its beginning.

use super::{Execution, Status, Step, Stepper, Waiter};
use crate::env::Rng;
use crate::events::Details;
use crate::model::Machine;

impl Execution {
    /// Resumes an execution that ended FAILED, TIMED_OUT or ABORTED. Any other status (or an
    /// execution that never started) is an error saying why, and changes nothing.
    pub fn redrive(&mut self, machine: &Machine, now_ms: i64, entropy: u64) -> Result<Step, String> {
        match self.status {
            Status::Failed(_) | Status::TimedOut | Status::Aborted(_) => {}
            Status::Running => return Err("the execution is still running".into()),
            Status::Succeeded(_) => return Err("the execution succeeded".into()),
        }
        let mut s = Stepper { m: machine, x: self, now: now_ms, rng: Rng::new(entropy), out: Step::default() };
        let top = s.top_run().ok_or_else(|| "the execution has no state to resume from".to_string())?;
        s.x.status = Status::Running;
        s.x.info.redrive_count += 1;
        // `$$.Execution.RedriveCount` is read from `info` whenever an expression asks for it.
        let count = s.x.info.redrive_count;
        s.emit(None, "ExecutionRedriven", Details::ExecutionRedriven { redrive_count: count });
        // The top run's last event is its failure; the redriven state follows the redrive event.
        let last = s.x.next_event - 1;
        s.run_mut(top).last_event = last;
        if let Some(t) = machine.timeout_seconds {
            s.timer(Waiter::ExecutionTimeout, now_ms.saturating_add((t as i64).saturating_mul(1000)));
        }
        s.run_mut(top).phase = super::Phase::Idle;
        if let Some(kept) = s.run_mut(top).kept.as_mut() {
            kept.armed = true;
        }
        let outcome = s.enter(top);
        s.follow(top, outcome);
        s.check_history_limit();
        Ok(s.out)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::exec::{Execution, Input, Status, Work};
    use crate::simulate::local_info;

    fn machine(def: serde_json::Value) -> crate::model::Machine {
        crate::parse(&def, &Default::default()).expect("valid definition")
    }

    fn task_id(work: &[Work]) -> u64 {
        work.iter().find_map(|w| if let Work::RunTask(t) = w { Some(t.id) } else { None }).expect("a task")
    }

    #[test]
    fn a_failed_task_runs_again_and_the_execution_can_succeed() {
        let m = machine(json!({
            "StartAt": "Prep",
            "States": {
                "Prep": {"Type": "Pass", "Result": {"n": 1}, "Next": "Call"},
                "Call": {"Type": "Task", "Resource": "wasm:f", "End": true}
            }
        }));
        let mut x = Execution::new(local_info("sm", "e", json!({}), 1000));
        let s = x.step(&m, Input::Start, 1000, 1);
        let id = task_id(&s.work);
        let s = x.step(&m, Input::TaskFailed { id, error: Some("Boom".into()), cause: None }, 1001, 2);
        assert!(matches!(x.status(), Status::Failed(_)));
        let failed_at = s.events.last().unwrap().id;

        let s = x.redrive(&m, 2000, 3).expect("redrivable");
        assert_eq!(*x.status(), Status::Running);
        let types: Vec<&str> = s.events.iter().map(|e| e.event_type).collect();
        assert_eq!(types, ["ExecutionRedriven", "TaskStateEntered", "TaskScheduled"]);
        assert_eq!(s.events[0].id, failed_at + 1);
        assert_eq!(s.events[1].previous_event_id, s.events[0].id);
        // The redriven state sees its original input.
        let t = s.work.iter().find_map(|w| if let Work::RunTask(t) = w { Some(t.clone()) } else { None }).unwrap();
        assert_eq!(*t.input, json!({"n": 1}));
        let context: Value = serde_json::from_str(&t.context).unwrap();
        assert_eq!(context["Execution"]["RedriveCount"], 1);
        assert_eq!(t.input_text, r#"{"n":1}"#);

        x.step(&m, Input::TaskSucceeded { id: t.id, output: json!("ok"), logs: None }, 2001, 4);
        assert_eq!(*x.status(), Status::Succeeded(json!("ok")));
        assert!(x.redrive(&m, 3000, 5).unwrap_err().contains("succeeded"));
    }

    fn tasks(work: &[Work]) -> Vec<crate::exec::TaskRequest> {
        work.iter().filter_map(|w| if let Work::RunTask(t) = w { Some(t.clone()) } else { None }).collect()
    }

    #[test]
    fn a_parallel_runs_again_only_the_branch_that_failed() {
        let branch = |n: &str| json!({"StartAt": n, "States": {n: {"Type": "Task", "Resource": format!("wasm:{n}"), "End": true}}});
        let m = machine(json!({
            "StartAt": "P",
            "States": {"P": {"Type": "Parallel", "Branches": [branch("a"), branch("b")], "End": true}}
        }));
        let mut x = Execution::new(local_info("sm", "e", json!({}), 0));
        let first = tasks(&x.step(&m, Input::Start, 0, 1).work);
        assert_eq!(first.iter().map(|t| t.resource.as_str()).collect::<Vec<_>>(), ["wasm:a", "wasm:b"]);
        x.step(&m, Input::TaskSucceeded { id: first[0].id, output: json!("a"), logs: None }, 1, 2);
        x.step(&m, Input::TaskFailed { id: first[1].id, error: Some("Boom".into()), cause: None }, 2, 3);
        assert!(matches!(x.status(), Status::Failed(_)));

        let again = tasks(&x.redrive(&m, 10, 4).unwrap().work);
        assert_eq!(again.iter().map(|t| t.resource.as_str()).collect::<Vec<_>>(), ["wasm:b"], "only the failed branch runs again");
        x.step(&m, Input::TaskSucceeded { id: again[0].id, output: json!("b"), logs: None }, 11, 5);
        assert_eq!(*x.status(), Status::Succeeded(json!(["a", "b"])));
    }

    #[test]
    fn an_aborted_map_runs_again_only_the_iterations_that_had_not_succeeded() {
        let m = machine(json!({
            "StartAt": "M",
            "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": {
                "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "wasm:f", "End": true}}}, "End": true}}
        }));
        let mut x = Execution::new(local_info("sm", "e", json!([1, 2, 3]), 0));
        let t0 = tasks(&x.step(&m, Input::Start, 0, 1).work);
        let t1 = tasks(&x.step(&m, Input::TaskSucceeded { id: t0[0].id, output: json!("r1"), logs: None }, 1, 2).work);
        assert_eq!(*t1[0].input, json!(2));
        x.step(&m, Input::Stop { error: None, cause: None }, 2, 3);
        assert!(matches!(x.status(), Status::Aborted(_)));

        let s = x.redrive(&m, 10, 4).unwrap();
        let started: Vec<Value> = s.events.iter().filter(|e| e.event_type == "MapIterationStarted").map(|e| e.to_json()).collect();
        assert_eq!(started.len(), 1, "the iteration that succeeded does not start again: {started:?}");
        assert_eq!(started[0]["mapIterationStartedEventDetails"]["index"], 1);
        let again = tasks(&s.work);
        assert_eq!(again.iter().map(|t| (*t.input).clone()).collect::<Vec<_>>(), [json!(2)]);
        let last = tasks(&x.step(&m, Input::TaskSucceeded { id: again[0].id, output: json!("r2"), logs: None }, 11, 5).work);
        assert_eq!(*last[0].input, json!(3));
        x.step(&m, Input::TaskSucceeded { id: last[0].id, output: json!("r3"), logs: None }, 12, 6);
        assert_eq!(*x.status(), Status::Succeeded(json!(["r1", "r2", "r3"])));
    }

    /// A Retry runs the whole state again: only a redrive keeps what had succeeded.
    #[test]
    fn a_retried_map_runs_every_iteration_again() {
        let m = machine(json!({
            "StartAt": "M",
            "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": {
                "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "wasm:f", "End": true}}},
                "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "MaxAttempts": 1}], "End": true}}
        }));
        let mut x = Execution::new(local_info("sm", "e", json!([1, 2]), 0));
        let t0 = tasks(&x.step(&m, Input::Start, 0, 1).work);
        let t1 = tasks(&x.step(&m, Input::TaskSucceeded { id: t0[0].id, output: json!("r1"), logs: None }, 1, 2).work);
        let s = x.step(&m, Input::TaskFailed { id: t1[0].id, error: Some("Boom".into()), cause: None }, 2, 3);
        let timer = s.work.iter().find_map(|w| if let Work::StartTimer { id, .. } = w { Some(*id) } else { None }).expect("a retry timer");
        let retried = tasks(&x.step(&m, Input::TimerFired { id: timer }, 1002, 4).work);
        assert_eq!(retried.iter().map(|t| (*t.input).clone()).collect::<Vec<_>>(), [json!(1)], "the retry starts from the first item");
    }

    #[test]
    fn an_aborted_execution_resumes_its_wait_and_a_running_one_is_refused() {
        let m = machine(json!({
            "StartAt": "W",
            "States": {"W": {"Type": "Wait", "Seconds": 10, "End": true}}
        }));
        let mut x = Execution::new(local_info("sm", "e", json!({"k": 1}), 0));
        x.step(&m, Input::Start, 0, 1);
        assert!(x.redrive(&m, 1, 1).unwrap_err().contains("running"));
        x.step(&m, Input::Stop { error: None, cause: None }, 5, 2);
        assert!(matches!(x.status(), Status::Aborted(_)));
        let s = x.redrive(&m, 100, 3).unwrap();
        let timer = s.work.iter().find_map(|w| if let Work::StartTimer { id, fire_at_ms, .. } = w { Some((*id, *fire_at_ms)) } else { None });
        let (id, at) = timer.expect("the wait is armed again");
        assert_eq!(at, 100 + 10_000);
        x.step(&m, Input::TimerFired { id }, at, 4);
        assert_eq!(*x.status(), Status::Succeeded(json!({"k": 1})));
    }
}
