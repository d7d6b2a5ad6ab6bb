-- The same columns and indexes as sqlite/0007_recovery_and_one_chain.sql.
ALTER TABLE reminders ADD COLUMN posted_after TEXT COLLATE "C";
CREATE INDEX reminders_sent_in_channel ON reminders (channel, message_ts) WHERE status = 'sent';
