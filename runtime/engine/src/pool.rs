//! The threads Wasm calls run on: long-lived threads that wait for calls, started as the load
//! needs them, and tokio's blocking pool past their cap.
//!
//! A call is a blocking function (from microseconds to the task's timeout). Handing each call to
//! `spawn_blocking` costs more than a short call itself (measured: ~33% fewer HTTP-triggered runs
//! of the order example per second). Here a call goes to an idle resident thread, reserved before
//! the call is sent so a call never queues behind a long one; when none is idle a new resident
//! thread is started with the call (up to `max` threads, which then stay), and past `max` the
//! call goes to the blocking pool, so a slow task never delays the others.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// The resident call threads.
pub(crate) struct CallPool {
    sender: mpsc::Sender<Job>,
    receiver: Arc<Mutex<mpsc::Receiver<Job>>>,
    /// Threads waiting for a job and not yet reserved by a caller.
    idle: Arc<AtomicUsize>,
    /// Threads started so far.
    threads: AtomicUsize,
    max: usize,
    runtime: tokio::runtime::Handle,
}

impl CallPool {
    /// A pool of at most `max` resident threads (0: every call goes to the blocking pool).
    pub(crate) fn new(max: usize, runtime: tokio::runtime::Handle) -> CallPool {
        let (sender, receiver) = mpsc::channel::<Job>();
        CallPool {
            sender,
            receiver: Arc::new(Mutex::new(receiver)),
            idle: Arc::new(AtomicUsize::new(0)),
            threads: AtomicUsize::new(0),
            max,
            runtime,
        }
    }

    /// Runs `job` on an idle resident thread, on a new one, or on the blocking pool.
    pub(crate) fn run(&self, job: impl FnOnce() + Send + 'static) {
        let job: Job = Box::new(job);
        if self.idle.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1)).is_ok() {
            // Only fails once the threads are gone; the blocking pool takes the job then.
            if let Err(mpsc::SendError(job)) = self.sender.send(job) {
                drop(self.runtime.spawn_blocking(job));
            }
            return;
        }
        let job = match self.threads.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < self.max).then_some(n + 1)) {
            Ok(n) => match self.start(n, job) {
                Ok(()) => return,
                Err(job) => job,
            },
            Err(_) => job,
        };
        drop(self.runtime.spawn_blocking(job));
    }

    /// Starts resident thread `n` with `first` as its first job; gives the job back if the
    /// thread cannot be started.
    fn start(&self, n: usize, first: Job) -> Result<(), Job> {
        let (receiver, idle) = (self.receiver.clone(), self.idle.clone());
        let slot = Arc::new(Mutex::new(Some(first)));
        let mine = slot.clone();
        let started = std::thread::Builder::new().name(format!("stepwasm-call-{n}")).spawn(move || {
            let mut next = mine.lock().ok().and_then(|mut j| j.take());
            loop {
                if let Some(job) = next.take() {
                    // A panicking job must not take the thread away.
                    drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)));
                }
                idle.fetch_add(1, Ordering::AcqRel);
                // The lock is held only while waiting; the job runs without it.
                let received = match receiver.lock() {
                    Ok(r) => r.recv(),
                    Err(_) => return,
                };
                match received {
                    Ok(job) => next = Some(job),
                    Err(_) => return,
                }
            }
        });
        match started {
            Ok(_) => Ok(()),
            Err(_) => {
                self.threads.fetch_sub(1, Ordering::AcqRel);
                // The thread never ran, so the job is still in its slot.
                match slot.lock().ok().and_then(|mut j| j.take()) {
                    Some(job) => Err(job),
                    None => Ok(()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_long_call_never_holds_up_the_next_one() {
        let pool = CallPool::new(1, tokio::runtime::Handle::current());
        let (release, blocked) = mpsc::channel::<()>();
        let (tx, rx) = mpsc::channel::<String>();
        let t1 = tx.clone();
        pool.run(move || {
            t1.send(std::thread::current().name().unwrap_or("").to_string()).unwrap();
            blocked.recv().unwrap();
        });
        let first = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(first, "stepwasm-call-0");
        // The resident thread is busy: this call must run elsewhere, now.
        pool.run(move || tx.send(std::thread::current().name().unwrap_or("").to_string()).unwrap());
        let second = rx.recv_timeout(Duration::from_secs(5)).expect("the second call ran while the first was blocked");
        assert_ne!(second, "stepwasm-call-0");
        release.send(()).unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_call_leaves_the_thread_in_service() {
        let pool = CallPool::new(1, tokio::runtime::Handle::current());
        let (tx, rx) = mpsc::channel::<String>();
        pool.run(|| panic!("a call panicked"));
        for _ in 0..400 {
            if pool.idle.load(Ordering::Acquire) == 1 {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        pool.run(move || tx.send(std::thread::current().name().unwrap_or("").to_string()).unwrap());
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), "stepwasm-call-0");
        assert_eq!(pool.threads.load(Ordering::Acquire), 1, "the panic did not cost the thread");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn threads_start_as_calls_overlap_and_stay() {
        let pool = CallPool::new(8, tokio::runtime::Handle::current());
        let (release, blocked) = mpsc::channel::<()>();
        let blocked = Arc::new(Mutex::new(blocked));
        let (tx, rx) = mpsc::channel::<()>();
        for _ in 0..3 {
            let (blocked, tx) = (blocked.clone(), tx.clone());
            pool.run(move || {
                tx.send(()).unwrap();
                let _ = blocked.lock().unwrap().recv();
            });
        }
        for _ in 0..3 {
            rx.recv_timeout(Duration::from_secs(5)).expect("three overlapping calls run at once");
        }
        assert_eq!(pool.threads.load(Ordering::Acquire), 3);
        for _ in 0..3 {
            release.send(()).unwrap();
        }
        for _ in 0..200 {
            if pool.idle.load(Ordering::Acquire) == 3 {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // Sequential calls now reuse the three threads.
        for _ in 0..10 {
            let tx = tx.clone();
            pool.run(move || tx.send(()).unwrap());
            rx.recv_timeout(Duration::from_secs(5)).unwrap();
        }
        assert_eq!(pool.threads.load(Ordering::Acquire), 3);
    }
}
