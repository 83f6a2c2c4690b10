//! Distributed Map runs: ListMapRuns, DescribeMapRun, UpdateMapRun, and the listing of a run's
//! child workflow executions (ListExecutions with a `mapRunArn`).

use std::sync::Arc;

use serde_json::{json, Value};
use store::{ExecutionQuery, ExecutionScope, ListQuery, MapRunCounts, MapRunRecord};

use super::wire::{ApiError, Obj, Req};
use super::Api;

fn no_map_run(arn: &str) -> ApiError {
    ApiError::new("ResourceNotFound", format!("Map Run Does Not Exist: '{arn}'")).with("resourceName", arn)
}

/// A map run ARN: `arn:PARTITION:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:ID`.
fn check_arn(arn: &str) -> Result<(), ApiError> {
    let parts: Vec<&str> = arn.splitn(8, ':').collect();
    let ok = matches!(parts.as_slice(), ["arn", _, "states", _, _, "mapRun", name, id] if name.contains('/') && !id.is_empty());
    if ok {
        Ok(())
    } else {
        Err(ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}' is not a map run ARN (arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:ID)")))
    }
}

pub(crate) fn list(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("executionArn", 1, 256)?;
    let max = r.max_results(1000)?;
    let next_token = r.next_token(1024)?;
    let execution = api.engine.describe_execution(&arn)?;
    if execution.kind == store::MachineKind::Express && execution.map_run_arn.is_none() {
        // An Express execution runs in memory: its map runs are not kept.
        return Ok(json!({"mapRuns": []}));
    }
    let page = api.engine.store().list_map_runs(&arn, &ListQuery { max, next_token })?;
    let items: Vec<Value> = page
        .items
        .into_iter()
        .map(|m| {
            Obj::new()
                .put("executionArn", m.execution_arn)
                .put("stateMachineArn", labelled_machine(&m.arn))
                .put("mapRunArn", m.arn)
                .time("startDate", m.start_ms)
                .opt_time("stopDate", m.stop_ms)
                .build()
        })
        .collect();
    Ok(Obj::new().put("mapRuns", items).opt("nextToken", page.next_token).build())
}

/// The label-qualified machine of a map run (`…:stateMachine:NAME/LABEL`), which AWS lists as
/// the run's state machine.
fn labelled_machine(map_run_arn: &str) -> String {
    let machine = map_run_arn.rsplit_once(':').map_or(map_run_arn, |(m, _)| m);
    machine.replacen(":mapRun:", ":stateMachine:", 1)
}

fn counts(c: &MapRunCounts) -> Value {
    json!({
        "pending": c.pending,
        "running": c.running,
        "succeeded": c.succeeded,
        "failed": c.failed,
        "timedOut": c.timed_out,
        "aborted": c.aborted,
        "total": c.total,
        // As AWS counts them for a Map without a ResultWriter: the results it returns.
        "resultsWritten": c.succeeded,
        // A child's failure is redriven with its parent.
        "failuresNotRedrivable": 0,
        "pendingRedrive": 0,
    })
}

pub(crate) fn describe(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("mapRunArn", 1, 2000)?;
    check_arn(&arn)?;
    let view = api.engine.store().map_run(&arn)?.ok_or_else(|| no_map_run(&arn))?;
    let MapRunRecord { arn, execution_arn, status, start_ms, stop_ms, max_concurrency, .. } = view.record;
    Ok(Obj::new()
        .put("mapRunArn", arn)
        .put("executionArn", execution_arn)
        .put("status", status.as_str())
        .time("startDate", start_ms)
        .opt_time("stopDate", stop_ms)
        .put("maxConcurrency", max_concurrency)
        .put("toleratedFailurePercentage", view.record.tolerated_failure_percentage)
        .put("toleratedFailureCount", view.record.tolerated_failure_count)
        .put("itemCounts", counts(&view.items))
        .put("executionCounts", counts(&view.executions))
        .put("redriveCount", 0)
        .build())
}

pub(crate) async fn update(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("mapRunArn", 1, 2000)?;
    let max_concurrency = r.opt_int("maxConcurrency", 0, i64::MAX)?.map(|n| n as u64);
    let percentage = r.opt_float("toleratedFailurePercentage", 0.0, 100.0)?;
    let count = r.opt_int("toleratedFailureCount", 0, i64::MAX)?.map(|n| n as u64);
    check_arn(&arn)?;
    if max_concurrency.is_none() && percentage.is_none() && count.is_none() {
        return Err(ApiError::validation(
            "UpdateMapRun needs at least one of maxConcurrency, toleratedFailurePercentage and toleratedFailureCount",
        ));
    }
    api.engine.update_map_run(&arn, max_concurrency, count, percentage).await?;
    Ok(json!({}))
}

/// ListExecutions with a `mapRunArn`: the run's child executions, newest first.
pub(crate) fn list_children(api: &Arc<Api>, arn: String, mut query: ExecutionQuery) -> Result<Value, ApiError> {
    check_arn(&arn)?;
    query.scope = ExecutionScope::MapRun(arn.clone());
    let page = api.engine.list_executions(&query)?;
    // Only an empty page can come from a map run that does not exist (reading the run also
    // counts its children: not worth it on every listing).
    if page.items.is_empty() && api.engine.store().map_run(&arn)?.is_none() {
        return Err(no_map_run(&arn));
    }
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|e| {
            super::executions::summary(e)
                .put("mapRunArn", arn.as_str())
                .opt("itemCount", e.map_items)
                .put("redriveCount", e.redrive_count)
                .build()
        })
        .collect();
    Ok(Obj::new().put("executions", items).opt("nextToken", page.next_token).build())
}
