//! The one error type of the crate.

use std::sync::Arc;

/// Why a store operation failed.
///
/// Cloneable so that one failed group commit can be reported to every commit it carried.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The resource (named by its ARN or name) already exists with different settings.
    #[error("{0} already exists")]
    AlreadyExists(String),
    /// The resource (named by its ARN or name) does not exist.
    #[error("{0} does not exist")]
    NotFound(String),
    /// The operation would leave related resources inconsistent (AWS `ConflictException`):
    /// a stale expected revision, a version still routed to by an alias, an alias name taken
    /// with a different routing.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A page token that this store did not issue for this query.
    #[error("invalid page token: {0}")]
    InvalidToken(String),
    /// An argument the store refuses (bad alias routing, bad name, bad limit...).
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// A commit carried a history event whose id is already stored for that execution.
    #[error("duplicate history event {id} for execution {execution_arn}")]
    DuplicateEvent { execution_arn: String, id: u64 },
    /// A commit's history events do not continue the stored history without a gap.
    #[error("history event {got} for execution {execution_arn} does not follow event {last} (events must be numbered 1, 2, 3... without gaps)")]
    EventOutOfOrder { execution_arn: String, last: u64, got: u64 },
    /// A commit carried a journal entry whose sequence number is already stored.
    #[error("duplicate journal entry {seq} for execution {execution_arn}")]
    DuplicateJournal { execution_arn: String, seq: u64 },
    /// A commit's journal entries do not continue the stored journal without a gap.
    #[error("journal entry {got} for execution {execution_arn} does not follow entry {last} (entries must be numbered 1, 2, 3... without gaps)")]
    JournalOutOfOrder { execution_arn: String, last: u64, got: u64 },
    /// The database holds a value this version of the code cannot read.
    #[error("corrupt value in the database: {0}")]
    Corrupt(String),
    /// The database was written by a newer stepwasm (its schema version is above ours).
    #[error("the database schema version {found} is newer than this program's ({supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    /// Opening or preparing the database file failed; `source` says how.
    #[error("opening the database {path}: {source}")]
    Open { path: String, #[source] source: Box<StoreError> },
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[source] Arc<rusqlite::Error>),
    /// Creating the data directory or another file operation failed.
    #[error("{context}: {source}")]
    Io { context: String, #[source] source: Arc<std::io::Error> },
    /// The writer thread has stopped (the store is shutting down or the thread panicked).
    #[error("the store's writer thread has stopped")]
    Closed,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(Arc::new(e))
    }
}
