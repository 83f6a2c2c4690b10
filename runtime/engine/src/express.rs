//! The bounded record of finished Express executions, with their history, for listing and
//! describing. Express executions write nothing to the store; the oldest record is dropped
//! when the ring is full.

use std::collections::VecDeque;
use std::sync::Mutex;

use asl::events::HistoryEvent;
use store::ExecutionRecord;

/// A finished Express execution.
pub(crate) struct Finished {
    pub(crate) record: ExecutionRecord,
    pub(crate) events: Vec<HistoryEvent>,
}

/// The ring.
pub(crate) struct Ring {
    capacity: usize,
    runs: Mutex<VecDeque<Finished>>,
}

impl Ring {
    pub(crate) fn new(capacity: usize) -> Ring {
        Ring { capacity, runs: Mutex::new(VecDeque::with_capacity(capacity.min(4096))) }
    }

    pub(crate) fn wants(&self) -> bool {
        self.capacity > 0
    }

    pub(crate) fn push(&self, run: Finished) {
        if self.capacity == 0 {
            return;
        }
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        if runs.len() == self.capacity {
            runs.pop_front();
        }
        runs.push_back(run);
    }

    /// The record of `arn`, if it is still in the ring.
    pub(crate) fn record(&self, arn: &str) -> Option<ExecutionRecord> {
        let runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        runs.iter().rev().find(|r| r.record.arn == arn).map(|r| r.record.clone())
    }

    /// The history of `arn`, if it is still in the ring.
    pub(crate) fn events(&self, arn: &str) -> Option<Vec<HistoryEvent>> {
        let runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        runs.iter().rev().find(|r| r.record.arn == arn).map(|r| r.events.clone())
    }

    /// Records of one state machine (all when `None`), newest first.
    pub(crate) fn list(&self, state_machine_arn: Option<&str>) -> Vec<ExecutionRecord> {
        let runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        runs.iter()
            .rev()
            .filter(|r| state_machine_arn.is_none_or(|a| r.record.state_machine_arn == a))
            .map(|r| r.record.clone())
            .collect()
    }
}
