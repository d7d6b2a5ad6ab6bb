-- A big import on SQLite is written a run of jurisdictions at a time, each run its own
-- short transaction, so that no one else's write waits long (storage/runs.py). Its
-- jurisdictions are reserved while it runs (import_run), and what is left of it is
-- kept in import_runs, so that a process that dies part-way is finished by the next.
ALTER TABLE jurisdictions ADD COLUMN import_run TEXT;
CREATE TABLE import_runs (
    id TEXT PRIMARY KEY,
    statements TEXT NOT NULL,
    chunks INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    lease_until DOUBLE PRECISION NOT NULL
);
