//! State machine versions and aliases.

use std::sync::Arc;

use serde_json::{json, Value};
use store::arn::{Arn, Resource};
use store::{AliasRecord, AliasUpdate, ListQuery, Routing, StoreError};

use super::machines::machine_arn;
use super::wire::{now_ms, ApiError, Obj, Req};
use super::{blocking, Api};

fn missing_machine(arn: &str) -> ApiError {
    ApiError::new("StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{arn}'"))
}

fn missing_alias(arn: &str) -> ApiError {
    ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'")).with("resourceName", arn)
}

pub(crate) async fn publish(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("stateMachineArn", 1, 256)?;
    let revision = r.opt_string("revisionId", 1, 1024)?;
    let description = r.opt_string("description", 0, 256)?;
    machine_arn(&arn)?;
    let store = api.engine.store().clone();
    let a = arn.clone();
    let v = blocking(move || store.publish_version(&a, description, revision, now_ms())).await?.map_err(|e| match e {
        StoreError::NotFound(_) => missing_machine(&arn),
        e => e.into(),
    })?;
    Ok(Obj::new().time("creationDate", v.created_ms).put("stateMachineVersionArn", v.arn).build())
}

pub(crate) fn list(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("stateMachineArn", 1, 256)?;
    let next_token = r.next_token(1024)?;
    let max = r.max_results(1000)?;
    machine_arn(&arn)?;
    let page = api.engine.store().list_versions(&arn, &ListQuery { max, next_token }).map_err(|e| match e {
        StoreError::NotFound(_) => missing_machine(&arn),
        e => e.into(),
    })?;
    let items: Vec<Value> = page
        .items
        .into_iter()
        .map(|v| Obj::new().put("stateMachineVersionArn", v.arn).time("creationDate", v.created_ms).build())
        .collect();
    Ok(Obj::new().put("stateMachineVersions", items).opt("nextToken", page.next_token).build())
}

pub(crate) async fn delete(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("stateMachineVersionArn", 1, 2000)?;
    match Arn::parse(&arn) {
        Ok(Arn { resource: Resource::Version { .. }, .. }) => {}
        Ok(_) => return Err(ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}' is not a state machine version ARN"))),
        Err(e) => return Err(ApiError::new("InvalidArn", format!("Invalid Arn: {e}"))),
    }
    let store = api.engine.store().clone();
    blocking(move || store.delete_version(&arn)).await??;
    Ok(json!({}))
}

/// `routingConfiguration: [{stateMachineVersionArn, weight}]`, 1 or 2 entries.
fn routing(list: Vec<Value>) -> Result<Vec<Routing>, ApiError> {
    if list.is_empty() || list.len() > 2 {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at 'routingConfiguration' failed to satisfy constraint: Member must have length between 1 and 2 (got {})",
            list.len()
        ))
        .with("reason", "INVALID_ROUTING_CONFIGURATION"));
    }
    list.into_iter()
        .enumerate()
        .map(|(i, item)| {
            let arn = item.get("stateMachineVersionArn").and_then(Value::as_str);
            let weight = item.get("weight").and_then(Value::as_u64);
            match (arn, weight) {
                (Some(a), Some(w)) if w <= 100 => Ok(Routing { version_arn: a.to_string(), weight: w as u8 }),
                _ => Err(ApiError::validation(format!(
                    "routingConfiguration[{i}] needs a stateMachineVersionArn and a weight from 0 to 100"
                ))
                .with("reason", "INVALID_ROUTING_CONFIGURATION")),
            }
        })
        .collect()
}

/// The machine the routed versions belong to.
fn routed_machine(routes: &[Routing]) -> Result<String, ApiError> {
    let mut machine: Option<String> = None;
    for r in routes {
        let parsed = Arn::parse(&r.version_arn).map_err(|e| ApiError::new("InvalidArn", format!("Invalid Arn: {e}")))?;
        let Resource::Version { .. } = parsed.resource else {
            return Err(ApiError::new("InvalidArn", format!("Invalid Arn: '{}' is not a state machine version ARN", r.version_arn)));
        };
        let m = parsed.state_machine_arn().unwrap_or_default();
        if machine.as_ref().is_some_and(|x| *x != m) {
            return Err(ApiError::validation("the routed versions belong to different state machines")
                .with("reason", "INVALID_ROUTING_CONFIGURATION"));
        }
        machine = Some(m);
    }
    machine.ok_or_else(|| ApiError::validation("routingConfiguration is empty"))
}

fn store_error(arn: String) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound(what) if what.starts_with("version") => {
            ApiError::new("ResourceNotFound", format!("Resource not found: '{}'", what.trim_start_matches("version ")))
        }
        StoreError::NotFound(_) => missing_alias(&arn),
        StoreError::Invalid(m) => ApiError::validation(m).with("reason", "INVALID_ROUTING_CONFIGURATION"),
        e => e.into(),
    }
}

pub(crate) async fn create_alias(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let description = r.opt_string("description", 0, 256)?;
    let name = r.string("name", 1, 80)?;
    let routes = routing(r.array("routingConfiguration")?)?;
    store::arn::validate_name(&name).map_err(|e| ApiError::new("InvalidName", format!("Invalid Name: '{name}': {e}")))?;
    let machine = routed_machine(&routes)?;
    let arn = format!("{machine}:{name}");
    let now = now_ms();
    let record = AliasRecord {
        arn: arn.clone(),
        state_machine_arn: machine,
        name,
        description,
        routing: routes,
        created_ms: now,
        updated_ms: now,
    };
    let store = api.engine.store().clone();
    let created = blocking(move || store.create_alias(record)).await?.map_err(store_error(arn))?;
    Ok(Obj::new()
        .put("stateMachineAliasArn", created.record.arn)
        .time("creationDate", created.record.created_ms)
        .build())
}

fn routing_value(routes: &[Routing]) -> Value {
    Value::Array(routes.iter().map(|r| json!({"stateMachineVersionArn": r.version_arn, "weight": r.weight})).collect())
}

fn alias_arn(arn: &str) -> Result<(), ApiError> {
    match Arn::parse(arn) {
        Ok(Arn { resource: Resource::Alias { .. }, .. }) => Ok(()),
        Ok(_) => Err(ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}' is not a state machine alias ARN"))),
        Err(e) => Err(ApiError::new("InvalidArn", format!("Invalid Arn: {e}"))),
    }
}

pub(crate) fn describe_alias(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("stateMachineAliasArn", 1, 256)?;
    alias_arn(&arn)?;
    let a = api.engine.store().alias(&arn)?.ok_or_else(|| missing_alias(&arn))?;
    Ok(Obj::new()
        .put("stateMachineAliasArn", a.arn)
        .put("name", a.name)
        .opt("description", a.description)
        .put("routingConfiguration", routing_value(&a.routing))
        .time("creationDate", a.created_ms)
        .time("updateDate", a.updated_ms)
        .build())
}

pub(crate) async fn update_alias(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("stateMachineAliasArn", 1, 256)?;
    let description = r.opt_string("description", 0, 256)?;
    let routes = match r.opt_array("routingConfiguration")? {
        Some(list) => Some(routing(list)?),
        None => None,
    };
    alias_arn(&arn)?;
    if description.is_none() && routes.is_none() {
        return Err(ApiError::validation(format!(
            "UpdateStateMachineAlias of '{arn}' needs a description or a routingConfiguration (neither was given)"
        )));
    }
    let store = api.engine.store().clone();
    let a = arn.clone();
    let updated = blocking(move || store.update_alias(&a, AliasUpdate { description, routing: routes }, now_ms()))
        .await?
        .map_err(store_error(arn))?;
    Ok(Obj::new().time("updateDate", updated.updated_ms).build())
}

pub(crate) async fn delete_alias(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("stateMachineAliasArn", 1, 256)?;
    alias_arn(&arn)?;
    let store = api.engine.store().clone();
    let a = arn.clone();
    if !blocking(move || store.delete_alias(&a)).await?? {
        return Err(missing_alias(&arn));
    }
    Ok(json!({}))
}

pub(crate) fn list_aliases(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("stateMachineArn", 1, 256)?;
    let next_token = r.next_token(1024)?;
    let max = r.max_results(1000)?;
    machine_arn(&arn)?;
    if api.engine.store().state_machine(&arn)?.is_none() {
        return Err(missing_machine(&arn));
    }
    let page = api.engine.store().list_aliases(&arn, &ListQuery { max, next_token })?;
    let items: Vec<Value> = page
        .items
        .into_iter()
        .map(|a| Obj::new().put("stateMachineAliasArn", a.arn).time("creationDate", a.created_ms).build())
        .collect();
    Ok(Obj::new().put("stateMachineAliases", items).opt("nextToken", page.next_token).build())
}
