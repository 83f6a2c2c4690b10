//! The commands that need no server: `validate`, `run` and `conformance`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use asl::exec::Status;
use asl::simulate::{self, TaskAnswer};
use asl::ValidateOptions;
use serde_json::Value;

use crate::out;

/// JSON text, or `@FILE` for a file's contents.
pub fn read_input(input: &str) -> Result<String> {
    match input.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("reading input file {path}")),
        None => Ok(input.to_string()),
    }
}

fn read_definition(file: &Path) -> Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))
}

pub fn validate(file: &Path, express: bool) -> Result<ExitCode> {
    let text = read_definition(file)?;
    let diags = asl::validate::validate_text(&text, &ValidateOptions { express, ..Default::default() });
    for d in &diags {
        out::line(format_args!("{} {d}", d.severity.as_str()))?;
    }
    let errors = diags.iter().filter(|d| d.severity == asl::diagnostic::Severity::Error).count();
    if errors == 0 {
        out::line(format_args!("OK: {} is a valid state machine definition", file.display()))?;
        Ok(ExitCode::SUCCESS)
    } else {
        out::line(format_args!("FAIL: {errors} error(s) in {}", file.display()))?;
        Ok(ExitCode::from(1))
    }
}

pub fn conformance(dir: &Path, verbose: bool) -> Result<ExitCode> {
    let report = server::conformance::run_dir(dir).with_context(|| format!("reading cases in {}", dir.display()))?;
    out::print(&report.render(verbose))?;
    Ok(if report.total().failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// `run` without functions: a virtual clock (a Wait of an hour ends at once); Task states are
/// answered by `mocks` (a mock configuration file and a test case: `CASE` of the state machine
/// named as the file up to its first dot, or `MACHINE#CASE`) where it says, and fail otherwise.
pub fn simulate(file: &Path, input: &str, history: bool, mocks: Option<(&Path, &str)>) -> Result<ExitCode> {
    let text = read_definition(file)?;
    let machine = match asl::parse_text(&text, &ValidateOptions::default()) {
        Ok(m) => m,
        Err(diags) => {
            for d in diags {
                eprintln!("{d}");
            }
            bail!("{} is not a valid state machine definition", file.display());
        }
    };
    let input: Value = serde_json::from_str(&read_input(input)?).context("the input is not valid JSON")?;
    let name = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "machine".into());
    let now = now_ms();
    let info = simulate::local_info(&name, "local-run", input, now);
    let mut case = match mocks {
        None => None,
        Some((path, spec)) => {
            let config = server::config::read_mocks(path)?;
            // `orders.asl.json` is the state machine `orders`.
            let stem = name.split('.').next().unwrap_or(&name);
            let (machine_name, case) = spec.split_once('#').unwrap_or((stem, spec));
            Some(config.test_case(machine_name, case).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?)
        }
    };
    let finished = simulate::run(&machine, info, now as u64, 10_000_000, |t| match case.as_mut().and_then(|c| c.next(&t.state_name)) {
        Some(Ok(v)) => TaskAnswer::Success(v),
        Some(Err((error, cause))) => TaskAnswer::Failure { error, cause },
        None => TaskAnswer::Failure {
            error: "States.TaskFailed".into(),
            cause: if case.is_some() {
                format!("the test case does not mock state '{}' (resource '{}')", t.state_name, t.resource)
            } else {
                format!("No Wasm function is available for resource '{}': run with --functions DIR", t.resource)
            },
        },
    });
    if history {
        let events: Vec<Value> = finished.events.iter().map(|e| e.to_json()).collect();
        eprint!("{}", server::client::timeline(&events, 160));
    }
    match finished.status {
        Status::Succeeded(out) => {
            out::line(serde_json::to_string_pretty(&out)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Status::Failed(f) | Status::Aborted(f) => {
            out::line("FAILED")?;
            out::line(format_args!("error: {}", f.error.as_deref().unwrap_or("(none)")))?;
            out::line(format_args!("cause: {}", f.cause.as_deref().unwrap_or("(none)")))?;
            Ok(ExitCode::from(1))
        }
        Status::TimedOut => {
            out::line("TIMED_OUT")?;
            Ok(ExitCode::from(1))
        }
        Status::Running => bail!("the execution did not finish within the step limit"),
    }
}

/// `run --functions DIR`: the engine in memory (a throw-away data directory), every
/// `NAME.wasm` of DIR uploaded as function NAME, real time.
pub async fn with_functions(file: &Path, input: &str, dir: &Path, history: bool) -> Result<ExitCode> {
    let text = read_definition(file)?;
    let input = read_input(input)?;
    let data = tempdir()?;
    let mut config = engine::EngineConfig::new(data.path());
    config.sandbox.max_instances = 64;
    config.express_history = 1;
    let engine = engine::Engine::open(config).await?;
    let mut loaded = 0;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wasm") {
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            engine.put_function(&name, bytes, sandbox::Grants::default()).await.with_context(|| format!("loading {}", path.display()))?;
            loaded += 1;
        }
    }
    if loaded == 0 {
        bail!("{} has no .wasm files", dir.display());
    }
    let (out, events) = engine.run_inline(&text, &input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    if history {
        eprint!("{}", server::client::timeline(&events, 160));
    }
    match out.status.as_str() {
        "SUCCEEDED" => {
            let v: Value = serde_json::from_str(out.output.as_deref().unwrap_or("null"))?;
            out::line(serde_json::to_string_pretty(&v)?)?;
            Ok(ExitCode::SUCCESS)
        }
        status => {
            out::line(status)?;
            out::line(format_args!("error: {}", out.error.as_deref().unwrap_or("(none)")))?;
            out::line(format_args!("cause: {}", out.cause.as_deref().unwrap_or("(none)")))?;
            Ok(ExitCode::from(1))
        }
    }
}

/// A directory removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> Result<TempDir> {
    let dir = std::env::temp_dir().join(format!("stepwasm-run-{}-{}", std::process::id(), now_ms()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(TempDir(dir))
}
