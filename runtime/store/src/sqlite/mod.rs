//! [`SqliteStore`]: the embedded SQLite implementation of [`Store`].
//!
//! One writer thread owns the only writing connection (see `writer`); reads use a small pool of
//! read-only connections, which WAL mode lets run alongside the writer.

mod checkpoint;
mod control;
pub(crate) mod executions;
mod machine_cache;
pub(crate) mod map_runs;
mod machines;
mod schema;
mod tips;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use schema::Durability;

use crate::{
    ActivityRecord, AliasRecord, AliasUpdate, Commit, CommitCallback, Created, ExecutionQuery, ExecutionRecord,
    FunctionMeta, FunctionRecord, HistoryQuery, JournalEntry, ListQuery, MapRunRecord, MapRunView, Page, RouteRecord,
    StateMachineRecord, StateMachineUpdate, Store, StoreError, StoredEvent, TimerRecord, TokenRecord, VersionRecord,
};
use checkpoint::Checkpointer;
use machine_cache::MachineCache;
use writer::{Call, Writer};
pub use writer::WriterStats;

/// How to open a [`SqliteStore`].
#[derive(Debug, Clone)]
pub struct SqliteConfig {
    /// The database file (created with its parent directory if missing).
    pub path: PathBuf,
    pub durability: Durability,
    /// Most jobs the writer puts in one transaction.
    pub max_batch: usize,
    /// Idle read connections kept open.
    pub max_idle_readers: usize,
    /// How often a background thread checkpoints the WAL (when something was committed);
    /// `None` leaves checkpoints to SQLite, inside the writer's commits.
    pub checkpoint_interval: Option<Duration>,
}

impl SqliteConfig {
    /// Defaults: process-crash durability, batches of up to 512 jobs, 4 idle readers,
    /// background checkpoints every 50 ms.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        SqliteConfig {
            path: path.into(),
            durability: Durability::default(),
            max_batch: 512,
            max_idle_readers: 4,
            checkpoint_interval: Some(Duration::from_millis(50)),
        }
    }
}

/// The SQLite store. Dropping it finishes the queued commits and stops the writer thread.
pub struct SqliteStore {
    // Fields drop in order: the checkpointer stops first, then the writer drains its queue.
    _checkpointer: Option<Checkpointer>,
    writer: Writer,
    path: PathBuf,
    idle_readers: Mutex<Vec<Connection>>,
    max_idle_readers: usize,
    machines: MachineCache,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` with the default settings.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(SqliteConfig::new(path.as_ref()))
    }

    /// Opens the database, runs the pending migrations and starts the writer thread.
    pub fn open_with(config: SqliteConfig) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = config.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Io {
                context: format!("creating the data directory {}", dir.display()),
                source: e.into(),
            })?;
        }
        let opened = |e: StoreError| match e {
            e @ StoreError::SchemaTooNew { .. } => e,
            e => StoreError::Open { path: config.path.display().to_string(), source: Box::new(e) },
        };
        let mut conn = Connection::open(&config.path).map_err(|e| opened(e.into()))?;
        schema::configure_writer(&conn, config.durability, config.checkpoint_interval.is_some()).map_err(opened)?;
        schema::migrate(&mut conn).map_err(opened)?;
        let writer = Writer::start(conn, config.max_batch)?;
        let checkpointer = match config.checkpoint_interval {
            Some(interval) => {
                let conn = Connection::open(&config.path).map_err(|e| opened(e.into()))?;
                schema::configure_checkpointer(&conn, config.durability).map_err(opened)?;
                Some(Checkpointer::start(conn, interval, writer.transactions())?)
            }
            None => None,
        };
        Ok(SqliteStore {
            _checkpointer: checkpointer,
            writer,
            path: config.path,
            idle_readers: Mutex::new(Vec::new()),
            max_idle_readers: config.max_idle_readers,
            machines: MachineCache::default(),
        })
    }

    /// How many transactions and jobs the writer thread has committed: `jobs / transactions`
    /// is the average group size.
    pub fn writer_stats(&self) -> WriterStats {
        self.writer.stats()
    }

    /// The schema version this code writes (`PRAGMA user_version` after `open`).
    pub fn schema_version() -> i64 {
        schema::SCHEMA_VERSION
    }

    /// Runs `f` on a read connection, inside one read transaction (a consistent snapshot).
    fn read<R>(&self, f: impl FnOnce(&Connection) -> Result<R, StoreError>) -> Result<R, StoreError> {
        let pooled = self.idle_readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => {
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
                let conn = Connection::open_with_flags(&self.path, flags)?;
                schema::configure_reader(&conn)?;
                conn
            }
        };
        let result = (|| {
            let tx = conn.unchecked_transaction()?;
            let value = f(&tx)?;
            tx.finish()?;
            Ok(value)
        })();
        let mut idle = self.idle_readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < self.max_idle_readers {
            idle.push(conn);
        }
        result
    }

    /// Runs `f` on the writer in the next group transaction and waits for the commit.
    fn write<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        self.writer.call(move |c, _| f(c))
    }

    /// [`SqliteStore::write`] for a write that may change state machine records: the
    /// remembered ones are forgotten once it is done (committed or not).
    fn write_machines<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let result = self.write(f);
        self.machines.forget();
        result
    }
}

impl Store for SqliteStore {
    fn create_execution(&self, record: &ExecutionRecord, first: Commit) -> Result<(), StoreError> {
        let record = record.clone();
        self.writer.call(move |c, t| executions::create(c, t, &record, &first))
    }

    fn create_execution_queued(&self, record: ExecutionRecord, first: Commit, done: CommitCallback) {
        self.writer.submit(Box::new(Call::new(move |c: &Connection, t: &mut _| executions::create(c, t, &record, &first), done)));
    }

    fn commit(&self, commit: Commit, done: CommitCallback) {
        self.writer.submit(Box::new(Call::new(move |c: &Connection, t: &mut _| executions::apply(c, t, &commit), done)));
    }

    fn commit_blocking(&self, commit: Commit) -> Result<(), StoreError> {
        self.writer.call(move |c, t| executions::apply(c, t, &commit))
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        self.read(|c| executions::get(c, arn))
    }

    fn list_executions(&self, query: &ExecutionQuery) -> Result<Page<ExecutionRecord>, StoreError> {
        self.read(|c| executions::list(c, query))
    }

    fn history(&self, execution_arn: &str, query: &HistoryQuery) -> Result<Page<StoredEvent>, StoreError> {
        self.read(|c| executions::history(c, execution_arn, query))
    }

    fn journal(&self, execution_arn: &str) -> Result<Vec<JournalEntry>, StoreError> {
        self.read(|c| executions::journal(c, execution_arn))
    }

    fn running_executions(&self) -> Result<Vec<ExecutionRecord>, StoreError> {
        self.read(executions::running)
    }

    fn timers(&self, execution_arn: &str) -> Result<Vec<TimerRecord>, StoreError> {
        self.read(|c| executions::timers(c, execution_arn))
    }

    fn token(&self, token: &str) -> Result<Option<TokenRecord>, StoreError> {
        self.read(|c| executions::token(c, token))
    }

    fn pending_activity_tasks(&self, activity_arn: &str) -> Result<Vec<TokenRecord>, StoreError> {
        self.read(|c| executions::pending_activity_tasks(c, activity_arn))
    }

    fn claim_activity_task(
        &self,
        activity_arn: &str,
        worker_name: Option<&str>,
        now_ms: i64,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let (activity_arn, worker_name) = (activity_arn.to_string(), worker_name.map(str::to_string));
        self.write(move |c| executions::claim_activity_task(c, &activity_arn, worker_name.as_deref(), now_ms))
    }

    fn map_run(&self, arn: &str) -> Result<Option<MapRunView>, StoreError> {
        self.read(|c| map_runs::get(c, arn))
    }

    fn list_map_runs(&self, execution_arn: &str, query: &ListQuery) -> Result<Page<MapRunRecord>, StoreError> {
        self.read(|c| map_runs::list(c, execution_arn, query))
    }

    fn put_function(&self, function: FunctionRecord) -> Result<(), StoreError> {
        self.write(move |c| control::put_function(c, &function))
    }

    fn function(&self, name: &str) -> Result<Option<FunctionRecord>, StoreError> {
        self.read(|c| control::function(c, name))
    }

    fn list_functions(&self) -> Result<Vec<FunctionMeta>, StoreError> {
        self.read(control::list_functions)
    }

    fn delete_function(&self, name: &str) -> Result<bool, StoreError> {
        let name = name.to_string();
        self.write(move |c| control::delete_function(c, &name))
    }

    fn create_state_machine(&self, record: StateMachineRecord) -> Result<Created<StateMachineRecord>, StoreError> {
        self.write_machines(move |c| machines::create_state_machine(c, record))
    }

    fn state_machine(&self, arn: &str) -> Result<Option<StateMachineRecord>, StoreError> {
        if let Some(record) = self.machines.get(arn) {
            return Ok(Some(record));
        }
        let generation = self.machines.generation();
        let found = self.read(|c| machines::state_machine(c, arn))?;
        if let Some(record) = &found {
            self.machines.remember(generation, record);
        }
        Ok(found)
    }

    fn update_state_machine(
        &self,
        arn: &str,
        update: StateMachineUpdate,
        now_ms: i64,
    ) -> Result<StateMachineRecord, StoreError> {
        let arn = arn.to_string();
        self.write_machines(move |c| machines::update_state_machine(c, &arn, update, now_ms))
    }

    fn delete_state_machine(&self, arn: &str) -> Result<bool, StoreError> {
        let arn = arn.to_string();
        self.write_machines(move |c| machines::delete_state_machine(c, &arn))
    }

    fn list_state_machines(&self, query: &ListQuery) -> Result<Page<StateMachineRecord>, StoreError> {
        self.read(|c| machines::list_state_machines(c, query))
    }

    fn publish_version(
        &self,
        state_machine_arn: &str,
        description: Option<String>,
        expected_revision: Option<String>,
        now_ms: i64,
    ) -> Result<VersionRecord, StoreError> {
        let arn = state_machine_arn.to_string();
        self.write_machines(move |c| machines::publish_version(c, &arn, description, expected_revision, now_ms))
    }

    fn version(&self, arn: &str) -> Result<Option<VersionRecord>, StoreError> {
        self.read(|c| machines::version(c, arn))
    }

    fn list_versions(&self, state_machine_arn: &str, query: &ListQuery) -> Result<Page<VersionRecord>, StoreError> {
        self.read(|c| machines::list_versions(c, state_machine_arn, query))
    }

    fn delete_version(&self, arn: &str) -> Result<bool, StoreError> {
        let arn = arn.to_string();
        self.write(move |c| machines::delete_version(c, &arn))
    }

    fn create_alias(&self, record: AliasRecord) -> Result<Created<AliasRecord>, StoreError> {
        self.write(move |c| machines::create_alias(c, record))
    }

    fn alias(&self, arn: &str) -> Result<Option<AliasRecord>, StoreError> {
        self.read(|c| machines::alias(c, arn))
    }

    fn update_alias(&self, arn: &str, update: AliasUpdate, now_ms: i64) -> Result<AliasRecord, StoreError> {
        let arn = arn.to_string();
        self.write(move |c| machines::update_alias(c, &arn, update, now_ms))
    }

    fn list_aliases(&self, state_machine_arn: &str, query: &ListQuery) -> Result<Page<AliasRecord>, StoreError> {
        self.read(|c| machines::list_aliases(c, state_machine_arn, query))
    }

    fn delete_alias(&self, arn: &str) -> Result<bool, StoreError> {
        let arn = arn.to_string();
        self.write(move |c| machines::delete_alias(c, &arn))
    }

    fn tag(&self, resource_arn: &str, tags: &[(String, String)]) -> Result<(), StoreError> {
        let (arn, tags) = (resource_arn.to_string(), tags.to_vec());
        self.write(move |c| control::tag(c, &arn, &tags))
    }

    fn untag(&self, resource_arn: &str, keys: &[String]) -> Result<(), StoreError> {
        let (arn, keys) = (resource_arn.to_string(), keys.to_vec());
        self.write(move |c| control::untag(c, &arn, &keys))
    }

    fn tags(&self, resource_arn: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.read(|c| control::tags(c, resource_arn))
    }

    fn create_activity(&self, record: ActivityRecord) -> Result<Created<ActivityRecord>, StoreError> {
        self.write(move |c| control::create_activity(c, record))
    }

    fn activity(&self, arn: &str) -> Result<Option<ActivityRecord>, StoreError> {
        self.read(|c| control::activity(c, arn))
    }

    fn list_activities(&self, query: &ListQuery) -> Result<Page<ActivityRecord>, StoreError> {
        self.read(|c| control::list_activities(c, query))
    }

    fn delete_activity(&self, arn: &str) -> Result<bool, StoreError> {
        let arn = arn.to_string();
        self.write(move |c| control::delete_activity(c, &arn))
    }

    fn put_route(&self, route: RouteRecord) -> Result<(), StoreError> {
        self.write(move |c| control::put_route(c, &route))
    }

    fn routes(&self) -> Result<Vec<RouteRecord>, StoreError> {
        self.read(control::routes)
    }

    fn delete_route(&self, method: &str, path_pattern: &str) -> Result<bool, StoreError> {
        let (method, path) = (method.to_string(), path_pattern.to_string());
        self.write(move |c| control::delete_route(c, &method, &path))
    }
}
