//! The HTTP server: hyper 1 on tokio, HTTP/1.1 with keep-alive, a header-read timeout and a
//! body timeout against slow clients, a cap on open connections, and graceful shutdown
//! (stop accepting, answer activity long polls with no task, let the other requests in flight
//! finish within a grace period).
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
    ec.connections = config.connections.clone();
    ec.wait_time_scale = config.wait_time_scale;
    ec.mocks = config.mocks.clone();
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
    /// Stops accepting, ends every GetActivityTask long poll at once with no task (AWS's
    /// answer when none came), waits for the other requests in flight (up to the grace
    /// period) and returns.
    pub async fn stop(mut self) {
        self.app.engine.stop_activity_polls();
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use serde_json::{json, Value};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use crate::config::Config;

    /// One API call on its own connection; answers the status line and the body.
    async fn call(addr: std::net::SocketAddr, op: &str, body: Value) -> (String, Value) {
        let body = body.to_string();
        let mut s = TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-amz-json-1.0\r\n\
             X-Amz-Target: AWSStepFunctions.{op}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).await.unwrap();
        s.write_all(body.as_bytes()).await.unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.unwrap();
        let text = String::from_utf8(buf).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
        let status = head.lines().next().unwrap_or_default().to_string();
        (status, serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body:?}")))
    }

    /// A worker's open GetActivityTask does not hold shutdown for the grace period: it is
    /// answered at once with no task, and the server stops promptly.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shutdown_answers_open_activity_polls_with_no_task() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_dir(dir.path());
        config.limits.activity_poll_seconds = 60;
        config.limits.shutdown_grace_seconds = 30;
        let srv = super::start(config).await.unwrap();
        let addr = srv.addr;
        let (status, created) = call(addr, "CreateActivity", json!({"name": "review"})).await;
        assert!(status.contains(" 200 "), "{status} {created}");
        let arn = created["activityArn"].as_str().unwrap().to_string();
        let poll = tokio::spawn(async move { call(addr, "GetActivityTask", json!({"activityArn": arn, "workerName": "w"})).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!poll.is_finished(), "the poll did not wait");
        let asked = Instant::now();
        tokio::time::timeout(Duration::from_secs(10), srv.stop()).await.expect("the server stopped within 10 s");
        assert!(asked.elapsed() < Duration::from_secs(5), "stopping took {:?}", asked.elapsed());
        let (status, body) = poll.await.unwrap();
        assert!(status.contains(" 200 "), "{status} {body}");
        assert_eq!(body, json!({}), "no task: no taskToken");
    }
}
