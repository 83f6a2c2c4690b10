//! The engine's request and answer types.

use std::path::PathBuf;
use std::sync::Arc;

use crate::Observer;

/// How to open an [`crate::Engine`].
#[derive(Clone)]
pub struct EngineConfig {
    /// Where `stepwasm.db` and the sandbox's module cache live.
    pub data_dir: PathBuf,
    /// Region of the ARNs the engine mints.
    pub region: String,
    /// Account of the ARNs the engine mints.
    pub account: String,
    /// The WebAssembly host's settings.
    pub sandbox: sandbox::SandboxConfig,
    /// How many finished Express executions are kept (with their history) for listing and
    /// describing. 0 keeps none.
    pub express_history: usize,
    /// Told about executions, transitions and function calls (metrics); `None` for nobody.
    pub observer: Option<Arc<dyn Observer>>,
    /// The most resident threads Wasm calls run on (started as calls overlap; more calls at
    /// once go to tokio's blocking pool).
    pub call_threads: usize,
    /// The connections HTTP Tasks may use (`arn:aws:states:::http:invoke`), by name.
    pub connections: Vec<Connection>,
    /// Scales the time Wait states and retry back-offs take (0 makes them end at once, 0.01
    /// a hundred times sooner); timeouts and heartbeats keep their time. For tests: the
    /// history then shows the shortened waits. 1 is AWS's clock.
    pub wait_time_scale: f64,
    /// Mocked service integrations (Step Functions Local's mock configuration): executions
    /// started on `STATE_MACHINE_ARN#TestCase` answer the test case's states from it.
    pub mocks: Option<Arc<crate::MockConfig>>,
}

/// What an HTTP Task's `ConnectionArn` (`…:connection/NAME/…`) stands for: credentials and
/// parameters added to each request, and the URLs the connection may call. Its `Debug` shows
/// no value of a header, query parameter, body field or credential.
#[derive(Clone, PartialEq, Eq)]
pub struct Connection {
    pub name: String,
    /// URL prefixes (`https://api.example.com/v1/`) a request may go to; none allows nothing.
    pub endpoints: Vec<String>,
    pub auth: ConnectionAuth,
    /// Added to every request (after the Task's own).
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    /// Fields added to an object body (or making one).
    pub body: Vec<(String, String)>,
}

/// How a connection authenticates its requests.
#[derive(Clone, PartialEq, Eq)]
pub enum ConnectionAuth {
    None,
    /// HTTP basic authentication.
    Basic { username: String, password: String },
    /// A header carrying a key.
    ApiKey { name: String, value: String },
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = |p: &[(String, String)]| p.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        f.debug_struct("Connection")
            .field("name", &self.name)
            .field("endpoints", &self.endpoints)
            .field("auth", &self.auth)
            .field("headers", &names(&self.headers))
            .field("query", &names(&self.query))
            .field("body", &names(&self.body))
            .finish()
    }
}

impl std::fmt::Debug for ConnectionAuth {
    /// The kind and the names, never the secrets (configurations get logged).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectionAuth::None => f.write_str("NONE"),
            ConnectionAuth::Basic { username, .. } => write!(f, "BASIC({username})"),
            ConnectionAuth::ApiKey { name, .. } => write!(f, "API_KEY({name})"),
        }
    }
}

impl std::fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConfig")
            .field("data_dir", &self.data_dir)
            .field("region", &self.region)
            .field("account", &self.account)
            .field("sandbox", &self.sandbox)
            .field("express_history", &self.express_history)
            .field("observer", &self.observer.as_ref().map(|_| "…"))
            .field("call_threads", &self.call_threads)
            .field("connections", &self.connections)
            .field("wait_time_scale", &self.wait_time_scale)
            .field("mocks", &self.mocks.is_some())
            .finish()
    }
}

impl EngineConfig {
    /// The defaults for `data_dir`: region `us-east-1`, account `123456789012`, the sandbox's
    /// defaults with its cache in `data_dir/cache`, the last 1,000 Express runs kept, up to 128
    /// resident call threads, no connection.
    pub fn new(data_dir: impl Into<PathBuf>) -> EngineConfig {
        let data_dir = data_dir.into();
        EngineConfig {
            sandbox: sandbox::SandboxConfig::new(data_dir.join("cache")),
            data_dir,
            region: store::arn::DEFAULT_REGION.to_string(),
            account: store::arn::DEFAULT_ACCOUNT.to_string(),
            express_history: 1000,
            observer: None,
            call_threads: 128,
            connections: Vec::new(),
            wait_time_scale: 1.0,
            mocks: None,
        }
    }
}

/// StartExecution / StartSyncExecution arguments.
#[derive(Clone, Debug, Default)]
pub struct StartRequest {
    /// A state machine, version or alias ARN.
    pub state_machine_arn: String,
    /// The execution name; a UUID when absent.
    pub name: Option<String>,
    /// The input JSON text; `{}` when absent.
    pub input: Option<String>,
    /// X-Ray trace header, kept on the execution record.
    pub trace_header: Option<String>,
}

/// A started execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Started {
    pub execution_arn: String,
    pub start_ms: i64,
}

/// The end of a synchronous run (StartSyncExecution, or [`crate::Engine::run_inline`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncOutcome {
    pub execution_arn: String,
    pub state_machine_arn: String,
    pub name: String,
    pub start_ms: i64,
    pub stop_ms: i64,
    /// `SUCCEEDED`, `FAILED` or `TIMED_OUT`.
    pub status: String,
    pub input: String,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// An uploaded function, without its bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionInfo {
    pub name: String,
    pub sha256: String,
    pub size: u64,
    /// `task-component`, `command-component` or `command-module`.
    pub kind: String,
    /// What the function may use.
    pub grants: sandbox::Grants,
    pub created_ms: i64,
    pub updated_ms: i64,
}
