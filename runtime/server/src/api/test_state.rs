//! TestState: run one state once (see [`engine::Engine::test_state`]).

use std::sync::Arc;

use engine::{Mock, TestStateRequest};
use serde_json::Value;

use super::machines::{check_role, MAX_DEFINITION};
use super::wire::{ApiError, Obj, Req};
use super::Api;

pub(crate) async fn test_state(api: &Arc<Api>, mut r: Req) -> Result<Value, ApiError> {
    let definition = r.string("definition", 1, MAX_DEFINITION)?;
    let role_arn = r.opt_string("roleArn", 1, 256)?;
    let input = r.opt_string("input", 0, 262_144)?;
    // TRACE adds an HTTP Task's request and response to DEBUG's data processing.
    let level = r.opt_enum("inspectionLevel", &["INFO", "DEBUG", "TRACE"])?;
    let (debug, trace) = (matches!(level, Some("DEBUG" | "TRACE")), level == Some("TRACE"));
    let reveal_secrets = r.opt_bool("revealSecrets")?.unwrap_or(false);
    let variables = r.opt_string("variables", 0, 262_144)?;
    let state_name = r.opt_string("stateName", 1, 80)?;
    let mock = match r.opt_object("mock")? {
        None => None,
        Some(m) => {
            let result = m.get("result").and_then(Value::as_str).map(str::to_string);
            let error = m.get("errorOutput").and_then(Value::as_object);
            match (result, error) {
                (Some(text), None) => Some(Mock::Result(text)),
                (None, Some(e)) => Some(Mock::Error {
                    error: e.get("error").and_then(Value::as_str).unwrap_or_default().to_string(),
                    cause: e.get("cause").and_then(Value::as_str).unwrap_or_default().to_string(),
                }),
                _ => return Err(ApiError::validation("mock needs exactly one of result (a JSON string) and errorOutput ({error, cause})")),
            }
        }
    };
    if r.has("context") && mock.is_none() {
        return Err(ApiError::validation("context can only be given together with a mock"));
    }
    if r.has("context") || r.has("stateConfiguration") {
        return Err(ApiError::validation(
            "TestState here does not take context or stateConfiguration: the context object is built as for an execution, and retries are reported, not run",
        ));
    }
    if let Some(role) = &role_arn {
        check_role(role)?;
    }
    let out = api.engine.test_state(TestStateRequest { definition, state_name, input, variables, mock, role_arn, debug, trace, reveal_secrets }).await?;
    Ok(Obj::new()
        .opt("output", out.output)
        .opt("error", out.error)
        .opt("cause", out.cause)
        .opt("inspectionData", (!out.inspection.is_empty()).then_some(Value::Object(out.inspection)))
        .opt("nextState", out.next_state)
        .put("status", out.status)
        .build())
}
