-- A sweep checks what a dead sweep posted by reading the channel back to a message
-- Slack stamped, never by comparing the bot's clock with Slack's: each claimed reminder
-- keeps the timestamp of the channel's last reminder message recorded when it was
-- claimed (Slack's own clock), and that lookup has an index.
ALTER TABLE reminders ADD COLUMN posted_after TEXT;
CREATE INDEX reminders_sent_in_channel ON reminders (channel, message_ts) WHERE status = 'sent';
