-- Closure days (FRCP 6(a)(3)): days the office could not act, declared with a reason,
-- for every jurisdiction or one US state (us_state = ''), by a lead. A withdrawal is
-- written on the row (withdrawn_by, withdrawn_at), never a deletion: the record keeps
-- what was declared, by whom and when. The deadlines a closure moved say so in their
-- own events (deadline_moved), in the hash chain, written in the same transaction.
CREATE TABLE closures (
    id           INTEGER PRIMARY KEY,
    first_day    TEXT NOT NULL,
    last_day     TEXT NOT NULL,
    reason       TEXT NOT NULL,
    us_state     TEXT NOT NULL DEFAULT '',
    declared_by  TEXT NOT NULL,
    declared_at  TEXT NOT NULL,
    withdrawn_by TEXT,
    withdrawn_at TEXT
);
CREATE INDEX closures_active ON closures (us_state) WHERE withdrawn_at IS NULL;
CREATE TRIGGER closures_no_delete BEFORE DELETE ON closures
BEGIN SELECT RAISE(ABORT, 'closures are withdrawn, never deleted'); END;
