//! Tags on state machines and activities.

use std::sync::Arc;

use serde_json::{json, Value};
use store::StoreError;

use super::wire::{ApiError, Req};
use super::{blocking, Api};

/// AWS's limit of tags on one resource.
const MAX_TAGS: usize = 50;

/// The longest tag key AWS accepts, in characters.
const MAX_KEY: usize = 128;

/// A `[{key, value}]` member for the resource `resource` (its ARN), checked.
pub(crate) fn read_tags(r: &mut Req, member: &str, resource: &str) -> Result<Vec<(String, String)>, ApiError> {
    let Some(list) = r.opt_array(member)? else { return Ok(Vec::new()) };
    if list.len() > MAX_TAGS {
        return Err(ApiError::new("TooManyTags", format!("Too many tags: {} given, at most {MAX_TAGS} are allowed", list.len()))
            .with("resourceName", resource));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, t) in list.into_iter().enumerate() {
        let key = t.get("key").and_then(Value::as_str);
        let value = t.get("value").and_then(Value::as_str).unwrap_or("");
        let Some(key) = key.filter(|k| !k.is_empty() && k.chars().count() <= MAX_KEY) else {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value at '{member}.{}.member.key' failed to satisfy constraint: Member must have length between 1 and {MAX_KEY}",
                i + 1
            )));
        };
        if value.chars().count() > 256 {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value at '{member}.{}.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
                i + 1
            )));
        }
        out.push((key.to_string(), value.to_string()));
    }
    Ok(out)
}

fn not_found(arn: &str) -> impl Fn(StoreError) -> ApiError + '_ {
    move |e| match e {
        StoreError::NotFound(_) => {
            ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'")).with("resourceName", arn)
        }
        e => e.into(),
    }
}

fn check_arn(arn: &str) -> Result<(), ApiError> {
    store::arn::Arn::parse(arn).map(|_| ()).map_err(|e| ApiError::new("InvalidArn", format!("Invalid Arn: {e}")))
}

pub(crate) async fn tag(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("resourceArn", 1, 256)?;
    if !r.has("tags") {
        return Err(ApiError::validation(
            "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
        ));
    }
    let tags = read_tags(&mut r, "tags", &arn)?;
    check_arn(&arn)?;
    let existing = api.engine.store().tags(&arn).map_err(not_found(&arn))?;
    let new_keys = tags.iter().filter(|(k, _)| !existing.iter().any(|(e, _)| e == k)).count();
    if existing.len() + new_keys > MAX_TAGS {
        return Err(ApiError::new("TooManyTags", format!("Too many tags: a resource has at most {MAX_TAGS}")).with("resourceName", arn));
    }
    let store = api.engine.store().clone();
    let a = arn.clone();
    blocking(move || store.tag(&a, &tags)).await?.map_err(not_found(&arn))?;
    Ok(json!({}))
}

pub(crate) async fn untag(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("resourceArn", 1, 256)?;
    let keys = r.array("tagKeys")?;
    let keys: Vec<String> = keys
        .into_iter()
        .enumerate()
        .map(|(i, k)| match k {
            Value::String(s) if s.is_empty() || s.chars().count() > MAX_KEY => Err(ApiError::validation(format!(
                "1 validation error detected: Value at 'tagKeys.{}.member' failed to satisfy constraint: Member must have length between 1 and {MAX_KEY}",
                i + 1
            ))),
            Value::String(s) => Ok(s),
            other => Err(ApiError::serialization(format!("tagKeys must be strings, not {other}"))),
        })
        .collect::<Result<_, _>>()?;
    check_arn(&arn)?;
    let store = api.engine.store().clone();
    let a = arn.clone();
    blocking(move || store.untag(&a, &keys)).await?.map_err(not_found(&arn))?;
    Ok(json!({}))
}

pub(crate) fn list(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("resourceArn", 1, 256)?;
    check_arn(&arn)?;
    let tags = api.engine.store().tags(&arn).map_err(not_found(&arn))?;
    let items: Vec<Value> = tags.into_iter().map(|(k, v)| json!({"key": k, "value": v})).collect();
    Ok(json!({"tags": items}))
}
