-- Schema version 3: Distributed Map runs and their child workflow executions.
-- A Distributed Map state starts a map run, which runs one child execution per item (or batch).
-- Children are executions like any other (DescribeExecution and GetExecutionHistory read them),
-- written inside their parent's commits; ListExecutions finds them by map run only, and the
-- restart scan skips them (their parent's journal replays them).

-- `id` is the creation order (the listing key); a run goes with the execution that started it.
CREATE TABLE map_runs (
    id                           INTEGER PRIMARY KEY,
    arn                          TEXT NOT NULL UNIQUE,
    execution_id                 INTEGER NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    status                       TEXT NOT NULL CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED')),
    start_ms                     INTEGER NOT NULL,
    stop_ms                      INTEGER,
    -- 0 = no limit.
    max_concurrency              INTEGER NOT NULL,
    tolerated_failure_percentage REAL NOT NULL,
    tolerated_failure_count      INTEGER NOT NULL,
    -- Items (not batches) and child executions (one per batch) the run processes in all.
    item_count                   INTEGER NOT NULL,
    execution_count              INTEGER NOT NULL,
    error                        TEXT,
    cause                        TEXT
) STRICT;
CREATE INDEX map_runs_by_execution ON map_runs (execution_id, id);

-- Set for a child execution only: its run, and how many of the run's items it processes (a
-- batch's size). ADD COLUMN with REFERENCES needs a NULL default, which top-level rows keep.
ALTER TABLE executions ADD COLUMN map_run_id INTEGER REFERENCES map_runs (id);
ALTER TABLE executions ADD COLUMN map_items INTEGER;
-- Partial: most executions are not children, and only children are listed by run.
CREATE INDEX executions_by_map_run ON executions (map_run_id, id) WHERE map_run_id IS NOT NULL;
