-- The same columns and indexes as sqlite/0008_recovery_and_one_chain.sql.
ALTER TABLE reminders ADD COLUMN posted_after TEXT COLLATE "C";
CREATE INDEX reminders_sent_in_channel ON reminders (channel, message_ts) WHERE status = 'sent';

UPDATE reminders SET status = 'cancelled',
       cancelled_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')
 WHERE kind = 'follow_up' AND status IN ('pending', 'sending') AND EXISTS (
       SELECT 1 FROM reminders later WHERE later.jurisdiction_id = reminders.jurisdiction_id
          AND later.round = reminders.round AND later.deadline = reminders.deadline
          AND later.kind = 'follow_up' AND later.status IN ('pending', 'sending')
          AND (later.due_at > reminders.due_at
               OR (later.due_at = reminders.due_at AND later.id > reminders.id)));
CREATE UNIQUE INDEX reminders_one_follow_up ON reminders (jurisdiction_id, round, deadline)
 WHERE kind = 'follow_up' AND status IN ('pending', 'sending');
