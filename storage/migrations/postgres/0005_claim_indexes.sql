-- The same indexes as sqlite/0005_claim_indexes.sql.

DROP INDEX reminders_jurisdiction;
CREATE INDEX reminders_jurisdiction ON reminders (jurisdiction_id);
CREATE INDEX reminders_claim ON reminders (claim_id) WHERE status = 'sending';
