//! The checkpointer thread: copies the WAL back into the database file off the writer's path.
//!
//! Left to itself SQLite checkpoints inside the commit that crosses `wal_autocheckpoint`, so
//! that commit (and every commit queued behind it) waits for the copy and its fsync. This thread
//! instead runs `PRAGMA wal_checkpoint(PASSIVE)` on its own connection shortly after the writer
//! has committed; PASSIVE never waits for, nor blocks, the writer or the readers. The writer
//! keeps a high `wal_autocheckpoint` as a fallback should this thread fall behind.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use crate::StoreError;

/// The handle to the checkpointer thread; dropping it stops the thread.
pub(crate) struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread; it checkpoints every `interval` if `commits` moved since the last time.
    pub(crate) fn start(
        conn: Connection,
        interval: Duration,
        commits: Arc<AtomicU64>,
    ) -> Result<Checkpointer, StoreError> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("store-checkpoint".into())
            .spawn(move || run(&conn, &stopped, interval, &commits))
            .map_err(|e| StoreError::Io { context: "starting the store checkpoint thread".into(), source: e.into() })?;
        Ok(Checkpointer { stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(conn: &Connection, stopped: &mpsc::Receiver<()>, interval: Duration, commits: &AtomicU64) {
    let mut seen = commits.load(Ordering::Relaxed);
    // The sender is never used: its drop (Disconnected) is the stop signal.
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
        let now = commits.load(Ordering::Relaxed);
        if now == seen {
            continue;
        }
        seen = now;
        // A failure (say, SQLITE_BUSY from another process's checkpoint) is retried at the
        // next tick, and the writer's fallback autocheckpoint bounds the WAL meanwhile.
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}
