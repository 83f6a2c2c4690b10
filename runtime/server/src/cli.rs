//! The `stepwasm` command line (clap). Flags fall back to `STEPWASM_*` environment variables.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use server::config::LogFormat;

#[derive(Parser)]
#[command(name = "stepwasm", version, about = "AWS Step Functions workflows with WebAssembly tasks")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server: the Step Functions API, HTTP routes, the console.
    Serve(ServeArgs),
    /// Check a state machine definition and print its diagnostics (exit 1 when invalid).
    Validate {
        /// The definition file (ASL JSON).
        file: PathBuf,
        /// Validate as an EXPRESS state machine.
        #[arg(long)]
        express: bool,
    },
    /// Run a definition in this process and print its output (or its error and cause).
    Run {
        /// The definition file (ASL JSON).
        file: PathBuf,
        /// The execution input: JSON text, or @FILE to read it from a file.
        #[arg(long, default_value = "{}")]
        input: String,
        /// Task functions: every NAME.wasm in this folder becomes function NAME. Without it,
        /// time is simulated and Task states fail.
        #[arg(long)]
        functions: Option<PathBuf>,
        /// Print the execution history as a timeline on stderr.
        #[arg(long)]
        history: bool,
        /// A mock configuration (Step Functions Local's MockConfigFile.json), for --test-case.
        #[arg(long, requires = "test_case", conflicts_with = "functions")]
        mock_config: Option<PathBuf>,
        /// Answer the Task states from this test case of --mock-config, on the simulated
        /// clock: CASE of the state machine named as the file up to its first dot
        /// (orders.asl.json: orders), or MACHINE#CASE.
        #[arg(long, requires = "mock_config")]
        test_case: Option<String>,
    },
    /// Run every conformance case file in DIR and report pass/fail counts.
    Conformance {
        /// Directory of case files.
        dir: PathBuf,
        /// Print full failure reasons.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Upload the functions, state machines and routes of a project folder (its stepwasm.toml).
    Deploy {
        /// The project folder.
        dir: PathBuf,
        #[command(flatten)]
        remote: Remote,
    },
    /// Start an execution of a state machine (a name or an ARN).
    Start {
        machine: String,
        /// The input: JSON text, or @FILE.
        #[arg(long, default_value = "{}")]
        input: String,
        /// The execution name (default: a UUID).
        #[arg(long)]
        name: Option<String>,
        /// Wait for the end and print the output (exit 1 when it fails). An EXPRESS machine
        /// runs synchronously, as with --sync.
        #[arg(long)]
        wait: bool,
        /// Run an EXPRESS machine synchronously (StartSyncExecution) and print the output.
        #[arg(long, conflicts_with = "wait")]
        sync: bool,
        #[command(flatten)]
        remote: Remote,
    },
    /// Call an uploaded function once, outside any workflow, and print its result (exit 1
    /// when it fails); its log lines go to stderr.
    Invoke {
        function: String,
        /// The payload: JSON text, or @FILE.
        #[arg(long, default_value = "{}")]
        payload: String,
        #[command(flatten)]
        remote: Remote,
    },
    /// Print an execution's history as a timeline.
    History {
        execution_arn: String,
        /// Print the events as JSON, one per line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        remote: Remote,
    },
    /// Print the log lines the execution's functions wrote, and its errors.
    Logs {
        execution_arn: String,
        /// Keep printing new lines until the execution ends.
        #[arg(long, short)]
        follow: bool,
        #[command(flatten)]
        remote: Remote,
    },
}

#[derive(Args, Clone)]
pub struct ServeArgs {
    /// A TOML config file (the same settings; flags and environment win over it).
    #[arg(long, env = "STEPWASM_CONFIG")]
    pub config: Option<PathBuf>,
    /// IP:PORT to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "STEPWASM_LISTEN")]
    pub listen: Option<String>,
    /// Where the SQLite database and the module cache live (default ./stepwasm-data).
    #[arg(long, env = "STEPWASM_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Log lines as readable text or JSON.
    #[arg(long, env = "STEPWASM_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// A tracing filter: info, debug, server=debug,hyper=warn ...
    #[arg(long, env = "STEPWASM_LOG")]
    pub log_level: Option<String>,
    /// The region in minted ARNs (default us-east-1).
    #[arg(long, env = "STEPWASM_REGION")]
    pub region: Option<String>,
    /// The account in minted ARNs (default 123456789012).
    #[arg(long, env = "STEPWASM_ACCOUNT")]
    pub account: Option<String>,
    /// Scales Wait states and retry back-offs, for tests: 0 ends them at once, 0.01 makes
    /// them 100 times shorter (default 1; timeouts keep their time).
    #[arg(long, env = "STEPWASM_WAIT_TIME_SCALE")]
    pub wait_time_scale: Option<f64>,
    /// A mock configuration, as Step Functions Local takes it (MockConfigFile.json):
    /// executions started on STATE_MACHINE_ARN#TestCase answer its mocked states from it.
    #[arg(long, env = "SFN_MOCK_CONFIG")]
    pub mock_config: Option<PathBuf>,
}

/// Where the server is and how to prove who we are.
#[derive(Args, Clone)]
pub struct Remote {
    /// The server (default http://127.0.0.1:8080).
    #[arg(long, env = "STEPWASM_ENDPOINT", default_value = "http://127.0.0.1:8080")]
    pub endpoint: String,
    /// A bearer token, when the server needs one.
    #[arg(long, env = "STEPWASM_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}
