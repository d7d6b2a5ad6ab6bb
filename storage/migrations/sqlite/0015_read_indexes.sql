-- What a leadership summary and the state export read, from indexes (issue 14:
-- 100,000 jurisdictions, 1,000,000 events). The period's events by time, with what the
-- counts need (state moves, the jurisdiction, its sequence) and in the order of the
-- latest moves (recorded_at, id): it replaces events_recorded_at, which made every
-- event of the period a lookup into the events table. The running deadlines by day
-- with their US state and workflow state (the tier counts), and by workflow state and
-- day (the busiest deadline dates): they replace jurisdictions_due_on, whose lookups
-- into the jurisdictions table read every row with a deadline.
CREATE INDEX events_recorded_window ON events (recorded_at, id, jurisdiction_id, seq,
                                               from_state, to_state);
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
