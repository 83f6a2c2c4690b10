//! Executions: start (async and sync), describe, list, history, stop, redrive and task
//! callbacks.

use std::sync::Arc;

use engine::{StartRequest, SyncOutcome};
use serde_json::{json, Value};
use store::arn::{Arn, Resource};
use store::{ExecutionQuery, ExecutionRecord, ExecutionScope, ExecutionStatus, HistoryQuery, MachineKind};

use super::wire::{now_ms, ApiError, Obj, Req};
use super::Api;

/// AWS's limit on an execution's input, in characters.
const MAX_INPUT: usize = 262_144;
/// How long after its end a Standard execution can be redriven.
const REDRIVE_WINDOW_MS: i64 = 14 * 24 * 3600 * 1000;

fn start_request(r: &mut Req) -> Result<StartRequest, ApiError> {
    Ok(StartRequest {
        state_machine_arn: r.string("stateMachineArn", 1, 256)?,
        name: r.opt_string("name", 1, 80)?,
        input: r.opt_string("input", 0, MAX_INPUT)?,
        trace_header: r.opt_string("traceHeader", 0, 256)?,
    })
}

pub(crate) async fn start(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let req = start_request(&mut r)?;
    let started = api.engine.start_execution(req).await?;
    Ok(Obj::new().put("executionArn", started.execution_arn).time("startDate", started.start_ms).build())
}

pub(crate) async fn start_sync(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let req = start_request(&mut r)?;
    let metadata_only = r.opt_enum("includedData", &["ALL_DATA", "METADATA_ONLY"])? == Some("METADATA_ONLY");
    let trace = req.trace_header.clone();
    let out = api.engine.start_sync_execution(req).await?;
    Ok(sync_value(out, trace, metadata_only))
}

/// StartSyncExecution's answer (200 even when the execution failed).
pub(crate) fn sync_value(out: SyncOutcome, trace: Option<String>, metadata_only: bool) -> Value {
    let billed_ms = ((out.stop_ms - out.start_ms).max(1) + 99) / 100 * 100;
    let mut o = Obj::new()
        .put("executionArn", out.execution_arn)
        .put("stateMachineArn", out.state_machine_arn)
        .put("name", out.name)
        .time("startDate", out.start_ms)
        .time("stopDate", out.stop_ms)
        .put("status", out.status)
        .opt("error", out.error)
        .opt("cause", out.cause)
        .opt("traceHeader", trace)
        .put("billingDetails", json!({"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": billed_ms}));
    if !metadata_only {
        o = o
            .put("input", out.input)
            .put("inputDetails", json!({"included": true}))
            .opt("output", out.output.clone())
            .opt("outputDetails", out.output.map(|_| json!({"included": true})));
    }
    o.build()
}

/// Whether (and why not, in AWS's words) RedriveExecution would take this Standard execution
/// (or child of a map run) now; `machine_exists`: its state machine has not been deleted.
fn redrive_status(e: &ExecutionRecord, machine_exists: bool, now: i64) -> (&'static str, Option<String>) {
    let child = e.map_run_arn.is_some();
    if !machine_exists && !child {
        return ("NOT_REDRIVABLE", Some("State machine is in DELETING status.".into()));
    }
    match e.status {
        // A child of a map run is redriven with its map run (its parent's redrive).
        ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted if child => {
            ("REDRIVABLE_BY_MAP_RUN", None)
        }
        ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted => {
            if now - e.stop_ms.unwrap_or(e.start_ms) > REDRIVE_WINDOW_MS {
                ("NOT_REDRIVABLE", Some("Execution redrivable period exceeded.".into()))
            } else {
                ("REDRIVABLE", None)
            }
        }
        s => ("NOT_REDRIVABLE", Some(format!("Execution is {} and cannot be redriven.", s.as_str()))),
    }
}

/// The members an execution's description and its list item share.
pub(crate) fn summary(e: &ExecutionRecord) -> Obj {
    Obj::new()
        .put("executionArn", e.arn.as_str())
        .put("stateMachineArn", e.state_machine_arn.as_str())
        .put("name", e.name.as_str())
        .put("status", e.status.as_str())
        .time("startDate", e.start_ms)
        .opt_time("stopDate", e.stop_ms)
        .opt("stateMachineVersionArn", e.state_machine_version_arn.as_deref())
        .opt("stateMachineAliasArn", e.state_machine_alias_arn.as_deref())
        .opt_time("redriveDate", e.redrive_ms)
}

/// DescribeExecution's answer; `machine_exists`: the execution's state machine has not been
/// deleted (read only for Standard executions).
pub(crate) fn describe_value(e: ExecutionRecord, machine_exists: bool, metadata_only: bool) -> Value {
    // Express executions have no redrive status, except the children of map runs.
    let redrive = (e.kind == MachineKind::Standard || e.map_run_arn.is_some())
        .then(|| redrive_status(&e, machine_exists, now_ms()));
    let mut o = summary(&e)
        .opt("traceHeader", e.trace_header)
        .opt("error", e.error)
        .opt("cause", e.cause)
        .opt("mapRunArn", e.map_run_arn);
    if let Some((redrive, reason)) = redrive {
        o = o.put("redriveCount", e.redrive_count).put("redriveStatus", redrive).opt("redriveStatusReason", reason);
    }
    if !metadata_only {
        o = o.put("input", e.input).put("inputDetails", json!({"included": true}));
        if e.status == ExecutionStatus::Succeeded {
            o = o.opt("output", e.output).put("outputDetails", json!({"included": true}));
        }
    }
    o.build()
}

pub(crate) fn describe(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("executionArn", 1, 256)?;
    let metadata_only = r.opt_enum("includedData", &["ALL_DATA", "METADATA_ONLY"])? == Some("METADATA_ONLY");
    let e = api.engine.describe_execution(&arn)?;
    // A child's machine is its label-qualified parent machine, which the store does not hold.
    let machine_exists = e.kind == MachineKind::Express
        || e.map_run_arn.is_some()
        || api.engine.store().state_machine(&e.state_machine_arn)?.is_some();
    Ok(describe_value(e, machine_exists, metadata_only))
}

fn status_filter(s: &str) -> ExecutionStatus {
    ExecutionStatus::parse(s).unwrap_or(ExecutionStatus::Running)
}

pub(crate) fn list(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let sm = r.opt_string("stateMachineArn", 1, 256)?;
    let status = r.opt_enum("statusFilter", &["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"])?;
    let max = r.max_results(1000)?;
    let next_token = r.next_token(3096)?;
    let map_run = r.opt_string("mapRunArn", 1, 2000)?;
    let redrive = r.opt_enum("redriveFilter", &["REDRIVEN", "NOT_REDRIVEN"])?;
    let query = |scope| ExecutionQuery {
        scope,
        status: status.map(status_filter),
        redriven: redrive.map(|f| f == "REDRIVEN"),
        max,
        next_token: next_token.clone(),
    };
    // AWS lists the executions of one state machine (version, alias) or of one map run.
    let sm = match (sm, map_run) {
        (Some(_), Some(_)) => {
            return Err(ApiError::validation("ListExecutions takes a stateMachineArn or a mapRunArn, not both"));
        }
        (None, None) => return Err(ApiError::validation("ListExecutions needs a stateMachineArn or a mapRunArn (neither was given)")),
        (None, Some(m)) => return super::map_runs::list_children(api, m, query(ExecutionScope::All)),
        (Some(arn), None) => arn,
    };
    if status == Some("PENDING_REDRIVE") {
        return Err(ApiError::validation(
            "statusFilter PENDING_REDRIVE applies to the child workflow executions of a map run: give a mapRunArn, not a stateMachineArn",
        ));
    }
    let scope = match Arn::parse(&sm).map_err(|e| ApiError::new("InvalidArn", format!("Invalid Arn: {e}")))?.resource {
        Resource::StateMachine { .. } => ExecutionScope::StateMachine(sm),
        Resource::Version { .. } => ExecutionScope::Version(sm),
        Resource::Alias { .. } => ExecutionScope::Alias(sm),
        _ => return Err(ApiError::new("InvalidArn", format!("Invalid Arn: '{sm}' is not a state machine ARN"))),
    };
    if let ExecutionScope::StateMachine(arn) = &scope {
        if api.engine.store().state_machine(arn)?.is_none() {
            return Err(ApiError::new("StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{arn}'")));
        }
    }
    let page = api.engine.list_executions(&query(scope))?;
    let items: Vec<Value> = page
        .items
        .into_iter()
        .map(|e| summary(&e).opt("redriveCount", (e.kind == MachineKind::Standard).then_some(e.redrive_count)).build())
        .collect();
    Ok(Obj::new().put("executions", items).opt("nextToken", page.next_token).build())
}

/// The members of history event details that carry execution data.
const DATA_MEMBERS: [&str; 4] = ["input", "output", "parameters", "logs"];

pub(crate) fn history(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("executionArn", 1, 256)?;
    let max = r.max_results(1000)?;
    let reverse = r.opt_bool("reverseOrder")?.unwrap_or(false);
    let next_token = r.next_token(1024)?;
    let include_data = r.opt_bool("includeExecutionData")?.unwrap_or(true);
    let page = api.engine.history(&arn, &HistoryQuery { reverse, max, next_token })?;
    let mut events = page.items;
    if !include_data {
        for e in &mut events {
            if let Some(obj) = e.as_object_mut() {
                for (k, v) in obj.iter_mut() {
                    if k.ends_with("EventDetails") {
                        if let Some(d) = v.as_object_mut() {
                            for m in DATA_MEMBERS {
                                d.remove(m);
                                d.remove(&format!("{m}Details"));
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(Obj::new().put("events", events).opt("nextToken", page.next_token).build())
}

pub(crate) async fn stop(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("executionArn", 1, 256)?;
    let error = r.opt_string("error", 0, 256)?;
    let cause = r.opt_string("cause", 0, 32768)?;
    let stop_ms = api.engine.stop_execution(&arn, error, cause).await?;
    Ok(Obj::new().time("stopDate", stop_ms).build())
}

pub(crate) async fn redrive(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("executionArn", 1, 256)?;
    let token = r.opt_string("clientToken", 1, 64)?;
    let ms = api.engine.redrive_execution(&arn, token.as_deref()).await?;
    Ok(Obj::new().time("redriveDate", ms).build())
}

pub(crate) async fn send_task_success(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let token = r.string("taskToken", 1, 2048)?;
    let output = r.string("output", 0, MAX_INPUT)?;
    api.engine.send_task_success(&token, &output).await?;
    Ok(json!({}))
}

pub(crate) async fn send_task_failure(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let token = r.string("taskToken", 1, 2048)?;
    let error = r.opt_string("error", 0, 256)?;
    let cause = r.opt_string("cause", 0, 32768)?;
    api.engine.send_task_failure(&token, error, cause).await?;
    Ok(json!({}))
}

pub(crate) async fn send_task_heartbeat(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let token = r.string("taskToken", 1, 2048)?;
    api.engine.send_task_heartbeat(&token).await?;
    Ok(json!({}))
}
