//! What the API stores: functions, state machines, versions, aliases, activities, routes.

use crate::MachineKind;

/// An uploaded Wasm function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRecord {
    pub name: String,
    pub wasm: Vec<u8>,
    /// Hex SHA-256 of `wasm`.
    pub sha256: String,
    /// The sandbox grants, serialised by the engine.
    pub grants_json: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// A function without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionMeta {
    pub name: String,
    pub sha256: String,
    pub size: u64,
    pub grants_json: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// A state machine (its current revision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateMachineRecord {
    pub arn: String,
    pub name: String,
    pub kind: MachineKind,
    pub definition: String,
    pub role_arn: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// `None` until the first update (AWS: publish with `revisionId: "INITIAL"` matches it).
    pub revision_id: Option<String>,
    pub description: Option<String>,
    pub logging_json: Option<String>,
    pub tracing_json: Option<String>,
    pub encryption_json: Option<String>,
}

impl StateMachineRecord {
    /// A machine's first revision, created at `now_ms`: no description, no logging, tracing
    /// or encryption configuration.
    pub fn new(arn: String, name: String, kind: MachineKind, definition: String, role_arn: String, now_ms: i64) -> Self {
        StateMachineRecord {
            arn,
            name,
            kind,
            definition,
            role_arn,
            created_ms: now_ms,
            updated_ms: now_ms,
            revision_id: None,
            description: None,
            logging_json: None,
            tracing_json: None,
            encryption_json: None,
        }
    }
}

/// What `create_state_machine` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created<T> {
    pub record: T,
    /// `false` when an identical resource existed and was returned (AWS idempotency).
    pub created: bool,
}

/// UpdateStateMachine's changes; `None` keeps the stored value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StateMachineUpdate {
    pub definition: Option<String>,
    pub role_arn: Option<String>,
    pub description: Option<String>,
    pub logging_json: Option<String>,
    pub tracing_json: Option<String>,
    pub encryption_json: Option<String>,
}

/// An immutable snapshot of a state machine revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    pub arn: String,
    pub state_machine_arn: String,
    /// 1, 2, ... per state machine, never reused (even after a delete).
    pub n: u64,
    /// The machine's revision it was published from (`None`: the initial revision).
    pub revision_id: Option<String>,
    pub description: Option<String>,
    pub definition: String,
    pub role_arn: String,
    pub logging_json: Option<String>,
    pub tracing_json: Option<String>,
    pub encryption_json: Option<String>,
    pub created_ms: i64,
}

/// One entry of an alias's routing configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    pub version_arn: String,
    /// 0..=100; the weights of an alias add up to 100.
    pub weight: u8,
}

/// A state machine alias: a name routing executions to one or two versions by weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasRecord {
    pub arn: String,
    pub state_machine_arn: String,
    pub name: String,
    pub description: Option<String>,
    pub routing: Vec<Routing>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// UpdateStateMachineAlias's changes; `None` keeps the stored value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AliasUpdate {
    pub description: Option<String>,
    pub routing: Option<Vec<Routing>>,
}

/// An activity: a queue of tasks for external workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    pub arn: String,
    pub name: String,
    pub created_ms: i64,
}

/// An HTTP route that runs a state machine synchronously.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRecord {
    /// Upper-case HTTP method.
    pub method: String,
    /// `/orders/{id}` style pattern.
    pub path_pattern: String,
    pub state_machine_arn: String,
    /// Opaque to the store (status mapping, selected headers...).
    pub options_json: String,
}

/// Paging for the control-plane lists.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListQuery {
    /// Page size, 1..=1000 (0 means the default, 100).
    pub max: usize,
    pub next_token: Option<String>,
}
