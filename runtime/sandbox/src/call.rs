//! One call: a fresh store, instantiate, run, classify the outcome, drop the store.

use crate::capture::{CappedBuffer, LogBuffer, LogLine, OutputLimitExceeded, TailBuffer};
use crate::error::{chain_message, CallError};
use crate::host::{CallClock, ComponentHost, HeartbeatHook, HttpPolicy, Limiter, MemoryLimitExceeded, P1Host};
use crate::load::{Function, Pre};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::{Store, Trap, UpdateDeadline};
use wasmtime_wasi::cli::StdoutStream;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};
use wasmtime_wasi_http::WasiHttpCtx;

/// Per-call settings chosen by the caller.
#[derive(Clone, Default)]
pub struct CallOptions {
    /// The Task state's timeout. The call uses the smaller of this and the function's own
    /// limit; when neither is set, the sandbox's default.
    pub timeout: Option<Duration>,
    /// Called on every `heartbeat()` of the guest, on the calling thread, while the guest
    /// waits.
    pub heartbeat: Option<HeartbeatHook>,
    /// Parse a successful result into [`CallOutcome::value`]: the parse is the check that the
    /// result is JSON, so a caller that needs the value does not read the text twice.
    pub parse: bool,
    /// Once it is requested, the call is stopped at the guest's next epoch check (within
    /// [`crate::SandboxConfig::epoch_interval`] while it runs wasm) and fails with
    /// [`CallError::Interrupted`]: its caller no longer wants the result (the execution was
    /// stopped, or the task cancelled). A guest blocked in the host is stopped when it is
    /// back in wasm.
    pub interrupt: Option<Arc<dyn Interrupt>>,
}

/// Asked at every epoch tick of a call whether its caller wants it stopped
/// ([`CallOptions::interrupt`]).
pub trait Interrupt: Send + Sync {
    /// True once the call should stop.
    fn requested(&self) -> bool;
}

impl Interrupt for AtomicBool {
    fn requested(&self) -> bool {
        self.load(Ordering::Acquire)
    }
}

/// The error an epoch check raises to stop a call whose [`CallOptions::interrupt`] is set.
#[derive(Debug)]
struct InterruptRequested;

impl std::fmt::Display for InterruptRequested {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the call was interrupted")
    }
}

impl std::error::Error for InterruptRequested {}

/// The result of one call with everything the guest left behind.
#[derive(Clone, Debug)]
pub struct CallOutcome {
    /// The result JSON text, or why the call failed.
    pub result: Result<String, CallError>,
    /// The result parsed, when [`CallOptions::parse`] asked for it and the call succeeded.
    pub value: Option<serde_json::Value>,
    /// The tail of `log()` lines (task components), oldest first.
    pub logs: Vec<LogLine>,
    /// How many older log lines were dropped to respect the log limit.
    pub logs_dropped: u64,
    /// The tail of the guest's stdout (task components; a command's stdout is its result).
    pub stdout: String,
    /// The tail of the guest's stderr.
    pub stderr: String,
    /// How many times the guest called `heartbeat()`.
    pub heartbeats: u64,
    /// Fuel consumed, when the sandbox meters fuel.
    pub fuel_consumed: Option<u64>,
    /// Wall-clock time of the whole call, including instantiation.
    pub duration: Duration,
}

/// Longer timeouts are cut to this (ten years), which keeps deadline arithmetic in range.
const MAX_TIMEOUT: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// The most stderr quoted in a trap message.
const STDERR_IN_MESSAGE: usize = 1024;

/// Everything the classification of a failure needs to know about the call.
struct Context {
    memory_limit: u64,
    memory_exceeded: bool,
    output_limit: u64,
    output_exceeded: bool,
    fuel_limit: u64,
    timeout: Duration,
    stderr_tail: String,
}

impl Context {
    /// Maps a wasmtime error raised while instantiating or running the guest.
    fn classify(&self, err: &wasmtime::Error, instantiating: bool) -> CallError {
        if err.downcast_ref::<MemoryLimitExceeded>().is_some() || self.memory_exceeded {
            return CallError::MemoryLimit {
                limit: self.memory_limit,
            };
        }
        if err.downcast_ref::<OutputLimitExceeded>().is_some() || self.output_exceeded {
            return CallError::OutputLimit {
                limit: self.output_limit,
            };
        }
        if err.downcast_ref::<InterruptRequested>().is_some() {
            return CallError::Interrupted;
        }
        if let Some(exit) = err.downcast_ref::<I32Exit>() {
            return CallError::Exit {
                code: exit.0,
                stderr_tail: self.stderr_tail.clone(),
            };
        }
        match err.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => CallError::Timeout {
                limit_ms: millis(self.timeout),
            },
            Some(Trap::OutOfFuel) => CallError::FuelExhausted {
                limit: self.fuel_limit,
            },
            Some(trap) => CallError::Trap {
                message: self.with_stderr(trap.to_string()),
            },
            None if instantiating => CallError::Host {
                message: chain_message(err),
            },
            None => CallError::Trap {
                message: self.with_stderr(chain_message(err)),
            },
        }
    }

    /// Appends the end of stderr (a panic message, typically) to a trap message.
    fn with_stderr(&self, message: String) -> String {
        let tail = self.stderr_tail.trim();
        if tail.is_empty() {
            return message;
        }
        let mut start = tail.len().saturating_sub(STDERR_IN_MESSAGE);
        while !tail.is_char_boundary(start) {
            start += 1;
        }
        format!("{message}; stderr: {}", tail.get(start..).unwrap_or_default())
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Checks a result text: within the limit and valid JSON. With `value`, the check parses the
/// text into it.
fn check_output(text: String, limit: u64, value: Option<&mut Option<serde_json::Value>>) -> Result<String, CallError> {
    if text.len() as u64 > limit {
        return Err(CallError::OutputLimit { limit });
    }
    let invalid = |e: serde_json::Error| CallError::InvalidOutput {
        message: e.to_string(),
    };
    match value {
        Some(slot) => *slot = Some(serde_json::from_str(&text).map_err(invalid)?),
        None => {
            serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(invalid)?;
        }
    }
    Ok(text)
}

/// Turns a command's stdout into its result: UTF-8 JSON, surrounding whitespace ignored,
/// nothing at all meaning `null`.
fn command_output(bytes: Vec<u8>, limit: u64, value: Option<&mut Option<serde_json::Value>>) -> Result<String, CallError> {
    let text = String::from_utf8(bytes).map_err(|e| CallError::InvalidOutput {
        message: format!("stdout is not UTF-8: {e}"),
    })?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        if let Some(slot) = value {
            *slot = Some(serde_json::Value::Null);
        }
        return Ok("null".to_string());
    }
    let text = if trimmed.len() == text.len() {
        text
    } else {
        trimmed.to_string()
    };
    check_output(text, limit, value)
}

/// What one call's WASI context is built from.
struct WasiSetup<'a> {
    stdin: Option<&'a str>,
    args: &'a [&'a str],
    stdout: Box<dyn StdoutStream + Sync>,
    stderr: TailBuffer,
    clock_origin: Instant,
}

impl Function {
    fn wasi_builder(&self, setup: WasiSetup<'_>) -> Result<WasiCtxBuilder, CallError> {
        let mut builder = WasiCtxBuilder::new();
        builder
            .allow_blocking_current_thread(true)
            .monotonic_clock(CallClock(setup.clock_origin))
            .stdout(setup.stdout)
            .stderr(setup.stderr)
            .args(setup.args);
        if let Some(stdin) = setup.stdin {
            builder.stdin(MemoryInputPipe::new(stdin.to_owned()));
        }
        for (key, value) in &self.grants.env {
            builder.env(key, value);
        }
        for dir in &self.grants.dirs {
            let perms = if dir.writable {
                FsPerms::ReadWrite
            } else {
                FsPerms::ReadOnly
            };
            builder
                .preopened_dir(&dir.host_path, &dir.guest_path, perms)
                .map_err(|e| CallError::Host {
                    message: format!(
                        "cannot open granted directory {}: {}",
                        dir.host_path.display(),
                        chain_message(&e)
                    ),
                })?;
        }
        Ok(builder)
    }

    /// Sets the guards of a fresh store: epoch deadline (and, with `interrupt`, a check of
    /// it at every epoch tick) and fuel.
    fn guard<T: 'static>(
        &self,
        store: &mut Store<T>,
        timeout: Duration,
        fuel: u64,
        interrupt: Option<&Arc<dyn Interrupt>>,
    ) -> Result<(), CallError> {
        let interval = self.shared.config.epoch_interval.as_nanos().max(1);
        // The deadline fires between (ticks - 1) and ticks intervals from now; one extra tick
        // guarantees at least `timeout`.
        let ticks = u64::try_from(timeout.as_nanos().div_ceil(interval).saturating_add(1)).unwrap_or(u64::MAX);
        match interrupt {
            None => {
                store.set_epoch_deadline(ticks);
                store.epoch_deadline_trap();
            }
            Some(flag) => {
                // Checked at every tick; the deadline is the same count of ticks.
                let flag = flag.clone();
                let mut left = ticks;
                store.set_epoch_deadline(1);
                store.epoch_deadline_callback(move |_| {
                    if flag.requested() {
                        return Err(wasmtime::Error::new(InterruptRequested));
                    }
                    left = left.saturating_sub(1);
                    if left == 0 {
                        return Err(wasmtime::Error::new(Trap::Interrupt));
                    }
                    Ok(UpdateDeadline::Continue(1))
                });
            }
        }
        if self.shared.config.fuel_metering {
            store.set_fuel(fuel).map_err(|e| CallError::Host {
                message: chain_message(&e),
            })?;
        }
        Ok(())
    }

    pub(crate) fn time_limit(&self, requested: Option<Duration>) -> Duration {
        let own = self.grants.limits.timeout_ms.map(Duration::from_millis);
        let timeout = match (requested, own) {
            (Some(a), Some(b)) => a.min(b),
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => self.shared.config.default_timeout,
        };
        timeout.min(MAX_TIMEOUT)
    }

    pub(crate) fn call(&self, input: &str, context: &str, options: &CallOptions) -> CallOutcome {
        let start = Instant::now();
        let timeout = self.time_limit(options.timeout);
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.run(input, context, options, start, timeout)
        }));
        let mut outcome = run.unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            CallOutcome {
                result: Err(CallError::Host {
                    message: format!("the host panicked during the call: {what}"),
                }),
                value: None,
                logs: Vec::new(),
                logs_dropped: 0,
                stdout: String::new(),
                stderr: String::new(),
                heartbeats: 0,
                fuel_consumed: None,
                duration: Duration::ZERO,
            }
        });
        outcome.duration = start.elapsed();
        // A guest blocked in the host (a sleep, a slow request) is only stopped by the epoch
        // once it is back in wasm; whatever it returns after its deadline is a timeout.
        if outcome.duration > timeout && !matches!(outcome.result, Err(CallError::Timeout { .. })) {
            outcome.result = Err(CallError::Timeout {
                limit_ms: millis(timeout),
            });
            outcome.value = None;
        }
        outcome
    }

    fn run(
        &self,
        input: &str,
        context: &str,
        options: &CallOptions,
        start: Instant,
        timeout: Duration,
    ) -> CallOutcome {
        let limits = &self.grants.limits;
        let log_cap = usize::try_from(limits.max_log_bytes).unwrap_or(usize::MAX);
        let out_cap = usize::try_from(limits.max_output_bytes).unwrap_or(usize::MAX);
        let fuel = limits.fuel.unwrap_or(u64::MAX);
        let stderr = TailBuffer::new(log_cap);
        let mut cx = Context {
            memory_limit: limits.memory_bytes,
            memory_exceeded: false,
            output_limit: limits.max_output_bytes,
            output_exceeded: false,
            fuel_limit: fuel,
            timeout,
            stderr_tail: String::new(),
        };
        let mut outcome = CallOutcome {
            result: Ok(String::new()),
            value: None,
            logs: Vec::new(),
            logs_dropped: 0,
            stdout: String::new(),
            stderr: String::new(),
            heartbeats: 0,
            fuel_consumed: None,
            duration: Duration::ZERO,
        };
        let fuel_left: Result<u64, wasmtime::Error>;
        match &self.pre {
            Pre::Task(_) | Pre::Command(_) => {
                let is_task = matches!(self.pre, Pre::Task(_));
                let stdout_tail = TailBuffer::new(log_cap);
                let stdout_capped = CappedBuffer::new(out_cap);
                let setup = WasiSetup {
                    stdin: (!is_task).then_some(input),
                    args: if is_task { &[] } else { &[self.name.as_str(), context] },
                    stdout: if is_task {
                        Box::new(stdout_tail.clone())
                    } else {
                        Box::new(stdout_capped.clone())
                    },
                    stderr: stderr.clone(),
                    clock_origin: start,
                };
                let builder = match self.wasi_builder(setup) {
                    Ok(b) => b,
                    Err(e) => {
                        outcome.result = Err(e);
                        return outcome;
                    }
                };
                let mut store = self.component_store(builder, options, start, timeout);
                if let Err(e) = self.guard(&mut store, timeout, fuel, options.interrupt.as_ref()) {
                    outcome.result = Err(e);
                    return outcome;
                }
                let raw = self.run_component(&mut store, input, context);
                cx.memory_exceeded = store.data().limiter.exceeded;
                cx.output_exceeded = stdout_capped.exceeded();
                cx.stderr_tail = stderr.tail();
                let value = options.parse.then_some(&mut outcome.value);
                outcome.result = match raw {
                    Ok(Some(text)) => check_output(text, limits.max_output_bytes, value),
                    Ok(None) => command_output(stdout_capped.take(), limits.max_output_bytes, value),
                    Err(Failure::Guest(e)) => Err(e),
                    Err(Failure::Wasm { err, instantiating }) => {
                        match err.downcast_ref::<I32Exit>() {
                            Some(I32Exit(0)) if !is_task => {
                                command_output(stdout_capped.take(), limits.max_output_bytes, value)
                            }
                            _ => Err(cx.classify(&err, instantiating)),
                        }
                    }
                };
                fuel_left = store.get_fuel();
                let host = store.into_data();
                (outcome.logs, outcome.logs_dropped) = host.logs.finish();
                outcome.heartbeats = host.heartbeats;
                outcome.stdout = if is_task { stdout_tail.tail() } else { String::new() };
            }
            Pre::Module(pre) => {
                let stdout = CappedBuffer::new(out_cap);
                let setup = WasiSetup {
                    stdin: Some(input),
                    args: &[self.name.as_str(), context],
                    stdout: Box::new(stdout.clone()),
                    stderr: stderr.clone(),
                    clock_origin: start,
                };
                let mut builder = match self.wasi_builder(setup) {
                    Ok(b) => b,
                    Err(e) => {
                        outcome.result = Err(e);
                        return outcome;
                    }
                };
                let host = P1Host {
                    wasi: builder.build_p1(),
                    limiter: Limiter::new(limits.memory_bytes),
                };
                let mut store = Store::new(&self.shared.engine, host);
                store.limiter(|h| &mut h.limiter);
                if let Err(e) = self.guard(&mut store, timeout, fuel, options.interrupt.as_ref()) {
                    outcome.result = Err(e);
                    return outcome;
                }
                let raw = match pre.instantiate(&mut store) {
                    Err(err) => Err((err, true)),
                    Ok(instance) => instance
                        .get_typed_func::<(), ()>(&mut store, "_start")
                        .and_then(|start| start.call(&mut store, ()))
                        .map_err(|err| (err, false)),
                };
                cx.memory_exceeded = store.data().limiter.exceeded;
                cx.output_exceeded = stdout.exceeded();
                cx.stderr_tail = stderr.tail();
                let value = options.parse.then_some(&mut outcome.value);
                outcome.result = match raw {
                    Ok(()) => command_output(stdout.take(), limits.max_output_bytes, value),
                    Err((err, _)) if matches!(err.downcast_ref::<I32Exit>(), Some(I32Exit(0))) => {
                        command_output(stdout.take(), limits.max_output_bytes, value)
                    }
                    Err((err, instantiating)) => Err(cx.classify(&err, instantiating)),
                };
                fuel_left = store.get_fuel();
            }
        }
        outcome.stderr = cx.stderr_tail;
        if self.shared.config.fuel_metering {
            outcome.fuel_consumed = fuel_left.ok().map(|left| fuel.saturating_sub(left));
        }
        outcome
    }

    fn component_store(
        &self,
        mut builder: WasiCtxBuilder,
        options: &CallOptions,
        start: Instant,
        timeout: Duration,
    ) -> Store<ComponentHost> {
        let limits = &self.grants.limits;
        let deadline = start + timeout;
        let host = ComponentHost {
            deadline,
            clock_origin: start,
            wasi: builder.build(),
            table: wasmtime::component::ResourceTable::new(),
            http: WasiHttpCtx::new(),
            http_policy: HttpPolicy {
                allowed: self.http_allowed.clone(),
                deadline,
            },
            limiter: Limiter::new(limits.memory_bytes),
            logs: LogBuffer::new(usize::try_from(limits.max_log_bytes).unwrap_or(usize::MAX)),
            heartbeats: 0,
            heartbeat_hook: options.heartbeat.clone(),
        };
        let mut store = Store::new(&self.shared.engine, host);
        store.limiter(|h| &mut h.limiter);
        store
    }

    /// Runs a component: `Some(result)` for a task, `None` for a command (whose result is
    /// its stdout).
    fn run_component(
        &self,
        store: &mut Store<ComponentHost>,
        input: &str,
        context: &str,
    ) -> Result<Option<String>, Failure> {
        let wasm = |instantiating: bool| move |err| Failure::Wasm { err, instantiating };
        match &self.pre {
            Pre::Task(pre) => {
                let task = pre.instantiate(&mut *store).map_err(wasm(true))?;
                match task.call_handle(&mut *store, input, context).map_err(wasm(false))? {
                    Ok(text) => Ok(Some(text)),
                    Err(e) => Err(Failure::Guest(CallError::Guest {
                        error: e.error,
                        cause: e.cause,
                    })),
                }
            }
            Pre::Command(pre) => {
                let command = pre.instantiate(&mut *store).map_err(wasm(true))?;
                match command.wasi_cli_run().call_run(&mut *store).map_err(wasm(false))? {
                    Ok(()) => Ok(None),
                    Err(()) => Err(Failure::Wasm {
                        err: wasmtime::Error::new(I32Exit(1)),
                        instantiating: false,
                    }),
                }
            }
            Pre::Module(_) => Err(Failure::Guest(CallError::Host {
                message: "a core module is not a component".to_string(),
            })),
        }
    }
}

/// How running a component went wrong, before classification.
enum Failure {
    Guest(CallError),
    Wasm {
        err: wasmtime::Error,
        instantiating: bool,
    },
}
