//! SQL for Distributed Map runs: starting and changing them inside their execution's commit,
//! and DescribeMapRun's and ListMapRuns' reads.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::executions::{require_execution, to_i64};
use crate::page::{self, paginate};
use crate::{
    ExecutionStatus, ListQuery, MapRunChange, MapRunCounts, MapRunRecord, MapRunStatus, MapRunView, Page, StoreError,
};

/// The run's execution is named by its ARN.
const MAP_RUN_COLUMNS: &str = "m.id, m.arn, (SELECT e.arn FROM executions e WHERE e.id = m.execution_id), m.status, \
     m.start_ms, m.stop_ms, m.max_concurrency, m.tolerated_failure_percentage, m.tolerated_failure_count, \
     m.item_count, m.execution_count, m.error, m.cause";

/// A run's children grouped by status: how many, and how many items they process. One probe
/// of the partial index `executions_by_map_run`.
pub(crate) const CHILD_COUNTS: &str =
    "SELECT status, COUNT(*), COALESCE(SUM(map_items), 0) FROM executions WHERE map_run_id = ?1 GROUP BY status";

fn map_run_row(row: &Row<'_>) -> rusqlite::Result<(i64, MapRunRecord)> {
    let status: String = row.get(3)?;
    let status = MapRunStatus::parse(&status).map_err(|e| corrupt(3, e))?;
    let count = |i: usize| row.get::<_, i64>(i).map(|n| n as u64);
    Ok((
        row.get(0)?,
        MapRunRecord {
            arn: row.get(1)?,
            execution_arn: row.get(2)?,
            status,
            start_ms: row.get(4)?,
            stop_ms: row.get(5)?,
            max_concurrency: count(6)?,
            tolerated_failure_percentage: row.get(7)?,
            tolerated_failure_count: count(8)?,
            item_count: count(9)?,
            execution_count: count(10)?,
            error: row.get(11)?,
            cause: row.get(12)?,
        },
    ))
}

fn corrupt(i: usize, e: StoreError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
}

/// AWS allows 0 to 100; NaN would reach SQLite as NULL.
fn percentage(p: f64) -> Result<f64, StoreError> {
    if (0.0..=100.0).contains(&p) {
        Ok(p)
    } else {
        Err(StoreError::Invalid(format!("tolerated failure percentage {p} is not between 0 and 100")))
    }
}

/// The top-level execution above execution `id`: itself, or the execution whose journal
/// replays it (a child of a map run, the child of a map run of a child, ...).
pub(crate) fn top_of(conn: &Connection, mut id: i64) -> Result<i64, StoreError> {
    let mut up = conn.prepare_cached(
        "SELECT m.execution_id FROM executions e JOIN map_runs m ON m.id = e.map_run_id WHERE e.id = ?1",
    )?;
    // Each step goes to an older row, so this ends; the bound only guards a corrupt database.
    for _ in 0..64 {
        match up.query_row([id], |row| row.get::<_, i64>(0)).optional()? {
            Some(parent) => id = parent,
            None => return Ok(id),
        }
    }
    Err(StoreError::Invalid(format!("execution row {id} is nested in map runs more than 64 deep")))
}

/// The row id of execution `arn`, which must be execution `execution_id` or run under it (a
/// Distributed Map in a child execution starts a run of that child, written in the commit of
/// the execution whose journal replays both).
fn owner_under(conn: &Connection, arn: &str, execution_id: i64, execution_arn: &str) -> Result<i64, StoreError> {
    if arn == execution_arn {
        return Ok(execution_id);
    }
    let owner = super::executions::require_execution(conn, arn)?;
    if top_of(conn, owner)? == execution_id {
        Ok(owner)
    } else {
        Err(StoreError::Invalid(format!("{arn} is neither {execution_arn} nor one of its child executions")))
    }
}

/// Whether the execution that started `run` is stored (or is execution `execution_arn`): a
/// run of a child started in the same commit waits until the child's row is in.
pub(crate) fn owner_stored(conn: &Connection, run: &MapRunRecord, execution_arn: &str) -> Result<bool, StoreError> {
    Ok(run.execution_arn == execution_arn || super::executions::execution_id(conn, &run.execution_arn)?.is_some())
}

/// Inserts the runs a commit of execution `execution_id` (`execution_arn`) starts: runs of the
/// execution itself or of its child executions.
pub(crate) fn start(
    conn: &Connection,
    execution_id: i64,
    execution_arn: &str,
    runs: &[&MapRunRecord],
) -> Result<(), StoreError> {
    if runs.is_empty() {
        return Ok(());
    }
    let mut insert = conn.prepare_cached(
        "INSERT INTO map_runs (arn, execution_id, status, start_ms, stop_ms, max_concurrency, \
         tolerated_failure_percentage, tolerated_failure_count, item_count, execution_count, error, cause) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (arn) DO NOTHING",
    )?;
    for run in runs {
        let owner = owner_under(conn, &run.execution_arn, execution_id, execution_arn).map_err(|e| match e {
            StoreError::Invalid(why) => StoreError::Invalid(format!("map run {}: {why}", run.arn)),
            other => other,
        })?;
        let inserted = insert.execute(params![
            run.arn,
            owner,
            run.status.as_str(),
            run.start_ms,
            run.stop_ms,
            to_i64(run.max_concurrency, "max concurrency")?,
            percentage(run.tolerated_failure_percentage)?,
            to_i64(run.tolerated_failure_count, "tolerated failure count")?,
            to_i64(run.item_count, "item count")?,
            to_i64(run.execution_count, "execution count")?,
            run.error,
            run.cause,
        ])?;
        if inserted == 0 {
            return Err(StoreError::AlreadyExists(format!("map run {}", run.arn)));
        }
    }
    Ok(())
}

/// Writes the `Some` fields of each change to a run of execution `execution_id` (or of one of
/// its child executions).
pub(crate) fn change(
    conn: &Connection,
    execution_id: i64,
    execution_arn: &str,
    changes: &[MapRunChange],
) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut update = conn.prepare_cached(
        "UPDATE map_runs SET status = COALESCE(?2, status), stop_ms = COALESCE(?3, stop_ms), \
         max_concurrency = COALESCE(?4, max_concurrency), \
         tolerated_failure_percentage = COALESCE(?5, tolerated_failure_percentage), \
         tolerated_failure_count = COALESCE(?6, tolerated_failure_count), \
         error = COALESCE(?7, error), cause = COALESCE(?8, cause) \
         WHERE id = ?1",
    )?;
    for c in changes {
        let id = run_of(conn, &c.arn, execution_id, execution_arn)?;
        update.execute(params![
            id,
            c.status.map(MapRunStatus::as_str),
            c.stop_ms,
            c.max_concurrency.map(|n| to_i64(n, "max concurrency")).transpose()?,
            c.tolerated_failure_percentage.map(percentage).transpose()?,
            c.tolerated_failure_count.map(|n| to_i64(n, "tolerated failure count")).transpose()?,
            c.error,
            c.cause,
        ])?;
    }
    Ok(())
}

/// The row id of map run `arn`, which must belong to execution `execution_id` or to one of its
/// child executions: `NotFound` for an unknown run, `Invalid` for a run of another execution.
pub(crate) fn run_of(conn: &Connection, arn: &str, execution_id: i64, execution_arn: &str) -> Result<i64, StoreError> {
    let found: Option<(i64, i64)> = conn
        .prepare_cached("SELECT id, execution_id FROM map_runs WHERE arn = ?1")?
        .query_row([arn], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    match found {
        None => Err(StoreError::NotFound(format!("map run {arn}"))),
        Some((id, owner)) if owner == execution_id || top_of(conn, owner)? == execution_id => Ok(id),
        Some(_) => Err(StoreError::Invalid(format!("map run {arn} belongs to another execution than {execution_arn}"))),
    }
}

/// A run with its item and execution counts.
pub(crate) fn get(conn: &Connection, arn: &str) -> Result<Option<MapRunView>, StoreError> {
    let sql = format!("SELECT {MAP_RUN_COLUMNS} FROM map_runs m WHERE m.arn = ?1");
    let Some((id, record)) = conn.prepare_cached(&sql)?.query_row([arn], map_run_row).optional()? else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(CHILD_COUNTS)?;
    let groups = stmt
        .query_map([id], |row| {
            let status: String = row.get(0)?;
            let status = ExecutionStatus::parse(&status).map_err(|e| corrupt(0, e))?;
            Ok(Group { status, executions: row.get::<_, i64>(1)? as u64, items: row.get::<_, i64>(2)? as u64 })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let executions = tally(&groups, |g| g.executions, record.execution_count);
    let items = tally(&groups, |g| g.items, record.item_count);
    Ok(Some(MapRunView { record, items, executions }))
}

/// The run's children of one status.
struct Group {
    status: ExecutionStatus,
    executions: u64,
    items: u64,
}

/// Counts by status out of `total`; what no child has started yet is pending, and so is a
/// child waiting for a redrive. The counts add up to `total` (unless more was started).
fn tally(groups: &[Group], n: impl Fn(&Group) -> u64, total: u64) -> MapRunCounts {
    let mut counts = MapRunCounts { total, ..MapRunCounts::default() };
    let mut started = 0u64;
    for g in groups {
        let n = n(g);
        started += n;
        let slot = match g.status {
            ExecutionStatus::Running => &mut counts.running,
            ExecutionStatus::Succeeded => &mut counts.succeeded,
            ExecutionStatus::Failed => &mut counts.failed,
            ExecutionStatus::TimedOut => &mut counts.timed_out,
            ExecutionStatus::Aborted => &mut counts.aborted,
            ExecutionStatus::PendingRedrive => &mut counts.pending,
        };
        *slot += n;
    }
    counts.pending += total.saturating_sub(started);
    counts
}

/// The runs an execution started, oldest first.
pub(crate) fn list(conn: &Connection, execution_arn: &str, q: &ListQuery) -> Result<Page<MapRunRecord>, StoreError> {
    let limit = page::page_size(q.max)?;
    let execution_id = require_execution(conn, execution_arn)?;
    let after = q.next_token.as_deref().map(|t| page::decode(t, "map runs", execution_arn)).transpose()?.unwrap_or(0);
    let sql = format!(
        "SELECT {MAP_RUN_COLUMNS} FROM map_runs m WHERE m.execution_id = ?1 AND m.id > ?2 ORDER BY m.id LIMIT ?3"
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params![execution_id, after, limit as i64 + 1], map_run_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(rows, limit, "map runs", execution_arn))
}
