//! `stepwasm serve`'s settings: defaults, then a TOML file, then environment variables, then
//! command-line flags (each later source wins). Checked once, here; the rest of the server
//! takes a [`Config`] and never reads the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::trigger::RouteSpec;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One readable line per event.
    Human,
    /// One JSON object per line.
    Json,
}

/// The settings of a running server.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub region: String,
    pub account: String,
    pub log_format: LogFormat,
    /// A `tracing` filter (`info`, `stepwasm=debug,hyper=warn`, ...).
    pub log_level: String,
    /// Bearer tokens; when there is at least one, every API call needs one of them.
    pub tokens: Vec<String>,
    pub limits: Limits,
    /// HTTP routes that run state machines (also kept in the store, where the API edits them).
    pub routes: Vec<RouteSpec>,
    /// Finished Express executions kept for listing and describing.
    pub express_history: usize,
    /// How many Wasm calls may run at the same time.
    pub max_instances: u32,
    /// The connections HTTP Tasks may use (secrets resolved).
    pub connections: Vec<engine::Connection>,
    /// Scales Wait states and retry back-offs (see [`engine::EngineConfig::wait_time_scale`]).
    pub wait_time_scale: f64,
    /// Mocked service integrations, read from the mock configuration file.
    pub mocks: Option<std::sync::Arc<engine::MockConfig>>,
}

/// Size and time limits of the HTTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// The largest API request body (a definition is up to 1 MiB of characters, escaped in JSON).
    pub max_request_bytes: usize,
    /// The largest function upload.
    pub max_upload_bytes: usize,
    /// A client must send a request's headers within this time (slow-client protection).
    pub header_timeout_seconds: u64,
    /// A client must send a request's body within this time.
    pub body_timeout_seconds: u64,
    /// How long shutdown waits for requests in flight.
    pub shutdown_grace_seconds: u64,
    /// The most connections open at once; more wait to be accepted.
    pub max_connections: usize,
    /// How long GetActivityTask waits for a task.
    pub activity_poll_seconds: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_request_bytes: 4 << 20,
            max_upload_bytes: 64 << 20,
            header_timeout_seconds: 10,
            body_timeout_seconds: 30,
            shutdown_grace_seconds: 30,
            max_connections: 4096,
            activity_poll_seconds: 60,
        }
    }
}

impl Limits {
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_seconds.max(1))
    }
    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout_seconds.max(1))
    }
}

/// The TOML file (`stepwasm.toml`); every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub region: Option<String>,
    pub account: Option<String>,
    pub log_format: Option<LogFormat>,
    pub log_level: Option<String>,
    pub tokens: Vec<String>,
    pub limits: Option<Limits>,
    pub express_history: Option<usize>,
    pub max_instances: Option<u32>,
    pub routes: Vec<RouteSpec>,
    pub connections: Vec<crate::connections::ConnectionSpec>,
    pub wait_time_scale: Option<f64>,
    pub mock_config: Option<PathBuf>,
}

/// What the command line (and clap's environment fallbacks) gave.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub log_format: Option<LogFormat>,
    pub log_level: Option<String>,
    pub region: Option<String>,
    pub account: Option<String>,
    pub wait_time_scale: Option<f64>,
    pub mock_config: Option<PathBuf>,
}

/// A setting that does not make sense, named with where it came from.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The default listen address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The default data directory, relative to where the server starts.
pub const DEFAULT_DATA_DIR: &str = "stepwasm-data";
/// The file in the data directory that may hold tokens, one per line.
pub const TOKENS_FILE: &str = "tokens";

impl Config {
    /// Builds the settings from the file named by `--config` (if any), `STEPWASM_TOKEN` /
    /// `STEPWASM_TOKENS` from `env`, the data directory's `tokens` file, and the flags.
    pub fn load(o: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let file = match &o.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let listen_text = o.listen.clone().or(file.listen).unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen: SocketAddr = listen_text
            .parse()
            .map_err(|e| ConfigError(format!("listen address '{listen_text}' is not IP:PORT: {e}")))?;
        let data_dir = o.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let mut tokens = file.tokens;
        for var in ["STEPWASM_TOKEN", "STEPWASM_TOKENS"] {
            if let Some(v) = env(var) {
                tokens.extend(v.split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from));
            }
        }
        tokens.extend(read_tokens(&data_dir.join(TOKENS_FILE))?);
        for t in &tokens {
            if t.len() < 16 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(ConfigError(format!(
                    "a token must have at least 16 characters and no spaces (one has {} characters)",
                    t.chars().count()
                )));
            }
        }
        tokens.sort();
        tokens.dedup();
        let config = Config {
            listen,
            data_dir,
            region: o.region.clone().or(file.region).unwrap_or_else(|| store::arn::DEFAULT_REGION.into()),
            account: o.account.clone().or(file.account).unwrap_or_else(|| store::arn::DEFAULT_ACCOUNT.into()),
            log_format: o.log_format.or(file.log_format).unwrap_or(LogFormat::Human),
            log_level: o.log_level.clone().or(file.log_level).unwrap_or_else(|| "info".into()),
            tokens,
            limits: file.limits.unwrap_or_default(),
            routes: file.routes,
            express_history: file.express_history.unwrap_or(1000),
            max_instances: file.max_instances.unwrap_or(1000),
            connections: crate::connections::resolve_all(&file.connections, env)?,
            wait_time_scale: o.wait_time_scale.or(file.wait_time_scale).unwrap_or(1.0),
            mocks: o.mock_config.clone().or(file.mock_config).map(|p| read_mocks(&p)).transpose()?,
        };
        config.check()?;
        Ok(config)
    }

    /// The checks that do not depend on where a setting came from.
    pub fn check(&self) -> Result<(), ConfigError> {
        if !self.listen.ip().is_loopback() && self.tokens.is_empty() {
            return Err(ConfigError(format!(
                "refusing to listen on {} without a token: set STEPWASM_TOKEN, `tokens` in the config file, \
                 or write one into {}",
                self.listen,
                self.data_dir.join(TOKENS_FILE).display()
            )));
        }
        if !self.region.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') || self.region.is_empty() {
            return Err(ConfigError(format!("region '{}' must be letters, digits and '-'", self.region)));
        }
        if self.account.len() != 12 || !self.account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConfigError(format!("account '{}' must be 12 digits", self.account)));
        }
        if self.max_instances == 0 {
            return Err(ConfigError("max_instances must be at least 1".into()));
        }
        if !(self.wait_time_scale.is_finite() && self.wait_time_scale >= 0.0) {
            return Err(ConfigError(format!("wait_time_scale {} must be a number, 0 or more", self.wait_time_scale)));
        }
        for (i, r) in self.routes.iter().enumerate() {
            crate::trigger::Pattern::parse(&r.path).map_err(|e| ConfigError(format!("routes[{i}] ({} {}): {e}", r.method, r.path)))?;
        }
        Ok(())
    }

    /// Settings for tests and embedding: loopback on an ephemeral port, no token.
    pub fn for_dir(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            listen: "127.0.0.1:0".parse().expect("a valid address"),
            data_dir: data_dir.into(),
            region: store::arn::DEFAULT_REGION.into(),
            account: store::arn::DEFAULT_ACCOUNT.into(),
            log_format: LogFormat::Human,
            log_level: "warn".into(),
            tokens: Vec::new(),
            limits: Limits::default(),
            routes: Vec::new(),
            express_history: 1000,
            max_instances: 64,
            connections: Vec::new(),
            wait_time_scale: 1.0,
            mocks: None,
        }
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError(format!("reading {}: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| ConfigError(format!("{}: {e}", path.display())))
}

/// A mock configuration file (Step Functions Local's format); the error names the file.
pub fn read_mocks(path: &Path) -> Result<std::sync::Arc<engine::MockConfig>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError(format!("reading the mock configuration {}: {e}", path.display())))?;
    engine::MockConfig::parse(&text).map(std::sync::Arc::new).map_err(|e| ConfigError(format!("the mock configuration {}: {e}", path.display())))
}

/// Tokens from a file: one per line; blank lines and `#` comments are skipped. A missing file
/// is no tokens.
fn read_tokens(path: &Path) -> Result<Vec<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(ConfigError(format!("reading {}: {e}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn file_then_env_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stepwasm.toml");
        std::fs::write(
            &path,
            format!(
                "listen = \"127.0.0.1:9000\"\ndata_dir = \"{}\"\nlog_format = \"json\"\ntokens = [\"file-token-0123456789\"]\nwait_time_scale = 0.01\n\
                 [limits]\nmax_request_bytes = 1000\n\n[[routes]]\nmethod = \"POST\"\npath = \"/orders/{{id}}\"\nstate_machine = \"orders\"\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let env = |k: &str| (k == "STEPWASM_TOKEN").then(|| "env-token-0123456789".to_string());
        let o = Overrides { config: Some(path.clone()), ..Default::default() };
        let c = Config::load(&o, &env).unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.tokens, vec!["env-token-0123456789".to_string(), "file-token-0123456789".to_string()]);
        assert_eq!(c.limits.max_request_bytes, 1000);
        assert_eq!(c.limits.max_upload_bytes, Limits::default().max_upload_bytes);
        assert_eq!(c.routes.len(), 1);
        assert_eq!(c.wait_time_scale, 0.01);
        let o = Overrides {
            config: Some(path.clone()),
            listen: Some("127.0.0.1:9100".into()),
            log_format: Some(LogFormat::Human),
            wait_time_scale: Some(0.0),
            ..Default::default()
        };
        let c = Config::load(&o, &env).unwrap();
        assert_eq!((c.listen.port(), c.log_format, c.wait_time_scale), (9100, LogFormat::Human, 0.0));
        let o = Overrides { config: Some(path), wait_time_scale: Some(-1.0), ..Default::default() };
        assert!(Config::load(&o, &env).unwrap_err().0.contains("wait_time_scale -1 must be a number, 0 or more"));
    }

    #[test]
    fn a_public_address_needs_a_token() {
        let dir = tempfile::tempdir().unwrap();
        let o = Overrides { listen: Some("0.0.0.0:8080".into()), data_dir: Some(dir.path().into()), ..Default::default() };
        let e = Config::load(&o, &no_env).unwrap_err();
        assert!(e.0.contains("refusing to listen on 0.0.0.0:8080 without a token"), "{e}");
        std::fs::write(dir.path().join(TOKENS_FILE), "# ops\nsecret-token-from-file-0001\n\n").unwrap();
        let c = Config::load(&o, &no_env).unwrap();
        assert_eq!(c.tokens, vec!["secret-token-from-file-0001".to_string()]);
    }

    #[test]
    fn bad_settings_say_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let bad = |o: Overrides| Config::load(&o, &no_env).unwrap_err().0;
        assert!(bad(Overrides { listen: Some("localhost".into()), ..Default::default() }).contains("'localhost' is not IP:PORT"));
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "listn = \"x\"\n").unwrap();
        let e = bad(Overrides { config: Some(path.clone()), ..Default::default() });
        assert!(e.contains("c.toml") && e.contains("listn"), "{e}");
        std::fs::write(&path, "tokens = [\"short\"]\n").unwrap();
        assert!(bad(Overrides { config: Some(path.clone()), ..Default::default() }).contains("at least 16 characters"));
        std::fs::write(&path, "[[routes]]\nmethod = \"GET\"\npath = \"orders\"\nstate_machine = \"x\"\n").unwrap();
        let e = bad(Overrides { config: Some(path), ..Default::default() });
        assert!(e.contains("routes[0] (GET orders)"), "{e}");
        let mocks = dir.path().join("MockConfigFile.json");
        std::fs::write(&mocks, r#"{"MockedResponses": {"R": {"0": {"Return": 1}, "2": {"Return": 2}}}}"#).unwrap();
        let e = bad(Overrides { mock_config: Some(mocks.clone()), ..Default::default() });
        assert!(e.contains("MockConfigFile.json") && e.contains("MockedResponses.R: invocation 1 has no response"), "{e}");
        std::fs::write(&mocks, r#"{"StateMachines": {}, "MockedResponses": {}}"#).unwrap();
        let c = Config::load(&Overrides { mock_config: Some(mocks), ..Default::default() }, &no_env).unwrap();
        assert!(c.mocks.is_some());
    }
}
