-- What a leadership summary and the state export read, from indexes (issue 14:
-- 100,000 jurisdictions, 1,000,000 events); see the SQLite migration of the same
-- number. PostgreSQL carries the extra columns as INCLUDE (not part of the key).
CREATE INDEX events_recorded_window ON events (recorded_at, id)
    INCLUDE (jurisdiction_id, seq, from_state, to_state);
DROP INDEX events_recorded_at;
CREATE INDEX jurisdictions_deadlines ON jurisdictions (due_on, us_state, state)
    WHERE due_on IS NOT NULL;
CREATE INDEX jurisdictions_state_due ON jurisdictions (state, due_on)
    WHERE due_on IS NOT NULL;
DROP INDEX jurisdictions_due_on;
-- The events of a few kinds (the steps that pause and resume a clock, extensions) for
-- a page of jurisdictions, as the state export reads them: without it, every event of
-- the page was read to keep the few of those kinds.
CREATE INDEX events_kind ON events (kind, jurisdiction_id, seq);
