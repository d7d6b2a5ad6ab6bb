-- A big write counts its new jurisdictions once, not once a row (issue 14).
--
-- The insert trigger of migration 0014 runs two upserts of jurisdiction_counts for
-- every row: for an import of 100,000 jurisdictions, 200,000 statements inside the
-- write lock. A staged write (storage/writes.py) now puts a row in
-- ``jurisdiction_counts_paused`` in its transaction, moves its rows in, deletes that
-- row, and adds the counts of all the rows it moved with one statement. The row never
-- outlives that transaction (it is deleted before the commit, and a rollback takes it
-- away too), and SQLite lets one transaction write at a time, so every other insert
-- finds the table empty and is counted by the trigger as before.

CREATE TABLE jurisdiction_counts_paused (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);

DROP TRIGGER jurisdiction_counts_insert;
CREATE TRIGGER jurisdiction_counts_insert AFTER INSERT ON jurisdictions
WHEN NOT EXISTS (SELECT 1 FROM jurisdiction_counts_paused) BEGIN
    INSERT INTO jurisdiction_counts (facet, value, n) VALUES
        ('all', '', 1), ('state', NEW.state, 1), ('kind', NEW.kind, 1),
        ('us_state', NEW.us_state, 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1;
    INSERT INTO jurisdiction_counts (facet, value, n)
        SELECT 'owner', NEW.owner, 1 WHERE NEW.owner IS NOT NULL
        UNION ALL SELECT 'due_us_state', NEW.us_state, 1 WHERE NEW.due_on IS NOT NULL
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1;
END;
