//! What the engine stores about executions: records, commits, events, journal, timers, tokens.

use crate::StoreError;

/// Standard (durable, every event persisted) or Express (in memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MachineKind {
    Standard,
    Express,
}

impl MachineKind {
    /// AWS's spelling: `STANDARD` or `EXPRESS`.
    pub fn as_str(self) -> &'static str {
        match self {
            MachineKind::Standard => "STANDARD",
            MachineKind::Express => "EXPRESS",
        }
    }
    /// Reads AWS's spelling; anything else is `StoreError::Invalid`.
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "STANDARD" => Ok(MachineKind::Standard),
            "EXPRESS" => Ok(MachineKind::Express),
            _ => Err(StoreError::Invalid(format!("state machine type {s:?} is not STANDARD or EXPRESS"))),
        }
    }
}

/// An execution's status, as DescribeExecution reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
    PendingRedrive,
}

impl ExecutionStatus {
    /// AWS's spelling (`RUNNING`, `SUCCEEDED`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
            ExecutionStatus::PendingRedrive => "PENDING_REDRIVE",
        }
    }
    /// Reads AWS's spelling; anything else is `StoreError::Invalid`.
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "RUNNING" => ExecutionStatus::Running,
            "SUCCEEDED" => ExecutionStatus::Succeeded,
            "FAILED" => ExecutionStatus::Failed,
            "TIMED_OUT" => ExecutionStatus::TimedOut,
            "ABORTED" => ExecutionStatus::Aborted,
            "PENDING_REDRIVE" => ExecutionStatus::PendingRedrive,
            _ => return Err(StoreError::Invalid(format!("unknown execution status {s:?}"))),
        })
    }
}

/// One execution, as DescribeExecution needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionRecord {
    pub arn: String,
    pub name: String,
    /// Always the plain state machine ARN, even when started through a version or an alias.
    pub state_machine_arn: String,
    pub state_machine_version_arn: Option<String>,
    pub state_machine_alias_arn: Option<String>,
    /// The exact definition this execution runs (later updates of the machine do not change it).
    pub definition: String,
    pub kind: MachineKind,
    pub status: ExecutionStatus,
    pub input: String,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub start_ms: i64,
    pub stop_ms: Option<i64>,
    pub redrive_count: u32,
    pub redrive_ms: Option<i64>,
    pub trace_header: Option<String>,
    /// Set for a child workflow execution of a Distributed Map: the map run that started it.
    pub map_run_arn: Option<String>,
    /// Set for a child workflow execution: how many of its map run's items it processes (1, or
    /// its batch's size); ListExecutions' `itemCount`.
    pub map_items: Option<u64>,
}

/// Everything one step of one execution writes, applied atomically.
///
/// A commit either lands whole or not at all. Events must continue the stored history without
/// gaps (the first execution commit starts at id 1); a repeated event id is
/// `StoreError::DuplicateEvent`, a gap is `StoreError::EventOutOfOrder`. Journal entries
/// likewise continue the stored journal (1, 2, 3...: `DuplicateJournal`,
/// `JournalOutOfOrder`), so a commit queued behind one that failed cannot land after it.
/// The map runs it starts and changes, then its children's parts, are applied after the
/// execution's own part, in the same all-or-nothing way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Commit {
    pub execution_arn: String,
    pub journal: Vec<JournalEntry>,
    pub events: Vec<StoredEvent>,
    pub status: Option<StatusUpdate>,
    pub timers_set: Vec<TimerRecord>,
    /// Work ids whose timers are removed.
    pub timers_cleared: Vec<u64>,
    pub tokens_added: Vec<TokenRecord>,
    /// Task tokens removed (the task finished, failed or timed out).
    pub tokens_removed: Vec<String>,
    /// Distributed Map runs this step started (inserted; each belongs to this execution or to
    /// one of its child executions, possibly one started in this same commit).
    pub map_runs_started: Vec<MapRunRecord>,
    /// Distributed Map runs this step changed (UpdateMapRun) or ended.
    pub map_runs_changed: Vec<MapRunChange>,
    /// What this step wrote to the child workflow executions of its map runs, in order.
    pub children: Vec<ChildCommit>,
}

impl Commit {
    /// An empty commit for `execution_arn`.
    pub fn new(execution_arn: impl Into<String>) -> Self {
        Commit { execution_arn: execution_arn.into(), ..Commit::default() }
    }
}

/// A Distributed Map run's status, as DescribeMapRun reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MapRunStatus {
    Running,
    Succeeded,
    Failed,
    Aborted,
}

impl MapRunStatus {
    /// AWS's spelling (`RUNNING`, `SUCCEEDED`, `FAILED`, `ABORTED`).
    pub fn as_str(self) -> &'static str {
        match self {
            MapRunStatus::Running => "RUNNING",
            MapRunStatus::Succeeded => "SUCCEEDED",
            MapRunStatus::Failed => "FAILED",
            MapRunStatus::Aborted => "ABORTED",
        }
    }
    /// Reads AWS's spelling; anything else is `StoreError::Invalid`.
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "RUNNING" => MapRunStatus::Running,
            "SUCCEEDED" => MapRunStatus::Succeeded,
            "FAILED" => MapRunStatus::Failed,
            "ABORTED" => MapRunStatus::Aborted,
            _ => return Err(StoreError::Invalid(format!("unknown map run status {s:?}"))),
        })
    }
}

/// One run of a Distributed Map state: the child workflow executions it started and the
/// settings they ran under.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRunRecord {
    pub arn: String,
    /// The execution whose Map state started the run.
    pub execution_arn: String,
    pub status: MapRunStatus,
    pub start_ms: i64,
    pub stop_ms: Option<i64>,
    /// 0 = no limit.
    pub max_concurrency: u64,
    pub tolerated_failure_percentage: f64,
    pub tolerated_failure_count: u64,
    /// How many items the run processes (with an ItemBatcher, items, not batches).
    pub item_count: u64,
    /// How many child executions it runs (with an ItemBatcher, one per batch).
    pub execution_count: u64,
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// A change to a stored map run. Every `Some` field is written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MapRunChange {
    pub arn: String,
    pub status: Option<MapRunStatus>,
    pub stop_ms: Option<i64>,
    pub max_concurrency: Option<u64>,
    pub tolerated_failure_percentage: Option<f64>,
    pub tolerated_failure_count: Option<u64>,
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// How many of a map run's items or child executions stand where (DescribeMapRun's
/// `itemCounts` and `executionCounts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MapRunCounts {
    /// Not started yet, or waiting for a redrive (a child in PENDING_REDRIVE). The counts add
    /// up to `total`.
    pub pending: u64,
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub aborted: u64,
    pub total: u64,
}

/// A map run with its counts.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRunView {
    pub record: MapRunRecord,
    pub items: MapRunCounts,
    pub executions: MapRunCounts,
}

/// What one step writes to one child workflow execution of a map run. It is applied after the
/// parent's own part of the commit, with the same rules: events continue the child's stored
/// history without gap or repeat. A child has no journal, timers or tokens of its own (its
/// parent's journal replays it).
#[derive(Debug, Clone, PartialEq)]
pub struct ChildCommit {
    /// Set in the child's first commit: the row to insert (`map_run_arn` names a run started
    /// in this commit or an earlier one; `state_machine_arn` is the label-qualified ARN,
    /// `kind` the map's ExecutionType; `definition` is not read: a child runs its parent's).
    pub start: Option<ExecutionRecord>,
    /// `execution_arn` is the child's ARN; only `events` and `status` may be set.
    pub commit: Commit,
}

/// One input fed to the interpreter, in order: re-feeding the journal rebuilds the execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// 1, 2, 3... per execution, without gaps; the journal is read back in `seq` order.
    pub seq: u64,
    /// Opaque JSON written by the engine.
    pub input: String,
    pub now_ms: i64,
    pub entropy: u64,
}

/// One history event in AWS's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// 1, 2, 3... per execution.
    pub id: u64,
    pub timestamp_ms: i64,
    /// AWS's `HistoryEventType`.
    pub event_type: String,
    /// The AWS-shaped event object, serialised.
    pub json: String,
}

/// The new status of an execution. Every field is written: `None` clears the stored value
/// (a redrive sets `status: Running` and clears `stop_ms`, `error` and `cause`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    pub status: ExecutionStatus,
    pub stop_ms: Option<i64>,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub redrive_count: u32,
    pub redrive_ms: Option<i64>,
}

/// A timer an execution waits on (a Wait state, a retry back-off, a heartbeat or task timeout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerRecord {
    /// The interpreter's work id; unique per execution.
    pub work_id: u64,
    pub due_ms: i64,
    /// Opaque to the store (the engine's label for what fires).
    pub kind: String,
}

/// A task token handed out for a `.waitForTaskToken` task or an activity task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub token: String,
    pub execution_arn: String,
    pub work_id: u64,
    /// Set for an activity task: the activity whose workers may take it.
    pub activity_arn: Option<String>,
    /// The task's input (what GetActivityTask returns).
    pub input: Option<String>,
    pub heartbeat_seconds: Option<u64>,
}

/// Which executions to list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ExecutionScope {
    /// Every top-level execution (not the child executions of map runs).
    #[default]
    All,
    /// Every top-level execution of a state machine (however it was started).
    StateMachine(String),
    /// Executions started through this version ARN.
    Version(String),
    /// Executions started through this alias ARN.
    Alias(String),
    /// The child workflow executions of a map run.
    MapRun(String),
}

/// ListExecutions' filters. Results are newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionQuery {
    pub scope: ExecutionScope,
    pub status: Option<ExecutionStatus>,
    /// `Some(true)`: only redriven executions; `Some(false)`: only never redriven ones.
    pub redriven: Option<bool>,
    /// Page size, 1..=1000 (0 means the default, 100).
    pub max: usize,
    pub next_token: Option<String>,
}

impl Default for ExecutionQuery {
    fn default() -> Self {
        ExecutionQuery { scope: ExecutionScope::All, status: None, redriven: None, max: 0, next_token: None }
    }
}

/// GetExecutionHistory's paging.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryQuery {
    /// Newest event first.
    pub reverse: bool,
    /// Page size, 1..=1000 (0 means the default, 100).
    pub max: usize,
    pub next_token: Option<String>,
}
