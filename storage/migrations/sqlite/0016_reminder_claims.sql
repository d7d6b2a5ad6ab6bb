-- A sweep's claim is a row of its own per reminder (issue 14: a claim at 100,000
-- jurisdictions wrote 2,000 reminders scattered over ~1,900 pages, each fsynced, and
-- rewrote them all again on every renewal). The table holds only the claims in flight
-- (a row goes when its reminder is posted, dropped or put back), so a claim writes a
-- few pages of it. A claimed reminder stays 'pending' in reminders and is "sending"
-- while its claim row exists; the primary key makes the database refuse a second claim.
CREATE TABLE reminder_claims (
    reminder_id  INTEGER PRIMARY KEY,  -- reminders.id (no foreign key: on PostgreSQL
                                  -- its check locks, so writes, the reminder's row)
    claim_id     TEXT NOT NULL,
    claimed_at   TEXT NOT NULL,
    channel      TEXT NOT NULL,   -- where the claim posts it
    posted_after TEXT             -- the channel's last reminder message before the claim
);
CREATE INDEX reminder_claims_claim ON reminder_claims (claim_id);
CREATE INDEX reminder_claims_claimed_at ON reminder_claims (claimed_at);
-- Claims in flight when this migration runs move over, their reminders back to pending.
INSERT INTO reminder_claims (reminder_id, claim_id, claimed_at, channel, posted_after)
    SELECT id, claim_id, claimed_at, channel, posted_after FROM reminders
    WHERE status = 'sending';
UPDATE reminders SET status = 'pending', claim_id = NULL, claimed_at = NULL,
    posted_after = NULL WHERE status = 'sending';
DROP INDEX reminders_sending;
DROP INDEX reminders_claim;
-- The claim's pick and the riders it brings along (a picked jurisdiction's other due
-- reminders) read these alone, never the reminders' scattered rows (SQLite 3.40 reads a
-- row for a column its partial index's WHERE names unless the index holds it too).
DROP INDEX reminders_pending;
CREATE INDEX reminders_pending ON reminders (due_at, id, jurisdiction_id, status)
    WHERE status = 'pending';
CREATE INDEX reminders_pending_by_jurisdiction ON reminders (jurisdiction_id, due_at, status)
    WHERE status = 'pending';
-- Each reminder's status as it stands, claims included (for whoever reads the record).
CREATE VIEW reminder_status AS
    SELECT r.id, r.jurisdiction_id, r.kind, r.due_at, c.claim_id,
           CASE WHEN c.reminder_id IS NULL THEN r.status ELSE 'sending' END AS status
    FROM reminders r LEFT JOIN reminder_claims c ON c.reminder_id = r.id;
