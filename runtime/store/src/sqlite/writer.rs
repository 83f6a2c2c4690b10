//! The writer thread: the only connection that writes, with group commit.
//!
//! Callers queue jobs on a channel. The thread blocks for the first job, then drains every job
//! already queued (up to `max_batch`) into ONE transaction, each job in its own savepoint so a
//! failing job is rolled back alone (a lone job needs none: its transaction is rolled back),
//! commits once, and only then reports to every job. A lone job is therefore written at once;
//! under load, the jobs that queue while a transaction is being committed share the next one.
//! Jobs are applied in the order they were queued, so the commits of one execution keep their
//! order.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

use rusqlite::{Connection, TransactionBehavior};

use super::tips::Tips;
use crate::StoreError;

/// A unit of work for the writer.
pub(crate) trait Job: Send {
    /// Runs inside the group transaction; returns whether it succeeded (a failure rolls back
    /// this job's savepoint only). `tips` is what the writer remembers of running executions.
    fn apply(&mut self, conn: &Connection, tips: &mut Tips) -> bool;
    /// Reports the job's outcome once the group transaction is committed (`Ok`) or failed.
    fn finish(self: Box<Self>, committed: Result<(), StoreError>);
}

/// A closure job whose result goes to `reply`, exactly once: a job dropped without being
/// finished (the writer thread died) replies `StoreError::Closed`, so no caller waits forever.
pub(crate) struct Call<F, R> {
    work: Option<F>,
    outcome: Option<Result<R, StoreError>>,
    reply: Option<Reply<R>>,
}

type Reply<R> = Box<dyn FnOnce(Result<R, StoreError>) + Send>;

impl<F, R> Drop for Call<F, R> {
    fn drop(&mut self) {
        if let Some(reply) = self.reply.take() {
            reply(Err(StoreError::Closed));
        }
    }
}

impl<F, R> Call<F, R>
where
    F: FnOnce(&Connection, &mut Tips) -> Result<R, StoreError> + Send,
    R: Send,
{
    pub(crate) fn new(work: F, reply: Reply<R>) -> Self {
        Call { work: Some(work), outcome: None, reply: Some(reply) }
    }
}

impl<F, R> Job for Call<F, R>
where
    F: FnOnce(&Connection, &mut Tips) -> Result<R, StoreError> + Send,
    R: Send,
{
    fn apply(&mut self, conn: &Connection, tips: &mut Tips) -> bool {
        let Some(work) = self.work.take() else { return false };
        let outcome = work(conn, tips);
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn finish(mut self: Box<Self>, committed: Result<(), StoreError>) {
        let Some(reply) = self.reply.take() else { return };
        let result = match (self.outcome.take(), committed) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (_, Err(e)) => Err(e),
            // Never applied although the transaction committed: cannot happen, report it as closed.
            (None, Ok(())) => Err(StoreError::Closed),
        };
        reply(result);
    }
}

/// The handle to the writer thread; dropping it lets the thread finish the queue and stop.
pub(crate) struct Writer {
    sender: Option<mpsc::Sender<Box<dyn Job>>>,
    thread: Option<JoinHandle<()>>,
    stats: Arc<Counters>,
}

/// What the writer has done so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriterStats {
    /// Transactions committed (or attempted).
    pub transactions: u64,
    /// Jobs (commits and control-plane writes) applied in them.
    pub jobs: u64,
}

#[derive(Default)]
struct Counters {
    transactions: Arc<AtomicU64>,
    jobs: AtomicU64,
}

impl Writer {
    /// Starts the thread, which owns `conn` from now on.
    pub(crate) fn start(conn: Connection, max_batch: usize) -> Result<Writer, StoreError> {
        let (sender, receiver) = mpsc::channel::<Box<dyn Job>>();
        let stats = Arc::new(Counters::default());
        let counters = stats.clone();
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, receiver, max_batch.max(1), &counters))
            .map_err(|e| StoreError::Io { context: "starting the store writer thread".into(), source: e.into() })?;
        Ok(Writer { sender: Some(sender), thread: Some(thread), stats })
    }

    /// The number of transactions committed so far, shared (the checkpointer watches it).
    pub(crate) fn transactions(&self) -> Arc<AtomicU64> {
        self.stats.transactions.clone()
    }

    /// Counters since the store was opened.
    pub(crate) fn stats(&self) -> WriterStats {
        WriterStats {
            transactions: self.stats.transactions.load(Ordering::Relaxed),
            jobs: self.stats.jobs.load(Ordering::Relaxed),
        }
    }

    /// Queues a job; if the thread has stopped, the job is finished with `StoreError::Closed`.
    pub(crate) fn submit(&self, job: Box<dyn Job>) {
        let Some(sender) = &self.sender else { return job.finish(Err(StoreError::Closed)) };
        if let Err(mpsc::SendError(job)) = sender.send(job) {
            job.finish(Err(StoreError::Closed));
        }
    }

    /// Runs `work` on the writer in the next group transaction and waits for the commit.
    pub(crate) fn call<R, F>(&self, work: F) -> Result<R, StoreError>
    where
        F: FnOnce(&Connection, &mut Tips) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        self.submit(Box::new(Call::new(work, Box::new(move |r| drop(tx.send(r))))));
        rx.recv().unwrap_or(Err(StoreError::Closed))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take() {
            // A job's callback runs on the writer thread, and may hold the last reference to
            // the store: the thread cannot wait for itself. With the sender gone it ends once
            // it has finished the jobs in hand.
            if thread.thread().id() == std::thread::current().id() {
                return;
            }
            // A panic on the writer thread has already failed its jobs; nothing more to report.
            let _ = thread.join();
        }
    }
}

fn run(mut conn: Connection, receiver: mpsc::Receiver<Box<dyn Job>>, max_batch: usize, counters: &Counters) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(max_batch);
    let mut tips = Tips::default();
    while let Ok(first) = receiver.recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let committed = apply_batch(&mut conn, &mut batch, &mut tips);
        tips.end_transaction(committed.is_ok());
        counters.transactions.fetch_add(1, Ordering::Relaxed);
        counters.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
        for job in batch.drain(..) {
            // A panicking callback is the caller's bug; it must not stop the writer for everyone.
            let committed = committed.clone();
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || job.finish(committed)));
        }
    }
}

/// Applies every job in one transaction, each in a savepoint (but a lone job), and commits.
fn apply_batch(conn: &mut Connection, batch: &mut [Box<dyn Job>], tips: &mut Tips) -> Result<(), StoreError> {
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let [job] = batch {
        // A lone job needs no savepoint (two more statements, and a copy of every page it
        // changes): the transaction is rolled back instead. Its failure is its own outcome,
        // which it reports; the transaction did not fail.
        let kept = job.apply(&tx, tips);
        tips.end_job(kept);
        if kept {
            tx.commit()?;
        }
        return Ok(());
    }
    for job in batch.iter_mut() {
        let savepoint = tx.savepoint()?;
        let kept = job.apply(&savepoint, tips);
        if kept {
            if let Err(e) = savepoint.commit() {
                tips.end_job(false);
                return Err(e.into());
            }
        }
        // else: dropping the savepoint rolls this job back and leaves the others.
        tips.end_job(kept);
    }
    tx.commit()?;
    Ok(())
}
