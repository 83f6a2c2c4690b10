//! Bounded capture of what a guest writes: stdout/stderr streams and `log()` lines.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Converts captured bytes to text, replacing invalid UTF-8.
pub(crate) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The largest write accepted at once (what `check-write` reports).
const WRITE_BUDGET: usize = 64 * 1024;

/// A stream that keeps only the last `cap` bytes written to it and never refuses a write.
#[derive(Clone)]
pub(crate) struct TailBuffer {
    inner: Arc<Mutex<Tail>>,
}

struct Tail {
    cap: usize,
    buf: Vec<u8>,
    total: u64,
}

impl TailBuffer {
    pub(crate) fn new(cap: usize) -> Self {
        TailBuffer {
            inner: Arc::new(Mutex::new(Tail {
                cap,
                buf: Vec::new(),
                total: 0,
            })),
        }
    }

    fn push(&self, bytes: &[u8]) {
        let mut tail = lock(&self.inner);
        tail.total = tail.total.saturating_add(bytes.len() as u64);
        let cap = tail.cap;
        if bytes.len() >= cap {
            tail.buf.clear();
            tail.buf
                .extend_from_slice(bytes.get(bytes.len() - cap..).unwrap_or_default());
            return;
        }
        tail.buf.extend_from_slice(bytes);
        // Trim lazily so that many small writes do not each shift the buffer.
        if tail.buf.len() > cap.saturating_mul(2).max(4096) {
            let excess = tail.buf.len() - cap;
            tail.buf.drain(..excess);
        }
    }

    /// The last `cap` bytes written, as text.
    pub(crate) fn tail(&self) -> String {
        let tail = lock(&self.inner);
        let start = tail.buf.len().saturating_sub(tail.cap);
        lossy(tail.buf.get(start..).unwrap_or_default())
    }

    /// How many bytes were written in all.
    #[cfg(test)]
    pub(crate) fn total(&self) -> u64 {
        lock(&self.inner).total
    }
}

/// A stream that keeps everything up to `cap` bytes and refuses (trapping the guest) past it.
#[derive(Clone)]
pub(crate) struct CappedBuffer {
    inner: Arc<Mutex<Capped>>,
}

struct Capped {
    cap: usize,
    buf: Vec<u8>,
    exceeded: bool,
}

/// The error a guest is trapped with when it writes more than its output limit.
#[derive(Debug, thiserror::Error)]
#[error("output exceeded limit of {limit} bytes")]
pub(crate) struct OutputLimitExceeded {
    pub(crate) limit: u64,
}

impl CappedBuffer {
    pub(crate) fn new(cap: usize) -> Self {
        CappedBuffer {
            inner: Arc::new(Mutex::new(Capped {
                cap,
                buf: Vec::new(),
                exceeded: false,
            })),
        }
    }

    /// Appends `bytes`; `false` (and nothing appended) when that would pass the cap.
    fn push(&self, bytes: &[u8]) -> bool {
        let mut capped = lock(&self.inner);
        if capped.exceeded || capped.buf.len().saturating_add(bytes.len()) > capped.cap {
            capped.exceeded = true;
            return false;
        }
        capped.buf.extend_from_slice(bytes);
        true
    }

    fn limit_error(&self) -> StreamError {
        let limit = lock(&self.inner).cap as u64;
        StreamError::Trap(wasmtime::Error::new(OutputLimitExceeded { limit }))
    }

    /// Whether the guest tried to write past the cap.
    pub(crate) fn exceeded(&self) -> bool {
        lock(&self.inner).exceeded
    }

    /// Everything written (at most `cap` bytes).
    pub(crate) fn take(&self) -> Vec<u8> {
        std::mem::take(&mut lock(&self.inner).buf)
    }
}

macro_rules! impl_stdout_stream {
    ($ty:ty, |$this:ident, $bytes:ident| $write:expr) => {
        impl IsTerminal for $ty {
            fn is_terminal(&self) -> bool {
                false
            }
        }

        impl StdoutStream for $ty {
            fn p2_stream(&self) -> Box<dyn OutputStream> {
                Box::new(self.clone())
            }
            fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
                Box::new(self.clone())
            }
        }

        #[wasmtime_wasi::async_trait]
        impl Pollable for $ty {
            async fn ready(&mut self) {}
        }

        impl OutputStream for $ty {
            fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
                let $this = &*self;
                let $bytes: &[u8] = &bytes;
                $write
            }
            fn flush(&mut self) -> StreamResult<()> {
                Ok(())
            }
            fn check_write(&mut self) -> StreamResult<usize> {
                Ok(WRITE_BUDGET)
            }
        }

        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                _cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                let $this = &*self;
                let $bytes: &[u8] = buf;
                Poll::Ready(match $write {
                    Ok(()) => Ok(buf.len()),
                    Err(e) => Err(io::Error::other(e.to_string())),
                })
            }
            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
            fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
        }
    };
}

impl_stdout_stream!(TailBuffer, |this, bytes| {
    this.push(bytes);
    Ok::<(), StreamError>(())
});

impl_stdout_stream!(CappedBuffer, |this, bytes| {
    if this.push(bytes) {
        Ok(())
    } else {
        Err(this.limit_error())
    }
});

/// Severity of a captured log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Finest detail.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something unexpected but handled.
    Warn,
    /// A failure.
    Error,
}

impl LogLevel {
    /// The level's name as it is serialized (`"info"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

/// One line the guest passed to the host's `log` function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// Severity.
    pub level: LogLevel,
    /// The text, truncated to the function's log limit.
    pub message: String,
}

/// The bounded tail of `log()` lines of one call.
pub(crate) struct LogBuffer {
    cap: usize,
    bytes: usize,
    lines: VecDeque<LogLine>,
    dropped: u64,
}

impl LogBuffer {
    pub(crate) fn new(cap: usize) -> Self {
        LogBuffer {
            cap,
            bytes: 0,
            lines: VecDeque::new(),
            dropped: 0,
        }
    }

    pub(crate) fn push(&mut self, level: LogLevel, mut message: String) {
        if message.len() > self.cap {
            let mut end = self.cap;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
        }
        while self.bytes + message.len() > self.cap {
            match self.lines.pop_front() {
                Some(old) => {
                    self.bytes -= old.message.len();
                    self.dropped += 1;
                }
                None => break,
            }
        }
        self.bytes += message.len();
        self.lines.push_back(LogLine { level, message });
    }

    /// The kept lines, oldest first, and how many older lines were dropped.
    pub(crate) fn finish(self) -> (Vec<LogLine>, u64) {
        (self.lines.into(), self.dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_buffer_keeps_the_last_bytes() {
        let t = TailBuffer::new(8);
        for chunk in ["hello ", "wonderful ", "world"] {
            t.push(chunk.as_bytes());
        }
        assert_eq!(t.tail(), "ul world");
        assert_eq!(t.total(), 21);
        t.push(&[b'z'; 20]);
        assert_eq!(t.tail(), "zzzzzzzz");
        for _ in 0..10_000 {
            t.push(b"ab");
        }
        assert_eq!(t.tail(), "abababab");
    }

    #[test]
    fn capped_buffer_refuses_past_the_cap() {
        let c = CappedBuffer::new(10);
        assert!(c.push(b"12345"));
        assert!(c.push(b"67890"));
        assert!(!c.exceeded());
        assert!(!c.push(b"x"));
        assert!(c.exceeded());
        assert!(!c.push(b""));
        assert_eq!(c.take(), b"1234567890");
    }

    #[test]
    fn log_buffer_drops_oldest_lines_and_truncates_long_ones() {
        let mut logs = LogBuffer::new(10);
        logs.push(LogLevel::Info, "aaaa".to_string());
        logs.push(LogLevel::Info, "bbbb".to_string());
        logs.push(LogLevel::Warn, "cccc".to_string());
        logs.push(LogLevel::Error, "é".repeat(8));
        let (lines, dropped) = logs.finish();
        assert_eq!(dropped, 3);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].message, "ééééé");
        assert_eq!(lines[0].level, LogLevel::Error);
    }
}
