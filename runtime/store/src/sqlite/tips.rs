//! What the writer remembers of each running execution between its commits: the row id and
//! the last event and journal numbers, so that a commit needs no lookup by ARN and no
//! `MAX(...)` query to check that it continues the stored history.
//!
//! The writer is the only connection that writes, so what it remembers stays true, provided a
//! change is believed only once it is in the database: changes made by a job are held until
//! its savepoint is released, then until the group transaction commits, and dropped when
//! either is rolled back. An execution that reaches a final status is forgotten (a redrive
//! looks it up again).

use std::collections::HashMap;

/// An execution's position in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tip {
    /// The `executions` row id.
    pub(crate) id: i64,
    /// The highest stored event id (0: none).
    pub(crate) last_event: u64,
    /// The highest stored journal sequence number (0: none).
    pub(crate) last_seq: u64,
}

/// Most executions remembered; past this the memory is cleared and lookups refill it.
const MAX_REMEMBERED: usize = 200_000;

#[derive(Default)]
pub(crate) struct Tips {
    /// As of the last committed transaction.
    durable: HashMap<String, Tip>,
    /// Changes made by the jobs of the open transaction whose savepoints were released
    /// (`None`: forget the execution).
    transaction: HashMap<String, Option<Tip>>,
    /// Changes made by the job being applied.
    job: Vec<(String, Option<Tip>)>,
}

impl Tips {
    /// What is known of `arn`, counting the open transaction's and job's changes.
    pub(crate) fn get(&self, arn: &str) -> Option<Tip> {
        if let Some((_, tip)) = self.job.iter().rev().find(|(a, _)| a == arn) {
            return *tip;
        }
        match self.transaction.get(arn) {
            Some(tip) => *tip,
            None => self.durable.get(arn).copied(),
        }
    }

    /// Records the job's change to `arn` (`None`: forget it).
    pub(crate) fn set(&mut self, arn: &str, tip: Option<Tip>) {
        self.job.push((arn.to_string(), tip));
    }

    /// The job's savepoint was released (`kept`) or rolled back.
    pub(crate) fn end_job(&mut self, kept: bool) {
        if kept {
            for (arn, tip) in self.job.drain(..) {
                self.transaction.insert(arn, tip);
            }
        } else {
            self.job.clear();
        }
    }

    /// The group transaction was committed or rolled back.
    pub(crate) fn end_transaction(&mut self, committed: bool) {
        self.job.clear();
        if !committed {
            self.transaction.clear();
            return;
        }
        if self.durable.len() + self.transaction.len() > MAX_REMEMBERED {
            self.durable.clear();
        }
        for (arn, tip) in self.transaction.drain() {
            match tip {
                Some(t) => self.durable.insert(arn, t),
                None => self.durable.remove(&arn),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Tip = Tip { id: 1, last_event: 3, last_seq: 2 };
    const B: Tip = Tip { id: 1, last_event: 5, last_seq: 3 };

    #[test]
    fn a_change_counts_at_once_for_its_transaction_and_lasts_only_if_committed() {
        let mut tips = Tips::default();
        tips.set("e", Some(A));
        assert_eq!(tips.get("e"), Some(A));
        tips.end_job(true);
        tips.end_transaction(true);
        assert_eq!(tips.get("e"), Some(A));

        tips.set("e", Some(B));
        tips.end_job(true);
        assert_eq!(tips.get("e"), Some(B), "a later job of the same transaction sees it");
        tips.end_transaction(false);
        assert_eq!(tips.get("e"), Some(A), "a rolled-back transaction changes nothing");
    }

    #[test]
    fn a_rolled_back_job_changes_nothing_and_a_final_status_forgets() {
        let mut tips = Tips::default();
        tips.set("e", Some(A));
        tips.end_job(true);
        tips.set("e", Some(B));
        tips.end_job(false);
        assert_eq!(tips.get("e"), Some(A));
        tips.set("e", None);
        tips.end_job(true);
        assert_eq!(tips.get("e"), None);
        tips.end_transaction(true);
        assert_eq!(tips.get("e"), None);
    }
}
