//! `stepwasm`: run AWS Step Functions workflows whose Task states are WebAssembly functions.

mod cli;
mod local;
mod out;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use serde_json::{json, Value};
use server::client::Client;
use server::config::{Config, Overrides};

use cli::{Cli, Command, Remote, ServeArgs};

/// mimalloc: the interpreter allocates many small, short-lived values per state (events, JSON
/// nodes); glibc's malloc spends ~40% of a Pass transition on them, mimalloc about half that.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate { file, express } => local::validate(&file, express),
        Command::Conformance { dir, verbose } => local::conformance(&dir, verbose),
        Command::Run { file, input, functions: None, history, mock_config, test_case } => {
            local::simulate(&file, &input, history, mock_config.as_deref().zip(test_case.as_deref()))
        }
        command => runtime().and_then(|rt| rt.block_on(run(command))),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`| head`): stop quietly, as other filters do.
        Err(e) if out::is_closed(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")
}

async fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Serve(args) => serve(args).await,
        Command::Run { file, input, functions: Some(dir), history, .. } => local::with_functions(&file, &input, &dir, history).await,
        Command::Deploy { dir, remote } => {
            let client = client(&remote)?;
            let interactive = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let done = server::client::deploy(&client, &dir, interactive).await.map_err(anyhow::Error::msg)?;
            for line in done {
                out::line(format_args!("deployed {line}"))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Start { machine, input, name, wait, sync, remote } => start(&remote, &machine, &input, name, wait, sync).await,
        Command::Invoke { function, payload, remote } => {
            let payload = local::read_input(&payload)?;
            let answer = client(&remote)?.invoke(&function, &payload).await?;
            for line in answer["logs"].as_array().into_iter().flatten() {
                eprintln!("[{}] {}", line["level"].as_str().unwrap_or("info").to_ascii_uppercase(), line["message"].as_str().unwrap_or_default());
            }
            print_end(&json!({
                "status": answer["status"],
                "output": serde_json::to_string(&answer["output"]).unwrap_or_default(),
                "error": answer["error"],
                "cause": answer["cause"],
            }))
        }
        Command::History { execution_arn, json, remote } => {
            let events = client(&remote)?.history(&execution_arn).await?;
            if json {
                for e in &events {
                    out::line(e)?;
                }
            } else {
                out::print(&server::client::timeline(&events, terminal_width()))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Logs { execution_arn, follow, remote } => logs(&remote, &execution_arn, follow).await,
        Command::Validate { .. } | Command::Conformance { .. } | Command::Run { functions: None, .. } => unreachable!("run in main"),
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(160)
}

fn client(remote: &Remote) -> Result<Client> {
    Ok(Client::new(&remote.endpoint, remote.token.clone())?)
}

async fn serve(args: ServeArgs) -> Result<ExitCode> {
    let overrides = Overrides {
        config: args.config,
        listen: args.listen,
        data_dir: args.data_dir,
        log_format: args.log_format,
        log_level: args.log_level,
        region: args.region,
        account: args.account,
        wait_time_scale: args.wait_time_scale,
        mock_config: args.mock_config,
    };
    let config = Config::load(&overrides, &|k| std::env::var(k).ok())?;
    server::telemetry::init(config.log_format, &config.log_level).map_err(anyhow::Error::msg)?;
    let auth = if config.tokens.is_empty() { "no token (loopback only)".to_string() } else { format!("{} token(s)", config.tokens.len()) };
    let server = server::start(config.clone()).await?;
    tracing::info!(
        listen = %server.addr,
        data_dir = %config.data_dir.display(),
        "stepwasm {} serving the Step Functions API on http://{}/ and the console on http://{}/console/ ({auth})",
        env!("CARGO_PKG_VERSION"),
        server.addr,
        server.addr
    );
    if config.wait_time_scale != 1.0 {
        tracing::warn!("Wait states and retry back-offs take {} of their time (wait_time_scale)", config.wait_time_scale);
    }
    server.run_until(shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return ctrl_c.await,
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

async fn start(remote: &Remote, machine: &str, input: &str, name: Option<String>, wait: bool, sync: bool) -> Result<ExitCode> {
    let client = client(remote)?;
    let input = local::read_input(input)?;
    serde_json::from_str::<Value>(&input).context("the input is not valid JSON")?;
    // `NAME#TestCase` (or `ARN#TestCase`) starts a mock test case of the machine.
    let (machine, case) = match machine.split_once('#') {
        Some((m, c)) => (m, Some(c)),
        None => (machine, None),
    };
    let arn = client.machine_arn(machine).await?;
    let target = match case {
        Some(c) => format!("{arn}#{c}"),
        None => arn.clone(),
    };
    let mut body = json!({"stateMachineArn": target, "input": input});
    if let Some(n) = name {
        body["name"] = json!(n);
    }
    // An Express execution can be described only once it has ended, so waiting for one is
    // running it synchronously.
    if sync || (wait && client.machine_type(&arn).await? == "EXPRESS") {
        let out = client.call("StartSyncExecution", body).await?;
        // As for a Standard execution, the ARN goes to stderr: `stepwasm history` and `logs` take it.
        if let Some(execution) = out["executionArn"].as_str() {
            eprintln!("ran {execution}");
        }
        return print_end(&out);
    }
    let started = client.call("StartExecution", body).await?;
    let execution = started["executionArn"].as_str().unwrap_or_default().to_string();
    if !wait {
        out::line(&execution)?;
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("started {execution}");
    loop {
        let d = client.call("DescribeExecution", json!({"executionArn": execution})).await?;
        if d["status"] != "RUNNING" {
            return print_end(&d);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Prints an ended execution's output (or error and cause) and picks the exit code.
fn print_end(d: &Value) -> Result<ExitCode> {
    let status = d["status"].as_str().unwrap_or("?");
    if status == "SUCCEEDED" {
        let output = d["output"].as_str().unwrap_or("null");
        match serde_json::from_str::<Value>(output) {
            Ok(v) => out::line(serde_json::to_string_pretty(&v).unwrap_or_else(|_| output.to_string()))?,
            Err(_) => out::line(output)?,
        }
        Ok(ExitCode::SUCCESS)
    } else {
        out::line(status)?;
        out::line(format_args!("error: {}", d["error"].as_str().unwrap_or("(none)")))?;
        out::line(format_args!("cause: {}", d["cause"].as_str().unwrap_or("(none)")))?;
        Ok(ExitCode::from(1))
    }
}

async fn logs(remote: &Remote, execution: &str, follow: bool) -> Result<ExitCode> {
    let client = client(remote)?;
    let mut printed = 0usize;
    loop {
        // The status first: when it says the execution ended, the history read after it is whole.
        let status = if follow {
            let d = client.call("DescribeExecution", json!({"executionArn": execution})).await?;
            d["status"].as_str().unwrap_or("?").to_string()
        } else {
            String::new()
        };
        let events = client.history(execution).await?;
        let text = server::client::log_lines(&events);
        let lines: Vec<&str> = text.lines().collect();
        for l in lines.iter().skip(printed) {
            out::line(l)?;
        }
        printed = printed.max(lines.len());
        match status.as_str() {
            "" | "SUCCEEDED" => return Ok(ExitCode::SUCCESS),
            "RUNNING" => tokio::time::sleep(Duration::from_millis(500)).await,
            other => {
                eprintln!("the execution ended {other}");
                return Ok(ExitCode::from(1));
            }
        }
    }
}
