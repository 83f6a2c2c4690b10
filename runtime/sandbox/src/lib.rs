//! Runs Task functions as sandboxed WebAssembly under wasmtime.
//!
//! A function is either a **task component** (world `task` of the stepwasm WIT contract:
//! `handle(input, context) -> result<string, task-error>`) or a **WASI command** (a preview 1
//! core module with `_start`, or a preview 2 command component) that reads its input JSON on
//! stdin and writes its result JSON on stdout. The kind is detected when the function is
//! loaded.
//!
//! One [`Sandbox`] owns one wasmtime engine (pooling allocator, copy-on-write memory images,
//! epoch interruption driven by a ticker thread) and a precompiled-module cache on disk.
//! [`Sandbox::load`] compiles (or maps a cached artifact), checks that every import can be
//! satisfied and returns a [`FunctionHandle`]; [`FunctionHandle::call`] runs one call in a
//! fresh store, synchronously on the calling thread. Calls never panic and never leave an
//! instance behind; every failure is a [`CallError`], which
//! [`CallError::to_task_failure`] maps to an ASL error name and cause.
//!
//! Nothing is ambient: by default a guest has no filesystem, network, environment variables
//! or host stdio. [`Grants`] list what one function may use.
//!
//! Calls run wasm on the calling thread's stack: that thread needs at least
//! [`SandboxConfig::max_wasm_stack`] plus a few hundred KiB of stack (the 2 MiB default of
//! Rust threads is enough for the default).

mod cache;
mod call;
mod capture;
mod error;
mod grants;
mod host;
mod load;
mod ticker;

pub use call::{CallOptions, CallOutcome, Interrupt};
pub use capture::{LogLevel, LogLine};
pub use error::{
    CallError, LoadError, SandboxError, TaskFailure, STATES_TASK_FAILED, STATES_TIMEOUT,
};
pub use grants::{
    DirGrant, Grants, Limits, DEFAULT_MAX_LOG_BYTES, DEFAULT_MAX_OUTPUT_BYTES,
    DEFAULT_MEMORY_BYTES,
};
pub use host::HeartbeatHook;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::{Config, Engine, Enabled, InstanceAllocationStrategy, PoolingAllocationConfig};

/// Settings of a [`Sandbox`], fixed for its lifetime.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Directory of the precompiled-module cache; created if missing.
    pub cache_dir: PathBuf,
    /// How many calls may run at the same time (pooling allocator slots).
    pub max_instances: u32,
    /// The largest memory limit a function may ask for, in bytes (at most 4 GiB).
    pub max_memory_bytes: u64,
    /// The timeout of a call when neither the function nor the call sets one.
    pub default_timeout: Duration,
    /// Whether code is compiled with fuel metering, so that functions may set a fuel limit.
    /// Costs well under a microsecond per call.
    pub fuel_metering: bool,
    /// The most native stack wasm code may use, in bytes.
    pub max_wasm_stack: usize,
    /// How often the epoch advances: the resolution of timeouts.
    pub epoch_interval: Duration,
}

impl SandboxConfig {
    /// The defaults: 1000 concurrent instances, 1 GiB memory ceiling, 60 s default timeout,
    /// fuel metering on, 512 KiB wasm stack, 10 ms epoch interval.
    pub fn new(cache_dir: impl Into<PathBuf>) -> Self {
        SandboxConfig {
            cache_dir: cache_dir.into(),
            max_instances: 1000,
            max_memory_bytes: 1 << 30,
            default_timeout: Duration::from_secs(60),
            fuel_metering: true,
            max_wasm_stack: 512 * 1024,
            epoch_interval: Duration::from_millis(10),
        }
    }
}

/// Memory the pooling allocator keeps resident in a reused slot instead of returning it to
/// the kernel; the reset then only rewrites dirty pages.
const KEEP_RESIDENT_BYTES: usize = 64 * 1024;

/// What the sandbox and all its functions share. Dropping the last reference stops the
/// epoch ticker.
pub(crate) struct Shared {
    pub(crate) engine: Engine,
    pub(crate) config: SandboxConfig,
    pub(crate) cache: cache::ModuleCache,
    pub(crate) component_linker: wasmtime::component::Linker<host::ComponentHost>,
    pub(crate) module_linker: wasmtime::Linker<host::P1Host>,
    _ticker: ticker::EpochTicker,
}

/// The WebAssembly host: one engine, its linkers, its cache and its epoch ticker.
///
/// Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Sandbox {
    shared: Arc<Shared>,
}

impl Sandbox {
    /// Creates the engine, the cache directory and the epoch ticker.
    pub fn new(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        if config.max_instances == 0 {
            return Err(SandboxError::Config("max_instances must be at least 1".to_string()));
        }
        if config.max_memory_bytes == 0 || config.max_memory_bytes > 1 << 32 {
            return Err(SandboxError::Config(format!(
                "max_memory_bytes must be between 1 and 4 GiB, got {}",
                config.max_memory_bytes
            )));
        }
        if config.epoch_interval.is_zero() {
            return Err(SandboxError::Config("epoch_interval must not be zero".to_string()));
        }
        let n = config.max_instances;
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(n)
            .total_core_instances(n.saturating_mul(4))
            .total_memories(n.saturating_mul(2))
            .total_tables(n.saturating_mul(4))
            .total_stacks(0)
            .max_memory_size(config.max_memory_bytes as usize)
            .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
            .table_keep_resident(KEEP_RESIDENT_BYTES)
            .pagemap_scan(Enabled::Auto);
        let mut wasm = Config::new();
        wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
            .memory_init_cow(true)
            .epoch_interruption(true)
            .consume_fuel(config.fuel_metering)
            .max_wasm_stack(config.max_wasm_stack);
        let engine = Engine::new(&wasm).map_err(|e| SandboxError::Engine(error::chain_message(&e)))?;
        std::fs::create_dir_all(&config.cache_dir).map_err(|source| SandboxError::CacheDir {
            path: config.cache_dir.clone(),
            source,
        })?;
        let component_linker =
            host::component_linker(&engine).map_err(|e| SandboxError::Engine(error::chain_message(&e)))?;
        let module_linker =
            host::module_linker(&engine).map_err(|e| SandboxError::Engine(error::chain_message(&e)))?;
        let ticker = ticker::EpochTicker::start(engine.clone(), config.epoch_interval)
            .map_err(|e| SandboxError::Engine(format!("cannot start the epoch ticker: {e}")))?;
        Ok(Sandbox {
            shared: Arc::new(Shared {
                cache: cache::ModuleCache::new(config.cache_dir.clone(), &engine),
                engine,
                config,
                component_linker,
                module_linker,
                _ticker: ticker,
            }),
        })
    }

    /// The configuration the sandbox was created with.
    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// Validates and prepares a function ("upload"): checks the grants, compiles the bytes
    /// (or maps the cached artifact), detects the function's kind and checks that all of its
    /// imports can be satisfied.
    pub fn load(&self, name: &str, bytes: &[u8], grants: Grants) -> Result<FunctionHandle, LoadError> {
        load::load(&self.shared, name, bytes, grants)
    }

    /// How often [`Sandbox::load`] found a precompiled artifact on disk (hits) and how often
    /// it had to compile (misses), since the sandbox was created.
    pub fn cache_stats(&self) -> CacheStats {
        use std::sync::atomic::Ordering::Relaxed;
        CacheStats {
            hits: self.shared.cache.hits.load(Relaxed),
            misses: self.shared.cache.misses.load(Relaxed),
        }
    }
}

/// Counts of the precompiled-module cache (see [`Sandbox::cache_stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
}

/// What kind of guest a function is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionKind {
    /// A component implementing world `stepwasm:task/task`.
    TaskComponent,
    /// A WASI preview 2 command component (exports `wasi:cli/run`).
    CommandComponent,
    /// A WASI preview 1 command: a core module exporting `_start`.
    CommandModule,
}

/// A loaded function, ready to be called. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct FunctionHandle {
    pub(crate) inner: Arc<load::Function>,
}

impl FunctionHandle {
    /// The name the function was loaded under.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The detected kind of the function.
    pub fn kind(&self) -> FunctionKind {
        self.inner.kind()
    }

    /// The grants and limits the function was loaded with.
    pub fn grants(&self) -> &Grants {
        &self.inner.grants
    }

    /// The longest a call may run when the Task state asks for `requested`: the smaller of it
    /// and the function's own limit, else the sandbox's default (a call that runs longer ends
    /// with [`CallError::Timeout`] within one epoch tick of it).
    pub fn time_limit(&self, requested: Option<Duration>) -> Duration {
        self.inner.time_limit(requested)
    }

    /// Runs one call in a fresh store on the calling thread and returns its result with the
    /// captured logs and output. Never panics.
    ///
    /// `input` and `context` are JSON texts. A task component receives both as arguments of
    /// `handle`; a WASI command receives `input` on stdin and `context` as its first
    /// argument (`argv[1]`; `argv[0]` is the function's name).
    pub fn call(&self, input: &str, context: &str, options: &CallOptions) -> CallOutcome {
        self.inner.call(input, context, options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_handles_are_send_and_sync() {
        assert_send_sync::<Sandbox>();
        assert_send_sync::<FunctionHandle>();
        assert_send_sync::<CallOptions>();
    }

    #[test]
    fn bad_config_is_refused_with_the_field_named() {
        let dir = std::env::temp_dir();
        let mut config = SandboxConfig::new(&dir);
        config.max_memory_bytes = 8 << 30;
        let err = Sandbox::new(config).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("max_memory_bytes"), "{err}");
        let mut config = SandboxConfig::new(&dir);
        config.max_instances = 0;
        let err = Sandbox::new(config).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("max_instances"), "{err}");
    }
}
