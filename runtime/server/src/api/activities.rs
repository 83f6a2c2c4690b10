//! Activities: queues of tasks for workers outside stepwasm.

use std::sync::Arc;

use serde_json::{json, Value};
use store::arn::{Arn, Resource};
use store::{ActivityRecord, ListQuery};

use super::wire::{now_ms, ApiError, Obj, Req};
use super::{blocking, tags, Api};

fn activity_arn(arn: &str) -> Result<(), ApiError> {
    match Arn::parse(arn) {
        Ok(Arn { resource: Resource::Activity { .. }, .. }) => Ok(()),
        Ok(_) => Err(ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}' is not an activity ARN"))),
        Err(e) => Err(ApiError::new("InvalidArn", format!("Invalid Arn: {e}"))),
    }
}

pub(crate) async fn create(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let name = r.string("name", 1, 80)?;
    let tags = tags::read_tags(&mut r, "tags", &api.engine.arns().activity(&name))?;
    if let Some(cfg) = r.opt_object("encryptionConfiguration")? {
        if cfg.get("type").and_then(Value::as_str) != Some("AWS_OWNED_KEY") {
            return Err(ApiError::new(
                "InvalidEncryptionConfiguration",
                "stepwasm has no KMS: only encryptionConfiguration type AWS_OWNED_KEY is supported",
            ));
        }
    }
    store::arn::validate_name(&name).map_err(|e| ApiError::new("InvalidName", format!("Invalid Name: '{name}': {e}")))?;
    let record = ActivityRecord { arn: api.engine.arns().activity(&name), name, created_ms: now_ms() };
    let store = api.engine.store().clone();
    let created = blocking(move || -> Result<ActivityRecord, store::StoreError> {
        let created = store.create_activity(record)?;
        // A repeat of the create is idempotent and leaves the tags as they were (AWS).
        if created.created && !tags.is_empty() {
            store.tag(&created.record.arn, &tags)?;
        }
        Ok(created.record)
    })
    .await??;
    Ok(Obj::new().put("activityArn", created.arn).time("creationDate", created.created_ms).build())
}

pub(crate) fn describe(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("activityArn", 1, 256)?;
    activity_arn(&arn)?;
    let a = api
        .engine
        .store()
        .activity(&arn)?
        .ok_or_else(|| ApiError::new("ActivityDoesNotExist", format!("Activity Does Not Exist: '{arn}'")))?;
    Ok(Obj::new().put("activityArn", a.arn).put("name", a.name).time("creationDate", a.created_ms).build())
}

pub(crate) async fn delete(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("activityArn", 1, 256)?;
    activity_arn(&arn)?;
    let store = api.engine.store().clone();
    blocking(move || store.delete_activity(&arn)).await??;
    Ok(json!({}))
}

pub(crate) fn list(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let max = r.max_results(1000)?;
    let next_token = r.next_token(1024)?;
    let page = api.engine.store().list_activities(&ListQuery { max, next_token })?;
    let items: Vec<Value> = page
        .items
        .into_iter()
        .map(|a| Obj::new().put("activityArn", a.arn).put("name", a.name).time("creationDate", a.created_ms).build())
        .collect();
    Ok(Obj::new().put("activities", items).opt("nextToken", page.next_token).build())
}

/// GetActivityTask: a long poll; no task within the wait answers without a token.
pub(crate) async fn get_task(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("activityArn", 1, 256)?;
    let worker = r.opt_string("workerName", 1, 80)?;
    let task = api.engine.get_activity_task(&arn, worker.as_deref(), api.activity_wait).await?;
    Ok(match task {
        Some((token, input)) => json!({"taskToken": token, "input": input}),
        None => json!({}),
    })
}
