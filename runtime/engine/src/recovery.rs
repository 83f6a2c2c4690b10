//! Resuming RUNNING executions when the engine opens.
//!
//! Each execution's journal is replayed through a fresh [`Execution`] (the stepper is
//! deterministic, so it reaches exactly the committed state; the regenerated events are
//! discarded). Then its outstanding work is issued again: tasks run again (at least once),
//! timers fire at their original time (at once when that time has passed), `.waitForTaskToken`
//! tokens are the same as before. An activity task no worker had taken is queued again with
//! the same token; one a worker had taken (its `TaskStarted` is in the journal) stays with that
//! worker: its token is live again, its timeout and heartbeat timers run from their original
//! times, and it is not offered to other pollers. Map and Parallel iterations that had
//! finished stay finished: their results are in the journal.

use std::sync::Arc;

use asl::exec::{Execution, Status};
use store::ExecutionRecord;

use crate::actor::{align_history, replay, Actor};
use crate::control::{first_role, info_of};
use crate::{start, EngineError, Inner};

/// Resumes every RUNNING execution in the store. An execution that cannot be resumed (its
/// journal does not replay) is left as it is and reported in the engine's warnings.
pub(crate) async fn resume_all(inner: &Arc<Inner>) -> Result<(), EngineError> {
    let store = inner.store.clone();
    let running = tokio::task::spawn_blocking(move || store.running_executions())
        .await
        .map_err(|e| EngineError::Unavailable(format!("the store call panicked: {e}")))??;
    for rec in running {
        if let Err(e) = resume(inner, &rec).await {
            inner.warn(format!("execution {} was not resumed: {e}", rec.arn));
        }
    }
    Ok(())
}

async fn resume(inner: &Arc<Inner>, rec: &ExecutionRecord) -> Result<(), EngineError> {
    let machine = inner.machine(&rec.definition, false)?;
    let journal = inner.store.journal(&rec.arn)?;
    let role_arn = first_role(&journal).map_err(EngineError::Unavailable)?;
    let mut exec = Execution::new(info_of(rec, role_arn.clone())?);
    let replayed = replay(&machine, &mut exec, &journal, inner.wait_time_scale).map_err(EngineError::Unavailable)?;
    align_history(&*inner.store, &rec.arn, &mut exec, |w| inner.warn(w))?;
    let mut actor = Actor::new(inner.clone(), machine, exec, role_arn, true);
    actor.mock = inner.resumed_test_case(rec, &journal, &replayed.scheduled);
    actor.next_seq = replayed.next_seq;
    actor.redrive_count = rec.redrive_count.max(replayed.redrives);
    actor.redrive_ms = rec.redrive_ms.or(replayed.last_redrive_ms);
    let mut batch = if *actor.exec.status() == Status::Running {
        actor.resume(replayed.tasks, replayed.timers, &replayed.started)
    } else {
        // The journal ends the execution but the status was not written with it: write it.
        let mut b = crate::actor::Batch::default();
        b.commit.status = Some(actor.final_status(crate::now_ms()));
        b
    };
    actor.persist(&mut batch).await?;
    start::launch(inner, actor, batch);
    Ok(())
}
