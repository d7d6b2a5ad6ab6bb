-- The same table as sqlite/0019_counts_of_big_writes.sql, so that both engines keep
-- the same tables. PostgreSQL never writes it: its count triggers (migration 0014) run
-- once a statement over the statement's rows (transition tables), so a big write is
-- counted in one upsert a statement already.

CREATE TABLE jurisdiction_counts_paused (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);
