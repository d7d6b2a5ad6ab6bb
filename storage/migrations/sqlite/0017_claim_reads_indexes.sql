-- A claim reads every pending reminder due, and what the sweep's messages need of it, in
-- one range of this index alone (issue 14): it holds each pending reminder's
-- jurisdiction, round, deadline and kind too, so the claim reads none of the reminders'
-- rows, which lie one to a page, scattered over the table (SQLite 3.40 reads a row for a
-- column its partial index's WHERE names unless the index holds it too: status stays in).
DROP INDEX reminders_pending;
CREATE INDEX reminders_pending ON reminders
    (due_at, id, jurisdiction_id, status, round, deadline, kind) WHERE status = 'pending';
-- reminder_claims holds only the claims in flight (a sweep's few thousand rows at most):
-- the check for stale ones reads it whole, a few pages, and an index of claimed_at made
-- every claim write one more entry a row, and every renewal rewrite them all.
DROP INDEX reminder_claims_claimed_at;
