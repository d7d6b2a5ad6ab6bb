-- Copies refused across restarts and replicas, and announcements that wait instead of
-- being dropped: the same tables, columns and indexes as sqlite/0006_delivery.sql.

CREATE TABLE seen_requests (
    signature TEXT COLLATE "C" PRIMARY KEY,
    seen_at   DOUBLE PRECISION NOT NULL
);
CREATE INDEX seen_requests_seen_at ON seen_requests (seen_at);

CREATE TABLE seen_events (
    event_id TEXT COLLATE "C" PRIMARY KEY,
    seen_at  DOUBLE PRECISION NOT NULL
);
CREATE INDEX seen_events_seen_at ON seen_events (seen_at);

ALTER TABLE outbox ADD COLUMN retry_at TEXT COLLATE "C";
ALTER TABLE outbox ADD COLUMN message_ts TEXT COLLATE "C";
ALTER TABLE outbox ADD COLUMN after_ts TEXT COLLATE "C";
ALTER TABLE outbox ADD COLUMN recheck INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_channel_ts ON outbox (channel, message_ts);

CREATE TABLE channel_waits (
    channel    TEXT COLLATE "C" PRIMARY KEY,
    failures   INTEGER NOT NULL,
    retry_at   TEXT COLLATE "C" NOT NULL,
    last_error TEXT NOT NULL
);

CREATE TABLE delivery_warnings (
    channel   TEXT COLLATE "C" NOT NULL,
    user_id   TEXT COLLATE "C" NOT NULL,
    warned_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (channel, user_id)
);
