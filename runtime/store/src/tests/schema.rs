use rusqlite::Connection;

use super::*;
use crate::{Store, StoreError};

fn user_version(path: &std::path::Path) -> i64 {
    Connection::open(path).unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
}

#[test]
fn migrates_an_empty_database_and_reopens_idempotently() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("s.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(user_version(&path), SqliteStore::schema_version());
        store.create_state_machine(machine("m", "{}")).unwrap();
    }
    // Re-opening runs no migration twice and keeps the data.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(user_version(&path), SqliteStore::schema_version());
    assert!(store.state_machine(&ctx().state_machine("m")).unwrap().is_some());
    let mode: String =
        Connection::open(&path).unwrap().pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn refuses_a_database_from_a_newer_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    drop(SqliteStore::open(&path).unwrap());
    Connection::open(&path).unwrap().pragma_update(None, "user_version", 999).unwrap();
    match SqliteStore::open(&path) {
        Err(StoreError::SchemaTooNew { found: 999, supported }) => assert_eq!(supported, SqliteStore::schema_version()),
        Err(other) => panic!("wrong error {other}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

#[test]
fn reports_an_unusable_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    // The parent "directory" is a file.
    let err = SqliteStore::open(file.join("s.db")).err().expect("open must fail");
    assert!(matches!(err, StoreError::Io { .. }), "{err}");
}

#[test]
fn the_background_checkpointer_copies_the_wal_into_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut config = crate::SqliteConfig::new(&path);
    config.checkpoint_interval = Some(std::time::Duration::from_millis(10));
    let store = SqliteStore::open_with(config).unwrap();
    let rec = execution("m", "e", 0);
    store.create_execution(&rec, commit_events(&rec.arn, 1..=1)).unwrap();
    // Three commits of about 1 MiB: some 770 WAL frames, below the 1000 at which SQLite itself
    // would checkpoint, so only the checkpointer thread moves them into the database file.
    let big = "x".repeat(1024 * 1024);
    for id in 2..=4u64 {
        let mut commit = commit_events(&rec.arn, id..=id);
        commit.events[0].json = format!("{{\"id\":{id},\"pad\":\"{big}\"}}");
        store.commit_blocking(commit).unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let size = std::fs::metadata(&path).unwrap().len();
        if size > 2 * 1024 * 1024 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the database file is still {size} bytes");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn names_the_file_it_cannot_open() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the database file should be.
    let path = dir.path().join("s.db");
    std::fs::create_dir(&path).unwrap();
    let err = SqliteStore::open(&path).err().expect("open must fail");
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert!(err.to_string().contains(&path.display().to_string()), "{err}");
}

fn count(path: &std::path::Path, sql: &str) -> i64 {
    Connection::open(path).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn executions_of_one_definition_share_its_stored_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let store = SqliteStore::open(&path).unwrap();
    let other = r#"{"StartAt":"Q","States":{"Q":{"Type":"Succeed"}}}"#;
    for (name, definition) in [("a", None), ("b", None), ("c", Some(other))] {
        let mut rec = execution("m", name, 0);
        if let Some(d) = definition {
            rec.definition = d.to_string();
        }
        store.create_execution(&rec, commit_events(&rec.arn, 1..=1)).unwrap();
    }
    assert_eq!(count(&path, "SELECT COUNT(*) FROM definitions"), 2);
    let read = |name: &str| store.execution(&ctx().execution("m", name)).unwrap().unwrap().definition;
    assert_eq!(read("a"), execution("m", "a", 0).definition);
    assert_eq!(read("b"), read("a"));
    assert_eq!(read("c"), other);
    let listed = store.list_executions(&crate::ExecutionQuery::default()).unwrap();
    assert_eq!(listed.items.iter().map(|r| r.definition.as_str()).filter(|d| *d == other).count(), 1);
}

#[test]
fn version_2_moves_the_definitions_of_existing_executions_into_their_own_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    {
        // A database as schema version 1 left it: each execution row holds its definition.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../sqlite/migrations/0001_initial.sql")).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        let insert = "INSERT INTO executions (arn, name, state_machine_arn, definition, kind, status, input, start_ms) \
                      VALUES (?1, ?1, 'm', ?2, 'STANDARD', 'RUNNING', '{}', 0)";
        for (arn, definition) in [("e1", "d-one"), ("e2", "d-two"), ("e3", "d-one")] {
            conn.execute(insert, [arn, definition]).unwrap();
        }
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(user_version(&path), SqliteStore::schema_version());
    let definitions: Vec<String> = ["e1", "e2", "e3"]
        .iter()
        .map(|arn| store.execution(arn).unwrap().unwrap().definition)
        .collect();
    assert_eq!(definitions, ["d-one", "d-two", "d-one"]);
    assert_eq!(count(&path, "SELECT COUNT(*) FROM definitions"), 2);
    assert_eq!(count(&path, "SELECT COUNT(*) FROM pragma_table_info('executions') WHERE name = 'definition'"), 0);
}

#[test]
fn version_3_adds_map_runs_to_a_version_2_database_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let rec = execution("m", "old", 7);
    {
        // A database as schema version 2 left it, holding one execution with two events.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../sqlite/migrations/0001_initial.sql")).unwrap();
        conn.execute_batch(include_str!("../sqlite/migrations/0002_definitions_once.sql")).unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute("INSERT INTO definitions (text) VALUES (?1)", [&rec.definition]).unwrap();
        conn.execute(
            "INSERT INTO executions (arn, name, state_machine_arn, definition_id, kind, status, input, start_ms) \
             VALUES (?1, ?2, ?3, 1, 'STANDARD', 'RUNNING', '{}', 7)",
            [&rec.arn, &rec.name, &rec.state_machine_arn],
        )
        .unwrap();
        for id in 1..=2u64 {
            let e = event(&rec.arn, id);
            conn.execute(
                "INSERT INTO events (execution_id, id, timestamp_ms, type, json) VALUES (1, ?1, ?2, ?3, ?4)",
                rusqlite::params![id as i64, e.timestamp_ms, e.event_type, e.json],
            )
            .unwrap();
        }
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(user_version(&path), SqliteStore::schema_version());
    assert_eq!(store.execution(&rec.arn).unwrap(), Some(rec.clone()));
    let history = store.history(&rec.arn, &crate::HistoryQuery::default()).unwrap();
    assert_eq!(history.items, [event(&rec.arn, 1), event(&rec.arn, 2)]);
    assert_eq!(store.running_executions().unwrap(), std::slice::from_ref(&rec));
    let columns = "SELECT COUNT(*) FROM pragma_table_info('executions') WHERE name IN ('map_run_id', 'map_items')";
    assert_eq!(count(&path, columns), 2);
    let children = "SELECT COUNT(*) FROM executions WHERE map_run_id IS NOT NULL OR map_items IS NOT NULL";
    assert_eq!(count(&path, children), 0);
    // The old execution goes on, and can start a map run with a child.
    let run = crate::MapRunRecord {
        arn: "arn:aws:states:us-east-1:123456789012:mapRun:m/r:1".into(),
        execution_arn: rec.arn.clone(),
        status: crate::MapRunStatus::Running,
        start_ms: 8,
        stop_ms: None,
        max_concurrency: 0,
        tolerated_failure_percentage: 0.0,
        tolerated_failure_count: 0,
        item_count: 1,
        execution_count: 1,
        error: None,
        cause: None,
    };
    let kid = crate::ExecutionRecord { map_run_arn: Some(run.arn.clone()), map_items: Some(1), ..execution("m/r", "kid", 8) };
    let child = crate::ChildCommit {
        start: Some(kid.clone()),
        commit: commit_events(&kid.arn, 1..=1),
    };
    let commit = Commit { map_runs_started: vec![run.clone()], children: vec![child], ..commit_events(&rec.arn, 3..=3) };
    store.commit_blocking(commit).unwrap();
    assert_eq!(store.execution(&kid.arn).unwrap(), Some(kid));
    assert_eq!(store.map_run(&run.arn).unwrap().map(|v| v.executions.running), Some(1));
    assert_eq!(count(&path, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
}
