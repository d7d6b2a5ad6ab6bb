-- A sweep's claim flips the status of thousands of scattered reminder rows: keep status
-- out of the per-jurisdiction index (its queries read a handful of rows anyway), and
-- find a claim's rows through an index rather than by reading every reminder.

DROP INDEX reminders_jurisdiction;
CREATE INDEX reminders_jurisdiction ON reminders (jurisdiction_id);
CREATE INDEX reminders_claim ON reminders (claim_id) WHERE status = 'sending';
