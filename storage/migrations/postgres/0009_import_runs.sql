-- The same columns as sqlite/0009_import_runs.sql. PostgreSQL writes an import in one
-- transaction (its writers lock only the rows they change), so it never fills them.
ALTER TABLE jurisdictions ADD COLUMN import_run TEXT COLLATE "C";
CREATE TABLE import_runs (
    id TEXT COLLATE "C" PRIMARY KEY,
    statements TEXT NOT NULL,
    chunks INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    lease_until DOUBLE PRECISION NOT NULL
);
