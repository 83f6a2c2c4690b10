//! The HTTP server: hyper 1 on tokio, HTTP/1.1 with keep-alive, a header-read timeout and a
//! body timeout against slow clients, a cap on open connections, and graceful shutdown
//! (stop accepting, let requests in flight finish within a grace period).
//!
//! [`app`] decides what each request is; this module only moves bytes.

mod app;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Semaphore};
use tokio::task::JoinHandle;

pub use app::App;

use crate::api::Api;
use crate::auth::Auth;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::{native, trigger};

/// A running server.
pub struct Server {
    /// The address it listens on (with the real port when the config said 0).
    pub addr: SocketAddr,
    pub app: Arc<App>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// Opens the engine in the data directory, stores the configured routes and starts
/// listening. Must be called within a multi-threaded tokio runtime.
pub async fn start(config: Config) -> anyhow::Result<Server> {
    let metrics = Metrics::new();
    let mut ec = engine::EngineConfig::new(&config.data_dir);
    ec.region = config.region.clone();
    ec.account = config.account.clone();
    ec.express_history = config.express_history;
    ec.sandbox.max_instances = config.max_instances;
    ec.observer = Some(metrics.clone());
    let engine = engine::Engine::open(ec).await.with_context(|| format!("opening {}", config.data_dir.display()))?;
    metrics.attach(&engine);
    for w in engine.warnings() {
        tracing::warn!("{w}");
    }
    let triggers = Arc::new(trigger::Table::default());
    for spec in &config.routes {
        let record = trigger::to_record(spec, |n| engine.arns().state_machine(n))
            .map_err(|e| anyhow::anyhow!("route {} {} in the config: {e}", spec.method, spec.path))?;
        match engine.store().state_machine(&record.state_machine_arn) {
            Ok(Some(_)) => {}
            _ => tracing::warn!(
                "route {} {} names {}, which does not exist yet: it answers 502 until the machine is created",
                spec.method,
                spec.path,
                record.state_machine_arn
            ),
        }
        engine.store().put_route(record).context("storing the configured routes")?;
    }
    for problem in native::reload_routes(&engine, &triggers).map_err(|e| anyhow::anyhow!("reading the routes: {e}"))? {
        tracing::warn!("{problem}");
    }
    let api = Arc::new(Api { engine: engine.clone(), activity_wait: Duration::from_secs(config.limits.activity_poll_seconds) });
    let app = Arc::new(App {
        engine,
        api,
        metrics,
        auth: Auth::new(config.tokens.clone()),
        triggers,
        limits: config.limits.clone(),
        started: Instant::now(),
    });
    let listener = TcpListener::bind(config.listen).await.with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(accept_loop(listener, app.clone(), rx));
    Ok(Server { addr, app, shutdown: Some(tx), task })
}

impl Server {
    /// Stops accepting, waits for requests in flight (up to the grace period) and returns.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Runs until `signal` completes, then stops.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()>) {
        signal.await;
        tracing::info!("shutting down: no new connections; finishing requests in flight");
        self.stop().await;
    }
}

async fn accept_loop(listener: TcpListener, app: Arc<App>, mut shutdown: oneshot::Receiver<()>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(app.limits.max_connections.max(1)));
    let header_timeout = app.limits.header_timeout();
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |req| {
            let app = app.clone();
            async move { Ok::<_, std::convert::Infallible>(app.handle(req, peer).await) }
        });
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    let grace = Duration::from_secs(app.limits.shutdown_grace_seconds);
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("every connection closed"),
        _ = tokio::time::sleep(grace) => tracing::warn!("connections still open after {grace:?}; closing anyway"),
    }
}
