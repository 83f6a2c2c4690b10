//! The epoch ticker: a thread that advances the engine's epoch at a fixed interval, so that
//! epoch deadlines (timeouts) fire. It stops when dropped.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;
use wasmtime::Engine;

pub(crate) struct EpochTicker {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    pub(crate) fn start(engine: Engine, interval: Duration) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("stepwasm-epoch".to_string())
            .spawn(move || {
                // Ticks until told to stop (or until the ticker is dropped).
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    engine.increment_epoch();
                }
            })?;
        Ok(EpochTicker {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            // The thread only loops on `recv_timeout`; it ends within one interval.
            let _ = thread.join();
        }
    }
}
