//! Per-call host state (the `T` of `Store<T>`) and the host side of the task contract.

use crate::capture::{LogBuffer, LogLevel};
use crate::grants::HostPattern;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::{HasSelf, Linker, Resource, ResourceTable};
use wasmtime::{ResourceLimiter, StoreContextMut};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::{DynPollable, Pollable};
use wasmtime_wasi::{HostMonotonicClock, WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{
    default_send_request, Error as HttpError, RequestOptions, WasiBody, WasiHttpCtx,
    WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

pub(crate) mod bindings {
    wasmtime::component::bindgen!({
        path: "../../guest-sdk/wit",
        world: "task",
    });
}

use bindings::stepwasm::task::host::Level;

/// A hook the caller passes to learn about `heartbeat()` calls as they happen.
pub type HeartbeatHook = Arc<dyn Fn() + Send + Sync>;

/// The error a guest is trapped with when it grows its memory past its limit.
#[derive(Debug, thiserror::Error)]
#[error("exceeded memory limit of {limit} bytes")]
pub(crate) struct MemoryLimitExceeded {
    pub(crate) limit: u64,
}

/// Enforces the memory limit over all of an instance's memories, trapping at the limit.
pub(crate) struct Limiter {
    limit: u64,
    used: u64,
    pub(crate) exceeded: bool,
}

/// Table elements one store may hold; far above what a compiler emits.
const MAX_TABLE_ELEMENTS: usize = 1_000_000;

impl Limiter {
    pub(crate) fn new(limit: u64) -> Self {
        Limiter {
            limit,
            used: 0,
            exceeded: false,
        }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        let growth = desired.saturating_sub(current) as u64;
        let used = self.used.saturating_add(growth);
        if used > self.limit {
            self.exceeded = true;
            return Err(wasmtime::Error::new(MemoryLimitExceeded { limit: self.limit }));
        }
        self.used = used;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS && maximum.is_none_or(|max| desired <= max))
    }
}

/// Decides which outbound HTTP requests a call may make and bounds their waiting time.
pub(crate) struct HttpPolicy {
    pub(crate) allowed: Arc<[HostPattern]>,
    pub(crate) deadline: Instant,
}

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (
                        http::Response<WasiBody>,
                        Box<dyn Future<Output = Result<(), HttpError>> + Send>,
                    ),
                    HttpError,
                >,
            > + Send,
    > {
        drop(fut);
        let uri = request.uri();
        let allowed = uri.host().is_some_and(|host| {
            let default_port = if uri.scheme_str() == Some("http") { 80 } else { 443 };
            let port = uri.port_u16().unwrap_or(default_port);
            self.allowed.iter().any(|p| p.matches(host, port))
        });
        if !allowed {
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        // Waiting on the network is not interruptible by the epoch deadline, so every wait is
        // bounded by the time the call has left.
        let left = self
            .deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let bound = |t: Option<Duration>| Some(t.map_or(left, |t| t.min(left)));
        let options = options.unwrap_or_default();
        let options = RequestOptions {
            connect_timeout: bound(options.connect_timeout),
            first_byte_timeout: bound(options.first_byte_timeout),
            between_bytes_timeout: bound(options.between_bytes_timeout),
        };
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = default_send_request(request, Some(options)).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = Result<(), HttpError>> + Send>,
            ))
        })
    }
}

/// The guest's monotonic clock: nanoseconds since its call began.
pub(crate) struct CallClock(pub(crate) Instant);

impl HostMonotonicClock for CallClock {
    fn resolution(&self) -> u64 {
        1
    }
    fn now(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A sleep of the guest, ending at a fixed instant.
struct BoundedSleep(tokio::time::Instant);

#[wasmtime_wasi::async_trait]
impl Pollable for BoundedSleep {
    async fn ready(&mut self) {
        tokio::time::sleep_until(self.0).await;
    }
}

/// Sleeps happen in the host, where the epoch deadline cannot interrupt them, so a guest's
/// sleep never outlasts its call's deadline; back in wasm after it, the guest is stopped.
fn bounded_sleep(
    host: &mut ComponentHost,
    wanted: Duration,
) -> wasmtime::Result<Resource<DynPollable>> {
    let left = host.deadline.saturating_duration_since(Instant::now());
    let until = tokio::time::Instant::now() + wanted.min(left);
    let sleep = host.table.push(BoundedSleep(until))?;
    wasmtime_wasi::p2::subscribe(&mut host.table, sleep)
}

/// The monotonic-clock interface of the WASI version wasmtime-wasi provides; its
/// `subscribe-*` functions are replaced by deadline-bounded ones.
const MONOTONIC_CLOCK: &str = "wasi:clocks/monotonic-clock@0.2.12";

/// Store data of a component call (task or WASI command).
pub(crate) struct ComponentHost {
    pub(crate) deadline: Instant,
    pub(crate) clock_origin: Instant,
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) http: WasiHttpCtx,
    pub(crate) http_policy: HttpPolicy,
    pub(crate) limiter: Limiter,
    pub(crate) logs: LogBuffer,
    pub(crate) heartbeats: u64,
    pub(crate) heartbeat_hook: Option<HeartbeatHook>,
}

impl WasiView for ComponentHost {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for ComponentHost {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            hooks: &mut self.http_policy,
            table: &mut self.table,
            ctx: &mut self.http,
        }
    }
}

impl bindings::stepwasm::task::host::Host for ComponentHost {
    fn log(&mut self, level: Level, message: String) {
        let level = match level {
            Level::Trace => LogLevel::Trace,
            Level::Debug => LogLevel::Debug,
            Level::Info => LogLevel::Info,
            Level::Warn => LogLevel::Warn,
            Level::Error => LogLevel::Error,
        };
        self.logs.push(level, message);
    }

    fn heartbeat(&mut self) {
        self.heartbeats += 1;
        if let Some(hook) = &self.heartbeat_hook {
            hook();
        }
    }
}

impl bindings::stepwasm::task::types::Host for ComponentHost {}

/// Store data of a WASI preview 1 command.
pub(crate) struct P1Host {
    pub(crate) wasi: WasiP1Ctx,
    pub(crate) limiter: Limiter,
}

/// The linker for components: WASI preview 2, `wasi:http` and the task host interface.
pub(crate) fn component_linker(
    engine: &wasmtime::Engine,
) -> wasmtime::Result<Linker<ComponentHost>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    linker.allow_shadowing(true);
    let mut clock = linker.instance(MONOTONIC_CLOCK)?;
    clock.func_wrap(
        "subscribe-duration",
        |mut store: StoreContextMut<'_, ComponentHost>, (nanos,): (u64,)| {
            Ok((bounded_sleep(store.data_mut(), Duration::from_nanos(nanos))?,))
        },
    )?;
    clock.func_wrap(
        "subscribe-instant",
        |mut store: StoreContextMut<'_, ComponentHost>, (when,): (u64,)| {
            let host = store.data_mut();
            let wanted = Duration::from_nanos(when).saturating_sub(host.clock_origin.elapsed());
            Ok((bounded_sleep(host, wanted)?,))
        },
    )?;
    linker.allow_shadowing(false);
    wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)?;
    bindings::Task::add_to_linker::<ComponentHost, HasSelf<ComponentHost>>(&mut linker, |h| h)?;
    Ok(linker)
}

/// The linker for core modules: WASI preview 1 only.
pub(crate) fn module_linker(engine: &wasmtime::Engine) -> wasmtime::Result<wasmtime::Linker<P1Host>> {
    let mut linker = wasmtime::Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |h: &mut P1Host| &mut h.wasi)?;
    Ok(linker)
}
