-- Reminders written with the step that set their deadline, claimed by sweeps; summary
-- subscriptions per channel. The database is the only truth: scheduler jobs are
-- rebuilt from these rows at start.

CREATE TABLE reminders (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions (id),
    round           INTEGER NOT NULL,
    deadline        TEXT NOT NULL,           -- the due date the reminder is about
    kind            TEXT NOT NULL,           -- before, overdue, follow_up, escalation, snoozed
    due_at          TEXT NOT NULL,           -- UTC; not posted before this
    status          TEXT NOT NULL DEFAULT 'pending',  -- pending, sending, sent, cancelled
    claim_id        TEXT,                    -- the sweep that is posting it
    claimed_at      TEXT,
    sent_at         TEXT,
    cancelled_at    TEXT,
    channel         TEXT,                    -- where it went
    message_ts      TEXT,
    snoozed_until   TEXT,                    -- set once someone snoozed it
    snoozed_by      TEXT,
    UNIQUE (jurisdiction_id, round, deadline, kind, due_at)
);
CREATE INDEX reminders_pending ON reminders (due_at) WHERE status = 'pending';
CREATE INDEX reminders_sending ON reminders (claimed_at) WHERE status = 'sending';
CREATE INDEX reminders_jurisdiction ON reminders (jurisdiction_id, status);

CREATE TABLE subscriptions (
    channel      TEXT PRIMARY KEY,
    cadence      TEXT NOT NULL,              -- daily or weekly
    weekday      INTEGER,                    -- weekly: 0 = Monday
    at_time      TEXT NOT NULL,              -- HH:MM in the subscription's time zone
    timezone     TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_sent_at TEXT                        -- UTC; the next summary covers what came after
);

CREATE INDEX events_recorded_at ON events (recorded_at);
