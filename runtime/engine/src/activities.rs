//! Activity task queues for GetActivityTask's long poll.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

/// One queue per activity ARN: tasks in the order they were scheduled.
#[derive(Default)]
pub(crate) struct Queues {
    queues: Mutex<HashMap<String, Arc<Queue>>>,
    /// Set by [`Queues::close`]: no poll waits or takes a task any more.
    closed: AtomicBool,
    /// Wakes every poll waiting when the queues close.
    closing: Notify,
}

#[derive(Default)]
struct Queue {
    tasks: Mutex<VecDeque<(String, String)>>,
    ready: Notify,
}

impl Queues {
    fn queue(&self, arn: &str) -> Arc<Queue> {
        let mut q = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        q.entry(arn.to_string()).or_default().clone()
    }

    /// Queues a task (its token and input text).
    pub(crate) fn push(&self, arn: &str, token: String, input: String) {
        let q = self.queue(arn);
        q.tasks.lock().unwrap_or_else(|e| e.into_inner()).push_back((token, input));
        q.ready.notify_one();
    }

    /// Ends every poll now with no task, and makes every later one answer at once with none
    /// (the server is shutting down: the tasks stay queued for the next start).
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.closing.notify_waiters();
    }

    /// Takes the oldest task for which `wanted(token)` holds (tasks whose execution moved on
    /// are dropped), waiting up to `wait` for one to arrive; `None` at once once the queues
    /// are closed.
    pub(crate) async fn take(&self, arn: &str, wait: Duration, wanted: impl Fn(&str) -> bool) -> Option<(String, String)> {
        let q = self.queue(arn);
        let deadline = tokio::time::Instant::now() + wait;
        // Registered before the flag is read, so a close in between still wakes this poll.
        let closing = self.closing.notified();
        tokio::pin!(closing);
        closing.as_mut().enable();
        loop {
            if self.closed.load(Ordering::Acquire) {
                return None;
            }
            let notified = q.ready.notified();
            {
                let mut tasks = q.tasks.lock().unwrap_or_else(|e| e.into_inner());
                while let Some((token, input)) = tasks.pop_front() {
                    if wanted(&token) {
                        if !tasks.is_empty() {
                            q.ready.notify_one();
                        }
                        return Some((token, input));
                    }
                }
            }
            tokio::select! {
                _ = notified => {}
                _ = closing.as_mut() => return None,
                _ = tokio::time::sleep_until(deadline) => return None,
            }
        }
    }
}
