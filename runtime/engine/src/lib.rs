//! The execution engine: drives the pure ASL stepper in real time, durably.
//!
//! Each running execution is an actor (a tokio task owning its [`asl::exec::Execution`]) fed
//! over a channel: task results, timer firings, callbacks, stops. For every batch of inputs it
//! steps, commits the journal entries and history events to the [`store::Store`] (Standard
//! executions), and only then acts: runs Wasm tasks on resident call threads, arms timers, hands
//! out task tokens. On open, every RUNNING execution is rebuilt by replaying its journal and
//! its outstanding work is issued again.
//!
//! Guarantees: a history event is committed before anything it asks for happens; tasks run
//! **at least once** (a task whose result was not committed before a crash runs again); timers
//! fire at their original time after a restart; Map and Parallel iterations that had finished
//! stay finished. Express executions run in memory only, with AWS's five-minute limit.

mod activities;
mod actor;
mod control;
mod error;
mod express;
mod functions;
mod http_task;
mod journal;
mod machines;
mod map_runs;
mod mocks;
mod nested;
mod observe;
mod pool;
mod recovery;
mod resource;
mod sdk_sfn;
mod start;
mod tasks;
mod test_state;
mod types;

#[cfg(test)]
mod tests;

pub use error::EngineError;
pub use functions::Invocation;
pub use machines::refuse_qualified;
pub use mocks::MockConfig;
pub use observe::{CallResult, Observer};
pub use test_state::{Mock, TestStateOutcome, TestStateRequest};
pub use types::{Connection, ConnectionAuth, EngineConfig, FunctionInfo, StartRequest, Started, SyncOutcome};

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use asl::exec::WorkId;
use asl::model::Machine;
use sandbox::{FunctionHandle, Sandbox};
use store::arn::ArnContext;
use store::Store;
use tokio::sync::mpsc;

use actor::Msg;

/// The engine. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// A registered task token: the work it completes and the execution's channel.
struct TokenEntry {
    work: WorkId,
    tx: mpsc::UnboundedSender<Msg>,
}

/// What every actor and every engine handle share.
pub(crate) struct Inner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) sandbox: Sandbox,
    pub(crate) arns: ArnContext,
    pub(crate) runtime: tokio::runtime::Handle,
    pub(crate) calls: pool::CallPool,
    functions: RwLock<HashMap<String, FunctionHandle>>,
    machines: Mutex<HashMap<(bool, String), Arc<Machine>>>,
    /// Running Standard executions: their channel, and the flag that interrupts their calls
    /// once they are stopped.
    running: Mutex<HashMap<String, (mpsc::UnboundedSender<Msg>, Arc<AtomicBool>)>>,
    tokens: Mutex<HashMap<String, TokenEntry>>,
    /// Tokens whose task has ended, most recent last (bounded), so a late callback is told
    /// TaskTimedOut rather than TaskDoesNotExist.
    closed_tokens: Mutex<ClosedTokens>,
    /// The client tokens of recent redrives, for RedriveExecution's idempotency.
    redrive_tokens: Mutex<control::RedriveTokens>,
    pub(crate) activities: activities::Queues,
    express: express::Ring,
    pub(crate) observer: Arc<dyn Observer>,
    seed: AtomicU64,
    warnings: Mutex<Vec<String>>,
    /// Commits of running executions handed to the store and not answered yet: a sign of
    /// load that tells an execution whether others are writing (see `Actor::holds`).
    pub(crate) commits_in_flight: AtomicUsize,
    /// Standard executions with a function call running: they will commit soon, so another
    /// execution's batch may wait to share a transaction (see `Actor::holds`).
    pub(crate) calling: AtomicUsize,
    /// Express executions being driven on a call thread now, and how many may be at once
    /// (the number of CPUs; see `start::run_express`).
    pub(crate) inline_runs: AtomicUsize,
    pub(crate) inline_limit: usize,
    /// Who waits for a Standard execution's actor to end (a `.sync` task on its child),
    /// by execution ARN.
    end_watchers: Mutex<HashMap<String, Vec<tokio::sync::oneshot::Sender<()>>>>,
    /// The connections HTTP Tasks use, by name.
    pub(crate) connections: HashMap<String, Connection>,
    /// See [`EngineConfig::wait_time_scale`].
    pub(crate) wait_time_scale: f64,
    /// See [`EngineConfig::mocks`].
    pub(crate) mocks: Option<Arc<mocks::MockConfig>>,
}

impl Engine {
    /// Opens the store at `data_dir/stepwasm.db`, creates the sandbox, loads every uploaded
    /// function and resumes every RUNNING execution. Must be called within a tokio runtime.
    pub async fn open(config: EngineConfig) -> Result<Engine, EngineError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            EngineError::Unavailable(format!("cannot create the data directory {}: {e}", config.data_dir.display()))
        })?;
        let path = config.data_dir.join("stepwasm.db");
        let store = tokio::task::spawn_blocking(move || store::SqliteStore::open(&path))
            .await
            .map_err(|e| EngineError::Unavailable(format!("opening the store panicked: {e}")))??;
        Engine::with_store(config, Arc::new(store)).await
    }

    /// Creates the sandbox, loads every function uploaded to `store` and resumes every
    /// RUNNING execution. Must be called within a tokio runtime.
    pub async fn with_store(config: EngineConfig, store: Arc<dyn Store>) -> Result<Engine, EngineError> {
        let sandbox = Sandbox::new(config.sandbox.clone()).map_err(|e| EngineError::Unavailable(e.to_string()))?;
        let runtime = tokio::runtime::Handle::current();
        let inner = Arc::new(Inner {
            store,
            sandbox,
            arns: ArnContext { region: config.region.clone(), account: config.account.clone() },
            calls: pool::CallPool::new(config.call_threads, runtime.clone()),
            runtime,
            functions: RwLock::new(HashMap::new()),
            machines: Mutex::new(HashMap::new()),
            running: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            closed_tokens: Mutex::new(ClosedTokens::default()),
            redrive_tokens: Mutex::new(control::RedriveTokens::default()),
            activities: activities::Queues::default(),
            express: express::Ring::new(config.express_history),
            observer: config.observer.clone().unwrap_or_else(|| Arc::new(observe::Nobody)),
            seed: AtomicU64::new(initial_seed()),
            warnings: Mutex::new(Vec::new()),
            commits_in_flight: AtomicUsize::new(0),
            calling: AtomicUsize::new(0),
            inline_runs: AtomicUsize::new(0),
            inline_limit: std::thread::available_parallelism().map_or(1, |n| n.get()),
            end_watchers: Mutex::new(HashMap::new()),
            connections: config.connections.iter().map(|c| (c.name.clone(), c.clone())).collect(),
            wait_time_scale: if config.wait_time_scale.is_finite() { config.wait_time_scale.max(0.0) } else { 1.0 },
            mocks: config.mocks.clone(),
        });
        let engine = Engine { inner };
        engine.load_functions().await?;
        recovery::resume_all(&engine.inner).await?;
        Ok(engine)
    }

    /// The store (the API uses it directly for the control plane).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The ARN region and account the engine mints with.
    pub fn arns(&self) -> &ArnContext {
        &self.inner.arns
    }

    /// Problems met while opening that did not stop it (a stored function that no longer
    /// loads, an execution whose journal does not replay), one sentence each.
    pub fn warnings(&self) -> Vec<String> {
        lock(&self.inner.warnings).clone()
    }

    /// How many executions are running in this process (Standard and Express).
    pub fn running_count(&self) -> usize {
        lock(&self.inner.running).len()
    }

    /// The precompiled-module cache's hits and misses since the engine opened.
    pub fn cache_stats(&self) -> sandbox::CacheStats {
        self.inner.sandbox.cache_stats()
    }
}

impl Inner {
    /// 64 fresh random bits for one step.
    pub(crate) fn entropy(&self) -> u64 {
        splitmix(self.seed.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed))
    }

    /// A random (version 4) UUID.
    pub(crate) fn uuid(&self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.entropy().to_be_bytes());
        bytes[8..].copy_from_slice(&self.entropy().to_be_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
    }

    pub(crate) fn function(&self, name: &str) -> Option<FunctionHandle> {
        self.functions.read().unwrap_or_else(|e| e.into_inner()).get(name).cloned()
    }

    /// The failure (error, cause) of a task whose function `name` was never uploaded (see
    /// [`resource::missing_function`]).
    pub(crate) fn missing_function(&self, name: &str, resource: &str, via: resource::Via) -> (String, String) {
        resource::missing_function(name, resource, via, &self.arns.lambda_function(name), &self.uuid())
    }

    pub(crate) fn add_token(&self, token: &str, work: WorkId, tx: mpsc::UnboundedSender<Msg>) {
        lock(&self.tokens).insert(token.to_string(), TokenEntry { work, tx });
    }

    pub(crate) fn drop_token(&self, token: &str) {
        // Both under the live tokens' lock: a callback that no longer finds the token live
        // finds it closed.
        let mut tokens = lock(&self.tokens);
        if tokens.remove(token).is_some() {
            lock(&self.closed_tokens).insert(token);
        }
    }

    /// Whether `token` belonged to a task that has ended (as far as this process remembers).
    pub(crate) fn token_closed(&self, token: &str) -> bool {
        lock(&self.closed_tokens).set.contains(token)
    }

    /// A receiver that is told when the actor of execution `arn` ends (or is dropped); read
    /// the execution's record after registering, as it may have ended already.
    pub(crate) fn watch_end(&self, arn: &str) -> tokio::sync::oneshot::Receiver<()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let mut watchers = lock(&self.end_watchers);
        let list = watchers.entry(arn.to_string()).or_default();
        // Receivers that gave up waiting (their execution ended before they registered).
        list.retain(|w| !w.is_closed());
        list.push(tx);
        rx
    }

    /// Forgets the watchers of `arn` that stopped waiting (each wait registers anew, and an
    /// execution that had ended before it was watched tells nobody).
    pub(crate) fn unwatch(&self, arn: &str) {
        let mut watchers = lock(&self.end_watchers);
        if let Some(list) = watchers.get_mut(arn) {
            list.retain(|w| !w.is_closed());
            if list.is_empty() {
                watchers.remove(arn);
            }
        }
    }

    /// Tells those waiting for execution `arn` that its actor has ended.
    pub(crate) fn ended(&self, arn: &str) {
        if let Some(list) = lock(&self.end_watchers).remove(arn) {
            for w in list {
                let _ = w.send(());
            }
        }
    }

    /// The mock test case named by `ARN#TestCase` for the state machine `machine_name`.
    pub(crate) fn test_case(&self, machine_name: &str, case: &str) -> Result<mocks::TestCase, EngineError> {
        let config = self.mocks.as_ref().ok_or_else(|| {
            EngineError::InvalidRequest(format!("'#{case}' names a mock test case, but the server has no mock configuration (--mock-config)"))
        })?;
        config.test_case(machine_name, case).map_err(EngineError::InvalidRequest)
    }

    /// The mock test case of an execution rebuilt from its journal, its states' invocations
    /// counted from the replay; a test case no longer configured is warned of, and the
    /// execution goes on without mocks.
    pub(crate) fn resumed_test_case(
        &self,
        rec: &store::ExecutionRecord,
        journal: &[store::JournalEntry],
        scheduled: &HashMap<String, usize>,
    ) -> Option<mocks::TestCase> {
        let case = control::first_test_case(journal)?;
        let machine = rec.state_machine_arn.rsplit(':').next().unwrap_or_default();
        match self.test_case(machine, &case) {
            Ok(mut t) => {
                t.set_invocations(scheduled);
                Some(t)
            }
            Err(e) => {
                self.warn(format!("execution {} resumes without its mocks: {e}", rec.arn));
                None
            }
        }
    }

    pub(crate) fn warn(&self, text: String) {
        lock(&self.warnings).push(text);
    }
}

/// The most recently closed task tokens.
#[derive(Default)]
pub(crate) struct ClosedTokens {
    order: std::collections::VecDeque<String>,
    set: std::collections::HashSet<String>,
}

impl ClosedTokens {
    const CAPACITY: usize = 65_536;

    fn insert(&mut self, token: &str) {
        if self.set.insert(token.to_string()) {
            self.order.push_back(token.to_string());
            if self.order.len() > Self::CAPACITY {
                if let Some(old) = self.order.pop_front() {
                    self.set.remove(&old);
                }
            }
        }
    }
}

/// When a timer set at `now` for `fire_at_ms` fires: a delay (a Wait state, a retry's
/// back-off) scaled by `scale`, a timeout as set.
pub(crate) fn timer_due(scale: f64, now: i64, fire_at_ms: i64, delay: bool) -> i64 {
    if !delay || scale == 1.0 {
        return fire_at_ms;
    }
    let span = fire_at_ms.saturating_sub(now).max(0) as f64 * scale;
    now.saturating_add(span.round().min(i64::MAX as f64) as i64)
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn splitmix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seed no two processes share: the standard library's per-process random hash keys mixed
/// with the time.
fn initial_seed() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_i64(now_ms());
    h.write_u32(std::process::id());
    h.finish()
}
