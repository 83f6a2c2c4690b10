//! SQL for state machines, their versions and their aliases.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::page::{self, paginate};
use crate::{
    AliasRecord, AliasUpdate, Created, ListQuery, MachineKind, Page, Routing, StateMachineRecord, StateMachineUpdate,
    StoreError, VersionRecord,
};

fn corrupt(i: usize, e: StoreError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
}

// ---- state machines ----

const MACHINE_COLUMNS: &str = "id, arn, name, kind, definition, role_arn, created_ms, updated_ms, revision_id, \
     description, logging_json, tracing_json, encryption_json";

fn machine_row(row: &Row<'_>) -> rusqlite::Result<(i64, StateMachineRecord)> {
    let kind: String = row.get(3)?;
    Ok((
        row.get(0)?,
        StateMachineRecord {
            arn: row.get(1)?,
            name: row.get(2)?,
            kind: MachineKind::parse(&kind).map_err(|e| corrupt(3, e))?,
            definition: row.get(4)?,
            role_arn: row.get(5)?,
            created_ms: row.get(6)?,
            updated_ms: row.get(7)?,
            revision_id: row.get(8)?,
            description: row.get(9)?,
            logging_json: row.get(10)?,
            tracing_json: row.get(11)?,
            encryption_json: row.get(12)?,
        },
    ))
}

fn machine_with_id(conn: &Connection, arn: &str) -> Result<Option<(i64, StateMachineRecord)>, StoreError> {
    let sql = format!("SELECT {MACHINE_COLUMNS} FROM state_machines WHERE arn = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([arn], machine_row).optional()?)
}

fn require_machine(conn: &Connection, arn: &str) -> Result<(i64, StateMachineRecord), StoreError> {
    machine_with_id(conn, arn)?.ok_or_else(|| StoreError::NotFound(format!("state machine {arn}")))
}

pub(crate) fn state_machine(conn: &Connection, arn: &str) -> Result<Option<StateMachineRecord>, StoreError> {
    Ok(machine_with_id(conn, arn)?.map(|(_, m)| m))
}

pub(crate) fn create_state_machine(
    conn: &Connection,
    m: StateMachineRecord,
) -> Result<Created<StateMachineRecord>, StoreError> {
    if let Some((_, existing)) = machine_with_id(conn, &m.arn)? {
        let same = existing.kind == m.kind
            && existing.definition == m.definition
            && existing.role_arn == m.role_arn
            && existing.logging_json == m.logging_json
            && existing.tracing_json == m.tracing_json;
        return if same {
            Ok(Created { record: existing, created: false })
        } else {
            Err(StoreError::AlreadyExists(format!("state machine {} (with a different definition or settings)", m.arn)))
        };
    }
    conn.prepare_cached(
        "INSERT INTO state_machines (arn, name, kind, definition, role_arn, created_ms, updated_ms, revision_id, \
         description, logging_json, tracing_json, encryption_json) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        m.arn,
        m.name,
        m.kind.as_str(),
        m.definition,
        m.role_arn,
        m.created_ms,
        m.updated_ms,
        m.revision_id,
        m.description,
        m.logging_json,
        m.tracing_json,
        m.encryption_json
    ])?;
    Ok(Created { record: m, created: true })
}

pub(crate) fn update_state_machine(
    conn: &Connection,
    arn: &str,
    u: StateMachineUpdate,
    now_ms: i64,
) -> Result<StateMachineRecord, StoreError> {
    let (id, old) = require_machine(conn, arn)?;
    let mut new = old.clone();
    if let Some(v) = u.definition {
        new.definition = v;
    }
    if let Some(v) = u.role_arn {
        new.role_arn = v;
    }
    if u.description.is_some() {
        new.description = u.description;
    }
    if u.logging_json.is_some() {
        new.logging_json = u.logging_json;
    }
    if u.tracing_json.is_some() {
        new.tracing_json = u.tracing_json;
    }
    if u.encryption_json.is_some() {
        new.encryption_json = u.encryption_json;
    }
    if new == old {
        return Ok(old);
    }
    new.revision_id = Some(uuid::Uuid::new_v4().to_string());
    new.updated_ms = now_ms;
    conn.prepare_cached(
        "UPDATE state_machines SET definition = ?2, role_arn = ?3, description = ?4, logging_json = ?5, \
         tracing_json = ?6, encryption_json = ?7, revision_id = ?8, updated_ms = ?9 WHERE id = ?1",
    )?
    .execute(params![
        id,
        new.definition,
        new.role_arn,
        new.description,
        new.logging_json,
        new.tracing_json,
        new.encryption_json,
        new.revision_id,
        new.updated_ms
    ])?;
    Ok(new)
}

pub(crate) fn delete_state_machine(conn: &Connection, arn: &str) -> Result<bool, StoreError> {
    let Some((id, _)) = machine_with_id(conn, arn)? else { return Ok(false) };
    // Aliases first (their routes reference the versions), then versions, tags, the machine.
    conn.prepare_cached("DELETE FROM aliases WHERE state_machine_id = ?1")?.execute([id])?;
    conn.prepare_cached("DELETE FROM versions WHERE state_machine_id = ?1")?.execute([id])?;
    conn.prepare_cached("DELETE FROM tags WHERE resource_arn = ?1")?.execute([arn])?;
    conn.prepare_cached("DELETE FROM state_machines WHERE id = ?1")?.execute([id])?;
    Ok(true)
}

pub(crate) fn list_state_machines(conn: &Connection, q: &ListQuery) -> Result<Page<StateMachineRecord>, StoreError> {
    let limit = page::page_size(q.max)?;
    let after = q.next_token.as_deref().map(|t| page::decode(t, "machines", "")).transpose()?.unwrap_or(0);
    let sql = format!("SELECT {MACHINE_COLUMNS} FROM state_machines WHERE id > ?1 ORDER BY id LIMIT ?2");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![after, limit as i64 + 1], machine_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(rows, limit, "machines", ""))
}

// ---- versions ----

const VERSION_COLUMNS: &str = "v.id, v.arn, m.arn, v.n, v.revision_id, v.description, v.definition, v.role_arn, \
     v.logging_json, v.tracing_json, v.encryption_json, v.created_ms";

fn version_row(row: &Row<'_>) -> rusqlite::Result<(i64, VersionRecord)> {
    Ok((
        row.get(0)?,
        VersionRecord {
            arn: row.get(1)?,
            state_machine_arn: row.get(2)?,
            n: row.get::<_, i64>(3)? as u64,
            revision_id: row.get(4)?,
            description: row.get(5)?,
            definition: row.get(6)?,
            role_arn: row.get(7)?,
            logging_json: row.get(8)?,
            tracing_json: row.get(9)?,
            encryption_json: row.get(10)?,
            created_ms: row.get(11)?,
        },
    ))
}

fn version_with_id(conn: &Connection, arn: &str) -> Result<Option<(i64, VersionRecord)>, StoreError> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM versions v JOIN state_machines m ON m.id = v.state_machine_id WHERE v.arn = ?1"
    );
    Ok(conn.prepare_cached(&sql)?.query_row([arn], version_row).optional()?)
}

pub(crate) fn version(conn: &Connection, arn: &str) -> Result<Option<VersionRecord>, StoreError> {
    Ok(version_with_id(conn, arn)?.map(|(_, v)| v))
}

pub(crate) fn publish_version(
    conn: &Connection,
    machine_arn: &str,
    description: Option<String>,
    expected_revision: Option<String>,
    now_ms: i64,
) -> Result<VersionRecord, StoreError> {
    let (id, m) = require_machine(conn, machine_arn)?;
    if let Some(expected) = expected_revision {
        let current = m.revision_id.as_deref().unwrap_or("INITIAL");
        if expected != current {
            return Err(StoreError::Conflict(format!(
                "revision {expected} is not the current revision {current} of {machine_arn}"
            )));
        }
    }
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM versions v JOIN state_machines m ON m.id = v.state_machine_id \
         WHERE v.state_machine_id = ?1 AND v.revision_id IS ?2 ORDER BY v.n DESC LIMIT 1"
    );
    if let Some((_, existing)) = conn.prepare_cached(&sql)?.query_row(params![id, m.revision_id], version_row).optional()? {
        return Ok(existing);
    }
    let n: i64 = conn
        .prepare_cached("UPDATE state_machines SET last_version = last_version + 1 WHERE id = ?1 RETURNING last_version")?
        .query_row([id], |row| row.get(0))?;
    let v = VersionRecord {
        arn: format!("{machine_arn}:{n}"),
        state_machine_arn: machine_arn.to_string(),
        n: n as u64,
        revision_id: m.revision_id,
        description,
        definition: m.definition,
        role_arn: m.role_arn,
        logging_json: m.logging_json,
        tracing_json: m.tracing_json,
        encryption_json: m.encryption_json,
        created_ms: now_ms,
    };
    conn.prepare_cached(
        "INSERT INTO versions (arn, state_machine_id, n, revision_id, description, definition, role_arn, \
         logging_json, tracing_json, encryption_json, created_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        v.arn,
        id,
        n,
        v.revision_id,
        v.description,
        v.definition,
        v.role_arn,
        v.logging_json,
        v.tracing_json,
        v.encryption_json,
        v.created_ms
    ])?;
    Ok(v)
}

pub(crate) fn list_versions(conn: &Connection, machine_arn: &str, q: &ListQuery) -> Result<Page<VersionRecord>, StoreError> {
    let limit = page::page_size(q.max)?;
    let before = q.next_token.as_deref().map(|t| page::decode(t, "versions", machine_arn)).transpose()?;
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM versions v JOIN state_machines m ON m.id = v.state_machine_id \
         WHERE m.arn = ?1 AND v.n < ?2 ORDER BY v.n DESC LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params![machine_arn, before.unwrap_or(i64::MAX), limit as i64 + 1], |row| {
            version_row(row).map(|(_, v)| (v.n as i64, v))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(paginate(rows, limit, "versions", machine_arn))
}

pub(crate) fn delete_version(conn: &Connection, arn: &str) -> Result<bool, StoreError> {
    let Some((id, _)) = version_with_id(conn, arn)? else { return Ok(false) };
    let routed: Option<String> = conn
        .prepare_cached(
            "SELECT a.arn FROM alias_routes r JOIN aliases a ON a.id = r.alias_id WHERE r.version_id = ?1 LIMIT 1",
        )?
        .query_row([id], |row| row.get(0))
        .optional()?;
    if let Some(alias) = routed {
        return Err(StoreError::Conflict(format!("version {arn} is routed to by alias {alias}")));
    }
    conn.prepare_cached("DELETE FROM versions WHERE id = ?1")?.execute([id])?;
    Ok(true)
}

// ---- aliases ----

fn alias_with_id(conn: &Connection, arn: &str) -> Result<Option<(i64, i64, AliasRecord)>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT a.id, a.state_machine_id, a.arn, m.arn, a.name, a.description, a.created_ms, a.updated_ms \
             FROM aliases a JOIN state_machines m ON m.id = a.state_machine_id WHERE a.arn = ?1",
        )?
        .query_row([arn], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                AliasRecord {
                    arn: row.get(2)?,
                    state_machine_arn: row.get(3)?,
                    name: row.get(4)?,
                    description: row.get(5)?,
                    routing: Vec::new(),
                    created_ms: row.get(6)?,
                    updated_ms: row.get(7)?,
                },
            ))
        })
        .optional()?;
    let Some((id, machine_id, mut alias)) = row else { return Ok(None) };
    alias.routing = routing(conn, id)?;
    Ok(Some((id, machine_id, alias)))
}

fn routing(conn: &Connection, alias_id: i64) -> Result<Vec<Routing>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.arn, r.weight FROM alias_routes r JOIN versions v ON v.id = r.version_id \
         WHERE r.alias_id = ?1 ORDER BY r.position",
    )?;
    let rows = stmt.query_map([alias_id], |row| Ok(Routing { version_arn: row.get(0)?, weight: row.get(1)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Checks a routing configuration and returns the version row ids in order.
fn check_routing(conn: &Connection, machine_id: i64, routes: &[Routing]) -> Result<Vec<i64>, StoreError> {
    if routes.is_empty() || routes.len() > 2 {
        return Err(StoreError::Invalid(format!(
            "an alias routes to one or two versions, not {}",
            routes.len()
        )));
    }
    if routes.len() == 2 && routes[0].version_arn == routes[1].version_arn {
        return Err(StoreError::Invalid(format!("version {} is routed to twice", routes[0].version_arn)));
    }
    let total: u32 = routes.iter().map(|r| u32::from(r.weight)).sum();
    if total != 100 || routes.iter().any(|r| r.weight > 100) {
        return Err(StoreError::Invalid(format!("routing weights add up to {total}, not 100")));
    }
    let mut ids = Vec::with_capacity(routes.len());
    for r in routes {
        let found: Option<(i64, i64)> = conn
            .prepare_cached("SELECT id, state_machine_id FROM versions WHERE arn = ?1")?
            .query_row([&r.version_arn], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        match found {
            Some((id, m)) if m == machine_id => ids.push(id),
            Some(_) => {
                return Err(StoreError::Invalid(format!(
                    "version {} belongs to another state machine",
                    r.version_arn
                )))
            }
            None => return Err(StoreError::NotFound(format!("version {}", r.version_arn))),
        }
    }
    Ok(ids)
}

fn write_routing(conn: &Connection, alias_id: i64, version_ids: &[i64], routes: &[Routing]) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM alias_routes WHERE alias_id = ?1")?.execute([alias_id])?;
    let mut insert = conn
        .prepare_cached("INSERT INTO alias_routes (alias_id, position, version_id, weight) VALUES (?1, ?2, ?3, ?4)")?;
    for (i, (vid, r)) in version_ids.iter().zip(routes).enumerate() {
        insert.execute(params![alias_id, i as i64, vid, r.weight])?;
    }
    Ok(())
}

pub(crate) fn create_alias(conn: &Connection, a: AliasRecord) -> Result<Created<AliasRecord>, StoreError> {
    crate::arn::validate_name(&a.name)
        .map_err(|e| StoreError::Invalid(format!("alias name {:?}: {e}", a.name)))?;
    if a.name.bytes().all(|b| b.is_ascii_digit()) {
        // `…:stateMachine:NAME:123` is the ARN of version 123.
        return Err(StoreError::Invalid(format!("alias name {:?} is a number, which names a version", a.name)));
    }
    let (machine_id, _) = require_machine(conn, &a.state_machine_arn)?;
    if let Some((_, _, existing)) = alias_with_id(conn, &a.arn)? {
        return if existing.description == a.description && existing.routing == a.routing {
            Ok(Created { record: existing, created: false })
        } else {
            Err(StoreError::Conflict(format!("alias {} exists with a different description or routing", a.arn)))
        };
    }
    let version_ids = check_routing(conn, machine_id, &a.routing)?;
    let alias_id: i64 = conn
        .prepare_cached(
            "INSERT INTO aliases (arn, state_machine_id, name, description, created_ms, updated_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )?
        .query_row(params![a.arn, machine_id, a.name, a.description, a.created_ms, a.updated_ms], |row| row.get(0))?;
    write_routing(conn, alias_id, &version_ids, &a.routing)?;
    Ok(Created { record: a, created: true })
}

pub(crate) fn alias(conn: &Connection, arn: &str) -> Result<Option<AliasRecord>, StoreError> {
    Ok(alias_with_id(conn, arn)?.map(|(_, _, a)| a))
}

pub(crate) fn update_alias(conn: &Connection, arn: &str, u: AliasUpdate, now_ms: i64) -> Result<AliasRecord, StoreError> {
    let (id, machine_id, mut a) =
        alias_with_id(conn, arn)?.ok_or_else(|| StoreError::NotFound(format!("alias {arn}")))?;
    if let Some(routes) = u.routing {
        let version_ids = check_routing(conn, machine_id, &routes)?;
        write_routing(conn, id, &version_ids, &routes)?;
        a.routing = routes;
    }
    if u.description.is_some() {
        a.description = u.description;
    }
    a.updated_ms = now_ms;
    conn.prepare_cached("UPDATE aliases SET description = ?2, updated_ms = ?3 WHERE id = ?1")?
        .execute(params![id, a.description, a.updated_ms])?;
    Ok(a)
}

pub(crate) fn list_aliases(conn: &Connection, machine_arn: &str, q: &ListQuery) -> Result<Page<AliasRecord>, StoreError> {
    let limit = page::page_size(q.max)?;
    let (machine_id, _) = require_machine(conn, machine_arn)?;
    let after = q.next_token.as_deref().map(|t| page::decode(t, "aliases", machine_arn)).transpose()?.unwrap_or(0);
    let arns: Vec<(i64, String)> = conn
        .prepare_cached("SELECT id, arn FROM aliases WHERE state_machine_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3")?
        .query_map(params![machine_id, after, limit as i64 + 1], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut rows = Vec::with_capacity(arns.len());
    for (id, arn) in arns {
        if let Some((_, _, a)) = alias_with_id(conn, &arn)? {
            rows.push((id, a));
        }
    }
    Ok(paginate(rows, limit, "aliases", machine_arn))
}

pub(crate) fn delete_alias(conn: &Connection, arn: &str) -> Result<bool, StoreError> {
    Ok(conn.prepare_cached("DELETE FROM aliases WHERE arn = ?1")?.execute([arn])? > 0)
}

