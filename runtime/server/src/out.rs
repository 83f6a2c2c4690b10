//! What the commands print on stdout. A reader that goes away (`stepwasm history ARN | head`)
//! closes the pipe: the next write fails with `BrokenPipe`, which ends the command quietly with
//! status 0, as ripgrep and other filters do, instead of a panic (Rust ignores SIGPIPE, so
//! `println!` would panic on it).

use std::fmt;
use std::io::Write;

/// The error that ends a command because nobody reads its stdout any more.
#[derive(Debug)]
pub struct StdoutClosed;

impl fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stdout was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Writes `text` to stdout as it is.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).map_err(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => anyhow::Error::new(StdoutClosed),
        _ => anyhow::Error::new(e).context("writing to stdout"),
    })
}

/// Writes `text` and a newline to stdout.
pub fn line(text: impl fmt::Display) -> anyhow::Result<()> {
    print(&format!("{text}\n"))
}

/// Whether `e` ended the command because stdout was closed.
pub fn is_closed(e: &anyhow::Error) -> bool {
    e.downcast_ref::<StdoutClosed>().is_some()
}
