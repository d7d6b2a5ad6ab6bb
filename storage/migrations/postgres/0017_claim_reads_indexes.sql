-- A claim reads every pending reminder due, and what the sweep's messages need of it, in
-- one range of this index alone (issue 14): it holds each pending reminder's
-- jurisdiction, round, deadline and kind too, so the claim reads none of the reminders'
-- rows, which lie one to a page, scattered over the table (an index-only scan).
DROP INDEX reminders_pending;
CREATE INDEX reminders_pending ON reminders (due_at, id)
    INCLUDE (jurisdiction_id, round, deadline, kind) WHERE status = 'pending';
