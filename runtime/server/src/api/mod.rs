//! The AWS Step Functions API (AWS JSON 1.0): one function per operation, each taking the
//! request body and answering the response object or an [`ApiError`]. Knows nothing of HTTP:
//! [`crate::http`] reads `X-Amz-Target` and the body and writes what this returns.

mod activities;
mod errors;
mod executions;
mod machines;
mod map_runs;
mod tags;
mod test_state;
mod versions;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use engine::Engine;
use serde_json::Value;

pub use wire::ApiError;
use wire::Req;

/// What the operations share.
pub struct Api {
    pub engine: Engine,
    /// How long GetActivityTask waits for a task (AWS: 60 s).
    pub activity_wait: Duration,
}

/// Every operation of the Step Functions model, in the model's order.
pub const OPERATIONS: [&str; 37] = [
    "CreateActivity",
    "CreateStateMachine",
    "CreateStateMachineAlias",
    "DeleteActivity",
    "DeleteStateMachine",
    "DeleteStateMachineAlias",
    "DeleteStateMachineVersion",
    "DescribeActivity",
    "DescribeExecution",
    "DescribeMapRun",
    "DescribeStateMachine",
    "DescribeStateMachineAlias",
    "DescribeStateMachineForExecution",
    "GetActivityTask",
    "GetExecutionHistory",
    "ListActivities",
    "ListExecutions",
    "ListMapRuns",
    "ListStateMachineAliases",
    "ListStateMachineVersions",
    "ListStateMachines",
    "ListTagsForResource",
    "PublishStateMachineVersion",
    "RedriveExecution",
    "SendTaskFailure",
    "SendTaskHeartbeat",
    "SendTaskSuccess",
    "StartExecution",
    "StartSyncExecution",
    "StopExecution",
    "TagResource",
    "TestState",
    "UntagResource",
    "UpdateMapRun",
    "UpdateStateMachine",
    "UpdateStateMachineAlias",
    "ValidateStateMachineDefinition",
];

impl Api {
    /// Runs operation `op` (the part of `X-Amz-Target` after `AWSStepFunctions.`) on `body`.
    pub async fn call(self: &Arc<Self>, op: &str, body: &[u8]) -> Result<Value, ApiError> {
        let r = Req::parse(body)?;
        match op {
            "CreateStateMachine" => machines::create(self, r).await,
            "DescribeStateMachine" => machines::describe(self, r),
            "UpdateStateMachine" => machines::update(self, r).await,
            "DeleteStateMachine" => machines::delete(self, r).await,
            "ListStateMachines" => machines::list(self, r),
            "ValidateStateMachineDefinition" => machines::validate(r),
            "DescribeStateMachineForExecution" => machines::describe_for_execution(self, r),
            "StartExecution" => executions::start(self, r).await,
            "StartSyncExecution" => executions::start_sync(self, r).await,
            "DescribeExecution" => executions::describe(self, r),
            "ListExecutions" => executions::list(self, r),
            "GetExecutionHistory" => executions::history(self, r),
            "StopExecution" => executions::stop(self, r).await,
            "RedriveExecution" => executions::redrive(self, r).await,
            "SendTaskSuccess" => executions::send_task_success(self, r).await,
            "SendTaskFailure" => executions::send_task_failure(self, r).await,
            "SendTaskHeartbeat" => executions::send_task_heartbeat(self, r).await,
            "ListMapRuns" => map_runs::list(self, r),
            "DescribeMapRun" => map_runs::describe(self, r),
            "UpdateMapRun" => map_runs::update(self, r).await,
            "CreateActivity" => activities::create(self, r).await,
            "DescribeActivity" => activities::describe(self, r),
            "DeleteActivity" => activities::delete(self, r).await,
            "ListActivities" => activities::list(self, r),
            "GetActivityTask" => activities::get_task(self, r).await,
            "PublishStateMachineVersion" => versions::publish(self, r).await,
            "ListStateMachineVersions" => versions::list(self, r),
            "DeleteStateMachineVersion" => versions::delete(self, r).await,
            "CreateStateMachineAlias" => versions::create_alias(self, r).await,
            "DescribeStateMachineAlias" => versions::describe_alias(self, r),
            "UpdateStateMachineAlias" => versions::update_alias(self, r).await,
            "DeleteStateMachineAlias" => versions::delete_alias(self, r).await,
            "ListStateMachineAliases" => versions::list_aliases(self, r),
            "TagResource" => tags::tag(self, r).await,
            "UntagResource" => tags::untag(self, r).await,
            "ListTagsForResource" => tags::list(self, r),
            "TestState" => test_state::test_state(self, r).await,
            _ => Err(ApiError::new(
                "UnknownOperationException",
                format!("'{op}' is not an operation of AWSStepFunctions"),
            )),
        }
    }
}

/// Runs a store call (a write waits for the writer's commit) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("a store call panicked: {e}")))
}

#[cfg(test)]
mod tests;
