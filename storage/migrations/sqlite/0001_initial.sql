-- Jurisdictions, their rounds and court orders, the append-only history, roles and the
-- outbox of notices waiting to be posted. Dates are ISO 8601 text.

CREATE TABLE jurisdictions (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,           -- lower(name), for lookups by name or prefix
    kind       TEXT NOT NULL DEFAULT '',
    us_state   TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL,
    version    INTEGER NOT NULL,
    owner      TEXT,
    channel    TEXT,
    held_from  TEXT,
    held_by    TEXT,
    last_step_on TEXT,                  -- date of the last workflow step (steps go in order)
    due_on     TEXT,                    -- the running deadline, copied for lists and sweeps
    updated_at TEXT NOT NULL
);
CREATE INDEX jurisdictions_name_key ON jurisdictions (name_key);
CREATE INDEX jurisdictions_state ON jurisdictions (state, id);
CREATE INDEX jurisdictions_due_on ON jurisdictions (due_on) WHERE due_on IS NOT NULL;

CREATE TABLE aliases (
    alias           TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions (id)
);
CREATE INDEX aliases_jurisdiction ON aliases (jurisdiction_id);

CREATE TABLE rounds (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions (id),
    number          INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    sent_on         TEXT NOT NULL,
    due_on          TEXT,
    due_rule        TEXT NOT NULL DEFAULT '',
    business_days   INTEGER NOT NULL DEFAULT 0,
    outcome         TEXT,
    closed_on       TEXT,
    paused_on       TEXT,
    days_left       INTEGER,
    PRIMARY KEY (jurisdiction_id, number)
) WITHOUT ROWID;

CREATE TABLE court_orders (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions (id),
    id              INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    on_date         TEXT NOT NULL,
    case_number     TEXT NOT NULL,
    court           TEXT NOT NULL DEFAULT '',
    scope           TEXT NOT NULL DEFAULT '',
    blocks          TEXT NOT NULL DEFAULT '',  -- comma-separated step names
    lifted_on       TEXT,
    PRIMARY KEY (jurisdiction_id, id)
) WITHOUT ROWID;

CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions (id),
    seq             INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    actor           TEXT NOT NULL,
    on_date         TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    from_state      TEXT,
    to_state        TEXT,
    detail          TEXT NOT NULL DEFAULT '{}',
    UNIQUE (jurisdiction_id, seq)
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE roles (
    user_id    TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL
);
CREATE TABLE role_grants (                -- the audit trail of role changes
    id         INTEGER PRIMARY KEY,
    user_id    TEXT NOT NULL,
    role       TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL
);

CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    channel    TEXT NOT NULL,
    event_id   INTEGER NOT NULL REFERENCES events (id),
    created_at TEXT NOT NULL,
    sent_at    TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    dropped_at TEXT                      -- Slack refused it for good (e.g. channel_not_found)
);
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL AND dropped_at IS NULL;
