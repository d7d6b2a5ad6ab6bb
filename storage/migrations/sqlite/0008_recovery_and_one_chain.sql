-- A sweep checks what a dead sweep posted by reading the channel back to a message
-- Slack stamped, never by comparing the bot's clock with Slack's: each claimed reminder
-- keeps the timestamp of the channel's last reminder message recorded when it was
-- claimed (Slack's own clock), and that lookup has an index.
ALTER TABLE reminders ADD COLUMN posted_after TEXT;
CREATE INDEX reminders_sent_in_channel ON reminders (channel, message_ts) WHERE status = 'sent';

-- One follow-up chain per deadline: at most one follow-up waits (pending or being posted)
-- for a deadline. Databases that already hold two keep the later one.
UPDATE reminders SET status = 'cancelled',
       cancelled_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
 WHERE kind = 'follow_up' AND status IN ('pending', 'sending') AND EXISTS (
       SELECT 1 FROM reminders later WHERE later.jurisdiction_id = reminders.jurisdiction_id
          AND later.round = reminders.round AND later.deadline = reminders.deadline
          AND later.kind = 'follow_up' AND later.status IN ('pending', 'sending')
          AND (later.due_at > reminders.due_at
               OR (later.due_at = reminders.due_at AND later.id > reminders.id)));
CREATE UNIQUE INDEX reminders_one_follow_up ON reminders (jurisdiction_id, round, deadline)
 WHERE kind = 'follow_up' AND status IN ('pending', 'sending');
