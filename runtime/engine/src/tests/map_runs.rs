//! Distributed Map runs: the run and its child executions are stored with their parent's
//! commits, survive a restart, and answer StopExecution and UpdateMapRun.

use std::time::Duration;

use store::{ExecutionQuery, ExecutionRecord, ExecutionScope, ExecutionStatus, MachineKind, MapRunStatus, MapRunView};

use super::support::*;
use crate::{Engine, EngineError, StartRequest};

/// A Distributed Map over the input array whose children run `processor_states` from `start_at`.
fn definition(extra: &str, start_at: &str, processor_states: &str) -> String {
    format!(
        r#"{{"StartAt":"M","States":{{"M":{{"Type":"Map","Label":"Items",{extra}"End":true,"ItemProcessor":{{
            "ProcessorConfig":{{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"}},
            "StartAt":"{start_at}","States":{processor_states}}}}}}}}}"#
    )
}

async fn start(engine: &Engine, sm: &str, input: &str) -> String {
    let req = StartRequest { state_machine_arn: sm.into(), name: None, input: Some(input.into()), trace_header: None };
    engine.start_execution(req).await.unwrap().execution_arn
}

/// The execution's only map run.
fn the_run(engine: &Engine, execution_arn: &str) -> MapRunView {
    let runs = engine.store().list_map_runs(execution_arn, &store::ListQuery::default()).unwrap();
    assert_eq!(runs.items.len(), 1, "{runs:?}");
    engine.store().map_run(&runs.items[0].arn).unwrap().expect("the run is stored")
}

fn children(engine: &Engine, run_arn: &str) -> Vec<ExecutionRecord> {
    let q = ExecutionQuery { scope: ExecutionScope::MapRun(run_arn.into()), ..ExecutionQuery::default() };
    engine.list_executions(&q).unwrap().items
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what} did not happen within 5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_distributed_map_records_its_run_and_a_history_for_each_item() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let def = definition(r#""MaxConcurrency":2,"#, "P", r#"{"P":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($, $)"},"End":true}}"#);
    let sm = machine(&engine, "dist", &def, MachineKind::Standard);
    let arn = start(&engine, &sm, "[1,2,3]").await;
    let rec = finished(&engine, &arn, Duration::from_secs(30)).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{rec:?}");
    assert_eq!(json(rec.output.as_deref().unwrap()), json(r#"[{"doubled":2},{"doubled":4},{"doubled":6}]"#));
    let h = history(&engine, &arn);
    assert_gap_free(&arn, &h);
    assert_eq!(
        types(&h),
        ["ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    );
    let run = the_run(&engine, &arn);
    assert_eq!(h[3]["mapRunStartedEventDetails"]["mapRunArn"], run.record.arn.as_str());
    assert!(run.record.arn.contains(":mapRun:dist/Items:"), "{}", run.record.arn);
    assert_eq!((run.record.status, run.record.max_concurrency, run.record.item_count), (MapRunStatus::Succeeded, 2, 3));
    assert_eq!((run.executions.succeeded, run.executions.total, run.items.pending), (3, 3, 0));
    let kids = children(&engine, &run.record.arn);
    assert_eq!(kids.len(), 3);
    let mut outputs: Vec<String> = Vec::new();
    for k in &kids {
        assert_eq!(k.state_machine_arn, format!("{sm}/Items"));
        assert_eq!(k.map_run_arn.as_deref(), Some(run.record.arn.as_str()));
        assert_eq!(k.status, ExecutionStatus::Succeeded);
        let kh = history(&engine, &k.arn);
        assert_gap_free(&k.arn, &kh);
        assert_eq!(types(&kh), ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]);
        assert_eq!(kh[0]["executionStartedEventDetails"]["input"], k.input.as_str());
        outputs.push(format!("{} -> {}", k.input, k.output.clone().unwrap_or_default()));
    }
    outputs.sort();
    assert_eq!(outputs, [r#"1 -> {"doubled":2}"#, r#"2 -> {"doubled":4}"#, r#"3 -> {"doubled":6}"#]);
    // The children are not executions of the machine itself.
    let q = ExecutionQuery { scope: ExecutionScope::StateMachine(sm.clone()), ..ExecutionQuery::default() };
    assert_eq!(engine.list_executions(&q).unwrap().items.len(), 1);
    let err = engine.redrive_execution(&kids[0].arn, None).await.unwrap_err();
    assert!(matches!(&err, EngineError::ExecutionNotRedrivable(m) if m.contains("child workflow execution")), "{err}");
    let err = engine.update_map_run(&run.record.arn, Some(5), None, None).await.unwrap_err();
    assert!(matches!(&err, EngineError::InvalidRequest(m) if m.contains("SUCCEEDED")), "{err}");
    let missing = run.record.arn.replace(":mapRun:dist/Items:", ":mapRun:dist/Other:");
    let err = engine.update_map_run(&missing, Some(5), None, None).await.unwrap_err();
    assert!(matches!(err, EngineError::MapRunDoesNotExist(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_map_run_and_stop_execution_reach_a_running_run_through_its_parent() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let def = definition(
        r#""MaxConcurrency":1,"ToleratedFailureCount":1,"#,
        "W",
        r#"{"W":{"Type":"Wait","Seconds":300,"End":true}}"#,
    );
    let sm = machine(&engine, "held", &def, MachineKind::Standard);
    let arn = start(&engine, &sm, "[1,2]").await;
    until("the first child starts", || engine.store().list_map_runs(&arn, &Default::default()).unwrap().items.len() == 1).await;
    let run = the_run(&engine, &arn).record.arn;
    assert_eq!(children(&engine, &run).len(), 1, "MaxConcurrency 1 runs one child");
    engine.update_map_run(&run, Some(2), None, None).await.unwrap();
    let view = engine.store().map_run(&run).unwrap().unwrap();
    assert_eq!((view.record.max_concurrency, view.executions.running), (2, 2), "{view:?}");

    // Stopping one child aborts it; its run tolerates one failure and goes on.
    let kids = children(&engine, &run);
    engine.stop_execution(&kids[0].arn, Some("Halt".into()), Some("by test".into())).await.unwrap();
    let stopped = engine.describe_execution(&kids[0].arn).unwrap();
    assert_eq!((stopped.status, stopped.error.as_deref()), (ExecutionStatus::Aborted, Some("Halt")));
    assert_eq!(types(&history(&engine, &kids[0].arn)), ["ExecutionStarted", "WaitStateEntered", "WaitStateAborted", "ExecutionAborted"]);
    assert_eq!(engine.describe_execution(&arn).unwrap().status, ExecutionStatus::Running);
    let view = engine.store().map_run(&run).unwrap().unwrap();
    assert_eq!((view.executions.running, view.executions.aborted), (1, 1), "{view:?}");

    // Lowering the tolerance below the failures so far fails the run and the execution.
    engine.update_map_run(&run, None, Some(0), None).await.unwrap();
    let rec = finished(&engine, &arn, Duration::from_secs(10)).await;
    assert_eq!(rec.status, ExecutionStatus::Failed);
    assert_eq!(rec.error.as_deref(), Some("States.ExceedToleratedFailureThreshold"));
    let view = engine.store().map_run(&run).unwrap().unwrap();
    assert_eq!((view.record.status, view.record.tolerated_failure_count, view.executions.aborted), (MapRunStatus::Failed, 0, 2));
    let h = history(&engine, &arn);
    assert_gap_free(&arn, &h);
    assert!(types(&h).ends_with(&["MapRunFailed".into(), "MapStateFailed".into(), "ExecutionFailed".into()]), "{:?}", types(&h));
}

#[test]
fn children_go_on_after_a_restart_without_repeating_an_event() {
    let dir = tempfile::tempdir().unwrap();
    let rt = || tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let def = definition(
        r#""MaxConcurrency":2,"#,
        "W",
        r#"{"W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","End":true}}"#,
    );
    let first = rt();
    let arn = first.block_on(async {
        let engine = open(dir.path()).await;
        let sm = machine(&engine, "restarted", &def, MachineKind::Standard);
        let arn = start(&engine, &sm, "[1,2,3,4]").await;
        until("two children wait", || {
            let runs = engine.store().list_map_runs(&arn, &Default::default()).unwrap();
            runs.items.first().is_some_and(|r| children(&engine, &r.arn).len() == 2)
        })
        .await;
        arn
    });
    first.shutdown_background();

    let second = rt();
    second.block_on(async {
        let engine = open(dir.path()).await;
        assert!(engine.warnings().is_empty(), "{:?}", engine.warnings());
        assert_eq!(engine.running_count(), 1, "the parent resumes; its children are not executions of their own");
        let rec = finished(&engine, &arn, Duration::from_secs(30)).await;
        assert_eq!(rec.status, ExecutionStatus::Succeeded, "{rec:?}");
        assert_eq!(rec.output.as_deref(), Some("[1,2,3,4]"));
        let run = the_run(&engine, &arn);
        assert_eq!((run.record.status, run.executions.succeeded, run.executions.total), (MapRunStatus::Succeeded, 4, 4));
        let kids = children(&engine, &run.record.arn);
        assert_eq!(kids.len(), 4, "no child started twice");
        for k in &kids {
            let kh = history(&engine, &k.arn);
            assert_gap_free(&k.arn, &kh);
            assert_eq!(types(&kh).last().map(String::as_str), Some("ExecutionSucceeded"), "{}", k.arn);
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redrive_starts_a_new_run_for_the_items_that_failed() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    // Item 2 calls a function that is not there yet.
    let def = definition(
        "",
        "C",
        r#"{"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"T"}],"Default":"P"},
            "T":{"Type":"Task","Resource":"wasm:later","Parameters":{"template":"{{ x }}","data":{"x":20}},"End":true},
            "P":{"Type":"Pass","End":true}}"#,
    );
    let sm = machine(&engine, "redriven", &def, MachineKind::Standard);
    let arn = start(&engine, &sm, "[1,2,3]").await;
    let rec = finished(&engine, &arn, Duration::from_secs(30)).await;
    assert_eq!(rec.status, ExecutionStatus::Failed, "{rec:?}");
    let first = the_run(&engine, &arn);
    assert_eq!((first.record.status, first.executions.failed), (MapRunStatus::Failed, 1), "{first:?}");

    engine.put_function("later", plugin("transform"), sandbox::Grants::default()).await.unwrap();
    engine.redrive_execution(&arn, None).await.unwrap();
    let rec = finished(&engine, &arn, Duration::from_secs(30)).await;
    assert_eq!(rec.status, ExecutionStatus::Succeeded, "{rec:?}");
    assert_eq!(rec.output.as_deref(), Some("[1,20,3]"));
    let h = history(&engine, &arn);
    assert_gap_free(&arn, &h);
    assert_eq!(types(&h).iter().filter(|t| *t == "MapRunStarted").count(), 2);
    let runs = engine.store().list_map_runs(&arn, &store::ListQuery::default()).unwrap().items;
    assert_eq!(runs.len(), 2);
    let second = engine.store().map_run(&runs[1].arn).unwrap().unwrap();
    // Only the failed item ran again: one child, nothing left pending.
    assert_eq!(
        (second.record.status, second.executions.total, second.executions.succeeded, second.executions.pending, second.items.total),
        (MapRunStatus::Succeeded, 1, 1, 0, 1)
    );
    assert_eq!(children(&engine, &runs[1].arn)[0].input, "2");
}
