//! SQL for the control plane other than state machines: functions, tags, activities, routes.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::page::{self, paginate};
use crate::{ActivityRecord, Created, FunctionMeta, FunctionRecord, ListQuery, Page, RouteRecord, StoreError};

// ---- functions ----

pub(crate) fn put_function(conn: &Connection, f: &FunctionRecord) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO functions (name, wasm, sha256, grants_json, created_ms, updated_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (name) DO UPDATE SET wasm = excluded.wasm, \
         sha256 = excluded.sha256, grants_json = excluded.grants_json, updated_ms = excluded.updated_ms",
    )?
    .execute(params![f.name, f.wasm, f.sha256, f.grants_json, f.created_ms, f.updated_ms])?;
    Ok(())
}

pub(crate) fn function(conn: &Connection, name: &str) -> Result<Option<FunctionRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, wasm, sha256, grants_json, created_ms, updated_ms FROM functions WHERE name = ?1",
    )?;
    Ok(stmt
        .query_row([name], |row| {
            Ok(FunctionRecord {
                name: row.get(0)?,
                wasm: row.get(1)?,
                sha256: row.get(2)?,
                grants_json: row.get(3)?,
                created_ms: row.get(4)?,
                updated_ms: row.get(5)?,
            })
        })
        .optional()?)
}

pub(crate) fn list_functions(conn: &Connection) -> Result<Vec<FunctionMeta>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, sha256, length(wasm), grants_json, created_ms, updated_ms FROM functions ORDER BY name",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(FunctionMeta {
            name: row.get(0)?,
            sha256: row.get(1)?,
            size: row.get::<_, i64>(2)? as u64,
            grants_json: row.get(3)?,
            created_ms: row.get(4)?,
            updated_ms: row.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn delete_function(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    Ok(conn.prepare_cached("DELETE FROM functions WHERE name = ?1")?.execute([name])? > 0)
}

// ---- tags ----

fn require_taggable(conn: &Connection, arn: &str) -> Result<(), StoreError> {
    let exists: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM state_machines WHERE arn = ?1) OR EXISTS (SELECT 1 FROM activities WHERE arn = ?1)",
        )?
        .query_row([arn], |row| row.get(0))?;
    if exists { Ok(()) } else { Err(StoreError::NotFound(format!("resource {arn}"))) }
}

pub(crate) fn tag(conn: &Connection, arn: &str, tags: &[(String, String)]) -> Result<(), StoreError> {
    require_taggable(conn, arn)?;
    let mut upsert = conn.prepare_cached(
        "INSERT INTO tags (resource_arn, key, value) VALUES (?1, ?2, ?3) \
         ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value",
    )?;
    for (k, v) in tags {
        upsert.execute(params![arn, k, v])?;
    }
    Ok(())
}

pub(crate) fn untag(conn: &Connection, arn: &str, keys: &[String]) -> Result<(), StoreError> {
    require_taggable(conn, arn)?;
    let mut delete = conn.prepare_cached("DELETE FROM tags WHERE resource_arn = ?1 AND key = ?2")?;
    for k in keys {
        delete.execute(params![arn, k])?;
    }
    Ok(())
}

pub(crate) fn tags(conn: &Connection, arn: &str) -> Result<Vec<(String, String)>, StoreError> {
    require_taggable(conn, arn)?;
    let mut stmt = conn.prepare_cached("SELECT key, value FROM tags WHERE resource_arn = ?1 ORDER BY key")?;
    let rows = stmt.query_map([arn], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---- activities ----

fn activity_row(row: &Row<'_>) -> rusqlite::Result<(i64, ActivityRecord)> {
    Ok((row.get(0)?, ActivityRecord { arn: row.get(1)?, name: row.get(2)?, created_ms: row.get(3)? }))
}

pub(crate) fn activity(conn: &Connection, arn: &str) -> Result<Option<ActivityRecord>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT id, arn, name, created_ms FROM activities WHERE arn = ?1")?
        .query_row([arn], activity_row)
        .optional()?
        .map(|(_, a)| a))
}

pub(crate) fn create_activity(conn: &Connection, a: ActivityRecord) -> Result<Created<ActivityRecord>, StoreError> {
    if let Some(existing) = activity(conn, &a.arn)? {
        return Ok(Created { record: existing, created: false });
    }
    conn.prepare_cached("INSERT INTO activities (arn, name, created_ms) VALUES (?1, ?2, ?3)")?
        .execute(params![a.arn, a.name, a.created_ms])?;
    Ok(Created { record: a, created: true })
}

pub(crate) fn list_activities(conn: &Connection, q: &ListQuery) -> Result<Page<ActivityRecord>, StoreError> {
    let limit = page::page_size(q.max)?;
    let after = q.next_token.as_deref().map(|t| page::decode(t, "activities", "")).transpose()?.unwrap_or(0);
    let mut stmt =
        conn.prepare_cached("SELECT id, arn, name, created_ms FROM activities WHERE id > ?1 ORDER BY id LIMIT ?2")?;
    let rows = stmt.query_map(params![after, limit as i64 + 1], activity_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(rows, limit, "activities", ""))
}

pub(crate) fn delete_activity(conn: &Connection, arn: &str) -> Result<bool, StoreError> {
    conn.prepare_cached("DELETE FROM tags WHERE resource_arn = ?1")?.execute([arn])?;
    Ok(conn.prepare_cached("DELETE FROM activities WHERE arn = ?1")?.execute([arn])? > 0)
}

// ---- routes ----

pub(crate) fn put_route(conn: &Connection, r: &RouteRecord) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO routes (method, path_pattern, state_machine_arn, options_json) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (path_pattern, method) DO UPDATE SET state_machine_arn = excluded.state_machine_arn, \
         options_json = excluded.options_json",
    )?
    .execute(params![r.method, r.path_pattern, r.state_machine_arn, r.options_json])?;
    Ok(())
}

pub(crate) fn routes(conn: &Connection) -> Result<Vec<RouteRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT method, path_pattern, state_machine_arn, options_json FROM routes ORDER BY path_pattern, method",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(RouteRecord {
            method: row.get(0)?,
            path_pattern: row.get(1)?,
            state_machine_arn: row.get(2)?,
            options_json: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn delete_route(conn: &Connection, method: &str, path_pattern: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("DELETE FROM routes WHERE method = ?1 AND path_pattern = ?2")?
        .execute(params![method, path_pattern])?
        > 0)
}
