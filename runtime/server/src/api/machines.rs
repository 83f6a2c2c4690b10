//! State machines: create, describe, update, delete, list, validate.

use std::sync::Arc;

use asl::diagnostic::Severity;
use asl::ValidateOptions;
use serde_json::{json, Map, Value};
use store::arn::{Arn, Resource};
use store::{ListQuery, MachineKind, StateMachineRecord, StateMachineUpdate, StoreError, VersionRecord};

use super::errors::invalid_definition;
use super::wire::{now_ms, ApiError, Obj, Req};
use super::{blocking, tags, Api};

/// AWS's limit on a definition, in characters.
pub(crate) const MAX_DEFINITION: usize = 1_048_576;

/// Reads `type` (default STANDARD).
fn machine_kind(r: &mut Req) -> Result<MachineKind, ApiError> {
    Ok(match r.opt_enum("type", &["STANDARD", "EXPRESS"])? {
        Some("EXPRESS") => MachineKind::Express,
        _ => MachineKind::Standard,
    })
}

/// A definition AWS would accept for a machine of `kind`.
pub(crate) fn check_definition(definition: &str, kind: MachineKind) -> Result<(), ApiError> {
    let diags = asl::validate::validate_text(definition, &ValidateOptions { express: kind == MachineKind::Express, ..Default::default() });
    if diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(invalid_definition(&diags));
    }
    Ok(())
}

/// An IAM role ARN: `arn:PARTITION:iam::ACCOUNT:role/NAME`.
pub(crate) fn check_role(role: &str) -> Result<(), ApiError> {
    let parts: Vec<&str> = role.splitn(6, ':').collect();
    let ok = parts.len() == 6 && parts[0] == "arn" && !parts[1].is_empty() && parts[2] == "iam" && parts[5].starts_with("role/") && parts[5].len() > 5;
    if ok {
        Ok(())
    } else {
        Err(ApiError::new("InvalidArn", format!("Invalid Arn: 'Resource type not valid in this context: {role}' (expected arn:aws:iam::ACCOUNT:role/NAME)")))
    }
}

/// A state machine ARN (not a version, alias or anything else).
pub(crate) fn machine_arn(arn: &str) -> Result<(), ApiError> {
    engine::refuse_qualified(arn)?;
    match Arn::parse(arn) {
        Ok(Arn { resource: Resource::StateMachine { .. }, .. }) => Ok(()),
        Ok(_) => Err(ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}' is not a state machine ARN"))),
        Err(e) => Err(ApiError::new("InvalidArn", format!("Invalid Arn: {e}"))),
    }
}

/// The loggingConfiguration member, checked, as JSON text.
fn logging(r: &mut Req) -> Result<Option<String>, ApiError> {
    let Some(cfg) = r.opt_object("loggingConfiguration")? else { return Ok(None) };
    if let Some(level) = cfg.get("level") {
        if !matches!(level.as_str(), Some("ALL" | "ERROR" | "FATAL" | "OFF")) {
            return Err(ApiError::new("InvalidLoggingConfiguration", format!("Invalid Logging Configuration: level {level} is not ALL, ERROR, FATAL or OFF")));
        }
    }
    if cfg.get("includeExecutionData").is_some_and(|v| !v.is_boolean()) {
        return Err(ApiError::new("InvalidLoggingConfiguration", "Invalid Logging Configuration: includeExecutionData must be a boolean"));
    }
    let invalid = |m: String| ApiError::new("InvalidLoggingConfiguration", format!("Invalid Logging Configuration: {m}"));
    let destinations = match cfg.get("destinations") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(list)) => list.as_slice(),
        Some(other) => return Err(invalid(format!("destinations must be a list, not {other}"))),
    };
    if destinations.len() > 1 {
        return Err(invalid(format!("destinations holds at most 1 destination ({} given)", destinations.len())));
    }
    let level = cfg.get("level").and_then(Value::as_str).unwrap_or("OFF");
    if level != "OFF" && destinations.is_empty() {
        return Err(invalid(format!("level {level} needs a destination: destinations must hold one CloudWatch Logs log group")));
    }
    for d in destinations {
        let arn = d.get("cloudWatchLogsLogGroup").and_then(|g| g.get("logGroupArn")).and_then(Value::as_str);
        match arn {
            Some(a) if is_log_group_arn(a) => {}
            Some(a) => {
                return Err(invalid(format!(
                    "destinations[0].cloudWatchLogsLogGroup.logGroupArn '{a}' is not a log group ARN \
                     (arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*)"
                )))
            }
            None => return Err(invalid("destinations[0] needs cloudWatchLogsLogGroup.logGroupArn".into())),
        }
    }
    Ok(Some(Value::Object(cfg).to_string()))
}

/// A CloudWatch Logs log group ARN as logging destinations take it:
/// `arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME:*`.
fn is_log_group_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let [prefix, partition, service, region, account, kind, rest] = parts[..] else { return false };
    let Some(name) = rest.strip_suffix(":*") else { return false };
    prefix == "arn"
        && !partition.is_empty()
        && service == "logs"
        && !region.is_empty()
        && !account.is_empty()
        && kind == "log-group"
        && !name.is_empty()
        && !name.contains(':')
}

fn tracing_cfg(r: &mut Req) -> Result<Option<String>, ApiError> {
    let Some(cfg) = r.opt_object("tracingConfiguration")? else { return Ok(None) };
    if cfg.get("enabled").is_some_and(|v| !v.is_boolean()) {
        return Err(ApiError::new("InvalidTracingConfiguration", "Invalid Tracing Configuration: enabled must be a boolean"));
    }
    Ok(Some(Value::Object(cfg).to_string()))
}

/// encryptionConfiguration: only AWS-owned keys (there is no KMS here).
fn encryption(r: &mut Req) -> Result<Option<String>, ApiError> {
    let Some(cfg) = r.opt_object("encryptionConfiguration")? else { return Ok(None) };
    match cfg.get("type").and_then(Value::as_str) {
        Some("AWS_OWNED_KEY") => Ok(Some(Value::Object(cfg).to_string())),
        Some("CUSTOMER_MANAGED_KMS_KEY") => Err(ApiError::new(
            "InvalidEncryptionConfiguration",
            "stepwasm has no KMS: only encryptionConfiguration type AWS_OWNED_KEY is supported",
        )),
        _ => Err(ApiError::validation(
            "1 validation error detected: Value at 'encryptionConfiguration.type' failed to satisfy constraint: Member must satisfy enum value set: [AWS_OWNED_KEY, CUSTOMER_MANAGED_KMS_KEY]",
        )),
    }
}

fn parse_json(text: &Option<String>) -> Option<Value> {
    text.as_deref().and_then(|t| serde_json::from_str(t).ok())
}

fn logging_value(text: &Option<String>) -> Value {
    let mut v = json!({"level": "OFF", "includeExecutionData": false});
    if let Some(Value::Object(m)) = parse_json(text) {
        for (k, x) in m {
            v[k] = x;
        }
    }
    v
}

fn tracing_value(text: &Option<String>) -> Value {
    parse_json(text).unwrap_or_else(|| json!({"enabled": false}))
}

pub(crate) async fn create(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let name = r.string("name", 1, 80)?;
    let definition = r.string("definition", 1, MAX_DEFINITION)?;
    let role_arn = r.string("roleArn", 1, 256)?;
    let kind = machine_kind(&mut r)?;
    let logging_json = logging(&mut r)?;
    let tracing_json = tracing_cfg(&mut r)?;
    let encryption_json = encryption(&mut r)?;
    let tags = tags::read_tags(&mut r, "tags", &api.engine.arns().state_machine(&name))?;
    let publish = r.opt_bool("publish")?.unwrap_or(false);
    let version_description = r.opt_string("versionDescription", 0, 256)?;
    store::arn::validate_name(&name).map_err(|e| ApiError::new("InvalidName", format!("Invalid Name: '{name}': {e}")))?;
    if version_description.is_some() && !publish {
        return Err(ApiError::validation("versionDescription can only be set when publish is true"));
    }
    check_role(&role_arn)?;
    check_definition(&definition, kind)?;
    let arn = api.engine.arns().state_machine(&name);
    let now = now_ms();
    let record = StateMachineRecord {
        logging_json,
        tracing_json,
        encryption_json,
        ..StateMachineRecord::new(arn.clone(), name, kind, definition, role_arn, now)
    };
    let store = api.engine.store().clone();
    let created = blocking(move || -> Result<(StateMachineRecord, Option<VersionRecord>), StoreError> {
        // AWS treats a repeat with another roleArn or other tags as the same request: the
        // machine keeps its role and its tags.
        let mut record = record;
        if let Some(existing) = store.state_machine(&record.arn)? {
            record.role_arn = existing.role_arn;
        }
        let created = store.create_state_machine(record)?;
        if created.created && !tags.is_empty() {
            store.tag(&created.record.arn, &tags)?;
        }
        let version = match (publish, created.created) {
            (false, _) => None,
            (true, true) => Some(store.publish_version(&created.record.arn, version_description, None, now)?),
            // A repeat with publish: idempotent only if the original create published this
            // revision with this description (AWS's check includes publish and
            // versionDescription); it never publishes anything itself.
            (true, false) => published(&*store, &created.record, &version_description)?,
        };
        Ok((created.record, version))
    })
    .await?;
    let (record, version) = created.map_err(|e| match e {
        StoreError::AlreadyExists(_) => ApiError::new("StateMachineAlreadyExists", format!("State Machine Already Exists: '{arn}'")),
        e => e.into(),
    })?;
    if publish && version.is_none() {
        return Err(ApiError::new(
            "StateMachineAlreadyExists",
            format!(
                "State Machine Already Exists: '{arn}' has no published version of its current revision with this versionDescription, \
                 and a repeated CreateStateMachine does not publish one"
            ),
        ));
    }
    Ok(Obj::new()
        .put("stateMachineArn", record.arn)
        .time("creationDate", record.created_ms)
        .opt("stateMachineVersionArn", version.map(|v| v.arn))
        .build())
}

/// The version of `m`'s current revision published with `description`, if there is one.
fn published(store: &dyn store::Store, m: &StateMachineRecord, description: &Option<String>) -> Result<Option<VersionRecord>, StoreError> {
    let mut query = ListQuery { max: store::MAX_PAGE_SIZE, next_token: None };
    loop {
        let page = store.list_versions(&m.arn, &query)?;
        if let Some(v) = page.items.into_iter().find(|v| v.revision_id == m.revision_id && v.description == *description) {
            return Ok(Some(v));
        }
        match page.next_token {
            Some(t) => query.next_token = Some(t),
            None => return Ok(None),
        }
    }
}

/// What DescribeStateMachine says of a machine (its current revision) or of one version.
fn describe_value(m: &StateMachineRecord, version: Option<&VersionRecord>, metadata_only: bool) -> Value {
    let (arn, definition, role, created, revision, description, logging, tracing) = match version {
        Some(v) => (&v.arn, &v.definition, &v.role_arn, v.created_ms, &v.revision_id, &v.description, &v.logging_json, &v.tracing_json),
        None => (&m.arn, &m.definition, &m.role_arn, m.created_ms, &m.revision_id, &m.description, &m.logging_json, &m.tracing_json),
    };
    Obj::new()
        .put("stateMachineArn", arn.as_str())
        .put("name", m.name.as_str())
        .put("status", "ACTIVE")
        .put("definition", if metadata_only { "{}" } else { definition.as_str() })
        .put("roleArn", role.as_str())
        .put("type", m.kind.as_str())
        .time("creationDate", created)
        .put("loggingConfiguration", logging_value(logging))
        .put("tracingConfiguration", tracing_value(tracing))
        .opt("revisionId", revision.clone())
        .opt("description", description.clone())
        .opt("encryptionConfiguration", parse_json(if version.is_some() { &None } else { &m.encryption_json }))
        .build()
}

fn metadata_only(r: &mut Req) -> Result<bool, ApiError> {
    Ok(r.opt_enum("includedData", &["ALL_DATA", "METADATA_ONLY"])? == Some("METADATA_ONLY"))
}

pub(crate) fn describe(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("stateMachineArn", 1, 256)?;
    let metadata_only = metadata_only(&mut r)?;
    let missing = || ApiError::new("StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{arn}'"));
    engine::refuse_qualified(&arn)?;
    let parsed = Arn::parse(&arn).map_err(|e| ApiError::new("InvalidArn", format!("Invalid Arn: {e}")))?;
    let store = api.engine.store();
    match &parsed.resource {
        Resource::StateMachine { .. } => {
            let m = store.state_machine(&arn)?.ok_or_else(missing)?;
            Ok(describe_value(&m, None, metadata_only))
        }
        Resource::Version { .. } => {
            let v = store.version(&arn)?.ok_or_else(missing)?;
            let m = store.state_machine(&v.state_machine_arn)?.ok_or_else(missing)?;
            Ok(describe_value(&m, Some(&v), metadata_only))
        }
        Resource::Alias { .. } => Err(ApiError::validation(format!(
            "'{arn}' is an alias ARN: describe it with DescribeStateMachineAlias"
        ))
        .with("reason", "API_DOES_NOT_SUPPORT_LABELED_ARNS")),
        _ => Err(ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}' is not a state machine ARN"))),
    }
}

pub(crate) async fn update(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("stateMachineArn", 1, 256)?;
    let definition = r.opt_string("definition", 1, MAX_DEFINITION)?;
    let role_arn = r.opt_string("roleArn", 1, 256)?;
    let logging_json = logging(&mut r)?;
    let tracing_json = tracing_cfg(&mut r)?;
    let encryption_json = encryption(&mut r)?;
    let publish = r.opt_bool("publish")?.unwrap_or(false);
    let version_description = r.opt_string("versionDescription", 0, 256)?;
    machine_arn(&arn)?;
    if definition.is_none() && role_arn.is_none() && logging_json.is_none() && tracing_json.is_none() && encryption_json.is_none() {
        return Err(ApiError::new(
            "MissingRequiredParameter",
            "Either the definition, the roleArn, the loggingConfiguration, the tracingConfiguration or the encryptionConfiguration must be specified",
        ));
    }
    if version_description.is_some() && !publish {
        return Err(ApiError::validation("versionDescription can only be set when publish is true"));
    }
    let store = api.engine.store().clone();
    let existing = store
        .state_machine(&arn)?
        .ok_or_else(|| ApiError::new("StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{arn}'")))?;
    if let Some(d) = &definition {
        check_definition(d, existing.kind)?;
    }
    if let Some(role) = &role_arn {
        check_role(role)?;
    }
    let update = StateMachineUpdate { definition, role_arn, description: None, logging_json, tracing_json, encryption_json };
    let now = now_ms();
    let a = arn.clone();
    let (record, version) = blocking(move || -> Result<(StateMachineRecord, Option<VersionRecord>), StoreError> {
        let record = store.update_state_machine(&a, update, now)?;
        let version = if publish { Some(store.publish_version(&a, version_description, None, now)?) } else { None };
        Ok((record, version))
    })
    .await?
    .map_err(|e| match e {
        StoreError::NotFound(_) => ApiError::new("StateMachineDoesNotExist", format!("State Machine Does Not Exist: '{arn}'")),
        e => e.into(),
    })?;
    Ok(Obj::new()
        .time("updateDate", record.updated_ms)
        .opt("revisionId", record.revision_id)
        .opt("stateMachineVersionArn", version.map(|v| v.arn))
        .build())
}

pub(crate) async fn delete(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("stateMachineArn", 1, 256)?;
    machine_arn(&arn)?;
    let store = api.engine.store().clone();
    let a = arn.clone();
    let existed = blocking(move || store.delete_state_machine(&a)).await??;
    if existed {
        // AWS ends the running executions of a deleted machine.
        let query = store::ExecutionQuery {
            scope: store::ExecutionScope::StateMachine(arn.clone()),
            status: Some(store::ExecutionStatus::Running),
            max: 1000,
            ..Default::default()
        };
        if let Ok(page) = api.engine.store().list_executions(&query) {
            for e in page.items {
                let cause = format!("The state machine {arn} was deleted");
                let _ = api.engine.stop_execution(&e.arn, Some("States.Aborted".into()), Some(cause)).await;
            }
        }
    }
    Ok(json!({}))
}

pub(crate) fn list(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let max = r.max_results(1000)?;
    let next_token = r.next_token(1024)?;
    let page = api.engine.store().list_state_machines(&ListQuery { max, next_token })?;
    let items: Vec<Value> = page
        .items
        .into_iter()
        .map(|m| {
            Obj::new()
                .put("stateMachineArn", m.arn)
                .put("name", m.name)
                .put("type", m.kind.as_str())
                .time("creationDate", m.created_ms)
                .build()
        })
        .collect();
    Ok(Obj::new().put("stateMachines", items).opt("nextToken", page.next_token).build())
}

pub(crate) fn validate(mut r: Req) -> Result<Value, ApiError> {
    let definition = r.string("definition", 1, MAX_DEFINITION)?;
    let kind = machine_kind(&mut r)?;
    let severity = r.opt_enum("severity", &["ERROR", "WARNING"])?.unwrap_or("ERROR");
    let max = match r.opt_int("maxResults", 0, 100)? {
        None | Some(0) => 100,
        Some(n) => n as usize,
    };
    let diags = asl::validate::validate_text(&definition, &ValidateOptions { express: kind == MachineKind::Express, ..Default::default() });
    let failed = diags.iter().any(|d| d.severity == Severity::Error);
    let shown: Vec<_> = diags.iter().filter(|d| severity == "WARNING" || d.severity == Severity::Error).collect();
    let truncated = shown.len() > max;
    let items: Vec<Value> = shown
        .into_iter()
        .take(max)
        .map(|d| {
            let mut m = Map::new();
            m.insert("severity".into(), d.severity.as_str().into());
            m.insert("code".into(), d.code.into());
            m.insert("message".into(), d.message.clone().into());
            m.insert("location".into(), if d.location.is_empty() { "/".into() } else { d.location.clone().into() });
            Value::Object(m)
        })
        .collect();
    Ok(json!({"result": if failed { "FAIL" } else { "OK" }, "diagnostics": items, "truncated": truncated}))
}

pub(crate) fn describe_for_execution(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let arn = r.string("executionArn", 1, 256)?;
    let metadata_only = metadata_only(&mut r)?;
    let exec = api.engine.describe_execution(&arn)?;
    let store = api.engine.store();
    // A child of a map run runs its parent's machine: `…:stateMachine:NAME/LABEL`.
    let child = match &exec.map_run_arn {
        Some(run) => {
            let parent = store.map_run(run)?.map(|v| v.record.execution_arn).unwrap_or_default();
            let (machine, label) = exec.state_machine_arn.rsplit_once('/').unwrap_or((&exec.state_machine_arn, ""));
            Some(ChildOf { map_run: run.clone(), parent, machine: machine.to_string(), label: label.to_string() })
        }
        None => None,
    };
    let machine_arn = child.as_ref().map_or(exec.state_machine_arn.as_str(), |c| c.machine.as_str());
    let machine = store.state_machine(machine_arn)?;
    let version = match &exec.state_machine_version_arn {
        Some(v) => store.version(v)?,
        None => None,
    };
    let name = exec.state_machine_arn.rsplit(':').next().unwrap_or_default().to_string();
    let (role, updated, revision, logging, tracing) = match (&version, &machine) {
        (Some(v), _) => (v.role_arn.clone(), v.created_ms, v.revision_id.clone(), v.logging_json.clone(), v.tracing_json.clone()),
        (None, Some(m)) => (m.role_arn.clone(), m.updated_ms, m.revision_id.clone(), m.logging_json.clone(), m.tracing_json.clone()),
        // The machine was deleted: the execution still runs (or ran) its own definition with
        // the role it was started with, as AWS goes on describing it.
        (None, None) => match api.engine.execution_role(child.as_ref().map_or(arn.as_str(), |c| c.parent.as_str()))? {
            Some(role) => (role, exec.start_ms, None, None, None),
            None => {
                return Err(ApiError::new(
                    "StateMachineDoesNotExist",
                    format!("State Machine Does Not Exist: '{}' (deleted; Express execution {arn} keeps no record of its role)", exec.state_machine_arn),
                ))
            }
        },
    };
    let definition = match &child {
        Some(c) => processor_definition(&exec.definition, &c.label).unwrap_or(exec.definition),
        None => exec.definition,
    };
    Ok(Obj::new()
        .put("stateMachineArn", exec.state_machine_version_arn.clone().unwrap_or(exec.state_machine_arn.clone()))
        .put("name", name)
        .put("definition", if metadata_only { "{}".to_string() } else { definition })
        .put("roleArn", role)
        .time("updateDate", updated)
        .put("loggingConfiguration", logging_value(&logging))
        .put("tracingConfiguration", tracing_value(&tracing))
        .opt("revisionId", revision)
        .opt("mapRunArn", child.as_ref().map(|c| c.map_run.as_str()))
        .opt("label", child.as_ref().map(|c| c.label.as_str()))
        .build())
}

/// Where a child execution of a map run comes from.
struct ChildOf {
    map_run: String,
    /// The execution whose Map state started the run.
    parent: String,
    /// The parent's state machine, without the label.
    machine: String,
    label: String,
}

/// The ItemProcessor a child of a map run runs: that of the Distributed Map state with this
/// `Label`, or of the only one without a `Label` (its run's label is then generated). `None`
/// when the definition does not say which.
fn processor_definition(definition: &str, label: &str) -> Option<String> {
    fn walk<'v>(states: &'v Value, found: &mut Vec<(Option<&'v str>, &'v Value)>) {
        let Some(states) = states.as_object() else { return };
        for st in states.values() {
            let processor = st.get("ItemProcessor").or_else(|| st.get("Iterator"));
            if let Some(p) = processor {
                if p.pointer("/ProcessorConfig/Mode").and_then(Value::as_str) == Some("DISTRIBUTED") {
                    found.push((st.get("Label").and_then(Value::as_str), p));
                }
                walk(&p["States"], found);
            }
            for branch in st.get("Branches").and_then(Value::as_array).into_iter().flatten() {
                walk(&branch["States"], found);
            }
        }
    }
    let def: Value = serde_json::from_str(definition).ok()?;
    let mut found = Vec::new();
    walk(&def["States"], &mut found);
    let unlabelled: Vec<_> = found.iter().filter(|(l, _)| l.is_none()).collect();
    let processor = match found.iter().find(|(l, _)| *l == Some(label)) {
        Some((_, p)) => *p,
        None if unlabelled.len() == 1 => unlabelled[0].1,
        None => return None,
    };
    let mut p = processor.clone();
    if let Some(m) = p.as_object_mut() {
        m.remove("ProcessorConfig");
    }
    serde_json::to_string(&p).ok()
}
