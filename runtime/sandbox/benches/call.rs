//! Warm-call benchmarks: one call = new store + instantiate + call + result.
//!
//! Measures the sandbox (task component, WASI p1 and p2 commands) against a bare wasmtime
//! baseline doing the same work without the sandbox around it (same pooling settings,
//! `InstancePre`, fresh store, epoch deadline), on one thread (median, p99) and on two
//! threads (calls/s).
//!
//! Run: `cargo bench -p sandbox --bench call` (`-- --quick` for a short run).

#[path = "../tests/support/guests.rs"]
#[allow(dead_code)] // shared with the tests, which use every guest
mod guests;

use sandbox::{CallOptions, FunctionHandle, Grants, Sandbox, SandboxConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, Enabled, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

mod bare {
    wasmtime::component::bindgen!({ path: "../../guest-sdk/wit", world: "task" });
}

/// 144 bytes of JSON, as in the design notes.
const INPUT: &str = r#"{"order":{"id":"ord-0000001234","items":[{"sku":"A-1","qty":2},{"sku":"B-22","qty":1}],"total":123.45,"currency":"EUR"},"ok":true}"#;
const CONTEXT: &str = r#"{"State":{"Name":"Charge"}}"#;

struct BareHost {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for BareHost {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl bare::stepwasm::task::host::Host for BareHost {
    fn log(&mut self, _level: bare::stepwasm::task::host::Level, _message: String) {}
    fn heartbeat(&mut self) {}
}
impl bare::stepwasm::task::types::Host for BareHost {}

fn bare_engine() -> Engine {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(1000)
        .total_core_instances(4000)
        .total_memories(2000)
        .total_tables(4000)
        .total_stacks(0)
        .max_memory_size(1 << 30)
        .linear_memory_keep_resident(64 * 1024)
        .table_keep_resident(64 * 1024)
        .pagemap_scan(Enabled::Auto);
    let mut config = Config::new();
    config
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        .epoch_interruption(true);
    Engine::new(&config).expect("engine")
}

type Call = Arc<dyn Fn() + Send + Sync>;

fn bare_component(engine: &Engine, bytes: &[u8]) -> Call {
    let component = wasmtime::component::Component::new(engine, bytes).expect("component");
    let mut linker = Linker::<BareHost>::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("wasi");
    bare::Task::add_to_linker::<BareHost, HasSelf<BareHost>>(&mut linker, |h| h).expect("host");
    let pre = bare::TaskPre::new(linker.instantiate_pre(&component).expect("pre")).expect("pre");
    let engine = engine.clone();
    Arc::new(move || {
        let host = BareHost {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
        };
        let mut store = Store::new(&engine, host);
        store.set_epoch_deadline(1000);
        let task = pre.instantiate(&mut store).expect("instantiate");
        let out = task.call_handle(&mut store, INPUT, CONTEXT).expect("call").expect("ok");
        assert_eq!(out.len(), INPUT.len());
    })
}

fn bare_p1(engine: &Engine, bytes: &[u8]) -> Call {
    let module = wasmtime::Module::new(engine, bytes).expect("module");
    let mut linker = wasmtime::Linker::<WasiP1Ctx>::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |h| h).expect("wasi");
    let pre = linker.instantiate_pre(&module).expect("pre");
    let engine = engine.clone();
    Arc::new(move || {
        let stdout = MemoryOutputPipe::new(1 << 20);
        let wasi = WasiCtx::builder()
            .stdin(MemoryInputPipe::new(INPUT))
            .stdout(stdout.clone())
            .build_p1();
        let mut store = Store::new(&engine, wasi);
        store.set_epoch_deadline(1000);
        let instance = pre.instantiate(&mut store).expect("instantiate");
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start").expect("_start");
        start.call(&mut store, ()).expect("run");
        drop(store);
        assert_eq!(stdout.contents().len(), INPUT.len());
    })
}

fn sandboxed(f: FunctionHandle) -> Call {
    let options = CallOptions::default();
    Arc::new(move || {
        let out = f.call(INPUT, CONTEXT, &options);
        match out.result {
            Ok(text) => assert_eq!(text.len(), INPUT.len()),
            Err(e) => panic!("call failed: {e}"),
        }
    })
}

struct Stats {
    median_us: f64,
    p99_us: f64,
    one_thread_per_s: f64,
    two_threads_per_s: f64,
}

fn measure(call: &Call, samples: usize, window: Duration) -> Stats {
    for _ in 0..samples / 10 {
        call();
    }
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let t = Instant::now();
            call();
            t.elapsed()
        })
        .collect();
    times.sort();
    let pick = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1e6;
    let total: Duration = times.iter().sum();
    let throughput = |threads: usize| {
        let start = Instant::now();
        let counts: Vec<usize> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        let mut n = 0;
                        while start.elapsed() < window {
                            call();
                            n += 1;
                        }
                        n
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        counts.iter().sum::<usize>() as f64 / start.elapsed().as_secs_f64()
    };
    Stats {
        median_us: pick(0.5),
        p99_us: pick(0.99),
        one_thread_per_s: samples as f64 / total.as_secs_f64(),
        two_threads_per_s: throughput(2),
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (samples, window) = if quick {
        (2_000, Duration::from_millis(500))
    } else {
        (20_000, Duration::from_secs(3))
    };
    let g = guests::guests();
    let cache = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-cache");
    let sandbox = Sandbox::new(SandboxConfig::new(cache)).expect("sandbox");
    let load = |name: &str, bytes: &[u8]| sandbox.load(name, bytes, Grants::default()).expect("load");
    let engine = bare_engine();
    let ticker_engine = engine.clone();
    // The bare baseline runs with an epoch ticker too, like the sandbox.
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(10));
        ticker_engine.increment_epoch();
    });

    let cases: Vec<(&str, Call, Call)> = vec![
        (
            "task component",
            sandboxed(load("trivial-task", &g.trivial_task)),
            bare_component(&engine, &g.trivial_task),
        ),
        (
            "WASI p1 command",
            sandboxed(load("trivial-cmd-p1", &g.trivial_cmd_p1)),
            bare_p1(&engine, &g.trivial_cmd_p1),
        ),
    ];
    let p2_command = sandboxed(load("trivial-cmd-p2", &g.trivial_cmd_p2));

    println!(
        "{:<34} {:>10} {:>10} {:>12} {:>14}",
        "case", "median µs", "p99 µs", "calls/s 1t", "calls/s 2t"
    );
    let row = |name: &str, s: &Stats| {
        println!(
            "{:<34} {:>10.1} {:>10.1} {:>12.0} {:>14.0}",
            name, s.median_us, s.p99_us, s.one_thread_per_s, s.two_threads_per_s
        );
    };
    for (name, ours, bare) in &cases {
        let b = measure(bare, samples, window);
        let o = measure(ours, samples, window);
        row(&format!("{name}: bare wasmtime"), &b);
        row(&format!("{name}: sandbox"), &o);
        println!(
            "{:<34} median ×{:.2}, 2-thread throughput ×{:.2}",
            format!("{name}: sandbox / bare"),
            o.median_us / b.median_us,
            o.two_threads_per_s / b.two_threads_per_s
        );
    }
    row("WASI p2 command: sandbox", &measure(&p2_command, samples, window));
}
