//! Durable storage for stepwasm behind one narrow, object-safe trait, [`Store`].
//!
//! The engine keeps an `Arc<dyn Store>`: it writes each step of an execution as one [`Commit`]
//! (history events, journal entries, status, timers, task tokens) and reads them back to answer
//! the API and to resume executions after a restart. The API uses the same trait for the control
//! plane (functions, state machines, versions, aliases, activities, tags, HTTP routes).
//!
//! [`SqliteStore`] is the embedded implementation. A PostgreSQL backend can implement the same
//! trait. The store is synchronous: it knows nothing of tokio, wasmtime or ASL, and it never
//! reads a clock (callers pass the time).

mod control;
mod error;
mod execution;
mod page;
mod sqlite;

pub mod arn;

#[cfg(test)]
mod tests;

pub use control::{
    ActivityRecord, AliasRecord, AliasUpdate, Created, FunctionMeta, FunctionRecord, ListQuery, RouteRecord,
    Routing, StateMachineRecord, StateMachineUpdate, VersionRecord,
};
pub use error::StoreError;
pub use execution::{
    ChildCommit, Commit, ExecutionQuery, ExecutionRecord, ExecutionScope, ExecutionStatus, HistoryQuery,
    JournalEntry, MachineKind, MapRunChange, MapRunCounts, MapRunRecord, MapRunStatus, MapRunView, StatusUpdate,
    StoredEvent, TimerRecord, TokenRecord,
};
pub use page::{Page, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub use sqlite::{Durability, SqliteConfig, SqliteStore, WriterStats};

/// Called once a queued commit is durable (or failed). It runs on the store's writer thread:
/// keep it short (send on a channel, wake a task).
pub type CommitCallback = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// Everything stepwasm persists. Object safe; every method is safe to call from many threads.
///
/// Lookups of something that does not exist return `Ok(None)` (or `false` for deletes);
/// changes to something that does not exist return `StoreError::NotFound`.
pub trait Store: Send + Sync {
    // ---- executions (the engine) ----

    /// Inserts a new execution and its first commit atomically.
    /// `StoreError::AlreadyExists` when an execution with this ARN exists (the engine then
    /// applies AWS's idempotency rules by reading it).
    fn create_execution(&self, record: &ExecutionRecord, first: Commit) -> Result<(), StoreError>;
    /// [`Store::create_execution`] queued like [`Store::commit`]: `done` runs once the new
    /// execution is durable (or failed), without a thread waiting for it.
    fn create_execution_queued(&self, record: ExecutionRecord, first: Commit, done: CommitCallback) {
        done(self.create_execution(&record, first));
    }
    /// Queues a commit; `done` runs after the transaction holding it is committed (or failed).
    /// Commits of one execution are applied in the order they were queued.
    fn commit(&self, commit: Commit, done: CommitCallback);
    /// Commits and waits until the commit is durable.
    fn commit_blocking(&self, commit: Commit) -> Result<(), StoreError>;
    /// One execution by ARN.
    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError>;
    /// Executions, newest first: top-level ones, or with [`ExecutionScope::MapRun`] the child
    /// executions of that map run (none for an unknown run).
    fn list_executions(&self, query: &ExecutionQuery) -> Result<Page<ExecutionRecord>, StoreError>;
    /// An execution's history in event order (or reversed); `NotFound` for an unknown execution.
    fn history(&self, execution_arn: &str, query: &HistoryQuery) -> Result<Page<StoredEvent>, StoreError>;
    /// The whole journal of an execution, in `seq` order.
    fn journal(&self, execution_arn: &str) -> Result<Vec<JournalEntry>, StoreError>;
    /// Every execution whose status is RUNNING (to resume after a restart), oldest first; not the
    /// child executions of map runs (their parent's journal replays them).
    fn running_executions(&self) -> Result<Vec<ExecutionRecord>, StoreError>;
    /// The timers an execution has set and not cleared, soonest first.
    fn timers(&self, execution_arn: &str) -> Result<Vec<TimerRecord>, StoreError>;
    /// A task token, if it is still outstanding.
    fn token(&self, token: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// Activity tasks not yet handed to a worker, oldest first.
    fn pending_activity_tasks(&self, activity_arn: &str) -> Result<Vec<TokenRecord>, StoreError>;
    /// Hands the oldest pending task of an activity to a worker (it stops being pending).
    fn claim_activity_task(
        &self,
        activity_arn: &str,
        worker_name: Option<&str>,
        now_ms: i64,
    ) -> Result<Option<TokenRecord>, StoreError>;

    /// A Distributed Map run with its item and execution counts (its children by status).
    fn map_run(&self, arn: &str) -> Result<Option<MapRunView>, StoreError>;
    /// The map runs an execution started, oldest first; `NotFound` for an unknown execution.
    fn list_map_runs(&self, execution_arn: &str, query: &ListQuery) -> Result<Page<MapRunRecord>, StoreError>;

    // ---- functions ----

    /// Inserts or replaces a function (a replacement keeps `created_ms`).
    fn put_function(&self, function: FunctionRecord) -> Result<(), StoreError>;
    /// A function with its bytes.
    fn function(&self, name: &str) -> Result<Option<FunctionRecord>, StoreError>;
    /// Every function without its bytes, by name.
    fn list_functions(&self) -> Result<Vec<FunctionMeta>, StoreError>;
    /// `true` if the function existed.
    fn delete_function(&self, name: &str) -> Result<bool, StoreError>;

    // ---- state machines ----

    /// Creates a state machine. AWS idempotency: if one with this ARN exists with the same
    /// kind, definition, role, logging and tracing, returns it with `created: false`; with any
    /// difference, `StoreError::AlreadyExists`.
    fn create_state_machine(&self, record: StateMachineRecord) -> Result<Created<StateMachineRecord>, StoreError>;
    /// The current revision of a state machine.
    fn state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>, StoreError>;
    /// Applies an update. When anything changed, the machine gets a new `revision_id` and
    /// `updated_ms = now_ms`; an update that changes nothing returns the record as it was.
    fn update_state_machine(
        &self,
        arn: &str,
        update: StateMachineUpdate,
        now_ms: i64,
    ) -> Result<StateMachineRecord, StoreError>;
    /// Deletes a state machine with its versions, aliases and tags (executions stay).
    /// `true` if it existed.
    fn delete_state_machine(&self, arn: &str) -> Result<bool, StoreError>;
    /// State machines in creation order.
    fn list_state_machines(&self, query: &ListQuery) -> Result<Page<StateMachineRecord>, StoreError>;

    // ---- versions ----

    /// Publishes the machine's current revision as a version. Idempotent as AWS: if a version of
    /// the current revision exists, returns it. `expected_revision` (`"INITIAL"` for a machine
    /// never updated) that is not the current revision is `StoreError::Conflict`.
    fn publish_version(
        &self,
        state_machine_arn: &str,
        description: Option<String>,
        expected_revision: Option<String>,
        now_ms: i64,
    ) -> Result<VersionRecord, StoreError>;
    /// A version by its ARN.
    fn version(&self, arn: &str) -> Result<Option<VersionRecord>, StoreError>;
    /// A machine's versions, newest first.
    fn list_versions(&self, state_machine_arn: &str, query: &ListQuery) -> Result<Page<VersionRecord>, StoreError>;
    /// Deletes a version; `StoreError::Conflict` while an alias routes to it. `true` if it existed.
    fn delete_version(&self, arn: &str) -> Result<bool, StoreError>;

    // ---- aliases ----

    /// Creates an alias. Routing: one or two distinct versions of the alias's machine, weights
    /// adding up to 100. Idempotent: the same name with the same description and routing returns
    /// the existing alias with `created: false`; a different one is `StoreError::Conflict`.
    fn create_alias(&self, record: AliasRecord) -> Result<Created<AliasRecord>, StoreError>;
    /// An alias by its ARN.
    fn alias(&self, arn: &str) -> Result<Option<AliasRecord>, StoreError>;
    /// Changes an alias's description and/or routing; sets `updated_ms`.
    fn update_alias(&self, arn: &str, update: AliasUpdate, now_ms: i64) -> Result<AliasRecord, StoreError>;
    /// A machine's aliases in creation order.
    fn list_aliases(&self, state_machine_arn: &str, query: &ListQuery) -> Result<Page<AliasRecord>, StoreError>;
    /// `true` if the alias existed.
    fn delete_alias(&self, arn: &str) -> Result<bool, StoreError>;

    // ---- tags (state machines and activities) ----

    /// Adds or replaces tags; `NotFound` if no state machine or activity has this ARN.
    fn tag(&self, resource_arn: &str, tags: &[(String, String)]) -> Result<(), StoreError>;
    /// Removes tags (absent keys are ignored); `NotFound` as for `tag`.
    fn untag(&self, resource_arn: &str, keys: &[String]) -> Result<(), StoreError>;
    /// A resource's tags by key; `NotFound` as for `tag`.
    fn tags(&self, resource_arn: &str) -> Result<Vec<(String, String)>, StoreError>;

    // ---- activities ----

    /// Creates an activity; idempotent by name (returns the existing one with `created: false`).
    fn create_activity(&self, record: ActivityRecord) -> Result<Created<ActivityRecord>, StoreError>;
    /// An activity by its ARN.
    fn activity(&self, arn: &str) -> Result<Option<ActivityRecord>, StoreError>;
    /// Activities in creation order.
    fn list_activities(&self, query: &ListQuery) -> Result<Page<ActivityRecord>, StoreError>;
    /// Deletes an activity and its tags; `true` if it existed.
    fn delete_activity(&self, arn: &str) -> Result<bool, StoreError>;

    // ---- HTTP routes ----

    /// Inserts or replaces the route for (method, path pattern).
    fn put_route(&self, route: RouteRecord) -> Result<(), StoreError>;
    /// Every route, by path pattern then method.
    fn routes(&self) -> Result<Vec<RouteRecord>, StoreError>;
    /// `true` if the route existed.
    fn delete_route(&self, method: &str, path_pattern: &str) -> Result<bool, StoreError>;
}
