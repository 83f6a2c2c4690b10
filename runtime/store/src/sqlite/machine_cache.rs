//! State machine records remembered by ARN: starting an execution reads its machine, and an
//! HTTP route starts thousands a second. The store is the only writer of its database, so it
//! knows every change: each write to a machine forgets all remembered records.
//!
//! A read that raced a write must not put the old record back: a record is remembered only if
//! no write happened since its read began (the generation did not move).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::StateMachineRecord;

/// Most records remembered; past it the cache starts over.
const MAX_RECORDS: usize = 1024;

#[derive(Default)]
pub(super) struct MachineCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    records: HashMap<String, StateMachineRecord>,
}

impl MachineCache {
    pub(super) fn get(&self, arn: &str) -> Option<StateMachineRecord> {
        self.lock().records.get(arn).cloned()
    }

    /// Take before reading from the database; hand to [`MachineCache::remember`].
    pub(super) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Remembers `record`, read after [`MachineCache::generation`] gave `generation`, unless
    /// a write came in between.
    pub(super) fn remember(&self, generation: u64, record: &StateMachineRecord) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.records.len() >= MAX_RECORDS {
            inner.records.clear();
        }
        inner.records.insert(record.arn.clone(), record.clone());
    }

    /// Call after every write that may change a machine record (it may have failed).
    pub(super) fn forget(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.records.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::machine;

    #[test]
    fn a_read_that_raced_a_write_is_not_remembered() {
        let cache = MachineCache::default();
        let m = machine("m", "def1");
        let before = cache.generation();
        cache.forget();
        cache.remember(before, &m);
        assert_eq!(cache.get(&m.arn), None);
        cache.remember(cache.generation(), &m);
        assert_eq!(cache.get(&m.arn), Some(m));
    }
}
