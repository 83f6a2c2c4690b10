//! Activity task queues for GetActivityTask's long poll.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

/// One queue per activity ARN: tasks in the order they were scheduled.
#[derive(Default)]
pub(crate) struct Queues {
    queues: Mutex<HashMap<String, Arc<Queue>>>,
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

    /// Takes the oldest task for which `wanted(token)` holds (tasks whose execution moved on
    /// are dropped), waiting up to `wait` for one to arrive.
    pub(crate) async fn take(&self, arn: &str, wait: Duration, wanted: impl Fn(&str) -> bool) -> Option<(String, String)> {
        let q = self.queue(arn);
        let deadline = tokio::time::Instant::now() + wait;
        loop {
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
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }
}
