//! Open-loop HTTP load: requests are sent at a fixed rate, whatever the server does, over a
//! fixed number of keep-alive connections, and each one's latency is measured — so a latency
//! percentile belongs to a throughput, which a closed loop (wrk: each connection sends its next
//! request when the last one is answered) cannot give: there, latency is connections /
//! throughput by Little's law.
//!
//!     cargo run --release -p server --example open_loop -- URL --rate 5000 --connections 32 \
//!         --duration 30 --body FILE [--header 'Content-Type: application/json']
//!
//! Request `n` is due at `n / rate` seconds, on connection `n mod connections`. A connection
//! sends a request when it is due, or as soon as the previous answer on that connection
//! arrives if that is later. Its latency counts from when it was due if the connection was
//! still waiting for the server then (the server's backlog is the server's), and from when it
//! was sent otherwise (so the client's timer, which wakes up to a millisecond late, is not
//! charged to the server). The client runs on one thread.
//!
//! Prints one line: `RESULT requests=N duration_s=D rps=R p50_ms=… p90_ms=… p99_ms=… max_ms=…
//! non2xx=N late_ms=…` (`late_ms`: the most the client's own timer sent a request after it was
//! due; a large value means the client, not the server, limited the rate). A connection that
//! fails (refused, reset, a malformed answer) ends the run with an error.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use tokio::net::TcpStream;
use tokio::time::Instant;

#[derive(Parser)]
struct Args {
    /// http://HOST:PORT/PATH
    url: String,
    /// Requests per second, over all connections.
    #[arg(long, default_value_t = 5000.0)]
    rate: f64,
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Seconds to send for.
    #[arg(long, default_value_t = 30.0)]
    duration: f64,
    /// A file whose contents are every request's body (the request is a POST when given).
    #[arg(long)]
    body: Option<std::path::PathBuf>,
    /// `Name: value`, repeatable.
    #[arg(long)]
    header: Vec<String>,
    /// Seconds of load before the measured part (not counted).
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
}

struct Sample {
    latency: Duration,
    ok: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if !(args.rate > 0.0) || args.connections == 0 || !(args.duration > 0.0) {
        bail!("--rate, --connections and --duration must be positive");
    }
    let rest = args.url.strip_prefix("http://").context("the URL must start with http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let body = match &args.body {
        Some(p) => Bytes::from(std::fs::read(p).with_context(|| format!("reading {}", p.display()))?),
        None => Bytes::new(),
    };
    let mut headers = Vec::new();
    for h in &args.header {
        let (k, v) = h.split_once(':').with_context(|| format!("--header {h:?} is not 'Name: value'"))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let method = if args.body.is_some() { "POST" } else { "GET" };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let plan = Plan {
            authority: authority.to_string(),
            path: path.to_string(),
            method,
            headers,
            body,
            rate: args.rate,
            connections: args.connections,
        };
        // Warm up, then measure from a fresh schedule.
        if args.warmup > 0.0 {
            plan.run(Duration::from_secs_f64(args.warmup)).await?;
        }
        let started = std::time::Instant::now();
        let (mut samples, late) = plan.run(Duration::from_secs_f64(args.duration)).await?;
        let elapsed = started.elapsed().as_secs_f64();
        samples.sort_by_key(|s| s.latency);
        let pick = |q: f64| samples.get(((samples.len().max(1) - 1) as f64 * q).round() as usize).map_or(0.0, |s| s.latency.as_secs_f64() * 1e3);
        let non2xx = samples.iter().filter(|s| !s.ok).count();
        println!(
            "RESULT requests={} duration_s={elapsed:.2} rps={:.0} p50_ms={:.3} p90_ms={:.3} p99_ms={:.3} max_ms={:.3} non2xx={non2xx} late_ms={:.1}",
            samples.len(),
            samples.len() as f64 / elapsed,
            pick(0.5),
            pick(0.9),
            pick(0.99),
            samples.last().map_or(0.0, |s| s.latency.as_secs_f64() * 1e3),
            late.as_secs_f64() * 1e3,
        );
        Ok(())
    })
}

struct Plan {
    authority: String,
    path: String,
    method: &'static str,
    headers: Vec<(String, String)>,
    body: Bytes,
    rate: f64,
    connections: usize,
}

impl Plan {
    /// Sends for `duration` at the planned rate; every answer's latency, and how far behind
    /// its schedule the client fell at most. A failed connection is an error.
    async fn run(&self, duration: Duration) -> Result<(Vec<Sample>, Duration)> {
        let start = Instant::now() + Duration::from_millis(5);
        let total = (self.rate * duration.as_secs_f64()).round() as u64;
        let mut tasks = tokio::task::JoinSet::new();
        for k in 0..self.connections as u64 {
            let stream = TcpStream::connect(&self.authority).await.with_context(|| format!("connecting to {}", self.authority))?;
            stream.set_nodelay(true)?;
            let (mut send, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
            tokio::spawn(conn);
            let request = self.request()?;
            let (rate, connections) = (self.rate, self.connections as u64);
            tasks.spawn(async move {
                let mut samples = Vec::new();
                let mut late = Duration::ZERO;
                let mut previous_done = start;
                let mut n = k;
                while n < total {
                    let due = start + Duration::from_secs_f64(n as f64 / rate);
                    // Behind: the previous answer came after this request was due.
                    let backlogged = previous_done > due;
                    if !backlogged {
                        tokio::time::sleep_until(due).await;
                    }
                    let sent = Instant::now();
                    if !backlogged {
                        late = late.max(sent.saturating_duration_since(due));
                    }
                    send.ready().await?;
                    let response = send.send_request(request.clone()).await?;
                    let ok = response.status().is_success();
                    response.into_body().collect().await?;
                    let done = Instant::now();
                    let from = if backlogged { due } else { sent };
                    samples.push(Sample { latency: done - from, ok });
                    previous_done = done;
                    n += connections;
                }
                Ok::<_, anyhow::Error>((samples, late))
            });
        }
        let mut all = Vec::with_capacity(total as usize);
        let mut late = Duration::ZERO;
        while let Some(joined) = tasks.join_next().await {
            let (samples, l) = joined.context("a connection's task failed")??;
            all.extend(samples);
            late = late.max(l);
        }
        Ok((all, late))
    }

    fn request(&self) -> Result<hyper::Request<Full<Bytes>>> {
        let mut b = hyper::Request::builder().method(self.method).uri(&self.path).header("host", &self.authority);
        for (k, v) in &self.headers {
            b = b.header(k, v);
        }
        Ok(b.body(Full::new(self.body.clone()))?)
    }
}
