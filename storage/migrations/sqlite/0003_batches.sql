-- Batches: one step for many jurisdictions, waiting for a lead's approval.

CREATE TABLE batches (
    id          INTEGER PRIMARY KEY,
    requester   TEXT NOT NULL,
    step        TEXT NOT NULL,
    targets     TEXT NOT NULL,               -- JSON list of jurisdiction ids
    options     TEXT NOT NULL DEFAULT '{}',  -- JSON: date, due, note
    channel     TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',  -- pending, running, done, rejected
    created_at  TEXT NOT NULL,
    decided_by  TEXT,
    decided_at  TEXT,
    results     TEXT                         -- JSON list of [id, done?, message]
);
CREATE INDEX batches_pending ON batches (id) WHERE status = 'pending';
