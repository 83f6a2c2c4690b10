//! SQL for executions: inserting, committing steps, and the engine's and API's reads.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

use super::map_runs;
use super::tips::{Tip, Tips};
use crate::page::{self, paginate};
use crate::{
    ChildCommit, Commit, ExecutionQuery, ExecutionRecord, ExecutionScope, ExecutionStatus, HistoryQuery,
    JournalEntry, MachineKind, Page, StoreError, StoredEvent, TimerRecord, TokenRecord,
};

/// The definition text is stored once per distinct text, in `definitions`; a child execution's
/// map run is named by its ARN.
const EXECUTION_COLUMNS: &str = "id, arn, name, state_machine_arn, version_arn, alias_arn, \
     (SELECT d.text FROM definitions d WHERE d.id = executions.definition_id), kind, status, input, \
     output, error, cause, start_ms, stop_ms, redrive_count, redrive_ms, trace_header, \
     (SELECT m.arn FROM map_runs m WHERE m.id = executions.map_run_id), map_items";

fn execution_row(row: &Row<'_>) -> rusqlite::Result<(i64, ExecutionRecord)> {
    let kind: String = row.get(7)?;
    let status: String = row.get(8)?;
    let corrupt = |i: usize, e: StoreError| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    };
    Ok((
        row.get(0)?,
        ExecutionRecord {
            arn: row.get(1)?,
            name: row.get(2)?,
            state_machine_arn: row.get(3)?,
            state_machine_version_arn: row.get(4)?,
            state_machine_alias_arn: row.get(5)?,
            definition: row.get(6)?,
            kind: MachineKind::parse(&kind).map_err(|e| corrupt(7, e))?,
            status: ExecutionStatus::parse(&status).map_err(|e| corrupt(8, e))?,
            input: row.get(9)?,
            output: row.get(10)?,
            error: row.get(11)?,
            cause: row.get(12)?,
            start_ms: row.get(13)?,
            stop_ms: row.get(14)?,
            redrive_count: row.get(15)?,
            redrive_ms: row.get(16)?,
            trace_header: row.get(17)?,
            map_run_arn: row.get(18)?,
            map_items: row.get::<_, Option<i64>>(19)?.map(|n| n as u64),
        },
    ))
}

/// The row id of an execution.
pub(crate) fn execution_id(conn: &Connection, arn: &str) -> Result<Option<i64>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id FROM executions WHERE arn = ?1")?;
    Ok(stmt.query_row([arn], |row| row.get(0)).optional()?)
}

pub(crate) fn require_execution(conn: &Connection, arn: &str) -> Result<i64, StoreError> {
    execution_id(conn, arn)?.ok_or_else(|| StoreError::NotFound(format!("execution {arn}")))
}

/// Inserts a top-level execution row, then applies its first commit.
pub(crate) fn create(conn: &Connection, tips: &mut Tips, record: &ExecutionRecord, first: &Commit) -> Result<(), StoreError> {
    check_first_commit(record, first)?;
    if let Some(run) = &record.map_run_arn {
        return Err(StoreError::Invalid(format!(
            "execution {} names map run {run}: a child execution is started by its parent's commit",
            record.arn
        )));
    }
    let definition_id = definition_id(conn, &record.definition)?;
    insert(conn, tips, record, definition_id, None)?;
    apply(conn, tips, first)
}

fn check_first_commit(record: &ExecutionRecord, first: &Commit) -> Result<(), StoreError> {
    if first.execution_arn != record.arn {
        return Err(StoreError::Invalid(format!(
            "the first commit is for {} but the execution is {}",
            first.execution_arn, record.arn
        )));
    }
    Ok(())
}

/// Where a child execution stands in its map run: the run's row id and how many of its items
/// the child processes.
#[derive(Clone, Copy)]
struct InRun {
    map_run_id: i64,
    items: i64,
}

/// Inserts an execution row (`in_run` for a child of a map run) and remembers its tip.
fn insert(
    conn: &Connection,
    tips: &mut Tips,
    record: &ExecutionRecord,
    definition_id: i64,
    in_run: Option<InRun>,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO executions (arn, name, state_machine_arn, version_arn, alias_arn, definition_id, kind, status, \
         input, output, error, cause, start_ms, stop_ms, redrive_count, redrive_ms, trace_header, map_run_id, \
         map_items) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) \
         ON CONFLICT (arn) DO NOTHING",
    )?;
    let inserted = stmt.execute(params![
        record.arn,
        record.name,
        record.state_machine_arn,
        record.state_machine_version_arn,
        record.state_machine_alias_arn,
        definition_id,
        record.kind.as_str(),
        record.status.as_str(),
        record.input,
        record.output,
        record.error,
        record.cause,
        record.start_ms,
        record.stop_ms,
        record.redrive_count,
        record.redrive_ms,
        record.trace_header,
        in_run.map(|r| r.map_run_id),
        in_run.map(|r| r.items),
    ])?;
    if inserted == 0 {
        return Err(StoreError::AlreadyExists(format!("execution {}", record.arn)));
    }
    tips.set(&record.arn, Some(Tip { id: conn.last_insert_rowid(), last_event: 0, last_seq: 0 }));
    Ok(())
}

/// The row id of a definition text, stored now if it is new. Executions of one machine share
/// one row: the lookup is one index probe, and only the first execution writes.
fn definition_id(conn: &Connection, text: &str) -> Result<i64, StoreError> {
    let found = conn
        .prepare_cached("SELECT id FROM definitions WHERE text = ?1")?
        .query_row([text], |row| row.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    conn.prepare_cached("INSERT INTO definitions (text) VALUES (?1)")?.execute([text])?;
    Ok(conn.last_insert_rowid())
}

/// Where an execution stands: remembered by the writer, or read (and then remembered).
fn tip(conn: &Connection, tips: &Tips, arn: &str) -> Result<Tip, StoreError> {
    if let Some(t) = tips.get(arn) {
        return Ok(t);
    }
    let id = require_execution(conn, arn)?;
    let last = |sql: &str| -> Result<u64, StoreError> {
        Ok(conn.prepare_cached(sql)?.query_row([id], |row| row.get::<_, i64>(0))? as u64)
    };
    Ok(Tip {
        id,
        last_event: last("SELECT COALESCE(MAX(id), 0) FROM events WHERE execution_id = ?1")?,
        last_seq: last("SELECT COALESCE(MAX(seq), 0) FROM journal WHERE execution_id = ?1")?,
    })
}

/// Applies one commit (inside the writer's savepoint, so it lands whole or not at all): the
/// execution's own part, the map runs it starts, its children's parts, then the changes to
/// its runs. A run started by a child of this same commit (a Distributed Map within a child)
/// is inserted once that child's row is: before the first child of the run starts, or at the
/// end.
pub(crate) fn apply(conn: &Connection, tips: &mut Tips, commit: &Commit) -> Result<(), StoreError> {
    let id = apply_own(conn, tips, commit)?;
    let arn = commit.execution_arn.as_str();
    let mut waiting = Vec::new();
    let mut ready = Vec::new();
    for run in &commit.map_runs_started {
        if map_runs::owner_stored(conn, run, arn)? {
            ready.push(run);
        } else {
            waiting.push(run);
        }
    }
    map_runs::start(conn, id, arn, &ready)?;
    for child in &commit.children {
        let run = child.start.as_ref().and_then(|r| r.map_run_arn.as_deref());
        if let Some(i) = run.and_then(|run| waiting.iter().position(|w| w.arn == run)) {
            map_runs::start(conn, id, arn, &[waiting.remove(i)])?;
        }
        apply_child(conn, tips, id, arn, child)?;
    }
    map_runs::start(conn, id, arn, &waiting)?;
    map_runs::change(conn, id, arn, &commit.map_runs_changed)
}

/// Applies one child's part of its parent's commit: inserts the child when it starts, then its
/// events and status under the same numbering rules as any execution.
fn apply_child(
    conn: &Connection,
    tips: &mut Tips,
    parent_id: i64,
    parent_arn: &str,
    child: &ChildCommit,
) -> Result<(), StoreError> {
    check_child_commit(&child.commit)?;
    match &child.start {
        Some(start) => start_child(conn, tips, parent_id, parent_arn, start, &child.commit)?,
        None => require_child_of(conn, &child.commit.execution_arn, parent_id, parent_arn)?,
    }
    apply_own(conn, tips, &child.commit).map(drop)
}

/// A child's commit writes events and status only: its parent's journal replays it, and its
/// parent's part of the commit holds the timers, tokens and map runs.
fn check_child_commit(commit: &Commit) -> Result<(), StoreError> {
    let carried = [
        ("journal entries", !commit.journal.is_empty()),
        ("timers", !commit.timers_set.is_empty() || !commit.timers_cleared.is_empty()),
        ("task tokens", !commit.tokens_added.is_empty() || !commit.tokens_removed.is_empty()),
        ("map runs", !commit.map_runs_started.is_empty() || !commit.map_runs_changed.is_empty()),
        ("child executions", !commit.children.is_empty()),
    ];
    match carried.iter().find(|(_, present)| *present) {
        Some((what, _)) => Err(StoreError::Invalid(format!(
            "the commit of child execution {} carries {what}: a child commit holds only events and a status",
            commit.execution_arn
        ))),
        None => Ok(()),
    }
}

/// Inserts a child's row under its map run, which must belong to the committing execution.
fn start_child(
    conn: &Connection,
    tips: &mut Tips,
    parent_id: i64,
    parent_arn: &str,
    record: &ExecutionRecord,
    first: &Commit,
) -> Result<(), StoreError> {
    check_first_commit(record, first)?;
    let Some(run_arn) = &record.map_run_arn else {
        return Err(StoreError::Invalid(format!("child execution {} names no map run", record.arn)));
    };
    let map_run_id = map_runs::run_of(conn, run_arn, parent_id, parent_arn)?;
    // A child runs its parent's definition: it shares the parent's row (its own
    // `record.definition` is not read).
    let definition_id: i64 = conn
        .prepare_cached("SELECT definition_id FROM executions WHERE id = ?1")?
        .query_row([parent_id], |row| row.get(0))?;
    let items = to_i64(record.map_items.unwrap_or(1), "child items")?;
    insert(conn, tips, record, definition_id, Some(InRun { map_run_id, items }))
}

/// `Ok` when the execution `arn` is a child of one of the map runs of execution `parent_id`.
fn require_child_of(conn: &Connection, arn: &str, parent_id: i64, parent_arn: &str) -> Result<(), StoreError> {
    let parent: Option<Option<i64>> = conn
        .prepare_cached(
            "SELECT (SELECT m.execution_id FROM map_runs m WHERE m.id = e.map_run_id) \
             FROM executions e WHERE e.arn = ?1",
        )?
        .query_row([arn], |row| row.get(0))
        .optional()?;
    match parent {
        None => Err(StoreError::NotFound(format!("execution {arn}"))),
        Some(Some(p)) if p == parent_id || map_runs::top_of(conn, p)? == parent_id => Ok(()),
        Some(_) => Err(StoreError::Invalid(format!(
            "execution {arn} is not a child execution of a map run of {parent_arn}"
        ))),
    }
}

/// Applies the execution's own events, journal, status, timers and tokens; returns its row id.
fn apply_own(conn: &Connection, tips: &mut Tips, commit: &Commit) -> Result<i64, StoreError> {
    let arn = &commit.execution_arn;
    let mut tip = tip(conn, tips, arn)?;
    let id = tip.id;
    if !commit.events.is_empty() {
        let mut insert = conn.prepare_cached(
            "INSERT INTO events (execution_id, id, timestamp_ms, type, json) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for event in &commit.events {
            let last = tip.last_event;
            if event.id >= 1 && event.id <= last {
                return Err(StoreError::DuplicateEvent { execution_arn: arn.clone(), id: event.id });
            }
            if event.id != last + 1 {
                return Err(StoreError::EventOutOfOrder { execution_arn: arn.clone(), last, got: event.id });
            }
            insert.execute(params![id, event.id as i64, event.timestamp_ms, event.event_type, event.json])?;
            tip.last_event = event.id;
        }
    }
    if !commit.journal.is_empty() {
        let mut insert = conn.prepare_cached(
            "INSERT INTO journal (execution_id, seq, input, now_ms, entropy) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for entry in &commit.journal {
            let last = tip.last_seq;
            if entry.seq >= 1 && entry.seq <= last {
                return Err(StoreError::DuplicateJournal { execution_arn: arn.clone(), seq: entry.seq });
            }
            if entry.seq != last + 1 {
                return Err(StoreError::JournalOutOfOrder { execution_arn: arn.clone(), last, got: entry.seq });
            }
            let seq = to_i64(entry.seq, "journal seq")?;
            // The entropy is stored bit for bit in a signed column.
            insert.execute(params![id, seq, entry.input, entry.now_ms, entry.entropy as i64])?;
            tip.last_seq = entry.seq;
        }
    }
    let ended = commit.status.as_ref().is_some_and(|s| s.status != ExecutionStatus::Running);
    tips.set(arn, (!ended).then_some(tip));
    if let Some(s) = &commit.status {
        conn.prepare_cached(
            "UPDATE executions SET status = ?2, stop_ms = ?3, output = ?4, error = ?5, cause = ?6, \
             redrive_count = ?7, redrive_ms = ?8 WHERE id = ?1",
        )?
        .execute(params![id, s.status.as_str(), s.stop_ms, s.output, s.error, s.cause, s.redrive_count, s.redrive_ms])?;
    }
    if !commit.timers_set.is_empty() {
        let mut upsert = conn.prepare_cached(
            "INSERT INTO timers (execution_id, work_id, due_ms, kind) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (execution_id, work_id) DO UPDATE SET due_ms = excluded.due_ms, kind = excluded.kind",
        )?;
        for t in &commit.timers_set {
            upsert.execute(params![id, to_i64(t.work_id, "timer work id")?, t.due_ms, t.kind])?;
        }
    }
    if !commit.timers_cleared.is_empty() {
        let mut delete = conn.prepare_cached("DELETE FROM timers WHERE execution_id = ?1 AND work_id = ?2")?;
        for work_id in &commit.timers_cleared {
            delete.execute(params![id, to_i64(*work_id, "timer work id")?])?;
        }
    }
    if ended {
        // An execution that ended waits for nothing: a timer its last step did not clear (a
        // heartbeat or timeout timer of the task that just finished) must not stay behind. A
        // redrive re-arms its timers from the journal.
        conn.prepare_cached("DELETE FROM timers WHERE execution_id = ?1")?.execute([id])?;
    }
    if !commit.tokens_added.is_empty() {
        let mut insert = conn.prepare_cached(
            "INSERT INTO tokens (token, execution_id, work_id, activity_arn, input, heartbeat_seconds) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (token) DO NOTHING",
        )?;
        for t in &commit.tokens_added {
            if t.execution_arn != *arn {
                return Err(StoreError::Invalid(format!(
                    "task token {} belongs to {}, not to the committing execution {arn}",
                    t.token, t.execution_arn
                )));
            }
            let heartbeat = t.heartbeat_seconds.map(|h| to_i64(h, "heartbeat seconds")).transpose()?;
            let n = insert.execute(params![
                t.token,
                id,
                to_i64(t.work_id, "token work id")?,
                t.activity_arn,
                t.input,
                heartbeat
            ])?;
            if n == 0 {
                return Err(StoreError::AlreadyExists(format!("task token {}", t.token)));
            }
        }
    }
    if !commit.tokens_removed.is_empty() {
        let mut delete = conn.prepare_cached("DELETE FROM tokens WHERE token = ?1")?;
        for token in &commit.tokens_removed {
            delete.execute([token])?;
        }
    }
    Ok(id)
}

pub(crate) fn to_i64(n: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Invalid(format!("{what} {n} does not fit in 63 bits")))
}

pub(crate) fn get(conn: &Connection, arn: &str) -> Result<Option<ExecutionRecord>, StoreError> {
    let sql = format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE arn = ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    Ok(stmt.query_row([arn], execution_row).optional()?.map(|(_, r)| r))
}

/// A listing of executions: its SQL and arguments, and the scope its page tokens are bound to.
pub(crate) struct Listing {
    pub(crate) sql: String,
    pub(crate) args: Vec<Value>,
    scope: String,
    limit: usize,
}

pub(crate) fn list(conn: &Connection, query: &ExecutionQuery) -> Result<Page<ExecutionRecord>, StoreError> {
    let Listing { sql, args, scope, limit } = listing(query)?;
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), execution_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(rows, limit, "executions", &scope))
}

/// The SQL of a listing. Only the MapRun scope lists child executions (by the partial index
/// `executions_by_map_run`); every other scope is of top-level executions.
pub(crate) fn listing(query: &ExecutionQuery) -> Result<Listing, StoreError> {
    let limit = page::page_size(query.max)?;
    let mut sql = format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE 1 = 1");
    let mut args: Vec<Value> = Vec::new();
    if !matches!(query.scope, ExecutionScope::MapRun(_)) {
        sql.push_str(" AND map_run_id IS NULL");
    }
    let scope = match &query.scope {
        ExecutionScope::All => "all".to_string(),
        ExecutionScope::MapRun(arn) => {
            sql.push_str(" AND map_run_id = (SELECT m.id FROM map_runs m WHERE m.arn = ?)");
            args.push(Value::Text(arn.clone()));
            format!("map run {arn}")
        }
        ExecutionScope::StateMachine(arn) => {
            sql.push_str(" AND state_machine_arn = ?");
            args.push(Value::Text(arn.clone()));
            format!("machine {arn}")
        }
        ExecutionScope::Version(arn) => {
            sql.push_str(" AND version_arn = ?");
            args.push(Value::Text(arn.clone()));
            format!("version {arn}")
        }
        ExecutionScope::Alias(arn) => {
            sql.push_str(" AND alias_arn = ?");
            args.push(Value::Text(arn.clone()));
            format!("alias {arn}")
        }
    };
    if let Some(status) = query.status {
        sql.push_str(" AND status = ?");
        args.push(Value::Text(status.as_str().to_string()));
    }
    match query.redriven {
        Some(true) => sql.push_str(" AND redrive_count > 0"),
        Some(false) => sql.push_str(" AND redrive_count = 0"),
        None => {}
    }
    // The token is only valid for the same filters.
    let scope = format!(
        "{scope}|{}|{:?}",
        query.status.map_or("", ExecutionStatus::as_str),
        query.redriven
    );
    if let Some(token) = &query.next_token {
        sql.push_str(" AND id < ?");
        args.push(Value::Integer(page::decode(token, "executions", &scope)?));
    }
    sql.push_str(" ORDER BY id DESC LIMIT ?");
    args.push(Value::Integer(limit as i64 + 1));
    Ok(Listing { sql, args, scope, limit })
}

pub(crate) fn history(conn: &Connection, arn: &str, query: &HistoryQuery) -> Result<Page<StoredEvent>, StoreError> {
    let limit = page::page_size(query.max)?;
    let id = require_execution(conn, arn)?;
    let scope = format!("{arn}|{}", query.reverse);
    let after = match &query.next_token {
        Some(token) => Some(page::decode(token, "history", &scope)?),
        None => None,
    };
    let sql = if query.reverse {
        "SELECT id, timestamp_ms, type, json FROM events WHERE execution_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"
    } else {
        "SELECT id, timestamp_ms, type, json FROM events WHERE execution_id = ?1 AND id > ?2 ORDER BY id ASC LIMIT ?3"
    };
    let bound = after.unwrap_or(if query.reverse { i64::MAX } else { 0 });
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map(params![id, bound, limit as i64 + 1], |row| {
            let id: i64 = row.get(0)?;
            Ok((id, StoredEvent { id: id as u64, timestamp_ms: row.get(1)?, event_type: row.get(2)?, json: row.get(3)? }))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(rows, limit, "history", &scope))
}

pub(crate) fn journal(conn: &Connection, arn: &str) -> Result<Vec<JournalEntry>, StoreError> {
    let id = require_execution(conn, arn)?;
    let mut stmt =
        conn.prepare_cached("SELECT seq, input, now_ms, entropy FROM journal WHERE execution_id = ?1 ORDER BY seq")?;
    let rows = stmt.query_map([id], |row| {
        Ok(JournalEntry {
            seq: row.get::<_, i64>(0)? as u64,
            input: row.get(1)?,
            now_ms: row.get(2)?,
            entropy: row.get::<_, i64>(3)? as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The restart scan: RUNNING top-level executions. The literal matches the partial index
/// `executions_running`; the running children it also holds are skipped (their parents'
/// journals replay them).
pub(crate) fn running_sql() -> String {
    format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE status = 'RUNNING' AND map_run_id IS NULL ORDER BY id")
}

pub(crate) fn running(conn: &Connection) -> Result<Vec<ExecutionRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&running_sql())?;
    let rows = stmt.query_map([], execution_row)?;
    rows.map(|r| r.map(|(_, rec)| rec).map_err(StoreError::from)).collect()
}

pub(crate) fn timers(conn: &Connection, arn: &str) -> Result<Vec<TimerRecord>, StoreError> {
    let id = require_execution(conn, arn)?;
    let mut stmt = conn
        .prepare_cached("SELECT work_id, due_ms, kind FROM timers WHERE execution_id = ?1 ORDER BY due_ms, work_id")?;
    let rows = stmt.query_map([id], |row| {
        Ok(TimerRecord { work_id: row.get::<_, i64>(0)? as u64, due_ms: row.get(1)?, kind: row.get(2)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

const TOKEN_SELECT: &str = "SELECT t.token, e.arn, t.work_id, t.activity_arn, t.input, t.heartbeat_seconds \
     FROM tokens t JOIN executions e ON e.id = t.execution_id";

fn token_row(row: &Row<'_>) -> rusqlite::Result<TokenRecord> {
    Ok(TokenRecord {
        token: row.get(0)?,
        execution_arn: row.get(1)?,
        work_id: row.get::<_, i64>(2)? as u64,
        activity_arn: row.get(3)?,
        input: row.get(4)?,
        heartbeat_seconds: row.get::<_, Option<i64>>(5)?.map(|h| h as u64),
    })
}

pub(crate) fn token(conn: &Connection, token: &str) -> Result<Option<TokenRecord>, StoreError> {
    let sql = format!("{TOKEN_SELECT} WHERE t.token = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([token], token_row).optional()?)
}

pub(crate) fn pending_activity_tasks(conn: &Connection, activity_arn: &str) -> Result<Vec<TokenRecord>, StoreError> {
    let sql = format!(
        "{TOKEN_SELECT} WHERE t.activity_arn = ?1 AND t.activity_arn IS NOT NULL AND t.claimed_ms IS NULL ORDER BY t.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([activity_arn], token_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Marks the oldest pending task of an activity as claimed and returns it.
pub(crate) fn claim_activity_task(
    conn: &Connection,
    activity_arn: &str,
    worker_name: Option<&str>,
    now_ms: i64,
) -> Result<Option<TokenRecord>, StoreError> {
    let sql = format!(
        "{TOKEN_SELECT} WHERE t.activity_arn = ?1 AND t.activity_arn IS NOT NULL AND t.claimed_ms IS NULL \
         ORDER BY t.id LIMIT 1"
    );
    let Some(task) = conn.prepare_cached(&sql)?.query_row([activity_arn], token_row).optional()? else {
        return Ok(None);
    };
    conn.prepare_cached("UPDATE tokens SET claimed_ms = ?2, worker_name = ?3 WHERE token = ?1")?
        .execute(params![task.token, now_ms, worker_name])?;
    Ok(Some(task))
}
