//! Connection settings and the numbered migrations.

use rusqlite::Connection;

use crate::StoreError;

/// How hard a commit tries to reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=NORMAL`: in WAL mode a commit is written to the WAL file but fsynced only at
    /// checkpoints. Committed transactions survive a crash of the process (`kill -9`, a panic,
    /// the OOM killer) because they are in the operating system's cache; a power loss or kernel
    /// crash may lose the last transactions (the database stays consistent).
    #[default]
    Process,
    /// `synchronous=FULL`: the WAL is fsynced at every commit, so committed transactions also
    /// survive power loss. Group commit shares one fsync among every commit queued meanwhile.
    PowerLoss,
}

/// Settings for the writer connection. `background_checkpoints`: a checkpointer thread copies
/// the WAL into the database, the writer only as a fallback.
pub(crate) fn configure_writer(
    conn: &Connection,
    durability: Durability,
    background_checkpoints: bool,
) -> Result<(), StoreError> {
    // WAL: readers never block the writer nor the writer the readers, and a commit appends
    // to the log instead of rewriting pages in place. Persistent: set once per database file.
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(format!("SQLite refused WAL mode (journal_mode is {mode})")));
    }
    set_durability(conn, durability)?;
    // Keep the WAL file from staying large after a burst: truncate it to 64 MiB at checkpoints.
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    // Every job runs in a savepoint, and SQLite copies each page a savepoint first changes into
    // a sub-journal: keep those in memory even past 64 KiB, where SQLite would spill them to
    // temporary files.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // 8 MiB of page cache (the default is 2 MiB): the writer touches the index pages of every
    // running execution. Bounded, since memory at the edge is counted.
    conn.pragma_update(None, "cache_size", -8 * 1024)?;
    if background_checkpoints {
        // The checkpointer thread keeps the WAL short; the writer checkpoints itself (stalling
        // its commits) only if the WAL reaches 16384 pages (64 MiB) anyway.
        conn.pragma_update(None, "wal_autocheckpoint", 16384)?;
    }
    configure_common(conn)
}

/// Settings for the checkpointer's connection.
pub(crate) fn configure_checkpointer(conn: &Connection, durability: Durability) -> Result<(), StoreError> {
    // The checkpoint's fsyncs follow the same durability as the commits.
    set_durability(conn, durability)?;
    // A checkpoint copies pages without going through the page cache: keep it minimal.
    conn.pragma_update(None, "cache_size", -256)?;
    configure_common(conn)
}

fn set_durability(conn: &Connection, durability: Durability) -> Result<(), StoreError> {
    // See `Durability`: NORMAL survives process crashes, FULL also power loss.
    let sync = match durability {
        Durability::Process => "NORMAL",
        Durability::PowerLoss => "FULL",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    Ok(())
}

/// Settings for a reader connection.
pub(crate) fn configure_reader(conn: &Connection) -> Result<(), StoreError> {
    // Readers must never write: the writer thread is the only writer.
    conn.pragma_update(None, "query_only", true)?;
    // 4 MiB of page cache per reader (the default is 2 MiB); several readers may be pooled.
    conn.pragma_update(None, "cache_size", -4 * 1024)?;
    configure_common(conn)
}

fn configure_common(conn: &Connection) -> Result<(), StoreError> {
    // SQLite does not enforce REFERENCES clauses unless asked, per connection.
    conn.pragma_update(None, "foreign_keys", true)?;
    // Another process holding a lock (a backup, the sqlite3 shell, a checkpoint) makes us wait
    // up to 5 s instead of failing at once with SQLITE_BUSY.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Statements are prepared with `prepare_cached`; room for every distinct statement we use.
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

/// The migrations, in order: migration `i` (0-based) brings the schema to version `i + 1`
/// (kept in `PRAGMA user_version`). Never edit a released migration: add a new one.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_definitions_once.sql"),
    include_str!("migrations/0003_map_runs.sql"),
];

/// The schema version this code writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database to `SCHEMA_VERSION`, one transaction per migration.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew { found, supported: SCHEMA_VERSION });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
