-- Schema version 1.

-- Uploaded Wasm functions.
CREATE TABLE functions (
    name        TEXT PRIMARY KEY,
    wasm        BLOB NOT NULL,
    sha256      TEXT NOT NULL,
    grants_json TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL
) STRICT;

-- State machines; `id` is the creation order (the listing key).
CREATE TABLE state_machines (
    id              INTEGER PRIMARY KEY,
    arn             TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('STANDARD', 'EXPRESS')),
    definition      TEXT NOT NULL,
    role_arn        TEXT NOT NULL,
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL,
    revision_id     TEXT,
    description     TEXT,
    logging_json    TEXT,
    tracing_json    TEXT,
    encryption_json TEXT,
    -- The highest version number ever published: numbers are never reused.
    last_version    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE versions (
    id               INTEGER PRIMARY KEY,
    arn              TEXT NOT NULL UNIQUE,
    state_machine_id INTEGER NOT NULL REFERENCES state_machines (id),
    n                INTEGER NOT NULL,
    revision_id      TEXT,
    description      TEXT,
    definition       TEXT NOT NULL,
    role_arn         TEXT NOT NULL,
    logging_json     TEXT,
    tracing_json     TEXT,
    encryption_json  TEXT,
    created_ms       INTEGER NOT NULL,
    UNIQUE (state_machine_id, n)
) STRICT;

CREATE TABLE aliases (
    id               INTEGER PRIMARY KEY,
    arn              TEXT NOT NULL UNIQUE,
    state_machine_id INTEGER NOT NULL REFERENCES state_machines (id),
    name             TEXT NOT NULL,
    description      TEXT,
    created_ms       INTEGER NOT NULL,
    updated_ms       INTEGER NOT NULL
) STRICT;
CREATE INDEX aliases_by_machine ON aliases (state_machine_id, id);

-- An alias's routing; a version that an alias routes to cannot be deleted (no cascade).
CREATE TABLE alias_routes (
    alias_id   INTEGER NOT NULL REFERENCES aliases (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    version_id INTEGER NOT NULL REFERENCES versions (id),
    weight     INTEGER NOT NULL CHECK (weight BETWEEN 0 AND 100),
    PRIMARY KEY (alias_id, position)
) STRICT;
CREATE INDEX alias_routes_by_version ON alias_routes (version_id);

CREATE TABLE activities (
    id         INTEGER PRIMARY KEY,
    arn        TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_ms INTEGER NOT NULL
) STRICT;

-- Tags of state machines and activities.
CREATE TABLE tags (
    resource_arn TEXT NOT NULL,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (resource_arn, key)
) STRICT, WITHOUT ROWID;

-- HTTP routes that run a state machine synchronously.
CREATE TABLE routes (
    method            TEXT NOT NULL,
    path_pattern      TEXT NOT NULL,
    state_machine_arn TEXT NOT NULL,
    options_json      TEXT NOT NULL,
    PRIMARY KEY (path_pattern, method)
) STRICT, WITHOUT ROWID;

-- Executions; `id` is the start order (the listing key, newest first).
CREATE TABLE executions (
    id                INTEGER PRIMARY KEY,
    arn               TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    state_machine_arn TEXT NOT NULL,
    version_arn       TEXT,
    alias_arn         TEXT,
    definition        TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('STANDARD', 'EXPRESS')),
    status            TEXT NOT NULL CHECK (status IN
                          ('RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE')),
    input             TEXT NOT NULL,
    output            TEXT,
    error             TEXT,
    cause             TEXT,
    start_ms          INTEGER NOT NULL,
    stop_ms           INTEGER,
    redrive_count     INTEGER NOT NULL DEFAULT 0,
    redrive_ms        INTEGER,
    trace_header      TEXT
) STRICT;
CREATE INDEX executions_by_machine ON executions (state_machine_arn, id);
CREATE INDEX executions_by_version ON executions (version_arn, id) WHERE version_arn IS NOT NULL;
CREATE INDEX executions_by_alias ON executions (alias_arn, id) WHERE alias_arn IS NOT NULL;
CREATE INDEX executions_running ON executions (id) WHERE status = 'RUNNING';

-- History events; (execution, id) is unique, so an event is never stored twice.
CREATE TABLE events (
    execution_id INTEGER NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    id           INTEGER NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    type         TEXT NOT NULL,
    json         TEXT NOT NULL,
    UNIQUE (execution_id, id)
) STRICT;

-- The engine's replay log: the interpreter's inputs in order.
CREATE TABLE journal (
    execution_id INTEGER NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    input        TEXT NOT NULL,
    now_ms       INTEGER NOT NULL,
    entropy      INTEGER NOT NULL,
    UNIQUE (execution_id, seq)
) STRICT;

CREATE TABLE timers (
    execution_id INTEGER NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    work_id      INTEGER NOT NULL,
    due_ms       INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    PRIMARY KEY (execution_id, work_id)
) STRICT, WITHOUT ROWID;

-- Outstanding task tokens; activity tasks are pending until a worker claims them.
CREATE TABLE tokens (
    id                INTEGER PRIMARY KEY,
    token             TEXT NOT NULL UNIQUE,
    execution_id      INTEGER NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    work_id           INTEGER NOT NULL,
    activity_arn      TEXT,
    input             TEXT,
    heartbeat_seconds INTEGER,
    claimed_ms        INTEGER,
    worker_name       TEXT
) STRICT;
CREATE INDEX tokens_pending ON tokens (activity_arn, id)
    WHERE activity_arn IS NOT NULL AND claimed_ms IS NULL;
