//! Which definition a state machine, version or alias ARN runs, and the parsed machines.

use std::sync::Arc;

use asl::model::Machine;
use store::arn::{Arn, Resource};
use store::MachineKind;

use crate::{lock, EngineError, Inner};

/// AWS's limit on the duration of an Express execution.
pub(crate) const EXPRESS_LIMIT_SECONDS: u64 = 300;

/// What an execution started through some ARN runs.
pub(crate) struct Resolved {
    pub(crate) state_machine_arn: String,
    pub(crate) state_machine_name: String,
    pub(crate) version_arn: Option<String>,
    pub(crate) alias_arn: Option<String>,
    pub(crate) definition: String,
    pub(crate) role_arn: String,
    pub(crate) kind: MachineKind,
}

impl Inner {
    /// [`Inner::resolve_machine`] for StartExecution's `stateMachineArn`, which may end in
    /// `#TestCase`: the machine, and the mock test case named.
    pub(crate) fn resolve_with_mocks(&self, arn: &str) -> Result<(Resolved, Option<crate::mocks::TestCase>), EngineError> {
        let (arn, case) = crate::mocks::split_test_case(arn);
        let r = self.resolve_machine(arn)?;
        let mock = case.map(|c| self.test_case(&r.state_machine_name, c)).transpose()?;
        Ok((r, mock))
    }

    /// Resolves a state machine, version or alias ARN (an alias picks one of its versions by
    /// its routing weights).
    pub(crate) fn resolve_machine(&self, arn: &str) -> Result<Resolved, EngineError> {
        refuse_qualified(arn)?;
        let parsed = Arn::parse(arn).map_err(|e| EngineError::InvalidArn(e.to_string()))?;
        let missing = || EngineError::StateMachineDoesNotExist(arn.to_string());
        let (sm_name, version_arn, alias_arn) = match &parsed.resource {
            Resource::StateMachine { name } => (name.clone(), None, None),
            Resource::Version { machine, .. } => (machine.clone(), Some(arn.to_string()), None),
            Resource::Alias { machine, .. } => {
                let alias = self.store.alias(arn)?.ok_or_else(missing)?;
                let version = self.pick_route(&alias.routing).ok_or_else(missing)?;
                (machine.clone(), Some(version), Some(arn.to_string()))
            }
            _ => return Err(EngineError::InvalidArn(format!("'{arn}' is not a state machine, version or alias ARN"))),
        };
        let sm_arn = parsed.state_machine_arn().ok_or_else(missing)?;
        let sm = self.store.state_machine(&sm_arn)?.ok_or_else(missing)?;
        let (definition, role_arn) = match &version_arn {
            Some(v) => {
                let rec = self.store.version(v)?.ok_or_else(|| EngineError::StateMachineDoesNotExist(v.clone()))?;
                (rec.definition, rec.role_arn)
            }
            None => (sm.definition.clone(), sm.role_arn.clone()),
        };
        Ok(Resolved {
            state_machine_arn: sm_arn,
            state_machine_name: sm_name,
            version_arn,
            alias_arn,
            definition,
            role_arn,
            kind: sm.kind,
        })
    }

    fn pick_route(&self, routing: &[store::Routing]) -> Option<String> {
        let total: u64 = routing.iter().map(|r| r.weight as u64).sum();
        if total == 0 {
            return routing.first().map(|r| r.version_arn.clone());
        }
        let mut pick = self.entropy() % total;
        for r in routing {
            if pick < r.weight as u64 {
                return Some(r.version_arn.clone());
            }
            pick -= r.weight as u64;
        }
        None
    }

    /// The parsed machine of a definition (cached). Express machines get AWS's five-minute
    /// limit as their execution timeout when they set none or a longer one.
    pub(crate) fn machine(&self, definition: &str, express: bool) -> Result<Arc<Machine>, EngineError> {
        let key = (express, definition.to_string());
        if let Some(m) = lock(&self.machines).get(&key) {
            return Ok(m.clone());
        }
        // Stored definitions were accepted when created; admission checks added since do not apply.
        let opts = asl::ValidateOptions { express, stored: true };
        let mut m = asl::parse_text(definition, &opts).map_err(EngineError::InvalidDefinition)?;
        if express {
            m.timeout_seconds = Some(m.timeout_seconds.unwrap_or(EXPRESS_LIMIT_SECONDS).min(EXPRESS_LIMIT_SECONDS));
        }
        let m = Arc::new(m);
        let mut cache = lock(&self.machines);
        if cache.len() >= 1024 {
            cache.clear();
        }
        cache.insert(key, m.clone());
        Ok(m)
    }
}

/// Refuses a qualified state machine ARN (`…:stateMachine:NAME/LABEL`) where a state machine
/// is expected, as AWS does (a ValidationException).
pub fn refuse_qualified(arn: &str) -> Result<(), EngineError> {
    match store::arn::map_label(arn) {
        Some(label) => Err(EngineError::InvalidRequest(format!(
            "'{arn}' is a qualified state machine ARN: it refers to the Distributed Map state labelled '{label}', not to a state machine"
        ))),
        None => Ok(()),
    }
}
