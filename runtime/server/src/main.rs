//! `stepwasm`: run AWS Step Functions workflows whose Task states are WebAssembly functions.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use asl::exec::Status;
use asl::simulate::{self, TaskAnswer};
use asl::ValidateOptions;
use clap::{Parser, Subcommand};
use serde_json::Value;

#[derive(Parser)]
#[command(name = "stepwasm", version, about = "AWS Step Functions workflows with WebAssembly tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
        /// Print the execution history as JSON lines on stderr.
        #[arg(long)]
        history: bool,
    },
    /// Run every conformance case file in DIR and report pass/fail counts.
    Conformance {
        /// Directory of case files.
        dir: PathBuf,
        /// Print full failure reasons.
        #[arg(long, short)]
        verbose: bool,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Validate { file, express } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let diags = asl::validate::validate_text(&text, &ValidateOptions { express });
            for d in &diags {
                println!("{} {d}", d.severity.as_str());
            }
            let errors = diags.iter().filter(|d| d.severity == asl::diagnostic::Severity::Error).count();
            if errors == 0 {
                println!("OK: {} is a valid state machine definition", file.display());
                Ok(ExitCode::SUCCESS)
            } else {
                println!("FAIL: {errors} error(s) in {}", file.display());
                Ok(ExitCode::from(1))
            }
        }
        Command::Run { file, input, history } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let machine = match asl::parse_text(&text, &ValidateOptions::default()) {
                Ok(m) => m,
                Err(diags) => {
                    for d in diags {
                        eprintln!("{d}");
                    }
                    bail!("{} is not a valid state machine definition", file.display());
                }
            };
            let input_text = match input.strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path).with_context(|| format!("reading input file {path}"))?,
                None => input,
            };
            let input: Value = serde_json::from_str(&input_text).context("the input is not valid JSON")?;
            let name = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "machine".into());
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            let info = simulate::local_info(&name, "local-run", input, now_ms);
            let finished = simulate::run(&machine, info, now_ms as u64, 10_000_000, |t| TaskAnswer::Failure {
                error: "States.TaskFailed".into(),
                cause: format!("No Wasm function is available for resource '{}' in an in-process run", t.resource),
            });
            if history {
                for e in &finished.events {
                    eprintln!("{}", e.to_json());
                }
            }
            match finished.status {
                Status::Succeeded(out) => {
                    println!("{}", serde_json::to_string_pretty(&out)?);
                    Ok(ExitCode::SUCCESS)
                }
                Status::Failed(f) | Status::Aborted(f) => {
                    println!("FAILED");
                    println!("error: {}", f.error.as_deref().unwrap_or("(none)"));
                    println!("cause: {}", f.cause.as_deref().unwrap_or("(none)"));
                    Ok(ExitCode::from(1))
                }
                Status::TimedOut => {
                    println!("TIMED_OUT");
                    Ok(ExitCode::from(1))
                }
                Status::Running => bail!("the execution did not finish within the step limit"),
            }
        }
        Command::Conformance { dir, verbose } => {
            let report = server::conformance::run_dir(&dir).with_context(|| format!("reading cases in {}", dir.display()))?;
            print!("{}", report.render(verbose));
            Ok(if report.total().failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
    }
}
