-- Schema version 2: each distinct definition text is stored once, and executions refer to it.
-- An execution row used to carry its machine's whole definition (2.4 KB of the order example's
-- 4.1 KB per row, so one row filled most of a page), rewritten with every status update.

CREATE TABLE definitions (
    id   INTEGER PRIMARY KEY,
    text TEXT NOT NULL UNIQUE
) STRICT;

INSERT INTO definitions (text) SELECT DISTINCT definition FROM executions;

-- ADD COLUMN cannot add NOT NULL without a default; `store` always sets it.
ALTER TABLE executions ADD COLUMN definition_id INTEGER REFERENCES definitions (id);
UPDATE executions SET definition_id = (SELECT d.id FROM definitions d WHERE d.text = executions.definition);
ALTER TABLE executions DROP COLUMN definition;
